// torch.nn.functional: each F.x maps to the layer spec that computes the same thing (F.relu →
// ReLU, F.max_pool2d → MaxPool2d), or to a small rule for ops whose weights are passed in.
import {
  type Value,
  type TensorV,
  type CallSite,
  type NamespaceV,
  NONE,
  unknown,
  builtin,
  isNumber,
  numberOf,
} from '../../interpreter/python/values';
import { raise } from '../../interpreter/python/errors';
import { type ArgValue, type TensorInfo, ShapeError, LayerArgError, elementCount } from './layers/layerSpec';
import { LAYER_SPECS } from './layers';
import { toArgValue } from './modules';
import { like, guarded, arg } from './tensorOps';
import * as S from './shapeOps';
import type { TorchRuntime } from './runtime';

/** F.name → the layer spec it shares rules with, and F's own argument names (after `input`). */
const SPEC_FUNCTIONS: Record<string, { spec: string; params: string[] }> = {
  relu: { spec: 'ReLU', params: ['inplace'] },
  relu6: { spec: 'ReLU6', params: ['inplace'] },
  elu: { spec: 'ELU', params: ['alpha', 'inplace'] },
  selu: { spec: 'SELU', params: ['inplace'] },
  gelu: { spec: 'GELU', params: ['approximate'] },
  silu: { spec: 'SiLU', params: ['inplace'] },
  mish: { spec: 'Mish', params: ['inplace'] },
  hardswish: { spec: 'Hardswish', params: ['inplace'] },
  hardsigmoid: { spec: 'Hardsigmoid', params: ['inplace'] },
  sigmoid: { spec: 'Sigmoid', params: [] },
  tanh: { spec: 'Tanh', params: [] },
  leaky_relu: { spec: 'LeakyReLU', params: ['negative_slope', 'inplace'] },
  hardtanh: { spec: 'Hardtanh', params: ['min_val', 'max_val', 'inplace'] },
  softplus: { spec: 'Softplus', params: ['beta', 'threshold'] },
  softmax: { spec: 'Softmax', params: ['dim'] },
  log_softmax: { spec: 'LogSoftmax', params: ['dim'] },
  softmin: { spec: 'Softmin', params: ['dim'] },
  glu: { spec: 'GLU', params: ['dim'] },
  dropout: { spec: 'Dropout', params: ['p'] },
  dropout2d: { spec: 'Dropout2d', params: ['p'] },
  max_pool1d: {
    spec: 'MaxPool1d',
    params: ['kernel_size', 'stride', 'padding', 'dilation', 'ceil_mode', 'return_indices'],
  },
  max_pool2d: {
    spec: 'MaxPool2d',
    params: ['kernel_size', 'stride', 'padding', 'dilation', 'ceil_mode', 'return_indices'],
  },
  avg_pool1d: { spec: 'AvgPool1d', params: ['kernel_size', 'stride', 'padding', 'ceil_mode', 'count_include_pad'] },
  avg_pool2d: {
    spec: 'AvgPool2d',
    params: ['kernel_size', 'stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override'],
  },
  adaptive_avg_pool1d: { spec: 'AdaptiveAvgPool1d', params: ['output_size'] },
  adaptive_avg_pool2d: { spec: 'AdaptiveAvgPool2d', params: ['output_size'] },
  adaptive_max_pool2d: { spec: 'AdaptiveMaxPool2d', params: ['output_size', 'return_indices'] },
  adaptive_max_pool1d: { spec: 'AdaptiveMaxPool1d', params: ['output_size', 'return_indices'] },
  adaptive_avg_pool3d: { spec: 'AdaptiveAvgPool3d', params: ['output_size'] },
  max_pool3d: {
    spec: 'MaxPool3d',
    params: ['kernel_size', 'stride', 'padding', 'dilation', 'ceil_mode', 'return_indices'],
  },
  avg_pool3d: {
    spec: 'AvgPool3d',
    params: ['kernel_size', 'stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override'],
  },
  logsigmoid: { spec: 'LogSigmoid', params: [] },
  softsign: { spec: 'Softsign', params: [] },
  celu: { spec: 'CELU', params: ['alpha', 'inplace'] },
  prelu: { spec: 'PReLU', params: [] },
  dropout1d: { spec: 'Dropout1d', params: ['p'] },
  dropout3d: { spec: 'Dropout3d', params: ['p'] },
  alpha_dropout: { spec: 'AlphaDropout', params: ['p'] },
  channel_shuffle: { spec: 'ChannelShuffle', params: ['groups'] },
  interpolate: {
    spec: 'Upsample',
    params: ['size', 'scale_factor', 'mode', 'align_corners', 'recompute_scale_factor'],
  },
  upsample: { spec: 'Upsample', params: ['size', 'scale_factor', 'mode', 'align_corners'] },
  pixel_shuffle: { spec: 'PixelShuffle', params: ['upscale_factor'] },
  unfold: { spec: 'Unfold', params: ['kernel_size', 'dilation', 'padding', 'stride'] },
  pixel_unshuffle: { spec: 'PixelUnshuffle', params: ['downscale_factor'] },
};

