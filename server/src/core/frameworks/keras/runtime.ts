// Keras semantics for the interpreter (FrameworkHooks): layer and model objects, calling them on
// symbolic tensors (building weights on first call), the functional graph, and the trace of roots.
import type { Precision } from '../../report/types';
import type { Range } from '../../parse/syntax';
import {
  type Value,
  type ClassV,
  type InstanceV,
  type TensorV,
  type CallSite,
  type FuncV,
  type BuiltinV,
  NONE,
  list,
  tuple,
  unknown,
  typeName,
} from '../../interpreter/python/values';
import type { FrameworkHooks } from '../../interpreter/python/hooks';
import type { Interpreter } from '../../interpreter/python/interpreter';
import { raise, PyError } from '../../interpreter/python/errors';
import { lookupClassAttr } from '../../interpreter/python/classes';
import { toArgValue } from '../torch/modules';
import type { ArgValue } from '../torch/layers/layerSpec';
import {
  type KerasLayerSpec,
  type KForward,
  type Shape,
  ShapeError,
  LayerArgError,
  extraFlopsOf,
  kerasOpCost,
  showShape,
} from './layers/spec';
import { missingCostReason } from '../../opCosts/opCosts';
import { KerasObjects, type KerasState, type WeightRec } from './objects';
import { KerasGraph, replay, tensorsIn } from './graph';
import { KerasTracer } from './tracer';
import { tensorBinary, tensorUnary, tensorItem, constantShape } from './ops';
import type { KerasClasses } from './classes';
import type { KerasHost, KerasOptions } from './host';

/** Why MACs are null when a dimension is None. */
export const NONE_DIM =
  "a dimension is None (known only at run time): declare the input with '# wattlens: input=(...)' or pass --input";

/** Keras semantics plugged into the interpreter. */
export class KerasRuntime implements FrameworkHooks, KerasHost {
  readonly objects = new KerasObjects();
  readonly graph = new KerasGraph();
  readonly tracer = new KerasTracer();
  private readonly made = new WeakSet<TensorV>();
  /** Keras masks (`_keras_mask`) by the tensor they belong to. */
  private readonly masks = new WeakMap<TensorV, Value>();
  interp!: Interpreter;
  classes!: KerasClasses;
  /** How many Inputs built from data have taken an --input shape. */
  inputsStated = 0;

  constructor(readonly options: KerasOptions) {}

  getAttr(obj: Value, name: string, site: CallSite): Value | undefined {
    const st = this.objects.get(obj);
    return st ? this.classes.attribute(obj as InstanceV, st, name, site) : undefined;
  }

  setAttr(obj: Value, name: string, value: Value): boolean {
    if (!this.objects.get(obj)) return false;
    (obj as InstanceV).attrs.set(name, value);
    return true;
  }

  call(callee: Value, args: Value[], kwargs: Map<string, Value>, site: CallSite): Value | undefined {
    return this.objects.get(callee) ? this.callLayer(callee as InstanceV, args, kwargs, site) : undefined;
  }

  binary(op: string, a: Value, b: Value, site: CallSite): Value | undefined {
    return this.owns(a) || this.owns(b) ? tensorBinary(this, op, a, b, site) : undefined;
  }

  unary(op: string, v: Value, site: CallSite): Value | undefined {
    return this.owns(v) ? tensorUnary(this, op, v as TensorV, site) : undefined;
  }

  getItem(obj: Value, index: Value, site: CallSite): Value | undefined {
    return this.owns(obj) ? tensorItem(this, obj as TensorV, index, site) : undefined;
  }

  /** The global mixed-precision policy in force (`set_global_policy`), as a stated precision; none: float32. */
  policy: { precision: Precision; source: string } | undefined;
  /** The policy's name, for `global_policy()`. */
  policyName = 'float32';

  /** `set_global_policy(name)`: layers built from now on compute at the policy's precision. */
  setPolicy(name: string | undefined, source: string): void {
    this.policyName = name ?? 'float32';
    const compute =
      name === 'mixed_float16' || name === 'float16'
        ? 'fp16'
        : name === 'mixed_bfloat16' || name === 'bfloat16'
          ? 'bf16'
          : undefined;
    this.policy = compute ? { precision: compute, source } : undefined;
  }

