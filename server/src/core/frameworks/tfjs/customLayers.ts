// Custom layers: classes of the file that extend tf.layers.Layer, applied the way tfjs applies them
// to symbolic tensors. Their own build() runs through the evaluator on the input shape (each
// addWeight() shape counts towards the parameters, as countParams() counts them), computeOutputShape()
// gives the output (tfjs's default: the input's shape), and call() runs on tensors of the input
// shapes so the ops it uses are costed. An op call() uses that is not modelled leaves the layer's
// MACs unknown, with its name; the parameters and the output shape stay known.
import type { Range } from '../../parse/syntax';
import {
  type JsValue,
  type LayerV,
  type ObjectV,
  type SymV,
  type FnV,
  type Site,
  UNDEFINED,
  num,
  str,
  bool,
  arr,
  obj,
  native,
  unknown,
  describe,
} from '../../interpreter/typescript/values';
import { JsError, JsThrow } from '../../interpreter/typescript/errors';
import { StepBudgetExceeded } from '../../interpreter/stepBudget';
import { LayerOptions, OptionError, OptionUnknown, elementCount, type BuildResult } from './layers/common';
import { toSnakeCase } from './layers/index';
import { shapeArgument, type TensorHost } from './tensorOps';
import type { TsInterpreter } from '../../interpreter/typescript/interpreter';

/** What custom layers need of the tf runtime (kept to an interface so this file does not import it). */
export interface CustomLayerHost extends TensorHost {
  readonly ip: TsInterpreter;
  readonly customLayers: Map<ObjectV, LayerV>;
  uid(prefix: string): string;
  applyLayer(layer: LayerV, input: JsValue, site: Site, prefix?: string, kwargs?: JsValue): JsValue;
}

/** What the runtime keeps of one custom layer: its instance, class name, weights and whether it is built. */
export interface CustomLayerState {
  self: ObjectV;
  className: string;
  /** addWeight() calls: the weight's name and shape, or why the shape is unknown. */
  weights: { name: string; shape: number[] | null; reason?: string; range: Range }[];
  built: boolean;
}

/** The spec handle every custom layer carries (the runtime runs its methods instead of a spec's build). */
export const CUSTOM_SPEC = { className: 'Layer', multiInput: true, custom: true } as const;

/** True for a layer made from a class of the file. */
export function isCustomLayer(layer: LayerV): boolean {
  return !!layer.instance;
}

/** Makes the layer value `new C(...)` yields, with tfjs's Layer members on the instance, and runs the constructor. */
export function constructCustomLayer(
  rt: CustomLayerHost,
  className: string,
  self: ObjectV,
  init: () => void,
  site: Site,
  id: number,
): LayerV {
  const state: CustomLayerState = { self, className, weights: [], built: false };
  const layer: LayerV = {
    kind: 'layer',
    id,
    factory: 'custom',
    className,
    name: '',
    spec: CUSTOM_SPEC,
    config: state,
    range: site.range,
    declaredInput: null,
    instance: self,
  };
  installBaseMembers(rt, layer, state);
  rt.customLayers.set(self, layer);
  init();
  if (!layer.name) initLayerBase(rt, self, UNDEFINED, site);
  return layer;
}

/** tf.layers.Layer's constructor (`super(config)`): the name (tfjs's counter or `name`) and a declared input shape. */
export function initLayerBase(rt: CustomLayerHost, self: JsValue, config: JsValue, site: Site): void {
  const layer = self.kind === 'object' ? rt.customLayers.get(self) : undefined;
  if (!layer || layer.name) return;
  const options = config.kind === 'object' ? config : obj();
  const given = options.props.get('name');
  // tfjs names a layer by this.getClassName(), which a class may override.
  const own = method(layer.instance!, 'getClassName');
  const className = own ? rt.ip.callFunction(own, [], layer.instance, site) : undefined;
  if (className?.kind === 'str') {
    layer.className = className.value;
    (layer.config as CustomLayerState).className = className.value;
  }
  layer.name = given?.kind === 'str' ? given.value : `${toSnakeCase(layer.className)}_${rt.uid(layer.className)}`;
  layer.instance!.props.set('name', str(layer.name));
  try {
    layer.declaredInput = declaredInputShape(new LayerOptions(options, layer.className));
  } catch (e) {
    if (!(e instanceof OptionError || e instanceof OptionUnknown)) throw e;
    layer.inputUnknown = e.message;
  }
}

