// Advice for inputs and generation: "Set the example input" writes the `# wattlens: input=` line for a
// model costed on an assumed input; "Load in bf16" adds torch_dtype to an fp32 from_pretrained whose
// model generates; "Keep the KV cache" turns `use_cache=False` back on; "Load in 4-bit / 8-bit" adds a
// bitsandbytes config where it runs (CUDA GPUs). Each is priced by re-costing the generate call on the
// current profile, as re-analysis of the edited file costs it.
import type { ModelReport } from '../../core/report/types';
import type { Range } from '../../core/parse/syntax';
import { generationShapeOf } from '../../core/catalog/generationShapes';
import { generationWith, supportedPrecisions, type GenerationChange } from '../../core/energy';
import type { GenerationReport } from '../../core/report/types';
import type { SyntaxNode } from '../../core/parse/syntax';
import { contextAt } from '../view';
import { walk } from '../syntax/pySyntax';
import { moduleImport, torchImport } from '../syntax/edits';
import { torchDevice } from './devices';
import type { ActionItem, EditItem, FindingItem, Saving } from '../items';
import type { View } from '../view';
import { lineText } from '../sources';
import { overlaps } from '../syntax/ranges';
import * as fmt from '../format';

/** The input-and-generation actions whose model overlaps `range`. */
export function inputAndGenerationActions(view: View, range: Range): ActionItem[] {
  const out: ActionItem[] = [];
  for (const model of view.file.models) {
    const example = exampleInputAction(view, model, range);
    if (example) out.push(example);
    const bf16 = loadInBf16Action(view, model, range);
    if (bf16) out.push(bf16);
    const cache = useKvCacheAction(view, model, range);
    if (cache) out.push(cache);
    out.push(...quantizedLoadActions(view, model, range));
  }
  return out;
}

/** The half precision a load on the view's profile would run at: bf16 where it has a peak, else fp16, else none. */
function halfOn(view: View): 'bf16' | 'fp16' | undefined {
  const have = view.profile ? supportedPrecisions(view.profile) : [];
  return have.includes('bf16') ? 'bf16' : have.includes('fp16') ? 'fp16' : undefined;
}

/** The generate call re-costed on the view's profile with one change, or why it cannot be. */
function repriced(view: View, g: GenerationReport, change: GenerationChange): GenerationReport | string {
  const ctx = contextAt(view, view.settings.precision);
  if (typeof ctx === 'string') return ctx;
  return generationWith(g, ctx, change) ?? 'the generate call has no model shape to re-cost';
}

/** The saving of a generate call (joules of the whole call) and the per-token text of a title. */
function generationSaving(
  view: View,
  model: ModelReport,
  g: GenerationReport,
  after: GenerationReport,
): { saving: Saving; text: string } | undefined {
  if (g.energyJ === null || after.energyJ === null || g.energyPerOutputTokenJ === null) return undefined;
  if (after.energyPerOutputTokenJ === null) return undefined;
  return {
    saving: {
      scope: 'generation',
      model: model.name,
      device: view.profile?.id ?? 'no profile',
      before: g.energyJ,
      after: after.energyJ,
    },
    text: `${fmt.energy(g.energyPerOutputTokenJ)} → ${fmt.energy(after.energyPerOutputTokenJ)} per output token on ${view.profile?.id} (${fmt.saving(g.energyPerOutputTokenJ, after.energyPerOutputTokenJ)})`,
  };
}

/** The `use_cache=False` argument node of the generate call at `g.range`, when the call has one. */
function useCacheArgument(root: SyntaxNode | null, g: GenerationReport): SyntaxNode | undefined {
  if (!root) return undefined;
  let found: SyntaxNode | undefined;
  walk(root, (node) => {
    if (found) return false;
    if (node.type !== 'keyword_argument') return;
    const name = node.children[0];
    const value = node.children[node.children.length - 1];
    const r = node.range;
    const inside =
      (r.start.line > g.range.start.line ||
        (r.start.line === g.range.start.line && r.start.character >= g.range.start.character)) &&
      (r.end.line < g.range.end.line || (r.end.line === g.range.end.line && r.end.character <= g.range.end.character));
    if (inside && name?.text === 'use_cache' && value?.text === 'False') found = value;
  });
  return found;
}

/** `generate(..., use_cache=False)`: set it to True, priced as the call with the KV cache. */
export function useKvCacheAction(view: View, model: ModelReport, range: Range): ActionItem | undefined {
  const g = model.generation;
  if (!g || g.loop || g.cache?.kind !== 'none' || !view.profile) return undefined;
  const value = useCacheArgument(view.analysis.root, g);
  if (!value || !overlaps({ start: model.range.start, end: g.range.end }, range)) return undefined;
  const after = repriced(view, g, { useCache: true });
  const priced = typeof after === 'string' ? undefined : generationSaving(view, model, g, after);
  if (!priced) return undefined;
  return {
    title: `Keep the KV cache (use_cache=True): ${priced.text}`,
    kind: 'quickfix',
    advice: 'use-kv-cache',
    saving: priced.saving,
    edits: [{ range: value.range, newText: 'True' }],
    preferred: true,
  };
}

