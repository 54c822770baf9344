// Tensor operations on Keras tensors: Python operators (x + y, x @ w, x[:, 0]) and the functions of
// keras.ops / tf / tf.nn. Each computes its output shape; arithmetic ones are costed when traced,
// and every one becomes a functional-graph node so keras.Model(inputs, outputs) can replay it.
import {
  type Value,
  type TensorV,
  type CallSite,
  type BuiltinV,
  NONE,
  int,
  tuple,
  unknown,
  builtin,
  isNumber,
  numberOf,
  isSequence,
  typeName,
} from '../../interpreter/python/values';
import { raise } from '../../interpreter/python/errors';
import { sliceIndices } from '../../interpreter/python/operators';
import { type Shape, ShapeError, elems, showShape } from './layers/spec';
import { broadcastShapes } from './layers/merge';
import { activationFlops, ACTIVATION_OPS } from './layers/activations';
import type { KerasHost } from './host';

type Fn = (args: Value[], kwargs: Map<string, Value>, site: CallSite) => Value;

/**
 * Runs an op: `fn` computes the output (and records its cost when a trace runs); outside a trace the
 * call is also kept as a graph node, so functional models built from it can be replayed.
 */
export function runOp(
  rt: KerasHost,
  label: string,
  args: Value[],
  kwargs: Map<string, Value>,
  site: CallSite,
  fn: Fn,
): Value {
  // With the dataflow recorded (graph synthesis), the op's row or view is noted, when run now or replayed.
  const run = (a: Value[], k: Map<string, Value>): Value =>
    rt.tracer.flow ? rt.tracer.flow.op(label, a, k, () => fn(a, k, site)) : fn(a, k, site);
  let out: Value;
  try {
    out = run(args, kwargs);
  } catch (e) {
    if (!(e instanceof ShapeError)) throw e;
    rt.shapeProblem(`${label}: ${e.message}`, site);
    return rt.tensor(null, 'float32', e.message);
  }
  const outputs =
    out.kind === 'tensor' ? [out] : isSequence(out) ? out.items.filter((x): x is TensorV => x.kind === 'tensor') : [];
  if (outputs.length && !rt.tracer.active) rt.graph.add({ label, args, kwargs, outputs, site, apply: run });
  return out;
}

/** Records an op's cost (when tracing) and returns its output tensor. FLOPs = 2 × MACs + `extra`. */
function cost(
  rt: KerasHost,
  op: string,
  inputs: Shape[],
  out: Shape,
  macs: number,
  extra: number | null,
  site: CallSite,
): TensorV {
  const m = Number.isFinite(macs) ? macs : null;
  const f = m === null || extra === null || !Number.isFinite(extra) ? null : 2 * m + extra;
  rt.tracer.record(
    {
      op,
      inputs,
      output: out,
      macs: m,
      flops: f,
      reason: m === null ? 'a dimension is None (known only at run time)' : undefined,
    },
    site.range,
    null,
  );
  return rt.tensor(out);
}

/** The shape of an operand: a tensor's, [] for a Python number; undefined for anything else. */
function shapeOf(v: Value): Shape | null | undefined {
  if (v.kind === 'tensor') return v.shape;
  if (isNumber(v)) return [];
  return constantShape(v);
}

/** The shape of a Python number or (nested) list used as a constant tensor; undefined for other values. */
export function constantShape(v: Value): Shape | undefined {
  if (isNumber(v)) return [];
  if (!isSequence(v)) return undefined;
  if (v.items.length === 0) return [0];
  const inner = constantShape(v.items[0]);
  return inner && [v.items.length, ...inner];
}

const BINARY: Record<string, string> = {
  '+': 'add',
  '-': 'sub',
  '*': 'mul',
  '/': 'div',
  '//': 'div',
  '%': 'div',
  '**': 'pow',
  '@': 'matmul',
  '<': 'compare',
  '>': 'compare',
  '<=': 'compare',
  '>=': 'compare',
  '==': 'compare',
  '!=': 'compare',
};

