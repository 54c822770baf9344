// The built-in Keras classes as interpreter values — Layer, Model, Sequential and one class per
// layer spec — with their constructors, methods (build, add, add_weight, summary, ...) and attributes.
import {
  type Value,
  type ClassV,
  type InstanceV,
  type CallSite,
  type BuiltinV,
  NONE,
  TRUE,
  FALSE,
  int,
  str,
  list,
  unknown,
  builtin,
  typeName,
} from '../../interpreter/python/values';
import { raise, PyError } from '../../interpreter/python/errors';
import { lookupClassAttr, mro } from '../../interpreter/python/classes';
import { StepBudgetExceeded } from '../../interpreter/stepBudget';
import { fromArgValue } from '../torch/modules';
import { type KerasLayerSpec, LayerArgError } from './layers/spec';
import type { KerasState } from './objects';
import type { KerasHost } from './host';
import { tensorsIn } from './graph';
import { bindLayerArgs, declaredInputOf, shapeFromValue } from './args';
import { KERAS_LAYERS } from './layers';
import { LOOKUP_LAYERS, lookupMethods } from './lookups';

/** Which built-in class a Keras class derives from. */
export interface BaseInfo {
  kind: 'Layer' | 'Model' | 'Sequential' | 'leaf';
  spec?: KerasLayerSpec<unknown>;
}

type Method = BuiltinV['call'];
const ZERO = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
/** Keras's default `fit` batch size (keras.Model.fit docs: batch_size defaults to 32). */
const KERAS_FIT_BATCH = 32;

/** The Keras class objects of one analysis and the attribute rules of their instances. */
export class KerasClasses {
  readonly Layer: ClassV;
  readonly Model: ClassV;
  readonly Sequential: ClassV;
  readonly Lambda: ClassV;
  readonly leaves = new Map<string, ClassV>();
  private readonly info = new Map<ClassV, BaseInfo>();

  constructor(private readonly rt: KerasHost) {
    this.Layer = this.define('Layer', [], { kind: 'Layer' }, this.layerMethods());
    this.Model = this.define('Model', [this.Layer], { kind: 'Model' }, this.modelMethods());
    this.Sequential = this.define('Sequential', [this.Model], { kind: 'Sequential' }, this.sequentialMethods());
    this.Lambda = this.define('Lambda', [this.Layer], { kind: 'Layer' }, this.lambdaMethods());
    for (const name of LOOKUP_LAYERS)
      this.leaves.set(name, this.define(name, [this.Layer], { kind: 'Layer' }, lookupMethods(rt, name)));
    for (const [name, spec] of Object.entries(KERAS_LAYERS)) {
      const methods: Record<string, Method> = { __init__: this.leafInit(spec) };
      // Conv subclasses that override call() run the convolution through self.convolution_op(x, kernel).
      if (/Conv/.test(name)) methods.convolution_op = (args, _kw, site) => this.rt.convolutionOp(args, site);
      this.leaves.set(name, this.define(name, [this.Layer], { kind: 'leaf', spec }, methods));
    }
  }

  /** The built-in base a class derives from, if it is a Keras class. */
  baseOf(cls: ClassV): BaseInfo | undefined {
    for (const c of mro(cls)) {
      const i = this.info.get(c);
      if (i) return i;
    }
    return undefined;
  }

  /** True for the built-in classes themselves (not user subclasses). */
  isBuiltin(cls: ClassV): boolean {
    return this.info.has(cls);
  }

  private define(name: string, bases: ClassV[], info: BaseInfo, methods: Record<string, Method>): ClassV {
    const cls: ClassV = { kind: 'class', name, bases, attrs: new Map(), range: ZERO };
    for (const [m, fn] of Object.entries(methods)) cls.attrs.set(m, builtin(`${name}.${m}`, fn));
    this.info.set(cls, info);
    return cls;
  }

  private self(args: Value[]): { inst: InstanceV; st: KerasState } {
    const inst = args[0] as InstanceV;
    const st = this.rt.objects.get(inst);
    if (!st) raise('TypeError', 'a Keras method was called on something that is not a layer');
    return { inst, st };
  }

