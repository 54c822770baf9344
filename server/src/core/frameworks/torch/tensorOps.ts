// Tensor methods and operators on symbolic tensors (x.view, x.mean, x @ w, x[:, 0], out += y):
// each computes the output shape, and ops that do arithmetic are recorded with their cost.
import {
  type Value,
  type TensorV,
  type CallSite,
  NONE,
  int,
  tuple,
  list,
  unknown,
  builtin,
  isNumber,
  numberOf,
  isSequence,
  str,
} from '../../interpreter/python/values';
import { raise } from '../../interpreter/python/errors';
import { ShapeError, elementCount, type DType } from './layers/layerSpec';
import * as S from './shapeOps';
import { valued, binaryValues, unaryValues, toList, itemOf } from './tensorValues';
import type { Interpreter } from '../../interpreter/python/interpreter';
import type { Tracer } from './tracer';

/**
 * What tensor methods need of the torch runtime (runtime.ts's TorchRuntime): the interpreter for
 * Python operators and messages, the trace's dataflow sink, and the recording of ops and shape problems.
 */
export interface TensorOpHost {
  readonly interp: Pick<Interpreter, 'binaryOp' | 'report'>;
  readonly tracer: Pick<Tracer, 'flow'>;
  recordOp(op: string, inputs: TensorV[], output: TensorV, macs: number, site: CallSite, extraFlops?: number): TensorV;
  shapeProblem(message: string, site: CallSite): void;
  recordUnknown(reason: string, site: CallSite): void;
}

type Args = Value[];
type Kw = Map<string, Value>;
type Method = (rt: TensorOpHost, t: TensorV & { shape: number[] }, args: Args, kw: Kw, site: CallSite) => Value;

const asInt = (v: Value | undefined, what: string): number =>
  v && isNumber(v) ? numberOf(v) : raise('TypeError', `${what} must be an int, got ${v ? v.kind : 'nothing'}`);

/** Reads dims given either as varargs ints or a single tuple/list (torch accepts both). */
export function dimsArg(args: Args, what: string): number[] {
  const flat = args.length === 1 && isSequence(args[0]) ? args[0].items : args;
  return flat.map((v) => asInt(v, what));
}

/** Keyword-or-positional argument lookup. */
export function arg(args: Args, kw: Kw, i: number, name: string): Value | undefined {
  return kw.get(name) ?? args[i];
}

const optDim = (v: Value | undefined): number[] | undefined =>
  v === undefined || v.kind === 'none'
    ? undefined
    : isSequence(v)
      ? v.items.map((x) => asInt(x, 'dim'))
      : [asInt(v, 'dim')];

/** A tensor with the same dtype as `t` and a new shape. */
export const like = (t: TensorV, shape: number[], dtype: DType = t.dtype): TensorV => ({
  kind: 'tensor',
  shape,
  dtype,
});

const shapeOnly =
  (f: (shape: number[], args: Args, kw: Kw) => number[]): Method =>
  (_rt, t, args, kw) =>
    like(t, f(t.shape, args, kw));

const elementwise =
  (op: string): Method =>
  (rt, t, _a, _k, site) =>
    rt.recordOp(op, [t], like(t, t.shape), 0, site);

const reduction =
  (op: string, dtype?: DType, whole?: (xs: number[]) => number): Method =>
  (rt, t, args, kw, site) => {
    const keep = arg(args, kw, 1, 'keepdim');
    const dim = optDim(arg(args, kw, 0, 'dim'));
    const out = like(t, S.reduce(t.shape, dim, keep?.kind === 'bool' && keep.value), dtype ?? t.dtype);
    const recorded = rt.recordOp(op, [t], out, 0, site);
    // A small valued tensor reduced whole keeps its one element (`torch.min(torch.tensor(shape))`).
    return whole && dim === undefined && t.values?.length ? withValues(recorded, [whole(t.values)]) : recorded;
  };

const sumOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const WHOLE: Record<string, (xs: number[]) => number> = {
  sum: sumOf,
  mean: (xs) => sumOf(xs) / xs.length,
  prod: (xs) => xs.reduce((a, b) => a * b, 1),
  max: (xs) => Math.max(...xs),
  min: (xs) => Math.min(...xs),
};

/**
 * max / min: over everything, along a dim (values and indices), or — given a tensor — the
 * elementwise maximum / minimum of the two (broadcast), as torch.max(a, b) is.
 */
const withIndices =
  (op: 'max' | 'min'): Method =>
  (rt, t, args, kw, site) => {
    const dim = arg(args, kw, 0, 'dim');
    if (dim?.kind === 'tensor') return elementwiseExtreme(rt, op, t, dim, site);
    if (!dim || dim.kind === 'none') return reduction('max', undefined, WHOLE[op])(rt, t, [], kw, site);
    const keep = arg(args, kw, 1, 'keepdim');
    const shape = S.reduce(t.shape, optDim(dim), keep?.kind === 'bool' && keep.value);
    rt.recordOp('max', [t], like(t, shape), 0, site);
    return tuple([like(t, shape), like(t, shape, 'int64')]);
  };

function elementwiseExtreme(rt: TensorOpHost, op: 'max' | 'min', a: TensorV, b: TensorV, site: CallSite): Value {
  if (!a.shape || !b.shape) return { kind: 'tensor', shape: null, dtype: a.dtype, reason: b.reason ?? a.reason };
  const out = rt.recordOp('max', [a, b], like(a, S.broadcast(a.shape, b.shape)), 0, site);
  return withValues(out, binaryValues(op === 'max' ? 'maximum' : 'minimum', a, b));
}

const identity: Method = (_rt, t) => t;

