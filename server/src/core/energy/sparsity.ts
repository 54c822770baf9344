// 2:4 semi-structured sparsity on the energy model: a layer whose weights keep 2 of every 4 values runs
// its matmuls on sparse tensor cores at the profile's sparse peak (twice the dense one on NVIDIA
// Ampere and later) and reads half the weight values plus their 2-bit position metadata.
import type { LayerReport } from '../report/types';
import { bytesPerElement } from '../report/precision';
import type { EnergyContext } from './context';
import type { Work } from './roofline';

/** The share of a dense weight tensor's bytes a 2:4 sparse one moves: half the values, 2 bits of index each. */
export function sparseWeightShare(precisionBytes: number): number {
  return 0.5 + 0.5 * (2 / (8 * precisionBytes));
}

/**
 * The context a 2:4 sparse layer runs in: `dense` with the sparse peak at its precision (ops per second
 * and energy per op), or undefined where the profile has no sparse tensor cores for that precision.
 */
export function sparseContext(dense: EnergyContext): EnergyContext | undefined {
  const figure = dense.profile.sparsePeak?.[dense.precision];
  if (!figure) return undefined;
  dense.stated ??= new Map();
  const key = `sparse|${dense.precision}|${dense.bytesCountedAt}`;
  let at = dense.stated.get(key);
  if (!at) {
    const ratio = (figure.value * 1e12) / (dense.rates.opsPerSecond / dense.efficiency.computeFraction.value);
    at = {
      ...dense,
      rates: { ...dense.rates, opsPerSecond: dense.rates.opsPerSecond * ratio },
      energy: dense.energy ? { ...dense.energy, joulesPerOp: dense.energy.joulesPerOp / ratio } : null,
      stated: undefined,
    };
    dense.stated.set(key, at);
  }
  return at;
}

/** A sparse layer's work: its FLOPs (dense-equivalent, run at the sparse peak), with the weights compressed. */
export function sparseWork(layer: LayerReport, ctx: EnergyContext): Work | null {
  if (layer.flops === null || layer.weightBytes === null || layer.activationBytes === null) return null;
  const bytes = bytesPerElement(ctx.precision);
  const weights = layer.weightBytes * sparseWeightShare(bytes);
  return { flops: layer.flops, bytes: ((weights + layer.activationBytes) * bytes) / ctx.bytesCountedAt };
}
