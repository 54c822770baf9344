// torch.nn layers that only move, drop or resample values: Flatten, Unflatten, the Dropout family,
// Upsample (and its 2d aliases), PixelShuffle / PixelUnshuffle, ChannelShuffle, Unfold and the padding layers.
import {
  type ArgSpec,
  type ArgValue,
  type LayerSpec,
  type TensorInfo,
  LayerArgError,
  ShapeError,
  intArg,
  elementCount,
  showShape,
} from './layerSpec';
import {
  firstInput,
  floatArg,
  intAtLeast,
  intTuple,
  windowOutSize,
  normDim,
  probArg,
  requirePositiveOutput,
  requireRank,
  splitChannels,
  strArg,
} from './common';

/** Output equal to the input shape. */
const same = (x: TensorInfo): TensorInfo => ({ shape: [...x.shape], dtype: x.dtype });

interface FlattenConfig {
  start: number;
  end: number;
}

/** Flatten(start_dim=1, end_dim=-1): merges dims start..end into one. */
export const Flatten: LayerSpec<FlattenConfig> = {
  op: 'Flatten',
  args: [
    { name: 'start_dim', default: 1 },
    { name: 'end_dim', default: -1 },
  ],
  configure: (a) => ({ start: intArg(a, 'start_dim'), end: intArg(a, 'end_dim') }),
  parameters: () => [],
  forward(c, inputs) {
    const x = firstInput(inputs, 'Flatten');
    if (x.shape.length === 0) return { output: { shape: [1], dtype: x.dtype }, macs: 0 };
    const start = normDim(c.start, x.shape.length, 'Flatten');
    const end = normDim(c.end, x.shape.length, 'Flatten');
    if (start > end)
      throw new ShapeError(
        `Flatten: start_dim (${c.start}) cannot come after end_dim (${c.end}) for input ${showShape(x.shape)}`,
      );
    const shape = [...x.shape.slice(0, start), elementCount(x.shape.slice(start, end + 1)), ...x.shape.slice(end + 1)];
    return { output: { shape, dtype: x.dtype }, macs: 0 };
  },
};

interface UnflattenConfig {
  dim: number;
  sizes: number[];
}

/** Unflatten(dim, unflattened_size): splits one dim; one entry may be −1 (inferred). */
export const Unflatten: LayerSpec<UnflattenConfig> = {
  op: 'Unflatten',
  args: [
    { name: 'dim', required: true },
    { name: 'unflattened_size', required: true },
  ],
  configure(a) {
    const sizes = a.unflattened_size;
    if (
      !Array.isArray(sizes) ||
      !sizes.every((s) => typeof s === 'number' && Number.isInteger(s) && (s >= 0 || s === -1)) ||
      sizes.filter((s) => s === -1).length > 1
    ) {
      throw new LayerArgError(
        `unflattened_size must be a tuple of ints (at most one -1), got ${JSON.stringify(sizes)}`,
      );
    }
    return { dim: intArg(a, 'dim'), sizes: sizes as number[] };
  },
  parameters: () => [],
  forward(c, inputs) {
    const x = firstInput(inputs, 'Unflatten');
    const dim = normDim(c.dim, x.shape.length, 'Unflatten');
    const known = elementCount(c.sizes.filter((s) => s !== -1));
    const sizes = c.sizes.map((s) => (s === -1 ? x.shape[dim] / known : s));
    if (!sizes.every(Number.isInteger) || elementCount(sizes) !== x.shape[dim]) {
      throw new ShapeError(
        `Unflatten: sizes ${showShape(c.sizes)} don't multiply up to the size of dim ${c.dim} (${x.shape[dim]}) in the input ${showShape(x.shape)}`,
      );
    }
    return {
      output: { shape: [...x.shape.slice(0, dim), ...sizes, ...x.shape.slice(dim + 1)], dtype: x.dtype },
      macs: 0,
    };
  },
};

/** A dropout variant: shape unchanged; `ranks` (when given) are the input ranks torch accepts. */
function dropoutSpec(op: string, ranks?: number[]): LayerSpec<{ p: number }> {
  return {
    op,
    args: [
      { name: 'p', default: 0.5 },
      { name: 'inplace', default: false },
    ],
    configure: (a) => ({ p: probArg(a, 'p') }),
    parameters: () => [],
    forward(_c, inputs) {
      const x = firstInput(inputs, op);
      if (ranks) requireRank(x, ranks, op);
      return { output: same(x), macs: 0 };
    },
  };
}