/** Tensor methods by name. */
const METHODS: Record<string, Method> = {
  view: shapeOnly((s, a) => S.reshape(s, dimsArg(a, 'view size'))),
  reshape: shapeOnly((s, a) => S.reshape(s, dimsArg(a, 'reshape size'))),
  view_as: shapeOnly((s, a) => (a[0] as TensorV).shape ?? s),
  reshape_as: shapeOnly((s, a) => (a[0] as TensorV).shape ?? s),
  expand_as: shapeOnly((s, a) => (a[0] as TensorV).shape ?? s),
  permute: shapeOnly((s, a) => S.permute(s, dimsArg(a, 'permute dims'))),
  transpose: shapeOnly((s, a, k) =>
    S.transpose(s, asInt(arg(a, k, 0, 'dim0'), 'dim0'), asInt(arg(a, k, 1, 'dim1'), 'dim1')),
  ),
  swapaxes: shapeOnly((s, a) => S.transpose(s, asInt(a[0], 'dim0'), asInt(a[1], 'dim1'))),
  t: shapeOnly((s) => (s.length < 2 ? s : S.transpose(s, 0, 1))),
  flatten: shapeOnly((s, a, k) =>
    S.flatten(
      s,
      asInt(arg(a, k, 0, 'start_dim') ?? int(0), 'start_dim'),
      asInt(arg(a, k, 1, 'end_dim') ?? int(-1), 'end_dim'),
    ),
  ),
  unflatten: shapeOnly((s, a) => unflatten(s, asInt(a[0], 'dim'), dimsArg([a[1]], 'sizes'))),
  unsqueeze: shapeOnly((s, a, k) => S.unsqueeze(s, asInt(arg(a, k, 0, 'dim'), 'dim'))),
  squeeze: shapeOnly((s, a, k) => S.squeeze(s, optDim(arg(a, k, 0, 'dim'))?.[0])),
  expand: shapeOnly((s, a) => expand(s, dimsArg(a, 'expand size'))),
  repeat: shapeOnly((s, a) => repeatShape(s, dimsArg(a, 'repeat sizes'))),
  repeat_interleave: shapeOnly((s, a, k) => {
    const repeats = arg(a, k, 0, 'repeats');
    if (repeats?.kind !== 'int') throw new ShapeError('repeat_interleave with a tensor of repeats depends on data');
    const dim = arg(a, k, 1, 'dim');
    if (!dim || dim.kind === 'none') return [s.reduce((x, y) => x * y, 1) * repeats.value];
    const d = S.normDim(asInt(dim, 'dim'), s.length);
    return s.map((x, i) => (i === d ? x * repeats.value : x));
  }),
  narrow: shapeOnly((s, a) =>
    s.map((x, i) => (i === S.normDim(asInt(a[0], 'dim'), s.length) ? asInt(a[2], 'length') : x)),
  ),
  contiguous: identity,
  clone: identity,
  detach: identity,
  cpu: identity,
  cuda: identity,
  to: convertTo,
  requires_grad_: identity,
  float: cast('float32'),
  half: cast('float16'),
  double: cast('float64'),
  bfloat16: cast('bfloat16'),
  long: cast('int64'),
  int: cast('int32'),
  bool: cast('bool'),
  astype: castTo,
  type_as: (_rt, t, a) => like(t, t.shape, (a[0] as TensorV).dtype ?? t.dtype),
  masked_fill: elementwise('masked_fill'),
  masked_fill_: elementwise('masked_fill'),
  fill_: identity,
  zero_: identity,
  // In-place initialisers return the tensor itself (`nn.Parameter(torch.empty(n).normal_())`).
  normal_: identity,
  uniform_: identity,
  bernoulli_: identity,
  exponential_: identity,
  log_normal_: identity,
  cauchy_: identity,
  geometric_: identity,
  random_: identity,
  copy_: identity,
  fill_diagonal_: identity,
  tril: identity,
  triu: identity,
  flip: identity,
  roll: identity,
  cumsum: elementwise('add'),
  contiguous_: identity,
  mean: reduction('mean', undefined, WHOLE.mean),
  sum: reduction('sum', undefined, WHOLE.sum),
  prod: reduction('mul', undefined, WHOLE.prod),
  std: reduction('var'),
  var: reduction('var'),
  amax: reduction('max', undefined, WHOLE.max),
  amin: reduction('max', undefined, WHOLE.min),
  norm: reduction('norm'),
  logsumexp: reduction('softmax'),
  all: reduction('max', 'bool'),
  any: reduction('max', 'bool'),
  argmax: reduction('max', 'int64'),
  argmin: reduction('max', 'int64'),
  max: withIndices('max'),
  min: withIndices('min'),
  maximum: (rt, t, a, _k, site) => elementwiseExtreme(rt, 'max', t, a[0] as TensorV, site),
  minimum: (rt, t, a, _k, site) => elementwiseExtreme(rt, 'min', t, a[0] as TensorV, site),
  softmax: elementwise('softmax'),
  log_softmax: elementwise('softmax'),
  sigmoid: elementwise('sigmoid'),
  tanh: elementwise('tanh'),
  relu: elementwise('relu'),
  relu_: elementwise('relu'),
  exp: elementwise('exp'),
  log: elementwise('log'),
  log2: elementwise('log'),
  log10: elementwise('log'),
  log1p: elementwise('log'),
  expm1: elementwise('exp'),
  sqrt: elementwise('sqrt'),
  round: elementwise('round'),
  floor: elementwise('floor'),
  ceil: elementwise('ceil'),
  rsqrt: elementwise('sqrt'),
  abs: elementwise('abs'),
  neg: elementwise('mul'),
  sin: elementwise('sin'),
  cos: elementwise('cos'),
  pow: elementwise('pow'),
  clamp: elementwise('clamp'),
  clamp_: elementwise('clamp'),
  clip: elementwise('clamp'),
  sign: elementwise('abs'),
  erf: elementwise('tanh'),
  square: elementwise('mul'),
  reciprocal: elementwise('div'),
  sigmoid_: elementwise('sigmoid'),
  add: binaryMethod('+'),
  sub: binaryMethod('-'),
  mul: binaryMethod('*'),
  div: binaryMethod('/'),
  matmul: binaryMethod('@'),
  add_: binaryMethod('+'),
  sub_: binaryMethod('-'),
  mul_: binaryMethod('*'),
  div_: binaryMethod('/'),
  mm: binaryMethod('@'),
  bmm: binaryMethod('@'),
  chunk: (_rt, t, a, k) => splitInto(t, arg(a, k, 1, 'dim'), { chunks: asInt(arg(a, k, 0, 'chunks'), 'chunks') }),
  split: (_rt, t, a, k) => splitInto(t, arg(a, k, 1, 'dim'), splitSpec(arg(a, k, 0, 'split_size'))),
  tensor_split: (_rt, t, a, k) =>
    tensorSplit(t, arg(a, k, 0, 'indices_or_sections') ?? k.get('sections') ?? k.get('indices'), arg(a, k, 1, 'dim')),
  unbind: (_rt, t, a, k) => unbind(t, asInt(arg(a, k, 0, 'dim') ?? int(0), 'dim')),
  topk: (_rt, t, a, k) => topk(t, asInt(arg(a, k, 0, 'k'), 'k'), asInt(arg(a, k, 1, 'dim') ?? int(-1), 'dim')),
  sort: (_rt, t) => tuple([t, like(t, t.shape, 'int64')]),
  // Sampling draws indices: `num_samples` per row of a probability tensor (a decode loop's next token).
  multinomial: (_rt, t, a, k) =>
    like(t, [...t.shape.slice(0, -1), asInt(arg(a, k, 0, 'num_samples') ?? int(1), 'num_samples')], 'int64'),
  new_zeros: (_rt, t, a) => like(t, dimsArg(a, 'size')),
  new_ones: (_rt, t, a) => like(t, dimsArg(a, 'size')),
  new_empty: (_rt, t, a) => like(t, dimsArg(a, 'size')),
  new_full: (_rt, t, a) => like(t, dimsArg([a[0]], 'size')),
  new_tensor: () => unknown('new_tensor of data is not modelled'),
  size: (_rt, t, a, k) => sizeOf(t, arg(a, k, 0, 'dim')),
  dim: (_rt, t) => int(t.shape.length),
  ndimension: (_rt, t) => int(t.shape.length),
  numel: (_rt, t) => int(elementCount(t.shape)),
  item: (_rt, _t, _a, _k, site) => unknown('tensor.item() depends on data', site.range),
  tolist: (_rt, _t, _a, _k, site) => unknown('tensor.tolist() depends on data', site.range),
  numpy: (_rt, t) => t,
  type: (_rt, t) => t,
  float_: identity,
  retain_grad: () => NONE,
  backward: () => NONE,
  register_hook: () => NONE,
  get_device: () => int(-1),
  element_size: (_rt, t) => int(t.dtype === 'float32' ? 4 : 2),
};

