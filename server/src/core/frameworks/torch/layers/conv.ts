// torch.nn.Conv1d/2d/3d and ConvTranspose1d/2d/3d: constructor checks, weights, output shapes and
// MACs (Conv: N·C_out·Π(out)·(C_in/groups)·Π(k); ConvTranspose: N·C_in·Π(in)·(C_out/groups)·Π(k)).
import {
  type ArgSpec,
  type ArgValue,
  type LayerSpec,
  type TensorInfo,
  LayerArgError,
  ShapeError,
  boolArg,
  elementCount,
  showShape,
} from './layerSpec';
import {
  FACTORY_ARGS,
  firstInput,
  intAtLeast,
  intTuple,
  requirePositiveOutput,
  splitChannels,
  strArg,
  windowOutSize,
} from './common';

/** A convolution's validated configuration. */
export interface ConvConfig {
  op: string;
  nd: number;
  transposed: boolean;
  inChannels: number;
  outChannels: number;
  kernel: number[];
  stride: number[];
  /** Explicit per-dim padding, or torch's string modes (Conv only). */
  padding: number[] | 'same' | 'valid';
  outputPadding: number[];
  dilation: number[];
  groups: number;
  bias: boolean;
  paddingMode: string;
}

const PADDING_MODES = ['zeros', 'reflect', 'replicate', 'circular'];

const CONV_ARGS: ArgSpec[] = [
  { name: 'in_channels', required: true },
  { name: 'out_channels', required: true },
  { name: 'kernel_size', required: true },
  { name: 'stride', default: 1 },
  { name: 'padding', default: 0 },
  { name: 'dilation', default: 1 },
  { name: 'groups', default: 1 },
  { name: 'bias', default: true },
  { name: 'padding_mode', default: 'zeros' },
  ...FACTORY_ARGS,
];

const CONV_TRANSPOSE_ARGS: ArgSpec[] = [
  { name: 'in_channels', required: true },
  { name: 'out_channels', required: true },
  { name: 'kernel_size', required: true },
  { name: 'stride', default: 1 },
  { name: 'padding', default: 0 },
  { name: 'output_padding', default: 0 },
  { name: 'groups', default: 1 },
  { name: 'bias', default: true },
  { name: 'dilation', default: 1 },
  { name: 'padding_mode', default: 'zeros' },
  ...FACTORY_ARGS,
];

/** Reads `padding`: an int / tuple, or 'same' / 'valid' (which torch allows for Conv only). */
function readPadding(v: ArgValue, nd: number, transposed: boolean, stride: number[]): ConvConfig['padding'] {
  if (typeof v !== 'string') return intTuple(v, nd, 'padding', 0);
  if (transposed || (v !== 'same' && v !== 'valid')) {
    throw new LayerArgError(`padding must be an int or tuple${transposed ? '' : ", or 'same' / 'valid'"}, got '${v}'`);
  }
  if (v === 'same' && stride.some((s) => s !== 1)) {
    throw new LayerArgError("padding='same' is not supported for strided convolutions");
  }
  return v;
}

/** Validates the constructor arguments shared by Conv and ConvTranspose. */
function configureConv(op: string, nd: number, transposed: boolean, a: Record<string, ArgValue>): ConvConfig {
  const inChannels = intAtLeast(a, 'in_channels', 1);
  const outChannels = intAtLeast(a, 'out_channels', 1);
  const groups = intAtLeast(a, 'groups', 1);
  if (inChannels % groups !== 0)
    throw new LayerArgError(`in_channels (${inChannels}) must be divisible by groups (${groups})`);
  if (outChannels % groups !== 0)
    throw new LayerArgError(`out_channels (${outChannels}) must be divisible by groups (${groups})`);
  const kernel = intTuple(a.kernel_size, nd, 'kernel_size');
  const stride = intTuple(a.stride, nd, 'stride');
  const dilation = intTuple(a.dilation, nd, 'dilation');
  const padding = readPadding(a.padding, nd, transposed, stride);
  const outputPadding = transposed ? intTuple(a.output_padding, nd, 'output_padding', 0) : Array(nd).fill(0);
  outputPadding.forEach((p, i) => {
    if (p >= stride[i] && p >= dilation[i]) {
      throw new LayerArgError(
        `output padding must be smaller than either stride or dilation, got output_padding=${p}, stride=${stride[i]}, dilation=${dilation[i]}`,
      );
    }
  });
  const paddingMode = strArg(a, 'padding_mode', transposed ? ['zeros'] : PADDING_MODES);
  return {
    op,
    nd,
    transposed,
    inChannels,
    outChannels,
    kernel,
    stride,
    padding,
    outputPadding,
    dilation,
    groups,
    bias: boolArg(a, 'bias'),
    paddingMode,
  };
}

