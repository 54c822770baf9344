// The energy model's context: what an estimate is made on (profile, precision, region, PUE, batch),
// resolved once into rates, energy coefficients and grid intensity that every estimate reads.
import type { Precision } from '../report/types';
import { checkPue, gridIntensity, type GridIntensity } from './carbon';
import { resolveEfficiency, type ResolvedEfficiency } from './efficiency';
import { energyCoefficients, type EnergyCoefficients } from './energy';
import { bytesPerElement } from './precision';
import { deviceRates, type DeviceRates } from './roofline';
import type { HardwareProfile, LoadedProfile } from './types';

/** What to estimate on. */
export interface ApplyEnergyOptions {
  profile: HardwareProfile | LoadedProfile;
  precision: Precision;
  /** ISO 3166 alpha-2 or alpha-3 country code; the world average when unset. */
  region?: string | null;
  /** Power usage effectiveness of the facility; 1.0 (a workstation) by default. */
  pue?: number;
  /** Samples per forward pass, when the model's input shape does not say (its first dimension). */
  batch?: number;
  /** Bytes per element the report's weightBytes / activationBytes were counted at; by default the report precision's. */
  bytesCountedAt?: number;
}

/** Everything resolved once per report: rates, energy coefficients, intensity. */
export interface EnergyContext {
  profile: HardwareProfile | LoadedProfile;
  precision: Precision;
  efficiency: ResolvedEfficiency;
  rates: DeviceRates;
  /** null when the profile has no power figure: energy and CO2e stay unknown. */
  energy: EnergyCoefficients | null;
  intensity: GridIntensity;
  pue: number;
  batch?: number;
  /** Bytes per element the report's byte counts were made at. */
  bytesCountedAt: number;
  /** Contexts for layers whose code states another precision, made on first use (see `contextOf`). */
  stated?: Map<string, EnergyContext>;
  /** Stated precisions the profile lacks, and the one each was estimated at instead. */
  fallbacks?: Map<Precision, Precision>;
}

/**
 * Resolves options; throws UnsupportedPrecisionError, UnknownRegionError or a PUE error.
 * `countedAt` is the precision the byte counts were made at (the report's), unless options say otherwise.
 */
export function energyContext(options: ApplyEnergyOptions, countedAt: Precision = 'fp32'): EnergyContext {
  const { profile, precision } = options;
  const efficiency = resolveEfficiency(profile);
  return {
    profile,
    precision,
    efficiency,
    rates: deviceRates(profile, precision, efficiency),
    energy: energyCoefficients(profile, precision, efficiency),
    intensity: gridIntensity(options.region),
    pue: checkPue(options.pue ?? 1),
    batch: options.batch,
    bytesCountedAt: options.bytesCountedAt ?? bytesPerElement(countedAt),
  };
}
