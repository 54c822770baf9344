// Model totals from layer rows, shared by every framework: sums are null as soon as one layer's
// figure is unknown (or the trace was incomplete), never a partial sum shown as the whole.
import type { LayerReport, ModelTotals } from './types';

/** Σ of figures, or null when any is unknown. */
export function sumOrNull(xs: (number | null)[]): number | null {
  let total = 0;
  for (const x of xs) {
    if (x === null) return null;
    total += x;
  }
  return total;
}

/** Totals of a model: params from its module tree, MACs/FLOPs/bytes from its layer rows. */
export function modelTotals(params: number | null, layers: LayerReport[], complete: boolean, bytesPerElement: number): ModelTotals {
  return {
    params,
    macs: complete ? sumOrNull(layers.map((l) => l.macs)) : null,
    flops: complete ? sumOrNull(layers.map((l) => l.flops)) : null,
    weightBytes: params === null ? null : params * bytesPerElement,
    activationBytes: complete ? sumOrNull(layers.map((l) => l.activationBytes)) : null,
    latencyMs: null, energyJ: null, co2eG: null,
  };
}
