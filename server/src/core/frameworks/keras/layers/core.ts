// keras.layers core layers: Dense, Embedding, activations, dropout and noise, and the reshaping
// layers (Flatten, Reshape, Permute, RepeatVector) plus shape-only preprocessing layers.
import {
  type KerasLayerSpec,
  type KArgSpec,
  type KArg,
  type Shape,
  type KForward,
  posInt,
  boolOf,
  only,
  requireMinRank,
  requireRank,
  knownDim,
  elems,
  showShape,
  show,
  LayerArgError,
  ShapeError,
} from './spec';
import { readActivation, biasAndActivation, activationFlops, type Activation as Act } from './activations';

/** Initializer / regularizer / constraint slots, accepted positionally and ignored. */
const WEIGHT_SLOTS = (w: string): KArgSpec[] => [
  { name: `${w}_initializer`, default: null },
  { name: `${w}_regularizer`, default: null },
  { name: `${w}_constraint`, default: null },
];

/** A layer without weights whose output shape follows from its input by `out`. */
export function shapeLayer<C>(
  op: string,
  args: KArgSpec[],
  configure: (a: Record<string, KArg>) => C,
  out: (c: C, x: Shape) => Shape,
): KerasLayerSpec<C> {
  return {
    op,
    args,
    configure,
    build: () => [],
    call: (c, inputs): KForward => ({ outputs: [out(c, only(op, inputs))], macs: 0 }),
  };
}

/** A layer that returns its input unchanged at inference (dropout, noise, augmentation). */
function identity(op: string, args: KArgSpec[]): KerasLayerSpec<null> {
  return shapeLayer(
    op,
    args,
    () => null,
    (_c, x) => x,
  );
}

interface DenseConfig {
  units: number;
  act: Act;
  bias: boolean;
}

/** Dense: kernel (in, units) + bias (units); MACs = output elements × in. */
export const Dense: KerasLayerSpec<DenseConfig> = {
  op: 'Dense',
  args: [
    { name: 'units', required: true },
    { name: 'activation', default: null },
    { name: 'use_bias', default: true },
    ...WEIGHT_SLOTS('kernel'),
    ...WEIGHT_SLOTS('bias'),
    { name: 'lora_rank', default: null },
  ],
  configure: (a) => ({ units: posInt(a, 'units'), act: readActivation(a.activation), bias: boolOf(a, 'use_bias') }),
  build: (c, [x]) => {
    requireMinRank('Dense', x, 2);
    const fin = knownDim('Dense', x, -1, 'last');
    return [
      { name: 'kernel', shape: [fin, c.units], trainable: true },
      ...(c.bias ? [{ name: 'bias', shape: [c.units], trainable: true }] : []),
    ];
  },
  call: (c, inputs) => {
    const x = only('Dense', inputs);
    const fin = knownDim('Dense', x, -1, 'last');
    const out = [...x.slice(0, -1), c.units];
    return { outputs: [out], macs: elems(out) * fin, extraFlops: biasAndActivation(elems(out), c.bias, c.act) };
  },
};

interface EmbeddingConfig {
  inputDim: number;
  outputDim: number;
}

/** Embedding: a (input_dim, output_dim) table; output appends output_dim; a lookup, no MACs. */
export const Embedding: KerasLayerSpec<EmbeddingConfig> = {
  op: 'Embedding',
  args: [
    { name: 'input_dim', required: true },
    { name: 'output_dim', required: true },
    ...WEIGHT_SLOTS('embeddings'),
    { name: 'mask_zero', default: false },
    { name: 'weights', default: null },
    { name: 'lora_rank', default: null },
  ],
  configure: (a) => ({ inputDim: posInt(a, 'input_dim'), outputDim: posInt(a, 'output_dim') }),
  build: (c) => [{ name: 'embeddings', shape: [c.inputDim, c.outputDim], trainable: true }],
  call: (c, inputs) => ({ outputs: [[...only('Embedding', inputs), c.outputDim]], macs: 0 }),
};

interface ActivationConfig {
  act: Act;
}

