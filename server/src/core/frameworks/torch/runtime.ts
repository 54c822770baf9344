// The torch framework plugged into the interpreter: module attribute registration, module calls
// (tracing a root model's forward), tensor operators and indexing, and the cost recording.
import type { Range } from '../../parse/syntax';
import {
  type Value,
  type ClassV,
  type ModuleV,
  type TensorV,
  type CallSite,
  NONE,
  FALSE,
  int,
  tuple,
  unknown,
} from '../../interpreter/python/values';
import type { FrameworkHooks } from '../../interpreter/python/hooks';
import type { Interpreter } from '../../interpreter/python/interpreter';
import { PyError, raise } from '../../interpreter/python/errors';
import { StepBudgetExceeded } from '../../interpreter/stepBudget';
import { lookupClassAttr, builtinBase, mro } from '../../interpreter/python/classes';
import { PrecisionState } from './precision';
import { valued, rowValues } from './tensorValues';
import { Tracer, type LayerCall, type TraceProblem } from './tracer';
import { LoopSites, RootSteps, type StepTrace } from './decodeSteps';
import type { InputRule } from '../../report/types';
import {
  newModule,
  registerAttr,
  ownAttr,
  cloneModule,
  containerItems,
  containerKind,
  childAt,
  layerParamElems,
  UNKNOWN_ENTRY,
  childrenView,
} from './modules';
import { tensorAttr, tensorBinary, indexTensor, guarded } from './tensorOps';
import { type TensorInfo, type ForwardOut, ShapeError, elementCount } from './layers/layerSpec';

/** The op name recorded for a call of something unresolved (it may hide parameters and MACs). */
export const UNKNOWN_OP = '?';

/** One traced root model: the module, its input and where that came from, and what ran. */
export interface RootRun {
  module: ModuleV;
  callRange: Range;
  inputs: TensorV[];
  inputSource: string;
  inputRule: InputRule;
  calls: LayerCall[];
  problems: TraceProblem[];
  output: Value;
  /** Set when the trace stopped early (an exception in forward, the budget). */
  aborted?: string;
  /** The arguments of the root's first call, as the file passed them (before --input or a comment replaced them). */
  args?: Value[];
  kwargs?: Map<string, Value>;
  /** Later calls of the root from inside loops (a hand-written decode loop's steps), by call site. */
  steps?: RootSteps;
}

/** Options that change how roots are traced. */
export interface TraceOptions {
  /** `--input` shapes, replacing the tensors the file passes, and their dtypes (`:int64`) where given. */
  input?: number[][];
  inputDtypes?: (TensorV['dtype'] | undefined)[];
  /** `--batch`, replacing dimension 0 of every input. */
  batch?: number;
  /** Shapes declared by `# wattlens: input=...` comments, by 0-based line. */
  declaredInputs: Map<number, number[][]>;
  /** Their dtypes (`input=(1,77):int64`), where a comment gives them. */
  declaredDtypes?: Map<number, (TensorV['dtype'] | undefined)[]>;
}

/** What the runtime asks of the memo of module calls (moduleMemo.ts's MemoRun): a forward pass, replayed when it can be. */
export interface ForwardMemo {
  forward(m: ModuleV, args: Value[], kwargs: Map<string, Value>, site: CallSite, fresh: () => Value): Value;
}

/** Torch semantics for the interpreter (FrameworkHooks) plus the trace of root models. */
export class TorchRuntime implements FrameworkHooks {
  readonly tracer = new Tracer();
  readonly roots: RootRun[] = [];
  interp!: Interpreter;
  /** The memo of module calls, when the language server keeps one for the document. */
  memo?: ForwardMemo;
  /** What precision the code states: autocast regions, converted and quantized modules, half inputs. */
  readonly precision = new PrecisionState();
  /** Which call sites sit in loops (set with the module's syntax tree by the session). */
  loopSites = new LoopSites(undefined);

  constructor(readonly options: TraceOptions) {
    this.tracer.statedPrecision = (op, module, parent, inputs) => this.precision.of(op, module, parent, inputs);
    this.tracer.statedSparsity = (module) => this.precision.sparsityOf(module);
  }

  enterContext(value: Value): (() => void) | undefined {
    return this.precision.enter(value);
  }

