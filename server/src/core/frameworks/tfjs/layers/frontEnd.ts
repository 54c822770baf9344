// The TF.js front end of the shared Keras layers: `tf.layers.<factory>({camelCase options})` is mapped,
// in this one place, onto the Keras layer specs of frameworks/keras/layers (snake_case arguments), which
// compute every layer's weights, output shapes, MACs and FLOPs for both front ends. What differs in
// TF.js lives here too: factory names, option spellings and values, and tfjs's own defaults.
import type { JsValue, LayerV } from '../../../interpreter/typescript/values';
import { type ArgValue, LayerArgError, ShapeError, elementCount } from '../../../layers/layerSpec';
import { KERAS_LAYERS } from '../../keras/layers';
import {
  type KerasLayerSpec,
  type KArg,
  type LayerRef,
  IGNORED_KWARG,
  extraFlopsOf,
  showShape,
} from '../../keras/layers/spec';
import { type TfLayerSpec, type BuildResult, type Shape, LayerOptions, OptionError, OptionUnknown } from './common';

/** How one tf.layers factory maps onto a Keras layer. */
export interface FactoryMapping {
  /** The Keras class whose spec computes the layer. */
  keras: string;
  /** tfjs defaults that differ from Keras's, by Keras argument name. */
  defaults?: Record<string, KArg>;
  /** A configuration tfjs refuses although Keras accepts it: the message, or undefined. */
  refuse?: (args: Record<string, KArg>) => string | undefined;
  /** A check of the input shapes tfjs makes before Keras's own (tfjs Flatten wants rank 3 or more). */
  check?: (inputs: Shape[]) => void;
}

/** tfjs's recurrent cells default to hardSigmoid for their gates (Keras: sigmoid). */
const RECURRENT = { recurrent_activation: 'hard_sigmoid' };

/** Every modelled factory (tfjs's aliases included) and the Keras layer it is. */
export const FACTORY_MAPPINGS: Readonly<Record<string, FactoryMapping>> = {
  dense: { keras: 'Dense' },
  flatten: { keras: 'Flatten', check: (inputs) => minRank('flatten', inputs[0], 3) },
  dropout: { keras: 'Dropout' },
  spatialDropout1d: { keras: 'SpatialDropout1D' },
  alphaDropout: { keras: 'AlphaDropout' },
  gaussianDropout: { keras: 'GaussianDropout' },
  gaussianNoise: { keras: 'GaussianNoise' },
  reshape: { keras: 'Reshape' },
  permute: { keras: 'Permute' },
  repeatVector: { keras: 'RepeatVector' },
  activation: { keras: 'Activation' },
  reLU: { keras: 'ReLU' },
  leakyReLU: { keras: 'LeakyReLU' },
  prelu: { keras: 'PReLU' },
  elu: { keras: 'ELU' },
  softmax: { keras: 'Softmax' },
  embedding: { keras: 'Embedding' },
  batchNormalization: { keras: 'BatchNormalization' },
  layerNormalization: { keras: 'LayerNormalization' },
  conv1d: { keras: 'Conv1D' },
  conv2d: { keras: 'Conv2D' },
  conv3d: { keras: 'Conv3D' },
  conv2dTranspose: { keras: 'Conv2DTranspose' },
  conv3dTranspose: { keras: 'Conv3DTranspose' },
  depthwiseConv2d: { keras: 'DepthwiseConv2D' },
  separableConv2d: { keras: 'SeparableConv2D' },
  maxPooling1d: { keras: 'MaxPooling1D' },
  maxPooling2d: { keras: 'MaxPooling2D' },
  maxPooling3d: { keras: 'MaxPooling3D' },
  averagePooling1d: { keras: 'AveragePooling1D' },
  averagePooling2d: { keras: 'AveragePooling2D' },
  averagePooling3d: { keras: 'AveragePooling3D' },
  globalAveragePooling1d: { keras: 'GlobalAveragePooling1D' },
  globalAveragePooling2d: { keras: 'GlobalAveragePooling2D' },
  globalMaxPooling1d: { keras: 'GlobalMaxPooling1D' },
  globalMaxPooling2d: { keras: 'GlobalMaxPooling2D' },
  upSampling2d: { keras: 'UpSampling2D' },
  zeroPadding2d: { keras: 'ZeroPadding2D' },
  cropping2D: { keras: 'Cropping2D' },
  simpleRNN: { keras: 'SimpleRNN' },
  lstm: { keras: 'LSTM', defaults: RECURRENT },
  gru: {
    keras: 'GRU',
    // tfjs's GRUCell implements reset_after=false only and throws on true.
    defaults: { ...RECURRENT, reset_after: false },
    refuse: (a) =>
      a.reset_after === true
        ? 'GRUCell does not support reset_after parameter set to true (tfjs supports resetAfter: false only)'
        : undefined,
  },
  bidirectional: { keras: 'Bidirectional' },
  timeDistributed: { keras: 'TimeDistributed' },
  concatenate: { keras: 'Concatenate' },
  add: { keras: 'Add' },
  multiply: { keras: 'Multiply' },
  average: { keras: 'Average' },
  maximum: { keras: 'Maximum' },
  minimum: { keras: 'Minimum' },
  dot: { keras: 'Dot' },
  // Aliases tfjs-layers exports.
  maxPool1d: { keras: 'MaxPooling1D' },
  maxPool2d: { keras: 'MaxPooling2D' },
  maxPool3d: { keras: 'MaxPooling3D' },
  avgPool1d: { keras: 'AveragePooling1D' },
  avgPool2d: { keras: 'AveragePooling2D' },
  avgPool3d: { keras: 'AveragePooling3D' },
  avgPooling1d: { keras: 'AveragePooling1D' },
  avgPooling2d: { keras: 'AveragePooling2D' },
  avgPooling3d: { keras: 'AveragePooling3D' },
  globalMaxPool1d: { keras: 'GlobalMaxPooling1D' },
  globalMaxPool2d: { keras: 'GlobalMaxPooling2D' },
};

