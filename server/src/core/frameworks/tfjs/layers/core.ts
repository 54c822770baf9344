// tf.layers core layers: dense, flatten, reshape, permute, repeatVector, dropout and noise layers,
// activation layers, inputLayer, embedding, batchNormalization and layerNormalization.
import {
  type TfLayerSpec,
  type Shape,
  type LayerOptions,
  OptionError,
  ShapeError,
  elementCount,
  showShape,
  readActivation,
  activationFlops,
  denseFlops,
} from './common';
import { elementwiseFlops } from '../../../opCosts/opCosts';

interface DenseConfig {
  units: number;
  activation: string | null;
  useBias: boolean;
}

/** tf.layers.dense: kernel [in, units] + bias [units] on the last axis; MACs = output elements × in. */
export const dense: TfLayerSpec<DenseConfig> = {
  className: 'Dense',
  configure: (o) => ({ units: o.int('units'), activation: readActivation(o), useBias: o.bool('useBias', true) }),
  build(c, [x]) {
    if (x.length < 2) throw new ShapeError(`dense expects an input of at least 2 dimensions, got ${showShape(x)}`);
    const inDim = x[x.length - 1];
    const out = [...x.slice(0, -1), c.units];
    const macs = elementCount(out) * inDim;
    return {
      output: out,
      params: inDim * c.units + (c.useBias ? c.units : 0),
      macs,
      flops: denseFlops(macs, elementCount(out), c.useBias, c.activation),
    };
  },
};

/** tf.layers.flatten: [batch, ...] → [batch, product]; tfjs requires at least 3 dimensions. */
export const flatten: TfLayerSpec<null> = {
  className: 'Flatten',
  configure: () => null,
  build(_c, [x]) {
    if (x.length < 3)
      throw new ShapeError(
        `flatten expects an input of at least 3 dimensions (expected min_ndim=3, found ndim=${x.length})`,
      );
    return { output: [x[0], elementCount(x.slice(1))], params: 0, macs: 0, flops: 0 };
  },
};

/** Layers that are the identity at inference time (dropout and noise). */
function identity(className: string, required?: string): TfLayerSpec<null> {
  return {
    className,
    configure: (o) => {
      if (required) o.num(required);
      return null;
    },
    build: (_c, [x]) => ({ output: [...x], params: 0, macs: 0, flops: 0 }),
  };
}

export const dropout = identity('Dropout', 'rate');
export const spatialDropout1d = identity('SpatialDropout1D', 'rate');
export const alphaDropout = identity('AlphaDropout', 'rate');
export const gaussianDropout = identity('GaussianDropout', 'rate');
export const gaussianNoise = identity('GaussianNoise', 'stddev');

/** tf.layers.inputLayer: declares the input; no work. */
export const inputLayer: TfLayerSpec<null> = {
  className: 'InputLayer',
  configure: () => null,
  build: (_c, [x]) => ({ output: [...x], params: 0, macs: 0, flops: 0 }),
};

/** tf.layers.reshape({targetShape}), one dimension may be -1. */
export const reshape: TfLayerSpec<{ target: number[] }> = {
  className: 'Reshape',
  configure(o) {
    const target = o.shape('targetShape');
    if (!target) throw new OptionError("reshape: required option 'targetShape' is missing", o.rangeOf('targetShape'));
    if (target.filter((d) => d === -1).length > 1)
      throw new OptionError('reshape: can only specify one unknown dimension (-1)', o.rangeOf('targetShape'));
    return { target: target as number[] };
  },
  build(c, [x]) {
    const total = elementCount(x.slice(1));
    const known = elementCount(c.target.filter((d) => d !== -1));
    const out = c.target.map((d) => (d === -1 ? total / known : d));
    if (!out.every((d) => Number.isInteger(d) && d > 0) || elementCount(out) !== total) {
      throw new ShapeError(
        `reshape: total size of the new array must be unchanged (input ${showShape(x)}, targetShape [${c.target.join(',')}])`,
      );
    }
    return { output: [x[0], ...out], params: 0, macs: 0, flops: 0 };
  },
};

/** tf.layers.permute({dims}) with 1-based dims over the non-batch axes. */
export const permute: TfLayerSpec<{ dims: number[] }> = {
  className: 'Permute',
  configure(o) {
    const dims = o.shape('dims');
    if (!dims) throw new OptionError("permute: required option 'dims' is missing", o.rangeOf('dims'));
    return { dims: dims as number[] };
  },
  build(c, [x]) {
    const sorted = [...c.dims].sort((a, b) => a - b);
    if (c.dims.length !== x.length - 1 || sorted.some((d, i) => d !== i + 1))
      throw new ShapeError(`permute: dims [${c.dims.join(',')}] do not match input ${showShape(x)}`);
    return { output: [x[0], ...c.dims.map((d) => x[d])], params: 0, macs: 0, flops: 0 };
  },
};