function declaredInputShape(o: LayerOptions): (number | null)[] | null {
  const batchInput = o.shape('batchInputShape', true);
  if (batchInput) return batchInput;
  const inputShape = o.shape('inputShape', true);
  const batchSize = o.has('batchSize') ? o.int('batchSize') : null;
  return inputShape ? [batchSize, ...inputShape] : null;
}

/** The members tfjs's Layer gives every instance, unless the class defines its own. */
function installBaseMembers(rt: CustomLayerHost, layer: LayerV, state: CustomLayerState): void {
  const self = state.self;
  const base: [string, JsValue][] = [
    ['built', bool(false)],
    ['trainable', bool(true)],
    ['supportsMasking', bool(false)],
    ['apply', native('apply', ([input, kwargs], s) => rt.applyLayer(layer, input ?? UNDEFINED, s, '', kwargs))],
    ['addWeight', native('addWeight', (args, s) => addWeight(rt, state, args, s))],
    ['invokeCallHook', native('invokeCallHook', () => UNDEFINED)],
    ['getClassName', native('getClassName', () => str(state.className))],
    ['countParams', native('countParams', (_a, s) => paramCount(layer, s))],
    ['getConfig', native('getConfig', () => obj([['name', str(layer.name)]]))],
    ['computeMask', native('computeMask', () => UNDEFINED)],
  ];
  for (const [name, value] of base) {
    if (value.kind === 'native') value.inherited = true;
    if (!self.props.has(name)) self.props.set(name, value);
  }
}

function paramCount(layer: LayerV, site: Site): JsValue {
  return typeof layer.params === 'number' ? num(layer.params) : unknown(`${layer.name} is not built`, site.range);
}

/** `this.addWeight(name, shape, dtype?, initializer?, ...)`: a weight of that shape (a LayerVariable). */
function addWeight(rt: CustomLayerHost, state: CustomLayerState, [name, shape]: JsValue[], site: Site): JsValue {
  const label = name?.kind === 'str' ? name.value : `weight ${state.weights.length}`;
  const dims = shape?.kind === 'array' && shape.items.every((d) => d.kind === 'num') ? shape.items : null;
  if (!dims) {
    const why = shape?.kind === 'unknown' ? shape.reason : `its shape is ${shape ? describe(shape) : 'missing'}`;
    state.weights.push({ name: label, shape: null, reason: `addWeight('${label}'): ${why}`, range: site.range });
    return unknown(`weight ${label} has an unknown shape`, site.range);
  }
  const values = dims.map((d) => (d as { value: number }).value);
  state.weights.push({ name: label, shape: values, range: site.range });
  const weight = rt.eagerTensor(values);
  weight.variable = label;
  return weight;
}

/** A method of the instance (the class's own or inherited from a class of the file); undefined when absent. */
function method(self: ObjectV, name: string): FnV | undefined {
  const m = self.props.get(name);
  return m?.kind === 'fn' ? m : undefined;
}

/** Runs one of the layer's methods; an exception becomes an OptionUnknown with what it said. */
function runMethod(rt: CustomLayerHost, layer: LayerV, name: string, args: JsValue[], site: Site): JsValue | undefined {
  const fn = method(layer.instance!, name);
  if (!fn) return undefined;
  try {
    return rt.ip.callFunction(fn, args, layer.instance, site);
  } catch (e) {
    // Located where the method raised, when that is in the analysed file.
    const where = e instanceof JsThrow || e instanceof JsError ? e.range : undefined;
    const range = where && !rt.ip.anchor ? where : site.range;
    throw new OptionUnknown(`${layer.className}.${name}() failed: ${errorText(e)}`, range);
  }
}

function errorText(e: unknown): string {
  if (e instanceof StepBudgetExceeded) throw e;
  if (e instanceof JsThrow) return e.text;
  if (e instanceof JsError) return `${e.jsType}: ${e.message}`;
  if (e instanceof RangeError) return 'nesting too deep';
  throw e;
}

/**
 * One application of a custom layer to inputs of known shapes: build() on the first one, the output
 * from computeOutputShape(), the cost from running call(). Throws OptionUnknown when the parameters
 * or the output cannot be known.
 */