/** torch.nn.Dropout. */
export const Dropout = dropoutSpec('Dropout');
/** torch.nn.Dropout1d: (N, C, L) or (C, L). */
export const Dropout1d = dropoutSpec('Dropout1d', [2, 3]);
/** torch.nn.Dropout2d (torch only warns on unusual ranks). */
export const Dropout2d = dropoutSpec('Dropout2d');
/** torch.nn.Dropout3d (torch only warns on unusual ranks). */
export const Dropout3d = dropoutSpec('Dropout3d');
/** torch.nn.AlphaDropout. */
export const AlphaDropout = dropoutSpec('AlphaDropout');
/** torch.nn.FeatureAlphaDropout. */
export const FeatureAlphaDropout = dropoutSpec('FeatureAlphaDropout');

const UPSAMPLE_MODES = ['nearest', 'linear', 'bilinear', 'bicubic', 'trilinear', 'area', 'nearest-exact'];
/** The input rank each interpolating mode requires (others take 3-D to 5-D). */
const MODE_RANK: Record<string, number> = { linear: 3, bilinear: 4, bicubic: 4, trilinear: 5 };
/** FLOPs per output element: one weighted tap per neighbour the mode reads. */
const MODE_TAPS: Record<string, number> = {
  nearest: 0,
  'nearest-exact': 0,
  linear: 2,
  bilinear: 4,
  bicubic: 16,
  trilinear: 8,
};

interface UpsampleConfig {
  op: string;
  size: ArgValue;
  scale: ArgValue;
  mode: string;
  ranks: number[];
}

/** Validates size / scale_factor (exactly one) and mode / align_corners. */
function configureUpsample(op: string, a: Record<string, ArgValue>, mode: string, ranks: number[]): UpsampleConfig {
  const size = a.size ?? null;
  const scale = a.scale_factor ?? null;
  if ((size === null) === (scale === null)) {
    throw new LayerArgError(
      `${op}: ${size === null ? 'either size or scale_factor should be defined' : 'only one of size or scale_factor should be defined'}`,
    );
  }
  if (a.align_corners !== undefined && a.align_corners !== null && !MODE_RANK[mode]) {
    throw new LayerArgError(
      `${op}: align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear`,
    );
  }
  return { op, size, scale, mode, ranks: MODE_RANK[mode] ? [MODE_RANK[mode]] : ranks };
}

/** Output spatial size from `size` or floor(in × scale_factor). */
function upsampleSpatial(c: UpsampleConfig, spatial: number[]): number[] {
  const n = spatial.length;
  const pick = (v: ArgValue, name: string): number[] => {
    const t = typeof v === 'number' ? Array(n).fill(v) : v;
    if (!Array.isArray(t) || t.length !== n || !t.every((e) => typeof e === 'number' && e > 0)) {
      throw new ShapeError(
        `${c.op}: ${name} ${JSON.stringify(v)} must be a number or a tuple of ${n} for an input with ${n} spatial dims`,
      );
    }
    return t as number[];
  };
  if (c.size !== null) return pick(c.size, 'size').map(Math.floor);
  return pick(c.scale, 'scale_factor').map((f, i) => Math.floor(spatial[i] * f));
}

/** Builds Upsample or one of its 2d aliases (`fixedMode` set). */
function upsampleSpec(op: string, fixedMode: string | null): LayerSpec<UpsampleConfig> {
  const args: ArgSpec[] = fixedMode
    ? [
        { name: 'size', default: null },
        { name: 'scale_factor', default: null },
      ]
    : [
        { name: 'size', default: null },
        { name: 'scale_factor', default: null },
        { name: 'mode', default: 'nearest' },
        { name: 'align_corners', default: null },
        { name: 'recompute_scale_factor', default: null },
      ];
  return {
    op,
    args,
    configure: (a) =>
      fixedMode
        ? configureUpsample(op, a, fixedMode, [4])
        : configureUpsample(op, a, strArg(a, 'mode', UPSAMPLE_MODES), [3, 4, 5]),
    parameters: () => [],
    forward(c, inputs) {
      const x = firstInput(inputs, op);
      requireRank(x, c.ranks, `${op}(mode='${c.mode}')`);
      const out = upsampleSpatial(c, x.shape.slice(2));
      const shape = [...x.shape.slice(0, 2), ...out];
      requirePositiveOutput(op, x.shape, shape);
      const taps =
        c.mode === 'area' ? elementCount(x.shape.slice(2).map((s, i) => Math.ceil(s / out[i]))) : MODE_TAPS[c.mode];
      return { output: { shape, dtype: x.dtype }, macs: 0, extraFlops: elementCount(shape) * taps };
    },
  };
}

/** torch.nn.Upsample(size, scale_factor, mode, align_corners, recompute_scale_factor). */
export const Upsample = upsampleSpec('Upsample', null);
/** torch.nn.UpsamplingNearest2d(size, scale_factor). */
export const UpsamplingNearest2d = upsampleSpec('UpsamplingNearest2d', 'nearest');
/** torch.nn.UpsamplingBilinear2d(size, scale_factor) — bilinear with align_corners=True. */
export const UpsamplingBilinear2d = upsampleSpec('UpsamplingBilinear2d', 'bilinear');