/** Output spatial size of a forward convolution; 'same' keeps the input size. */
function convOutSpatial(c: ConvConfig, spatial: number[]): number[] {
  if (c.padding === 'same') return [...spatial];
  const pad = c.padding === 'valid' ? Array(c.nd).fill(0) : c.padding;
  return spatial.map((s, i) => windowOutSize(s, c.kernel[i], c.stride[i], pad[i], c.dilation[i]));
}

/** Output spatial size of a transposed convolution: (in−1)·s − 2p + d·(k−1) + output_padding + 1. */
function transposedOutSpatial(
  c: ConvConfig,
  spatial: number[],
  outputSize: ArgValue | TensorInfo | undefined,
): number[] {
  const pad = c.padding as number[];
  const base = spatial.map((s, i) => (s - 1) * c.stride[i] - 2 * pad[i] + c.dilation[i] * (c.kernel[i] - 1) + 1);
  if (!Array.isArray(outputSize)) return base.map((b, i) => b + c.outputPadding[i]);
  const wanted = (outputSize as ArgValue[]).slice(-c.nd);
  return base.map((b, i) => {
    const w = wanted[i];
    const max = b + c.stride[i] - 1;
    if (typeof w !== 'number' || w < b || w > max) {
      throw new ShapeError(
        `${c.op}: requested output size ${JSON.stringify(outputSize)} is not in the valid range [${b}, ${max}] for spatial dim ${i}`,
      );
    }
    return w;
  });
}

/** Builds the spec for one convolution class (`nd` spatial dims, forward or transposed). */
function convSpec(op: string, nd: number, transposed: boolean): LayerSpec<ConvConfig> {
  return {
    op,
    args: transposed ? CONV_TRANSPOSE_ARGS : CONV_ARGS,
    configure: (a) => configureConv(op, nd, transposed, a),
    parameters: (c) => [
      {
        name: 'weight',
        shape: transposed
          ? [c.inChannels, c.outChannels / c.groups, ...c.kernel]
          : [c.outChannels, c.inChannels / c.groups, ...c.kernel],
      },
      ...(c.bias ? [{ name: 'bias', shape: [c.outChannels] }] : []),
    ],
    forward(c, inputs, kwargs) {
      const x = firstInput(inputs, op);
      const { batch, channels, spatial } = splitChannels(x, nd, op);
      if (channels !== c.inChannels) {
        throw new ShapeError(
          `${op} expects ${c.inChannels} input channels but got ${channels} (input shape ${showShape(x.shape)})`,
        );
      }
      const out = transposed ? transposedOutSpatial(c, spatial, kwargs.output_size) : convOutSpatial(c, spatial);
      requirePositiveOutput(op, x.shape, out);
      const shape = [...batch, c.outChannels, ...out];
      const n = batch[0] ?? 1;
      const macs = transposed
        ? n * c.inChannels * elementCount(spatial) * (c.outChannels / c.groups) * elementCount(c.kernel)
        : n * c.outChannels * elementCount(out) * (c.inChannels / c.groups) * elementCount(c.kernel);
      return { output: { shape, dtype: x.dtype }, macs, extraFlops: c.bias ? elementCount(shape) : 0 };
    },
  };
}

/** torch.nn.Conv1d. */
export const Conv1d = convSpec('Conv1d', 1, false);
/** torch.nn.Conv2d. */
export const Conv2d = convSpec('Conv2d', 2, false);
/** torch.nn.Conv3d. */
export const Conv3d = convSpec('Conv3d', 3, false);
/** torch.nn.ConvTranspose1d. */
export const ConvTranspose1d = convSpec('ConvTranspose1d', 1, true);
/** torch.nn.ConvTranspose2d. */
export const ConvTranspose2d = convSpec('ConvTranspose2d', 2, true);
/** torch.nn.ConvTranspose3d. */
export const ConvTranspose3d = convSpec('ConvTranspose3d', 3, true);