  instantiate(cls: ClassV, site: CallSite): Value | undefined {
    const base = this.classes.baseOf(cls);
    if (!base) return undefined;
    const user = !this.classes.isBuiltin(cls);
    const ownCall = user && lookupClassAttr(cls, 'call')?.kind === 'func';
    const kind = base.kind === 'leaf' && !ownCall ? 'leaf' : base.kind === 'Sequential' ? 'sequential' : 'custom';
    const inst: InstanceV = { kind: 'instance', cls, attrs: new Map() };
    const autoClass = user ? cls.name : base.kind === 'Model' ? 'Functional' : cls.name;
    this.objects.register(inst, {
      kind,
      isModel: base.kind === 'Model' || base.kind === 'Sequential',
      name: this.objects.autoName(autoClass),
      autoClass,
      callerLines: [...this.interp.callLines],
      range: site.range,
      spec: kind === 'leaf' ? base.spec : undefined,
      built: false,
      weights: [],
      layers: [],
      ...(this.policy ? { precision: this.policy } : {}),
    });
    return inst;
  }

  /** True for tensors this runtime made or owns (Keras tensors, or any tensor while a Keras trace runs). */
  owns(v: Value): boolean {
    return v.kind === 'tensor' && (this.tracer.active || this.made.has(v) || this.graph.isKeras(v));
  }

  /** A new tensor owned by Keras. */
  tensor(shape: Shape | null, dtype: TensorV['dtype'] = 'float32', reason?: string, origin?: string): TensorV {
    const t: TensorV = { kind: 'tensor', shape, dtype };
    if (reason) t.reason = reason;
    if (origin) t.origin = origin;
    this.made.add(t);
    return t;
  }

  /** Calls a layer or model from Python code: runs it and records the call in the functional graph. */
  callLayer(inst: InstanceV, args: Value[], kwargs: Map<string, Value>, site: CallSite): Value {
    const st = this.objects.get(inst)!;
    if ((st.isModel || st.kind === 'custom') && !this.tracer.active && !st.observed)
      this.observe(st, args[0] ?? kwargs.get('inputs'), `the call at line ${site.range.start.line + 1}`, site.range);
    const out = this.invokeOrFail(inst, st, args, kwargs, site);
    this.graph.add({
      layer: inst,
      label: st.name,
      args,
      kwargs,
      outputs: tensorsIn(out),
      site,
      apply: (a, k) => this.invoke(inst, a, k, site),
    });
    return out;
  }

  /**
   * Runs a layer or model; when its build() or call() raises, the call's output is an unknown tensor
   * carrying the error and its line, and the layer's parameters become unknown — never a model that
   * silently lacks the layer. The step budget still stops everything.
   */
  private invokeOrFail(
    inst: InstanceV,
    st: KerasState,
    args: Value[],
    kwargs: Map<string, Value>,
    site: CallSite,
  ): Value {
    try {
      return this.invoke(inst, args, kwargs, site);
    } catch (e) {
      if (!(e instanceof PyError)) throw e;
      const line = (e.range ?? site.range).start.line + 1;
      const reason = `${st.name} failed: ${e.pyType}: ${e.message} (line ${line})`;
      if (!st.built) st.unresolved ??= reason;
      this.interp.report(e.range ?? site.range, reason, 'information');
      const inputs = tensorsIn(args[0] ?? kwargs.get('inputs'));
      this.tracer.record(
        {
          op: inst.cls.name,
          inputs: inputs.map((t) => t.shape),
          output: null,
          macs: null,
          flops: null,
          params: null,
          reason,
        },
        st.range,
        callRangeOf(st, site),
        this.localName(inst),
        inst,
      );
      return this.tensor(null, 'float32', reason);
    }
  }

  /** Records the first tensors a model was run on, as its input when nothing else declares one. */
  observe(st: KerasState, v: Value | undefined, source: string, range: Range): void {
    const ts = tensorsIn(v);
    if (ts.length && ts.every((t) => t.shape))
      st.observed = { shapes: ts.map((t) => t.shape!), source, line: range.start.line, rule: 'call' };
    // A model called on a Python list (gnn_model([1, 10, 100])) runs on it as a constant tensor.
    const constant = !ts.length && v ? constantShape(v) : undefined;
    if (constant) st.observed = { shapes: [constant], source, line: range.start.line, rule: 'call' };
  }

