// The tf.layers factories WattLens models, by the name code calls them with (tf.layers.<factory>),
// including the aliases tfjs exports (avgPool2d, globalMaxPool2d, ...).
import type { TfLayerSpec } from './common';
import * as core from './core';
import * as conv from './conv';
import * as rec from './recurrent';
import * as merge from './merge';

const FACTORIES: Record<string, TfLayerSpec<any>> = {
  ...pick(core, [
    'dense',
    'flatten',
    'dropout',
    'spatialDropout1d',
    'alphaDropout',
    'gaussianDropout',
    'gaussianNoise',
    'inputLayer',
    'reshape',
    'permute',
    'repeatVector',
    'activation',
    'reLU',
    'leakyReLU',
    'elu',
    'softmax',
    'thresholdedReLU',
    'embedding',
    'batchNormalization',
    'layerNormalization',
  ]),
  ...pick(conv, [
    'conv1d',
    'conv2d',
    'conv3d',
    'conv2dTranspose',
    'depthwiseConv2d',
    'separableConv2d',
    'maxPooling1d',
    'maxPooling2d',
    'maxPooling3d',
    'averagePooling1d',
    'averagePooling2d',
    'averagePooling3d',
    'globalAveragePooling1d',
    'globalAveragePooling2d',
    'globalMaxPooling1d',
    'globalMaxPooling2d',
    'upSampling2d',
    'zeroPadding2d',
    'cropping2D',
  ]),
  ...pick(rec, ['simpleRNN', 'lstm', 'gru', 'bidirectional', 'timeDistributed']),
  ...pick(merge, ['concatenate', 'add', 'multiply', 'average', 'maximum', 'minimum']),
  // Aliases exported by tfjs-layers.
  maxPool1d: conv.maxPooling1d,
  maxPool2d: conv.maxPooling2d,
  maxPool3d: conv.maxPooling3d,
  avgPool1d: conv.averagePooling1d,
  avgPool2d: conv.averagePooling2d,
  avgPool3d: conv.averagePooling3d,
  avgPooling1d: conv.averagePooling1d,
  avgPooling2d: conv.averagePooling2d,
  avgPooling3d: conv.averagePooling3d,
  globalMaxPool1d: conv.globalMaxPooling1d,
  globalMaxPool2d: conv.globalMaxPooling2d,
};

function pick(mod: Record<string, unknown>, names: string[]): Record<string, TfLayerSpec<any>> {
  return Object.fromEntries(names.map((n) => [n, mod[n] as TfLayerSpec<any>]));
}

/** The spec behind `tf.layers.<factory>`, or undefined for a factory WattLens does not model. */
export function layerSpec(factory: string): TfLayerSpec<unknown> | undefined {
  return Object.prototype.hasOwnProperty.call(FACTORIES, factory) ? FACTORIES[factory] : undefined;
}

/** Every modelled factory name. */
export function layerFactories(): string[] {
  return Object.keys(FACTORIES);
}

/** tfjs's generic_utils.toSnakeCase, which names layers (`MaxPooling2D` → `max_pooling2d`). */
export function toSnakeCase(name: string): string {
  const intermediate = name.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2');
  const insecure = intermediate.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return insecure[0] !== '_' ? insecure : `private${insecure}`;
}
