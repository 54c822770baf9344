// The layer vocabulary every framework shares: element types, plain argument values, tensors as the
// tracer knows them, parameters, the one shape error and the one argument error, element counts; and
// the contract a built-in layer implements (constructor signature, parameters, forward shape rule
// and multiply-accumulates), which torch.nn's layers follow as written and the interpreter holds.
import type { Range } from '../parse/syntax';

/** Element types a symbolic tensor can carry. */
export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'bool' | 'uint8' | 'complex64';

/** A tensor as the tracer knows it: a concrete shape and an element type. */
export interface TensorInfo {
  shape: number[];
  dtype: DType;
}

/** What a layer's forward returns: one tensor, a tuple of them (nested), or None. */
export type ForwardOut = TensorInfo | ForwardOut[] | null;

/** Plain constructor-argument values, converted from interpreter values by the caller. */
export type ArgValue = number | boolean | string | null | ArgValue[];

/** One constructor argument as torch declares it; `required` ones have no default. */
export interface ArgSpec {
  name: string;
  default?: ArgValue;
  required?: boolean;
}

/** A parameter tensor as torch registers it on the module (`weight`, `bias`, `in_proj_weight`). */
export interface ParamTensor {
  name: string;
  shape: number[];
}

/** The outcome of one forward call. */
export interface ForwardResult {
  output: ForwardOut;
  /** Multiply-accumulates of conv / linear / matmul / attention / recurrent work (0 for others). */
  macs: number;
  /**
   * Elementwise floating-point work beyond 2 × MACs (bias adds, gate nonlinearities, softmax);
   * when absent, the op table's per-element figure times the output elements is used.
   */
  extraFlops?: number;
}

/** A built-in layer: constructor signature, parameters and forward rule. */
export interface LayerSpec<C = unknown> {
  /** The torch class name, e.g. `Conv2d`. */
  op: string;
  /** Constructor arguments in torch's positional order. */
  args: ArgSpec[];
  /** Validates the bound arguments and derives the layer's configuration. */
  configure(args: Record<string, ArgValue>): C;
  /** Parameters the module registers itself (not its children's), as torch counts them. */
  parameters(config: C): ParamTensor[];
  /** Output and MACs for one call; throws ShapeError when the inputs cannot be fed to it. */
  forward(config: C, inputs: TensorInfo[], kwargs: Record<string, ArgValue | TensorInfo>): ForwardResult;
  /** Buffers that are not parameters (BatchNorm running stats) — for byte counts only. */
  buffers?(config: C): ParamTensor[];
}

/** Raised when a layer's inputs do not fit it (e.g. Linear(512) fed 2048 features). */
export class ShapeError extends Error {
  constructor(
    message: string,
    readonly range?: Range,
  ) {
    super(message);
    this.name = 'ShapeError';
  }
}

/** Raised when constructor arguments are invalid or not understood. */
export class LayerArgError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LayerArgError';
  }
}

/** Number of elements of a shape. */
export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const size of shape) count *= size;
  return count;
}

/** Formats a shape the way torch prints it, for messages. */
export function showShape(shape: readonly number[]): string {
  return `(${shape.join(', ')})`;
}