  /** Runs a layer or model on its arguments (no graph node). */
  invoke(inst: InstanceV, args: Value[], kwargs: Map<string, Value>, site: CallSite): Value {
    const st = this.objects.get(inst)!;
    this.interp.budget.step(site);
    if (st.kind === 'leaf') return this.invokeLeaf(inst, st, args, kwargs, site);
    // A layer that returns one of its inputs (CTCLayer's `return y_pred`) gets a fresh output tensor, so
    // the tensor keeps the producer it had and the functional graph keeps the layers before it.
    const before = new Set([...args.flatMap(tensorsIn), ...[...kwargs.values()].flatMap(tensorsIn)]);
    this.tracer.enter(inst, this.localName(inst));
    let out: Value;
    try {
      if (st.kind === 'sequential') out = this.runSequential(st, args[0] ?? kwargs.get('inputs') ?? NONE, site);
      else if (st.kind === 'functional') out = replay(st.graph!, this.graphInputs(st, args, kwargs));
      else out = this.invokeCustom(inst, st, args, kwargs, site);
    } finally {
      this.tracer.exit();
    }
    if (out.kind !== 'tensor' || !before.has(out)) return out;
    const fresh = this.tensor(out.shape, out.dtype, out.reason);
    this.tracer.flow?.alias(fresh, out);
    return fresh;
  }

  /** Runs a Sequential's layers in order; each is 'called' where it was constructed. */
  private runSequential(st: KerasState, x: Value, site: CallSite): Value {
    if (st.layers.length === 0) raise('ValueError', `Sequential model '${st.name}' has no layers`, site.range);
    for (const layer of st.layers) x = this.invoke(layer, [x], new Map(), { range: this.objects.get(layer)!.range });
    st.built = true;
    return x;
  }

  private graphInputs(st: KerasState, args: Value[], kwargs: Map<string, Value>): Value[] {
    const first = args[0] ?? kwargs.get('inputs') ?? NONE;
    const n = st.graph!.inputs.length;
    if ((first.kind === 'list' || first.kind === 'tuple') && (n > 1 || first.items.length === 1)) return first.items;
    return n > 1 ? args : [first];
  }

  /** The name a layer has under the composite now running: its attribute name in a subclass, else its Keras name. */
  localName(inst: InstanceV): string {
    const parent = this.tracer.parent();
    const pst = parent && this.objects.get(parent);
    if (parent && pst?.kind === 'custom') {
      const hit = this.objects.tracked(parent).find(([, l]) => l === inst);
      if (hit) return hit[0];
    }
    return this.objects.get(inst)!.name;
  }

  private invokeCustom(
    inst: InstanceV,
    st: KerasState,
    args: Value[],
    kwargs: Map<string, Value>,
    site: CallSite,
  ): Value {
    const call = lookupClassAttr(inst.cls, 'call');
    if (!call || (call.kind !== 'func' && call.kind !== 'builtin'))
      return raise('NotImplementedError', `${inst.cls.name} does not define call()`, site.range);
    const input = args[0] ?? kwargs.get('inputs');
    if (!st.built && !st.building) this.buildInherited(inst, st, input);
    if (!st.built && !st.building) this.buildCustom(inst, st, input, site);
    const mask = this.maskOf(input);
    const withMask =
      mask && !kwargs.has('mask') && call.kind === 'func' && call.params.some((p) => p.name === 'mask')
        ? new Map([...kwargs, ['mask', mask]])
        : kwargs;
    const out = this.interp.callValue(
      this.interp.bindAttr(inst, call, site),
      args,
      acceptedKwargs(call, withMask),
      site,
    );
    st.built = true;
    this.propagateMask(inst, input, mask, out, site);
    return out;
  }

  /**
   * A subclass of a built-in layer that overrides call() (a StandardizedConv2D): its weights are the
   * built-in's, created from the input shape before the call, so `self.kernel` and the parameters exist.
   */
  private buildInherited(inst: InstanceV, st: KerasState, input: Value | undefined): void {
    const spec = this.classes.baseOf(inst.cls)?.spec;
    const shapes = tensorsIn(input).map((t) => t.shape);
    if (!spec || st.config === undefined || !shapes.length || shapes.some((s) => !s)) return;
    try {
      st.weights = spec.build(st.config, shapes as Shape[]);
    } catch (e) {
      if (!(e instanceof ShapeError) && !(e instanceof LayerArgError)) throw e;
      st.buildFailed ??= `${spec.op}: ${e.message}`;
    }
  }

