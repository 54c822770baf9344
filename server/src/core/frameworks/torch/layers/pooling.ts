// torch.nn pooling layers: MaxPool / AvgPool / LPPool 1d-3d and AdaptiveAvgPool / AdaptiveMaxPool
// 1d-3d. No MACs; FLOPs = window size per output element (comparisons for max, adds + divide for avg).
import {
  type ArgSpec,
  type ArgValue,
  type ForwardResult,
  type LayerSpec,
  type TensorInfo,
  LayerArgError,
  boolArg,
  elementCount,
} from './layerSpec';
import {
  firstInput,
  floatArg,
  intTuple,
  optIntArg,
  optSizeTuple,
  requirePositiveOutput,
  splitChannels,
  windowOutSize,
} from './common';

type PoolKind = 'max' | 'avg' | 'lp';

/** A fixed-window pool's validated configuration. */
export interface PoolConfig {
  op: string;
  nd: number;
  kind: PoolKind;
  kernel: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
  ceilMode: boolean;
  returnIndices: boolean;
}

/** Constructor arguments of each pool family, in torch's order. */
function poolArgs(kind: PoolKind, nd: number): ArgSpec[] {
  const head: ArgSpec[] = [
    { name: 'kernel_size', required: true },
    { name: 'stride', default: null },
  ];
  if (kind === 'lp') return [{ name: 'norm_type', required: true }, ...head, { name: 'ceil_mode', default: false }];
  if (kind === 'max') {
    return [
      ...head,
      { name: 'padding', default: 0 },
      { name: 'dilation', default: 1 },
      { name: 'return_indices', default: false },
      { name: 'ceil_mode', default: false },
    ];
  }
  return [
    ...head,
    { name: 'padding', default: 0 },
    { name: 'ceil_mode', default: false },
    { name: 'count_include_pad', default: true },
    ...(nd > 1 ? [{ name: 'divisor_override', default: null }] : []),
  ];
}

/** Validates a pool's arguments; stride=None means stride = kernel_size, padding ≤ kernel/2. */
function configurePool(op: string, nd: number, kind: PoolKind, a: Record<string, ArgValue>): PoolConfig {
  const kernel = intTuple(a.kernel_size, nd, 'kernel_size');
  const stride =
    a.stride === null || (Array.isArray(a.stride) && a.stride.length === 0)
      ? [...kernel]
      : intTuple(a.stride, nd, 'stride');
  const padding = kind === 'lp' ? Array(nd).fill(0) : intTuple(a.padding, nd, 'padding', 0);
  padding.forEach((p, i) => {
    if (p > Math.floor(kernel[i] / 2)) {
      throw new LayerArgError(
        `${op}: pad should be at most half of kernel size, but got pad=${p} and kernel_size=${kernel[i]}`,
      );
    }
  });
  if (kind === 'avg' && optIntArg(a, 'divisor_override') === 0)
    throw new LayerArgError(`${op}: divisor must be not zero`);
  if (kind === 'lp') floatArg(a, 'norm_type');
  return {
    op,
    nd,
    kind,
    kernel,
    stride,
    padding,
    dilation: kind === 'max' ? intTuple(a.dilation, nd, 'dilation') : Array(nd).fill(1),
    ceilMode: boolArg(a, 'ceil_mode'),
    returnIndices: kind === 'max' && boolArg(a, 'return_indices'),
  };
}

/** Output (and indices, when asked) of a pool whose output spatial size is `out`. */
function poolResult(x: TensorInfo, lead: number[], out: number[], window: number, indices: boolean): ForwardResult {
  const shape = [...lead, ...out];
  const output: TensorInfo = { shape, dtype: x.dtype };
  return {
    output: indices ? [output, { shape: [...shape], dtype: 'int64' }] : output,
    macs: 0,
    extraFlops: elementCount(shape) * window,
  };
}