/** `a (op) b` where one side is a Keras tensor (comparisons give a boolean tensor); undefined for other operators. */
export function tensorBinary(rt: KerasHost, op: string, a: Value, b: Value, site: CallSite): Value | undefined {
  const name = BINARY[op];
  if (!name) return undefined;
  return runOp(rt, name, [a, b], new Map(), site, ([x, y]) => binaryOp(rt, name, x, y, site));
}

function binaryOp(rt: KerasHost, name: string, x: Value, y: Value, site: CallSite): Value {
  if (x.kind === 'unknown') return x;
  if (y.kind === 'unknown') return y;
  const [sx, sy] = [shapeOf(x), shapeOf(y)];
  if (sx === undefined || sy === undefined)
    return raise(
      'TypeError',
      `unsupported operand types for ${name}: '${typeName(x)}' and '${typeName(y)}'`,
      site.range,
    );
  if (sx === null || sy === null)
    return rt.tensor(
      null,
      'float32',
      (x as TensorV).reason ?? (y as TensorV).reason ?? 'an operand has an unknown shape',
    );
  if (name === 'matmul') {
    const { shape, macs } = matmulShape(sx, sy);
    return cost(rt, 'matmul', [sx, sy], shape, macs, 0, site);
  }
  const out = broadcastShapes(sx, sy);
  return cost(rt, name, [sx, sy], out, 0, elems(out), site);
}

/** Matmul of the last two axes, batch axes broadcast; MACs = output elements × inner size. */
export function matmulShape(a: Shape, b: Shape): { shape: Shape; macs: number } {
  if (a.length === 0 || b.length === 0) throw new ShapeError('matmul needs tensors of rank >= 1');
  const a2 = a.length === 1 ? [1, a[0]] : a;
  const b2 = b.length === 1 ? [b[0], 1] : b;
  const k = a2[a2.length - 1];
  if (Number.isFinite(k) && Number.isFinite(b2[b2.length - 2]) && k !== b2[b2.length - 2]) {
    throw new ShapeError(`Incompatible shapes for matmul arguments: ${showShape(a)} and ${showShape(b)}`);
  }
  const batch = broadcastShapes(a2.slice(0, -2), b2.slice(0, -2));
  const full = [...batch, a2[a2.length - 2], b2[b2.length - 1]];
  const shape = full.filter(
    (_, i) => !(a.length === 1 && i === full.length - 2) && !(b.length === 1 && i === full.length - 1),
  );
  return { shape, macs: elems(full) * k };
}

/** `-x` on a Keras tensor. */
export function tensorUnary(rt: KerasHost, op: string, t: TensorV, site: CallSite): Value | undefined {
  if (op === '+') return t;
  if (op !== '-') return undefined;
  return runOp(rt, 'neg', [t], new Map(), site, ([x]) =>
    x.kind === 'tensor' && x.shape ? cost(rt, 'mul', [x.shape], x.shape, 0, elems(x.shape), site) : x,
  );
}

/** `t[index]`: ints drop an axis, slices shorten it (None-sized axes stay None), None inserts one. */
export function tensorItem(rt: KerasHost, t: TensorV, index: Value, site: CallSite): Value {
  return runOp(rt, 'getitem', [t, index], new Map(), site, ([x, i]) =>
    x.kind === 'tensor' && x.shape ? rt.tensor(indexShape(x.shape, i), x.dtype) : x,
  );
}

