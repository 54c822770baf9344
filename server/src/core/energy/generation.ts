// The cost of generating text as it runs: one prefill over the prompts, then one decode step per new
// token, each reading every weight and the KV cache so far. Each step is costed with the roofline and
// energy model of roofline.ts / energy.ts; figures per request and per generated token follow.
import type { Bound, Precision } from '../report/types';
import type { HfModelShape } from '../catalog/hfShape';
import { attendedPositions, kvElemsPerPosition } from '../catalog/hfShape';
import { resolveEfficiency, type ResolvedEfficiency } from './efficiency';
import { deviceRates, roofline, type DeviceRates, type RooflineResult, type Work } from './roofline';
import { energyCoefficients, layerEnergyJ, type EnergyCoefficients } from './energy';
import type { HardwareProfile } from './types';

/** What one generate call does: prompts of `promptTokens` each, `newTokens` generated for each. */
export interface GenerationWorkload {
  batch: number;
  promptTokens: number;
  newTokens: number;
  /** No KV cache (`use_cache=False`): each decode step runs the whole prefix again instead of one token. */
  recompute?: boolean;
}

/** The numbers the model is loaded and run with. */
export interface GenerationNumerics {
  /** The precision whose peak the matmuls run at (4-bit loads dequantize and compute in fp16/bf16). */
  compute: Precision;
  /** Bytes one stored weight takes: 4 fp32, 2 bf16/fp16, 1 int8/fp8, 0.5 for 4-bit. */
  weightBytes: number;
  /** Bytes one KV-cache element takes (the activation dtype: 2 for bf16/fp16). */
  kvBytes: number;
  /** How these were decided, for the report ("torch_dtype=torch.bfloat16", "load_in_4bit=True"). */
  source: string;
}

/** One phase of the call: its multiply-accumulates, time and energy, and what bounds most of its time. */
export interface PhaseCost {
  macs: number;
  latencyMs: number;
  /** null when the profile has no power figure. */
  energyJ: number | null;
  bound: Bound | null;
}

/** The whole call and its per-token figures (the `generation` block of wattlens.report/1 without `source`). */
export interface GenerationCost {
  batch: number;
  promptTokens: number;
  newTokens: number;
  prefill: PhaseCost;
  decode: PhaseCost;
  /** KV cache at the end of the call, all sequences (window-capped layers keep only their window). */
  kvCacheBytes: number;
  /** Weights as loaded, at `numerics.weightBytes`. */
  weightBytes: number;
  /** Weights + KV cache, and whether they fit the profile's memory (null when it states no size). */
  peakMemoryBytes: number;
  fitsMemory: boolean | null;
  timeToFirstTokenMs: number;
  /** Mean time between two output tokens of one sequence (the decode steps). */
  timePerOutputTokenMs: number | null;
  /** Output tokens per second over the whole call, all sequences. */
  tokensPerSecond: number;
  /** Energy of the whole call divided by the tokens it generates (prefill included). */
  energyPerOutputTokenJ: number | null;
  energyJ: number | null;
  whPer1000Requests: number | null;
  /** Assumptions behind the figures, for the provenance. */
  assumptions: string[];
}

/**
 * Kernels one forward step launches per layer (q/k/v/o and MLP matmuls, attention, two norms) and for
 * the embedding, final norm and head: an assumption of a fused engine's count, not a measurement.
 */
export const KERNELS_PER_LAYER = 8;
const KERNELS_OUTSIDE_LAYERS = 3;
/** Activation elements read and written per token per layer (the residual stream across ~4 kernel boundaries). */
const ACTIVATION_ELEMS_PER_LAYER_PER_HIDDEN = 8;
/** Above this many decode steps, steps are costed in groups whose context is their midpoint. */
const EXACT_STEPS = 4096;

