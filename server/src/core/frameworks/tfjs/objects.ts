// Methods and properties of tfjs objects as model code uses them: layer.apply(), model.add(),
// model.summary()/compile()/fit() (run-time only), model.layers, symbolicTensor.shape.
import {
  type JsValue,
  type LayerV,
  type ModelV,
  type SymV,
  type Site,
  UNDEFINED,
  NULL,
  num,
  str,
  arr,
  unknown,
  native,
  modelLabel,
} from '../../interpreter/typescript/values';
import type { TfHost } from './host';

/** Model methods that only do something when the program runs (training, prediction, saving). */
const RUNTIME_MODEL_METHODS = new Set([
  'fit',
  'fitDataset',
  'evaluate',
  'evaluateDataset',
  'predict',
  'predictOnBatch',
  'trainOnBatch',
  'execute',
  'executeAsync',
  'save',
  'getWeights',
  'setWeights',
  'loadWeights',
  'dispose',
  'stopTraining',
]);

/** `layer.<name>`. */
export function layerMember(rt: TfHost, layer: LayerV, name: string, site: Site): JsValue {
  switch (name) {
    case 'apply':
      return native('apply', ([input, kwargs], s) => rt.applyLayer(layer, input ?? UNDEFINED, s, '', kwargs));
    case 'name':
      return str(layer.name);
    case 'getClassName':
      return native('getClassName', () => str(layer.className));
    case 'countParams':
      return native('countParams', () =>
        typeof layer.params === 'number' ? num(layer.params) : unknown(`${layer.name} is not built`, site.range),
      );
    case 'trainable':
      return { kind: 'bool', value: true };
    default:
      return unknown(`${layer.name}.${name} is a run-time property`, site.range);
  }
}

/** `model.<name>`. */
export function modelMember(rt: TfHost, m: ModelV, name: string, site: Site): JsValue {
  switch (name) {
    case 'add':
      return native('add', ([layer], s) => {
        rt.add(m, layer ?? UNDEFINED, s);
        return UNDEFINED;
      });
    case 'apply':
      return native('apply', ([input], s) => {
        const values = input?.kind === 'array' ? input.items : [input ?? UNDEFINED];
        const syms = values.map((v) =>
          v.kind === 'symbolic'
            ? v
            : ({
                kind: 'symbolic',
                id: -1,
                shape: null,
                nullBatch: true,
                node: null,
                reason: v.kind === 'unknown' ? v.reason : `${modelLabel(m)}.apply() needs symbolic tensors`,
              } as SymV),
        );
        const outs = rt.applyModel(m, syms, s, `${modelLabel(m)}/`);
        return outs.length === 1 ? outs[0] : arr(outs);
      });
    case 'summary':
    case 'compile':
      return native(name, () => UNDEFINED);
    case 'name':
      return str(m.tfName);
    case 'layers':
      return rt.layersOf(m);
    case 'inputs':
      return arr(m.inputs);
    case 'outputs':
      return arr(m.outputs);
    case 'getLayer':
      return native('getLayer', ([key]) => {
        const layers = (rt.layersOf(m) as { items: JsValue[] }).items as LayerV[];
        const found =
          key?.kind === 'str'
            ? layers.find((l) => l.name === key.value)
            : key?.kind === 'num'
              ? layers[key.value]
              : undefined;
        return found ?? unknown(`no layer ${key?.kind === 'str' ? key.value : ''} in ${modelLabel(m)}`, site.range);
      });
    case 'countParams':
      return native('countParams', () => {
        const layers = (rt.layersOf(m) as { items: JsValue[] }).items as LayerV[];
        return layers.every((l) => typeof l.params === 'number')
          ? num(layers.reduce((s, l) => s + (l.params as number), 0))
          : unknown(`${modelLabel(m)} has layers of unknown size`, site.range);
      });
    default:
      if (RUNTIME_MODEL_METHODS.has(name))
        return native(name, () => unknown(`${modelLabel(m)}.${name}() gives a run-time result`, site.range));
      return unknown(`${modelLabel(m)}.${name} is not modelled`, site.range);
  }
}

/** `symbolicTensor.<name>`: shape (batch as null, as tfjs prints it), rank, dtype, name. */
export function symbolicMember(t: SymV, name: string, site: Site): JsValue {
  switch (name) {
    case 'shape':
      if (!t.shape) return unknown(t.reason ?? 'shape unknown', site.range);
      return arr(t.shape.map((d, i) => (i === 0 && t.nullBatch ? NULL : num(d))));
    case 'rank':
      return t.shape ? num(t.shape.length) : unknown(t.reason ?? 'shape unknown', site.range);
    case 'dtype':
      return str('float32');
    case 'name':
      return str(t.input?.name ?? `symbolic_${t.id}`);
    default:
      return unknown(`symbolic tensors have no run-time value (.${name})`, site.range);
  }
}
