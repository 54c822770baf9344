// Tensor ops with values at run time, as a custom layer's call() uses them: the methods of a tf.Tensor
// (x.matMul(w), x.reshape(...), x.gather(...)) and the tf.* functions (tf.add, tf.softmax, tf.concat).
// Each computes its output shape; while a custom layer's call() runs, each records its MACs and
// FLOPs. An op not modelled here is Unknown with its name, so the cost is unknown, never 0.
import {
  type JsValue,
  type SymV,
  type Site,
  UNDEFINED,
  num,
  arr,
  unknown,
  native,
  NULL,
} from '../../interpreter/typescript/values';
import { elementwiseFlops } from '../../opCosts/opCosts';
import { broadcastShapes } from '../keras/layers/merge';
import { matmulShape } from '../keras/ops';
import { elementCount, ShapeError } from './layers/common';

/** What a running custom layer's call() has cost so far; flops null once an op lacks a FLOPs figure. */
export interface OpCostSink {
  macs: number;
  flops: number | null;
}

/** What tensor ops need of the tf runtime: new tensors, and where the cost of the call now running goes. */
export interface TensorHost {
  eagerTensor(shape: number[]): SymV;
  opCost: OpCostSink | null;
}

type Shape = number[];

/** Unary elementwise ops → the op-costs.json entry their FLOPs follow (none: FLOPs unknown). */
const UNARY: Record<string, string | null> = {
  relu: 'relu',
  relu6: 'ReLU6',
  elu: 'ELU',
  selu: 'SELU',
  leakyRelu: 'LeakyReLU',
  sigmoid: 'sigmoid',
  logSigmoid: 'LogSigmoid',
  tanh: 'tanh',
  softplus: 'Softplus',
  exp: 'exp',
  log: 'log',
  sqrt: 'sqrt',
  abs: 'abs',
  sin: 'sin',
  cos: 'cos',
  round: 'round',
  floor: 'floor',
  ceil: 'ceil',
  neg: 'mul',
  square: 'mul',
  reciprocal: 'div',
  rsqrt: null,
  sign: null,
  erf: null,
};

/** Binary elementwise ops (broadcasting) → their op-costs.json entry. */
const BINARY: Record<string, string> = {
  add: 'add',
  sub: 'sub',
  mul: 'mul',
  div: 'div',
  realDiv: 'div',
  divNoNan: 'div',
  floorDiv: 'div',
  mod: 'div',
  pow: 'pow',
  maximum: 'max',
  minimum: 'max',
  squaredDifference: 'pow',
  equal: 'sub',
  notEqual: 'sub',
  greater: 'sub',
  greaterEqual: 'sub',
  less: 'sub',
  lessEqual: 'sub',
};

/** Reductions over axes → their op-costs.json entry (FLOPs per input element). */
const REDUCE: Record<string, string | null> = {
  sum: 'sum',
  mean: 'mean',
  max: 'max',
  min: 'max',
  prod: 'sum',
  logSumExp: null,
  argMax: 'max',
  argMin: 'max',
  all: 'max',
  any: 'max',
};

/** Ops that move or view data without arithmetic (0 FLOPs). */
const SHAPE_OPS = new Set([
  'reshape',
  'expandDims',
  'squeeze',
  'transpose',
  'gather',
  'slice',
  'concat',
  'stack',
  'tile',
  'flatten',
  'clone',
  'identity',
  'cast',
  'asType',
  'toFloat',
  'toInt',
  'toBool',
  'reverse',
]);

/** Every op name this module models (tensor methods and tf.* functions alike). */
export const TENSOR_OPS = new Set([
  ...Object.keys(UNARY),
  ...Object.keys(BINARY),
  ...Object.keys(REDUCE),
  ...SHAPE_OPS,
  'matMul',
  'softmax',
  'logSoftmax',
  'zerosLike',
  'onesLike',
]);

/** tf.* functions that make a tensor from a shape: tf.zeros([2, 3]). */
export const CREATION_OPS = new Set(['zeros', 'ones', 'fill', 'randomNormal', 'randomUniform', 'truncatedNormal']);

/** The shape of an operand: a tensor's, [] for a number; undefined for anything else. */
function shapeOf(v: JsValue | undefined): Shape | undefined {
  if (!v) return undefined;
  if (v.kind === 'symbolic' && v.eager && v.shape) return v.shape;
  if (v.kind === 'num') return [];
  return undefined;
}

/** A property of a run-time tensor: shape, rank, size, dtype, and its ops as methods. */
export function tensorMember(host: TensorHost, t: SymV, name: string, site: Site): JsValue {
  const shape = t.shape!;
  switch (name) {
    case 'shape':
      return arr(shape.map(num));
    case 'rank':
      return num(shape.length);
    case 'size':
      return num(elementCount(shape));
    case 'dtype':
      return { kind: 'str', value: 'float32' };
    case 'read':
      return native('read', () => t);
    case 'dispose':
      return native('dispose', () => UNDEFINED);
  }
  if (!TENSOR_OPS.has(name)) return unknown(`tensor.${name}() is not modelled: what it costs is unknown`, site.range);
  return native(name, (args, s) => tensorOp(host, name, [t, ...args], s));
}

