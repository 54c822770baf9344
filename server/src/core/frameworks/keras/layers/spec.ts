// The contract every built-in Keras layer implements (channels-last shapes, weights created at
// build time from the input shape), plus the argument readers and naming rules the specs share.
import { type ArgValue, LayerArgError, ShapeError, elementCount } from '../../../layers/layerSpec';
import { opCost, type OpCost } from '../../../opCosts/opCosts';

/** A shape with the batch dimension first; NaN marks a dimension Keras leaves as None. */
export type Shape = number[];

/** A wrapped layer passed to a wrapper (Bidirectional, TimeDistributed): its spec and configuration. */
export interface LayerRef {
  kind: 'layerRef';
  spec: KerasLayerSpec<unknown>;
  config: unknown;
  name: string;
}

/** A constructor argument: a plain value, or a wrapped layer. */
export type KArg = ArgValue | LayerRef;

/** One constructor argument in Keras's positional order; `required` ones have no default. */
export interface KArgSpec {
  name: string;
  default?: ArgValue;
  required?: boolean;
}

/** A weight the layer creates when built. Non-trainable ones (BatchNorm moving stats) count too, as summary() does. */
export interface KWeight {
  name: string;
  shape: number[];
  trainable: boolean;
}

/** The outcome of one call: output shapes (several when the layer returns a list), MACs, extra FLOPs. */
export interface KForward {
  outputs: Shape[];
  /** True when the layer returns a Python list of tensors (return_state, merge_mode=None). */
  multi?: boolean;
  macs: number;
  /** Elementwise FLOPs beyond 2 × MACs; null when unknown (a Python callable as activation); absent: the op table. */
  extraFlops?: number | null;
}

/** How a layer takes its tensors: one tensor, a list of tensors (merge layers), or query/value/key. */
export type InputStyle = 'one' | 'list' | 'attention';

/** A built-in Keras layer. */
export interface KerasLayerSpec<C = unknown> {
  /** The Keras class name, e.g. `Conv2D`. */
  op: string;
  /** Constructor arguments in Keras's positional order. */
  args: KArgSpec[];
  /** Validates the bound arguments; throws LayerArgError with Keras's kind of message. */
  configure(args: Record<string, KArg>): C;
  /** The weights created when the layer is first called on inputs of these shapes. */
  build(config: C, inputs: Shape[]): KWeight[];
  /** Output shapes and costs of one call; throws ShapeError when the inputs do not fit. */
  call(config: C, inputs: Shape[], kwargs: Record<string, ArgValue>): KForward;
  inputs?: InputStyle;
}

/** Keyword arguments every layer accepts that do not change its structure or cost. */
export const BASE_KWARGS = new Set([
  'name',
  'trainable',
  'dtype',
  'autocast',
  'input_shape',
  'batch_input_shape',
  'batch_size',
  'input_dim',
  'input_length',
  'weights',
  'activity_regularizer',
  'seed',
  'dynamic',
]);

/** Keyword arguments matched by pattern: initializers, regularizers and constraints. */
export const IGNORED_KWARG = /_(initializer|regularizer|constraint)$/;

/** Keras's to_snake_case: the prefix of automatic layer names (`MaxPooling2D` → `max_pooling2d`). */
export function snakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** Reads a positive int. */
export function posInt(a: Record<string, KArg>, name: string): number {
  const v = a[name];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new LayerArgError(`${name} must be an int, got ${show(v)}`);
  if (v < 1)
    throw new LayerArgError(
      `Received an invalid value for \`${name}\`, expected a positive integer. Received: ${name}=${v}`,
    );
  return v;
}

/** Reads an int or a tuple of `n` ints (kernel_size=3 → [3, 3]). */
export function intTupleArg(a: Record<string, KArg>, name: string, n: number, min = 1): number[] {
  const v = a[name];
  const t = typeof v === 'number' ? Array(n).fill(v) : Array.isArray(v) && v.length === n ? v : undefined;
  if (!t || !t.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= min)) {
    throw new LayerArgError(`\`${name}\` must be an int or a tuple of ${n} ints >= ${min}, got ${show(v)}`);
  }
  return t as number[];
}

/** Reads a boolean (ints count, as in Python). */
export function boolOf(a: Record<string, KArg>, name: string): boolean {
  const v = a[name];
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (v === null) return false;
  throw new LayerArgError(`${name} must be a bool, got ${show(v)}`);
}

