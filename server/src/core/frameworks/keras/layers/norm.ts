// keras.layers normalisation: BatchNormalization (gamma, beta + moving mean/variance, all four in
// summary()'s total), LayerNormalization, GroupNormalization and UnitNormalization.
import {
  type KerasLayerSpec,
  type KArgSpec,
  type KArg,
  type Shape,
  type KWeight,
  boolOf,
  posInt,
  only,
  elems,
  showShape,
  LayerArgError,
  ShapeError,
} from './spec';

interface NormConfig {
  op: string;
  axes: number[];
  center: boolean;
  scale: boolean;
  rms?: boolean;
  groups?: number;
}

const slots = (...ws: string[]): KArgSpec[] =>
  ws.flatMap((w) => [
    { name: `${w}_initializer`, default: null },
    { name: `${w}_regularizer`, default: null },
    { name: `${w}_constraint`, default: null },
  ]);

/** Reads `axis`: an int or a list of ints. */
function axesOf(a: Record<string, KArg>): number[] {
  const v = a.axis;
  if (typeof v === 'number' && Number.isInteger(v)) return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isInteger(x)))
    return v as number[];
  throw new LayerArgError(
    `Expected an int or a list/tuple of ints for the argument 'axis', but received: ${JSON.stringify(v)}`,
  );
}

/** The dimensions at the configured axes (the shape of gamma and beta). */
function paramShape(c: NormConfig, x: Shape): number[] {
  const dims = c.axes.map((ax) => {
    const i = ax < 0 ? ax + x.length : ax;
    if (i <= 0 || i >= x.length)
      throw new ShapeError(`${c.op}: axis ${ax} is out of bounds for an input of rank ${x.length} ${showShape(x)}`);
    return x[i];
  });
  if (dims.some((d) => !Number.isFinite(d)))
    throw new ShapeError(`${c.op}: axis ${JSON.stringify(c.axes)} of input shape ${showShape(x)} must be defined`);
  return dims;
}

const weight = (name: string, shape: number[], trainable = true): KWeight => ({ name, shape, trainable });

/** BatchNormalization: gamma and beta (trainable) plus moving_mean and moving_variance (not). */
const BatchNormalization: KerasLayerSpec<NormConfig> = {
  op: 'BatchNormalization',
  args: [
    { name: 'axis', default: -1 },
    { name: 'momentum', default: 0.99 },
    { name: 'epsilon', default: 0.001 },
    { name: 'center', default: true },
    { name: 'scale', default: true },
    ...slots('beta', 'gamma'),
    { name: 'moving_mean_initializer', default: null },
    { name: 'moving_variance_initializer', default: null },
    { name: 'synchronized', default: false },
    { name: 'renorm', default: false },
    { name: 'fused', default: null },
  ],
  configure: (a) => ({
    op: 'BatchNormalization',
    axes: axesOf(a),
    center: boolOf(a, 'center'),
    scale: boolOf(a, 'scale'),
  }),
  build: (c, [x]) => {
    const s = paramShape(c, x);
    return [
      ...(c.scale ? [weight('gamma', s)] : []),
      ...(c.center ? [weight('beta', s)] : []),
      weight('moving_mean', s, false),
      weight('moving_variance', s, false),
    ];
  },
  call: (_c, inputs) => ({ outputs: [only('BatchNormalization', inputs)], macs: 0 }),
};

/** LayerNormalization: gamma and beta over the normalised axes (only gamma with rms_scaling). */
const LayerNormalization: KerasLayerSpec<NormConfig> = {
  op: 'LayerNormalization',
  args: [
    { name: 'axis', default: -1 },
    { name: 'epsilon', default: 0.001 },
    { name: 'center', default: true },
    { name: 'scale', default: true },
    { name: 'rms_scaling', default: false },
    ...slots('beta', 'gamma'),
  ],
  configure: (a) => ({
    op: 'LayerNormalization',
    axes: axesOf(a),
    center: boolOf(a, 'center'),
    scale: boolOf(a, 'scale'),
    rms: boolOf(a, 'rms_scaling'),
  }),
  build: (c, [x]) => {
    const s = paramShape(c, x);
    if (c.rms) return [weight('gamma', s)];
    return [...(c.scale ? [weight('gamma', s)] : []), ...(c.center ? [weight('beta', s)] : [])];
  },
  call: (_c, inputs) => ({ outputs: [only('LayerNormalization', inputs)], macs: 0 }),
};

/** GroupNormalization(groups): gamma and beta per channel; channels must divide into groups. */
const GroupNormalization: KerasLayerSpec<NormConfig> = {
  op: 'GroupNormalization',
  args: [
    { name: 'groups', default: 32 },
    { name: 'axis', default: -1 },
    { name: 'epsilon', default: 0.001 },
    { name: 'center', default: true },
    { name: 'scale', default: true },
    ...slots('beta', 'gamma'),
  ],
  configure: (a) => ({
    op: 'GroupNormalization',
    axes: axesOf(a),
    center: boolOf(a, 'center'),
    scale: boolOf(a, 'scale'),
    groups: posInt(a, 'groups'),
  }),
  build: (c, [x]) => {
    const s = paramShape(c, x);
    if (s[0] % c.groups! !== 0)
      throw new ShapeError(
        `GroupNormalization: number of groups (${c.groups}) must be a multiple of the number of channels (${s[0]})`,
      );
    return [...(c.scale ? [weight('gamma', s)] : []), ...(c.center ? [weight('beta', s)] : [])];
  },
  call: (_c, inputs) => ({ outputs: [only('GroupNormalization', inputs)], macs: 0 }),
};

/** UnitNormalization: x / ||x|| along axis; no weights. */
const UnitNormalization: KerasLayerSpec<null> = {
  op: 'UnitNormalization',
  args: [{ name: 'axis', default: -1 }],
  configure: () => null,
  build: () => [],
  call: (_c, inputs) => ({ outputs: [only('UnitNormalization', inputs)], macs: 0, extraFlops: 3 * elems(inputs[0]) }),
};

export const NORM_LAYERS: KerasLayerSpec<any>[] = [
  BatchNormalization,
  LayerNormalization,
  GroupNormalization,
  UnitNormalization,
];
