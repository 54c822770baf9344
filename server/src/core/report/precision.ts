// Numeric precisions: their names and how many bytes one element occupies in memory. Every byte
// count in a report (weights, activations) is made with these; the energy model adds each device's peaks.
import type { Precision } from './types';

/** Every precision WattLens models, widest first. */
export const PRECISIONS: readonly Precision[] = ['fp32', 'tf32', 'fp16', 'bf16', 'fp8', 'int8'];

/** Storage bytes per element; tf32 is a tensor-core compute mode over fp32 storage, so it moves 4 bytes. */
const BYTES: Record<Precision, number> = { fp32: 4, tf32: 4, fp16: 2, bf16: 2, fp8: 1, int8: 1 };

/** Bytes one element occupies in memory at this precision. */
export function bytesPerElement(precision: Precision): number {
  return BYTES[precision];
}

/** Validates a user-supplied precision name (e.g. from `--precision`). */
export function parsePrecision(text: string): Precision {
  const precision = text.trim().toLowerCase() as Precision;
  if (!PRECISIONS.includes(precision))
    throw new Error(`unknown precision '${text}'; expected one of ${PRECISIONS.join(', ')}`);
  return precision;
}

/**
 * Ops torch.autocast keeps in float32 inside an autocast region (PyTorch's "Automatic Mixed Precision"
 * op reference, https://pytorch.org/docs/stable/amp.html#ops-that-can-autocast-to-float32): softmax,
 * norms, losses and the exp / log / pow / reduction family. Every other op in the region is counted at
 * the region's precision (PyTorch runs matmul / conv / linear there, and the ops after them on their outputs).
 */
const AUTOCAST_FLOAT32 = new Set([
  'Softmax',
  'LogSoftmax',
  'Softmin',
  'softmax',
  'log_softmax',
  'LayerNorm',
  'GroupNorm',
  'layer_norm',
  'group_norm',
  'norm',
  'exp',
  'log',
  'pow',
  'sum',
  'var',
  'Softplus',
  'CrossEntropyLoss',
  'NLLLoss',
  'MSELoss',
  'L1Loss',
  'BCEWithLogitsLoss',
  'KLDivLoss',
  'SmoothL1Loss',
]);

/** Whether an op runs at an autocast region's reduced precision (false: PyTorch keeps it in float32). */
export function autocastLowers(op: string): boolean {
  return !AUTOCAST_FLOAT32.has(op);
}

/** The precision a framework dtype name computes in, when it is one WattLens models. */
export function precisionOfDtype(dtype: string | undefined): Precision | undefined {
  switch (dtype) {
    case 'float32':
      return 'fp32';
    case 'float16':
    case 'half':
      return 'fp16';
    case 'bfloat16':
      return 'bf16';
    case 'qint8':
    case 'int8':
      return 'int8';
    case 'float8_e4m3fn':
    case 'float8_e5m2':
      return 'fp8';
    default:
      return undefined;
  }
}