function cast(dtype: DType): Method {
  return (_rt, t) => castValues(t, dtype);
}

/** `t` as `dtype`, its known elements converted as torch converts them (toward zero for integers). */
function castValues(t: TensorV & { shape: number[] }, dtype: DType): TensorV {
  const out = t.values ? valued(t.shape, dtype, t.values) : like(t, t.shape, dtype);
  // Still the tensor the file built: its origin is kept, for the input rules.
  if (t.origin) out.origin = t.origin;
  return out;
}

/** numpy's `a.astype("float32")` (Keras datasets arrive as arrays): same shape, the named dtype. */
function castTo(_rt: TensorOpHost, t: TensorV & { shape: number[] }, args: Args): Value {
  const d = args[0];
  const name = d?.kind === 'str' ? d.value.replace(/^(np|numpy|torch|tf)\./, '') : '';
  return castValues(t, DTYPES[name] ?? t.dtype);
}

function convertTo(_rt: TensorOpHost, t: TensorV & { shape: number[] }, args: Args, kw: Kw): Value {
  const d = kw.get('dtype') ?? args.find((a) => a.kind === 'str' && DTYPES[a.value]);
  return d && d.kind === 'str' && DTYPES[d.value] ? castValues(t, DTYPES[d.value]) : t;
}