/** tfjs activation identifiers and the Keras activation each one is. */
export const TFJS_ACTIVATIONS: Readonly<Record<string, string>> = {
  linear: 'linear',
  relu: 'relu',
  relu6: 'relu6',
  elu: 'elu',
  selu: 'selu',
  sigmoid: 'sigmoid',
  hardSigmoid: 'hard_sigmoid',
  tanh: 'tanh',
  softmax: 'softmax',
  softplus: 'softplus',
  softsign: 'softsign',
  swish: 'swish',
  mish: 'mish',
  gelu: 'gelu',
  gelu_new: 'gelu',
  logSoftmax: 'log_softmax',
};

/** Option values spelled differently in tfjs, by Keras argument name. */
const VALUE_SPELLINGS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  data_format: { channelsLast: 'channels_last', channelsFirst: 'channels_first' },
  activation: TFJS_ACTIVATIONS,
  recurrent_activation: TFJS_ACTIVATIONS,
};

/** A spec whose figures come from a Keras layer; `keras` lets wrappers (bidirectional) reach the inner spec. */
export interface KerasBackedSpec<C = unknown> extends TfLayerSpec<C> {
  keras: KerasLayerSpec<C>;
}

/** tfjs's option name for a Keras argument (`kernel_size` → `kernelSize`). */
export function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The spec of a factory, computed by the Keras layer it maps to; undefined for unmapped factories. */
export function kerasBackedSpec(factory: string): KerasBackedSpec | undefined {
  const mapping = Object.prototype.hasOwnProperty.call(FACTORY_MAPPINGS, factory) ? FACTORY_MAPPINGS[factory] : null;
  const keras = mapping ? KERAS_LAYERS[mapping.keras] : undefined;
  if (!mapping || !keras) return undefined;
  return {
    className: keras.op,
    keras,
    multiInput: keras.inputs === 'list',
    configure: (o) => configure(factory, mapping, keras, o),
    build: (config, inputs) => build(mapping, keras, config, inputs),
  };
}