/** A tf.* function on run-time tensors; Unknown when its operands are not run-time tensors. */
export function tfFunction(host: TensorHost, name: string): JsValue {
  return native(`tf.${name}`, (args, site) => {
    if (CREATION_OPS.has(name)) return created(host, name, args, site);
    const first = name === 'concat' || name === 'stack' ? args[0]?.kind === 'array' && args[0].items[0] : args[0];
    if (!first || first.kind !== 'symbolic' || !first.eager)
      return unknown(`tf.${name}() works on tensors known only when the program runs`, site.range);
    return tensorOp(host, name, args, site);
  });
}

function created(host: TensorHost, name: string, [shape]: JsValue[], site: Site): JsValue {
  if (shape?.kind === 'array' && shape.items.every((d) => d.kind === 'num'))
    return host.eagerTensor(shape.items.map((d) => (d as { value: number }).value));
  return unknown(`tf.${name}(): its shape is not known statically`, site.range);
}

/** Runs one op on its operands (the tensor first); a shape that does not fit throws ShapeError. */
function tensorOp(host: TensorHost, name: string, args: JsValue[], site: Site): JsValue {
  const bad = args.find((a) => a.kind === 'unknown');
  if (bad) return bad;
  try {
    return run(host, name, args, site);
  } catch (e) {
    if (!(e instanceof ShapeError)) throw e;
    return unknown(`${name}(): ${e.message}`, site.range);
  }
}

function run(host: TensorHost, name: string, args: JsValue[], site: Site): JsValue {
  if (name === 'concat' || name === 'stack') return joined(host, name, args, site);
  const x = shapeOf(args[0]);
  if (!x) return unknown(`${name}() needs a tensor, got ${args[0]?.kind ?? 'nothing'}`, site.range);
  if (name in BINARY) {
    const y = shapeOf(args[1]);
    if (!y) return unknown(`${name}() needs a tensor or a number as its second operand`, site.range);
    const out = broadcastShapes(x, y);
    return record(host, out, 0, elementwiseFlops(BINARY[name], elementCount(out), elementCount(out)));
  }
  if (name in UNARY) {
    const table = UNARY[name];
    return record(host, x, 0, table ? elementwiseFlops(table, elementCount(x), elementCount(x)) : null);
  }
  if (name === 'softmax' || name === 'logSoftmax') {
    const op = name === 'softmax' ? 'softmax' : 'LogSoftmax';
    return record(host, x, 0, elementwiseFlops(op, elementCount(x), elementCount(x)));
  }
  if (name in REDUCE) return reduced(host, name, x, args[1], args[2], site);
  if (name === 'matMul') {
    const y = shapeOf(args[1]);
    if (!y) return unknown('matMul() needs two tensors', site.range);
    const a = truthyArg(args[2]) ? swapLast(x) : x;
    const b = truthyArg(args[3]) ? swapLast(y) : y;
    const { shape, macs } = matmulShape(a, b);
    return record(host, shape, macs, 0);
  }
  if (name === 'zerosLike' || name === 'onesLike') return record(host, x, 0, 0);
  const out = reshaped(name, x, args.slice(1), site);
  return typeof out === 'string' ? unknown(out, site.range) : record(host, out, 0, 0);
}

function truthyArg(v: JsValue | undefined): boolean {
  return v?.kind === 'bool' && v.value;
}

function swapLast(s: Shape): Shape {
  if (s.length < 2) return s;
  return [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]];
}

/** Adds an op's cost to the running call's and returns its output tensor. */
function record(host: TensorHost, out: Shape, macs: number, extraFlops: number | null): SymV {
  const sink = host.opCost;
  if (sink) {
    sink.macs += macs;
    sink.flops = sink.flops === null || extraFlops === null ? null : sink.flops + 2 * macs + extraFlops;
  }
  return host.eagerTensor(out);
}

/** A number, or an array of numbers, as axes normalised against `rank`; null when absent. */
function axes(v: JsValue | undefined, rank: number): number[] | null {
  if (!v || v.kind === 'undefined' || v.kind === 'null') return null;
  const items = v.kind === 'array' ? v.items : [v];
  return items.map((a) => {
    if (a.kind !== 'num' || !Number.isInteger(a.value) || a.value < -rank || a.value >= rank)
      throw new ShapeError(`axis ${a.kind === 'num' ? a.value : a.kind} is out of range for rank ${rank}`);
    return a.value < 0 ? a.value + rank : a.value;
  });
}

