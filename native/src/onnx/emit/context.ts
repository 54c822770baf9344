// What an op emitter sees while the synthesiser writes one layer call as ONNX nodes, and the small
// argument readers the emitters share (torch's int-or-tuple arguments, dims, padding).
import type { GraphArg, GraphNode, GraphTensor } from '../../../../server/src/core/report/graph';
import type { Attribute, OnnxGraph } from '../onnxGraph';

/** The synthesiser's services for the layer call being emitted. */
export interface EmitContext {
  readonly graph: OnnxGraph;
  readonly node: GraphNode;
  /** The value name of the node's i-th input (views between layers are emitted on the way). */
  input(i: number): string;
  /** The number of tensor inputs the call read. */
  readonly inputCount: number;
  /** The core's shape of the node's i-th input, or of its k-th output. */
  inputShape(i: number): number[];
  outputShape(k?: number): number[];
  /** The core's tensor record of an id. */
  tensor(id: number): GraphTensor;
  /** The value name of a tensor id (an argument tensor such as a mask or a functional op's weight). */
  value(id: number): string;
  /** The initializer of the layer's own parameter or buffer `name` (torch's layout), created once. */
  weight(name: string, fill?: WeightFill): string;
  /** Whether the layer has the parameter or buffer `name`. */
  hasWeight(name: string): boolean;
  /** Adds a node of this layer (named after it, with `part` for the second and later nodes). */
  op(opType: string, inputs: string[], part?: string, attributes?: Record<string, Attribute>, domain?: string): string;
  /** Adds a node of this layer with several outputs. */
  ops(
    opType: string,
    inputs: string[],
    outputs: number,
    part?: string,
    attributes?: Record<string, Attribute>,
  ): string[];
  /** Binds the node's k-th output to a value. */
  output(k: number, value: string): void;
  /** An int64 constant, a float scalar, or a constant filled with one value. */
  ints(values: number[], shape?: number[]): string;
  scalar(value: number, type?: string): string;
  filled(shape: number[], value: number, type?: string): string;
  /** A float32 constant holding these values (of `shape`, default a vector). */
  floats(values: number[], shape?: number[]): string;
  /** Records that the tensor `id` holds indices below `bound` (the runner then feeds such indices to the input it comes from). */
  indicesBelow(id: number, bound: number): void;
  /** Notes an approximation the synthesised graph makes for this call (shown with the profile). */
  note(text: string): void;
  /** A layer constructor argument, or a functional op's keyword / positional argument. */
  arg(name: string, position?: number): GraphArg | undefined;
}

/** How a parameter is initialised: uniform ±1/√fan-in (the torch default), ones, zeros, or a bound. */
export type WeightFill = 'fan-in' | 'ones' | 'zeros' | { bound: number };

/** Raised when a call cannot be written as ONNX; the profile reports it with the layer's line. */
export class UnsupportedOp extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedOp';
  }
}

/** An integer argument. */
export function intArg(v: GraphArg | undefined, fallback?: number): number {
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if ((v === undefined || v === null) && fallback !== undefined) return fallback;
  throw new UnsupportedOp(`expected an integer argument, got ${JSON.stringify(v)}`);
}

/** A number argument. */
export function numberArg(v: GraphArg | undefined, fallback: number): number {
  return typeof v === 'number' ? v : fallback;
}

/** An int-or-tuple argument expanded to `n` entries (kernel_size=3 → [3, 3]). */
export function tupleArg(v: GraphArg | undefined, n: number, fallback?: number): number[] {
  if (typeof v === 'number') return Array(n).fill(Math.trunc(v));
  if (Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number')) return v as number[];
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number') return Array(n).fill(v[0]);
  if ((v === undefined || v === null) && fallback !== undefined) return Array(n).fill(fallback);
  throw new UnsupportedOp(`expected an int or a tuple of ${n} ints, got ${JSON.stringify(v)}`);
}

/** A possibly negative dimension, normalised against a rank. */
export function normDim(dim: number, rank: number): number {
  return dim < 0 ? dim + rank : dim;
}

/** Number of elements of a shape. */
export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** ONNX `pads` (all begins, then all ends) from per-dimension begin / end. */
export function onnxPads(begin: number[], end: number[] = begin): number[] {
  return [...begin, ...end];
}

/** The tensor id of a `{ tensor }` argument, or undefined. */
export function tensorArg(v: GraphArg | undefined): number | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) && 'tensor' in v ? v.tensor : undefined;
}
