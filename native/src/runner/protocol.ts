// The messages between the profiler and its runner process: what to measure, progress while it
// runs, and the measurements (times, per-node profile, energy with its meter).
import type { ProviderName, ProviderRequest, ProviderStatus } from './providers';
import type { MeterKind } from '../meters/types';
import type { NodeTiming } from './trace';

/** A graph input and how to fill it: random floats, or random indices below a bound (token ids). */
export interface InputSpec {
  name: string;
  shape: number[];
  type: string;
  integersBelow?: number;
}

/** Which meter to use and where its sources are (tests point them at fakes). */
export interface MeterOptions {
  request: 'auto' | Exclude<MeterKind, 'estimate'> | 'none';
  powercapRoot?: string;
  nvmlLibrary?: string;
  nvmlAddon?: string;
  nvidiaSmi?: string;
  gpu?: number;
}

/** Faults a test can inject into the runner (never set by the product). */
export interface RunnerFaults {
  /** Make this provider's run number `atRun` (1-based, warm-up included) throw. */
  failRun?: { provider: ProviderName; atRun: number };
  /** Stop answering once the session is created (a hung runtime). */
  hang?: boolean;
}

/** What the runner is asked to do. */
export interface RunnerRequest {
  modelPath: string;
  inputs: InputSpec[];
  provider: ProviderRequest;
  /** The timed window: at least this long and this many runs, at most `maxSeconds`. */
  minSeconds: number;
  minRuns: number;
  maxSeconds: number;
  warmupRuns: number;
  /** Runs of the profiled session (its first is dropped as warm-up). */
  profileRuns: number;
  /** Seconds of idle power measured just before the timed window (0: none). */
  idleSeconds: number;
  meter: MeterOptions;
  /** Folder for the trace and the optimised model. */
  workDir: string;
  faults?: RunnerFaults;
}

/** Energy measured over the timed window. */
export interface MeasuredEnergy {
  kind: Exclude<MeterKind, 'estimate'>;
  source: string;
  energyJ: number;
  seconds: number;
  idleW: number | null;
  warnings: string[];
}

/** What the runner measured. */
export interface RunnerResult {
  provider: ProviderName;
  /** The device that ran it, as the machine names it (the GPU from its meter, the CPU's model name). */
  device: string | null;
  providers: ProviderStatus[];
  onnxruntime: string;
  sessionMs: number;
  /** Each timed run of the un-profiled session, in ms, and the length of the whole timed window in s. */
  runsMs: number[];
  timedSeconds: number;
  /** Each run of the profiled session after its first, in ms (the profiler's own cost shows against runsMs). */
  profiledRunsMs: number[];
  energy: MeasuredEnergy | null;
  /** Why each meter was not used (or why the one used gave no energy). */
  meterReasons: { kind: MeterKind; reason: string }[];
  nodes: NodeTiming[];
  traceFile: string | null;
  optimizedModel: string | null;
  /** Notes for the report (too few runs in the time limit, nodes placed on another provider). */
  notes: string[];
}

/** The messages every profiler child sends (the runner, the profile host): progress, then one result or one error. */
export type ChildMessage<T> =
  | { type: 'progress'; message: string; fraction: number }
  | { type: 'result'; value: T }
  | { type: 'error'; message: string; reason?: 'failed' | 'cancelled' | 'timeout' | 'crashed' };

/** Messages from the runner. */
export type RunnerMessage = ChildMessage<RunnerResult>;
