// Precisions on a device: which ones a profile supports and the peak rate the roofline uses for
// each; an unsupported precision is an error naming the ones the device has. (Names and storage
// sizes of precisions are in core/report/precision.ts.)
import type { Precision } from '../report/types';
import { bytesPerElement, PRECISIONS } from '../report/precision';

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
