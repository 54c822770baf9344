// keras.layers pooling and spatial reshaping (channels-last): Max/AveragePooling1D-3D, Global
// pooling, UpSampling, ZeroPadding and Cropping. No weights, no MACs; pooling FLOPs = window × output.
import {
  type KerasLayerSpec,
  type KArgSpec,
  type KArg,
  intTupleArg,
  choice,
  channelsFirst,
  requireRank,
  only,
  elems,
  windowOut,
  showShape,
  toChannelsLast,
  fromChannelsLast,
  LayerArgError,
  ShapeError,
} from './spec';
import { shapeLayer } from './core';

interface PoolConfig {
  op: string;
  nd: number;
  pool: number[];
  strides: number[];
  padding: string;
  first: boolean;
}

const POOL_ARGS: KArgSpec[] = [
  { name: 'pool_size', default: 2 },
  { name: 'strides', default: null },
  { name: 'padding', default: 'valid' },
  { name: 'data_format', default: null },
];

function poolSpec(op: string, nd: number): KerasLayerSpec<PoolConfig> {
  return {
    op,
    args: POOL_ARGS,
    configure: (a) => {
      const pool = intTupleArg(a, 'pool_size', nd);
      const strides = a.strides === null ? pool : intTupleArg(a, 'strides', nd);
      return { op, nd, pool, strides, padding: choice(a, 'padding', ['valid', 'same']), first: channelsFirst(a) };
    },
    build: () => [],
    call: (c, inputs) => {
      const x0 = only(op, inputs);
      requireRank(op, x0, nd + 2);
      const x = toChannelsLast(x0, c.first);
      const sp = x.slice(1, -1).map((len, i) => windowOut(len, c.pool[i], c.padding, c.strides[i]));
      if (sp.some((d) => d <= 0))
        throw new ShapeError(
          `${op}: computed output size would be negative for input ${showShape(x0)} with pool_size=${JSON.stringify(c.pool)}`,
        );
      const out = [x[0], ...sp, x[x.length - 1]];
      return {
        outputs: [fromChannelsLast(out, c.first)],
        macs: 0,
        extraFlops: elems(out) * c.pool.reduce((p, k) => p * k, 1),
      };
    },
  };
}

interface GlobalConfig {
  first: boolean;
  keepdims: boolean;
}

/** Global pooling: (N, *spatial, C) → (N, C), or (N, 1.., C) with keepdims; one op per input element. */
function globalSpec(op: string, nd: number): KerasLayerSpec<GlobalConfig> {
  return {
    op,
    args: [
      { name: 'data_format', default: null },
      { name: 'keepdims', default: false },
    ],
    configure: (a) => ({ first: channelsFirst(a), keepdims: a.keepdims === true }),
    build: () => [],
    call: (c, inputs) => {
      const x0 = only(op, inputs);
      requireRank(op, x0, nd + 2);
      const x = toChannelsLast(x0, c.first);
      const ch = x[x.length - 1];
      const out = c.keepdims ? fromChannelsLast([x[0], ...x.slice(1, -1).map(() => 1), ch], c.first) : [x[0], ch];
      return { outputs: [out], macs: 0, extraFlops: elems(x) };
    },
  };
}

/** Reads UpSampling's `size` / ZeroPadding's and Cropping's `padding`/`cropping` as per-dimension pairs. */
function pairs(v: KArg, nd: number, name: string): [number, number][] {
  const bad = () =>
    new LayerArgError(
      `\`${name}\` should be an int, a tuple of ${nd} ints or a tuple of ${nd} tuples of 2 ints, got ${JSON.stringify(v)}`,
    );
  if (typeof v === 'number') return Array.from({ length: nd }, () => [v, v]);
  if (!Array.isArray(v)) throw bad();
  if (nd === 1 && v.length === 2 && v.every((x) => typeof x === 'number')) return [[v[0] as number, v[1] as number]];
  if (v.length !== nd) throw bad();
  return v.map((p) => {
    if (typeof p === 'number') return [p, p] as [number, number];
    if (Array.isArray(p) && p.length === 2 && p.every((x) => typeof x === 'number'))
      return [p[0] as number, p[1] as number];
    throw bad();
  });
}

function padSpec(
  op: string,
  nd: number,
  name: 'padding' | 'cropping',
  sign: 1 | -1,
): KerasLayerSpec<{ p: [number, number][]; first: boolean }> {
  return shapeLayer(
    op,
    [
      { name, default: name === 'cropping' && nd > 1 ? 0 : 1 },
      { name: 'data_format', default: null },
    ],
    (a) => ({ p: pairs(a[name], nd, name), first: nd > 1 && channelsFirst(a) }),
    (c, x0) => {
      requireRank(op, x0, nd + 2);
      const x = toChannelsLast(x0, c.first);
      const sp = x.slice(1, -1).map((len, i) => len + sign * (c.p[i][0] + c.p[i][1]));
      if (sp.some((d) => d <= 0))
        throw new ShapeError(`${op}: ${name} ${JSON.stringify(c.p)} leaves nothing of input ${showShape(x0)}`);
      return fromChannelsLast([x[0], ...sp, x[x.length - 1]], c.first);
    },
  );
}

function upSpec(op: string, nd: number): KerasLayerSpec<{ size: number[]; first: boolean }> {
  return shapeLayer(
    op,
    [
      { name: 'size', default: 2 },
      { name: 'data_format', default: null },
      { name: 'interpolation', default: 'nearest' },
    ],
    (a) => ({ size: intTupleArg(a, 'size', nd), first: nd > 1 && channelsFirst(a) }),
    (c, x0) => {
      requireRank(op, x0, nd + 2);
      const x = toChannelsLast(x0, c.first);
      return fromChannelsLast([x[0], ...x.slice(1, -1).map((len, i) => len * c.size[i]), x[x.length - 1]], c.first);
    },
  );
}

export const POOLING_LAYERS: KerasLayerSpec<any>[] = [
  ...[1, 2, 3].flatMap((n) => [
    poolSpec(`MaxPooling${n}D`, n),
    poolSpec(`AveragePooling${n}D`, n),
    globalSpec(`GlobalAveragePooling${n}D`, n),
    globalSpec(`GlobalMaxPooling${n}D`, n),
    upSpec(`UpSampling${n}D`, n),
    padSpec(`ZeroPadding${n}D`, n, 'padding', 1),
    padSpec(`Cropping${n}D`, n, 'cropping', -1),
  ]),
];

/** Aliases Keras exports for the same classes. */
export const POOLING_ALIASES: Record<string, string> = Object.fromEntries(
  [1, 2, 3].flatMap((n) => [
    [`MaxPool${n}D`, `MaxPooling${n}D`],
    [`AvgPool${n}D`, `AveragePooling${n}D`],
    [`GlobalAvgPool${n}D`, `GlobalAveragePooling${n}D`],
    [`GlobalMaxPool${n}D`, `GlobalMaxPooling${n}D`],
  ]),
);