/** Builds one fixed-window pool spec. LPPool adds one power per window element (2 per element). */
function poolSpec(op: string, nd: number, kind: PoolKind): LayerSpec<PoolConfig> {
  return {
    op,
    args: poolArgs(kind, nd),
    configure: (a) => configurePool(op, nd, kind, a),
    parameters: () => [],
    forward(c, inputs) {
      const x = firstInput(inputs, op);
      const { batch, channels, spatial } = splitChannels(x, nd, op);
      const out = spatial.map((s, i) =>
        windowOutSize(s, c.kernel[i], c.stride[i], c.padding[i], c.dilation[i], c.ceilMode),
      );
      requirePositiveOutput(op, x.shape, [channels, ...out]);
      const window = elementCount(c.kernel) * (kind === 'lp' ? 2 : 1);
      return poolResult(x, [...batch, channels], out, window, c.returnIndices);
    },
  };
}

/** torch.nn.MaxPool1d. */
export const MaxPool1d = poolSpec('MaxPool1d', 1, 'max');
/** torch.nn.MaxPool2d. */
export const MaxPool2d = poolSpec('MaxPool2d', 2, 'max');
/** torch.nn.MaxPool3d. */
export const MaxPool3d = poolSpec('MaxPool3d', 3, 'max');
/** torch.nn.AvgPool1d (no divisor_override, as in torch). */
export const AvgPool1d = poolSpec('AvgPool1d', 1, 'avg');
/** torch.nn.AvgPool2d. */
export const AvgPool2d = poolSpec('AvgPool2d', 2, 'avg');
/** torch.nn.AvgPool3d. */
export const AvgPool3d = poolSpec('AvgPool3d', 3, 'avg');
/** torch.nn.LPPool1d(norm_type, kernel_size, stride, ceil_mode). */
export const LPPool1d = poolSpec('LPPool1d', 1, 'lp');
/** torch.nn.LPPool2d(norm_type, kernel_size, stride, ceil_mode). */
export const LPPool2d = poolSpec('LPPool2d', 2, 'lp');
/** torch.nn.LPPool3d (torch ≥ 2.2). */
export const LPPool3d = poolSpec('LPPool3d', 3, 'lp');

interface AdaptiveConfig {
  outputSize: (number | null)[];
  returnIndices: boolean;
}

/** Builds an adaptive pool: output_size entries of None keep the input size; window = Π ceil(in/out). */
function adaptiveSpec(op: string, nd: number, kind: 'max' | 'avg'): LayerSpec<AdaptiveConfig> {
  return {
    op,
    args: [
      { name: 'output_size', required: true },
      ...(kind === 'max' ? [{ name: 'return_indices', default: false }] : []),
    ],
    configure: (a) => ({
      outputSize: optSizeTuple(a.output_size, nd, 'output_size'),
      returnIndices: kind === 'max' && boolArg(a, 'return_indices'),
    }),
    parameters: () => [],
    forward(c, inputs) {
      const x = firstInput(inputs, op);
      const { batch, channels, spatial } = splitChannels(x, nd, op);
      requirePositiveOutput(op, x.shape, spatial);
      const out = spatial.map((s, i) => c.outputSize[i] ?? s);
      const window = elementCount(spatial.map((s, i) => Math.ceil(s / out[i])));
      return poolResult(x, [...batch, channels], out, window, c.returnIndices);
    },
  };
}

/** torch.nn.AdaptiveAvgPool1d. */
export const AdaptiveAvgPool1d = adaptiveSpec('AdaptiveAvgPool1d', 1, 'avg');
/** torch.nn.AdaptiveAvgPool2d. */
export const AdaptiveAvgPool2d = adaptiveSpec('AdaptiveAvgPool2d', 2, 'avg');
/** torch.nn.AdaptiveAvgPool3d. */
export const AdaptiveAvgPool3d = adaptiveSpec('AdaptiveAvgPool3d', 3, 'avg');
/** torch.nn.AdaptiveMaxPool1d. */
export const AdaptiveMaxPool1d = adaptiveSpec('AdaptiveMaxPool1d', 1, 'max');
/** torch.nn.AdaptiveMaxPool2d. */
export const AdaptiveMaxPool2d = adaptiveSpec('AdaptiveMaxPool2d', 2, 'max');
/** torch.nn.AdaptiveMaxPool3d. */
export const AdaptiveMaxPool3d = adaptiveSpec('AdaptiveMaxPool3d', 3, 'max');
