// tf.layers convolution and pooling: conv1d/2d/3d, conv2dTranspose, depthwiseConv2d,
// separableConv2d, max/average pooling, global pooling, upSampling2d, zeroPadding2d, cropping2D.
// Defaults as tfjs-layers sets them: strides 1, padding 'valid', useBias true, channelsLast,
// pooling poolSize 2 with strides = poolSize.
import {
  type TfLayerSpec,
  type Shape,
  type LayerOptions,
  OptionError,
  elementCount,
  convOutputLength,
  deconvLength,
  expectRank,
  expectPositive,
  readActivation,
  denseFlops,
  channelsLast,
  showShape,
  ShapeError,
} from './common';
import { elementwiseFlops } from '../../../opCosts/opCosts';

interface ConvConfig {
  rank: number;
  filters: number;
  kernel: number[];
  strides: number[];
  padding: string;
  dilation: number[];
  useBias: boolean;
  activation: string | null;
  depthMultiplier: number;
}

function readConv(o: LayerOptions, rank: number, withFilters: boolean): ConvConfig {
  channelsLast(o);
  const padding = o.str('padding', 'valid', rank === 1 ? ['valid', 'same', 'causal'] : ['valid', 'same']);
  return {
    rank,
    filters: withFilters ? o.int('filters') : 0,
    kernel: o.ints('kernelSize', rank),
    strides: o.ints('strides', rank, 1),
    padding,
    dilation: o.ints('dilationRate', rank, 1),
    useBias: o.bool('useBias', true),
    activation: readActivation(o),
    depthMultiplier: o.int('depthMultiplier', 1),
  };
}

function outSpatial(c: ConvConfig, x: Shape, layer: string): number[] {
  const spatial = x.slice(1, -1);
  const out = spatial.map((n, i) => convOutputLength(n, c.kernel[i], c.padding, c.strides[i], c.dilation[i]));
  expectPositive(layer, x, out);
  return out;
}

/** conv1d / conv2d / conv3d: kernel [...k, cin, filters] + bias; MACs = output elements × k·cin. */
function conv(rank: number): TfLayerSpec<ConvConfig> {
  const name = `conv${rank}d`;
  return {
    className: `Conv${rank}D`,
    configure: (o) => readConv(o, rank, true),
    build(c, [x]) {
      expectRank(name, x, rank + 2);
      const cin = x[x.length - 1];
      const out = [x[0], ...outSpatial(c, x, name), c.filters];
      const k = elementCount(c.kernel);
      const macs = elementCount(out) * k * cin;
      return {
        output: out,
        params: k * cin * c.filters + (c.useBias ? c.filters : 0),
        macs,
        flops: denseFlops(macs, elementCount(out), c.useBias, c.activation),
      };
    },
  };
}

export const conv1d = conv(1);
export const conv2d = conv(2);
export const conv3d = conv(3);

/** conv2dTranspose: kernel [kh, kw, filters, cin]; MACs = input elements × filters × kh·kw (torch's convention). */
export const conv2dTranspose: TfLayerSpec<ConvConfig> = {
  className: 'Conv2DTranspose',
  configure: (o) => readConv(o, 2, true),
  build(c, [x]) {
    expectRank('conv2dTranspose', x, 4);
    const cin = x[3];
    const out = [
      x[0],
      deconvLength(x[1], c.strides[0], c.kernel[0], c.padding),
      deconvLength(x[2], c.strides[1], c.kernel[1], c.padding),
      c.filters,
    ];
    const k = elementCount(c.kernel);
    const macs = elementCount(x) * c.filters * k;
    return {
      output: out,
      params: k * c.filters * cin + (c.useBias ? c.filters : 0),
      macs,
      flops: denseFlops(macs, elementCount(out), c.useBias, c.activation),
    };
  },
};