  getAttr(obj: Value, name: string, site: CallSite): Value | undefined {
    if (obj.kind === 'tensor') return tensorAttr(this, obj, name, site);
    if (obj.kind !== 'module') return undefined;
    if (name === '_modules') return childrenView(obj);
    const own = ownAttr(obj, name);
    if (own !== undefined) return own;
    const attr = lookupClassAttr(obj.cls, name);
    if (attr !== undefined) return this.interp.bindAttr(obj, attr, site);
    // Models are traced as inference runs them: in eval mode unless the code calls .train().
    if (name === 'training') return FALSE;
    if (obj.unresolved) return unknown(obj.unresolved, site.range);
    return raise('AttributeError', `'${obj.cls.name}' object has no attribute '${name}'`, site.range);
  }

  setAttr(obj: Value, name: string, value: Value): boolean {
    if (obj.kind === 'tensor') return true;
    if (obj.kind !== 'module') return false;
    // An attribute set to something not understood while the model is built may be a parameter or a
    // layer (`self.table = lib.Parameter(...)`): the module's parameters are then unknown, never the rest's sum.
    if (value.kind === 'unknown' && !this.tracer.active && !obj.incomplete)
      obj.incomplete = `self.${name} is unknown (${value.reason})`;
    registerAttr(obj, name, value);
    return true;
  }

  call(callee: Value, args: Value[], kwargs: Map<string, Value>, site: CallSite): Value | undefined {
    if (callee.kind === 'unknown') return this.callUnknown(callee, args, site);
    if (callee.kind !== 'module') return undefined;
    if (this.tracer.active || isLoss(callee.cls)) return this.invokeModule(callee, args, kwargs, site);
    return this.traceRoot(callee, args, kwargs, site);
  }

  /**
   * Something we could not resolve is applied to a tensor inside forward(): it may be a layer with
   * parameters and MACs, so its cost is recorded as unknown rather than silently zero.
   */
  private callUnknown(callee: Value & { kind: 'unknown' }, args: Value[], site: CallSite): Value | undefined {
    const tensors = args.filter((a): a is TensorV => a.kind === 'tensor');
    if (!this.tracer.active || tensors.length === 0) return undefined;
    const reason = `unresolved call: ${callee.reason}`;
    const range = this.interp.visibleRange(site.range);
    this.tracer.record({ op: UNKNOWN_OP, inputs: tensors, output: null, macs: null, reason }, range, range);
    this.tracer.problem(range, reason, 'unresolved-call');
    return { kind: 'tensor', shape: null, dtype: 'float32', reason };
  }

  /** A forward through a container entry we could not evaluate: an unknown call, an unknown output. */
  private callUnknownEntry(m: ModuleV, args: Value[], site: CallSite): Value {
    const tensors = args.filter((a): a is TensorV => a.kind === 'tensor');
    const reason = m.unresolved!;
    this.tracer.enter(m);
    try {
      this.tracer.record({ op: UNKNOWN_OP, inputs: tensors, output: null, macs: null, reason }, m.range, site.range);
    } finally {
      this.tracer.exit();
    }
    this.tracer.problem(m.range, reason, 'unresolved-call');
    return { kind: 'tensor', shape: null, dtype: 'float32', reason };
  }

  binary(op: string, a: Value, b: Value, site: CallSite): Value | undefined {
    return tensorBinary(this, op, a, b, site);
  }

  unary(op: string, v: Value, site: CallSite): Value | undefined {
    if (v.kind !== 'tensor') return undefined;
    return op === '-' ? this.recordOp('mul', [v], { ...v, isParam: false }, 0, site) : v;
  }

  getItem(obj: Value, index: Value, site: CallSite): Value | undefined {
    if (obj.kind === 'module') return this.moduleItem(obj, index, site);
    if (obj.kind !== 'tensor') return undefined;
    if (!obj.shape) return obj;
    if (obj.values && index.kind === 'int' && obj.shape.length)
      return valued(obj.shape.slice(1), obj.dtype, rowValues(obj, index.value));
    const out = guarded(this, () => indexTensor(obj as TensorV & { shape: number[] }, index), site);
    this.tracer.flow?.method(out, obj, 'getitem', [index], new Map());
    return out;
  }

