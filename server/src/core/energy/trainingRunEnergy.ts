// Time, energy and carbon of training runs: the trained model's forward pass re-costed at the run's
// batch on the profile (layer work scaled by batch, weights read once), × 3 for a step, × the steps.
import type { LayerReport, ModelReport, Precision, TrainingRunReport } from '../report/types';
import { autocastLowers } from '../report/precision';
import type { EnergyContext } from './context';
import { contextOf } from './statedPrecision';
import { co2eGrams, toKWh } from './carbon';
import { layerEnergyJ } from './energy';
import { roofline, workOfLayer } from './roofline';
import { trainingStep, type PassCost } from './training';

/** The runs with latencyMs (one step), energyJ / kWh / co2eG (the run, or 1,000 samples) and hours filled in. */
export function estimateTrainingRuns(
  runs: TrainingRunReport[],
  models: ModelReport[],
  ctx: EnergyContext,
): TrainingRunReport[] {
  return runs.map((run) => estimateRun(run, models, ctx));
}

/** One run: nulls stay null when the model, its costs or the batch are unknown. */
export function estimateRun(run: TrainingRunReport, models: ModelReport[], ctx: EnergyContext): TrainingRunReport {
  const model = models.find((m) => m.root && m.name === run.model) ?? models.find((m) => m.name === run.model);
  const blank = { ...run, latencyMs: null, energyJ: null, kWh: null, co2eG: null, energyScope: null, hours: null };
  if (!model || run.batchSize === null || run.macsPerStep === null || model.totals.flops === null) return blank;
  const forward = forwardAtBatch(model, run.batchSize, ctx, run.precision);
  if (forward.latencyMs === null) return blank;
  const step = trainingStep(forward);
  const scope = run.samples !== null ? 'run' : 'per-1000-samples';
  const batches = (run.samples ?? 1000) / run.batchSize;
  const energyJ = step.energyJ === null ? null : step.energyJ * batches;
  return {
    ...run,
    latencyMs: step.latencyMs,
    energyScope: scope,
    hours: scope === 'run' ? (step.latencyMs! * batches) / 3.6e6 : null,
    energyJ,
    kWh: energyJ === null ? null : toKWh(energyJ) * ctx.pue,
    co2eG: energyJ === null ? null : co2eGrams(energyJ, ctx.intensity, ctx.pue),
  };
}

/**
 * One forward pass of `model` at `batch` samples: each layer's FLOPs and activation bytes scaled from the
 * batch the model was costed at (its input's first dimension), weight bytes unchanged, then the roofline.
 * With `precision` (a run the code trains in mixed precision), the ops autocast lowers run at it.
 */
export function forwardAtBatch(model: ModelReport, batch: number, ctx: EnergyContext, precision?: Precision): PassCost {
  const b0 = model.input?.shape[0] && model.input.shape[0] > 0 ? model.input.shape[0] : 1;
  const batchScale = batch / b0;
  const scale = (x: number | null) => (x === null ? null : x * batchScale);
  let latencyMs: number | null = 0;
  let energyJ: number | null = ctx.energy ? 0 : null;
  for (const layer of model.layers) {
    const at = contextOf(
      layer,
      ctx,
      layer.precision ?? (precision && autocastLowers(layer.op) ? precision : undefined),
    );
    const work = workOfLayer(
      { ...layer, flops: scale(layer.flops), activationBytes: scale(layer.activationBytes) } as LayerReport,
      at.precision,
      at.bytesCountedAt,
    );
    if (!work) return { latencyMs: null, energyJ: null };
    const time = roofline(work, at.rates);
    latencyMs += time.latencyS * 1e3;
    if (energyJ !== null && at.energy) energyJ += layerEnergyJ(work, time, at.energy);
  }
  return { latencyMs, energyJ };
}
