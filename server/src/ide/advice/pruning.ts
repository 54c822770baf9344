// Pruning actions: L1 unstructured on the heaviest Linear/Conv layers (saves energy only on
// sparse-aware kernels) and L2 structured on the heaviest convolution's output channels (saves energy
// on dense kernels once the model is rebuilt without the zeroed channels).
import type { LayerReport, ModelReport } from '../../core/report/types';
import type { SyntaxNode } from '../../core/parse/syntax';
import type { ActionItem } from '../items';
import { insertAfter } from '../syntax/edits';
import { energyScaled, forwardSaving, modelEnergy, type LayerScale, type View } from '../view';
import { priceText } from './advice';
import type { ModelBinding } from './patterns';
import { indentUnit } from '../syntax/pySyntax';

const PRUNE_AMOUNT = 0.3;
const PRUNE_LAYERS = 3;

/** `prune.l1_unstructured` + `prune.remove` on the heaviest Linear/Conv layers, honest about dense kernels. */
export function unstructuredPruneAction(view: View, root: SyntaxNode, b: ModelBinding): ActionItem | undefined {
  const heaviest = heaviestLayers(b.model, /^(Linear|Conv[123]d)$/).slice(0, PRUNE_LAYERS);
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
  const total = modelEnergy(b.model);
  const share = layerEnergy(b.model, new Set(heaviest.map((l) => l.path)));
  const bound =
    total && share !== null
      ? `at most −${Math.round(PRUNE_AMOUNT * (share / total) * 100)}% on ${view.profile?.id}, `
      : '';
  // Dense kernels multiply the zeros too: the edited code costs what it did.
  const saving = forwardSaving(view, b.model, total ?? 'the energy is unknown');
  return {
    title:
      `Prune ${PRUNE_AMOUNT * 100}% of the weights of the ${heaviest.length} heaviest Linear/Conv layers (L1 unstructured: ` +
      `saves energy only on sparse-aware kernels, ${bound}±0% with dense kernels)`,
    kind: 'refactor.rewrite',
    advice: 'prune-unstructured',
    saving,
    edits: [insertAfter(view.source, b.statement, lines)],
  };
}

/**
 * `prune.ln_structured(..., n=2, dim=0)` + `prune.remove` on the heaviest convolution: whole output
 * channels are zeroed. Priced as the model rebuilt without them (that conv, and the layers reading its
 * channels up to the next Linear/Conv, shrink by the pruned share); the title says the shapes do not shrink by themselves.
 */
export function structuredPruneAction(view: View, b: ModelBinding): ActionItem | undefined {
  const conv = heaviestLayers(b.model, /^Conv[123]d$/)[0];
  const channels = conv?.outputShape?.[1];
  if (!conv || !channels || channels < 2) return undefined;
  const pruned = Math.round(PRUNE_AMOUNT * channels);
  if (pruned < 1) return undefined;
  const keep = (channels - pruned) / channels;
  const lines = [
    'import torch.nn.utils.prune as prune  # WattLens: structured pruning zeroes whole output channels; the saving needs the layer rebuilt without them',
    `_conv = ${b.variable}.get_submodule(${JSON.stringify(conv.path)})`,
    `prune.ln_structured(_conv, name="weight", amount=${PRUNE_AMOUNT}, n=2, dim=0)`,
    'prune.remove(_conv, "weight")',
  ];
  const scales = shrinkScales(b.model, conv, channels, keep);
  const needs = `${conv.path} rebuilt with ${channels - pruned} output channels (and the layers reading them)`;
  const saving = forwardSaving(
    view,
    b.model,
    energyScaled(view, b.model, (l) => scales.get(l)),
    { needs },
  );
  const price =
    saving.after !== null
      ? `${priceText(saving)} once the model is rebuilt without the zeroed channels`
      : priceText(saving);
  return {
    title:
      `Prune ${pruned} of ${channels} output channels of ${conv.path} (${conv.op}, L2 structured) (${price}; ` +
      'until then the layer shapes do not shrink and dense kernels cost the same)',
    kind: 'refactor.rewrite',
    advice: 'prune-structured',
    saving,
    edits: [insertAfter(view.source, b.statement, lines)],
  };
}

/** Scales for the pruned conv's calls and the layers after each that read its channels, up to the next Linear/Conv. */
function shrinkScales(
  model: ModelReport,
  conv: LayerReport,
  channels: number,
  keep: number,
): Map<LayerReport, LayerScale> {
  const out = new Map<LayerReport, LayerScale>();
  model.layers.forEach((l, i) => {
    if (l.path !== conv.path) return;
    out.set(l, { compute: keep, weights: keep });
    for (const next of model.layers.slice(i + 1)) {
      if (next.inputShape?.[1] !== channels) break;
      out.set(next, { compute: keep, weights: keep });
      if (/^(Conv|Linear)/.test(next.op)) break;
    }
  });
  return out;
}

/** Layers matching `ops` by MACs, heaviest first, one per path. */
function heaviestLayers(model: ModelReport, ops: RegExp): LayerReport[] {
  const byPath = new Map<string, LayerReport>();
  for (const l of model.layers) {
    if (!ops.test(l.op) || l.macs === null || !l.params) continue;
    if (!byPath.has(l.path) || byPath.get(l.path)!.macs! < l.macs) byPath.set(l.path, l);
  }
  return [...byPath.values()].sort((a, b) => b.macs! - a.macs!);
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
