// The `tf` namespace that `import * as tf from '@tensorflow/tfjs'` (or tfjs-node, or require())
// yields: tf.sequential, tf.model, tf.input, tf.layers.<factory>, tf.tidy; everything else is a
// run-time value the analysis leaves Unknown.
import { type JsValue, type NsV, UNDEFINED, native, unknown, ns, obj } from '../../interpreter/typescript/values';
import { JsError } from '../../interpreter/typescript/errors';
import { INIT, PROTO } from '../../interpreter/typescript/superCalls';
import type { TfHost } from './host';
import { initLayerBase, type CustomLayerHost } from './customLayers';
import { CREATION_OPS, TENSOR_OPS, tfFunction } from './tensorOps';

/** True for the module names that export the tfjs layers API. */
export function isTfjsModule(source: string): boolean {
  return /^@tensorflow\/tfjs(-node(-gpu)?|-layers|-core)?(\/dist.*)?$/.test(source);
}

/** Builds the tf namespace bound to one runtime. */
export function tfNamespace(rt: TfHost & CustomLayerHost): NsV {
  const layers: NsV = {
    kind: 'ns',
    name: 'tf.layers',
    attrs: new Map(),
    resolve(name) {
      const make = (args: JsValue[], site: { range: import('../../parse/syntax').Range }) =>
        rt.createLayer(name, args, site);
      const f = name === 'Layer' ? layerBase(rt) : native(`tf.layers.${name}`, make, make);
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
  for (const op of [...TENSOR_OPS, ...CREATION_OPS]) attrs.push([op, tfFunction(rt, op)]);
  attrs.push(['util', ns('tf.util', [['assert', assertFn]], 'not modelled (a run-time helper)')]);
  return {
    kind: 'ns',
    name: 'tf',
    attrs: new Map(attrs),
    opaque: 'not modelled (WattLens reads tf.layers models; tensors and training are run-time values)',
  };
}

/** tf.layers.Layer, the base of custom layers: `super(config)` names the layer and reads its input shape. */
function layerBase(rt: TfHost & CustomLayerHost): JsValue {
  const f = native(
    'tf.layers.Layer',
    (_a, site) => unknown('tf.layers.Layer cannot be called without new', site.range),
    (_a, site) => unknown('a bare tf.layers.Layer is abstract: extend it', site.range),
  );
  f.attrs = new Map<string, JsValue>([
    [
      INIT,
      native('tf.layers.Layer.init', ([self, config], site) => {
        initLayerBase(rt, self ?? UNDEFINED, config ?? UNDEFINED, site);
        return UNDEFINED;
      }),
    ],
    // What `super.build(...)` and the like find: tfjs's Layer methods, which do nothing to the shapes.
    [
      PROTO,
      obj([
        ['build', native('tf.layers.Layer.build', () => UNDEFINED)],
        ['call', native('tf.layers.Layer.call', ([inputs]) => inputs ?? UNDEFINED)],
        ['computeOutputShape', native('tf.layers.Layer.computeOutputShape', ([shape]) => shape ?? UNDEFINED)],
        ['computeMask', native('tf.layers.Layer.computeMask', () => UNDEFINED)],
        ['getConfig', native('tf.layers.Layer.getConfig', () => obj())],
      ]),
    ],
  ]);
  return f;
}

/** tf.util.assert(condition, message): throws when the condition is false, as tfjs does. */
const assertFn = native('tf.util.assert', ([condition, message], site) => {
  if (condition?.kind === 'bool' && !condition.value) {
    const text = message?.kind === 'str' ? message.value : 'assertion failed';
    throw new JsError('Error', text, site.range);
  }
  return UNDEFINED;
});