  setItem(obj: Value, index: Value, value: Value): boolean {
    if (obj.kind === 'tensor') return true;
    if (obj.kind !== 'module') return false;
    const key =
      index.kind === 'str'
        ? index.value
        : index.kind === 'int'
          ? ([...obj.children.keys()][index.value] ?? String(index.value))
          : undefined;
    if (key !== undefined) registerAttr(obj, key, value);
    return true;
  }

  iterate(obj: Value): Value[] | undefined {
    if (obj.kind === 'module') return containerItems(obj);
    if (obj.kind === 'tensor' && obj.shape && obj.shape.length > 0) {
      const rows = Array.from({ length: Math.min(obj.shape[0], 4096) }, (_, i) =>
        valued(obj.shape!.slice(1), obj.dtype, rowValues(obj, i)),
      );
      this.tracer.flow?.method(tuple(rows), obj, 'unbind', [], new Map());
      return rows;
    }
    return undefined;
  }

  length(obj: Value): number | undefined {
    if (obj.kind === 'module') return containerItems(obj)?.length;
    if (obj.kind === 'tensor' && obj.shape?.length) return obj.shape[0];
    return undefined;
  }

  instantiate(cls: ClassV, site: CallSite): Value | undefined {
    const base = builtinBase(cls);
    if (!base || base.builtin === 'object') return undefined;
    const m = newModule(cls, this.interp.visibleRange(site.range));
    if (base.spec) m.spec = base.spec;
    return m;
  }

  deepCopy(obj: Value): Value | undefined {
    return obj.kind === 'module' ? cloneModule(obj) : undefined;
  }

  private moduleItem(m: ModuleV, index: Value, site: CallSite): Value {
    const kind = containerKind(m.cls);
    if (kind === 'ModuleDict' && index.kind === 'str') {
      return m.children.get(index.value) ?? raise('KeyError', index.value, site.range);
    }
    if (index.kind === 'int')
      return kind === 'ParameterList' ? [...m.params.values()][index.value] : childAt(m, index.value, site);
    if (index.kind === 'slice' && kind) return this.sliceContainer(m, index, site);
    return raise('TypeError', `'${m.cls.name}' object is not subscriptable with ${index.kind}`, site.range);
  }

  private sliceContainer(m: ModuleV, index: Value, site: CallSite): Value {
    const items = this.interp.getItemValue({ kind: 'list', items: [...m.children.values()] }, index, site);
    const c = newModule(m.cls, m.range);
    if (items.kind === 'list') items.items.forEach((x, i) => x.kind === 'module' && c.children.set(String(i), x));
    return c;
  }

  /** Calls a module inside a trace: its forward (user or built-in), attributed to its path. */
  invokeModule(m: ModuleV, args: Value[], kwargs: Map<string, Value>, site: CallSite): Value {
    // Memoised calls were recorded without a stated precision: once the code states one, they are not reused.
    if (this.memo && !m.cls.builtin && !this.precision.stated)
      return this.memo.forward(m, args, kwargs, site, () => this.runForward(m, args, kwargs, site));
    return this.runForward(m, args, kwargs, site);
  }

  private runForward(m: ModuleV, args: Value[], kwargs: Map<string, Value>, site: CallSite): Value {
    if (m.cls === UNKNOWN_ENTRY) return this.callUnknownEntry(m, args, site);
    const forward = lookupClassAttr(m.cls, 'forward');
    if (!forward) return raise('NotImplementedError', `${m.cls.name} has no forward()`, site.range);
    this.tracer.enter(m);
    try {
      return this.interp.callValue(this.interp.bindAttr(m, forward, site), args, kwargs, site);
    } finally {
      this.tracer.exit();
    }
  }

