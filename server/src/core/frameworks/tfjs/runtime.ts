// What tf.layers / tf.sequential / tf.model / tf.input calls mean: layer construction with tfjs's
// names and defaults, layer application on symbolic shapes (recording each call's cost), and the
// sequential and functional models built from them.
import type { Range } from '../../parse/syntax';
import {
  type JsValue,
  type LayerV,
  type SymV,
  type ModelV,
  type LayerCall,
  type Site,
  type ObjectV,
  obj,
  arr,
  unknown,
  UNDEFINED,
  describe,
  modelLabel,
} from '../../interpreter/typescript/values';
import { getMember } from '../../interpreter/typescript/members';
import type { TsInterpreter } from '../../interpreter/typescript/interpreter';
import { StepBudgetExceeded } from '../../interpreter/stepBudget';
import { LayerOptions, OptionError, OptionUnknown, ShapeError, type TfLayerSpec } from './layers/common';
import { layerSpec, toSnakeCase } from './layers/index';
import { tfNamespace, isTfjsModule } from './tfNamespace';
import { layerMember, modelMember, symbolicMember } from './objects';
import { callCustomLayer, constructCustomLayer, isCustomLayer } from './customLayers';
import { type OpCostSink, tensorMember } from './tensorOps';
import type { TfHost } from './host';

/** Analysis options that reach the tf runtime. */
export interface TfOptions {
  /** Input shapes (batch first) overriding, in order, each model input the file declares. */
  input?: number[][];
  /** Batch size overriding the batch dimension of every input. */
  batch?: number;
  /** `// wattlens: input=` shapes by 0-based line. */
  declaredInputs?: Map<number, number[][]>;
}

/** The tf runtime of one analysis: every model, layer and call it saw. */
export class TfRuntime implements TfHost {
  readonly models: ModelV[] = [];
  readonly tf = tfNamespace(this);
  /** Set while a deferred function runs: why it ran (recorded on the models it builds). */
  deferred?: string;
  private nextId = 1;
  private readonly uids = new Map<string, number>();
  private inputsSeen = 0;
  /** While a sequential model adds a layer: where the calls it makes are collected. */
  private recorder: LayerCall[] | null = null;
  private callCount = 0;
  /** Custom layers by the instance their methods see as `this`. */
  readonly customLayers = new Map<ObjectV, LayerV>();
  /** While a custom layer's call() runs: where the ops it runs add their cost. */
  opCost: OpCostSink | null = null;

  constructor(
    readonly ip: TsInterpreter,
    readonly options: TfOptions,
  ) {}

  /** The namespace an import of `source` yields, or undefined for modules the analysis does not see. */
  importModule(source: string): JsValue | undefined {
    return isTfjsModule(source) ? this.tf : undefined;
  }

  /** tfjs's getUid: a per-prefix counter (`Dense` → `Dense1`, `Dense2`, ...). */
  uid(prefix: string): string {
    const n = (this.uids.get(prefix) ?? 0) + 1;
    this.uids.set(prefix, n);
    return `${prefix}${n}`;
  }

  /**
   * Records the variable a model is known by: the first one it is bound to, except that a
   * module-level variable wins over one inside a function (`const cnn = buildModel(...)`).
   */
  nameModel(m: ModelV, varName: string, fnName: string): void {
    if (m.varName && !(m.fnName && fnName === '')) return;
    m.varName = varName;
    m.fnName = fnName;
  }

  /** Properties of layers, models and symbolic tensors (a custom layer's own members first). */
  member(self: LayerV | ModelV | SymV, name: string, site: Site): JsValue {
    if (self.kind === 'layer' && self.instance && (self.instance.props.has(name) || self.instance.getters?.has(name)))
      return getMember(this.ip, self.instance, name, site);
    if (self.kind === 'layer') return layerMember(this, self, name, site);
    if (self.kind === 'model') return modelMember(this, self, name, site);
    if (self.eager && self.shape) return tensorMember(this, self, name, site);
    return symbolicMember(self, name, site);
  }

  /** `new C(...)` for a class of the file extending tf.layers.Layer: a layer its methods describe. */
  customLayer(className: string, self: ObjectV, init: () => void, site: Site): LayerV {
    return constructCustomLayer(this, className, self, init, site, this.nextId++);
  }