export function callCustomLayer(rt: CustomLayerHost, layer: LayerV, inputs: SymV[], site: Site): BuildResult {
  const state = layer.config as CustomLayerState;
  const shapeArg = inputs.length === 1 ? shapeArgument(inputs[0]) : arr(inputs.map(shapeArgument));
  if (!state.built) {
    state.built = true;
    runMethod(rt, layer, 'build', [shapeArg], site);
    state.self.props.set('built', bool(true));
  }
  const params = weightCount(state);
  const declared = runMethod(rt, layer, 'computeOutputShape', [shapeArg], site);
  const outputs = declared === undefined ? inputs.map((x) => x.shape!) : outputShapes(layer, declared, inputs, site);
  const cost = runCall(rt, layer, inputs, site);
  if (cost.output && cost.output.join() !== outputs[0].join())
    rt.ip.report(
      site.range,
      `${layer.name}: call() gives [${cost.output}] where computeOutputShape() says [${outputs[0]}] (tfjs builds the model with the latter)`,
      'warning',
      'shape-mismatch',
    );
  return {
    output: outputs[0],
    ...(outputs.length > 1 ? { extraOutputs: outputs.slice(1) } : {}),
    params,
    macs: cost.macs,
    flops: cost.flops,
    ...(cost.reason ? { costReason: cost.reason, costRange: cost.range ?? site.range } : {}),
  };
}

function weightCount(state: CustomLayerState): number {
  const unknownWeight = state.weights.find((w) => !w.shape);
  if (unknownWeight) throw new OptionUnknown(unknownWeight.reason!, unknownWeight.range);
  return state.weights.reduce((sum, w) => sum + elementCount(w.shape!), 0);
}

/** computeOutputShape()'s answer as shapes with the batch resolved: one shape, or a list of them. */
function outputShapes(layer: LayerV, value: JsValue, inputs: SymV[], site: Site): number[][] {
  const batch = inputs[0].shape![0];
  const one = (v: JsValue): number[] | null =>
    v.kind === 'array' && v.items.every((d) => d.kind === 'num' || d.kind === 'null')
      ? v.items.map((d, i) => (d.kind === 'num' ? d.value : i === 0 ? batch : NaN))
      : null;
  const many = value.kind === 'array' && value.items.length > 0 && value.items.every((v) => v.kind === 'array');
  const shapes = many ? (value as { items: JsValue[] }).items.map(one) : [one(value)];
  const bad = shapes.findIndex((s) => !s || s.some((d) => !Number.isFinite(d)));
  if (bad >= 0 || !shapes.length) {
    const why = value.kind === 'unknown' ? value.reason : `it returned ${describe(value)}`;
    throw new OptionUnknown(
      `${layer.className}.computeOutputShape(): the output shape is not known: ${why}`,
      site.range,
    );
  }
  return shapes as number[][];
}

/** Runs call() on tensors of the input shapes and sums what its ops cost. */
function runCall(
  rt: CustomLayerHost,
  layer: LayerV,
  inputs: SymV[],
  site: Site,
): { macs: number | null; flops: number | null; reason?: string; range?: Range; output?: number[] } {
  if (!method(layer.instance!, 'call')) return { macs: 0, flops: 0 };
  const tensors = inputs.map((x) => rt.eagerTensor(x.shape!));
  const saved = rt.opCost;
  const sink = { macs: 0, flops: 0 as number | null };
  rt.opCost = sink;
  let out: JsValue | undefined;
  let reason: string | undefined;
  let errorRange: Range | undefined;
  try {
    out = runMethod(rt, layer, 'call', [tensors.length === 1 ? tensors[0] : arr(tensors), obj()], site);
  } catch (e) {
    if (!(e instanceof OptionUnknown)) throw e;
    reason = e.message;
    errorRange = e.range;
  } finally {
    rt.opCost = saved;
  }
  const first = out?.kind === 'array' ? out.items[0] : out;
  if (!reason && (!first || first.kind !== 'symbolic' || !first.shape)) {
    const why =
      first?.kind === 'unknown' ? first.reason : `it returned ${first ? describe(first) : 'nothing'}, not a tensor`;
    // A layer that applies itself (or one that failed the same way) says so once, not once per level.
    reason = why.startsWith(`${layer.className}.call()`) ? why : `${layer.className}.call(): ${why}`;
  }
  const range = errorRange ?? (first?.kind === 'unknown' && !rt.ip.anchor ? first.range : undefined);
  if (reason) return { macs: null, flops: null, reason, ...(range ? { range } : {}) };
  return { macs: sink.macs, flops: sink.flops, output: (first as SymV).shape! };
}