function indexShape(shape: Shape, index: Value): Shape {
  const parts = index.kind === 'tuple' ? index.items : [index];
  const isEllipsis = (p: Value) => p.kind === 'unknown' && p.reason === 'Ellipsis';
  const consumed = parts.filter((p) => p.kind !== 'none' && !isEllipsis(p)).length;
  const out: number[] = [];
  let dim = 0;
  for (const p of parts) {
    if (isEllipsis(p)) {
      const skip = shape.length - consumed;
      out.push(...shape.slice(dim, dim + skip));
      dim += skip;
    } else if (p.kind === 'none') out.push(1);
    else {
      if (dim >= shape.length) throw new ShapeError(`too many indices for a tensor of rank ${shape.length}`);
      if (p.kind === 'slice')
        out.push(Number.isFinite(shape[dim]) ? sliceIndices(p.start, p.stop, p.step, shape[dim]).length : NaN);
      else if (!isNumber(p)) throw new ShapeError(`indexing with ${typeName(p)} is not modelled`);
      dim++;
    }
  }
  return [...out, ...shape.slice(dim)];
}

/** Why a dimension read with keras.ops.shape / tf.shape has no value. */
const NONE_DIM_SYMBOL = 'a dimension that is None until run time (keras.ops.shape / tf.shape)';

/** Reads an int argument (positional i or keyword). */
function intArg(args: Value[], kw: Map<string, Value>, i: number, name: string): number | undefined {
  const v = kw.get(name) ?? args[i];
  return v && isNumber(v) ? numberOf(v) : undefined;
}

/** Reads a shape argument: a tuple/list of ints (None → NaN) or a single int. */
function dimsArg(v: Value | undefined): Shape | undefined {
  if (!v) return undefined;
  if (isNumber(v)) return [numberOf(v)];
  if (isSequence(v)) return v.items.map((x) => (isNumber(x) ? numberOf(x) : NaN));
  return undefined;
}

const tensorIn = (v: Value | undefined): (TensorV & { shape: Shape }) | undefined =>
  v?.kind === 'tensor' && v.shape ? (v as TensorV & { shape: Shape }) : undefined;

/** An op of one tensor whose output follows from its shape; `flops` per output element (0 for shape-only ops). */
function unaryFn(
  rt: KerasHost,
  name: string,
  out: (s: Shape, args: Value[], kw: Map<string, Value>) => Shape,
  flops: ((s: Shape, o: Shape) => number | null) | null,
): Fn {
  return (args, kw, site) =>
    runOp(rt, name, args, kw, site, (a, k) => {
      const x = a[0] ?? k.get('x') ?? k.get('input_tensor') ?? k.get('tensor') ?? k.get('features') ?? k.get('logits');
      if (!x || x.kind === 'unknown') return x ?? raise('TypeError', `${name}() needs a tensor`, site.range);
      const constant = x.kind === 'tensor' ? undefined : constantShape(x);
      const t = tensorIn(x) ?? (constant ? { ...rt.tensor(constant), shape: constant } : undefined);
      if (!t)
        return x.kind === 'tensor'
          ? rt.tensor(null, 'float32', x.reason)
          : raise('TypeError', `${name}() needs a tensor, got ${typeName(x)}`, site.range);
      const o = out(t.shape, a, k);
      if (!flops) return rt.tensor(o, t.dtype);
      return cost(rt, name, [t.shape], o, 0, flops(t.shape, o), site);
    });
}

/** Activations and elementwise maths: priced per element (activations from the op table, the rest 1). */
function elementwiseFns(rt: KerasHost): Record<string, Fn> {
  const fns: Record<string, Fn> = {};
  for (const name of Object.keys(ACTIVATION_OPS))
    fns[name] = unaryFn(
      rt,
      name,
      (s) => s,
      (_s, o) => activationFlops(ACTIVATION_OPS[name] === null ? null : name, elems(o)),
    );
  for (const name of [
    'exp',
    'log',
    'sqrt',
    'rsqrt',
    'square',
    'abs',
    'negative',
    'erf',
    'reciprocal',
    'sign',
    'clip',
    'clip_by_value',
  ]) {
    fns[name] = unaryFn(
      rt,
      name,
      (s) => s,
      (_s, o) => elems(o),
    );
  }
  return fns;
}