  /** A tensor with values at run time (inside a custom layer's call()). */
  eagerTensor(shape: number[]): SymV {
    return { kind: 'symbolic', id: this.nextId++, shape, nullBatch: false, node: null, eager: true };
  }

  /** `tf.layers.<factory>(options)`: a layer with tfjs's name, or one carrying why it is unknown. */
  createLayer(factory: string, args: JsValue[], site: Site): LayerV {
    const spec = layerSpec(factory) ?? null;
    const className = spec?.className ?? factory;
    const given = args[0] ?? UNDEFINED;
    const options: ObjectV | null = given.kind === 'object' ? given : given.kind === 'undefined' ? obj() : null;
    const nameOpt = options?.props.get('name');
    const name =
      nameOpt?.kind === 'str'
        ? nameOpt.value
        : className === 'InputLayer'
          ? this.uid('input')
          : `${toSnakeCase(className)}_${this.uid(className)}`;
    const layer: LayerV = {
      kind: 'layer',
      id: this.nextId++,
      factory,
      className,
      name,
      spec,
      config: null,
      range: site.range,
      declaredInput: null,
    };
    if (!spec) return this.unresolvedLayer(layer, `tf.layers.${factory} is not a layer WattLens models`, site.range);
    if (!options) {
      const why =
        given.kind === 'unknown'
          ? `its options are not known statically: ${given.reason}`
          : `tf.layers.${factory} expects an options object, got ${describe(given)}`;
      return this.unresolvedLayer(layer, why, given.kind === 'unknown' ? (given.range ?? site.range) : site.range);
    }
    const o = new LayerOptions(options, factory);
    try {
      layer.declaredInput = this.readDeclaredInput(layer, o, factory);
      layer.config = spec.configure(o);
      layer.args = o.bound;
    } catch (e) {
      if (!(e instanceof OptionError || e instanceof OptionUnknown)) throw e;
      if (e instanceof OptionError) this.ip.report(e.range ?? site.range, e.message, 'warning', 'tfjs-option');
      this.unresolvedLayer(layer, e.message.replace(`${factory}: `, ''), e.range ?? site.range);
    }
    this.checkSnakeCase(o, options, site);
    return layer;
  }

  /** The input shape a layer's options declare; one read from data leaves the layer itself known. */
  private readDeclaredInput(layer: LayerV, o: LayerOptions, factory: string): (number | null)[] | null {
    try {
      return declaredInput(o, factory);
    } catch (e) {
      if (!(e instanceof OptionUnknown)) throw e;
      layer.inputUnknown = e.message.replace(`${factory}: `, '');
      return null;
    }
  }

  /** A `// wattlens: input=` comment on (or up to two lines above) a model's construction or the calls that led to it. */
  private statedInput(m: ModelV): { shape: number[]; line: number } | undefined {
    for (const line of m.statedLines ?? [])
      for (const l of [line, line - 1, line - 2]) {
        const shapes = this.options.declaredInputs?.get(l);
        if (shapes?.length === 1) return { shape: shapes[0], line: l };
      }
    return undefined;
  }

  private unresolvedLayer(layer: LayerV, reason: string, range: Range): LayerV {
    layer.reason = reason;
    layer.reasonRange = range;
    return layer;
  }

  /** Warns about Python-style option names (kernel_size) that tfjs silently ignores. */
  private checkSnakeCase(o: LayerOptions, options: ObjectV, site: Site): void {
    for (const key of options.props.keys()) {
      if (!key.includes('_')) continue;
      const camel = key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
      if (o.read.has(camel) || INPUT_OPTIONS.includes(camel)) {
        this.ip.report(
          options.ranges.get(key) ?? site.range,
          `${o.factory}: '${key}' is not a TF.js option (tfjs ignores it); did you mean '${camel}'?`,
          'warning',
          'tfjs-option',
        );
      }
    }
  }