/** Moves r² channels into an r× larger H and W (shuffle) or back (unshuffle). */
function pixelShuffleSpec(op: string, argName: string, up: boolean): LayerSpec<{ r: number }> {
  return {
    op,
    args: [{ name: argName, required: true }],
    configure: (a) => ({ r: intAtLeast(a, argName, 1) }),
    parameters: () => [],
    forward({ r }, inputs) {
      const x = firstInput(inputs, op);
      if (x.shape.length < 3)
        throw new ShapeError(`${op} expects at least 3 dims (*, C, H, W) but got ${showShape(x.shape)}`);
      const [ch, h, w] = x.shape.slice(-3);
      const lead = x.shape.slice(0, -3);
      if (up && ch % (r * r) !== 0) {
        throw new ShapeError(`${op}: channel dim ${ch} must be divisible by upscale_factor² = ${r * r}`);
      }
      if (!up && (h % r !== 0 || w % r !== 0)) {
        throw new ShapeError(`${op}: height ${h} and width ${w} must be divisible by downscale_factor ${r}`);
      }
      const shape = up ? [...lead, ch / (r * r), h * r, w * r] : [...lead, ch * r * r, h / r, w / r];
      return { output: { shape, dtype: x.dtype }, macs: 0 };
    },
  };
}

/** torch.nn.PixelShuffle(upscale_factor): (*, C·r², H, W) → (*, C, H·r, W·r). */
export const PixelShuffle = pixelShuffleSpec('PixelShuffle', 'upscale_factor', true);
/** torch.nn.PixelUnshuffle(downscale_factor): (*, C, H·r, W·r) → (*, C·r², H, W). */
export const PixelUnshuffle = pixelShuffleSpec('PixelUnshuffle', 'downscale_factor', false);

/** ChannelShuffle(groups): (N, C, *) with C divisible by groups; shape unchanged. */
export const ChannelShuffle: LayerSpec<{ groups: number }> = {
  op: 'ChannelShuffle',
  args: [{ name: 'groups', required: true }],
  configure: (a) => ({ groups: intAtLeast(a, 'groups', 1) }),
  parameters: () => [],
  forward(c, inputs) {
    const x = firstInput(inputs, 'ChannelShuffle');
    if (x.shape.length < 3)
      throw new ShapeError(`ChannelShuffle expects at least 3 dims (N, C, *) but got ${showShape(x.shape)}`);
    if (x.shape[1] % c.groups !== 0) {
      throw new ShapeError(`ChannelShuffle: number of channels ${x.shape[1]} must be divisible by groups ${c.groups}`);
    }
    return { output: same(x), macs: 0 };
  },
};

/**
 * Unfold(kernel_size, dilation=1, padding=0, stride=1) (F.unfold): (N, C, H, W) → (N, C·kh·kw, L)
 * with L the number of sliding windows, the conv formula per dim; it only copies values.
 */
export const Unfold: LayerSpec<{ kernel: number[]; dilation: number[]; padding: number[]; stride: number[] }> = {
  op: 'Unfold',
  args: [
    { name: 'kernel_size', required: true },
    { name: 'dilation', default: 1 },
    { name: 'padding', default: 0 },
    { name: 'stride', default: 1 },
  ],
  configure: (a) => ({
    kernel: intTuple(a.kernel_size, 2, 'kernel_size'),
    dilation: intTuple(a.dilation, 2, 'dilation'),
    padding: intTuple(a.padding, 2, 'padding', 0),
    stride: intTuple(a.stride, 2, 'stride'),
  }),
  parameters: () => [],
  forward(c, inputs) {
    const x = firstInput(inputs, 'Unfold');
    requireRank(x, [3, 4], 'Unfold');
    const batch = x.shape.length === 4 ? [x.shape[0]] : [];
    const [channels, height, width] = x.shape.slice(batch.length);
    const blocks = [height, width].map((size, i) =>
      windowOutSize(size, c.kernel[i], c.stride[i], c.padding[i], c.dilation[i]),
    );
    requirePositiveOutput('Unfold', x.shape, blocks);
    const shape = [...batch, channels * c.kernel[0] * c.kernel[1], blocks[0] * blocks[1]];
    return { output: { shape, dtype: x.dtype }, macs: 0 };
  },
};

type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/** A padding layer's amounts, (before, after) for each padded dim, last dim first as torch orders them. */
interface PadConfig {
  op: string;
  nd: number;
  mode: PadMode;
  pads: number[];
}