/** Reductions over `axis` (None: all); 1 FLOP per input element. */
function reduction(rt: KerasHost, name: string): Fn {
  return unaryFn(
    rt,
    name,
    (s, a, k) => {
      const axisV = k.get('axis') ?? a[1];
      const keep =
        (k.get('keepdims') ?? a[2])?.kind === 'bool' && ((k.get('keepdims') ?? a[2]) as { value: boolean }).value;
      const axes =
        !axisV || axisV.kind === 'none'
          ? s.map((_, i) => i)
          : (dimsArg(axisV) ?? []).map((d) => (d < 0 ? d + s.length : d));
      return keep ? s.map((d, i) => (axes.includes(i) ? 1 : d)) : s.filter((_, i) => !axes.includes(i));
    },
    (s) => elems(s),
  );
}

/** The shape functions: reshape, transpose, expand_dims, squeeze, concatenate, stack (no arithmetic but concatenation's copy). */
function shapeFns(rt: KerasHost): Record<string, Fn> {
  const reshape = unaryFn(
    rt,
    'reshape',
    (s, a, k) => {
      const target =
        dimsArg(k.get('newshape') ?? k.get('new_shape') ?? k.get('shape') ?? a[1]) ??
        raise('TypeError', 'reshape() needs a shape');
      const total = elems(s);
      const known = target.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
      return target.map((d) => (d === -1 ? total / known : d));
    },
    null,
  );
  const transpose = unaryFn(
    rt,
    'transpose',
    (s, a, k) => {
      const perm = dimsArg(k.get('axes') ?? k.get('perm') ?? a[1]);
      return perm ? perm.map((p) => s[p < 0 ? p + s.length : p]) : [...s].reverse();
    },
    null,
  );
  const expand = unaryFn(
    rt,
    'expand_dims',
    (s, a, k) => {
      const ax = intArg(a, k, 1, 'axis') ?? 0;
      const i = ax < 0 ? ax + s.length + 1 : ax;
      return [...s.slice(0, i), 1, ...s.slice(i)];
    },
    null,
  );
  const squeeze = unaryFn(
    rt,
    'squeeze',
    (s, a, k) => {
      const axes = dimsArg(k.get('axis') ?? a[1]);
      return axes
        ? s.filter((_, i) => !axes.map((x) => (x < 0 ? x + s.length : x)).includes(i))
        : s.filter((d) => d !== 1);
    },
    null,
  );
  const join =
    (name: string, stack: boolean): Fn =>
    (args, kw, site) =>
      runOp(rt, name, args, kw, site, (a, k) => {
        const xs = a[0] && isSequence(a[0]) ? a[0].items : [];
        const shapes = xs.map((x) => tensorIn(x)?.shape);
        if (!shapes.length || shapes.some((s) => !s))
          return rt.tensor(null, 'float32', `an operand of ${name} is unknown`);
        const ss = shapes as Shape[];
        const axis = intArg(a, k, 1, 'axis') ?? (name === 'stack' ? 0 : -1);
        const rank = ss[0].length + (stack ? 1 : 0);
        const ax = axis < 0 ? axis + rank : axis;
        const out = stack
          ? [...ss[0].slice(0, ax), ss.length, ...ss[0].slice(ax)]
          : ss[0].map((d, i) => (i === ax ? ss.reduce((p, s) => p + s[i], 0) : d));
        return cost(rt, 'cat', ss, out, 0, 0, site);
      });
  const matmul: Fn = (args, kw, site) => {
    let [a, b]: (Value | undefined)[] = [
      args[0] ?? kw.get('a') ?? kw.get('x1'),
      args[1] ?? kw.get('b') ?? kw.get('x2'),
    ];
    const t = (v: Value | undefined, flag: string) =>
      kw.get(flag)?.kind === 'bool' && (kw.get(flag) as { value: boolean }).value && tensorIn(v)
        ? rt.tensor([...tensorIn(v)!.shape.slice(0, -2), ...tensorIn(v)!.shape.slice(-2).reverse()])
        : v;
    [a, b] = [t(a, 'transpose_a'), t(b, 'transpose_b')];
    return tensorBinary(rt, '@', a ?? NONE, b ?? NONE, site)!;
  };
  const binary =
    (op: string): Fn =>
    (args, _kw, site) =>
      tensorBinary(rt, op, args[0] ?? NONE, args[1] ?? NONE, site)!;
  return {
    reshape,
    transpose,
    expand_dims: expand,
    squeeze,
    concatenate: join('concatenate', false),
    concat: join('concatenate', false),
    stack: join('stack', true),
    matmul,
    dot: matmul,
    add: binary('+'),
    subtract: binary('-'),
    multiply: binary('*'),
    divide: binary('/'),
    power: binary('**'),
    pow: binary('**'),
    cast: unaryFn(rt, 'cast', (s) => s, null),
    convert_to_tensor: (args, _kw, site) =>
      args[0] ?? raise('TypeError', 'convert_to_tensor() needs a value', site.range),
    stop_gradient: (args) => args[0] ?? NONE,
    identity: (args) => args[0] ?? NONE,
    mean: reduction(rt, 'mean'),
    sum: reduction(rt, 'sum'),
    max: reduction(rt, 'max'),
    min: reduction(rt, 'min'),
    reduce_mean: reduction(rt, 'mean'),
    reduce_sum: reduction(rt, 'sum'),
    reduce_max: reduction(rt, 'max'),
    reduce_min: reduction(rt, 'min'),
    reduce_std: reduction(rt, 'std'),
    reduce_variance: reduction(rt, 'var'),
    std: reduction(rt, 'std'),
    var: reduction(rt, 'var'),
    prod: reduction(rt, 'prod'),
    reduce_prod: reduction(rt, 'prod'),
    argmax: reduction(rt, 'argmax'),
    argmin: reduction(rt, 'argmin'),
    ...moreFns(rt, binary),
  };
}

