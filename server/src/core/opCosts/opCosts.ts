// The per-op elementwise cost table (op-costs.json, checked against op-costs.schema.json): what kind
// of work each op is, how many FLOPs beyond 2 × MACs it does per input or output element, and the
// public reference each figure follows. An op the table lacks has unknown FLOPs, never 0.
import table from './op-costs.json';

/** Broad classes of ops, as the cost and suggestion layers group them. */
export type OpKind =
  | 'conv'
  | 'linear'
  | 'matmul'
  | 'recurrent'
  | 'attention'
  | 'norm'
  | 'activation'
  | 'pool'
  | 'embedding'
  | 'reshape'
  | 'dropout'
  | 'upsample'
  | 'elementwise';

/** One table entry: `flopsPerElement` counted per element of the `basis` tensor. */
export interface OpCost {
  kind: OpKind;
  flopsPerElement: number;
  basis: 'output' | 'input';
  /** What is counted, in one sentence. */
  doc: string;
  /** A public reference (URL) for the op's arithmetic or the counting convention. */
  source: string;
}

/** The whole table, keyed by op name (torch class names and functional op names). */
export const OP_COSTS: Readonly<Record<string, OpCost>> = table.ops as Record<string, OpCost>;

/** The table entry for `op`, or undefined when the table lacks it. */
export function opCost(op: string): OpCost | undefined {
  return Object.prototype.hasOwnProperty.call(OP_COSTS, op) ? OP_COSTS[op] : undefined;
}

/**
 * Elementwise FLOPs of one call of `op` (per-element figure × its basis count); null for an op the
 * table lacks, or when the basis tensor's element count is unknown (null).
 */
export function elementwiseFlops(op: string, inputElems: number | null, outputElems: number | null): number | null {
  const cost = opCost(op);
  if (!cost) return null;
  const basis = cost.basis === 'input' ? inputElems : outputElems;
  return basis === null ? null : cost.flopsPerElement * basis;
}

/** Why an op's FLOPs are unknown when the table lacks it: the reason a report row carries. */
export function missingCostReason(op: string): string {
  return `op-costs.json has no entry for ${op}: its elementwise FLOPs are unknown`;
}

/** The kind of work `op` does, or null for an op the table lacks. */
export function opKind(op: string): OpKind | null {
  return opCost(op)?.kind ?? null;
}
