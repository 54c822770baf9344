// Advice for inputs and generation: "Set the example input" writes the `# wattlens: input=` line for a
// model costed on an assumed input; "Load in bf16" adds torch_dtype to an fp32 from_pretrained whose
// model generates, priced by re-costing the generate call at bf16 on the current profile.
import type { ModelReport } from '../../core/report/types';
import type { Range } from '../../core/parse/syntax';
import { generationShapeOf } from '../../core/catalog/generationShapes';
import { generationCost, supportedPrecisions } from '../../core/energy';
import type { ActionItem, EditItem, FindingItem } from '../items';
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
  }
  return out;
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
  const half = supportedPrecisions(view.profile).includes('bf16') ? 'bf16' : 'fp16';
  const after = generationCost(
    attached.shape,
    { batch: g.batch, promptTokens: g.promptTokens, newTokens: g.newTokens },
    { compute: half, weightBytes: 2, kvBytes: 2, source: half },
    view.profile,
  );
  if (after.energyPerOutputTokenJ === null) return undefined;
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
export const GENERATION_CODES = { fp32Load: 'generation-fp32-load', unbatched: 'generation-unbatched' } as const;

/** Generation advice as diagnostics: an fp32 load of a generating model, and generate run once per prompt in a loop. */
export function generationFindings(view: View): FindingItem[] {
  const out: FindingItem[] = [];
  if (!view.profile) return out;
  for (const model of view.file.models) {
    const g = model.generation;
    const attached = g ? generationShapeOf(g) : undefined;
    if (!g || !attached || g.energyPerOutputTokenJ === null || g.batch === null) continue;
    const at = (batch: number, compute: 'bf16' | 'fp16' | 'fp32', weightBytes: number) =>
      generationCost(
        attached.shape,
        { batch, promptTokens: g.promptTokens!, newTokens: g.newTokens! },
        { compute, weightBytes, kvBytes: compute === 'fp32' ? 4 : 2, source: compute },
        view.profile!,
      ).energyPerOutputTokenJ;
    if (/^no torch_dtype/.test(g.numerics)) {
      const half = supportedPrecisions(view.profile).includes('bf16') ? 'bf16' : 'fp16';
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