  /** `self.convolution_op(inputs, kernel)` in a Conv subclass: the built-in convolution's output and cost. */
  convolutionOp(args: Value[], site: CallSite): Value {
    const inst = args[0] as InstanceV;
    const st = this.objects.get(inst);
    const spec = st && this.classes.baseOf(inst.cls)?.spec;
    const x = args[1];
    if (!st || !spec || st.config === undefined)
      return unknown('convolution_op of a layer that is not configured', site.range);
    if (x?.kind !== 'tensor' || !x.shape)
      return this.tensor(
        null,
        'float32',
        x?.kind === 'tensor' ? x.reason : 'convolution_op() of something that is not a known tensor',
      );
    try {
      const r = spec.call(st.config, [x.shape], {});
      this.recordLeaf(inst, st, spec, [x.shape], r, this.localName(inst) + '.convolution_op', site);
      return this.tensor(r.outputs[0]);
    } catch (e) {
      if (!(e instanceof ShapeError) && !(e instanceof LayerArgError)) throw e;
      return this.tensor(null, 'float32', `${spec.op}: ${e.message}`);
    }
  }

  /** The Keras mask a tensor carries (`_keras_mask`), set by a layer's compute_mask or passed along. */
  maskOf(v: Value | undefined): Value | undefined {
    const t = tensorsIn(v)[0];
    return t && this.masks.get(t);
  }

  /**
   * Sets the mask of a custom layer's outputs as Layer.__call__ does: its compute_mask(inputs, mask)
   * when it defines one, else the input's mask when it says supports_masking = True.
   */
  private propagateMask(
    inst: InstanceV,
    input: Value | undefined,
    mask: Value | undefined,
    out: Value,
    site: CallSite,
  ): void {
    const outputs = tensorsIn(out);
    if (!outputs.length) return;
    const compute = lookupClassAttr(inst.cls, 'compute_mask');
    let result: Value | undefined;
    if (compute?.kind === 'func')
      result = this.interp.callValue(
        this.interp.bindAttr(inst, compute, site),
        [input ?? NONE],
        new Map([['mask', mask ?? NONE]]),
        site,
      );
    else if (
      inst.attrs.get('supports_masking')?.kind === 'bool' &&
      (inst.attrs.get('supports_masking') as { value: boolean }).value
    )
      result = mask;
    if (result && result.kind !== 'none') for (const t of outputs) this.masks.set(t, result);
  }

  /** Runs a custom layer's own build(input_shape) before its first call, as Layer.__call__ does. */
  private buildCustom(inst: InstanceV, st: KerasState, input: Value | undefined, site: CallSite): void {
    const build = lookupClassAttr(inst.cls, 'build');
    if (build?.kind !== 'func') return;
    st.building = true;
    try {
      this.interp.callValue(this.interp.bindAttr(inst, build, site), [shapeValue(input)], new Map(), site);
    } finally {
      st.building = false;
    }
  }

  private invokeLeaf(
    inst: InstanceV,
    st: KerasState,
    args: Value[],
    kwargs: Map<string, Value>,
    site: CallSite,
  ): Value {
    const spec = st.spec!;
    const local = this.localName(inst);
    const values = leafInputs(spec, args, kwargs);
    const shapes = values.map((v) => (v.kind === 'tensor' ? v.shape : null));
    const fail = (reason: string, isDefect: boolean): Value => {
      if (isDefect) this.shapeProblem(reason, site);
      if (!st.built) st.buildFailed ??= reason;
      this.tracer.record(
        {
          op: spec.op,
          inputs: shapes,
          output: null,
          macs: null,
          flops: null,
          params: this.objects.ownParams(inst),
          reason,
        },
        st.range,
        callRangeOf(st, site),
        local,
        inst,
        statedOf(st),
      );
      return this.tensor(null, 'float32', reason);
    };
    if (st.unresolved) return fail(st.unresolved, false);
    if (values.length === 0) return fail(`${spec.op} was called without a tensor input`, false);
    const bad = values.find((v) => v.kind !== 'tensor' || !v.shape);
    if (bad)
      return fail(
        bad.kind === 'unknown'
          ? bad.reason
          : bad.kind === 'tensor'
            ? (bad.reason ?? 'input shape is unknown')
            : `${spec.op} expects tensors, got ${typeName(bad)}`,
        false,
      );
    try {
      const known = shapes as Shape[];
      this.build(st, spec, known);
      const r = spec.call(st.config, known, callKwargs(kwargs));
      this.recordLeaf(inst, st, spec, known, r, local, site);
      const outs = r.outputs.map((s) => this.tensor(s));
      this.tracer.flow?.layerCalled(values, outs);
      return !r.multi ? outs[0] : spec.inputs === 'attention' ? tuple(outs) : list(outs);
    } catch (e) {
      if (!(e instanceof ShapeError) && !(e instanceof LayerArgError)) throw e;
      return fail(e.message.startsWith(spec.op) ? e.message : `${spec.op}: ${e.message}`, true);
    }
  }

