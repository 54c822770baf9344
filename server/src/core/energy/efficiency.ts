// The efficiency (calibration) factors a profile may carry, with the documented defaults used when
// it carries none; every resolved factor keeps its source so the report can say where it came from.
import type { Efficiency, Figure, HardwareProfile } from './types';

/** The four factors the model uses, each resolved to a value and a source. */
export interface ResolvedEfficiency {
  computeFraction: Figure;
  memoryFraction: Figure;
  energyScale: Figure;
  staticFraction: Figure;
}

const DEFAULT_SOURCE = 'WattLens default (docs/ENERGY_MODEL.md)';

/**
 * Defaults: an ideal roofline (fractions 1, so estimated time is a lower bound), dynamic energy
 * unscaled, and static power at 0.4 × maxW when the profile has no idle figure — the mean of the
 * two measured idle/max ratios in the reference hardware.csv (TPU v4 90/192 W, Raspberry Pi 5 3.3/9.8 W).
 */
export const DEFAULT_EFFICIENCY: ResolvedEfficiency = {
  computeFraction: { value: 1, source: DEFAULT_SOURCE, confidence: 'assumed', note: 'ideal roofline: full dense peak' },
  memoryFraction: {
    value: 1,
    source: DEFAULT_SOURCE,
    confidence: 'assumed',
    note: 'ideal roofline: full peak bandwidth',
  },
  energyScale: { value: 1, source: DEFAULT_SOURCE, confidence: 'assumed', note: 'dynamic energy as derived, unscaled' },
  staticFraction: {
    value: 0.4,
    source: DEFAULT_SOURCE,
    confidence: 'derived',
    note: 'mean of measured idle/max in hardware.csv: TPU v4 90/192 = 0.47, Raspberry Pi 5 3.3/9.8 = 0.34',
  },
};

/** The profile's factors where it has them, the defaults elsewhere. */
export function resolveEfficiency(profile: HardwareProfile): ResolvedEfficiency {
  const own: Efficiency = profile.efficiency ?? {};
  return {
    computeFraction: own.computeFraction ?? DEFAULT_EFFICIENCY.computeFraction,
    memoryFraction: own.memoryFraction ?? DEFAULT_EFFICIENCY.memoryFraction,
    energyScale: own.energyScale ?? DEFAULT_EFFICIENCY.energyScale,
    staticFraction: own.staticFraction ?? DEFAULT_EFFICIENCY.staticFraction,
  };
}