/**
 * The ops custom layers use most beyond arithmetic: elementwise maximum / minimum and comparisons,
 * tile, gather, where, the segment reductions of graph networks, l2_normalize, *_like factories.
 */
function moreFns(rt: KerasHost, binary: (op: string) => Fn): Record<string, Fn> {
  const named =
    (name: string, op: string): Fn =>
    (args, kw, site) =>
      runOp(rt, name, args, kw, site, ([a, b]) => binaryOp(rt, op, a ?? NONE, b ?? NONE, site));
  const like = (name: string): Fn => unaryFn(rt, name, (s) => s, null);
  const tile = unaryFn(
    rt,
    'tile',
    (s, a, k) => {
      const reps = k.get('multiples') ?? k.get('repeats') ?? a[1];
      const r = reps?.kind === 'tensor' ? (reps.shape?.[0] ?? NaN) : undefined;
      const m = r !== undefined ? Array(r).fill(NaN) : (dimsArg(reps) ?? []);
      return s.map((d, i) => d * (m[i - (s.length - m.length)] ?? 1));
    },
    null,
  );
  const gather: Fn = (args, kw, site) =>
    runOp(rt, 'gather', args, kw, site, (a, k) => {
      const params = a[0] ?? k.get('params') ?? k.get('x');
      const indices = a[1] ?? k.get('indices');
      const p = params && tensorIn(params);
      if (!p || !indices) return rt.tensor(null, 'float32', 'gather() of something that is not a known tensor');
      const idx =
        indices.kind === 'tensor' ? indices.shape : (constantShape(indices) ?? (isNumber(indices) ? [] : null));
      if (!idx) return rt.tensor(null, 'float32', 'gather() with unknown indices');
      const axis = intArg(a, k, 2, 'axis') ?? 0;
      const ax = axis < 0 ? axis + p.shape.length : axis;
      return rt.tensor([...p.shape.slice(0, ax), ...idx, ...p.shape.slice(ax + 1)], p.dtype);
    });
  const where: Fn = (args, kw, site) =>
    runOp(rt, 'where', args, kw, site, (a) => {
      const shapes = a.slice(0, 3).map((v) => shapeOf(v));
      if (shapes.length < 3 || shapes.some((x) => !x)) return rt.tensor(null, 'float32', 'where() of unknown operands');
      const out = (shapes as Shape[]).reduce(broadcastShapes);
      return cost(rt, 'where', shapes as Shape[], out, 0, elems(out), site);
    });
  const segment =
    (name: string): Fn =>
    (args, kw, site) =>
      runOp(rt, name, args, kw, site, (a, k) => {
        const data = tensorIn(a[0] ?? k.get('data'));
        if (!data) return rt.tensor(null, 'float32', `${name}() of something that is not a known tensor`);
        const n = k.get('num_segments') ?? a[2];
        const segments = n && isNumber(n) ? numberOf(n) : NaN;
        return cost(rt, name, [data.shape], [segments, ...data.shape.slice(1)], 0, elems(data.shape), site);
      });
  const normalize = unaryFn(
    rt,
    'l2_normalize',
    (s) => s,
    (s) => 3 * elems(s),
  );
  // tf.nn.moments(x, axes, keepdims): the mean and the variance over `axes`.
  const moments: Fn = (args, kw, site) => {
    const axes = kw.get('axes') ?? args[1];
    const k = new Map([...kw].filter(([name]) => name !== 'axes'));
    if (axes) k.set('axis', axes);
    return tuple([reduction(rt, 'mean')([args[0]], k, site), reduction(rt, 'var')([args[0]], k, site)]);
  };
  const fns: Record<string, Fn> = {
    moments,
    extract_patches: extractPatches(rt),
    maximum: named('maximum', 'maximum'),
    minimum: named('minimum', 'minimum'),
    greater: named('greater', 'compare'),
    greater_equal: named('greater_equal', 'compare'),
    less: named('less', 'compare'),
    less_equal: named('less_equal', 'compare'),
    equal: named('equal', 'compare'),
    not_equal: named('not_equal', 'compare'),
    logical_and: named('logical_and', 'compare'),
    logical_or: named('logical_or', 'compare'),
    subtract: binary('-'),
    tile,
    gather,
    where,
    unsorted_segment_sum: segment('unsorted_segment_sum'),
    unsorted_segment_mean: segment('unsorted_segment_mean'),
    unsorted_segment_max: segment('unsorted_segment_max'),
    segment_sum: segment('segment_sum'),
    l2_normalize: normalize,
    normalize,
    zeros_like: like('zeros_like'),
    ones_like: like('ones_like'),
  };
  return fns;
}

