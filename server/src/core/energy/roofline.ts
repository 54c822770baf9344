// The roofline time model: per layer, compute time = FLOPs / (peak × computeFraction), memory time =
// bytes / (bandwidth × memoryFraction), latency = the larger + a fixed per-layer overhead.
import type { Bound, LayerReport, Precision } from '../report/types';
import { resolveEfficiency, type ResolvedEfficiency } from './efficiency';
import { bytesPerElement, peakOpsPerSecond } from './precision';
import type { HardwareProfile } from './types';

/** The work one layer call does: operations and bytes moved to/from memory (at the chosen precision). */
export interface Work {
  flops: number;
  bytes: number;
}

/** Achievable rates on one profile at one precision (fractions already applied). */
export interface DeviceRates {
  opsPerSecond: number;
  /** null when the device has no off-chip memory figure (then memory time is not modelled). */
  bytesPerSecond: number | null;
  overheadS: number;
}

/** Time of one layer call and what sets it. */
export interface RooflineResult {
  computeS: number;
  memoryS: number;
  /** max(computeS, memoryS): the time the chip is actually working. */
  busyS: number;
  latencyS: number;
  /** null for a layer that does no work (a view, an identity): no kernel runs. */
  bound: Bound | null;
}

/** Achievable rates for a profile and precision; throws UnsupportedPrecisionError. */
export function deviceRates(profile: HardwareProfile, precision: Precision, eff?: ResolvedEfficiency): DeviceRates {
  const efficiency = eff ?? resolveEfficiency(profile);
  const bw = profile.memory.bandwidthGBps;
  return {
    opsPerSecond: peakOpsPerSecond(profile, precision) * efficiency.computeFraction.value,
    bytesPerSecond: bw ? bw.value * 1e9 * efficiency.memoryFraction.value : null,
    overheadS: profile.overheadUs.value * 1e-6,
  };
}

/** Roofline time of one layer call. Zero work costs nothing: no kernel is launched. */
export function roofline(work: Work, rates: DeviceRates): RooflineResult {
  if (work.flops <= 0 && work.bytes <= 0) return { computeS: 0, memoryS: 0, busyS: 0, latencyS: 0, bound: null };
  const computeS = work.flops / rates.opsPerSecond;
  const memoryS = rates.bytesPerSecond ? work.bytes / rates.bytesPerSecond : 0;
  const busyS = Math.max(computeS, memoryS);
  return {
    computeS,
    memoryS,
    busyS,
    latencyS: busyS + rates.overheadS,
    bound: boundOf(computeS, memoryS, rates.overheadS),
  };
}

/** Which term dominates the latency; ties go to compute, then memory. */
function boundOf(computeS: number, memoryS: number, overheadS: number): Bound {
  if (overheadS > computeS && overheadS > memoryS) return 'overhead';
  return computeS >= memoryS ? 'compute' : 'memory';
}

/** Arithmetic intensity (FLOPs per byte) above which a layer is compute-bound on these rates. */
export function ridgePoint(rates: DeviceRates): number {
  return rates.bytesPerSecond ? rates.opsPerSecond / rates.bytesPerSecond : 0;
}

/** Work of a report layer at a precision (bytes counted at `countedAt` bytes per element), or null. */
export function workOfLayer(layer: LayerReport, precision: Precision, countedAt = 4): Work | null {
  if (layer.flops === null || layer.weightBytes === null || layer.activationBytes === null) return null;
  return {
    flops: layer.flops,
    bytes: ((layer.weightBytes + layer.activationBytes) * bytesPerElement(precision)) / countedAt,
  };
}