  /** Builds a leaf's weights on first call; a later call on other shapes is an error, as in Keras. */
  private build(st: KerasState, spec: KerasLayerSpec<unknown>, shapes: Shape[]): void {
    const weights: WeightRec[] = spec.build(st.config, shapes);
    if (!st.built) {
      st.weights = weights;
      st.built = true;
    } else if (JSON.stringify(weights.map((w) => w.shape)) !== JSON.stringify(st.weights.map((w) => w.shape))) {
      throw new ShapeError(
        `layer "${st.name}" was built for other inputs than ${shapes.map(showShape).join(', ')} (its weights would not fit)`,
      );
    }
  }

  private recordLeaf(
    inst: InstanceV,
    st: KerasState,
    spec: KerasLayerSpec<unknown>,
    shapes: Shape[],
    r: KForward,
    local: string,
    site: CallSite,
  ): void {
    const extra = extraFlopsOf(spec.op, r, shapes);
    const macs = Number.isFinite(r.macs) ? r.macs : null;
    const flops = macs === null || extra === null || !Number.isFinite(extra) ? null : 2 * macs + extra;
    const reason =
      macs === null || (extra !== null && !Number.isFinite(extra))
        ? NONE_DIM
        : flops === null
          ? r.extraFlops === undefined && !kerasOpCost(spec.op)
            ? missingCostReason(spec.op)
            : 'the activation is a Python function: its FLOPs are not modelled'
          : undefined;
    this.tracer.record(
      { op: spec.op, inputs: shapes, output: r.outputs[0], macs, flops, params: this.objects.ownParams(inst), reason },
      st.range,
      callRangeOf(st, site),
      local,
      inst,
      statedOf(st),
    );
  }

  /** Records a shape problem: a warning, as it is a real defect in the model code. */
  shapeProblem(message: string, site: CallSite): void {
    if (this.tracer.active) this.tracer.problem(site.range, message, 'shape-mismatch', 'warning');
    else this.interp.report(site.range, message, 'warning');
  }
}

/** The precision a layer computes at: the policy it was built under, or its own dtype= (classes.ts). */
function statedOf(st: KerasState): { precision: Precision; source: string } | undefined {
  return st.precision;
}

/** Where a layer is called, or null when that is where it was constructed (a Sequential's layers). */
function callRangeOf(st: KerasState, site: CallSite): Range | null {
  const a = st.range;
  const b = site.range;
  const same =
    a.start.line === b.start.line &&
    a.start.character === b.start.character &&
    a.end.line === b.end.line &&
    a.end.character === b.end.character;
  return same ? null : b;
}

/** The tensors a built-in layer is called on: one, a list (merge layers), or query/value/key. */
function leafInputs(spec: KerasLayerSpec<unknown>, args: Value[], kwargs: Map<string, Value>): Value[] {
  if (spec.inputs === 'attention') {
    const q = args[0] ?? kwargs.get('query');
    const v = args[1] ?? kwargs.get('value');
    const k = args[2] ?? kwargs.get('key');
    return [q, v, k].filter((x): x is Value => !!x && x.kind !== 'none');
  }
  const first = args[0] ?? kwargs.get('inputs');
  if (!first) return [];
  if (spec.inputs === 'list') return first.kind === 'list' || first.kind === 'tuple' ? first.items : [first];
  return [first];
}

/** Call keywords a spec may read (return_attention_scores, ...), as plain values. */
function callKwargs(kwargs: Map<string, Value>): Record<string, ArgValue> {
  const out: Record<string, ArgValue> = {};
  for (const [k, v] of kwargs) {
    try {
      out[k] = toArgValue(v, k);
    } catch {
      /* tensors, masks and unknowns are not read by specs */
    }
  }
  return out;
}

/** Drops keywords (training, mask) that a user call() does not declare, as Layer.__call__ does. */
function acceptedKwargs(call: FuncV | BuiltinV, kwargs: Map<string, Value>): Map<string, Value> {
  if (call.kind === 'builtin' || call.params.some((p) => p.kind === 'kwargs')) return kwargs;
  return new Map([...kwargs].filter(([k]) => call.params.some((p) => p.name === k)));
}

/** The `input_shape` a build() receives: a tuple with None for the batch and unknown dimensions. */
export function shapeValue(v: Value | undefined): Value {
  if (v?.kind === 'tensor' && v.shape)
    return tuple(v.shape.map((d, i) => (i === 0 || !Number.isFinite(d) ? NONE : { kind: 'int', value: d })));
  if (v && (v.kind === 'list' || v.kind === 'tuple')) return list(v.items.map(shapeValue));
  return unknown('the input shape is unknown');
}