  /** Reads the keyword arguments every layer accepts: name and an input shape. */
  private common(st: KerasState, kw: Map<string, Value>, site: CallSite): void {
    const name = kw.get('name');
    if (name?.kind === 'str') this.rename(st, name.value);
    st.declaredInput ??= declaredInputOf(kw, st.name, site, this.rt.options.batch);
    // A layer's own dtype= overrides the global policy: "float32" keeps it (a softmax output) in float32.
    const dtype = kw.get('dtype');
    if (dtype?.kind === 'str') {
      const compute = /^(mixed_)?float16$/.test(dtype.value)
        ? 'fp16'
        : /^(mixed_)?bfloat16$/.test(dtype.value)
          ? 'bf16'
          : undefined;
      st.precision = compute
        ? { precision: compute, source: `dtype=${JSON.stringify(dtype.value)}, line ${site.range.start.line + 1}` }
        : undefined;
    }
  }

  /** Names a layer as `name=` says, returning the automatic name it had drawn. */
  private rename(st: KerasState, name: string): void {
    if (st.autoClass) this.rt.objects.releaseAutoName(st.autoClass, st.name);
    st.autoClass = undefined;
    st.name = name;
  }

  private leafInit(spec: KerasLayerSpec<unknown>): Method {
    return (args, kw, site) => {
      const { st } = this.self(args);
      this.common(st, kw, site);
      try {
        st.args = bindLayerArgs(this.rt, spec, args.slice(1), kw);
        st.config = spec.configure(st.args);
      } catch (e) {
        if (!(e instanceof LayerArgError)) throw e;
        st.unresolved = `${spec.op}: ${e.message}`;
      }
      return NONE;
    };
  }

  private layerMethods(): Record<string, Method> {
    return {
      __init__: (args, kw, site) => {
        this.common(this.self(args).st, kw, site);
        return NONE;
      },
      __call__: (args, kw, site) => this.rt.callLayer(args[0] as InstanceV, args.slice(1), kw, site),
      build: (args, kw, site) => this.build(args, kw, site),
      add_weight: (args, kw) => this.addWeight(args, kw),
      count_params: (args, _kw, site) => {
        const { count, reason } = this.rt.objects.paramCount(args[0] as InstanceV);
        return count === null ? unknown(reason ?? 'not built', site.range) : int(count);
      },
      // Losses and metrics a layer registers change nothing the analysis counts.
      add_loss: () => NONE,
      add_metric: () => NONE,
      get_config: (_a, _k, site) => unknown('get_config() is not modelled', site.range),
      compute_output_shape: (_a, _k, site) => unknown('compute_output_shape() is not modelled', site.range),
    };
  }

  private modelMethods(): Record<string, Method> {
    const none: Method = () => NONE;
    const result =
      (what: string): Method =>
      (_a, _k, site) =>
        unknown(`${what} depends on data`, site.range);
    return {
      __init__: (args, kw, site) => this.modelInit(args, kw, site),
      summary: none,
      compile: none,
      save: none,
      save_weights: none,
      load_weights: none,
      export: none,
      reset_states: none,
      fit: (args, kw, site) => {
        this.noteFit(args[0] as InstanceV, args[1] ?? kw.get('x'), args[3] ?? kw.get('batch_size'), site);
        return unknown('model.fit() depends on data', site.range);
      },
      evaluate: result('model.evaluate()'),
      train_on_batch: result('train_on_batch()'),
      test_on_batch: result('test_on_batch()'),
      predict_on_batch: result('predict_on_batch()'),
      predict: (args, _kw, site) =>
        args[1]?.kind === 'tensor'
          ? this.rt.callLayer(args[0] as InstanceV, [args[1]], new Map(), site)
          : unknown('model.predict() on data', site.range),
      get_layer: (args, kw) => this.getLayer(args[0] as InstanceV, args[1] ?? kw.get('name'), kw.get('index')),
    };
  }