/** Tensor factories: zeros, ones, random normal/uniform, constant, arange/range, and shape(). */
function factoryFns(rt: KerasHost, prefix: string): Record<string, Fn> {
  const make =
    (name: string, sizeArg: string): Fn =>
    (args, kw, site) => {
      const size = kw.get(sizeArg) ?? args[0];
      if (size?.kind === 'unknown') return size;
      const dims = dimsArg(size);
      if (!dims || dims.some((d) => !Number.isInteger(d)))
        return unknown(`${prefix}.${name}(): the shape is not known statically`, site.range);
      return rt.tensor(dims, 'float32', undefined, `${prefix}.${name}, line ${site.range.start.line + 1}`);
    };
  const constant: Fn = (args, _kw, site) => {
    const shape: number[] = [];
    for (let v = args[0]; v && isSequence(v); v = v.items[0]) shape.push(v.items.length);
    return rt.tensor(shape, 'float32', undefined, `${prefix}.constant, line ${site.range.start.line + 1}`);
  };
  const arange: Fn = (args, kw, site) => {
    const nums = [
      args[0] ?? kw.get('start'),
      args[1] ?? kw.get('stop') ?? kw.get('limit'),
      args[2] ?? kw.get('step') ?? kw.get('delta'),
    ];
    const n = nums.map((v) => (v && isNumber(v) ? numberOf(v) : v && v.kind !== 'none' ? NaN : undefined));
    const [start, stop, step] = n[1] === undefined ? [0, n[0] ?? NaN, n[2] ?? 1] : [n[0] ?? 0, n[1], n[2] ?? 1];
    const len = Math.max(0, Math.ceil((stop - start) / step));
    return runOp(rt, 'arange', args, kw, site, () =>
      rt.tensor(
        [Number.isFinite(len) ? len : NaN],
        'int32',
        undefined,
        `${prefix}.arange, line ${site.range.start.line + 1}`,
      ),
    );
  };
  const shape: Fn = ([x], _kw, site) => {
    const t = x?.kind === 'tensor' ? x : undefined;
    if (!t?.shape) return unknown(t?.reason ?? 'shape() of something that is not a tensor', site.range);
    // keras.ops.shape / tf.shape give the run-time size of a None dimension: a symbol that flows through
    // arithmetic (height * 3) as Unknown, where x.shape would give Python's None.
    return tuple(t.shape.map((d) => (Number.isFinite(d) ? int(d) : unknown(NONE_DIM_SYMBOL, site.range))));
  };
  return {
    zeros: make('zeros', 'shape'),
    ones: make('ones', 'shape'),
    empty: make('empty', 'shape'),
    normal: make('normal', 'shape'),
    uniform: make('uniform', 'shape'),
    truncated_normal: make('truncated_normal', 'shape'),
    constant,
    arange,
    range: arange,
    shape,
  };
}