/** dtype names as `torch.float16` etc. evaluate to (we represent dtypes as strings). */
export const DTYPES: Record<string, DType> = {
  float32: 'float32',
  float: 'float32',
  float64: 'float64',
  double: 'float64',
  float16: 'float16',
  half: 'float16',
  bfloat16: 'bfloat16',
  int64: 'int64',
  long: 'int64',
  int32: 'int32',
  int: 'int32',
  bool: 'bool',
  uint8: 'uint8',
};

function binaryMethod(op: string): Method {
  return (rt, t, args, _kw, site) => rt.interp.binaryOp(op, t, args[0], site);
}

function sizeOf(t: TensorV & { shape: number[] }, dim: Value | undefined): Value {
  if (dim === undefined || dim.kind === 'none') return tuple(t.shape.map(int));
  return int(t.shape[S.normDim(asInt(dim, 'dim'), t.shape.length)]);
}

function unflatten(s: number[], dim: number, sizes: number[]): number[] {
  const d = S.normDim(dim, s.length);
  return [...s.slice(0, d), ...S.reshape([s[d]], sizes), ...s.slice(d + 1)];
}

function expand(s: number[], sizes: number[]): number[] {
  const padded = [...Array(Math.max(0, sizes.length - s.length)).fill(1), ...s];
  return sizes.map((x, i) => {
    if (x === -1) return padded[i];
    if (padded[i] !== 1 && padded[i] !== x)
      throw new ShapeError(`expand: size ${padded[i]} cannot be expanded to ${x} at dimension ${i}`);
    return x;
  });
}

function repeatShape(s: number[], reps: number[]): number[] {
  const padded = [...Array(Math.max(0, reps.length - s.length)).fill(1), ...s];
  return padded.map((x, i) => x * reps[i]);
}

function splitSpec(v: Value | undefined): { size?: number; sizes?: number[] } {
  if (v && isSequence(v)) return { sizes: v.items.map((x) => asInt(x, 'split size')) };
  return { size: asInt(v, 'split_size') };
}

function splitInto(
  t: TensorV & { shape: number[] },
  dimV: Value | undefined,
  opts: Parameters<typeof S.pieces>[1],
): Value {
  const d = S.normDim(dimV && dimV.kind !== 'none' ? asInt(dimV, 'dim') : 0, t.shape.length);
  return tuple(
    S.pieces(t.shape[d], opts).map((n) =>
      like(
        t,
        t.shape.map((x, i) => (i === d ? n : x)),
      ),
    ),
  );
}

/** torch.tensor_split: n near-equal sections (the first L % n one longer), or pieces between indices. */
function tensorSplit(t: TensorV & { shape: number[] }, spec: Value | undefined, dimV: Value | undefined): Value {
  const d = S.normDim(dimV && dimV.kind !== 'none' ? asInt(dimV, 'dim') : 0, t.shape.length);
  const length = t.shape[d];
  let sizes: number[];
  if (spec?.kind === 'int') {
    const n = spec.value;
    if (n <= 0) throw new ShapeError('tensor_split needs at least one section');
    sizes = Array.from({ length: n }, (_, i) => Math.floor(length / n) + (i < length % n ? 1 : 0));
  } else if (spec && (spec.kind === 'list' || spec.kind === 'tuple')) {
    const clip = (i: number) => Math.max(0, Math.min(length, i < 0 ? i + length : i));
    const bounds = [0, ...spec.items.map((i) => clip(asInt(i, 'index'))), length];
    sizes = bounds.slice(1).map((b, i) => Math.max(0, b - bounds[i]));
  } else throw new ShapeError('tensor_split with a tensor of indices depends on data');
  return tuple(
    sizes.map((n) =>
      like(
        t,
        t.shape.map((x, i) => (i === d ? n : x)),
      ),
    ),
  );
}