function reduced(
  host: TensorHost,
  name: string,
  x: Shape,
  axis: JsValue | undefined,
  keep: JsValue | undefined,
  site: Site,
): JsValue {
  const along = name === 'argMax' || name === 'argMin' ? (axes(axis, x.length) ?? [0]) : axes(axis, x.length);
  const all = along ?? x.map((_, i) => i);
  const keepDims = name !== 'argMax' && name !== 'argMin' && truthyArg(keep);
  const out = keepDims ? x.map((d, i) => (all.includes(i) ? 1 : d)) : x.filter((_, i) => !all.includes(i));
  const table = REDUCE[name];
  void site;
  return record(host, out, 0, table ? elementwiseFlops(table, elementCount(x), elementCount(out)) : null);
}

/** tf.concat(tensors, axis) / tf.stack(tensors, axis), and x.concat(y, axis). */
function joined(host: TensorHost, name: string, args: JsValue[], site: Site): JsValue {
  const listed = args[0]?.kind === 'array';
  const items = listed ? (args[0] as { items: JsValue[] }).items : args.slice(0, 2);
  const shapes = items.map(shapeOf);
  if (shapes.some((s) => !s)) return unknown(`${name}() needs tensors`, site.range);
  const [first, ...rest] = shapes as Shape[];
  const axisArg = listed ? args[1] : args[2];
  if (name === 'stack') {
    const axis = axes(axisArg, first.length + 1)?.[0] ?? 0;
    if (rest.some((s) => s.join() !== first.join())) throw new ShapeError('stack needs tensors of one shape');
    const out = [...first.slice(0, axis), shapes.length, ...first.slice(axis)];
    return record(host, out, 0, 0);
  }
  const axis = axes(axisArg, first.length)?.[0] ?? 0;
  const out = [...first];
  for (const s of rest) {
    if (s.length !== first.length || s.some((d, i) => i !== axis && d !== first[i]))
      throw new ShapeError(`concat: shapes [${first}] and [${s}] differ outside axis ${axis}`);
    out[axis] += s[axis];
  }
  return record(host, out, 0, 0);
}

/** Output shapes of the data-movement ops; a string says why one is not known. */
function reshaped(name: string, x: Shape, args: JsValue[], site: Site): Shape | string {
  const ints = (v: JsValue | undefined): number[] | null =>
    v?.kind === 'array' && v.items.every((d) => d.kind === 'num')
      ? v.items.map((d) => (d as { value: number }).value)
      : null;
  void site;
  switch (name) {
    case 'reshape': {
      const target = ints(args[0]);
      if (!target) return 'reshape(): its shape is not known statically';
      const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
      const out = target.map((d) => (d === -1 ? elementCount(x) / known : d));
      if (elementCount(out) !== elementCount(x)) throw new ShapeError(`cannot reshape [${x}] into [${target}]`);
      return out;
    }
    case 'expandDims': {
      const axis = axes(args[0] ?? num(0), x.length + 1)![0];
      return [...x.slice(0, axis), 1, ...x.slice(axis)];
    }
    case 'squeeze': {
      const along = axes(args[0], x.length);
      if (along?.some((a) => x[a] !== 1)) throw new ShapeError(`squeeze: axis ${along} of [${x}] is not 1`);
      return x.filter((d, i) => (along ? !along.includes(i) : d !== 1));
    }
    case 'transpose': {
      const perm = ints(args[0]) ?? x.map((_, i) => x.length - 1 - i);
      return perm.map((p) => x[p]);
    }
    case 'gather': {
      const indices = args[0];
      const count = indices?.kind === 'array' ? [indices.items.length] : shapeOf(indices);
      if (!count) return 'gather(): its indices are not known statically';
      const axis = axes(args[1] ?? num(0), x.length)![0];
      return [...x.slice(0, axis), ...count, ...x.slice(axis + 1)];
    }
    case 'slice': {
      const begin = ints(args[0]) ?? (args[0]?.kind === 'num' ? [args[0].value] : null);
      const size = ints(args[1]) ?? (args[1]?.kind === 'num' ? [args[1].value] : null);
      if (!begin) return 'slice(): its begin is not known statically';
      return x.map((d, i) => {
        const b = begin[i] ?? 0;
        const n = size?.[i] ?? -1;
        return n === -1 ? d - b : n;
      });
    }
    case 'tile': {
      const reps = ints(args[0]);
      if (!reps || reps.length !== x.length) return 'tile(): its repetitions are not known statically';
      return x.map((d, i) => d * reps[i]);
    }
    case 'flatten':
      return [elementCount(x)];
    default:
      return x;
  }
}

/** `inputs.shape` as a custom layer's build() and computeOutputShape() see it: the batch is null. */
export function shapeArgument(t: SymV): JsValue {
  return arr(t.shape!.map((d, i) => (i === 0 && t.nullBatch ? NULL : num(d))));
}
