// keras.layers convolutions (channels-last): Conv1D/2D/3D, Conv1D/2D/3DTranspose, DepthwiseConv1D/2D
// and SeparableConv1D/2D. Weights as Keras builds them; MACs as torch counts the same convolution.
import {
  type KerasLayerSpec,
  type KArgSpec,
  type KArg,
  type Shape,
  type KWeight,
  posInt,
  intTupleArg,
  boolOf,
  choice,
  channelsFirst,
  requireRank,
  knownDim,
  only,
  elems,
  windowOut,
  showShape,
  toChannelsLast,
  fromChannelsLast,
  LayerArgError,
  ShapeError,
} from './spec';
import { readActivation, biasAndActivation, type Activation } from './activations';

/** A convolution's configuration, shared by every kind here. */
export interface ConvConfig {
  op: string;
  nd: number;
  kind: 'conv' | 'transpose' | 'depthwise' | 'separable';
  filters: number;
  kernel: number[];
  strides: number[];
  padding: string;
  outputPadding: number[] | null;
  dilation: number[];
  groups: number;
  depthMultiplier: number;
  act: Activation;
  bias: boolean;
  channelsFirst: boolean;
}

const slots = (...ws: string[]): KArgSpec[] =>
  ws.flatMap((w) => [
    { name: `${w}_initializer`, default: null },
    { name: `${w}_regularizer`, default: null },
    { name: `${w}_constraint`, default: null },
  ]);

const TAIL: KArgSpec[] = [
  { name: 'activation', default: null },
  { name: 'use_bias', default: true },
];

const CONV_ARGS: KArgSpec[] = [
  { name: 'filters', required: true },
  { name: 'kernel_size', required: true },
  { name: 'strides', default: 1 },
  { name: 'padding', default: 'valid' },
  { name: 'data_format', default: null },
  { name: 'dilation_rate', default: 1 },
  { name: 'groups', default: 1 },
  ...TAIL,
  ...slots('kernel', 'bias'),
  { name: 'lora_rank', default: null },
];
const TRANSPOSE_ARGS: KArgSpec[] = [
  { name: 'filters', required: true },
  { name: 'kernel_size', required: true },
  { name: 'strides', default: 1 },
  { name: 'padding', default: 'valid' },
  { name: 'output_padding', default: null },
  { name: 'data_format', default: null },
  { name: 'dilation_rate', default: 1 },
  ...TAIL,
  ...slots('kernel', 'bias'),
];
const DEPTHWISE_ARGS: KArgSpec[] = [
  { name: 'kernel_size', required: true },
  { name: 'strides', default: 1 },
  { name: 'padding', default: 'valid' },
  { name: 'depth_multiplier', default: 1 },
  { name: 'data_format', default: null },
  { name: 'dilation_rate', default: 1 },
  ...TAIL,
  ...slots('depthwise', 'bias'),
];
const SEPARABLE_ARGS: KArgSpec[] = [
  { name: 'filters', required: true },
  { name: 'kernel_size', required: true },
  { name: 'strides', default: 1 },
  { name: 'padding', default: 'valid' },
  { name: 'data_format', default: null },
  { name: 'dilation_rate', default: 1 },
  { name: 'depth_multiplier', default: 1 },
  ...TAIL,
  ...slots('depthwise', 'pointwise', 'bias'),
];

function configure(op: string, nd: number, kind: ConvConfig['kind'], a: Record<string, KArg>): ConvConfig {
  const strides = intTupleArg(a, 'strides', nd);
  const dilation = intTupleArg(a, 'dilation_rate', nd);
  const paddings = nd === 1 && kind === 'conv' ? ['valid', 'same', 'causal'] : ['valid', 'same'];
  const outputPadding =
    a.output_padding === null || a.output_padding === undefined ? null : intTupleArg(a, 'output_padding', nd, 0);
  if (strides.some((s) => s > 1) && dilation.some((d) => d > 1)) {
    throw new LayerArgError(
      `\`strides > 1\` not supported in conjunction with \`dilation_rate > 1\`. Received: strides=${JSON.stringify(strides)} and dilation_rate=${JSON.stringify(dilation)}`,
    );
  }
  return {
    op,
    nd,
    kind,
    filters: kind === 'depthwise' ? 0 : posInt(a, 'filters'),
    kernel: intTupleArg(a, 'kernel_size', nd),
    strides,
    dilation,
    outputPadding,
    padding: choice(a, 'padding', paddings),
    groups: kind === 'conv' ? posInt(a, 'groups') : 1,
    depthMultiplier: kind === 'depthwise' || kind === 'separable' ? posInt(a, 'depth_multiplier') : 1,
    act: readActivation(a.activation),
    bias: boolOf(a, 'use_bias'),
    channelsFirst: channelsFirst(a),
  };
}

/** The input in channels-last order, checked for rank and a defined channel count. */
function view(c: ConvConfig, x: Shape): { x: Shape; cin: number } {
  requireRank(c.op, x, c.nd + 2);
  const last = toChannelsLast(x, c.channelsFirst);
  const cin = knownDim(c.op, last, -1, 'channel');
  if (c.kind === 'conv' && cin % c.groups !== 0) {
    throw new ShapeError(
      `${c.op}: the number of input channels must be evenly divisible by the number of groups. Received groups=${c.groups}, but the input has ${cin} channels (full input shape is ${showShape(x)})`,
    );
  }
  return { x: last, cin };
}

