// What-if pricing on the energy model: a model's energy if some layers ran at another precision or
// with their work scaled (pruning, a smaller sibling, a student), and (trainingRunEnergy.ts) a training run re-estimated.
// Code actions price their promises with these; each answer is a number or the reason there is none.
import type { LayerReport, ModelReport } from '../report/types';
import { estimateLayer } from './applyEnergy';
import type { EnergyContext } from './context';

/** Factors on a layer's work: compute (MACs, FLOPs), weights (params, weight bytes), activations (default: compute). */
export interface LayerScale {
  compute: number;
  weights: number;
  activations?: number;
}

/**
 * The model's energy per forward pass: its total, or null when any layer's energy is unknown. Never
 * a partial sum of the layers that are known: a saving priced on part of a model is not the model's.
 */
export function modelEnergy(model: ModelReport): number | null {
  return model.totals.energyJ;
}

/**
 * The model's energy if the layers `affected` picks ran in `context` (its precision; all layers when
 * omitted), the others as reported, or why it cannot be estimated.
 */
export function energyWith(
  model: ModelReport,
  context: EnergyContext,
  affected: (layer: LayerReport) => boolean = () => true,
): number | string {
  let sum = 0;
  for (const layer of model.layers) {
    const energy = affected(layer) ? estimateLayer(layer, context).energyJ : layer.energyJ;
    if (energy === null) return `the energy of ${layer.path} is unknown`;
    sum += energy;
  }
  return sum;
}

/**
 * The model's energy per forward pass in `context` if each layer's work were scaled by
 * `scale(layer)` (undefined: unchanged), or why it is unknown.
 */
export function energyScaled(
  model: ModelReport,
  context: EnergyContext,
  scale: (layer: LayerReport) => LayerScale | undefined,
): number | string {
  return energyEdited(model, context, (layer) => {
    const factors = scale(layer);
    return factors === undefined ? undefined : scaleLayer(layer, factors);
  });
}

/**
 * The model's energy per forward pass in `context` with some layers replaced by `edit(layer)` (their
 * work as an edit of the source would leave it; undefined: unchanged), or why it is unknown.
 */
export function energyEdited(
  model: ModelReport,
  context: EnergyContext,
  edit: (layer: LayerReport) => LayerReport | undefined,
): number | string {
  let sum = 0;
  for (const layer of model.layers) {
    const edited = edit(layer);
    const energy = edited === undefined ? layer.energyJ : estimateLayer(edited, context).energyJ;
    if (energy === null) return `the energy of ${layer.path} is unknown`;
    sum += energy;
  }
  return sum;
}

/**
 * The energy per forward pass in `context` of a model made of `layers` (another network in place of
 * the one reported: a cheaper sibling checkpoint), or why it is unknown.
 */
export function energyOfLayers(layers: LayerReport[], context: EnergyContext): number | string {
  let sum = 0;
  for (const layer of layers) {
    const energy = estimateLayer(layer, context).energyJ;
    if (energy === null) return `the energy of ${layer.path} is unknown`;
    sum += energy;
  }
  return sum;
}

/** A layer with its work and parameters scaled. */
export function scaleLayer(layer: LayerReport, factors: LayerScale): LayerReport {
  const times = (value: number | null, factor: number) => (value === null ? null : value * factor);
  return {
    ...layer,
    params: times(layer.params, factors.weights),
    macs: times(layer.macs, factors.compute),
    flops: times(layer.flops, factors.compute),
    weightBytes: times(layer.weightBytes, factors.weights),
    activationBytes: times(layer.activationBytes, factors.activations ?? factors.compute),
  };
}
