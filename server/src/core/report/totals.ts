// Model totals from layer rows, shared by every framework: sums are null as soon as one layer's
// figure is unknown (or the trace was incomplete), never a partial sum shown as the whole.
import type { LayerReport, ModelReport, ModelTotals } from './types';

/** Σ of figures, or null when any is unknown. */
export function sumOrNull(terms: (number | null)[]): number | null {
  let total = 0;
  for (const term of terms) {
    if (term === null) return null;
    total += term;
  }
  return total;
}

/** Totals of a model: params from its module tree, MACs/FLOPs/bytes from its layer rows. */
export function modelTotals(
  params: number | null,
  layers: LayerReport[],
  complete: boolean,
  bytesPerElement: number,
): ModelTotals {
  return {
    params,
    macs: complete ? sumOfField(layers, 'macs') : null,
    flops: complete ? sumOfField(layers, 'flops') : null,
    weightBytes: params === null ? null : params * bytesPerElement,
    activationBytes: complete ? sumOfField(layers, 'activationBytes') : null,
    latencyMs: null,
    energyJ: null,
    co2eG: null,
  };
}

/** Σ of one figure over layer rows, or null when any is unknown (no array is built: deep models have thousands of rows). */
export function sumOfField(
  layers: LayerReport[],
  key: 'macs' | 'flops' | 'activationBytes' | 'latencyMs' | 'energyJ',
): number | null {
  let total = 0;
  for (const layer of layers) {
    const value = layer[key];
    if (value === null) return null;
    total += value;
  }
  return total;
}

/**
 * Samples one forward pass of the model processes: the batch option, else the first dimension of
 * the input it was traced on, else 1. Model totals are per forward pass; divided by this, per sample.
 */
export function samplesPerPass(model: Pick<ModelReport, 'input'>, batch?: number | null): number {
  return batch ?? model.input?.shape[0] ?? 1;
}
