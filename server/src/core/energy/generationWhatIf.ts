// What a generate call would cost with one thing changed: the KV cache kept, the weights loaded with
// other numerics (bf16, 4-bit, 8-bit), or all prompts in one batch. The call is re-costed exactly as
// the analysis costs it (generationEnergy.ts), so an action's promise is what re-analysis shows.
import type { GenerationReport } from '../report/types';
import { attachGenerationShape, generationShapeOf, type LoadNumerics } from '../catalog/generationShapes';
import { estimateGeneration } from './generationEnergy';
import type { EnergyContext } from './applyEnergy';

/** One change to a generate call. */
export interface GenerationChange {
  /** Keep the KV cache (drop `use_cache=False`). */
  useCache?: boolean;
  /** Load the weights with these numerics. */
  numerics?: LoadNumerics;
  /** Run every prompt in one call of this batch. */
  batch?: number;
}

/** The generate call costed on `ctx` with `change` applied, or undefined when the call has no model shape to re-cost. */
export function generationWith(
  g: GenerationReport,
  ctx: EnergyContext,
  change: GenerationChange,
): GenerationReport | undefined {
  const attached = generationShapeOf(g);
  if (!attached) return undefined;
  const copy: GenerationReport = { ...g, reason: undefined };
  if (change.batch !== undefined) {
    copy.batch = change.batch;
    delete copy.calls;
  }
  if (change.useCache)
    copy.cache = {
      kind: 'kv',
      text: 'KV cache (the default): each decode step runs one new token per sequence and reads the cache',
    };
  attachGenerationShape(copy, attached.shape, change.numerics ?? attached.numerics);
  return estimateGeneration(copy, ctx);
}