function unbind(t: TensorV & { shape: number[] }, dim: number): Value {
  const d = S.normDim(dim, t.shape.length);
  return tuple(
    Array.from({ length: t.shape[d] }, () =>
      like(
        t,
        t.shape.filter((_, i) => i !== d),
      ),
    ),
  );
}

function topk(t: TensorV & { shape: number[] }, k: number, dim: number): Value {
  const d = S.normDim(dim, t.shape.length);
  const shape = t.shape.map((x, i) => (i === d ? k : x));
  return tuple([like(t, shape), like(t, shape, 'int64')]);
}

/** Reads `t.name`: a shape attribute, or a bound method. */
export function tensorAttr(rt: TensorOpHost, t: TensorV, name: string, site: CallSite): Value | undefined {
  if (!t.shape) return name === 'dtype' ? str(t.dtype) : unknown(t.reason ?? 'tensor of unknown shape', site.range);
  const shape = t.shape;
  switch (name) {
    case 'shape':
      return tuple(shape.map(int));
    case 'ndim':
      return int(shape.length);
    case 'dtype':
      return str(t.dtype);
    case 'device':
      return str('cpu');
    case 'is_cuda':
    case 'is_xpu':
    case 'is_mps':
    case 'is_sparse':
    case 'is_quantized':
    case 'is_meta':
      return { kind: 'bool', value: false };
    case 'is_complex':
      return builtin('Tensor.is_complex', () => ({ kind: 'bool', value: t.dtype === 'complex64' }));
    case 'is_floating_point':
      return builtin('Tensor.is_floating_point', () => ({
        kind: 'bool',
        value: t.dtype.startsWith('float') || t.dtype === 'bfloat16',
      }));
    case 'layout':
      return str('torch.strided');
    // A complex tensor's real and imaginary parts: float views of its shape.
    case 'real':
    case 'imag':
      return like(t, shape, t.dtype === 'complex64' ? 'float32' : t.dtype);
    case 'requires_grad':
      return { kind: 'bool', value: !!t.isParam };
    case 'T':
    case 'mT': {
      const out = like(t, shape.length < 2 ? shape : S.transpose(shape, -2, -1));
      rt.tracer.flow?.method(out, t, name, [], new Map());
      return out;
    }
    case 'data':
    case 'grad':
      return t;
  }
  if (t.values) {
    const known = valueMethod(t, name);
    if (known) return known;
  }
  const m = METHODS[name];
  if (!m) return undefined;
  return builtin(`Tensor.${name}`, (args, kw, callSite) => {
    const out = guarded(rt, () => m(rt, t as TensorV & { shape: number[] }, args, kw, callSite), callSite);
    rt.tracer.flow?.method(out, t, name, args, kw);
    return t.values && !args.length ? withValues(out, unaryValues(name, t)) : out;
  });
}

/** Methods that read a small tensor's known elements: tolist(), item(). */
function valueMethod(t: TensorV, name: string): Value | undefined {
  if (name === 'tolist') {
    const v = toList(t);
    return v && builtin('Tensor.tolist', () => v);
  }
  if (name === 'item') {
    const v = itemOf(t);
    return v && builtin('Tensor.item', () => v);
  }
  return undefined;
}

/** A shape only the data decides (boolean-mask indexing): legitimate code, so not a defect warning. */
export class DataDependentShape extends ShapeError {}

/** Runs a shape rule, turning ShapeError into a located problem and an unknown tensor. */
export function guarded(rt: TensorOpHost, f: () => Value, site: CallSite): Value {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof ShapeError)) throw e;
    if (e instanceof DataDependentShape) rt.interp.report(site.range, e.message);
    else rt.shapeProblem(e.message, site);
    // The op's cost is unknown too, so a model whose last op fails never totals 0 MACs.
    rt.recordUnknown(e.message, site);
    return { kind: 'tensor', shape: null, dtype: 'float32', reason: e.message };
  }
}