/** tf.layers.repeatVector({n}): [batch, d] → [batch, n, d]. */
export const repeatVector: TfLayerSpec<{ n: number }> = {
  className: 'RepeatVector',
  configure: (o) => ({ n: o.int('n') }),
  build(c, [x]) {
    if (x.length !== 2) throw new ShapeError(`repeatVector expects a 2D input, got ${showShape(x)}`);
    return { output: [x[0], c.n, x[1]], params: 0, macs: 0, flops: 0 };
  },
};

/** tf.layers.activation({activation}). */
export const activation: TfLayerSpec<{ act: string | null }> = {
  className: 'Activation',
  configure(o) {
    if (!o.has('activation'))
      throw new OptionError("activation: required option 'activation' is missing", o.rangeOf('activation'));
    return { act: readActivation(o) };
  },
  build: (c, [x]) => ({ output: [...x], params: 0, macs: 0, flops: activationFlops(c.act, elementCount(x)) }),
};

/** Standalone activation layers, priced through the op table entry of the matching torch class. */
function activationLayer(className: string, op: string): TfLayerSpec<null> {
  return {
    className,
    configure: () => null,
    build: (_c, [x]) => ({
      output: [...x],
      params: 0,
      macs: 0,
      flops: elementwiseFlops(op, elementCount(x), elementCount(x)) ?? 0,
    }),
  };
}

export const reLU = activationLayer('ReLU', 'ReLU');
export const leakyReLU = activationLayer('LeakyReLU', 'LeakyReLU');
export const elu = activationLayer('ELU', 'ELU');
export const softmax = activationLayer('Softmax', 'Softmax');
export const thresholdedReLU = activationLayer('ThresholdedReLU', 'Threshold');

interface EmbeddingConfig {
  inputDim: number;
  outputDim: number;
}

/** tf.layers.embedding: a table [inputDim, outputDim]; the lookup does no arithmetic. */
export const embedding: TfLayerSpec<EmbeddingConfig> = {
  className: 'Embedding',
  configure: (o) => ({ inputDim: o.int('inputDim'), outputDim: o.int('outputDim') }),
  build: (c, [x]) => ({ output: [...x, c.outputDim], params: c.inputDim * c.outputDim, macs: 0, flops: 0 }),
};

interface NormConfig {
  axis: number;
  center: boolean;
  scale: boolean;
}

function normAxis(x: Shape, axis: number, layer: string): number {
  const a = axis < 0 ? x.length + axis : axis;
  if (a <= 0 || a >= x.length) throw new ShapeError(`${layer}: axis ${axis} is out of range for input ${showShape(x)}`);
  return x[a];
}

function readNorm(o: LayerOptions): NormConfig {
  const axis = o.num('axis', -1);
  if (!Number.isInteger(axis)) throw new OptionError(`${o.factory}: axis must be an integer`, o.rangeOf('axis'));
  return { axis, center: o.bool('center', true), scale: o.bool('scale', true) };
}

/** tf.layers.batchNormalization: gamma, beta, moving mean and variance per channel (summary counts all four). */
export const batchNormalization: TfLayerSpec<NormConfig> = {
  className: 'BatchNormalization',
  configure: readNorm,
  build(c, [x]) {
    const ch = normAxis(x, c.axis, 'batchNormalization');
    const params = ch * (2 + (c.center ? 1 : 0) + (c.scale ? 1 : 0));
    return {
      output: [...x],
      params,
      macs: 0,
      flops: elementwiseFlops('BatchNorm2d', elementCount(x), elementCount(x)) ?? 0,
    };
  },
};

/** tf.layers.layerNormalization: gamma and beta over the last axis. */
export const layerNormalization: TfLayerSpec<NormConfig> = {
  className: 'LayerNormalization',
  configure: readNorm,
  build(c, [x]) {
    const ch = normAxis(x, c.axis, 'layerNormalization');
    return {
      output: [...x],
      params: ch * ((c.center ? 1 : 0) + (c.scale ? 1 : 0)),
      macs: 0,
      flops: elementwiseFlops('LayerNorm', elementCount(x), elementCount(x)) ?? 0,
    };
  },
};