/** depthwiseConv2d: kernel [kh, kw, cin, depthMultiplier] + bias [cin·dm]; MACs = output elements × kh·kw. */
export const depthwiseConv2d: TfLayerSpec<ConvConfig> = {
  className: 'DepthwiseConv2D',
  configure: (o) => readConv(o, 2, false),
  build(c, [x]) {
    expectRank('depthwiseConv2d', x, 4);
    const cin = x[3];
    const ch = cin * c.depthMultiplier;
    const out = [x[0], ...outSpatial(c, x, 'depthwiseConv2d'), ch];
    const k = elementCount(c.kernel);
    const macs = elementCount(out) * k;
    return {
      output: out,
      params: k * ch + (c.useBias ? ch : 0),
      macs,
      flops: denseFlops(macs, elementCount(out), c.useBias, c.activation),
    };
  },
};

/**
 * separableConv2d: depthwise kernel [kh, kw, cin, dm], pointwise [1, 1, cin·dm, filters], bias [filters].
 * MACs = depthwise (batch·out positions·cin·dm·kh·kw) + pointwise (output elements × cin·dm).
 */
export const separableConv2d: TfLayerSpec<ConvConfig> = {
  className: 'SeparableConv2D',
  configure: (o) => readConv(o, 2, true),
  build(c, [x]) {
    expectRank('separableConv2d', x, 4);
    const cin = x[3];
    const mid = cin * c.depthMultiplier;
    const sp = outSpatial(c, x, 'separableConv2d');
    const out = [x[0], ...sp, c.filters];
    const k = elementCount(c.kernel);
    const macs = x[0] * elementCount(sp) * mid * k + elementCount(out) * mid;
    const params = k * mid + mid * c.filters + (c.useBias ? c.filters : 0);
    return { output: out, params, macs, flops: denseFlops(macs, elementCount(out), c.useBias, c.activation) };
  },
};

interface PoolConfig {
  pool: number[];
  strides: number[];
  padding: string;
}

/** max/average pooling 1D/2D/3D: no weights; FLOPs one per input element (the op table's pooling rule). */
function pool(rank: number, mode: 'Max' | 'Average'): TfLayerSpec<PoolConfig> {
  const name = `${mode === 'Max' ? 'maxPooling' : 'averagePooling'}${rank}d`;
  const op = `${mode === 'Max' ? 'MaxPool' : 'AvgPool'}${rank}d`;
  return {
    className: `${mode}Pooling${rank}D`,
    configure(o) {
      if (rank > 1) channelsLast(o);
      const poolSize = o.ints('poolSize', rank, 2);
      return {
        pool: poolSize,
        strides: o.ints('strides', rank, poolSize),
        padding: o.str('padding', 'valid', ['valid', 'same']),
      };
    },
    build(c, [x]) {
      expectRank(name, x, rank + 2);
      const sp = x.slice(1, -1).map((n, i) => convOutputLength(n, c.pool[i], c.padding, c.strides[i]));
      expectPositive(name, x, sp);
      const out = [x[0], ...sp, x[x.length - 1]];
      return { output: out, params: 0, macs: 0, flops: elementwiseFlops(op, elementCount(x), elementCount(out)) ?? 0 };
    },
  };
}

export const maxPooling1d = pool(1, 'Max');
export const maxPooling2d = pool(2, 'Max');
export const maxPooling3d = pool(3, 'Max');
export const averagePooling1d = pool(1, 'Average');
export const averagePooling2d = pool(2, 'Average');
export const averagePooling3d = pool(3, 'Average');

/** Global pooling over the steps (1D) or rows and columns (2D): [batch, ..., C] → [batch, C]. */
function globalPool(rank: number, mode: 'Max' | 'Average'): TfLayerSpec<null> {
  const op = `Adaptive${mode === 'Max' ? 'Max' : 'Avg'}Pool${rank}d`;
  return {
    className: `Global${mode}Pooling${rank}D`,
    configure: (o) => {
      if (rank > 1) channelsLast(o);
      return null;
    },
    build(_c, [x]) {
      expectRank(`global${mode}Pooling${rank}d`, x, rank + 2);
      const out = [x[0], x[x.length - 1]];
      return { output: out, params: 0, macs: 0, flops: elementwiseFlops(op, elementCount(x), elementCount(out)) ?? 0 };
    },
  };
}