  /** `tf.input({shape | batchShape, name})`: a model input. */
  input(config: JsValue, site: Site): SymV {
    const name =
      config.kind === 'object' && config.props.get('name')?.kind === 'str'
        ? (config.props.get('name') as { value: string }).value
        : this.uid('input');
    if (config.kind !== 'object')
      return this.makeInput(
        null,
        name,
        'tf.input',
        site.range,
        config.kind === 'unknown' ? config.reason : 'tf.input expects {shape} or {batchShape}',
      );
    try {
      const o = new LayerOptions(config, 'input');
      const batchShape = o.shape('batchShape', true);
      const shape = o.shape('shape', true);
      if (!batchShape && !shape)
        throw new OptionError('input: please provide to Input either a `shape` or a `batchShape` argument', site.range);
      return this.makeInput(batchShape ?? [null, ...shape!], name, 'tf.input', site.range);
    } catch (e) {
      if (!(e instanceof OptionError || e instanceof OptionUnknown)) throw e;
      if (e instanceof OptionError) this.ip.report(e.range ?? site.range, e.message, 'warning', 'tfjs-option');
      return this.makeInput(null, name, 'tf.input', site.range, e.message);
    }
  }

  /** A model input: the declared shape (or the next --input override) with the batch resolved. */
  makeInput(declared: (number | null)[] | null, name: string, source: string, range: Range, why?: string): SymV {
    const override = this.options.input?.[this.inputsSeen++];
    const shape = override ?? declared;
    const where = override ? '--input' : `${source}, line ${range.start.line + 1}`;
    const sym: SymV = {
      kind: 'symbolic',
      id: this.nextId++,
      shape: null,
      nullBatch: false,
      node: null,
      input: { name, source: where, range },
    };
    if (!shape) {
      sym.reason = why ?? 'no input shape';
      return sym;
    }
    const batch = this.options.batch ?? shape[0] ?? 1;
    sym.nullBatch = shape[0] === null && this.options.batch === undefined;
    if (shape.slice(1).some((d) => d === null)) {
      sym.reason = `input shape [${shape.map((d) => d ?? 'null').join(',')}] has an unspecified dimension; pass --input`;
      return sym;
    }
    sym.shape = [batch, ...(shape.slice(1) as number[])];
    return sym;
  }

  /** Applies a layer to symbolic inputs, recording the call; returns its output tensor(s). */
  applyLayer(layer: LayerV, input: JsValue, site: Site, prefix = '', kwargs?: JsValue): JsValue {
    const values = input.kind === 'array' ? input.items : [input];
    if (values.some((v) => v.kind === 'symbolic' && v.eager)) return this.applyEager(layer, values, site);
    const syms = values.map((v) => this.asSymbolic(v, layer));
    const outs = this.call(layer, syms, site.range, prefix);
    this.dependOn(outs, kwargs, site);
    return outs.length === 1 ? outs[0] : arr(outs);
  }

  /**
   * apply(x, {initialState: [...]}): the call depends on those tensors too (the layers producing them
   * are part of the model); one that is not known makes the call, and so the model, unknown.
   */
  private dependOn(outs: SymV[], kwargs: JsValue | undefined, site: Site): void {
    const state = kwargs?.kind === 'object' ? kwargs.props.get('initialState') : undefined;
    if (!state || state.kind === 'undefined') return;
    const call = outs[0]?.node;
    if (!call) return;
    const items = state.kind === 'array' ? state.items : [state];
    call.dependsOn = items.filter((v): v is SymV => v.kind === 'symbolic');
    const bad = items.find((v) => v.kind !== 'symbolic' || !v.shape);
    if (bad && !call.reason) {
      call.reason = `its initialState is not known: ${bad.kind === 'unknown' ? bad.reason : bad.kind === 'symbolic' ? (bad.reason ?? 'unknown shape') : describe(bad)}`;
      call.reasonRange = bad.kind === 'unknown' ? (bad.range ?? site.range) : site.range;
      call.macs = null;
      call.flops = null;
      // What produced it is not modelled: its weights, and so the model's, are unknown too.
      call.dependsOnUnknown = true;
    }
  }

