// Layers whose code states a precision (an autocast region, `.half()`, a quantized module) are
// estimated at it: the energy context for that precision, made once per report, with the profile's
// closest precision where it lacks the stated one (and a note of it in the context).
import type { LayerReport, Precision } from '../report/types';
import { bytesPerElement } from '../report/precision';
import type { EnergyContext } from './context';
import { energyCoefficients } from './energy';
import { deviceRates } from './roofline';
import type { HardwareProfile } from './types';

/**
 * The context a layer is estimated in: the report's, or, for a layer whose code states a precision,
 * that precision (its bytes were counted at it). A stated precision the profile lacks is estimated
 * at the closest one it has (fp16 for bf16 and back, then the report's), and the report says so.
 */
export function contextOf(layer: LayerReport, ctx: EnergyContext, precision = layer.precision): EnergyContext {
  if (!precision) return ctx;
  ctx.stated ??= new Map();
  // Bytes of a layer the code states a precision for were counted at it; otherwise at the report's.
  const countedAt = layer.precision === precision ? bytesPerElement(precision) : ctx.bytesCountedAt;
  const key = `${precision}|${countedAt}`;
  let at = ctx.stated.get(key);
  if (!at) {
    const runs = closestSupported(ctx.profile, precision, ctx.precision);
    if (runs !== precision) (ctx.fallbacks ??= new Map()).set(precision, runs);
    at = {
      ...ctx,
      precision: runs,
      rates: deviceRates(ctx.profile, runs, ctx.efficiency),
      energy: ctx.energy ? energyCoefficients(ctx.profile, runs, ctx.efficiency) : null,
      bytesCountedAt: countedAt,
      stated: undefined,
      fallbacks: undefined,
    };
    ctx.stated.set(key, at);
  }
  return at;
}

/** `wanted` where the profile has a peak for it, else the same width's other format, else `otherwise`. */
function closestSupported(profile: HardwareProfile, wanted: Precision, otherwise: Precision): Precision {
  const alternatives: Record<Precision, Precision[]> = {
    fp32: ['tf32'],
    tf32: ['fp32'],
    fp16: ['bf16'],
    bf16: ['fp16'],
    fp8: ['fp16', 'bf16'],
    int8: [],
  };
  for (const candidate of [wanted, ...alternatives[wanted]]) if (profile.peak[candidate]) return candidate;
  return otherwise;
}
