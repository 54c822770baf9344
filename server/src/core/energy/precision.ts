// Numeric precisions: bytes per element, which precisions a profile supports, and the peak rate
// the roofline uses for each; an unsupported precision is an error naming the ones the device has.
import type { Precision } from '../report/types';
import type { HardwareProfile } from './types';

/** Every precision WattLens models, widest first. */
export const PRECISIONS: readonly Precision[] = ['fp32', 'tf32', 'fp16', 'bf16', 'fp8', 'int8'];

/** Storage bytes per element; tf32 is a tensor-core compute mode over fp32 storage, so it moves 4 bytes. */
const BYTES: Record<Precision, number> = { fp32: 4, tf32: 4, fp16: 2, bf16: 2, fp8: 1, int8: 1 };

/** A precision the device has no peak figure for. */
export class UnsupportedPrecisionError extends Error {
  constructor(
    readonly profileId: string,
    readonly precision: Precision,
    readonly supported: Precision[],
    reason?: string,
  ) {
    super(
      `precision ${precision} is not available on ${profileId}${reason ? ` (${reason})` : ''}; ` +
        `supported: ${supported.length ? supported.join(', ') : 'none'}`,
    );
    this.name = 'UnsupportedPrecisionError';
  }
}

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

/** The precisions with a peak figure on this profile, widest first. */
export function supportedPrecisions(profile: HardwareProfile): Precision[] {
  return PRECISIONS.filter((p) => profile.peak[p] !== undefined);
}

/** Dense peak in operations per second at `precision`, or UnsupportedPrecisionError. */
export function peakOpsPerSecond(profile: HardwareProfile, precision: Precision): number {
  const figure = profile.peak[precision];
  if (!figure) {
    const reason = profile.absent?.[`peak.${precision}`];
    throw new UnsupportedPrecisionError(profile.id, precision, supportedPrecisions(profile), reason);
  }
  return figure.value * 1e12;
}

/** Rescales a byte count measured at one element size to another precision's element size. */
export function rescaleBytes(bytes: number, fromBytesPerElement: number, to: Precision): number {
  return (bytes * bytesPerElement(to)) / fromBytesPerElement;
}