/** Arguments F accepts that the matching layer constructor does not (training flags). */
const DROPPED = new Set(['inplace', 'training', '_stacklevel', 'dtype', 'antialias', 'return_indices']);

/** Builds the torch.nn.functional namespace. */
export function functionalNamespace(rt: TorchRuntime): NamespaceV {
  const attrs = new Map<string, Value>();
  for (const [name, def] of Object.entries(SPEC_FUNCTIONS)) {
    const spec = LAYER_SPECS[def.spec];
    if (spec)
      attrs.set(
        name,
        builtin(`F.${name}`, (args, kw, site) => viaSpec(rt, name, def, args, kw, site)),
      );
  }
  const special: Record<string, (args: Value[], kw: Map<string, Value>, site: CallSite) => Value> = {
    linear: (a, k, s) => weighted(rt, s, a[0], () => fLinear(a, k), { args: a, kw: k }),
    conv1d: (a, k, s) => weighted(rt, s, a[0], () => fConv(a, k, 1), { args: a, kw: k }),
    conv2d: (a, k, s) => weighted(rt, s, a[0], () => fConv(a, k, 2), { args: a, kw: k }),
    scaled_dot_product_attention: (a, k, s) => weighted(rt, s, a[0], () => fSdpa(a, k), { args: a, kw: k }),
    layer_norm: (a, k, s) => elementwise(rt, 'LayerNorm', a[0], s, { args: a, kw: k }),
    group_norm: (a, k, s) => elementwise(rt, 'GroupNorm', a[0], s, { args: a, kw: k }),
    batch_norm: (a, k, s) => elementwise(rt, 'BatchNorm2d', a[0], s, { args: a, kw: k }),
    instance_norm: (a, k, s) => elementwise(rt, 'InstanceNorm2d', a[0], s, { args: a, kw: k }),
    normalize: (a, k, s) => elementwise(rt, 'LayerNorm', a[0], s, { args: a, kw: k }),
    embedding: (a, _k, s) => fEmbedding(a[0], a[1], s),
    pad: (a, k, s) => fPad(rt, a, k, s),
    grid_sample: (a, k, s) => guarded(rt, () => fGridSample(rt, a, k, s), s),
    one_hot: (a, k, s) =>
      a[0].kind === 'tensor' && a[0].shape
        ? like(a[0], [...a[0].shape, num(arg(a, k, 1, 'num_classes'))], 'int64')
        : unknown('one_hot needs num_classes', s.range),
  };
  for (const [name, fn] of Object.entries(special)) attrs.set(name, builtin(`F.${name}`, fn));
  for (const loss of [
    'cross_entropy',
    'mse_loss',
    'nll_loss',
    'l1_loss',
    'binary_cross_entropy',
    'binary_cross_entropy_with_logits',
    'kl_div',
    'smooth_l1_loss',
    'cosine_similarity',
  ]) {
    attrs.set(
      loss,
      builtin(`F.${loss}`, () => ({ kind: 'tensor', shape: [], dtype: 'float32' })),
    );
  }
  return { kind: 'namespace', name: 'torch.nn.functional', attrs };
}

const num = (v: Value | undefined): number => (v && isNumber(v) ? numberOf(v) : raise('TypeError', 'expected an int'));

