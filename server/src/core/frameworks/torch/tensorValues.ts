// Small concrete tensors evaluated as values: configuration code computes layer widths with torch
// (torchvision's RegNet: torch.arange, torch.log, torch.round, torch.pow(float, Tensor), .int(),
// .tolist(); timm's drop-path rates: torch.linspace(...)[i].item()). A tensor built from known
// numbers, of at most MAX_VALUES elements, carries its elements; arithmetic on such tensors keeps
// them; `.tolist()`, `.item()`, `int(t)` read them. Anything else stays a shape only.
import { type Value, type TensorV, int, float, list, isNumber, numberOf } from '../../interpreter/python/values';
import type { DType } from './layers/layerSpec';

/** Tensors larger than this are never evaluated element by element. */
export const MAX_VALUES = 4096;

const INTEGRAL: DType[] = ['int64', 'int32', 'uint8', 'bool'];

/** A tensor of `shape` and `dtype` holding `values` (row-major), or without them when too large. */
export function valued(shape: number[], dtype: DType, values: number[] | undefined): TensorV {
  const t: TensorV = { kind: 'tensor', shape, dtype };
  if (values && values.length <= MAX_VALUES && values.length === shape.reduce((a, b) => a * b, 1))
    t.values = INTEGRAL.includes(dtype) ? values.map(Math.trunc) : values;
  return t;
}

/** torch.arange(end) / (start, end) / (start, end, step) elements, when all are known numbers. */
export function arangeValues(args: Value[]): number[] | undefined {
  const ns = args.filter((a) => a.kind !== 'none');
  if (!ns.length || !ns.every(isNumber)) return undefined;
  const [start, end, step] =
    ns.length === 1 ? [0, numberOf(ns[0]), 1] : [numberOf(ns[0]), numberOf(ns[1]), ns[2] ? numberOf(ns[2]) : 1];
  const n = Math.max(0, Math.ceil((end - start) / step));
  return n > MAX_VALUES ? undefined : Array.from({ length: n }, (_, i) => start + i * step);
}

/** torch.linspace(start, end, steps) elements. */
export function linspaceValues(
  start: Value | undefined,
  end: Value | undefined,
  steps: Value | undefined,
): number[] | undefined {
  if (!start || !end || !steps || !isNumber(start) || !isNumber(end) || !isNumber(steps)) return undefined;
  const [a, b, n] = [numberOf(start), numberOf(end), numberOf(steps)];
  if (n > MAX_VALUES) return undefined;
  return Array.from({ length: n }, (_, i) => (n === 1 ? a : a + ((b - a) * i) / (n - 1)));
}

/** The elements of a value used as an operand: a valued tensor's, or a number broadcast. */
function operand(v: Value): number[] | number | undefined {
  if (v.kind === 'tensor') return v.values;
  return isNumber(v) ? numberOf(v) : undefined;
}

const BINARY: Record<string, (x: number, y: number) => number> = {
  '+': (x, y) => x + y,
  '-': (x, y) => x - y,
  '*': (x, y) => x * y,
  '/': (x, y) => x / y,
  '//': (x, y) => Math.floor(x / y),
  '%': (x, y) => x - Math.floor(x / y) * y,
  '**': (x, y) => x ** y,
  maximum: Math.max,
  minimum: Math.min,
};

/** Elementwise `a op b` when both are known (same size, or one a scalar), else undefined. */
export function binaryValues(op: string, a: Value, b: Value): number[] | undefined {
  const f = BINARY[op];
  const x = operand(a);
  const y = operand(b);
  if (!f || x === undefined || y === undefined) return undefined;
  if (typeof x === 'number' && typeof y === 'number') return [f(x, y)];
  if (typeof x === 'number') return (y as number[]).map((v) => f(x, v));
  if (typeof y === 'number') return x.map((v) => f(v, y));
  if (x.length === y.length) return x.map((v, i) => f(v, y[i]));
  if (y.length === 1) return x.map((v) => f(v, y[0]));
  if (x.length === 1) return y.map((v) => f(x[0], v));
  return undefined;
}

const UNARY: Record<string, (x: number) => number> = {
  log: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sign: Math.sign,
  exp: Math.exp,
  sqrt: Math.sqrt,
  floor: Math.floor,
  ceil: Math.ceil,
  abs: Math.abs,
  neg: (x) => -x,
  round: roundHalfEven,
  int: Math.trunc,
  long: Math.trunc,
  float: (x) => x,
  double: (x) => x,
};

/** torch.round and Tensor.round round half to even, as IEEE does. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The elements of `name(t)` for an elementwise function of one tensor, when `t` is valued. */
export function unaryValues(name: string, t: Value): number[] | undefined {
  const f = Object.hasOwn(UNARY, name) ? UNARY[name] : undefined;
  return f !== undefined && t.kind === 'tensor' && t.values ? t.values.map(f) : undefined;
}

/** `t.tolist()`: nested lists of the elements (ints for integral dtypes). */
export function toList(t: TensorV): Value | undefined {
  if (!t.values || !t.shape) return undefined;
  const integral = INTEGRAL.includes(t.dtype);
  const make = (x: number) => (integral ? int(x) : float(x));
  const build = (dims: number[], offset: number): Value => {
    if (!dims.length) return make(t.values![offset]);
    const stride = dims.slice(1).reduce((a, b) => a * b, 1);
    return list(Array.from({ length: dims[0] }, (_, i) => build(dims.slice(1), offset + i * stride)));
  };
  return build(t.shape, 0);
}

/** `t.item()` / `int(t)` / `float(t)`: the single element. */
export function itemOf(t: TensorV): Value | undefined {
  if (!t.values || t.values.length !== 1) return undefined;
  return INTEGRAL.includes(t.dtype) ? int(t.values[0]) : float(t.values[0]);
}

/** Elements of `t[i]` along the first dimension. */
export function rowValues(t: TensorV, index: number): number[] | undefined {
  if (!t.values || !t.shape?.length) return undefined;
  const stride = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const i = index < 0 ? index + t.shape[0] : index;
  return t.values.slice(i * stride, (i + 1) * stride);
}

/** Elements of torch.diff(t) for a 1-d tensor. */
export function diffValues(t: Value): number[] | undefined {
  if (t.kind !== 'tensor' || !t.values || t.shape?.length !== 1) return undefined;
  return t.values.slice(1).map((v, i) => v - t.values![i]);
}

/** Elements of torch.tensor(data) for a (nested) list of numbers. */
export function literalValues(data: Value): number[] | undefined {
  const out: number[] = [];
  const walk = (v: Value): boolean => {
    if (isNumber(v)) {
      out.push(numberOf(v));
      return true;
    }
    if (v.kind === 'list' || v.kind === 'tuple') return v.items.every(walk);
    return false;
  };
  return walk(data) ? out : undefined;
}
