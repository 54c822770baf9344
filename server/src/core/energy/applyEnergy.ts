// Fills a report's time, energy and carbon: per layer latencyMs / energyJ / bound from the roofline
// and energy model, model totals with co2eG, and report.assumptions saying what was assumed.
import { samplesPerPass, sumOfField } from '../report/totals';
import type { FileReport, LayerReport, ModelReport, ModelTotals, Precision, Report } from '../report/types';
import { co2eGrams } from './carbon';
import { type ApplyEnergyOptions, type EnergyContext, energyContext } from './context';
import { layerEnergyJ, type EnergyCoefficients } from './energy';
import { bytesPerElement } from './precision';
import { roofline, workOfLayer, type Work } from './roofline';
import { estimateTrainingRuns } from './trainingRunEnergy';
import type { LoadedProfile } from './types';
import { contextOf } from './statedPrecision';
import { sparseContext, sparseWork } from './sparsity';

export { contextOf } from './statedPrecision';
// The context's types and constructor live in context.ts (estimates elsewhere read them without this file).
export { energyContext, type ApplyEnergyOptions, type EnergyContext } from './context';
import { estimateGeneration } from './generationEnergy';

/** Estimated rows by report row: reports share rows between models, and the language server between analyses. */
interface EstimatedRows {
  get(row: LayerReport): LayerReport | undefined;
  set(row: LayerReport, estimated: LayerReport): unknown;
}

/**
 * Estimates kept across calls with the same options, for a caller that re-estimates reports whose
 * rows are mostly the same objects as last time (the language server after each edit).
 */
export class EstimateCache {
  private options: ApplyEnergyOptions | undefined;
  private precision: Precision | undefined;
  private ctx: EnergyContext | undefined;
  private rows = new WeakMap<LayerReport, LayerReport>();

  /** The context and rows for `options`: kept while the options are the same, else made afresh. */
  for(options: ApplyEnergyOptions, countedAt: Precision): { ctx: EnergyContext; rows: EstimatedRows } {
    if (!this.ctx || !sameOptions(this.options!, options) || this.precision !== countedAt) {
      this.ctx = energyContext(options, countedAt);
      this.options = options;
      this.precision = countedAt;
      this.rows = new WeakMap();
    }
    return { ctx: this.ctx, rows: this.rows };
  }
}

function sameOptions(first: ApplyEnergyOptions, second: ApplyEnergyOptions): boolean {
  return (
    first.profile === second.profile &&
    first.precision === second.precision &&
    first.region === second.region &&
    first.pue === second.pue &&
    first.batch === second.batch &&
    first.bytesCountedAt === second.bytesCountedAt
  );
}

/** A copy of the report with latency, energy, bound, totals and assumptions filled in (reusing `cache`'s rows, if given). */
export function applyEnergy(report: Report, options: ApplyEnergyOptions, cache?: EstimateCache): Report {
  const cached = cache?.for(options, report.precision);
  const ctx = cached?.ctx ?? energyContext(options, report.precision);
  const files = report.files.map((file: FileReport) => {
    // Block reports share their rows with the root's report: each row is estimated once.
    const estimated = cached?.rows ?? new Map<LayerReport, LayerReport>();
    const models = file.models.map((m) => estimateModel(m, ctx, estimated));
    return {
      ...file,
      models,
      ...(file.trainingRuns ? { trainingRuns: estimateTrainingRuns(file.trainingRuns, models, ctx) } : {}),
    };
  });
  const fallbacks = ctx.fallbacks?.size
    ? {
        statedPrecisionFallbacks: Object.fromEntries(
          [...ctx.fallbacks].map(([stated, used]) => [
            stated,
            `${ctx.profile.id} has no ${stated} peak: estimated at ${used}`,
          ]),
        ),
      }
    : {};
  return {
    ...report,
    hardware: { id: ctx.profile.id, name: ctx.profile.name },
    precision: ctx.precision,
    assumptions: { ...(report.assumptions ?? {}), ...describeAssumptions(ctx), ...fallbacks },
    files,
  };
}

/** One model with its layers and totals estimated; `estimated` holds rows already done for another model. */
export function estimateModel(
  model: ModelReport,
  ctx: EnergyContext,
  estimated: EstimatedRows = new Map<LayerReport, LayerReport>(),
): ModelReport {
  const layers = model.layers.map((layer) => {
    let done = estimated.get(layer);
    if (!done) estimated.set(layer, (done = estimateLayer(layer, ctx)));
    return done;
  });
  const samples = samplesPerPass(model, ctx.batch);
  return {
    ...model,
    samplesPerPass: samples,
    layers,
    totals: estimateTotals(model.totals, layers, ctx, samples),
    ...(model.generation ? { generation: estimateGeneration(model.generation, ctx) } : {}),
  };
}

