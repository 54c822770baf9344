// Fills a report's `generation` block on a profile: the attached model shape costed by generation.ts
// at the load's numerics (a dtype the device lacks falls back as the precision rules say), plus CO2e.
import type { GenerationReport, Precision } from '../report/types';
import { generationShapeOf, withGenerationFigures } from '../catalog/generationShapes';
import { generationCost } from './generation';
import { co2eGrams } from './carbon';
import { supportedPrecisions, UnsupportedPrecisionError } from './precision';
import type { EnergyContext } from './context';

/** The generation block with its costs on `ctx`'s profile, or the same block (with its reason) when it cannot be costed. */
export function estimateGeneration(g: GenerationReport, ctx: EnergyContext): GenerationReport {
  const attached = generationShapeOf(g);
  if (!attached || g.batch === null || g.promptTokens === null || g.newTokens === null) return g;
  const compute = computePrecision(attached.numerics.compute, ctx);
  if (!compute.precision) return withGenerationFigures(g, { reason: compute.note });
  const kvBytes = attached.numerics.compute === 'fp32' ? 4 : 2;
  try {
    const c = generationCost(
      attached.shape,
      { batch: g.batch, promptTokens: g.promptTokens, newTokens: g.newTokens },
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