/** Activation(name): the activation's FLOPs per element. */
export const Activation: KerasLayerSpec<ActivationConfig> = {
  op: 'Activation',
  args: [{ name: 'activation', required: true }],
  configure: (a) => ({ act: readActivation(a.activation) }),
  build: () => [],
  call: (c, inputs) => {
    const x = only('Activation', inputs);
    return { outputs: [x], macs: 0, extraFlops: activationFlops(c.act, elems(x)) };
  },
};

/** Activation layers with their own class; priced by the torch activation of the same maths. */
const ReLU = shapeLayer(
  'ReLU',
  [
    { name: 'max_value', default: null },
    { name: 'negative_slope', default: 0 },
    { name: 'threshold', default: 0 },
  ],
  () => null,
  (_c, x) => x,
);
const LeakyReLU = shapeLayer(
  'LeakyReLU',
  [
    { name: 'negative_slope', default: 0.3 },
    { name: 'alpha', default: null },
  ],
  () => null,
  (_c, x) => x,
);
const ELU = shapeLayer(
  'ELU',
  [{ name: 'alpha', default: 1 }],
  () => null,
  (_c, x) => x,
);
const Softmax = shapeLayer(
  'Softmax',
  [{ name: 'axis', default: -1 }],
  () => null,
  (_c, x) => x,
);

interface PReluConfig {
  shared: number[];
}

/** PReLU: one slope per input element except the batch (and shared axes, 1-based). */
const PReLU: KerasLayerSpec<PReluConfig> = {
  op: 'PReLU',
  args: [...WEIGHT_SLOTS('alpha'), { name: 'shared_axes', default: null }],
  configure: (a) => {
    const s = a.shared_axes;
    const shared = s === null ? [] : typeof s === 'number' ? [s] : Array.isArray(s) ? (s as number[]) : [];
    return { shared };
  },
  build: (c, [x]) => {
    const shape = x.slice(1).map((d, i) => (c.shared.includes(i + 1) ? 1 : d));
    if (shape.some((d) => !Number.isFinite(d)))
      throw new ShapeError(`PReLU: every non-shared dimension must be defined, got ${showShape(x)}`);
    return [{ name: 'alpha', shape, trainable: true }];
  },
  call: (_c, inputs) => ({ outputs: [only('PReLU', inputs)], macs: 0 }),
};

const rate: KArgSpec = { name: 'rate', required: true };

/** Flatten: everything after the batch in one dimension. */
const Flatten = shapeLayer(
  'Flatten',
  [{ name: 'data_format', default: null }],
  () => null,
  (_c, x) => [x[0], elems(x.slice(1))],
);

/** Reshape(target_shape): the batch kept, the rest reshaped (one -1 inferred). */
const Reshape = shapeLayer(
  'Reshape',
  [{ name: 'target_shape', required: true }],
  (a) => {
    const t = a.target_shape;
    if (!Array.isArray(t) || !t.every((d) => typeof d === 'number' && Number.isInteger(d) && (d > 0 || d === -1))) {
      throw new LayerArgError(`target_shape must be a tuple of ints, got ${show(t)}`);
    }
    return t as number[];
  },
  (target, x) => {
    const total = elems(x.slice(1));
    const known = target.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
    const free = target.filter((d) => d === -1).length;
    if (free > 1) throw new ShapeError('Reshape: there can only be one unknown dimension (-1) in target_shape');
    if (Number.isFinite(total) && (free ? total % known !== 0 : total !== known)) {
      throw new ShapeError(
        `Reshape: total size of new array must be unchanged, input_shape = ${showShape(x.slice(1))}, output_shape = ${showShape(target)}`,
      );
    }
    return [x[0], ...target.map((d) => (d === -1 ? total / known : d))];
  },
);

/** Permute(dims): dims are 1-based over the non-batch axes. */
const Permute = shapeLayer(
  'Permute',
  [{ name: 'dims', required: true }],
  (a) => {
    const d = a.dims;
    if (!Array.isArray(d) || [...d].sort().some((v, i) => v !== i + 1))
      throw new LayerArgError(`Invalid permutation argument \`dims\`: ${show(d)}`);
    return d as number[];
  },
  (dims, x) => {
    if (dims.length !== x.length - 1)
      throw new ShapeError(`Permute: dims ${show(dims)} do not match input ${showShape(x)}`);
    return [x[0], ...dims.map((d) => x[d])];
  },
);