/** Costs one generate call of `shape` on `profile`. Throws UnsupportedPrecisionError for a precision the device lacks. */
export function generationCost(
  shape: HfModelShape,
  work: GenerationWorkload,
  numerics: GenerationNumerics,
  profile: HardwareProfile,
  efficiency?: ResolvedEfficiency,
): GenerationCost {
  const eff = efficiency ?? resolveEfficiency(profile);
  const rates = deviceRates(profile, numerics.compute, eff);
  const stepRates: DeviceRates = { ...rates, overheadS: rates.overheadS * kernelsPerStep(shape) };
  const coefficients = energyCoefficients(profile, numerics.compute, eff);
  const prefill = costSteps([prefillWork(shape, work, numerics)], stepRates, coefficients);
  const decode = costSteps(decodeSteps(shape, work, numerics), stepRates, coefficients);
  const tokens = work.batch * work.newTokens;
  const totalS = prefill.seconds + decode.seconds;
  const energyJ = prefill.energyJ === null || decode.energyJ === null ? null : prefill.energyJ + decode.energyJ;
  const kvCacheBytes = work.recompute
    ? 0
    : work.batch * kvPositions(shape, work.promptTokens + work.newTokens) * numerics.kvBytes;
  const weightBytes = shape.params * numerics.weightBytes;
  const size = profile.memory.sizeGB?.value;
  return {
    ...work,
    prefill: prefill.phase,
    decode: decode.phase,
    kvCacheBytes,
    weightBytes,
    peakMemoryBytes: weightBytes + kvCacheBytes,
    fitsMemory: size === undefined ? null : weightBytes + kvCacheBytes <= size * 1e9,
    timeToFirstTokenMs: prefill.seconds * 1e3,
    timePerOutputTokenMs: work.newTokens > 1 ? (decode.seconds * 1e3) / (work.newTokens - 1) : null,
    tokensPerSecond: totalS > 0 ? tokens / totalS : 0,
    energyPerOutputTokenJ: energyJ === null || tokens === 0 ? null : energyJ / tokens,
    energyJ,
    whPer1000Requests: energyJ === null ? null : ((energyJ / work.batch) * 1000) / 3600,
    assumptions: assumptionsOf(shape, numerics, work),
  };
}

/** Kernel launches per forward step: KERNELS_PER_LAYER per layer plus the embedding, final norm and head. */
export function kernelsPerStep(shape: HfModelShape): number {
  return shape.layers * KERNELS_PER_LAYER + KERNELS_OUTSIDE_LAYERS;
}

/** Positions the KV cache holds for a sequence of `n` (each window-capped layer group keeps at most its window). */
function kvPositions(shape: HfModelShape, n: number): number {
  return shape.attention.reduce((sum, g) => sum + g.count * g.kvElems * Math.min(n, g.window ?? n), 0);
}

/** Expected number of distinct experts `tokens` routed tokens touch in one MoE layer (uniform routing). */
export function expertsTouched(experts: number, perToken: number, tokens: number): number {
  return experts * (1 - (1 - perToken / experts) ** tokens);
}

/** Weight elements a forward over `tokens` tokens reads: all but the input table's unused rows and untouched experts. */
function weightElemsRead(shape: HfModelShape, tokens: number, includeOffStack: boolean): number {
  let elems = shape.params - shape.inputEmbeddingParams - (includeOffStack ? 0 : shape.offStackParams);
  elems += Math.min(tokens, shape.vocab) * shape.hidden * (shape.inputEmbeddingParams > 0 ? 1 : 0);
  if (shape.moe) {
    const idle = shape.moe.experts - expertsTouched(shape.moe.experts, shape.moe.perToken, tokens);
    elems -= shape.moe.layers * idle * shape.moe.expertParams;
  }
  return elems;
}

/** Prefill: every prompt position of every sequence through the stack (the head only for the last one). */
function prefillWork(shape: HfModelShape, w: GenerationWorkload, n: GenerationNumerics): Work {
  const P = w.promptTokens;
  const act = ACTIVATION_ELEMS_PER_LAYER_PER_HIDDEN * shape.layers * shape.hidden * n.kvBytes;
  if (shape.encoder) {
    const e = shape.encoder;
    const S = e.fixedTokens ?? P;
    const encoderMacs =
      S * (e.macsPerToken + e.crossKvMacsPerToken) +
      e.attention.count * 2 * e.attention.width * S * S +
      (e.stemMacs ?? 0);
    const firstStep = shape.weightMacsPerToken + e.crossLayers * 2 * shape.heads * shape.headDim * S;
    const bytes =
      weightElemsRead(shape, w.batch * S, true) * n.weightBytes +
      w.batch * (S * e.crossLayers * 2 * shape.hidden * n.kvBytes + S * act);
    return { flops: 2 * w.batch * (encoderMacs + firstStep), bytes };
  }
  let macs = P * (shape.weightMacsPerToken - shape.headMacsPerToken) + shape.headMacsPerToken;
  for (const g of shape.attention) macs += g.count * 2 * g.width * attendedPositions(P, g.window, true);
  const bytes =
    weightElemsRead(shape, w.batch * P, false) * n.weightBytes +
    w.batch * (kvPositions(shape, P) * n.kvBytes + P * act);
  return { flops: 2 * w.batch * macs, bytes };
}