  /**
   * `model.fit(x, y, batch_size=B)` at module level on an array of known shape: one batch of it (B, else
   * Keras's default 32, never more than the array holds) is the model's input when nothing else gives one.
   */
  private noteFit(inst: InstanceV, x: Value | undefined, batchV: Value | undefined, site: CallSite): void {
    const st = this.rt.objects.get(inst);
    if (!st || st.fitted || this.rt.tracer.active || x?.kind !== 'tensor' || !x.shape || x.shape.length < 2) return;
    if (!x.shape.every((d) => Number.isInteger(d) && d > 0)) return;
    const stated = batchV?.kind === 'int' && batchV.value > 0 ? batchV.value : undefined;
    if (batchV && batchV.kind !== 'none' && stated === undefined) return;
    const batch = Math.min(stated ?? KERAS_FIT_BATCH, x.shape[0]);
    const line = site.range.start.line + 1;
    st.fitted = {
      shapes: [[batch, ...x.shape.slice(1)]],
      source: `one batch of the array passed to fit at line ${line}${x.origin ? ` (${x.origin})` : ''}: batch ${batch}${stated ? '' : " (Keras's default batch_size=32)"} of [${x.shape.join(', ')}]`,
      line: site.range.start.line,
      rule: 'loader',
    };
  }

  private sequentialMethods(): Record<string, Method> {
    return {
      __init__: (args, kw, site) => {
        const { inst, st } = this.self(args);
        const name = args[3] ?? kw.get('name');
        if (name?.kind === 'str') this.rename(st, name.value);
        const layers = args[1] ?? kw.get('layers');
        if (layers && layers.kind !== 'none')
          for (const l of this.rt.interp.iterateValue(layers, site) ?? [layers]) this.add(inst, st, l, site);
        return NONE;
      },
      add: (args, _kw, site) => {
        const { inst, st } = this.self(args);
        this.add(inst, st, args[1], site);
        return NONE;
      },
      pop: (args) => {
        const { st } = this.self(args);
        st.layers.pop();
        st.built = false;
        return NONE;
      },
    };
  }

  /** layers.Lambda(function): calling it applies the Python function to its input. */
  private lambdaMethods(): Record<string, Method> {
    return {
      __init__: (args, kw, site) => {
        const { inst, st } = this.self(args);
        this.common(st, kw, site);
        inst.attrs.set(
          'function',
          args[1] ?? kw.get('function') ?? raise('TypeError', 'Lambda() needs a function', site.range),
        );
        inst.attrs.set('arguments', kw.get('arguments') ?? NONE);
        inst.attrs.set('output_shape', args[2] ?? kw.get('output_shape') ?? NONE);
        return NONE;
      },
      call: (args, _kw, site) => {
        const inst = args[0] as InstanceV;
        const extra = inst.attrs.get('arguments');
        const kwargs = new Map<string, Value>();
        if (extra?.kind === 'dict')
          for (const e of extra.entries.values()) if (e.key.kind === 'str') kwargs.set(e.key.value, e.value);
        const out = this.rt.interp.callValue(inst.attrs.get('function')!, [args[1] ?? NONE], kwargs, site);
        return this.statedLambdaOutput(inst, args[1], out, site) ?? out;
      },
    };
  }

  /**
   * A Lambda whose function cannot be followed (an op not modelled) but whose output_shape is given:
   * that shape (after the batch of its input) is its output, so the layers after it stay known; its
   * own cost is unknown, with the reason, never 0.
   */
  private statedLambdaOutput(inst: InstanceV, input: Value | undefined, out: Value, site: CallSite): Value | undefined {
    if (out.kind === 'tensor' && out.shape) return undefined;
    if (out.kind !== 'unknown' && out.kind !== 'tensor') return undefined;
    const given = inst.attrs.get('output_shape');
    const first = tensorsIn(input)[0];
    const batch = first?.shape?.[0] ?? NaN;
    const dims = shapeFromValue(given, batch, false)?.[0];
    if (!dims || !first?.shape) return undefined;
    const shape = [batch, ...dims];
    const why = out.kind === 'unknown' ? out.reason : (out.reason ?? 'its output shape is unknown');
    const reason = `the Lambda's function is not modelled (${why}); its output is the output_shape given, its cost unknown`;
    this.rt.tracer.record(
      { op: 'Lambda', inputs: [first.shape], output: shape, macs: null, flops: null, params: 0, reason },
      site.range,
      null,
    );
    return this.rt.tensor(shape);
  }