  /**
   * A layer applied to run-time tensors inside a custom layer's call(): its output and cost count
   * towards that call; it is not a layer of the model (tfjs's countParams() does not count it either).
   */
  private applyEager(layer: LayerV, values: JsValue[], site: Site): JsValue {
    const bad = values.find((v) => v.kind !== 'symbolic' || !v.shape);
    if (bad)
      return bad.kind === 'unknown' ? bad : unknown(`${layer.name}.apply() was given ${describe(bad)}`, site.range);
    const shapes = values.map((v) => (v as SymV).shape!);
    if (layer.reason) return unknown(`${layer.name}: ${layer.reason}`, site.range);
    try {
      const result = isCustomLayer(layer)
        ? callCustomLayer(this, layer, values as SymV[], site)
        : (layer.spec as TfLayerSpec).build(layer.config, shapes);
      if (this.opCost) {
        if (result.macs === null) return unknown(result.costReason ?? `${layer.name}: its cost is unknown`, site.range);
        this.opCost.macs += result.macs;
        this.opCost.flops =
          this.opCost.flops === null || result.flops === null ? null : this.opCost.flops + result.flops;
      }
      const outs = [result.output, ...(result.extraOutputs ?? [])].map((s) => this.eagerTensor(s));
      return outs.length === 1 ? outs[0] : arr(outs);
    } catch (e) {
      if (!(e instanceof ShapeError || e instanceof OptionError || e instanceof OptionUnknown)) throw e;
      return unknown(`${layer.name}: ${e.message}`, site.range);
    }
  }

  private asSymbolic(v: JsValue, layer: LayerV): SymV {
    if (v.kind === 'symbolic') return v;
    const reason =
      v.kind === 'unknown' ? v.reason : `${layer.name}.apply() was given ${describe(v)}, not a symbolic tensor`;
    return { kind: 'symbolic', id: this.nextId++, shape: null, reason, nullBatch: true, node: null };
  }

  /** One layer call on concrete shapes: output, params, MACs and FLOPs, or why they are unknown. */
  call(layer: LayerV, inputs: SymV[], callRange: Range | null, prefix = ''): SymV[] {
    let reason = layer.reason;
    let reasonRange = layer.reasonRange;
    let result;
    const multi = layer.spec?.multiInput ?? false;
    if (!reason && !multi && inputs.length !== 1)
      reason = `${layer.name} expects one input tensor, got ${inputs.length}`;
    const missing = inputs.find((x) => !x.shape);
    if (!reason && missing) reason = `input shape unknown: ${missing.reason ?? 'no input shape'}`;
    if (!reason) {
      try {
        result = isCustomLayer(layer)
          ? callCustomLayer(this, layer, inputs, { range: callRange ?? layer.range })
          : (layer.spec as TfLayerSpec).build(
              layer.config,
              inputs.map((x) => x.shape!),
            );
        if (result.costReason) {
          reason = result.costReason;
          reasonRange = result.costRange ?? callRange ?? layer.range;
        }
      } catch (e) {
        if (!(e instanceof ShapeError || e instanceof OptionError || e instanceof OptionUnknown)) throw e;
        reason = e.message;
        // A custom layer's method says where it failed (its own line); a built-in layer fails at its call.
        const own = isCustomLayer(layer) && !(e instanceof ShapeError) ? e.range : undefined;
        reasonRange = own ?? callRange ?? layer.range;
        this.ip.report(
          reasonRange,
          `${layer.name}: ${e.message}`,
          'warning',
          e instanceof ShapeError ? 'shape-mismatch' : 'tfjs-option',
        );
      }
    }
    if (result && layer.params === undefined) layer.params = result.params;
    const nullBatch = inputs[0]?.nullBatch ?? true;
    const shapes = result ? [result.output, ...(result.extraOutputs ?? [])] : [null];
    const outputs: SymV[] = shapes.map((shape) => ({
      kind: 'symbolic',
      id: this.nextId++,
      shape,
      nullBatch,
      node: null,
      ...(shape ? {} : { reason: `the output of ${layer.name} is unknown` }),
    }));
    const record: LayerCall = {
      id: this.nextId++,
      layer,
      path: prefix + layer.name,
      op: layer.className,
      inputs,
      outputs,
      params: result ? (layer.params ?? result.params) : null,
      macs: result?.macs ?? null,
      flops: result?.flops ?? null,
      range: layer.range,
      callRange,
      ...(reason ? { reason, reasonRange } : {}),
    };
    for (const o of outputs) o.node = record;
    this.recorder?.push(record);
    if (++this.callCount > MAX_LAYER_CALLS) {
      throw new StepBudgetExceeded(
        callRange ?? layer.range,
        `more than ${MAX_LAYER_CALLS} layer calls: analysis stopped (an unbounded loop adding layers?)`,
      );
    }
    return outputs;
  }