/** Reads a string, lower-cased, checked against `allowed`. */
export function choice(a: Record<string, KArg>, name: string, allowed: readonly string[]): string {
  const v = a[name];
  const s = typeof v === 'string' ? v.toLowerCase() : v;
  if (typeof s !== 'string' || !allowed.includes(s)) {
    throw new LayerArgError(`\`${name}\` must be one of ${allowed.map((x) => `"${x}"`).join(', ')}, got ${show(v)}`);
  }
  return s;
}

/** Reads an optional int (None allowed). */
export function optInt(a: Record<string, KArg>, name: string): number | null {
  const v = a[name];
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new LayerArgError(`${name} must be None or an int, got ${show(v)}`);
}

/** Reads a data_format: true when channels come first. */
export function channelsFirst(a: Record<string, KArg>): boolean {
  const v = a.data_format;
  if (v === null || v === undefined || v === 'channels_last') return false;
  if (v === 'channels_first') return true;
  throw new LayerArgError(`data_format must be "channels_last" or "channels_first", got ${show(v)}`);
}

/** Checks the input rank, with Keras's message. */
export function requireRank(op: string, shape: Shape, rank: number | number[]): void {
  const ok = Array.isArray(rank) ? rank.includes(shape.length) : shape.length === rank;
  if (!ok)
    throw new ShapeError(
      `Input 0 of layer "${op}" is incompatible with the layer: expected ndim=${Array.isArray(rank) ? rank.join(' or ') : rank}, found ndim=${shape.length}. Full shape received: ${showShape(shape)}`,
    );
}

/** Checks the rank is at least `min`. */
export function requireMinRank(op: string, shape: Shape, min: number): void {
  if (shape.length < min)
    throw new ShapeError(
      `Input 0 of layer "${op}" is incompatible with the layer: expected min_ndim=${min}, found ndim=${shape.length}. Full shape received: ${showShape(shape)}`,
    );
}

/** The single input of a one-tensor layer. */
export function only(op: string, inputs: Shape[]): Shape {
  if (inputs.length !== 1) throw new ShapeError(`${op} expects one input tensor, got ${inputs.length}`);
  return inputs[0];
}

/** A known (non-None) dimension, or a ShapeError saying which one is missing. */
export function knownDim(op: string, shape: Shape, axis: number, what: string): number {
  const d = shape[axis < 0 ? shape.length + axis : axis];
  if (!Number.isFinite(d))
    throw new ShapeError(`${op}: the ${what} dimension of the input must be defined, got ${showShape(shape)}`);
  return d;
}

/** Sliding-window output length (Keras conv_output_length): 'valid', 'same' or 'causal'. */
export function windowOut(length: number, kernel: number, padding: string, stride: number, dilation = 1): number {
  const k = kernel + (kernel - 1) * (dilation - 1);
  if (padding === 'same' || padding === 'causal') return Math.floor((length + stride - 1) / stride);
  return Math.floor((length - k + stride) / stride);
}

/** Element count, NaN when a dimension is None. */
export function elems(shape: Shape): number {
  return elementCount(shape);
}

/** A shape as Keras prints it, None for unknown dimensions. */
export function showShape(shape: Shape): string {
  return `(${shape.map((d) => (Number.isFinite(d) ? String(d) : 'None')).join(', ')}${shape.length === 1 ? ',' : ''})`;
}

/** A value for messages. */
export function show(v: unknown): string {
  if (v && typeof v === 'object' && 'kind' in (v as object)) return `<layer ${(v as LayerRef).name}>`;
  return JSON.stringify(v) ?? String(v);
}

/** Moves the channel axis last (data_format="channels_first" inputs are costed channels-last). */
export function toChannelsLast(shape: Shape, first: boolean): Shape {
  return first ? [shape[0], ...shape.slice(2), shape[1]] : shape;
}

/** Moves the channel axis back to position 1 for channels_first outputs. */
export function fromChannelsLast(shape: Shape, first: boolean): Shape {
  return first ? [shape[0], shape[shape.length - 1], ...shape.slice(1, -1)] : shape;
}

/** The op-costs.json entry of a Keras op: `keras.<Op>` where the name collides with a torch op, else `<Op>`. */
export function kerasOpCost(op: string): OpCost | undefined {
  return opCost(`keras.${op}`) ?? opCost(op);
}

/** A spec's extra FLOPs, falling back to the op table (per input or output element) when it states none. */
export function extraFlopsOf(op: string, r: KForward, inputs: Shape[]): number | null {
  if (r.extraFlops !== undefined) return r.extraFlops;
  const cost = kerasOpCost(op);
  if (!cost) return null;
  const basis = cost.basis === 'input' ? inputs : r.outputs.slice(0, 1);
  return cost.flopsPerElement * basis.reduce((sum, s) => sum + elementCount(s), 0);
}

export { LayerArgError, ShapeError };
