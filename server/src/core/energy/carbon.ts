// Grid carbon intensity offline, from @tgwf/co2's annual averages per country, and the conversion
// of energy to kWh and grams of CO2e with a PUE factor.
import { averageIntensity } from '@tgwf/co2/data';
import { ALPHA2_TO_ALPHA3 } from './countryCodes';

/** Joules in one kilowatt-hour. */
export const JOULES_PER_KWH = 3.6e6;

/** Where the intensity figures come from (the package bundles Ember's annual data). */
export const INTENSITY_SOURCE =
  '@tgwf/co2 (CO2.js) 0.19 averageIntensity: Ember annual average grid intensity, year 2024 (package data/output/average-intensities.json)';

/** A grid intensity and what it is for. */
export interface GridIntensity {
  /** The key used in the data: an ISO 3166 alpha-3 code, or WORLD / EU / another aggregate. */
  region: string;
  /** What the caller asked for (null: unset, so the world average). */
  requested: string | null;
  gCO2ePerKWh: number;
  source: string;
}

/** An unknown region code. */
export class UnknownRegionError extends Error {
  constructor(readonly region: string) {
    super(
      `no grid intensity for region '${region}': use an ISO 3166 alpha-2 or alpha-3 country code ` +
        `(e.g. FR or FRA, DE or DEU) or WORLD / EU; the data (${INTENSITY_SOURCE}) has ${knownRegions().length} entries`,
    );
    this.name = 'UnknownRegionError';
  }
}

/** Annual average intensity for a country (alpha-2 or alpha-3, any case); the world average when unset. */
export function gridIntensity(region?: string | null): GridIntensity {
  const requested = region?.trim() ? region.trim() : null;
  const key = requested === null ? 'WORLD' : regionKey(requested);
  return { region: key, requested, gCO2ePerKWh: averageIntensity.data[key], source: INTENSITY_SOURCE };
}

/** The data key for a user's region code, or UnknownRegionError. */
function regionKey(code: string): string {
  const upper = code.toUpperCase();
  if (hasKey(upper)) return upper;
  const alpha3 = ALPHA2_TO_ALPHA3[upper];
  if (alpha3 && hasKey(alpha3)) return alpha3;
  throw new UnknownRegionError(code);
}

function hasKey(key: string): boolean {
  return Object.prototype.hasOwnProperty.call(averageIntensity.data, key);
}

/** Every region key the intensity data has. */
export function knownRegions(): string[] {
  return Object.keys(averageIntensity.data).sort();
}

/** Joules → kilowatt-hours. */
export function toKWh(joules: number): number {
  return joules / JOULES_PER_KWH;
}

/** Grams of CO2e for an energy at the chip, times the facility's PUE (1.0 for a workstation). */
export function co2eGrams(energyJ: number, intensity: GridIntensity, pue = 1): number {
  return toKWh(energyJ) * pue * intensity.gCO2ePerKWh;
}

/** The PUE range accepted everywhere (the CLI's --pue, the wattlens.pue setting, budget files): 1.0 to 5.0. */
export const PUE_RANGE = { min: 1, max: 5 } as const;

/** Why a PUE value is not acceptable, or undefined when it is (one rule for the CLI and the settings). */
export function pueProblem(pue: number): string | undefined {
  if (!Number.isFinite(pue) || pue < PUE_RANGE.min || pue > PUE_RANGE.max)
    return `PUE must be a number from ${PUE_RANGE.min} to ${PUE_RANGE.max} (1.0 = no facility overhead; data centres are about 1.1-1.6), got ${pue}`;
  return undefined;
}

/** A facility PUE or a PueError saying what is accepted. */
export function checkPue(pue: number): number {
  const problem = pueProblem(pue);
  if (problem) throw new PueError(problem);
  return pue;
}

/** A PUE outside the accepted range. */
export class PueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PueError';
  }
}
