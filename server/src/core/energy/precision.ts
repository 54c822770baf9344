// Precisions on a device: which ones a profile supports and the peak rate the roofline uses for
// each; an unsupported precision is an error naming the ones the device has. (Names and storage
// sizes of precisions are in core/report/precision.ts.)
import type { Precision } from '../report/types';
import { bytesPerElement, PRECISIONS } from '../report/precision';

import { parsePrecision } from '../report/precision';

export { PRECISIONS, bytesPerElement, parsePrecision } from '../report/precision';
import type { HardwareProfile } from './types';

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

/**
 * The precision a model runs at on this device when nothing asks for another: fp32 where the device
 * has it (what PyTorch, Keras and TF.js default to), else its widest supported precision (bf16 on a
 * TPU, fp16 on the Apple Neural Engine, int8 on Hexagon and Loihi 2).
 */
export function nativePrecision(profile: HardwareProfile): Precision {
  return supportedPrecisions(profile)[0] ?? 'fp32';
}

/** A requested precision (case ignored), or the device's native one when none was asked for, and why. */
export function resolvePrecision(
  profile: HardwareProfile,
  requested: string | null | undefined,
): { precision: Precision; note: string | null } {
  if (requested !== null && requested !== undefined && requested.trim() !== '')
    return { precision: parsePrecision(requested), note: null };
  const native = nativePrecision(profile);
  return {
    precision: native,
    note:
      native === 'fp32'
        ? null
        : `${native}: the native precision of ${profile.id} (it has no fp32 figure); ask for another with --precision or wattlens.precision`,
  };
}