/** The names torch.* exposes that are the same as the tensor method applied to the first argument. */
export const TENSOR_FUNCTIONS = Object.keys(METHODS).filter((n) => !n.endsWith('_') && !n.startsWith('new_'));

/** Calls a tensor method by name on `t` (for torch.X(t, ...) forms). */
export function callTensorMethod(rt: TensorOpHost, t: Value, name: string, args: Args, kw: Kw, site: CallSite): Value {
  if (t.kind === 'unknown') return t;
  if (t.kind !== 'tensor') return raise('TypeError', `torch.${name}() expects a tensor, got ${t.kind}`, site.range);
  const attr = tensorAttr(rt, t, name, site);
  if (!attr) return unknown(`torch.${name} is not modelled`, site.range);
  return attr.kind === 'builtin' ? attr.call(args, kw, site) : attr;
}

/** Indexing `t[...]`: ints drop a dimension, slices shorten it, None inserts one, `...` skips. */
export function indexTensor(t: TensorV & { shape: number[] }, index: Value): TensorV {
  const parts = index.kind === 'tuple' ? index.items : [index];
  const out: number[] = [];
  const ellipsisAt = parts.findIndex((p) => p.kind === 'unknown' && p.reason === 'Ellipsis');
  const consumed = parts.filter((p) => p.kind !== 'none' && !(p.kind === 'unknown' && p.reason === 'Ellipsis')).length;
  const joint = jointIndices(parts);
  let dim = 0;
  let placed = false;
  parts.forEach((p, i) => {
    if (i === ellipsisAt) {
      const skip = t.shape.length - consumed;
      out.push(...t.shape.slice(dim, dim + skip));
      dim += skip;
    } else if (joint?.members.has(i)) {
      dim = indexOne(t, p, dim, []);
      if (joint.adjacent && !placed) out.push(...joint.shape);
      placed = true;
    } else dim = indexOne(t, p, dim, out);
  });
  out.push(...t.shape.slice(dim));
  return like(t, joint && !joint.adjacent ? [...joint.shape, ...out] : out);
}

/**
 * Two or more index tensors (`x[batch_idx, top_n_idx]`) index jointly, as numpy's advanced indexing
 * does: their shapes (ints count as 0-d) broadcast to one shape that takes the place of the indexed
 * dims when they are adjacent, and goes first when a slice separates them.
 */
function jointIndices(parts: Value[]): { members: Set<number>; shape: number[]; adjacent: boolean } | undefined {
  const isArray = (p: Value) => (p.kind === 'tensor' && !!p.shape && p.dtype !== 'bool') || p.kind === 'list';
  if (parts.filter(isArray).length < 2) return undefined;
  const positions = parts.flatMap((p, i) => (isArray(p) || isNumber(p) ? [i] : []));
  const shapes = positions.map((i) => {
    const p = parts[i];
    return p.kind === 'tensor' ? p.shape! : p.kind === 'list' ? [p.items.length] : [];
  });
  return {
    members: new Set(positions),
    shape: shapes.reduce((a, b) => S.broadcast(a, b)),
    adjacent: positions.every((p, k) => k === 0 || p === positions[k - 1] + 1),
  };
}

function indexOne(t: TensorV & { shape: number[] }, p: Value, dim: number, out: number[]): number {
  const size = t.shape[dim];
  if (p.kind === 'none') {
    out.push(1);
    return dim;
  }
  if (size === undefined) throw new ShapeError(`too many indices for a tensor of rank ${t.shape.length}`);
  if (isNumber(p)) {
    const i = numberOf(p);
    if (i >= size || i < -size)
      throw new ShapeError(`index ${i} is out of bounds for dimension ${dim} with size ${size}`);
    return dim + 1;
  }
  if (p.kind === 'slice') {
    out.push(sliceLength(p, size));
    return dim + 1;
  }
  if (p.kind === 'tensor' && p.shape && p.dtype !== 'bool') {
    out.push(...p.shape);
    return dim + 1;
  }
  if (p.kind === 'list') {
    out.push(p.items.length);
    return dim + 1;
  }
  throw new DataDependentShape('indexing with a mask or unknown index gives a data-dependent shape');
}

