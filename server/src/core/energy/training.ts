// Training-step and training-run figures derived from a forward pass: a step ≈ 3 × forward
// (backward costs about twice the forward), and a run's kWh and gCO2e for N steps.
import { co2eGrams, toKWh, type GridIntensity } from './carbon';

/**
 * FLOPs (and so time and energy) of one training step relative to a forward pass: the backward
 * pass computes gradients for activations and weights, ~2 × forward (Kaplan et al. 2020: 6N vs 2N
 * per token). Optimizer updates and data loading are not included.
 */
export const TRAINING_STEP_FACTOR = 3;

/** Latency and energy of one forward pass (nulls stay null). */
export interface PassCost {
  latencyMs: number | null;
  energyJ: number | null;
}

/** One training step (forward + backward) on the same batch. */
export function trainingStep(forward: PassCost): PassCost {
  return {
    latencyMs: forward.latencyMs === null ? null : forward.latencyMs * TRAINING_STEP_FACTOR,
    energyJ: forward.energyJ === null ? null : forward.energyJ * TRAINING_STEP_FACTOR,
  };
}

/** A whole run: energy at the facility meter (× PUE) in kWh and grams of CO2e. */
export interface RunFootprint {
  steps: number;
  hours: number | null;
  kWh: number | null;
  co2eG: number | null;
}

/** kWh and gCO2e of `steps` repetitions of a step (training steps, or inferences for serving). */
export function runFootprint(step: PassCost, steps: number, intensity: GridIntensity, pue = 1): RunFootprint {
  if (!Number.isFinite(steps) || steps < 0) throw new Error(`steps must be a non-negative number, got ${steps}`);
  const hours = step.latencyMs === null ? null : (step.latencyMs * steps) / 3.6e6;
  if (step.energyJ === null) return { steps, hours, kWh: null, co2eG: null };
  const energyJ = step.energyJ * steps;
  return { steps, hours, kWh: toKWh(energyJ) * pue, co2eG: co2eGrams(energyJ, intensity, pue) };
}