export const globalAveragePooling1d = globalPool(1, 'Average');
export const globalAveragePooling2d = globalPool(2, 'Average');
export const globalMaxPooling1d = globalPool(1, 'Max');
export const globalMaxPooling2d = globalPool(2, 'Max');

/** upSampling2d({size = [2, 2], interpolation = 'nearest'}). */
export const upSampling2d: TfLayerSpec<{ size: number[]; bilinear: boolean }> = {
  className: 'UpSampling2D',
  configure: (o) => {
    channelsLast(o);
    return {
      size: o.ints('size', 2, 2),
      bilinear: o.str('interpolation', 'nearest', ['nearest', 'bilinear']) === 'bilinear',
    };
  },
  build(c, [x]) {
    expectRank('upSampling2d', x, 4);
    const out = [x[0], x[1] * c.size[0], x[2] * c.size[1], x[3]];
    return {
      output: out,
      params: 0,
      macs: 0,
      flops: c.bilinear ? (elementwiseFlops('UpsamplingBilinear2d', elementCount(x), elementCount(out)) ?? 0) : 0,
    };
  },
};

/** Reads a 2D padding/cropping option: n, [a, b] or [[top, bottom], [left, right]]. */
function pairs(o: LayerOptions, name: string, dflt: number): number[][] {
  const v = o.get(name);
  if (v === undefined || v.kind === 'null')
    return [
      [dflt, dflt],
      [dflt, dflt],
    ];
  if (v.kind === 'num')
    return [
      [v.value, v.value],
      [v.value, v.value],
    ];
  if (v.kind === 'array' && v.items.length === 2) {
    return v.items.map((item) => {
      if (item.kind === 'num') return [item.value, item.value];
      if (item.kind === 'array' && item.items.length === 2 && item.items.every((z) => z.kind === 'num'))
        return item.items.map((z) => (z as { value: number }).value);
      throw new OptionError(
        `${o.factory}: ${name} must be a number, [a, b] or [[top, bottom], [left, right]]`,
        o.rangeOf(name),
      );
    });
  }
  throw new OptionError(
    `${o.factory}: ${name} must be a number, [a, b] or [[top, bottom], [left, right]]`,
    o.rangeOf(name),
  );
}

/** zeroPadding2d({padding = 1}). */
export const zeroPadding2d: TfLayerSpec<number[][]> = {
  className: 'ZeroPadding2D',
  configure: (o) => {
    channelsLast(o);
    return pairs(o, 'padding', 1);
  },
  build(p, [x]) {
    expectRank('zeroPadding2d', x, 4);
    return { output: [x[0], x[1] + p[0][0] + p[0][1], x[2] + p[1][0] + p[1][1], x[3]], params: 0, macs: 0, flops: 0 };
  },
};

/** cropping2D({cropping}). */
export const cropping2D: TfLayerSpec<number[][]> = {
  className: 'Cropping2D',
  configure: (o) => {
    channelsLast(o);
    if (!o.has('cropping'))
      throw new OptionError("cropping2D: required option 'cropping' is missing", o.rangeOf('cropping'));
    return pairs(o, 'cropping', 0);
  },
  build(p, [x]) {
    expectRank('cropping2D', x, 4);
    const out = [x[0], x[1] - p[0][0] - p[0][1], x[2] - p[1][0] - p[1][1], x[3]];
    if (out[1] <= 0 || out[2] <= 0) throw new ShapeError(`cropping2D crops more than the input ${showShape(x)} has`);
    return { output: out, params: 0, macs: 0, flops: 0 };
  },
};