  private newModel(type: ModelV['type'], tfName: string, range: Range): ModelV {
    const m: ModelV = {
      kind: 'model',
      id: this.nextId++,
      statedLines: [range.start.line, ...this.ip.callLines],
      type,
      tfName,
      range,
      calls: [],
      inputs: [],
      outputs: [],
      reasons: [],
      nested: false,
    };
    if (this.deferred) m.deferred = this.deferred;
    this.models.push(m);
    return m;
  }

  /**
   * The analysis stopped before the file finished (the step budget ran out): a sequential model may
   * still have been added to afterwards, so its totals cannot be known.
   */
  markUnfinished(range: Range, why: string): void {
    for (const m of this.models)
      if (m.type === 'sequential' && !m.reasons.some((r) => r.reason.startsWith('the analysis stopped')))
        m.reasons.push({
          range,
          reason: `the analysis stopped before the file finished (${why}); layers added later are not counted`,
        });
  }

  /** `tf.sequential({layers?, name?})`. */
  sequential(config: JsValue, site: Site): ModelV {
    const nameOpt = config.kind === 'object' ? config.props.get('name') : undefined;
    const m = this.newModel(
      'sequential',
      nameOpt?.kind === 'str' ? nameOpt.value : this.uid('sequential_'),
      site.range,
    );
    if (config.kind === 'unknown')
      m.reasons.push({
        range: config.range ?? site.range,
        reason: `its configuration is not known statically: ${config.reason}`,
      });
    const layers = config.kind === 'object' ? config.props.get('layers') : undefined;
    if (layers?.kind === 'array')
      for (const l of layers.items) this.add(m, l, { range: l.kind === 'layer' ? l.range : site.range }, false);
    else if (layers && layers.kind !== 'undefined') {
      m.reasons.push({
        range: config.kind === 'object' ? (config.ranges.get('layers') ?? site.range) : site.range,
        reason: `its layers are not known statically: ${layers.kind === 'unknown' ? layers.reason : describe(layers)}`,
      });
    }
    return m;
  }

  /** `model.add(layer)`: applies the layer to the model's current output. */
  add(m: ModelV, v: JsValue, site: Site, extend = true): void {
    if (extend && site.range.end.line > m.range.end.line) m.range = { start: m.range.start, end: site.range.end };
    if (m.type !== 'sequential') {
      m.reasons.push({ range: site.range, reason: 'add() is only defined on sequential models' });
      return;
    }
    const layer = v.kind === 'layer' || v.kind === 'model' ? v : this.placeholder(v, site);
    const current = m.outputs[0] ?? this.firstInput(m, layer, site);
    if (!current) return;
    const callRange = extend ? site.range : null;
    this.recorder = m.calls;
    let outs: SymV[];
    try {
      outs =
        layer.kind === 'model'
          ? this.applyModel(layer, [current], site, `${modelLabel(layer)}/`)
          : this.call(layer, [current], callRange);
    } catch (e) {
      if (e instanceof StepBudgetExceeded)
        m.reasons.push({
          range: site.range,
          reason: `the analysis stopped while this model was being built: ${e.message}`,
        });
      throw e;
    } finally {
      this.recorder = null;
    }
    m.outputs = [outs[0]];
    if (outs.length > 1)
      m.reasons.push({
        range: site.range,
        reason: `${describe(layer)} returns several tensors; a sequential model takes one`,
      });
  }

  /** A layer value standing for something added that is not a layer (Unknown, a wrong value). */
  private placeholder(v: JsValue, site: Site): LayerV {
    const reason =
      v.kind === 'unknown' ? `not a known layer: ${v.reason}` : `add() expects a layer, got ${describe(v)}`;
    return {
      kind: 'layer',
      id: this.nextId++,
      factory: 'unknown',
      className: 'Unknown',
      name: `unknown_${this.uid('Unknown')}`,
      spec: null,
      config: null,
      range: site.range,
      declaredInput: null,
      reason,
      reasonRange: v.kind === 'unknown' ? (v.range ?? site.range) : site.range,
    };
  }