function viaSpec(
  rt: TorchRuntime,
  name: string,
  def: { spec: string; params: string[] },
  args: Value[],
  kw: Map<string, Value>,
  site: CallSite,
): Value {
  const input = args[0] ?? kw.get('input');
  if (!input || input.kind === 'unknown') return input ?? raise('TypeError', `F.${name}() needs an input`, site.range);
  if (input.kind !== 'tensor') return raise('TypeError', `F.${name}() expects a tensor`, site.range);
  if (!input.shape) return input;
  return guarded(rt, () => applySpec(rt, def, input as TensorV & { shape: number[] }, args.slice(1), kw, site), site);
}

function applySpec(
  rt: TorchRuntime,
  def: { spec: string; params: string[] },
  input: TensorV & { shape: number[] },
  rest: Value[],
  kw: Map<string, Value>,
  site: CallSite,
): Value {
  const spec = LAYER_SPECS[def.spec];
  const bound: Record<string, ArgValue> = {};
  def.params.forEach((p, i) => {
    const v = kw.get(p) ?? rest[i];
    if (v !== undefined && !DROPPED.has(p)) bound[p] = toArgValue(v, p);
  });
  for (const a of spec.args) if (!(a.name in bound)) bound[a.name] = a.default ?? null;
  if (def.spec === 'Softmax' || def.spec === 'LogSoftmax') bound.dim ??= -1;
  try {
    const result = spec.forward(spec.configure(bound), [{ shape: input.shape, dtype: input.dtype }], {});
    const out = rt.toValue(result.output);
    const first = out.kind === 'tuple' ? out.items[0] : out;
    rt.recordOp(spec.op, [input], first as TensorV, result.macs, site, result.extraFlops);
    rt.tracer.flow?.annotateBound(bound);
    return out;
  } catch (e) {
    if (e instanceof LayerArgError) throw new ShapeError(e.message);
    throw e;
  }
}

/** Runs a functional op whose weights are passed in: costs recorded, no parameters counted. */
function weighted(
  rt: TorchRuntime,
  site: CallSite,
  input: Value | undefined,
  f: () => { op: string; inputs: TensorV[]; out: TensorV; macs: number; extra?: number },
  call?: { args: Value[]; kw: Map<string, Value> },
): Value {
  if (!input || input.kind === 'unknown') return input ?? NONE;
  return guarded(
    rt,
    () => {
      const r = f();
      const out = rt.recordOp(r.op, r.inputs, r.out, r.macs, site, r.extra);
      if (call) rt.tracer.flow?.annotate(call.args, call.kw);
      return out;
    },
    site,
  );
}

function shaped(v: Value | undefined, what: string): TensorV & { shape: number[] } {
  if (v?.kind !== 'tensor' || !v.shape) throw new ShapeError(`${what} has an unknown shape`);
  return v as TensorV & { shape: number[] };
}

function fLinear(
  args: Value[],
  kw: Map<string, Value>,
): { op: string; inputs: TensorV[]; out: TensorV & { shape: number[] }; macs: number; extra?: number } {
  const x = shaped(args[0], 'input');
  const w = shaped(arg(args, kw, 1, 'weight'), 'weight');
  if (x.shape.at(-1) !== w.shape.at(-1))
    throw new ShapeError(`F.linear: input has ${x.shape.at(-1)} features but weight expects ${w.shape.at(-1)}`);
  const out = like(x, [...x.shape.slice(0, -1), w.shape[0]]) as TensorV & { shape: number[] };
  const bias = arg(args, kw, 2, 'bias');
  return {
    op: 'Linear',
    inputs: [x],
    out,
    macs: elementCount(out.shape) * w.shape[1],
    extra: bias && bias.kind !== 'none' ? elementCount(out.shape) : 0,
  };
}

function fConv(args: Value[], kw: Map<string, Value>, dims: number) {
  const x = shaped(args[0], 'input');
  const w = shaped(arg(args, kw, 1, 'weight'), 'weight');
  const groups = num(arg(args, kw, 6, 'groups') ?? { kind: 'int', value: 1 });
  const spec = LAYER_SPECS[`Conv${dims}d`];
  const bound: Record<string, ArgValue> = {
    in_channels: w.shape[1] * groups,
    out_channels: w.shape[0],
    kernel_size: w.shape.slice(2),
    stride: toArgValue(arg(args, kw, 3, 'stride') ?? { kind: 'int', value: 1 }, 'stride'),
    padding: toArgValue(arg(args, kw, 4, 'padding') ?? { kind: 'int', value: 0 }, 'padding'),
    dilation: toArgValue(arg(args, kw, 5, 'dilation') ?? { kind: 'int', value: 1 }, 'dilation'),
    groups,
    bias: (arg(args, kw, 2, 'bias') ?? NONE).kind !== 'none',
    padding_mode: 'zeros',
  };
  const r = spec.forward(spec.configure(bound), [{ shape: x.shape, dtype: x.dtype }], {});
  return {
    op: `Conv${dims}d`,
    inputs: [x],
    out: like(x, (r.output as TensorInfo).shape),
    macs: r.macs,
    extra: r.extraFlops,
  };
}