  /**
   * A call of a module outside any trace: the file runs a model, so trace it as a root. `found` names
   * the rule that chose `args` when the file itself never calls the model (inputRules.ts).
   */
  traceRoot(
    m: ModuleV,
    args: Value[],
    kwargs: Map<string, Value>,
    site: CallSite,
    found?: { source: string; rule: InputRule },
  ): Value {
    const prior = this.roots.find((r) => r.module === m);
    if (prior) return this.laterCall(prior, args, kwargs, site);
    const { inputs, source, rule } = this.resolveInputs(m, args, site, found);
    const run: RootRun = {
      module: m,
      callRange: site.range,
      inputs,
      inputSource: source,
      inputRule: rule,
      calls: [],
      problems: [],
      output: NONE,
      args,
      kwargs,
    };
    this.roots.push(run);
    this.precision.noteInput(inputs[0]);
    this.tracer.begin(m);
    const wasTolerant = this.interp.tolerant;
    this.interp.tolerant = true;
    try {
      run.output = this.invokeModule(m, [...inputs, ...args.slice(inputs.length)], kwargs, site);
    } catch (e) {
      if (e instanceof StepBudgetExceeded) {
        // The trace stopped part-way: its figures are unknown, never the partial sum of what ran.
        run.aborted = e.message;
        this.tracer.problem(e.range ?? site.range, `forward() stopped: ${e.message}`, 'trace-aborted');
        run.output = unknown(e.message, site.range);
        throw e;
      }
      run.aborted =
        e instanceof PyError ? `${e.pyType}: ${e.message}` : `internal analysis error: ${(e as Error).message}`;
      this.tracer.problem((e as PyError).range ?? site.range, `forward() stopped: ${run.aborted}`, 'trace-aborted');
      run.output = unknown(run.aborted, site.range);
    } finally {
      this.interp.tolerant = wasTolerant;
      run.calls = this.tracer.calls;
      run.problems = this.tracer.problems;
    }
    return run.output;
  }

  /**
   * A later call of a traced root: inside a loop it is a step the loop repeats (decodeSteps.ts), whose
   * first few calls are traced on their own; elsewhere the program gets the first call's output back.
   */
  private laterCall(prior: RootRun, args: Value[], kwargs: Map<string, Value>, site: CallSite): Value {
    if (!this.loopSites.inLoop(site.range) || prior.aborted) return prior.output;
    prior.steps ??= new RootSteps();
    const own = prior.inputRule === 'call' || prior.inputRule === 'tensor';
    const first = {
      site: prior.callRange,
      args: prior.args ?? [],
      kwargs: prior.kwargs ?? new Map<string, Value>(),
      trace: own ? { calls: prior.calls, problems: prior.problems, output: prior.output } : undefined,
    };
    const tracer = {
      traceDetached: (a: Value[], k: Map<string, Value>, r: Range) => this.traceDetached(prior.module, a, k, r),
    };
    return prior.steps.record(site.range, args, kwargs, tracer, first);
  }

  /** Traces `args` through `m` on its own (a decode step), leaving the root traces as they were. */
  traceDetached(m: ModuleV, args: Value[], kwargs: Map<string, Value>, range: Range): StepTrace {
    const restore = this.tracer.suspend();
    this.tracer.begin(m);
    const wasTolerant = this.interp.tolerant;
    this.interp.tolerant = true;
    const trace: StepTrace = { calls: [], problems: [], output: NONE };
    try {
      trace.output = this.invokeModule(m, args, kwargs, { range });
    } catch (e) {
      if (e instanceof StepBudgetExceeded) throw e;
      trace.aborted =
        e instanceof PyError ? `${e.pyType}: ${e.message}` : `internal analysis error: ${(e as Error).message}`;
      trace.output = unknown(trace.aborted, range);
    } finally {
      this.interp.tolerant = wasTolerant;
      trace.calls = this.tracer.calls;
      trace.problems = this.tracer.problems;
      restore();
    }
    return trace;
  }

