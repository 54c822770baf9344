// Fills a report's `generation` block on a profile: the attached model shape costed by generation.ts
// at the load's numerics (a dtype the device lacks falls back as the precision rules say), plus CO2e.
import type { Bound, GenerationPhase, GenerationReport, LayerReport, Precision } from '../report/types';
import { generationShapeOf, tracedStepsOf, withGenerationFigures, type TracedSteps } from '../catalog/generationShapes';
import { contextOf } from './statedPrecision';
import { roofline, workOfLayer } from './roofline';
import { layerEnergyJ } from './energy';
import { generationCost } from './generation';
import { co2eGrams } from './carbon';
import { supportedPrecisions, UnsupportedPrecisionError } from './precision';
import type { EnergyContext } from './context';

/** The generation block with its costs on `ctx`'s profile, or the same block (with its reason) when it cannot be costed. */
export function estimateGeneration(g: GenerationReport, ctx: EnergyContext): GenerationReport {
  const steps = tracedStepsOf(g);
  if (steps) return estimateTracedLoop(g, steps, ctx);
  const attached = generationShapeOf(g);
  if (!attached || g.batch === null || g.promptTokens === null || g.newTokens === null) return g;
  const compute = computePrecision(attached.numerics.compute, ctx);
  if (!compute.precision) return withGenerationFigures(g, { reason: compute.note });
  const kvBytes = attached.numerics.compute === 'fp32' ? 4 : 2;
  try {
    const c = generationCost(
      attached.shape,
      { batch: g.batch, promptTokens: g.promptTokens, newTokens: g.newTokens, recompute: g.cache?.kind === 'none' },
      { compute: compute.precision, weightBytes: attached.numerics.weightBytes, kvBytes, source: g.numerics },
      ctx.profile,
      ctx.efficiency,
    );
    const prefillShare = c.prefill.latencyMs / Math.max(1e-12, c.prefill.latencyMs + c.decode.latencyMs);
    return withGenerationFigures(g, {
      numerics: compute.note ? `${g.numerics}; ${compute.note}` : g.numerics,
      prefill: c.prefill,
      decode: c.decode,
      kvCacheBytes: c.kvCacheBytes,
      timeToFirstTokenMs: c.timeToFirstTokenMs,
      timePerOutputTokenMs: c.timePerOutputTokenMs,
      tokensPerSecond: c.tokensPerSecond,
      energyPerOutputTokenJ: c.energyPerOutputTokenJ,
      energyJ: c.energyJ,
      whPer1000Requests: c.whPer1000Requests,
      co2eG: c.energyJ === null ? null : co2eGrams(c.energyJ, ctx.intensity, ctx.pue),
      boundBy: prefillShare >= 0.5 ? 'prefill' : 'decode',
      ...(c.fitsMemory === false
        ? {
            reason: `weights + KV cache (${(c.peakMemoryBytes / 1e9).toFixed(1)} GB) exceed the ${ctx.profile.name}'s memory: the figures assume they fit`,
          }
        : {}),
    });
  } catch (e) {
    if (e instanceof UnsupportedPrecisionError) return withGenerationFigures(g, { reason: e.message });
    throw e;
  }
}

/** The load's compute dtype on this device: bf16 falls back to fp16 where the device has no bf16 peak. */
function computePrecision(
  wanted: 'fp32' | 'fp16' | 'bf16',
  ctx: EnergyContext,
): { precision?: Precision; note?: string } {
  const have = supportedPrecisions(ctx.profile);
  if (have.includes(wanted)) return { precision: wanted };
  const fallback = wanted === 'bf16' && have.includes('fp16') ? 'fp16' : have.includes('fp32') ? 'fp32' : undefined;
  if (!fallback) return { note: `${wanted} is not available on ${ctx.profile.id} (supported: ${have.join(', ')})` };
  return { precision: fallback, note: `${wanted} is not available on ${ctx.profile.id}: costed at ${fallback}` };
}

/**
 * A hand-written decode loop on the profile: every step's layers through the roofline and energy model
 * as a forward pass is (each layer at the precision its code states), the first step as the prefill.
 */
function estimateTracedLoop(g: GenerationReport, steps: TracedSteps, ctx: EnergyContext): GenerationReport {
  if (g.batch === null || g.newTokens === null) return g;
  const prefill = costRows([{ rows: steps.prefill, count: 1 }], ctx);
  const decode = costRows(steps.decode, ctx);
  if (!prefill || !decode) return withGenerationFigures(g, { reason: 'a layer of a step has no known work' });
  const tokens = g.batch * g.newTokens;
  const totalMs = prefill.latencyMs + decode.latencyMs;
  const energyJ = prefill.energyJ === null || decode.energyJ === null ? null : prefill.energyJ + decode.energyJ;
  return withGenerationFigures(g, {
    numerics: `${g.numerics} (${ctx.precision} on ${ctx.profile.id})`,
    prefill: { ...prefill, macs: g.prefill.macs },
    decode: { ...decode, macs: g.decode.macs },
    timeToFirstTokenMs: prefill.latencyMs,
    timePerOutputTokenMs: g.newTokens > 1 ? decode.latencyMs / (g.newTokens - 1) : null,
    tokensPerSecond: totalMs > 0 ? tokens / (totalMs / 1e3) : null,
    energyPerOutputTokenJ: energyJ === null ? null : energyJ / tokens,
    energyJ,
    whPer1000Requests: energyJ === null ? null : ((energyJ / g.batch) * 1000) / 3600,
    co2eG: energyJ === null ? null : co2eGrams(energyJ, ctx.intensity, ctx.pue),
    boundBy: prefill.latencyMs >= decode.latencyMs ? 'prefill' : 'decode',
  });
}

/** Sums groups of step rows (each `count` times); the bound is the one holding for most of the time. */
function costRows(
  groups: { rows: LayerReport[]; count: number }[],
  ctx: EnergyContext,
): (GenerationPhase & { latencyMs: number }) | null {
  let latencyMs = 0;
  let energyJ: number | null = ctx.energy ? 0 : null;
  const byBound = new Map<Bound, number>();
  for (const { rows, count } of groups) {
    for (const row of rows) {
      const at = contextOf(row, ctx);
      const work = workOfLayer(row, at.precision, at.bytesCountedAt);
      if (!work) return null;
      const time = roofline(work, at.rates);
      latencyMs += count * time.latencyS * 1e3;
      if (energyJ !== null && at.energy) energyJ += count * layerEnergyJ(work, time, at.energy);
      if (time.bound) byBound.set(time.bound, (byBound.get(time.bound) ?? 0) + count * time.latencyS);
    }
  }
  const bound = [...byBound.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  return { macs: null, latencyMs, energyJ, bound };
}