/**
 * tf.image.extract_patches(images, sizes, strides, rates, padding) and keras.ops.image.extract_patches(
 * images, size, strides, dilation_rate, padding): (N, H, W, C) → (N, rows, cols, kh·kw·C); a copy, no arithmetic.
 */
function extractPatches(rt: KerasHost): Fn {
  return (args, kw, site) =>
    runOp(rt, 'extract_patches', args, kw, site, (a, k) => {
      const images = tensorIn(a[0] ?? k.get('images'));
      if (!images || images.shape.length !== 4)
        return rt.tensor(null, 'float32', 'extract_patches() of something that is not a known 4-D tensor');
      const window = (v: Value | undefined, dflt?: number[]) => {
        const d = dimsArg(v);
        if (!d) return dflt;
        return d.length === 4 ? d.slice(1, 3) : d.length === 1 ? [d[0], d[0]] : d;
      };
      const size = window(k.get('sizes') ?? k.get('size') ?? a[1]);
      const strides = window(k.get('strides') ?? a[2], size);
      const paddingV = k.get('padding') ?? a[4];
      const same = paddingV?.kind === 'str' && paddingV.value.toLowerCase() === 'same';
      if (!size || !strides)
        return rt.tensor(null, 'float32', 'extract_patches(): the patch size is not known statically');
      const [n, h, w, c] = images.shape;
      const out = (len: number, i: number) =>
        same ? Math.ceil(len / strides[i]) : Math.floor((len - size[i]) / strides[i]) + 1;
      return rt.tensor([n, out(h, 0), out(w, 1), size[0] * size[1] * c], images.dtype);
    });
}

/** The keras.ops functions (also most of tf's top level). */
export function opsFunctions(rt: KerasHost, prefix: string): Map<string, Value> {
  const all = { ...elementwiseFns(rt), ...shapeFns(rt), ...factoryFns(rt, prefix) };
  return new Map(Object.entries(all).map(([k, f]) => [k, builtin(`${prefix}.${k}`, f) as BuiltinV]));
}
