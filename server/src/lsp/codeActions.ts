// Code actions that cut energy, each a real edit whose title prices it on the current profile by
// re-running the energy model: dynamic int8 quantization, autocast mixed precision, pruning,
// bias=False before BatchNorm, and torch.no_grad() around inference loops.
import type { LayerReport, ModelReport, Precision } from '../core/report/types';
import type { Range, SyntaxNode } from '../core/parse/syntax';
import * as fmt from './format';
import type { ActionItem, EditItem, FindingItem } from './items';
import { CODES, findingItems } from './diagnostics';
import { insertAfter, torchImport, wrapInWith } from './edits';
import { energyWith, modelEnergy, type View } from './estimate';
import { convsBeforeNorm, inferenceLoops, scanModels, type ModelBinding, type ModelCall } from './patterns';
import { indentUnit } from './pySyntax';
import { positionAt } from './sources';

const QUANTIZED_OPS = new Set(['Linear', 'LSTM']);
const PRUNE_AMOUNT = 0.3;
const PRUNE_LAYERS = 3;

/** Actions for a source range; `only` filters by kind prefix as the client asks. */
export function codeActionItems(view: View, range: Range, only?: string[]): ActionItem[] {
  const root = view.analysis.root;
  if (!root) return [];
  const actions = [...quickFixes(view, root, range), ...modelActions(view, root, range)];
  return only?.length ? actions.filter((a) => only.some((k) => a.kind === k || a.kind.startsWith(`${k}.`))) : actions;
}