  /** Sequential.add: a layer, or a keras.Input tensor declaring the input. */
  private add(_inst: InstanceV, st: KerasState, layer: Value | undefined, site: CallSite): void {
    if (layer?.kind === 'tensor') {
      if (layer.shape)
        st.declaredInput = {
          shapes: [layer.shape],
          source: layer.origin ?? `keras.Input, line ${site.range.start.line + 1}`,
          line: site.range.start.line,
        };
      return;
    }
    if (layer && this.rt.objects.get(layer)) {
      st.layers.push(layer as InstanceV);
      st.built = false;
      return;
    }
    if (layer?.kind === 'unknown') {
      st.unresolved ??= `a layer of ${st.name} is unknown: ${layer.reason}`;
      return;
    }
    raise(
      'TypeError',
      `The added layer must be an instance of class Layer. Received: ${layer ? typeName(layer) : 'nothing'}`,
      site.range,
    );
  }

  /** keras.Model(...): functional when given inputs and outputs, else the base of a subclass. */
  private modelInit(args: Value[], kw: Map<string, Value>, site: CallSite): Value {
    const { st } = this.self(args);
    this.common(st, kw, site);
    const inputs = args[1] ?? kw.get('inputs');
    const outputs = args[2] ?? kw.get('outputs');
    if (!inputs || !outputs) return NONE;
    const ins = tensorsIn(inputs);
    const outs = tensorsIn(outputs);
    st.kind = 'functional';
    st.built = true;
    if (!ins.length)
      st.unresolved = `the model's inputs are not Keras tensors${inputs.kind === 'unknown' ? `: ${inputs.reason}` : ''}`;
    else if (!outs.length)
      st.unresolved = `the model's outputs are not Keras tensors${outputs.kind === 'unknown' ? `: ${outputs.reason}` : ''}`;
    const { nodes, problem } = this.rt.graph.between(ins, outs);
    if (problem) this.rt.interp.report(site.range, problem, 'warning');
    st.graph = { inputs: ins, outputs, nodes };
    return NONE;
  }

  /** layer.build(input_shape) / model.build(input_shape): builds weights; a model runs call() on it. */
  private build(args: Value[], kw: Map<string, Value>, site: CallSite): Value {
    const { inst, st } = this.self(args);
    if (st.building) return NONE;
    const shapes = shapeFromValue(args[1] ?? kw.get('input_shape'), this.rt.options.batch ?? 1);
    if (!shapes) return NONE;
    if (st.kind === 'custom' && !st.isModel) {
      st.built = true;
      return NONE;
    }
    const tensors = shapes.map((s) =>
      this.rt.tensor(s, 'float32', undefined, `${st.name}.build(), line ${site.range.start.line + 1}`),
    );
    const input = tensors.length === 1 ? tensors[0] : list(tensors);
    if (st.isModel && !this.rt.tracer.active)
      st.observed ??= {
        shapes,
        source: `${st.name}.build(...), line ${site.range.start.line + 1}`,
        line: site.range.start.line,
        rule: 'call',
      };
    if (st.kind === 'custom') st.built = true;
    try {
      this.rt.invoke(inst, [input], new Map(), site);
    } catch (e) {
      if (e instanceof StepBudgetExceeded || !(e instanceof PyError)) throw e;
      this.rt.interp.reportError(e, site.range);
    }
    return NONE;
  }