  /** The input a sequential model gets from its first layer (or --input); null when that layer is an InputLayer. */
  private firstInput(m: ModelV, layer: LayerV | ModelV, site: Site): SymV | null {
    if (layer.kind === 'model') {
      const shape = layer.inputs[0]?.shape;
      const input = this.makeInput(
        shape ? [layer.inputs[0].nullBatch ? null : shape[0], ...shape.slice(1)] : null,
        this.uid('input'),
        `the input of ${modelLabel(layer)}`,
        site.range,
      );
      m.inputs = [input];
      return input;
    }
    const stated = layer.declaredInput ? undefined : this.statedInput(m);
    const declared = stated?.shape ?? layer.declaredInput;
    const source = stated ? `// wattlens: input comment, line ${stated.line + 1}` : `inputShape of ${layer.name}`;
    if (!declared && layer.inputUnknown && !this.options.input)
      m.reasons.push({ range: layer.reasonRange ?? layer.range, reason: `${layer.name}: ${layer.inputUnknown}` });
    const input = this.makeInput(
      declared,
      `${layer.name}_input`,
      source,
      layer.range,
      layer.reason
        ? `the first layer's configuration is unknown`
        : 'the first layer of a sequential model needs an inputShape (or batchInputShape); pass --input to analyse it',
    );
    if (!input.shape && !declared && !layer.reason && !this.options.input)
      m.reasons.push({ range: layer.range, reason: input.reason! });
    m.inputs = [input];
    if (layer.className === 'InputLayer' && !layer.reason) {
      m.outputs = [input];
      return null;
    }
    return input;
  }

  /** `tf.model({inputs, outputs, name})`: the calls between the inputs and the outputs. */
  functional(config: JsValue, site: Site): ModelV {
    const nameOpt = config.kind === 'object' ? config.props.get('name') : undefined;
    const m = this.newModel('functional', nameOpt?.kind === 'str' ? nameOpt.value : this.uid('model'), site.range);
    if (config.kind !== 'object') {
      m.reasons.push({
        range: site.range,
        reason:
          config.kind === 'unknown'
            ? `its configuration is not known statically: ${config.reason}`
            : 'tf.model expects {inputs, outputs}',
      });
      return m;
    }
    const list = (v: JsValue | undefined): JsValue[] => (v?.kind === 'array' ? v.items : v ? [v] : []);
    const inputs = list(config.props.get('inputs'));
    const outputs = list(config.props.get('outputs'));
    for (const [what, vs] of [
      ['inputs', inputs],
      ['outputs', outputs],
    ] as const) {
      if (!vs.length) m.reasons.push({ range: site.range, reason: `tf.model: ${what} are missing` });
      for (const v of vs)
        if (v.kind !== 'symbolic')
          m.reasons.push({
            range: config.ranges.get(what) ?? site.range,
            reason: `${what}: ${v.kind === 'unknown' ? v.reason : `${describe(v)} is not a symbolic tensor`}`,
          });
    }
    m.inputs = inputs.filter((v): v is SymV => v.kind === 'symbolic');
    const first = m.inputs
      .map((x) => x.input?.range.start)
      .filter((p) => !!p)
      .sort((p, q) => p!.line - q!.line || p!.character - q!.character)[0];
    if (first && first.line < m.range.start.line) m.range = { start: first, end: m.range.end };
    m.outputs = outputs.filter((v): v is SymV => v.kind === 'symbolic');
    m.calls = this.collectCalls(m, site);
    return m;
  }

  /** The calls on the paths from the model's inputs to its outputs, in the order they were made. */
  private collectCalls(m: ModelV, site: Site): LayerCall[] {
    const inputs = new Set(m.inputs);
    const seen = new Map<number, LayerCall>();
    const stack = [...m.outputs];
    while (stack.length) {
      const t = stack.pop()!;
      if (inputs.has(t)) continue;
      if (!t.node) {
        if (t.input)
          m.reasons.push({
            range: site.range,
            reason: `an output depends on input ${t.input.name}, which is not among the model's inputs`,
          });
        continue;
      }
      if (seen.has(t.node.id)) continue;
      seen.set(t.node.id, t.node);
      stack.push(...t.node.inputs, ...(t.node.dependsOn ?? []));
      if (t.node.dependsOnUnknown)
        m.reasons.push({ range: t.node.reasonRange ?? site.range, reason: `${t.node.path}: ${t.node.reason}` });
    }
    return displayOrder([...seen.values()], m.outputs);
  }