/** softmax(Q Kᵀ / √d) V: MACs = B·L·S·E (scores) + B·L·S·Ev (weighted sum); softmax ≈ 5 FLOPs per score. */
function fSdpa(args: Value[], kw: Map<string, Value>) {
  const q = shaped(args[0], 'query');
  const k = shaped(arg(args, kw, 1, 'key'), 'key');
  const v = shaped(arg(args, kw, 2, 'value'), 'value');
  const scores = S.matmul(q.shape, S.transpose(k.shape, -2, -1));
  const out = S.matmul(scores.shape, v.shape);
  return {
    op: 'scaled_dot_product_attention',
    inputs: [q, k, v],
    out: like(q, out.shape),
    macs: scores.macs + out.macs,
    extra: 5 * elementCount(scores.shape),
  };
}

function elementwise(
  rt: TorchRuntime,
  op: string,
  input: Value | undefined,
  site: CallSite,
  call?: { args: Value[]; kw: Map<string, Value> },
): Value {
  if (input?.kind !== 'tensor' || !input.shape) return input ?? NONE;
  const out = rt.recordOp(op, [input], like(input, input.shape), 0, site);
  if (call) rt.tracer.flow?.annotate(call.args, call.kw);
  return out;
}

function fEmbedding(input: Value | undefined, weight: Value | undefined, site: CallSite): Value {
  if (input?.kind !== 'tensor' || !input.shape || weight?.kind !== 'tensor' || !weight.shape)
    return unknown('F.embedding with unknown shapes', site.range);
  return like(weight, [...input.shape, weight.shape[1]], weight.dtype);
}

/**
 * F.grid_sample(input, grid): samples input (N, C, *in) at grid (N, *out, d) → (N, C, *out). It
 * interpolates (no multiply-accumulates): one weighted tap per corner, 2^d per output element.
 */
function fGridSample(rt: TorchRuntime, args: Value[], kw: Map<string, Value>, site: CallSite): Value {
  const x = arg(args, kw, 0, 'input');
  const grid = arg(args, kw, 1, 'grid');
  if (x?.kind !== 'tensor' || !x.shape || grid?.kind !== 'tensor' || !grid.shape)
    return unknown('F.grid_sample of tensors of unknown shape', site.range);
  const spatial = x.shape.length - 2;
  if (spatial < 2 || grid.shape.length !== x.shape.length || grid.shape[0] !== x.shape[0])
    throw new ShapeError(`grid_sample: grid of shape (${grid.shape}) does not fit input of shape (${x.shape})`);
  if (grid.shape[grid.shape.length - 1] !== spatial)
    throw new ShapeError(`grid_sample: grid's last dim must be ${spatial}, got ${grid.shape[grid.shape.length - 1]}`);
  const out = like(x, [x.shape[0], x.shape[1], ...grid.shape.slice(1, -1)]);
  const flops = elementCount(out.shape!) * 2 ** spatial;
  const result = rt.recordOp('grid_sample', [x, grid], out, 0, site, flops);
  rt.tracer.flow?.annotate(args, kw);
  return result;
}

function fPad(rt: TorchRuntime, args: Value[], kw: Map<string, Value>, site: CallSite): Value {
  const x = args[0];
  const pad = arg(args, kw, 1, 'pad');
  if (x?.kind !== 'tensor' || !x.shape || (pad?.kind !== 'tuple' && pad?.kind !== 'list')) return x ?? NONE;
  const p = pad.items.map(num);
  const shape = [...x.shape];
  for (let i = 0; i < p.length / 2; i++) shape[shape.length - 1 - i] += p[2 * i] + p[2 * i + 1];
  const out = rt.recordOp('pad', [x], like(x, shape), 0, site, 0);
  rt.tracer.flow?.annotate(args, kw);
  return out;
}
