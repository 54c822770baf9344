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
  const p = text.trim().toLowerCase() as Precision;
  if (!PRECISIONS.includes(p)) throw new Error(`unknown precision '${text}'; expected one of ${PRECISIONS.join(', ')}`);
  return p;
}