/** Reads `padding`: an int for every side, or a 2·nd tuple (left, right, top, bottom, front, back). */
function readPads(v: ArgValue, nd: number): number[] {
  const t = typeof v === 'number' ? Array(2 * nd).fill(v) : v;
  if (!Array.isArray(t) || t.length !== 2 * nd || !t.every((e) => typeof e === 'number' && Number.isInteger(e))) {
    throw new LayerArgError(`padding must be an int or a tuple of ${2 * nd} ints, got ${JSON.stringify(v)}`);
  }
  return t as number[];
}

/** Output shape of a padding layer, with torch's per-mode limits on the padding amounts. */
function padShape(c: PadConfig, x: TensorInfo): number[] {
  const shape = [...x.shape];
  for (let i = 0; i < c.nd; i++) {
    const d = shape.length - 1 - i;
    const [before, after] = [c.pads[2 * i], c.pads[2 * i + 1]];
    const size = x.shape[d];
    if (c.mode === 'reflect' && (before >= size || after >= size)) {
      throw new ShapeError(
        `${c.op}: padding size should be less than the corresponding input dimension, but got padding (${before}, ${after}) at dimension ${d} of input ${showShape(x.shape)}`,
      );
    }
    if (c.mode === 'circular' && (before > size || after > size)) {
      throw new ShapeError(
        `${c.op}: padding (${before}, ${after}) at dimension ${d} is larger than the input size ${size}`,
      );
    }
    shape[d] = size + before + after;
    if (shape[d] < 0)
      throw new ShapeError(
        `${c.op}: input size ${size} plus padding ${before} and ${after} gives a negative size at dimension ${d}`,
      );
  }
  return shape;
}

/** Builds one padding layer class; constant modes accept any rank ≥ nd, the others nd+1 or nd+2. */
function padSpec(op: string, nd: number, mode: PadMode, withValue: boolean): LayerSpec<PadConfig> {
  return {
    op,
    args: [{ name: 'padding', required: true }, ...(withValue ? [{ name: 'value', required: true }] : [])],
    configure: (a) => {
      if (withValue) floatArg(a, 'value');
      return { op, nd, mode, pads: readPads(a.padding, nd) };
    },
    parameters: () => [],
    forward(c, inputs) {
      const x = firstInput(inputs, op);
      if (mode === 'constant') {
        if (x.shape.length < nd)
          throw new ShapeError(`${op} expects at least ${nd} dims but got ${showShape(x.shape)}`);
      } else {
        splitChannels(x, nd, op);
      }
      return { output: { shape: padShape(c, x), dtype: x.dtype }, macs: 0 };
    },
  };
}

/** torch.nn.ZeroPad1d (torch ≥ 2.1). */
export const ZeroPad1d = padSpec('ZeroPad1d', 1, 'constant', false);
/** torch.nn.ZeroPad2d(padding): (left, right, top, bottom). */
export const ZeroPad2d = padSpec('ZeroPad2d', 2, 'constant', false);
/** torch.nn.ZeroPad3d (torch ≥ 2.1). */
export const ZeroPad3d = padSpec('ZeroPad3d', 3, 'constant', false);
/** torch.nn.ConstantPad1d(padding, value). */
export const ConstantPad1d = padSpec('ConstantPad1d', 1, 'constant', true);
/** torch.nn.ConstantPad2d(padding, value). */
export const ConstantPad2d = padSpec('ConstantPad2d', 2, 'constant', true);
/** torch.nn.ConstantPad3d(padding, value). */
export const ConstantPad3d = padSpec('ConstantPad3d', 3, 'constant', true);
/** torch.nn.ReflectionPad1d. */
export const ReflectionPad1d = padSpec('ReflectionPad1d', 1, 'reflect', false);
/** torch.nn.ReflectionPad2d. */
export const ReflectionPad2d = padSpec('ReflectionPad2d', 2, 'reflect', false);
/** torch.nn.ReflectionPad3d. */
export const ReflectionPad3d = padSpec('ReflectionPad3d', 3, 'reflect', false);
/** torch.nn.ReplicationPad1d. */
export const ReplicationPad1d = padSpec('ReplicationPad1d', 1, 'replicate', false);
/** torch.nn.ReplicationPad2d. */
export const ReplicationPad2d = padSpec('ReplicationPad2d', 2, 'replicate', false);
/** torch.nn.ReplicationPad3d. */
export const ReplicationPad3d = padSpec('ReplicationPad3d', 3, 'replicate', false);
/** torch.nn.CircularPad1d (torch ≥ 2.1). */
export const CircularPad1d = padSpec('CircularPad1d', 1, 'circular', false);
/** torch.nn.CircularPad2d (torch ≥ 2.1). */
export const CircularPad2d = padSpec('CircularPad2d', 2, 'circular', false);
/** torch.nn.CircularPad3d (torch ≥ 2.1). */
export const CircularPad3d = padSpec('CircularPad3d', 3, 'circular', false);