  /** Applies a whole model to new inputs (a model used as a layer): its calls replayed under `prefix`. */
  applyModel(inner: ModelV, inputs: SymV[], site: Site, prefix: string): SymV[] {
    inner.nested = true;
    const map = new Map<SymV, SymV>();
    inner.inputs.forEach((x, i) => map.set(x, inputs[i] ?? inputs[0]));
    for (const c of inner.calls) {
      if (!c.layer) continue;
      const outs = this.call(
        c.layer,
        c.inputs.map((x) => map.get(x) ?? x),
        site.range,
        prefix + c.path.slice(0, c.path.length - c.layer.name.length),
      );
      c.outputs.forEach((o, i) => map.set(o, outs[i] ?? outs[0]));
    }
    if (!inner.outputs.length)
      return [
        {
          kind: 'symbolic',
          id: this.nextId++,
          shape: null,
          nullBatch: true,
          node: null,
          reason: `${modelLabel(inner)} has no known output`,
        },
      ];
    return inner.outputs.map(
      (o) =>
        map.get(o) ?? {
          kind: 'symbolic',
          id: this.nextId++,
          shape: null,
          nullBatch: true,
          node: null,
          reason: `${modelLabel(inner)} could not be replayed`,
        },
    );
  }

  /** The layers of a model, as `model.layers` lists them. */
  layersOf(m: ModelV): JsValue {
    const seen = new Set<LayerV>();
    for (const c of m.calls) if (c.layer) seen.add(c.layer);
    return arr([...seen]);
  }
}

/**
 * The order tfjs's model.layers (and summary()) lists a functional model's layers in: by depth from
 * the outputs, deepest first, ties by the order a depth-first walk from the outputs meets them. It is
 * also an order the calls can be replayed in (a call is deeper than any call using its output).
 */
function displayOrder(calls: LayerCall[], outputs: SymV[]): LayerCall[] {
  const inSet = new Set(calls);
  const sources = (c: LayerCall) => [...c.inputs, ...(c.dependsOn ?? [])];
  const depth = new Map<LayerCall, number>(calls.map((c) => [c, 0]));
  for (const c of [...calls].sort((a, b) => b.id - a.id))
    for (const t of sources(c))
      if (t.node && inSet.has(t.node)) depth.set(t.node, Math.max(depth.get(t.node)!, depth.get(c)! + 1));
  const met = new Map<unknown, number>();
  const visited = new Set<LayerCall>();
  const stack = [...outputs].reverse();
  while (stack.length) {
    const node = stack.pop()!.node;
    if (!node || !inSet.has(node) || visited.has(node)) continue;
    visited.add(node);
    const key = node.layer ?? node;
    if (!met.has(key)) met.set(key, met.size);
    stack.push(...sources(node).reverse());
  }
  const order = (c: LayerCall) => met.get(c.layer ?? c) ?? Infinity;
  return [...calls].sort((a, b) => depth.get(b)! - depth.get(a)! || order(a) - order(b) || a.id - b.id);
}

/** Layer calls one analysis records at most; beyond that an unbounded loop is assumed. */
export const MAX_LAYER_CALLS = 20_000;

/** Option names through which any layer declares the model input. */
const INPUT_OPTIONS = ['inputShape', 'batchInputShape', 'batchSize', 'inputDim', 'inputLength'];

/** The batch input shape a layer's options declare, following tfjs's Layer constructor. */
function declaredInput(o: LayerOptions, factory: string): (number | null)[] | null {
  const batchInput = o.shape('batchInputShape', true);
  if (batchInput) return batchInput;
  const batchSize = o.has('batchSize') ? o.int('batchSize') : null;
  const inputShape = o.shape('inputShape', true);
  if (inputShape) return [batchSize, ...inputShape];
  if (factory === 'dense' && o.has('inputDim')) return [batchSize, o.int('inputDim')];
  if (factory === 'embedding') {
    const len = o.shape('inputLength', true);
    return [batchSize, ...(len ?? [null])];
  }
  return null;
}