/** Decode steps 1..N−1 (the prefill gives the first token): one new token per sequence attending to the cache. */
function decodeSteps(
  shape: HfModelShape,
  w: GenerationWorkload,
  n: GenerationNumerics,
): { work: Work; count: number }[] {
  const steps = Math.max(0, w.newTokens - 1);
  const group = steps <= EXACT_STEPS ? 1 : Math.ceil(steps / EXACT_STEPS);
  if (w.recompute) return recomputedSteps(shape, w, n, steps, group);
  const weights = weightElemsRead(shape, w.batch, false) * n.weightBytes;
  const kvPerPosition = kvElemsPerPosition(shape) * n.kvBytes;
  const act = ACTIVATION_ELEMS_PER_LAYER_PER_HIDDEN * shape.layers * shape.hidden * n.kvBytes;
  const cross = shape.encoder ? shape.encoder.crossLayers : 0;
  const source = shape.encoder ? (shape.encoder.fixedTokens ?? w.promptTokens) : 0;
  const out: { work: Work; count: number }[] = [];
  for (let first = 1; first <= steps; first += group) {
    const count = Math.min(group, steps - first + 1);
    // Context of the middle step of the group: the prompt, the tokens so far and the new one.
    const ctx = (shape.encoder ? 1 : w.promptTokens) + first + (count - 1) / 2;
    let macs = shape.weightMacsPerToken + cross * 2 * shape.heads * shape.headDim * source;
    let kvRead = cross * 2 * shape.hidden * source * n.kvBytes;
    for (const g of shape.attention) {
      const seen = Math.min(ctx, g.window ?? ctx);
      macs += g.count * 2 * g.width * seen;
      kvRead += g.count * g.kvElems * seen * n.kvBytes;
    }
    const bytes = weights + w.batch * (kvRead + kvPerPosition + act);
    out.push({ work: { flops: 2 * w.batch * macs, bytes }, count });
  }
  return out;
}

/**
 * Decode steps without a KV cache: step t runs the prompt and the t tokens so far through the stack,
 * as a prefill of that length does (every weight once, attention over the whole prefix, the head for the
 * last position only); nothing is cached, so nothing is read back.
 */
function recomputedSteps(
  shape: HfModelShape,
  w: GenerationWorkload,
  n: GenerationNumerics,
  steps: number,
  group: number,
): { work: Work; count: number }[] {
  const out: { work: Work; count: number }[] = [];
  for (let first = 1; first <= steps; first += group) {
    const count = Math.min(group, steps - first + 1);
    const context = w.promptTokens + first + Math.round((count - 1) / 2);
    const work = prefillWork(shape, { ...w, promptTokens: context }, n);
    // A prefill writes the KV cache it builds; without a cache the keys and values are not kept.
    const written = w.batch * kvPositions(shape, context) * n.kvBytes;
    out.push({ work: { flops: work.flops, bytes: work.bytes - written }, count });
  }
  return out;
}

/** Sums steps through the roofline and energy model; the bound is the one that holds for most of the time. */
function costSteps(
  steps: ({ work: Work; count: number } | Work)[],
  rates: DeviceRates,
  coefficients: EnergyCoefficients | null,
): { phase: PhaseCost; seconds: number; energyJ: number | null } {
  let macs = 0;
  let seconds = 0;
  let energy = 0;
  const byBound = new Map<Bound, number>();
  for (const step of steps) {
    const { work, count } = 'work' in step ? step : { work: step, count: 1 };
    const time: RooflineResult = roofline(work, rates);
    macs += (count * work.flops) / 2;
    seconds += count * time.latencyS;
    if (coefficients) energy += count * layerEnergyJ(work, time, coefficients);
    if (time.bound) byBound.set(time.bound, (byBound.get(time.bound) ?? 0) + count * time.latencyS);
  }
  const bound = [...byBound.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  const energyJ = coefficients ? energy : null;
  return { phase: { macs, latencyMs: seconds * 1e3, energyJ, bound }, seconds, energyJ };
}

function assumptionsOf(shape: HfModelShape, n: GenerationNumerics, work: GenerationWorkload): string[] {
  const out = [
    `weights ${n.weightBytes} B each, KV cache ${n.kvBytes} B per element, matmuls at the ${n.compute} peak (${n.source})`,
    `each step launches ${kernelsPerStep(shape)} kernels (${KERNELS_PER_LAYER} per layer + ${KERNELS_OUTSIDE_LAYERS}), as a fused engine does; eager Python loops add host overhead that is not modelled`,
    'prefill computes the output head for the last prompt position only; each decode step reads every weight once and the whole KV cache',
  ];
  if (work.recompute)
    out[2] =
      'no KV cache (use_cache=False): each decode step recomputes the whole prefix, as a prefill of that length, with the head for the last position only';
  if (shape.moe)
    out.push(
      `MoE: MACs count ${shape.moe.perToken} of ${shape.moe.experts} experts per token; a step reads the experts its tokens are expected to touch (uniform routing), all of them at large batch`,
    );
  return out;
}