function configure(factory: string, mapping: FactoryMapping, keras: KerasLayerSpec, o: LayerOptions): unknown {
  const args: Record<string, KArg> = {};
  for (const spec of keras.args) {
    const option = camelCase(spec.name);
    if (IGNORED_KWARG.test(spec.name)) {
      // Initializers, regularizers and constraints change no size or cost.
      o.read.add(option);
      args[spec.name] = null;
      continue;
    }
    const given = o.get(option);
    if (given !== undefined) args[spec.name] = toKArg(o, spec.name, option, given);
    else if (mapping.defaults && spec.name in mapping.defaults) args[spec.name] = mapping.defaults[spec.name];
    else if (spec.required)
      throw new OptionError(`${factory}: required option '${option}' is missing`, o.rangeOf(option));
    else args[spec.name] = spec.default ?? null;
  }
  o.bound = args;
  const refused = mapping.refuse?.(args);
  if (refused) throw new OptionError(`${factory}: ${refused}`, o.rangeOf('resetAfter'));
  try {
    return keras.configure(args);
  } catch (e) {
    if (e instanceof LayerArgError) throw new OptionError(`${factory}: ${e.message}`);
    throw e;
  }
}

/** Converts one option value into what the Keras spec reads; unknown values and wrong types throw. */
function toKArg(o: LayerOptions, name: string, option: string, v: JsValue): KArg {
  const fail = (why: string) => new OptionError(`${o.factory}: ${option} ${why}`, o.rangeOf(option));
  switch (v.kind) {
    case 'num':
    case 'bool':
      return v.value;
    case 'null':
    case 'undefined':
      return null;
    case 'str': {
      const spellings = VALUE_SPELLINGS[name];
      if (!spellings) return v.value;
      if (!(v.value in spellings)) {
        if (name.endsWith('activation'))
          throw fail(`is an unknown activation '${v.value}' (tfjs knows ${Object.keys(spellings).join(', ')})`);
        throw fail(`must be one of ${Object.keys(spellings).join(', ')}, got '${v.value}'`);
      }
      return spellings[v.value];
    }
    case 'array': {
      const items = v.items.map((x) => {
        if (x.kind === 'unknown')
          throw new OptionUnknown(`${o.factory}: ${option} is not known statically: ${x.reason}`, x.range);
        return toKArg(o, name, option, x);
      });
      // tfjs repeats a one-element array over every dimension, as Keras does with a number.
      return items.length === 1 && typeof items[0] === 'number' ? items[0] : (items as ArgValue[]);
    }
    case 'layer':
      return layerRef(o, option, v);
    case 'unknown':
      throw new OptionUnknown(`${o.factory}: ${option} is not known statically: ${v.reason}`, v.range);
    default:
      if (name.endsWith('activation'))
        throw new OptionUnknown(
          `${o.factory}: ${option} is a ${v.kind}, which the analysis cannot price`,
          o.rangeOf(option),
        );
      throw fail(`must be a number, a string, a boolean or an array, got a ${v.kind}`);
  }
}

/** A wrapped layer (bidirectional / timeDistributed `layer`) as the Keras wrapper reads it. */
function layerRef(o: LayerOptions, option: string, v: LayerV): LayerRef {
  if (v.reason) throw new OptionUnknown(`${o.factory}: the wrapped ${v.name}: ${v.reason}`, v.reasonRange ?? v.range);
  const keras = (v.spec as KerasBackedSpec | null)?.keras;
  if (!keras)
    throw new OptionError(`${o.factory}: the wrapped layer ${v.className} is not modelled`, o.rangeOf(option));
  return { kind: 'layerRef', spec: keras, config: v.config, name: v.name };
}

function build(mapping: FactoryMapping, keras: KerasLayerSpec, config: unknown, inputs: Shape[]): BuildResult {
  mapping.check?.(inputs);
  try {
    const weights = keras.build(config, inputs);
    const r = keras.call(config, inputs, {});
    const extra = extraFlopsOf(keras.op, r, inputs);
    return {
      output: r.outputs[0],
      ...(r.multi && r.outputs.length > 1 ? { extraOutputs: r.outputs.slice(1) } : {}),
      params: weights.reduce((sum, w) => sum + elementCount(w.shape), 0),
      macs: r.macs,
      flops: extra === null ? null : 2 * r.macs + extra,
    };
  } catch (e) {
    if (e instanceof LayerArgError) throw new OptionError(e.message);
    throw e;
  }
}

function minRank(layer: string, x: Shape | undefined, rank: number): void {
  if (x && x.length < rank)
    throw new ShapeError(
      `${layer} expects an input of at least ${rank} dimensions (expected min_ndim=${rank}, found ndim=${x.length}, shape ${showShape(x)})`,
    );
}