/** RepeatVector(n): (N, F) → (N, n, F). */
const RepeatVector = shapeLayer(
  'RepeatVector',
  [{ name: 'n', required: true }],
  (a) => posInt(a, 'n'),
  (n, x) => {
    requireRank('RepeatVector', x, 2);
    return [x[0], n, x[1]];
  },
);

/** Resizing / CenterCrop / RandomCrop: (N, H, W, C) → (N, height, width, C). */
function resizeTo(op: string, extra: KArgSpec[]): KerasLayerSpec<number[]> {
  return shapeLayer(
    op,
    [{ name: 'height', required: true }, { name: 'width', required: true }, ...extra],
    (a) => [posInt(a, 'height'), posInt(a, 'width')],
    ([h, w], x) => {
      requireMinRank(op, x, 3);
      return [...x.slice(0, -3), h, w, x[x.length - 1]];
    },
  );
}

/** Rescaling(scale, offset): x * scale + offset, 2 FLOPs per element. */
const Rescaling = shapeLayer(
  'Rescaling',
  [
    { name: 'scale', required: true },
    { name: 'offset', default: 0 },
  ],
  () => null,
  (_c, x) => x,
);

export const CORE_LAYERS: KerasLayerSpec<any>[] = [
  Dense,
  Embedding,
  Activation,
  ReLU,
  LeakyReLU,
  ELU,
  Softmax,
  PReLU,
  Flatten,
  Reshape,
  Permute,
  RepeatVector,
  Rescaling,
  identity('Dropout', [rate, { name: 'noise_shape', default: null }, { name: 'seed', default: null }]),
  identity('SpatialDropout1D', [rate, { name: 'seed', default: null }]),
  identity('SpatialDropout2D', [rate, { name: 'data_format', default: null }, { name: 'seed', default: null }]),
  identity('SpatialDropout3D', [rate, { name: 'data_format', default: null }, { name: 'seed', default: null }]),
  identity('GaussianNoise', [
    { name: 'stddev', required: true },
    { name: 'seed', default: null },
  ]),
  identity('GaussianDropout', [rate, { name: 'seed', default: null }]),
  identity('AlphaDropout', [rate, { name: 'noise_shape', default: null }, { name: 'seed', default: null }]),
  identity('ActivityRegularization', [
    { name: 'l1', default: 0 },
    { name: 'l2', default: 0 },
  ]),
  identity('Identity', []),
  identity('Masking', [{ name: 'mask_value', default: 0 }]),
  identity('RandomFlip', [
    { name: 'mode', default: 'horizontal_and_vertical' },
    { name: 'seed', default: null },
  ]),
  identity('RandomRotation', [
    { name: 'factor', required: true },
    { name: 'fill_mode', default: 'reflect' },
    { name: 'interpolation', default: 'bilinear' },
    { name: 'seed', default: null },
  ]),
  identity('RandomZoom', [
    { name: 'height_factor', required: true },
    { name: 'width_factor', default: null },
    { name: 'fill_mode', default: 'reflect' },
    { name: 'interpolation', default: 'bilinear' },
    { name: 'seed', default: null },
  ]),
  identity('RandomTranslation', [
    { name: 'height_factor', required: true },
    { name: 'width_factor', required: true },
    { name: 'fill_mode', default: 'reflect' },
    { name: 'interpolation', default: 'bilinear' },
    { name: 'seed', default: null },
  ]),
  identity('RandomContrast', [
    { name: 'factor', required: true },
    { name: 'seed', default: null },
  ]),
  identity('RandomBrightness', [
    { name: 'factor', required: true },
    { name: 'value_range', default: [0, 255] },
    { name: 'seed', default: null },
  ]),
  resizeTo('Resizing', [
    { name: 'interpolation', default: 'bilinear' },
    { name: 'crop_to_aspect_ratio', default: false },
  ]),
  resizeTo('CenterCrop', [{ name: 'data_format', default: null }]),
  resizeTo('RandomCrop', [{ name: 'seed', default: null }]),
];