/**
 * "Load in 4-bit" / "Load in 8-bit" (bitsandbytes) for a from_pretrained whose model generates. Offered
 * only on CUDA GPUs, where bitsandbytes runs, and priced there; the quality cost is the user's to judge.
 */
export function quantizedLoadActions(view: View, model: ModelReport, range: Range): ActionItem[] {
  const g = model.generation;
  const profile = view.profile;
  if (!g || g.loop || !profile || profile.kind !== 'gpu' || torchDevice(profile) !== 'cuda') return [];
  if (!overlaps(model.range, range) || !isFromPretrained(view, model)) return [];
  const attached = generationShapeOf(g);
  if (!attached || attached.numerics.weightBytes < 2) return [];
  const half = halfOn(view);
  if (!half) return [];
  const dtype = half === 'bf16' ? 'torch.bfloat16' : 'torch.float16';
  const out: ActionItem[] = [];
  for (const bits of [4, 8] as const) {
    const compute = bits === 4 ? half : attached.numerics.compute === 'fp32' ? 'fp16' : attached.numerics.compute;
    const after = repriced(view, g, { numerics: { weightBytes: bits / 8, compute } });
    const priced = typeof after === 'string' ? undefined : generationSaving(view, model, g, after);
    if (!priced || priced.saving.after! >= priced.saving.before!) continue;
    const config =
      bits === 4
        ? `transformers.BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_compute_dtype=${dtype})`
        : 'transformers.BitsAndBytesConfig(load_in_8bit=True)';
    const edits: EditItem[] = [
      { range: { start: model.range.end, end: model.range.end }, newText: `, quantization_config=${config}` },
    ];
    const root = view.analysis.root;
    const imports = root
      ? [moduleImport(view.source, root, 'transformers'), bits === 4 ? torchImport(view.source, root) : undefined]
      : [];
    for (const edit of imports) if (edit && !edits.some((e) => e.newText === edit.newText)) edits.unshift(edit);
    out.push({
      title: `Load in ${bits}-bit (bitsandbytes, CUDA): ${priced.text}; check the quality on your task`,
      kind: 'refactor.rewrite',
      advice: bits === 4 ? 'load-4bit' : 'load-8bit',
      saving: priced.saving,
      edits,
    });
  }
  return out;
}