  /** The input tensors for a root: --input, then a `# wattlens: input=` comment, then the call's own tensors. */
  private resolveInputs(
    m: ModuleV,
    args: Value[],
    site: CallSite,
    found?: { source: string; rule: InputRule },
  ): { inputs: TensorV[]; source: string; rule: InputRule } {
    const declared = this.declaredInput(m, site.range);
    const override = this.options.input
      ? { shapes: this.options.input, dtypes: this.options.inputDtypes, source: '--input', rule: 'option' as const }
      : declared;
    let inputs: TensorV[];
    let source: string;
    let rule: InputRule;
    if (override) {
      inputs = override.shapes.map((s, i) => ({
        kind: 'tensor',
        shape: s,
        dtype: override.dtypes?.[i] ?? tensorArgDtype(args[i]),
      }));
      source = override.source;
      rule = override.rule;
    } else {
      inputs = args.filter((a): a is TensorV => a.kind === 'tensor');
      source = found?.source ?? inputs[0]?.origin ?? `the call at line ${site.range.start.line + 1}`;
      rule = found?.rule ?? 'call';
    }
    if (this.options.batch)
      inputs = inputs.map((t) => (t.shape?.length ? { ...t, shape: [this.options.batch!, ...t.shape.slice(1)] } : t));
    return { inputs, source: this.options.batch ? `${source}, batch ${this.options.batch} (--batch)` : source, rule };
  }

  private declaredInput(
    m: ModuleV,
    callRange: Range,
  ): { shapes: number[][]; dtypes?: (TensorV['dtype'] | undefined)[]; source: string; rule: 'declared' } | undefined {
    for (const line of [callRange.start.line, m.range.start.line, m.cls.range.start.line]) {
      for (const l of [line, line - 1, line - 2]) {
        const shapes = this.options.declaredInputs.get(l);
        if (shapes)
          return {
            shapes,
            dtypes: this.options.declaredDtypes?.get(l),
            source: `# wattlens: input comment, line ${l + 1}`,
            rule: 'declared',
          };
      }
    }
    return undefined;
  }

  /** Records a functional op's cost when inside a trace; returns the output. */
  recordOp(op: string, inputs: TensorV[], output: TensorV, macs: number, site: CallSite, extraFlops?: number): TensorV {
    const range = this.interp.visibleRange(site.range);
    if (this.tracer.active) this.tracer.record({ op, inputs, output, macs, extraFlops }, range, null);
    return output;
  }

  /** Records an op whose shape rule failed: its cost is unknown, with the reason. */
  recordUnknown(reason: string, site: CallSite): void {
    // Inside imported code the unknown is placed at the analysed file's line that led into it.
    const range = this.interp.visibleRange(site.range);
    if (this.tracer.active)
      this.tracer.record({ op: UNKNOWN_OP, inputs: [], output: null, macs: null, paramElems: 0, reason }, range, range);
  }

  /** Records a leaf layer call (the module is a built-in layer with a spec). */
  recordLayer(
    m: ModuleV,
    inputs: TensorV[],
    output: ForwardOut,
    macs: number | null,
    site: CallSite,
    extraFlops?: number,
    reason?: string,
  ): void {
    if (!this.tracer.active) return;
    const first = firstTensor(output);
    const out: TensorV | null = first ? { kind: 'tensor', shape: first.shape, dtype: first.dtype } : null;
    this.tracer.record(
      {
        op: m.spec?.op ?? m.cls.name,
        inputs,
        output: out,
        macs,
        extraFlops,
        paramElems: layerParamElems(m),
        reason,
      },
      m.range,
      this.interp.visibleRange(site.range),
      m,
    );
  }

  /** Records a shape problem (a Warning: it is a real defect in the model code). */
  shapeProblem(message: string, site: CallSite): void {
    const range = this.interp.visibleRange(site.range);
    if (this.tracer.active) this.tracer.problem(range, message, 'shape-mismatch', 'warning');
    else this.interp.report(range, message, 'warning');
  }

  /** Converts a ForwardOut to interpreter values. */
  toValue(out: ForwardOut): Value {
    if (out === null) return NONE;
    if (Array.isArray(out)) return tuple(out.map((o) => this.toValue(o)));
    return { kind: 'tensor', shape: out.shape, dtype: out.dtype };
  }
}

/** True for loss modules (and user subclasses of them): training code calls them, they are not models. */
export function isLoss(cls: ClassV): boolean {
  return mro(cls).some((c) => c.isLoss);
}

function firstTensor(out: ForwardOut): TensorInfo | null {
  if (out === null) return null;
  if (Array.isArray(out)) return out.length ? firstTensor(out[0]) : null;
  return out;
}

function tensorArgDtype(v: Value | undefined): TensorV['dtype'] {
  return v?.kind === 'tensor' ? v.dtype : 'float32';
}

export { ShapeError, elementCount, int };
