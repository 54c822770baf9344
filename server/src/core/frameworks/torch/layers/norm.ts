// torch.nn normalisation layers: BatchNorm1d/2d/3d, InstanceNorm1d/2d/3d, LayerNorm, GroupNorm and
// LocalResponseNorm. None has MACs; their elementwise work comes from the op table.
import {
  type ArgSpec,
  type ArgValue,
  type LayerSpec,
  type ParamTensor,
  type TensorInfo,
  LayerArgError,
  ShapeError,
  boolArg,
  elementCount,
  showShape,
} from './layerSpec';
import { FACTORY_ARGS, firstInput, floatArg, intAtLeast, requireRank } from './common';

interface StatsNormConfig {
  features: number;
  affine: boolean;
  track: boolean;
}

/** Parameters of a per-channel affine norm: weight and bias of shape (C) when affine. */
function affineParams(shape: number[], affine: boolean, bias = affine): ParamTensor[] {
  return [...(affine ? [{ name: 'weight', shape }] : []), ...(bias ? [{ name: 'bias', shape }] : [])];
}

/** Running statistics torch keeps when track_running_stats is set. */
function runningStats(c: StatsNormConfig): ParamTensor[] {
  if (!c.track) return [];
  return [
    { name: 'running_mean', shape: [c.features] },
    { name: 'running_var', shape: [c.features] },
    { name: 'num_batches_tracked', shape: [] },
  ];
}

/** The argument list shared by BatchNorm and InstanceNorm (they differ only in defaults). */
function statsNormArgs(affine: boolean, track: boolean): ArgSpec[] {
  return [
    { name: 'num_features', required: true },
    { name: 'eps', default: 1e-5 },
    { name: 'momentum', default: 0.1 },
    { name: 'affine', default: affine },
    { name: 'track_running_stats', default: track },
    ...FACTORY_ARGS,
  ];
}

function configureStatsNorm(a: Record<string, ArgValue>): StatsNormConfig {
  floatArg(a, 'eps');
  return {
    features: intAtLeast(a, 'num_features', 1),
    affine: boolArg(a, 'affine'),
    track: boolArg(a, 'track_running_stats'),
  };
}

/** Throws when the channel dim of `x` differs from num_features. */
function requireChannels(x: TensorInfo, dim: number, expected: number, op: string): void {
  if (x.shape[dim] !== expected) {
    throw new ShapeError(
      `${op} expects ${expected} channels (num_features) but got ${x.shape[dim]} (input shape ${showShape(x.shape)})`,
    );
  }
}

/**
 * BatchNorm over the channel dim 1; `ranks` are the input ranks torch accepts. Channels are only
 * checked when the layer has weights or running stats to match (as torch's kernels do).
 */
function batchNormSpec(op: string, ranks: number[]): LayerSpec<StatsNormConfig> {
  return {
    op,
    args: statsNormArgs(true, true),
    configure: configureStatsNorm,
    parameters: (c) => affineParams([c.features], c.affine),
    buffers: runningStats,
    forward(c, inputs) {
      const x = firstInput(inputs, op);
      requireRank(x, ranks, op);
      if (c.affine || c.track) requireChannels(x, 1, c.features, op);
      return { output: { shape: [...x.shape], dtype: x.dtype }, macs: 0 };
    },
  };
}

/** InstanceNorm with `nd` spatial dims, batched or not; torch only rejects a channel mismatch when affine. */
function instanceNormSpec(op: string, nd: number): LayerSpec<StatsNormConfig> {
  return {
    op,
    args: statsNormArgs(false, false),
    configure: configureStatsNorm,
    parameters: (c) => affineParams([c.features], c.affine),
    buffers: runningStats,
    forward(c, inputs) {
      const x = firstInput(inputs, op);
      requireRank(x, [nd + 1, nd + 2], op);
      if (c.affine) requireChannels(x, x.shape.length - nd - 1, c.features, op);
      return { output: { shape: [...x.shape], dtype: x.dtype }, macs: 0 };
    },
  };
}

/** torch.nn.BatchNorm1d: (N, C) or (N, C, L). */
export const BatchNorm1d = batchNormSpec('BatchNorm1d', [2, 3]);
/** torch.nn.BatchNorm2d: (N, C, H, W). */
export const BatchNorm2d = batchNormSpec('BatchNorm2d', [4]);
/** torch.nn.BatchNorm3d: (N, C, D, H, W). */
export const BatchNorm3d = batchNormSpec('BatchNorm3d', [5]);
/** torch.nn.InstanceNorm1d: (N, C, L) or (C, L). */
export const InstanceNorm1d = instanceNormSpec('InstanceNorm1d', 1);
/** torch.nn.InstanceNorm2d: (N, C, H, W) or (C, H, W). */
export const InstanceNorm2d = instanceNormSpec('InstanceNorm2d', 2);
/** torch.nn.InstanceNorm3d: (N, C, D, H, W) or (C, D, H, W). */
export const InstanceNorm3d = instanceNormSpec('InstanceNorm3d', 3);

