// The tf.layers factories WattLens models, by the name code calls them with (tf.layers.<factory>):
// those the Keras layers compute (frontEnd.ts), plus the two that exist only in tfjs.
import type { TfLayerSpec } from './common';
import { elementCount } from './common';
import { FACTORY_MAPPINGS, kerasBackedSpec } from './frontEnd';
import { elementwiseFlops } from '../../../opCosts/opCosts';

/** tf.layers.inputLayer: declares the input; no work. */
const inputLayer: TfLayerSpec<null> = {
  className: 'InputLayer',
  configure: () => null,
  build: (_c, [x]) => ({ output: [...x], params: 0, macs: 0, flops: 0 }),
};

/** tf.layers.thresholdedReLU (tfjs keeps it; Keras 3 dropped it): priced as torch's Threshold. */
const thresholdedReLU: TfLayerSpec<null> = {
  className: 'ThresholdedReLU',
  configure: () => null,
  build: (_c, [x]) => ({
    output: [...x],
    params: 0,
    macs: 0,
    flops: elementwiseFlops('Threshold', elementCount(x), elementCount(x)),
  }),
};

const TFJS_ONLY: Record<string, TfLayerSpec<any>> = { inputLayer, thresholdedReLU };

/** The spec behind `tf.layers.<factory>`, or undefined for a factory WattLens does not model. */
export function layerSpec(factory: string): TfLayerSpec<unknown> | undefined {
  if (Object.prototype.hasOwnProperty.call(TFJS_ONLY, factory)) return TFJS_ONLY[factory];
  return kerasBackedSpec(factory);
}

/** Every modelled factory name. */
export function layerFactories(): string[] {
  return [...Object.keys(FACTORY_MAPPINGS), ...Object.keys(TFJS_ONLY)];
}

/** tfjs's generic_utils.toSnakeCase, which names layers (`MaxPooling2D` → `max_pooling2d`). */
export function toSnakeCase(name: string): string {
  const intermediate = name.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2');
  const insecure = intermediate.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return insecure[0] !== '_' ? insecure : `private${insecure}`;
}