function quickFixes(view: View, root: SyntaxNode, range: Range): ActionItem[] {
  const findings = findingItems(view);
  const out: ActionItem[] = [];
  for (const site of convsBeforeNorm(view)) {
    if (!overlaps(site.conv.range, range)) continue;
    const edit: EditItem = site.replace
      ? { range: site.replace.range, newText: 'False' }
      : { range: pointAt(view, site.insertAt!), newText: ', bias=False' };
    const channels = site.conv.outputShape?.[1];
    out.push({
      title: `Set bias=False on ${site.conv.path} (${site.norm.op} follows and cancels it${channels ? `; −${channels} params` : ''})`,
      kind: 'quickfix', edits: [edit], preferred: true, fixes: findingsAt(findings, CODES.convBias, site.conv.range),
    });
  }
  for (const { loop } of inferenceLoops(view)) {
    if (!overlaps(loop.range, range)) continue;
    const edits = wrapInWith(view.source, root, loop, 'with torch.no_grad():');
    if (!edits) continue;
    const kept = keptActivations(view);
    out.push({
      title: `Wrap this inference loop in torch.no_grad()${kept ? ` (autograd stops keeping up to ${kept} of activations per forward pass)` : ''}`,
      kind: 'quickfix', edits: withImport(view, root, edits), preferred: true,
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
    if (!isAbout(binding, own, range)) continue;
    const quantize = quantizeAction(view, root, binding);
    const autocast = autocastAction(view, root, binding, own, range);
    const prune = pruneAction(view, root, binding);
    for (const a of [quantize, autocast, prune]) if (a) out.push(a);
  }
  return out;
}

/** Model actions are offered on the model's class, the line that builds it, and the lines that call it. */
function isAbout(binding: ModelBinding, calls: ModelCall[], range: Range): boolean {
  return overlaps(binding.model.range, range) || overlaps(binding.statement.range, range) || calls.some((c) => overlaps((c.statement ?? c.call).range, range));
}

function quantizeAction(view: View, root: SyntaxNode, b: ModelBinding): ActionItem | undefined {
  if (view.settings.precision === 'int8' || !b.model.layers.some((l) => QUANTIZED_OPS.has(l.op))) return undefined;
  const price = priceAt(view, b.model, 'int8', (l) => QUANTIZED_OPS.has(l.op));
  const cpuNote = view.profile && view.profile.kind !== 'cpu' ? '; PyTorch runs dynamic quantization on CPU' : '';
  const v = b.variable;
  const edit = insertAfter(view.source, b.statement, [`${v} = torch.ao.quantization.quantize_dynamic(${v}, {torch.nn.Linear, torch.nn.LSTM}, dtype=torch.qint8)`]);
  return { title: `Apply dynamic int8 quantization to Linear/LSTM layers (${price}${cpuNote})`, kind: 'refactor.rewrite', edits: withImport(view, root, [edit]) };
}

function autocastAction(view: View, root: SyntaxNode, b: ModelBinding, calls: ModelCall[], range: Range): ActionItem | undefined {
  if (['fp16', 'bf16', 'fp8', 'int8'].includes(view.settings.precision) || !view.profile) return undefined;
  const kind = view.profile.kind;
  if (kind !== 'cpu' && kind !== 'gpu' && kind !== 'soc') return undefined;
  const wrappable = calls.filter((c) => c.statement && !c.autocast);
  const call = wrappable.find((c) => overlaps(c.statement!.range, range)) ?? wrappable[0];
  if (!call) return undefined;
  const device = kind === 'cpu' ? 'cpu' : 'cuda';
  const target: Precision = device === 'cpu' || view.profile.peak.bf16 ? 'bf16' : 'fp16';
  const dtype = target === 'bf16' ? 'torch.bfloat16' : 'torch.float16';
  const edits = wrapInWith(view.source, root, call.statement!, `with torch.autocast(device_type="${device}", dtype=${dtype}):`);
  if (!edits) return undefined;
  const price = priceAt(view, b.model, target);
  return { title: `Run ${b.variable}(...) under torch.autocast(${dtype}) mixed precision (${price})`, kind: 'refactor.rewrite', edits: withImport(view, root, edits) };
}

function pruneAction(view: View, root: SyntaxNode, b: ModelBinding): ActionItem | undefined {
  const heaviest = heaviestLayers(b.model);
  if (!heaviest.length) return undefined;
  const unit = indentUnit(view.source, root);
  const names = heaviest.map((l) => JSON.stringify(l.path)).join(', ');
  const lines = [
    'import torch.nn.utils.prune as prune  # WattLens: unstructured sparsity saves energy only on sparse-aware kernels',
    `for _name in (${names}${heaviest.length === 1 ? ',' : ''}):`,
    `${unit}_layer = ${b.variable}.get_submodule(_name)`,
    `${unit}prune.l1_unstructured(_layer, name="weight", amount=${PRUNE_AMOUNT})`,
    `${unit}prune.remove(_layer, "weight")`,
  ];
  const edit = insertAfter(view.source, b.statement, lines);
  const total = modelEnergy(b.model);
  const share = layerEnergy(b.model, new Set(heaviest.map((l) => l.path)));
  const bound = total && share !== null ? `at most −${Math.round(PRUNE_AMOUNT * (share / total) * 100)}% on ${view.profile?.id}, ` : '';
  return {
    title: `Prune ${PRUNE_AMOUNT * 100}% of the weights of the ${heaviest.length} heaviest Linear/Conv layers (L1 unstructured: ` +
      `saves energy only on sparse-aware kernels, ${bound}±0% with dense kernels)`,
    kind: 'refactor.rewrite', edits: [edit],
  };
}

/** The heaviest Linear/Conv layers by MACs, distinct paths. */
function heaviestLayers(model: ModelReport): LayerReport[] {
  const byPath = new Map<string, LayerReport>();
  for (const l of model.layers) {
    if (!/^(Linear|Conv[123]d)$/.test(l.op) || l.macs === null || !l.params) continue;
    if (!byPath.has(l.path) || byPath.get(l.path)!.macs! < l.macs) byPath.set(l.path, l);
  }
  return [...byPath.values()].sort((a, b) => b.macs! - a.macs!).slice(0, PRUNE_LAYERS);
}

function layerEnergy(model: ModelReport, paths: Set<string>): number | null {
  let sum = 0;
  for (const l of model.layers) {
    if (!paths.has(l.path)) continue;
    if (l.energyJ === null) return null;
    sum += l.energyJ;
  }
  return sum;
}

/** "−58% energy on nvidia-t4", or why it cannot be said. */
function priceAt(view: View, model: ModelReport, precision: Precision, affected?: (l: LayerReport) => boolean): string {
  const before = modelEnergy(model);
  const after = energyWith(view, model, precision, affected);
  if (before === null || model.totals.energyJ === null) return `saving unknown: ${view.energyNote ?? 'the model\'s energy is unknown'}`;
  if (typeof after === 'string') return `saving unknown: ${after}`;
  return `${fmt.saving(before, after)} energy on ${view.profile?.id}`;
}

function keptActivations(view: View): string | null {
  const bytes = view.file.models.filter((m) => m.root).map((m) => m.totals.activationBytes).find((b) => b !== null);
  return bytes ? fmt.bytes(bytes) : null;
}

function withImport(view: View, root: SyntaxNode, edits: EditItem[]): EditItem[] {
  const imp = torchImport(view.source, root);
  return imp ? [imp, ...edits] : edits;
}

function findingsAt(findings: FindingItem[], code: string, range: Range): FindingItem[] {
  return findings.filter((f) => f.code === code && f.range.start.line === range.start.line && f.range.start.character === range.start.character);
}

function pointAt(view: View, offset: number): Range {
  const p = positionAt(view.source, offset);
  return { start: p, end: p };
}

/** Whether two ranges share a line (actions are offered for the whole line the cursor is on). */
function overlaps(a: Range, b: Range): boolean {
  return a.start.line <= b.end.line && b.start.line <= a.end.line;
}
