// Whether a model fits the device's memory: weights, the activations alive at once (all saved ones
// when training), the KV cache of a decoder generating, and gradients and optimizer state when it
// trains, against the profile's memory size. Every part says how it was counted; unknown stays null.
import type { FileReport, ModelReport, Precision, TrainingRunReport } from '../report/types';
import { samplesPerPass } from '../report/totals';
import { bytesPerElement } from '../report/precision';
import type { ModelCatalog } from '../catalog/modelCatalog';
import type { HardwareProfile } from './types';

/** Optimizer state bytes per parameter: Adam/AdamW keep two fp32 moments, SGD with momentum one. */
export const OPTIMIZER_STATE_BYTES: Record<'adam' | 'sgd-momentum' | 'sgd', number> = {
  adam: 8,
  'sgd-momentum': 4,
  sgd: 0,
};

/** One part of the memory a model needs, and how it was counted. */
export interface MemoryPart {
  name: 'weights' | 'activations' | 'KV cache' | 'gradients' | 'optimizer state';
  bytes: number;
  how: string;
}

/** What a model needs on a device against what the device has (bytes; null when unknown). */
export interface MemoryNeed {
  scope: 'inference' | 'training';
  parts: MemoryPart[];
  totalBytes: number | null;
  capacityBytes: number | null;
  /** totalBytes − capacityBytes when it does not fit; null when it fits or either side is unknown. */
  overBytes: number | null;
  /** Why the total is unknown, when it is. */
  reason?: string;
}

/** What to count besides the model: a training run of it, the optimizer, a decoder's KV cache. */
export interface MemoryOptions {
  run?: TrainingRunReport;
  optimizer?: keyof typeof OPTIMIZER_STATE_BYTES;
  /** The bytes of a KV cache the model keeps while generating, and how they were counted. */
  kvCache?: { bytes: number; how: string };
}

/**
 * The memory `model` needs on `profile`. Inference: weights + the largest layer's input and output
 * (alive at once) + a KV cache. Training (with `run`): weights, gradients (as many as the weights),
 * optimizer state (Adam's two fp32 moments unless the code uses SGD), and every layer's output kept
 * for the backward pass, at the run's batch.
 */
export function memoryNeed(model: ModelReport, profile: HardwareProfile, options: MemoryOptions = {}): MemoryNeed {
  const capacity = profile.memory.sizeGB ? profile.memory.sizeGB.value * 1e9 : null;
  const scope = options.run ? 'training' : 'inference';
  const weights = model.totals.weightBytes;
  const unknown = (reason: string): MemoryNeed => ({
    scope,
    parts: [],
    totalBytes: null,
    capacityBytes: capacity,
    overBytes: null,
    reason,
  });
  if (weights === null) return unknown('the weight bytes are unknown');
  const params = model.totals.params;
  const parts: MemoryPart[] = [
    { name: 'weights', bytes: weights, how: `${params === null ? '?' : params.toLocaleString('en-US')} parameters` },
  ];
  const activations = options.run ? savedActivations(model, options.run) : liveActivations(model);
  if (activations) parts.push(activations);
  if (options.kvCache) parts.push({ name: 'KV cache', ...options.kvCache });
  if (options.run) {
    parts.push({ name: 'gradients', bytes: weights, how: 'one per parameter, as the weights' });
    const optimizer = options.optimizer ?? 'adam';
    if (params !== null && OPTIMIZER_STATE_BYTES[optimizer] > 0)
      parts.push({
        name: 'optimizer state',
        bytes: params * OPTIMIZER_STATE_BYTES[optimizer],
        how: `${optimizer === 'adam' ? 'Adam: two fp32 moments' : 'SGD momentum: one fp32 buffer'} per parameter${options.optimizer ? '' : ' (assumed: no optimizer found)'}`,
      });
  }
  const totalBytes = parts.reduce((s, p) => s + p.bytes, 0);
  const overBytes = capacity !== null && totalBytes > capacity ? totalBytes - capacity : null;
  return { scope, parts, totalBytes, capacityBytes: capacity, overBytes };
}

/** Inference: the largest layer's inputs and outputs, alive at once (earlier activations are freed). */
function liveActivations(model: ModelReport): MemoryPart | undefined {
  let peak = 0;
  for (const l of model.layers) if (l.activationBytes !== null && l.activationBytes > peak) peak = l.activationBytes;
  return peak > 0
    ? { name: 'activations', bytes: peak, how: 'the largest layer input and output alive at once' }
    : undefined;
}

/** Training: every layer's output is kept for the backward pass (half of what it reads and writes), at the run's batch. */
function savedActivations(model: ModelReport, run: TrainingRunReport): MemoryPart | undefined {
  let sum = 0;
  for (const l of model.layers) if (l.activationBytes !== null) sum += l.activationBytes / 2;
  if (sum === 0) return undefined;
  const batch = run.batchSize ?? samplesPerPass(model);
  const scale = batch / samplesPerPass(model);
  return { name: 'activations', bytes: sum * scale, how: `every layer output kept for backward, batch ${batch}` };
}

/** A decoder's KV cache: keys and values of every layer for `tokens` tokens of `batch` sequences. */
export function kvCacheBytes(
  arch: { layers: number; heads: number; kvHeads?: number; headDim?: number; hidden: number },
  tokens: number,
  batch: number,
  bytesPerElement: number,
): number {
  const headDim = arch.headDim ?? arch.hidden / arch.heads;
  return 2 * arch.layers * (arch.kvHeads ?? arch.heads) * headDim * tokens * batch * bytesPerElement;
}

/**
 * What to count for a root model of `file`: its training run (if the file trains it), the optimizer
 * the source builds, and, for a catalogued decoder, its KV cache at the typical sequence length.
 */
export function memoryOptionsOf(
  model: ModelReport,
  file: FileReport,
  precision: Precision,
  catalog?: ModelCatalog,
  text?: string,
): MemoryOptions {
  const run = file.trainingRuns?.find((r) => r.model === model.name);
  const options: MemoryOptions = { kvCache: decoderCache(model, precision, catalog) };
  if (run) Object.assign(options, { run, optimizer: text ? optimizerOf(text) : undefined });
  return options;
}

function decoderCache(model: ModelReport, precision: Precision, catalog?: ModelCatalog): MemoryOptions['kvCache'] {
  const entry = model.catalogId ? catalog?.entries.find((e) => e.id === model.catalogId) : undefined;
  const arch = entry?.architecture;
  if (!entry || arch?.type !== 'transformer' || arch.attention !== 'causal' || !arch.lmHead) return undefined;
  const tokens = entry.typicalSequenceLength ?? 0;
  if (!tokens) return undefined;
  const batch = model.samplesPerPass ?? samplesPerPass(model);
  const bytes = bytesPerElement(model.layers[0]?.precision ?? precision);
  return {
    bytes: kvCacheBytes(arch, tokens, batch, bytes),
    how: `keys and values of ${arch.layers} layers for ${tokens.toLocaleString('en-US')} tokens × batch ${batch}`,
  };
}

/** The optimizer a training script builds, when it names one whose state is counted. */
export function optimizerOf(text: string): MemoryOptions['optimizer'] {
  if (/\boptim\.(Adam|AdamW|NAdam|RAdam|Adamax)\s*\(|\b(Adam|AdamW)\s*\(/.test(text)) return 'adam';
  const sgd = /\boptim\.SGD\s*\(([^)]*)\)/.exec(text);
  if (sgd) return /momentum\s*=\s*(?!0(\.0*)?\s*[,)])/.test(`${sgd[1]})`) ? 'sgd-momentum' : 'sgd';
  return undefined;
}