/** Whether the model's name literal is the checkpoint argument of a `from_pretrained` call. */
function isFromPretrained(view: View, model: ModelReport): boolean {
  const line = lineText(view.source, model.range.start.line).slice(0, model.range.start.character);
  return /from_pretrained\(\s*$/.test(line) || /pretrained_model_name_or_path\s*=\s*$/.test(line);
}

/** `# wattlens: input=(1, 3, 224, 224)` above a model costed on the first layer's stated default. */
export function exampleInputAction(view: View, model: ModelReport, range: Range): ActionItem | undefined {
  const input = model.input;
  if (!input || input.rule !== 'assumed' || !overlaps(model.range, range)) return undefined;
  const line = model.range.start.line;
  const indent = /^\s*/.exec(lineText(view.source, line))![0];
  const dtype = /^u?int/.test(input.dtype) ? `:${input.dtype}` : '';
  const edit: EditItem = {
    range: { start: { line, character: 0 }, end: { line, character: 0 } },
    newText: `${indent}# wattlens: input=(${input.shape.join(', ')})${dtype}\n`,
  };
  return {
    title: `Set the example input (now assumed: ${input.shape.join('×')} from the first layer; edit the line to your input)`,
    kind: 'quickfix',
    advice: 'example-input',
    edits: [edit],
  };
}

/** `from_pretrained("id")` without a dtype loads fp32: add torch_dtype=torch.bfloat16 (or float16 where bf16 is missing). */
export function loadInBf16Action(view: View, model: ModelReport, range: Range): ActionItem | undefined {
  const g = model.generation;
  if (!g || !/^no torch_dtype/.test(g.numerics) || !overlaps(model.range, range) || !view.profile) return undefined;
  const attached = generationShapeOf(g);
  if (
    !attached ||
    g.batch === null ||
    g.promptTokens === null ||
    g.newTokens === null ||
    g.energyPerOutputTokenJ === null
  )
    return undefined;
  const half = halfOn(view);
  if (!half) return undefined;
  const after = repriced(view, g, { numerics: { weightBytes: 2, compute: half } });
  if (typeof after === 'string' || after.energyPerOutputTokenJ === null) return undefined;
  const dtype = half === 'bf16' ? 'torch.bfloat16' : 'torch.float16';
  const edits: EditItem[] = [
    { range: { start: model.range.end, end: model.range.end }, newText: `, torch_dtype=${dtype}` },
  ];
  if (!/^\s*import torch\s*$/m.test(view.source.text))
    edits.unshift({
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      newText: 'import torch\n',
    });
  return {
    title: `Load in ${half} (torch_dtype=${dtype}): ${fmt.energy(g.energyPerOutputTokenJ)} → ${fmt.energy(after.energyPerOutputTokenJ)} per output token on ${view.profile.id} (${fmt.saving(g.energyPerOutputTokenJ, after.energyPerOutputTokenJ)})`,
    kind: 'quickfix',
    advice: 'load-half-precision',
    edits,
    preferred: true,
  };
}

/** Codes of the generation diagnostics. */
export const GENERATION_CODES = {
  fp32Load: 'generation-fp32-load',
  unbatched: 'generation-unbatched',
  noKvCache: 'generation-no-kv-cache',
} as const;

/** Generation advice as diagnostics: an fp32 load of a generating model, and generate run once per prompt in a loop. */
export function generationFindings(view: View): FindingItem[] {
  const out: FindingItem[] = [];
  if (!view.profile) return out;
  for (const model of view.file.models) {
    const cache = noCacheFinding(view, model);
    if (cache) out.push(cache);
    const g = model.generation;
    const attached = g ? generationShapeOf(g) : undefined;
    if (!g || !attached || g.energyPerOutputTokenJ === null || g.batch === null) continue;
    const at = (batch: number, compute: 'bf16' | 'fp16' | 'fp32', weightBytes: number) => {
      const priced = repriced(view, g, { batch, numerics: { compute, weightBytes } });
      return typeof priced === 'string' ? null : priced.energyPerOutputTokenJ;
    };
    const half = halfOn(view);
    if (/^no torch_dtype/.test(g.numerics) && half) {
      const after = at(g.batch, half, 2);
      if (after !== null)
        out.push({
          range: model.range,
          severity: 'information',
          code: GENERATION_CODES.fp32Load,
          message: `${model.name} is loaded in fp32 (no torch_dtype): ${fmt.energy(g.energyPerOutputTokenJ)} per output token on ${view.profile.id}; in ${half}, ${fmt.energy(after)} (${fmt.saving(g.energyPerOutputTokenJ, after)})`,
        });
    }
    if (g.calls && g.calls > 1 && g.batch === 1) {
      const batched = at(g.calls, attached.numerics.compute, attached.numerics.weightBytes);
      if (batched !== null)
        out.push({
          range: g.range,
          severity: 'information',
          code: GENERATION_CODES.unbatched,
          message: `generate runs ${g.calls} times on one prompt each: ${fmt.energy(g.energyPerOutputTokenJ)} per output token; one call on all ${g.calls} prompts: ${fmt.energy(batched)} per output token (${fmt.saving(g.energyPerOutputTokenJ, batched)})`,
        });
    }
  }
  return out;
}

/**
 * A generation without a KV cache: `use_cache=False` (priced against the call with the cache), or a
 * hand-written loop that runs the model on the whole context at every step (its cost per token grows
 * with the context; a cache would run one token per step).
 */
function noCacheFinding(view: View, model: ModelReport): FindingItem | undefined {
  const g = model.generation;
  if (!g || g.cache?.kind !== 'none' || g.energyPerOutputTokenJ === null || !view.profile) return undefined;
  const here = `${fmt.energy(g.energyPerOutputTokenJ)} per output token on ${view.profile.id}`;
  if (g.loop) {
    const context = `${g.promptTokens ?? '?'} to ${(g.promptTokens ?? 0) + (g.newTokens ?? 0) - 1}`;
    return {
      range: g.range,
      severity: 'information',
      code: GENERATION_CODES.noKvCache,
      message: `${model.name}'s decode loop (line ${g.loop.line}) has no KV cache: each of its ${g.newTokens} steps runs the model on the whole context so far (${context} tokens), ${here}; keeping the keys and values of past tokens would make each step run one token`,
    };
  }
  const value = useCacheArgument(view.analysis.root, g);
  const after = repriced(view, g, { useCache: true });
  if (typeof after === 'string' || after.energyPerOutputTokenJ === null) return undefined;
  return {
    range: value?.range ?? g.range,
    severity: 'information',
    code: GENERATION_CODES.noKvCache,
    message: `use_cache=False recomputes the whole prefix at every decode step: ${here}; with the KV cache, ${fmt.energy(after.energyPerOutputTokenJ)} (${fmt.saving(g.energyPerOutputTokenJ, after.energyPerOutputTokenJ)})`,
  };
}