interface LayerNormConfig {
  shape: number[];
  affine: boolean;
  bias: boolean;
}

/** Reads normalized_shape: an int or a list of ints. */
function normalizedShape(v: ArgValue): number[] {
  const shape = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    throw new LayerArgError(`normalized_shape must be an int or a list of ints, got ${JSON.stringify(v)}`);
  }
  return shape as number[];
}

/** LayerNorm over the trailing normalized_shape dims; `bias` is torch 2.1's keyword. */
export const LayerNorm: LayerSpec<LayerNormConfig> = {
  op: 'LayerNorm',
  args: [
    { name: 'normalized_shape', required: true },
    { name: 'eps', default: 1e-5 },
    { name: 'elementwise_affine', default: true },
    { name: 'bias', default: true },
    ...FACTORY_ARGS,
  ],
  configure: (a) => {
    const affine = boolArg(a, 'elementwise_affine');
    return { shape: normalizedShape(a.normalized_shape), affine, bias: affine && boolArg(a, 'bias') };
  },
  parameters: (c) => affineParams(c.shape, c.affine, c.bias),
  forward(c, inputs) {
    const x = firstInput(inputs, 'LayerNorm');
    const tail = x.shape.slice(x.shape.length - c.shape.length);
    if (x.shape.length < c.shape.length || showShape(tail) !== showShape(c.shape)) {
      throw new ShapeError(
        `LayerNorm: given normalized_shape=${showShape(c.shape)}, expected input with shape (*, ${c.shape.join(', ')}), but got input of size ${showShape(x.shape)}`,
      );
    }
    return { output: { shape: [...x.shape], dtype: x.dtype }, macs: 0 };
  },
};

interface GroupNormConfig {
  groups: number;
  channels: number;
  affine: boolean;
}

/** GroupNorm(num_groups, num_channels): input (N, C, *) with C = num_channels. */
export const GroupNorm: LayerSpec<GroupNormConfig> = {
  op: 'GroupNorm',
  args: [
    { name: 'num_groups', required: true },
    { name: 'num_channels', required: true },
    { name: 'eps', default: 1e-5 },
    { name: 'affine', default: true },
    ...FACTORY_ARGS,
  ],
  configure: (a) => {
    const groups = intAtLeast(a, 'num_groups', 1);
    const channels = intAtLeast(a, 'num_channels', 1);
    if (channels % groups !== 0)
      throw new LayerArgError(`num_channels (${channels}) must be divisible by num_groups (${groups})`);
    return { groups, channels, affine: boolArg(a, 'affine') };
  },
  parameters: (c) => affineParams([c.channels], c.affine),
  forward(c, inputs) {
    const x = firstInput(inputs, 'GroupNorm');
    if (x.shape.length < 2) {
      throw new ShapeError(`GroupNorm expects at least 2 dimensions (N, C, *) but got ${showShape(x.shape)}`);
    }
    requireChannels(x, 1, c.channels, 'GroupNorm');
    return { output: { shape: [...x.shape], dtype: x.dtype }, macs: 0 };
  },
};

interface LrnConfig {
  size: number;
}

/**
 * LocalResponseNorm(size): no parameters; FLOPs per output element = size + 5
 * (1 square, `size` window adds, ×α/n and +k, the power β, and the divide).
 */
export const LocalResponseNorm: LayerSpec<LrnConfig> = {
  op: 'LocalResponseNorm',
  args: [
    { name: 'size', required: true },
    { name: 'alpha', default: 1e-4 },
    { name: 'beta', default: 0.75 },
    { name: 'k', default: 1.0 },
  ],
  configure: (a) => ({ size: intAtLeast(a, 'size', 1) }),
  parameters: () => [],
  forward(c, inputs) {
    const x = firstInput(inputs, 'LocalResponseNorm');
    if (x.shape.length < 3) {
      throw new ShapeError(
        `LocalResponseNorm expects a 3-D or higher input but got ${x.shape.length}-D ${showShape(x.shape)}`,
      );
    }
    return {
      output: { shape: [...x.shape], dtype: x.dtype },
      macs: 0,
      extraFlops: elementCount(x.shape) * (c.size + 5),
    };
  },
};