function sliceLength(s: Value & { kind: 'slice' }, size: number): number {
  const n = (v: Value, d: number) => (v.kind === 'none' ? d : numberOf(v as never));
  const step = n(s.step, 1);
  const norm = (x: number) => Math.min(Math.max(x < 0 ? x + size : x, 0), size);
  const start = norm(n(s.start, 0));
  const stop = norm(n(s.stop, size));
  return Math.max(0, Math.ceil((stop - start) / step));
}

/** Arithmetic between tensors and numbers, with broadcasting; `@` is matmul. */
export function tensorBinary(rt: TensorOpHost, op: string, a: Value, b: Value, site: CallSite): Value | undefined {
  if (a.kind !== 'tensor' && b.kind !== 'tensor') return undefined;
  const ta = a.kind === 'tensor' ? a : null;
  const tb = b.kind === 'tensor' ? b : null;
  if ((ta && !ta.shape) || (tb && !tb.shape) || a.kind === 'unknown' || b.kind === 'unknown') {
    const why =
      ta?.reason ?? tb?.reason ?? (a.kind === 'unknown' ? a.reason : b.kind === 'unknown' ? b.reason : undefined);
    return { kind: 'tensor', shape: null, dtype: 'float32', reason: why ?? 'operand is unknown' };
  }
  const result =
    !ta || !tb
      ? scalarOp(rt, op, (ta ?? tb)!, site)
      : guarded(
          rt,
          () => tensorPair(rt, op, ta as TensorV & { shape: number[] }, tb as TensorV & { shape: number[] }, site),
          site,
        );
  const values = binaryValues(op, a, b);
  // torch's type promotion: an integer tensor with a float (or true division) gives a float tensor.
  const floating = op === '/' || [a, b].some((v) => v.kind === 'float' || (v.kind === 'tensor' && isFloating(v.dtype)));
  if (values && result.kind === 'tensor' && floating && !isFloating(result.dtype))
    return withValues({ ...result, dtype: 'float32' }, values);
  return withValues(result, values);
}

function isFloating(dtype: DType): boolean {
  return dtype.startsWith('float') || dtype === 'bfloat16';
}

/** `result` carrying `values` when they fit its shape (small tensors of known elements). */
function withValues(result: Value, values: number[] | undefined): Value {
  if (!values || result.kind !== 'tensor' || !result.shape) return result;
  return valued(result.shape, result.dtype, values);
}

const OP_NAMES: Record<string, string> = {
  '+': 'add',
  '-': 'sub',
  '*': 'mul',
  '/': 'div',
  '//': 'div',
  '%': 'div',
  '**': 'pow',
  '&': 'logical_and',
  '|': 'logical_or',
  '^': 'logical_xor',
};
const COMPARISONS = new Set(['<', '>', '<=', '>=', '==', '!=']);

function scalarOp(rt: TensorOpHost, op: string, t: TensorV, site: CallSite): Value {
  if (COMPARISONS.has(op)) return like(t, t.shape!, 'bool');
  if (op === '@') return raise('TypeError', 'matmul with a scalar', site.range);
  return rt.recordOp(OP_NAMES[op] ?? op, [t], like(t, t.shape!), 0, site);
}

function tensorPair(
  rt: TensorOpHost,
  op: string,
  a: TensorV & { shape: number[] },
  b: TensorV & { shape: number[] },
  site: CallSite,
): Value {
  if (op === '@') {
    const { shape, macs } = S.matmul(a.shape, b.shape);
    return rt.recordOp('matmul', [a, b], like(a, shape), macs, site);
  }
  const shape = S.broadcast(a.shape, b.shape);
  if (COMPARISONS.has(op)) return like(a, shape, 'bool');
  return rt.recordOp(OP_NAMES[op] ?? op, [a, b], like(a, shape), 0, site);
}

export { list };
