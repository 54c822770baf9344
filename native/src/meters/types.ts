// The energy meters' common shape: a counter or sampler read around the timed window, its idle
// power read just before, and the errors that say a reading is nonsense rather than passing it on.

/** Where a profile's energy comes from. */
export type MeterKind = 'nvml' | 'rapl' | 'nvidia-smi' | 'estimate';

/** Energy over one window. */
export interface WindowEnergy {
  energyJ: number;
  seconds: number;
  warnings: string[];
}

/** A meter that can bracket a window of work. */
export interface EnergyMeter {
  kind: Exclude<MeterKind, 'estimate'>;
  /** What is measured and how (device, counter or sampling rate), for the report. */
  source: string;
  /** The device's own name, when the meter reads it (NVML, nvidia-smi). */
  deviceName?: string;
  /** Average power over `seconds` of doing nothing, in watts. */
  idle(seconds: number): Promise<number>;
  /** Starts the window. */
  start(): Promise<void>;
  /** Ends the window; throws MeterError when the reading is nonsense. */
  stop(): Promise<WindowEnergy>;
  /** Releases what the meter holds (a sampling process, the NVML library). */
  close(): void;
}

/** A reading that cannot be trusted (a counter that went backwards or did not move), with why. */
export class MeterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MeterError';
  }
}

/** Checks a window's energy for nonsense common to every meter. */
export function checkWindow(name: string, energyJ: number, seconds: number, maxPlausibleW: number): void {
  if (!Number.isFinite(energyJ)) throw new MeterError(`${name}: the reading is not a number`);
  if (energyJ < 0) throw new MeterError(`${name}: the energy went down by ${(-energyJ).toFixed(3)} J over the window`);
  // Real counters tick every millisecond or so (NVML's within tens of ms): still at zero over work is nonsense.
  if (energyJ === 0 && seconds >= 0.2)
    throw new MeterError(`${name}: the counter did not move over ${seconds.toFixed(2)} s of work`);
  if (seconds > 0 && energyJ / seconds > maxPlausibleW)
    throw new MeterError(
      `${name}: ${(energyJ / seconds).toFixed(0)} W on average is beyond any plausible draw (${maxPlausibleW} W)`,
    );
}

/** Trapezoidal integral of power samples (seconds, watts) between two times, interpolating at the edges. */
export function integratePower(samples: { t: number; watts: number }[], from: number, to: number): number {
  if (samples.length === 0 || to <= from) return 0;
  const at = (t: number): number => {
    if (t <= samples[0].t) return samples[0].watts;
    if (t >= samples[samples.length - 1].t) return samples[samples.length - 1].watts;
    let i = 1;
    while (samples[i].t < t) i++;
    const a = samples[i - 1];
    const b = samples[i];
    return a.watts + ((b.watts - a.watts) * (t - a.t)) / (b.t - a.t || 1);
  };
  const points = [from, ...samples.map((s) => s.t).filter((t) => t > from && t < to), to];
  let joules = 0;
  for (let i = 1; i < points.length; i++)
    joules += ((at(points[i - 1]) + at(points[i])) / 2) * (points[i] - points[i - 1]);
  return joules;
}

/** Sleeps without holding the event loop. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
