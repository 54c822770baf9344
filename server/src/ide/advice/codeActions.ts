// Code actions that cut energy, each a real edit whose title prices it on the current profile by
// re-running the energy model: dynamic int8 quantization (CPUs), autocast mixed precision (model calls
// and training steps), fp8, 2:4 sparsity and TensorRT int8 (GPUs, gpuActions.ts), pruning, a smaller catalogued checkpoint, knowledge distillation, bias=False before
// BatchNorm, torch.no_grad() around inference loops, and the Keras / TF.js equivalents.
import type { Range, SyntaxNode } from '../../core/parse/syntax';
import type { ActionItem, EditItem, FindingItem } from '../items';
import { CODES, findingItems } from './diagnostics';
import { insertAfter, torchImport, wrapInWith } from '../syntax/edits';
import { energyEdited, forwardSaving, savingAt, type View } from '../view';
import { priceText } from './advice';
import { autocastLowers, autocastTarget } from './devices';
import type { LayerReport } from '../../core/report/types';
import { bytesPerElement } from '../../core/report/precision';
import { convsBeforeNorm, inferenceLoops, scanModels, type ModelBinding, type ModelCall } from './patterns';
import { findingsAt, overlaps, pointAt } from '../syntax/ranges';
import { structuredPruneAction, unstructuredPruneAction } from './pruning';
import { trainingAutocastActions } from './trainingAdvice';
import { trainingSites } from './trainingSteps';
import { checkpointActions } from './checkpoints';
import { distillationActions } from './distillation';
import { isKeras, kerasActions } from './kerasActions';
import { tfjsActions } from './tfjsActions';
import { segmentAt, type Source } from '../sources';
import { inputAndGenerationActions } from './generationAdvice';
import { fp8Action, sparsityAction, tensorrtAction } from './gpuActions';
import * as fmt from '../format';

const QUANTIZED_OPS = new Set(['Linear', 'LSTM']);

/**
 * Actions for a source range; `only` filters by kind prefix as the client asks. `syntaxOf` parses
 * sources whose analysis keeps no tree (TypeScript / JavaScript) when an action needs one.
 */
export function codeActionItems(
  view: View,
  range: Range,
  only?: string[],
  syntaxOf?: (source: Source) => SyntaxNode | null,
): ActionItem[] {
  const root = view.analysis.root;
  let actions: ActionItem[];
  if (view.source.language !== 'python') {
    const tfjs = view.file.models.some((m) => m.framework === 'tfjs' && overlaps(m.range, range));
    actions = tfjs ? tfjsActions(view, syntaxOf?.(view.source) ?? null, range) : [];
  } else if (!root) {
    return [];
  } else {
    const findings = findingItems(view);
    actions = [
      ...quickFixes(view, root, range, findings),
      ...trainingAutocastActions(view, root, range, findings),
      ...checkpointActions(view, root, range, findings),
      ...modelActions(view, root, range),
      ...distillationActions(view, root, range),
      ...inputAndGenerationActions(view, range),
      ...kerasActions(view, root, range, findings),
    ];
  }
  if (view.source.notebook) actions = actions.flatMap((a) => withinOneCell(view, a, range));
  return only?.length ? actions.filter((a) => only.some((k) => a.kind === k || a.kind.startsWith(`${k}.`))) : actions;
}

/**
 * A notebook action edits only the cell it is offered in: an `import` it would add to another cell
 * goes to the top of that cell instead, and an action with any other edit elsewhere is not offered.
 */
function withinOneCell(view: View, action: ActionItem, range: Range): ActionItem[] {
  const here = segmentAt(view.source, range.start.line);
  if (!here) return [];
  const edits: EditItem[] = [];
  for (const edit of action.edits) {
    if (segmentAt(view.source, edit.range.start.line) === here && segmentAt(view.source, edit.range.end.line) === here)
      edits.push(edit);
    else if (/^import [\w.]+\n$/.test(edit.newText) && edit.range.start.line === edit.range.end.line) {
      const top = { line: here.firstLine, character: 0 };
      edits.unshift({ range: { start: top, end: top }, newText: edit.newText });
    } else return [];
  }
  return [{ ...action, edits }];
}

function quickFixes(view: View, root: SyntaxNode, range: Range, findings: FindingItem[]): ActionItem[] {
  const out: ActionItem[] = [];
  for (const site of convsBeforeNorm(view)) {
    if (!overlaps(site.conv.range, range)) continue;
    const edit: EditItem = site.replace
      ? { range: site.replace.range, newText: 'False' }
      : { range: pointAt(view.source, site.insertAt!), newText: ', bias=False' };
    const channels = site.conv.outputShape?.[1];
    const params = site.model.totals.params;
    const saving = forwardSaving(
      view,
      site.model,
      channels
        ? energyEdited(view, site.model, (l) =>
            l.path === site.conv.path ? withoutBias(view, l, channels) : undefined,
          )
        : 'the channel count is unknown',
      params !== null && channels ? { params: { before: params, after: params - channels } } : {},
    );
    out.push({
      title: `Set bias=False on ${site.conv.path} (${site.norm.op} follows and cancels it${channels ? `; −${channels} params` : ''})`,
      kind: 'quickfix',
      advice: 'conv-bias-false',
      saving,
      edits: [edit],
      preferred: true,
      fixes: findingsAt(findings, CODES.convBias, site.conv.range),
    });
  }
  for (const { loop } of inferenceLoops(view)) {
    if (!overlaps(loop.range, range)) continue;
    const edits = wrapInWith(view.source, root, loop, 'with torch.no_grad():');
    if (!edits) continue;
    const kept = keptActivations(view);
    out.push({
      title: `Wrap this inference loop in torch.no_grad()${kept ? ` (autograd stops keeping up to ${kept} of activations per forward pass)` : ''}`,
      kind: 'quickfix',
      advice: 'no-grad',
      edits: withImport(view, root, edits),
      preferred: true,
      fixes: findingsAt(findings, CODES.inferenceLoop, { start: loop.range.start, end: loop.range.start }),
    });
  }
  return out;
}

