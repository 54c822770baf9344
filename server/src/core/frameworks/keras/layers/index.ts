// The registry of built-in Keras layers by class name (with Keras's aliases), as keras.layers exposes them.
import type { KerasLayerSpec } from './spec';
import { CORE_LAYERS } from './core';
import { CONV_LAYERS, CONV_ALIASES } from './conv';
import { POOLING_LAYERS, POOLING_ALIASES } from './pooling';
import { NORM_LAYERS } from './norm';
import { RECURRENT_LAYERS } from './recurrent';
import { ATTENTION_LAYERS } from './attention';
import { MERGE_LAYERS } from './merge';
import { WRAPPER_LAYERS } from './wrappers';

/** Every built-in layer spec, keyed by its Keras class name. */
export const KERAS_LAYERS: Readonly<Record<string, KerasLayerSpec<unknown>>> = Object.fromEntries(
  [
    ...CORE_LAYERS,
    ...CONV_LAYERS,
    ...POOLING_LAYERS,
    ...NORM_LAYERS,
    ...RECURRENT_LAYERS,
    ...ATTENTION_LAYERS,
    ...MERGE_LAYERS,
    ...WRAPPER_LAYERS,
  ].map((s) => [s.op, s as KerasLayerSpec<unknown>]),
);

/** Other names keras.layers exports for the same classes (Convolution2D, MaxPool2D, ...). */
export const KERAS_ALIASES: Readonly<Record<string, string>> = { ...CONV_ALIASES, ...POOLING_ALIASES };

export { MERGE_FUNCTIONS } from './merge';