/** One layer with latencyMs, energyJ and bound; unknown work leaves all three null. */
export function estimateLayer(layer: LayerReport, ctx: EnergyContext): LayerReport {
  const dense = contextOf(layer, ctx);
  // A 2:4 sparse layer runs at the sparse peak where the profile has one; elsewhere as dense (no sparse kernels).
  const sparse = layer.sparsity ? sparseContext(dense) : undefined;
  const at = sparse ?? dense;
  const work = sparse ? sparseWork(layer, sparse) : layerWork(layer, at);
  if (!work) return { ...layer, latencyMs: null, energyJ: null, bound: null };
  const time = roofline(work, at.rates);
  const energyJ = at.energy ? layerEnergyJ(work, time, at.energy) : null;
  return { ...layer, latencyMs: time.latencyS * 1e3, energyJ, bound: time.bound };
}

/** FLOPs and bytes at the chosen precision, or null when any of them is unknown. */
export function layerWork(layer: LayerReport, ctx: EnergyContext): Work | null {
  return workOfLayer(layer, ctx.precision, ctx.bytesCountedAt);
}

/** Totals: sums over layers, null when any layer (or the model's own FLOP count) is unknown. */
function estimateTotals(totals: ModelTotals, layers: LayerReport[], ctx: EnergyContext, samples: number): ModelTotals {
  const known = totals.flops !== null;
  const latencyMs = known ? sumOfField(layers, 'latencyMs') : null;
  const energyJ = known && ctx.energy ? sumOfField(layers, 'energyJ') : null;
  const co2eG = energyJ === null ? null : co2eGrams(energyJ, ctx.intensity, ctx.pue);
  const perSample = (v: number | null) => (v === null ? null : v / samples);
  return {
    ...totals,
    latencyMs,
    energyJ,
    co2eG,
    energyPerSampleJ: perSample(energyJ),
    co2ePerSampleG: perSample(co2eG),
  };
}

export { samplesPerPass };

/** The assumptions behind the figures, for report.assumptions. */
export function describeAssumptions(ctx: EnergyContext): Record<string, unknown> {
  const { profile, efficiency, energy } = ctx;
  return {
    model: 'roofline per layer + dynamic/static energy (docs/ENERGY_MODEL.md); a static estimate, not a measurement',
    profile: {
      id: profile.id,
      name: profile.name,
      file: (profile as LoadedProfile).file ?? null,
      calibrationFile: (profile as LoadedProfile).calibrationFile ?? null,
    },
    precision: ctx.precision,
    bytesPerElement: bytesPerElement(ctx.precision),
    bytesCountedAt: ctx.bytesCountedAt,
    peakTeraOpsPerSecond: profile.peak[ctx.precision]?.value ?? null,
    bandwidthGBps: profile.memory.bandwidthGBps?.value ?? null,
    overheadUsPerLayer: profile.overheadUs.value,
    computeFraction: figureSummary(efficiency.computeFraction),
    memoryFraction: figureSummary(efficiency.memoryFraction),
    energyScale: figureSummary(efficiency.energyScale),
    power: energy ? powerSummary(energy) : { unknown: profile.absent?.['power.maxW'] ?? 'profile has no power.maxW' },
    gridIntensity: {
      region: ctx.intensity.region,
      requested: ctx.intensity.requested,
      gCO2ePerKWh: ctx.intensity.gCO2ePerKWh,
      source: ctx.intensity.source,
    },
    pue: ctx.pue,
    batch: ctx.batch ?? 'input shape first dimension',
    scope: 'chip/board power only: no host CPU, fans, PSU losses; PUE adds facility overhead',
  };
}

function figureSummary(figure: {
  value: number;
  source: string;
  confidence: string;
  note?: string;
}): Record<string, unknown> {
  return {
    value: figure.value,
    confidence: figure.confidence,
    source: figure.note ? `${figure.source}; ${figure.note}` : figure.source,
  };
}

function powerSummary(coefficients: EnergyCoefficients): Record<string, unknown> {
  return {
    staticW: coefficients.staticW,
    staticBasis: coefficients.staticBasis,
    dynamicW: coefficients.dynamicW,
    picojoulesPerOp: coefficients.joulesPerOp * 1e12,
    picojoulesPerByte: coefficients.joulesPerByte * 1e12,
    byteBasis: coefficients.byteBasis,
  };
}