/** Keras's deconv_output_length. */
function transposeLength(
  len: number,
  k: number,
  padding: string,
  outPad: number | null,
  stride: number,
  dilation: number,
): number {
  const kk = k + (k - 1) * (dilation - 1);
  if (outPad === null) return padding === 'valid' ? len * stride + Math.max(kk - stride, 0) : len * stride;
  const pad = padding === 'same' ? Math.floor(kk / 2) : 0;
  return (len - 1) * stride + kk - 2 * pad + outPad;
}

/** Output spatial sizes. */
function spatialOut(c: ConvConfig, x: Shape): number[] {
  const spatial = x.slice(1, -1);
  const out = spatial.map((len, i) =>
    c.kind === 'transpose'
      ? transposeLength(len, c.kernel[i], c.padding, c.outputPadding?.[i] ?? null, c.strides[i], c.dilation[i])
      : windowOut(len, c.kernel[i], c.padding, c.strides[i], c.dilation[i]),
  );
  if (out.some((d) => d <= 0)) {
    throw new ShapeError(
      `${c.op}: computed output size would be negative: ${showShape([x[0], ...out, 0].slice(0, -1))} from input ${showShape(x)} with kernel_size=${JSON.stringify(c.kernel)}, strides=${JSON.stringify(c.strides)}, padding="${c.padding}"`,
    );
  }
  return out;
}

const prod = (xs: number[]) => xs.reduce((a, b) => a * b, 1);

function weights(c: ConvConfig, cin: number): KWeight[] {
  const k = c.kernel;
  const w = (name: string, shape: number[]): KWeight => ({ name, shape, trainable: true });
  switch (c.kind) {
    case 'conv':
      return [w('kernel', [...k, cin / c.groups, c.filters]), ...(c.bias ? [w('bias', [c.filters])] : [])];
    case 'transpose':
      return [w('kernel', [...k, c.filters, cin]), ...(c.bias ? [w('bias', [c.filters])] : [])];
    case 'depthwise':
      return [w('kernel', [...k, cin, c.depthMultiplier]), ...(c.bias ? [w('bias', [cin * c.depthMultiplier])] : [])];
    case 'separable':
      return [
        w('depthwise_kernel', [...k, cin, c.depthMultiplier]),
        w('pointwise_kernel', [...k.map(() => 1), cin * c.depthMultiplier, c.filters]),
        ...(c.bias ? [w('bias', [c.filters])] : []),
      ];
  }
}

function convSpec(op: string, nd: number, kind: ConvConfig['kind'], args: KArgSpec[]): KerasLayerSpec<ConvConfig> {
  return {
    op,
    args,
    configure: (a) => configure(op, nd, kind, a),
    build: (c, [x]) => weights(c, view(c, x).cin),
    call: (c, inputs) => {
      const { x, cin } = view(c, only(op, inputs));
      const sp = spatialOut(c, x);
      const channels = c.kind === 'depthwise' ? cin * c.depthMultiplier : c.filters;
      const out = [x[0], ...sp, channels];
      const k = prod(c.kernel);
      let macs: number;
      if (c.kind === 'conv') macs = elems(out) * k * (cin / c.groups);
      else if (c.kind === 'transpose') macs = elems(x) * k * c.filters;
      else if (c.kind === 'depthwise') macs = elems(out) * k;
      else macs = elems([x[0], ...sp, cin * c.depthMultiplier]) * k + elems(out) * cin * c.depthMultiplier;
      return {
        outputs: [fromChannelsLast(out, c.channelsFirst)],
        macs,
        extraFlops: biasAndActivation(elems(out), c.bias, c.act),
      };
    },
  };
}

export const CONV_LAYERS: KerasLayerSpec<ConvConfig>[] = [
  convSpec('Conv1D', 1, 'conv', CONV_ARGS),
  convSpec('Conv2D', 2, 'conv', CONV_ARGS),
  convSpec('Conv3D', 3, 'conv', CONV_ARGS),
  convSpec('Conv1DTranspose', 1, 'transpose', TRANSPOSE_ARGS),
  convSpec('Conv2DTranspose', 2, 'transpose', TRANSPOSE_ARGS),
  convSpec('Conv3DTranspose', 3, 'transpose', TRANSPOSE_ARGS),
  convSpec('DepthwiseConv1D', 1, 'depthwise', DEPTHWISE_ARGS),
  convSpec('DepthwiseConv2D', 2, 'depthwise', DEPTHWISE_ARGS),
  convSpec('SeparableConv1D', 1, 'separable', SEPARABLE_ARGS),
  convSpec('SeparableConv2D', 2, 'separable', SEPARABLE_ARGS),
];

/** Aliases Keras exports for the same classes. */
export const CONV_ALIASES: Record<string, string> = {
  Convolution1D: 'Conv1D',
  Convolution2D: 'Conv2D',
  Convolution3D: 'Conv3D',
  Convolution2DTranspose: 'Conv2DTranspose',
  Convolution3DTranspose: 'Conv3DTranspose',
  SeparableConvolution1D: 'SeparableConv1D',
  SeparableConvolution2D: 'SeparableConv2D',
};
