// One Keras layer application as the Keras emitters see it: the layer's normalised configuration and
// arguments, its input values and the core's shapes (channels-last, batch first), and its weights in
// Keras's layout. Wrappers (Bidirectional, TimeDistributed) make one for the layer they wrap.
import type { GraphArg, GraphFramework, PlainValue } from '../../../../server/src/core/report/graph';
import type { Attribute } from '../onnxGraph';
import { type EmitContext, type WeightFill, UnsupportedOp } from '../emit/context';

/** What an emitter of one Keras layer reads and writes. */
export interface KerasCall {
  /** The Keras class (`Conv2D`) and the front end it came from (TF.js keeps some other defaults). */
  readonly className: string;
  readonly framework: GraphFramework;
  /** The configuration the core's Keras spec normalised (see frameworks/keras/layers). */
  readonly config: PlainValue;
  /** The bound Keras constructor arguments; empty for a wrapped layer (only its configuration is kept). */
  readonly args: Record<string, GraphArg>;
  /** Input values and their shapes, and the shapes of the outputs the core computed. */
  readonly inputs: string[];
  readonly inputShapes: number[][];
  readonly outputShapes: number[][];
  /** The layer's weight `name` (Keras's layout and name), created once. */
  weight(name: string, fill?: WeightFill): string;
  hasWeight(name: string): boolean;
  /** Adds a node of this layer (`part` names the second and later ones). */
  op(opType: string, inputs: string[], part?: string, attributes?: Record<string, Attribute>): string;
  ops(
    opType: string,
    inputs: string[],
    outputs: number,
    part?: string,
    attributes?: Record<string, Attribute>,
  ): string[];
  ints(values: number[], shape?: number[]): string;
  scalar(value: number, type?: string): string;
  filled(shape: number[], value: number, type?: string): string;
  /** A float32 constant holding these values. */
  floats(values: number[]): string;
  /** The element type of input i as the core records it. */
  inputType(i: number): string;
  note(text: string): void;
  /** Records that input i holds indices below `bound` (the runner then feeds such indices). */
  indicesBelow(i: number, bound: number): void;
}

/** The call of the layer node being emitted. */
export function layerCall(ctx: EmitContext, framework: GraphFramework): KerasCall {
  const node = ctx.node;
  const inputs = Array.from({ length: ctx.inputCount }, (_, i) => ctx.input(i));
  return {
    className: node.op,
    framework,
    config: node.layer?.config ?? null,
    args: node.layer?.args ?? {},
    inputs,
    inputShapes: inputs.map((_, i) => ctx.inputShape(i)),
    outputShapes: node.outputs.map((_, k) => ctx.outputShape(k)),
    weight: (name, fill) => ctx.weight(name, fill),
    hasWeight: (name) => ctx.hasWeight(name),
    op: (opType, values, part, attributes) => ctx.op(opType, values, part, attributes),
    ops: (opType, values, outputs, part, attributes) => ctx.ops(opType, values, outputs, part, attributes),
    ints: (values, shape) => ctx.ints(values, shape),
    scalar: (value, type) => ctx.scalar(value, type),
    filled: (shape, value, type) => ctx.filled(shape, value, type),
    floats: (values) => ctx.floats(values),
    inputType: (i) => ctx.tensor(node.inputs[i]).dtype,
    note: (text) => ctx.note(text),
    indicesBelow: (i, bound) => ctx.indicesBelow(node.inputs[i], bound),
  };
}

/**
 * The call of a layer a wrapper holds, run on other values and shapes: its weights are the wrapper's
 * `<prefix>/<name>` (Keras's `forward_lstm/kernel`), its nodes are named under `part`.
 */
export function innerCall(
  outer: KerasCall,
  ref: { op: string; name: string; config: PlainValue },
  io: { inputs: string[]; inputShapes: number[][]; outputShapes: number[][] },
  weightPrefix: string,
  part: string,
): KerasCall {
  const named = (p?: string) => (p ? `${part}/${p}` : part);
  return {
    ...outer,
    className: ref.op,
    config: ref.config,
    args: {},
    ...io,
    weight: (name, fill) => outer.weight(`${weightPrefix}/${name}`, fill),
    hasWeight: (name) => outer.hasWeight(`${weightPrefix}/${name}`),
    op: (opType, values, p, attributes) => outer.op(opType, values, named(p), attributes),
    ops: (opType, values, outputs, p, attributes) => outer.ops(opType, values, outputs, named(p), attributes),
    inputType: () => 'float32',
    indicesBelow: () => undefined,
  };
}

/** The configuration as a record (configurations of most layers are objects). */
export function configOf<T>(call: KerasCall): T {
  const c = call.config;
  if (c === null || typeof c !== 'object' || Array.isArray(c))
    throw new UnsupportedOp(`${call.className}: its configuration was not recorded`);
  return c as unknown as T;
}

/** A number argument, or the default. */
export function numberOf(v: GraphArg | undefined, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** The single input's shape (Keras layers of one tensor). */
export function onlyShape(call: KerasCall): number[] {
  return call.inputShapes[0];
}

/** A permutation that moves the channel axis (last) to position 1: NHWC → NCHW. */
export function channelsFirstPerm(rank: number): number[] {
  return [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];
}

/** The permutation back: NCHW → NHWC. */
export function channelsLastPerm(rank: number): number[] {
  return [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
}

/** x transposed to channels-first (a no-op when the layer is channels_first already). */
export function toChannelsFirst(call: KerasCall, x: string, rank: number, already: boolean): string {
  return already ? x : call.op('Transpose', [x], 'to_channels_first', { perm: { ints: channelsFirstPerm(rank) } });
}

/** y transposed back to channels-last (a no-op for channels_first layers). */
export function toChannelsLast(call: KerasCall, y: string, rank: number, already: boolean): string {
  return already ? y : call.op('Transpose', [y], 'to_channels_last', { perm: { ints: channelsLastPerm(rank) } });
}

/** A shape reordered channels-last → channels-first. */
export function shapeChannelsFirst(shape: number[], already: boolean): number[] {
  return already ? shape : [shape[0], shape[shape.length - 1], ...shape.slice(1, -1)];
}

/**
 * TensorFlow's padding per spatial dimension: 'valid' none, 'same' the total split with the extra one
 * at the end, 'causal' all of it at the start. `input` and `output` are spatial sizes.
 */
export function samePads(
  padding: string,
  input: number[],
  output: number[],
  kernel: number[],
  strides: number[],
  dilation: number[] = kernel.map(() => 1),
): { begin: number[]; end: number[] } {
  const begin: number[] = [];
  const end: number[] = [];
  input.forEach((size, i) => {
    const span = (kernel[i] - 1) * dilation[i] + 1;
    if (padding === 'causal') {
      begin.push(span - 1);
      end.push(0);
      return;
    }
    const total = padding === 'same' ? Math.max((output[i] - 1) * strides[i] + span - size, 0) : 0;
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  });
  return { begin, end };
}
