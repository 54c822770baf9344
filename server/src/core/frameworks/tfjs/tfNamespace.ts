// The `tf` namespace that `import * as tf from '@tensorflow/tfjs'` (or tfjs-node, or require())
// yields: tf.sequential, tf.model, tf.input, tf.layers.<factory>, tf.tidy; everything else is a
// run-time value the analysis leaves Unknown.
import { type JsValue, type NsV, UNDEFINED, native, unknown } from '../../interpreter/typescript/values';
import type { TfHost } from './host';

/** True for the module names that export the tfjs layers API. */
export function isTfjsModule(source: string): boolean {
  return /^@tensorflow\/tfjs(-node(-gpu)?|-layers|-core)?(\/dist.*)?$/.test(source);
}

/** Builds the tf namespace bound to one runtime. */
export function tfNamespace(rt: TfHost): NsV {
  const layers: NsV = {
    kind: 'ns',
    name: 'tf.layers',
    attrs: new Map(),
    resolve(name) {
      const make = (args: JsValue[], site: { range: import('../../parse/syntax').Range }) =>
        rt.createLayer(name, args, site);
      const f = native(`tf.layers.${name}`, make, make);
      layers.attrs.set(name, f);
      return f;
    },
  };
  const sequential = native(
    'tf.sequential',
    ([config], site) => rt.sequential(config ?? UNDEFINED, site),
    ([config], site) => rt.sequential(config ?? UNDEFINED, site),
  );
  const model = native(
    'tf.model',
    ([config], site) => rt.functional(config ?? UNDEFINED, site),
    ([config], site) => rt.functional(config ?? UNDEFINED, site),
  );
  const loaded = (name: string) =>
    native(name, (_a, site) =>
      unknown(`${name}() loads a model when the program runs; its layers are not known statically`, site.range),
    );
  const attrs: [string, JsValue][] = [
    ['sequential', sequential],
    ['Sequential', sequential],
    ['model', model],
    ['LayersModel', model],
    ['input', native('tf.input', ([config], site) => rt.input(config ?? UNDEFINED, site))],
    ['layers', layers],
    [
      'tidy',
      native('tf.tidy', (args, site) => {
        const fn = args.find((a) => a.kind === 'fn' || a.kind === 'native');
        return fn ? rt.ip.callValue(fn, [], undefined, site, 'tf.tidy') : UNDEFINED;
      }),
    ],
    ['nextFrame', native('tf.nextFrame', () => UNDEFINED)],
    ['loadLayersModel', loaded('tf.loadLayersModel')],
    ['loadGraphModel', loaded('tf.loadGraphModel')],
  ];
  return {
    kind: 'ns',
    name: 'tf',
    attrs: new Map(attrs),
    opaque: 'not modelled (WattLens reads tf.layers models; tensors and training are run-time values)',
  };
}
