// The model shape and load numerics behind each generation report (or, for a hand-written decode loop,
// its traced steps), kept beside the plain report data (WeakMaps, so the JSON stays the contract) for
// the energy model to cost the call on a profile.
import type { HfModelShape } from './hfShape';
import type { GenerationReport, LayerReport } from '../report/types';

/** How the checkpoint is loaded: weight bytes, and the float dtype it computes in (null: the report's precision). */
export interface LoadNumerics {
  /** Bytes per weight: 4 fp32, 2 bf16/fp16, 1 int8, 0.5 for 4-bit. */
  weightBytes: number;
  /** 'bf16' | 'fp16' | 'fp32' the activations and matmuls use. */
  compute: 'fp32' | 'fp16' | 'bf16';
}

const shapes = new WeakMap<GenerationReport, { shape: HfModelShape; numerics: LoadNumerics }>();

/** Remembers the shape a generation report is costed from. */
export function attachGenerationShape(report: GenerationReport, shape: HfModelShape, numerics: LoadNumerics): void {
  shapes.set(report, { shape, numerics });
}

/** The shape and numerics behind a generation report, if the analysis attached them. */
export function generationShapeOf(
  report: GenerationReport,
): { shape: HfModelShape; numerics: LoadNumerics } | undefined {
  return shapes.get(report);
}

/**
 * A hand-written decode loop's work as report rows (analysis/decodeLoops.ts): the first step, which
 * reads the prompt, and the later steps grouped by equal work (`count` steps each).
 */
export interface TracedSteps {
  prefill: LayerReport[];
  decode: { rows: LayerReport[]; count: number }[];
}

const traced = new WeakMap<GenerationReport, TracedSteps>();

/** Remembers the traced steps a decode loop's generation report is costed from. */
export function attachTracedSteps(report: GenerationReport, steps: TracedSteps): void {
  traced.set(report, steps);
}

/** The traced steps behind a decode loop's generation report, if any. */
export function tracedStepsOf(report: GenerationReport): TracedSteps | undefined {
  return traced.get(report);
}

/** A copy of a generation report that keeps what is attached to it (the energy model fills copies). */
export function withGenerationFigures(report: GenerationReport, figures: Partial<GenerationReport>): GenerationReport {
  const copy = { ...report, ...figures };
  const attached = shapes.get(report);
  if (attached) shapes.set(copy, attached);
  const steps = traced.get(report);
  if (steps) traced.set(copy, steps);
  return copy;
}
