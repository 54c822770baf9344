// The energy model: dynamic energy per operation and per byte derived from the profile's power,
// peak and memory technology, capped by the power limit, plus static power over the layer's time.
import type { Precision } from '../report/types';
import { resolveEfficiency, type ResolvedEfficiency } from './efficiency';
import { peakOpsPerSecond } from './precision';
import type { RooflineResult, Work } from './roofline';
import type { HardwareProfile } from './types';

/** Used when a profile gives no memory energy: Horowitz 2014's 45 nm DRAM read, 640 pJ / 32 bit. */
export const DEFAULT_MEMORY_PJ_PER_BIT = 20;

/** What one layer's energy is computed from, with the basis of each figure for the report. */
export interface EnergyCoefficients {
  /** Joules per operation at the chosen precision: dynamic power ÷ dense peak. */
  joulesPerOp: number;
  /** Joules per byte moved to/from memory: the memory technology's pJ/bit × 8. */
  joulesPerByte: number;
  /** Power drawn whenever the device runs, busy or waiting (W). */
  staticW: number;
  /** maxW − staticW: the power the arithmetic and memory traffic can add on top (W). */
  dynamicW: number;
  /** Multiplier on dynamic energy (calibration; 1 by default). */
  energyScale: number;
  staticBasis: string;
  byteBasis: string;
}

/** Energy coefficients, or null when the profile has no max power figure (energy stays unknown). */
export function energyCoefficients(
  profile: HardwareProfile,
  precision: Precision,
  eff?: ResolvedEfficiency,
): EnergyCoefficients | null {
  const maxW = profile.power.maxW?.value;
  if (maxW === undefined) return null;
  const efficiency = eff ?? resolveEfficiency(profile);
  const { staticW, staticBasis } = staticPower(profile, maxW, efficiency);
  const dynamicW = maxW - staticW;
  const pjPerBit = profile.memory.energyPjPerBit?.value ?? DEFAULT_MEMORY_PJ_PER_BIT;
  return {
    joulesPerOp: dynamicW / peakOpsPerSecond(profile, precision),
    joulesPerByte: pjPerBit * 8 * 1e-12,
    staticW,
    dynamicW,
    energyScale: efficiency.energyScale.value,
    staticBasis,
    byteBasis: profile.memory.energyPjPerBit
      ? `${pjPerBit} pJ/bit (${profile.memory.energyPjPerBit.source})`
      : `${pjPerBit} pJ/bit default (Horowitz 2014 45 nm DRAM read; profile has no memory.energyPjPerBit)`,
  };
}

/** Measured idle power when the profile has it, else staticFraction × maxW. */
function staticPower(
  profile: HardwareProfile,
  maxW: number,
  efficiency: ResolvedEfficiency,
): { staticW: number; staticBasis: string } {
  const idle = profile.power.idleW;
  if (idle) return { staticW: idle.value, staticBasis: `power.idleW (${idle.confidence}: ${idle.source})` };
  const staticFraction = efficiency.staticFraction;
  return {
    staticW: staticFraction.value * maxW,
    staticBasis: `${staticFraction.value} × maxW (efficiency.staticFraction: ${staticFraction.note ?? staticFraction.source})`,
  };
}

/**
 * Energy of one layer call in joules. Dynamic energy = ops × J/op + bytes × J/byte, but never more
 * than the dynamic power budget over the busy time (a chip cannot exceed its power limit);
 * static power is paid for the whole latency, including the launch overhead.
 */
export function layerEnergyJ(work: Work, time: RooflineResult, coefficients: EnergyCoefficients): number {
  if (time.bound === null) return 0;
  const uncapped = work.flops * coefficients.joulesPerOp + work.bytes * coefficients.joulesPerByte;
  const dynamic = Math.min(uncapped, coefficients.dynamicW * time.busyS) * coefficients.energyScale;
  return dynamic + coefficients.staticW * time.latencyS;
}

/** Dynamic-only energy of a layer (calibration fits its scale separately from static power). */
export function dynamicEnergyJ(work: Work, time: RooflineResult, coefficients: EnergyCoefficients): number {
  if (time.bound === null) return 0;
  return Math.min(
    work.flops * coefficients.joulesPerOp + work.bytes * coefficients.joulesPerByte,
    coefficients.dynamicW * time.busyS,
  );
}
