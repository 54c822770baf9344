// The `wattlens.profile/1` JSON that DESIGN.md fixes as a contract: a model measured on this machine
// with onnxruntime (time per layer, energy from a counter where there is one) beside the static estimate.
import type { Range } from '../parse/syntax';

/** Where the profile's energy comes from. */
export type ProfileMeterKind = 'nvml' | 'rapl' | 'nvidia-smi' | 'estimate';

/** One layer row: measured beside estimated. */
export interface ProfiledLayer {
  path: string;
  op: string;
  /** Where the layer is (as the analysis report's row); null for a node of a user's .onnx. */
  range: Range | null;
  /** Median kernel time per forward pass from onnxruntime's profiler; null when no node ran for it. */
  measuredMs: number | null;
  /** The static estimate of the same row on the profile's hardware (null when unknown or not estimated). */
  estimatedMs: number | null;
  /** The model's measured energy apportioned by this layer's share of measured time (null without a meter). */
  energyJ: number | null;
  /** The optimiser fused this layer with others into one node: its time is their share by FLOPs. */
  fused: boolean;
  /** estimatedMs / measuredMs. */
  ratio: number | null;
  flops: number | null;
  cell?: number;
}

/** One measured model. */
export interface ProfiledModel {
  name: string;
  /** How the graph that ran was obtained. */
  graph: 'synthesized' | 'exported' | 'onnx-file';
  /** The graph's origin in words (seeded random weights, the exact export, the user's file) and its approximations. */
  graphSource: string;
  range: Range | null;
  input: number[][];
  measured: {
    /** Median of the timed (un-profiled) runs, per forward pass. */
    latencyMs: number;
    /** Board / package energy per forward pass over the timed window (null: no meter, see `meter`). */
    energyJ: number | null;
    /** energyJ less idle power × time (null without an idle reading). */
    energyAboveIdleJ: number | null;
    runs: number;
    /** (p90 − p10) / median of the timed runs. */
    spread: number;
    p10Ms: number;
    p90Ms: number;
    /** Sum of the layers' measured times, of views between layers, and of nodes mapped to nothing. */
    layersMs: number;
    viewsMs: number;
    unattributedMs: number;
    /** Median profiled run ÷ median un-profiled run: what onnxruntime's profiler costs. */
    profilerOverhead: number;
  };
  /** The static estimate on the profile's hardware at fp32 (null when the model has no analysis). */
  estimated: { latencyMs: number | null; energyJ: number | null } | null;
  /** estimated / measured, per forward pass. */
  ratio: { latency: number | null; energy: number | null };
  layers: ProfiledLayer[];
  notes: string[];
}

/** A model that could not be profiled, with why. */
export interface UnprofiledModel {
  name: string;
  range: Range | null;
  error: string;
}

/** The whole `wattlens profile --format json` document. */
export interface ProfileReport {
  schema: 'wattlens.profile/1';
  file: string;
  executionProvider: string | null;
  executionProviderReason: string;
  /** Every provider considered, in order: used, unavailable (with why), failed (with the error) or not tried. */
  providers: { name: string; status: string; reason: string }[];
  meter: {
    kind: ProfileMeterKind;
    source: string;
    /** Idle power measured just before the timed window (subtracted in energyAboveIdleJ). */
    idleW: number | null;
    /** Why each other meter was not used. */
    reasons: { kind: ProfileMeterKind; reason: string }[];
    warnings: string[];
  };
  /** The device that ran the model, as the machine names it. */
  device: string | null;
  /** The hardware profile the estimate uses, and why that one. */
  hardware: { id: string; name: string; why: string; calibrationFile: string | null } | null;
  precision: 'fp32';
  onnxruntime: string | null;
  models: ProfiledModel[];
  unprofiled: UnprofiledModel[];
  /** Files written: onnxruntime's trace (Perfetto / chrome://tracing), a Netron attachment, the graph that ran. */
  exports: { trace: string | null; netron: string | null; onnx: string | null } | null;
  /** Set with --calibrate: the file written and the fitted factors. */
  calibration: {
    file: string;
    factors: { computeFraction: number; memoryFraction: number; energyScale: number };
    latencyErrorBefore: number;
    latencyErrorAfter: number;
    warnings: string[];
  } | null;
  notes: string[];
}