  /** Layer.add_weight(shape, ...) (Keras 3) or add_weight(name, shape, ...) (tf.keras). */
  private addWeight(args: Value[], kw: Map<string, Value>): Value {
    const { st } = this.self(args);
    const first = args[1];
    const nameV = kw.get('name') ?? (first?.kind === 'str' ? first : undefined);
    const shapeV = kw.get('shape') ?? (first?.kind === 'str' ? args[2] : first);
    const trainable = kw.get('trainable');
    const shape = shapeV && shapeV.kind !== 'none' ? (shapeFromValue(shapeV, NaN, false)?.[0] ?? null) : [];
    const known = shape && shape.every(Number.isFinite) ? shape : null;
    const t = {
      kind: 'tensor' as const,
      shape: known,
      dtype: 'float32' as const,
      isParam: true,
      reason: known ? undefined : `the shape of ${st.name}'s weight is unknown`,
    };
    st.weights.push({
      name: nameV?.kind === 'str' ? nameV.value : `weight_${st.weights.length}`,
      shape: known,
      trainable: trainable?.kind !== 'bool' || trainable.value,
      tensor: t,
    });
    return t;
  }

  private getLayer(inst: InstanceV, name: Value | undefined, index: Value | undefined): Value {
    const children = this.rt.objects.children(inst);
    if (index?.kind === 'int')
      return (
        children[index.value] ??
        raise(
          'ValueError',
          `Was asked to retrieve layer at index ${index.value} but model only has ${children.length} layers`,
        )
      );
    if (name?.kind === 'str')
      return (
        children.find((c) => this.rt.objects.get(c)!.name === name.value) ??
        raise('ValueError', `No such layer: ${name.value}`)
      );
    return raise('ValueError', 'Provide either a layer name or layer index for get_layer()');
  }

  /** Reads an attribute of a Keras object: its own, its class's, then what Keras computes (name, layers, weights, ...). */
  attribute(inst: InstanceV, st: KerasState, name: string, site: CallSite): Value {
    const own = inst.attrs.get(name);
    if (own !== undefined) return own;
    const attr = lookupClassAttr(inst.cls, name);
    if (attr !== undefined) return this.rt.interp.bindAttr(inst, attr, site);
    switch (name) {
      case 'name':
        return str(st.name);
      case 'built':
        return st.built ? TRUE : FALSE;
      case 'trainable':
        return TRUE;
      case 'dtype':
        return str('float32');
      case 'layers':
        return list(this.rt.objects.children(inst));
      case 'weights':
      case 'variables':
      case 'trainable_weights':
      case 'trainable_variables':
        return list(
          this.rt.objects
            .tree(inst)
            .flatMap((x) => this.rt.objects.get(x)!.weights)
            .filter((w) => (name.startsWith('trainable') ? w.trainable : true))
            .map(weightTensor),
        );
      case 'non_trainable_weights':
      case 'non_trainable_variables':
        return list(
          this.rt.objects
            .tree(inst)
            .flatMap((x) => this.rt.objects.get(x)!.weights)
            .filter((w) => !w.trainable)
            .map(weightTensor),
        );
      case 'inputs':
        return st.graph ? list(st.graph.inputs) : unknown(`${st.name} has no functional inputs`, site.range);
      case 'input':
        return st.graph
          ? st.graph.inputs.length === 1
            ? st.graph.inputs[0]
            : list(st.graph.inputs)
          : unknown(`${st.name}.input is not known`, site.range);
      case 'outputs':
        return st.graph
          ? list(tensorsIn(st.graph.outputs))
          : unknown(`${st.name} has no functional outputs`, site.range);
      case 'output':
        return st.graph ? st.graph.outputs : unknown(`${st.name}.output is not known`, site.range);
    }
    const weight = st.weights.find((w) => w.name === name || w.name.endsWith(`/${name}`));
    if (weight) return weightTensor(weight);
    const arg = st.args?.[name];
    if (arg !== undefined)
      return typeof arg === 'object' && arg !== null && !Array.isArray(arg)
        ? unknown(`${name} is a wrapped layer`, site.range)
        : fromArgValue(arg as never);
    return unknown(`${st.name}.${name} is not modelled`, site.range);
  }
}

function weightTensor(w: { shape: number[] | null; tensor?: Value }): Value {
  return w.tensor ?? { kind: 'tensor', shape: w.shape, dtype: 'float32', isParam: true };
}