function modelActions(view: View, root: SyntaxNode, range: Range): ActionItem[] {
  const out: ActionItem[] = [];
  const { bindings, calls } = scanModels(view);
  for (const binding of bindings) {
    const own = calls.filter((c) => c.binding === binding);
    if (isKeras(view, binding.model) || !isAbout(binding, own, range)) continue;
    const quantize = quantizeAction(view, root, binding);
    const autocast = autocastAction(view, root, binding, own, range);
    const prune = unstructuredPruneAction(view, root, binding);
    const structured = structuredPruneAction(view, binding);
    const gpu = [fp8Action(view, root, binding), sparsityAction(view, root, binding), tensorrtAction(view, binding)];
    for (const a of [quantize, autocast, prune, structured, ...gpu]) if (a) out.push(a);
  }
  return out;
}

/** Model actions are offered on the model's class, the line that builds it, and the lines that call it. */
function isAbout(binding: ModelBinding, calls: ModelCall[], range: Range): boolean {
  return (
    overlaps(binding.model.range, range) ||
    overlaps(binding.statement.range, range) ||
    calls.some((c) => overlaps((c.statement ?? c.call).range, range))
  );
}

/**
 * Dynamic int8 quantization of Linear/LSTM layers: PyTorch runs it on CPUs only (fbgemm / qnnpack
 * kernels), so it is offered on CPU profiles and priced there; on a GPU profile it is not offered.
 */
function quantizeAction(view: View, root: SyntaxNode, b: ModelBinding): ActionItem | undefined {
  if (view.profile?.kind !== 'cpu' || !view.profile.peak.int8) return undefined;
  // quantize_dynamic converts the module tree the file builds; a catalogued checkpoint has none here.
  if (b.model.framework !== 'pytorch') return undefined;
  if (view.settings.precision === 'int8' || !b.model.layers.some((l) => QUANTIZED_OPS.has(l.op))) return undefined;
  // The edit quantizes the Linear/LSTM layers whose precision the code does not already state.
  const saving = savingAt(view, b.model, 'int8', (l) => QUANTIZED_OPS.has(l.op) && !l.precision);
  const v = b.variable;
  const edit = insertAfter(view.source, b.statement, [
    `${v} = torch.ao.quantization.quantize_dynamic(${v}, {torch.nn.Linear, torch.nn.LSTM}, dtype=torch.qint8)`,
  ]);
  return {
    title: `Apply dynamic int8 quantization to Linear/LSTM layers (${priceText(saving)}; PyTorch runs it on CPU)`,
    kind: 'refactor.rewrite',
    advice: 'quantize-dynamic-int8',
    saving,
    edits: withImport(view, root, [edit]),
  };
}

function autocastAction(
  view: View,
  root: SyntaxNode,
  b: ModelBinding,
  calls: ModelCall[],
  range: Range,
): ActionItem | undefined {
  if (['fp16', 'bf16', 'fp8', 'int8'].includes(view.settings.precision) || !view.profile) return undefined;
  const autocast = autocastTarget(view.profile);
  if (!autocast) return undefined;
  const trainingLoops = new Set(
    trainingSites(view)
      .filter((t) => t.step)
      .map((t) => t.loop),
  );
  const wrappable = calls.filter((c) => c.statement && !c.autocast && !c.ancestors.some((a) => trainingLoops.has(a)));
  const call = wrappable.find((c) => overlaps(c.statement!.range, range)) ?? wrappable[0];
  if (!call) return undefined;
  const { device, precision: target, dtype } = autocast;
  const edits = wrapInWith(
    view.source,
    root,
    call.statement!,
    `with torch.autocast(device_type="${device}", dtype=${dtype}):`,
  );
  if (!edits) return undefined;
  // Autocast lowers matmul-like ops (and what follows them) but not softmax, norms and losses, nor
  // layers whose precision the code already states: the same rule the analysis of the edited code follows.
  if (!b.model.layers.some((l) => autocastLowers(l.op) && !l.precision)) return undefined;
  const saving = savingAt(view, b.model, target, (l) => autocastLowers(l.op) && !l.precision);
  return {
    title: `Run ${b.variable}(...) under torch.autocast(${dtype}) mixed precision (${priceText(saving)})`,
    kind: 'refactor.rewrite',
    advice: 'autocast',
    saving,
    edits: withImport(view, root, edits),
  };
}

function keptActivations(view: View): string | null {
  const bytes = view.file.models
    .filter((m) => m.root)
    .map((m) => m.totals.activationBytes)
    .find((b) => b !== null);
  return bytes ? fmt.bytes(bytes) : null;
}

/** The conv layer as `bias=False` leaves it: C fewer parameters and no bias add per output element. */
function withoutBias(view: View, layer: LayerReport, channels: number): LayerReport {
  const bytes = bytesPerElement(view.analysis.options.precision);
  const outputs = layer.outputShape ? layer.outputShape.reduce((a, b) => a * b, 1) : null;
  return {
    ...layer,
    params: layer.params === null ? null : layer.params - channels,
    weightBytes: layer.weightBytes === null ? null : layer.weightBytes - channels * bytes,
    flops: layer.flops === null || outputs === null ? null : layer.flops - outputs,
  };
}

function withImport(view: View, root: SyntaxNode, edits: EditItem[]): EditItem[] {
  const imp = torchImport(view.source, root);
  return imp ? [imp, ...edits] : edits;
}
