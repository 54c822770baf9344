// The registry of built-in torch.nn layer specs, keyed by torch class name (`Conv2d`, `LSTM`, ...),
// gathered from every spec module in this folder.
import type { LayerSpec } from './layerSpec';
import * as activation from './activation';
import * as attention from './attention';
import * as conv from './conv';
import * as embedding from './embedding';
import * as linear from './linear';
import * as norm from './norm';
import * as pooling from './pooling';
import * as recurrent from './recurrent';
import * as shape from './shape';

/** True for a module export that is a layer spec (as opposed to a helper function). */
function isLayerSpec(v: unknown): v is LayerSpec<unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as LayerSpec).op === 'string' &&
    typeof (v as LayerSpec).forward === 'function'
  );
}

/** Collects the specs exported by `modules` into a record keyed by their torch class names. */
function collect(modules: object[]): Record<string, LayerSpec<any>> {
  const specs: Record<string, LayerSpec<any>> = {};
  for (const mod of modules) {
    for (const v of Object.values(mod)) if (isLayerSpec(v)) specs[v.op] = v;
  }
  return specs;
}

/** Every built-in torch.nn layer spec, keyed by torch class name. */
export const LAYER_SPECS: Record<string, LayerSpec<any>> = collect([
  activation,
  attention,
  conv,
  embedding,
  linear,
  norm,
  pooling,
  recurrent,
  shape,
]);
