// The memo of module calls the language server keeps per document: what constructing a class and
// running its forward gave in an earlier run, reused while the texts that class depends on are unchanged.
// An edit inside one block of a deep model then re-runs that block and its callers, not every block.
import type { Scope, CallSite, ClassV, ModuleV, TensorV, Value } from '../../interpreter/python/values';
import type { Interpreter } from '../../interpreter/python/interpreter';
import type { TorchRuntime } from './runtime';
import type { LayerCall } from './tracer';
import {
  type ClassRef,
  type ClassTable,
  type ModuleTemplate,
  captureTemplate,
  rebuildTemplate,
  adoptTree,
  matchTemplate,
  plainKey,
  isPlainValue,
  REASON,
  swapText,
  swapReasons,
} from './moduleTemplate';

/** A class whose calls may be memoised, and what its results depend on. */
export interface MemoClass {
  /** The texts (with lines and declared inputs) of the imports and of every statement it reads, transitively. */
  key: string[];
  /** Module-level names it reads, transitively: all must be bound when it is called, or the call runs. */
  names: string[];
}

/**
 * A constructed module tree and the steps its construction took; `last` is the tree handed out in
 * analysis `lastGiven` (with its parameter objects, by template index), taken over by the next
 * analysis when unchanged (no rebuild, and its forward's calls reused too).
 */
interface InstanceEntry {
  template: ModuleTemplate;
  steps: number;
  used: number;
  last?: { root: ModuleV; params: TensorV[] };
  lastGiven?: number;
}

/** A forward pass: the tree it ran on, the calls it recorded (modules by template index), its output. */
interface ForwardEntry {
  template: ModuleTemplate;
  calls: { call: LayerCall; module: number; parent: number }[];
  output: Value;
  steps: number;
  used: number;
  /** The calls the latest replay recorded, in analysis `lastGiven`: the next analysis reuses those on the same modules. */
  last?: LayerCall[];
  lastGiven?: number;
}

/** A call's memo key, whether its class is being edited, and the reason its input is unknown. */
interface CallKey {
  key: string;
  fresh: boolean;
  reason?: string;
}

/** The class of kept modules between analyses (see ModuleMemo.detach): no methods, no link to any run. */
const DETACHED: ClassV = {
  kind: 'class',
  name: '(kept by the memo)',
  bases: [],
  attrs: new Map(),
  range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
};

/** Counts of what the memo did, for tests and the benchmark. */
export interface MemoStats {
  hits: number;
  misses: number;
  stored: number;
}

/**
 * Past this many analyses unused, an entry is dropped (a class edited away, a deleted block). It is
 * generous: a block whose input stays unknown while a name is typed upstream keeps its entry meanwhile.
 */
const KEEP_ANALYSES = 50;
/**
 * Trees larger than this are not kept: a building block is reused across edits, while a whole deep
 * model changes with any edit to one of its blocks, so keeping it would only cost memory.
 */
const MAX_TEMPLATE_MODULES = 512;
/** Forward entries kept per class and input: instances of one class can differ in structure. */
const MAX_VARIANTS = 4;

/** Results of module construction and forward passes, kept across the analyses of one document. */
export class ModuleMemo {
  readonly stats: MemoStats = { hits: 0, misses: 0, stored: 0 };
  private generation = 0;
  private nextId = 0;
  private readonly claimed = new WeakMap<ModuleV, number>();
  private readonly statementIds = new Map<string, { id: number; first: number; used: number }>();
  readonly instances = new Map<string, InstanceEntry>();
  readonly forwards = new Map<string, ForwardEntry[]>();

  /** Starts an analysis of the document (it may run several sessions); drops long-unused entries. */
  nextAnalysis(): void {
    this.generation++;
    const stale = this.generation - KEEP_ANALYSES;
    for (const [k, s] of this.statementIds) if (s.used < stale) this.statementIds.delete(k);
    for (const [k, e] of this.instances) if (e.used < stale) this.instances.delete(k);
    for (const [k, list] of this.forwards) {
      const kept = list.filter((e) => e.used >= stale);
      if (kept.length) this.forwards.set(k, kept);
      else this.forwards.delete(k);
    }
  }

  /**
   * Ends an analysis: the trees and calls kept for the next one stop pointing at this run's classes,
   * whose methods reach the whole session (its scope, its traces). The next adoption points them
   * at that run's classes; until then nothing else may use them.
   */
  detach(): void {
    // DETACHED also marks a module as visited: shared subtrees are walked once.
    const visit = (m: ModuleV | undefined): void => {
      if (!m || m.cls === DETACHED) return;
      m.cls = DETACHED;
      m.children.forEach(visit);
    };
    for (const e of this.instances.values()) visit(e.last?.root);
    for (const list of this.forwards.values())
      for (const e of list) e.last?.forEach((c) => (visit(c.module), visit(c.parent)));
  }

  /**
   * The key of a class's memo entries from the statement texts it depends on, and whether one of
   * them is new in this analysis (a class being edited: storing its results would be wasted work).
   */
  classKey(name: string, memoClass: MemoClass): { key: string; fresh: boolean } {
    let fresh = false;
    const ids = memoClass.key.map((text) => {
      let s = this.statementIds.get(text);
      if (!s) this.statementIds.set(text, (s = { id: this.nextId++, first: this.generation, used: 0 }));
      s.used = this.generation;
      if (s.first === this.generation && this.generation > 1) fresh = true;
      return s.id;
    });
    return { key: `${name}|${ids.join(',')}`, fresh };
  }

  /** Marks a module of an earlier analysis as used again in this one; false if it already is (it must not be in two trees). */
  claim(m: ModuleV): boolean {
    if (this.claimed.get(m) === this.generation) return false;
    this.claimed.set(m, this.generation);
    return true;
  }

  /** The current analysis, for entries' last use. */
  get now(): number {
    return this.generation;
  }
}

/** What a session gives the memo: its interpreter, torch runtime, module scope and built-in classes. */
export interface MemoContext {
  interp: Interpreter;
  rt: TorchRuntime;
  scope: Scope;
  builtinClasses: Map<string, ClassV>;
  classes: Map<string, MemoClass>;
}

/** The memo as one session uses it: looks up and stores construction and forward calls of eligible classes. */
export class MemoRun implements ClassTable {
  private readonly builtinNames = new Map<ClassV, string>();
  private readonly keys = new WeakMap<ClassV, { key: string; fresh: boolean; names: string[] } | null>();
  private readonly classesByRef = new Map<string, ClassV | null>();
  /** The template each tree handed out in this run was built from (a forward entry can share it). */
  private readonly builtFrom = new WeakMap<ModuleV, ModuleTemplate>();

  constructor(
    private readonly memo: ModuleMemo,
    private readonly ctx: MemoContext,
  ) {
    for (const [name, cls] of ctx.builtinClasses) if (!this.builtinNames.has(cls)) this.builtinNames.set(cls, name);
  }

  /**
   * Constructs `cls(args)` at `site`: from the memo when an earlier run built it from the same texts
   * at the same place (a module records where it was made), else by `fresh`.
   */
  instantiate(cls: ClassV, args: Value[], kwargs: Map<string, Value>, site: CallSite, fresh: () => Value): Value {
    const k = this.ctx.rt.tracer.active ? undefined : this.callKey(cls, args, kwargs, site);
    if (!k) return fresh();
    const entry = this.memo.instances.get(k.key);
    if (entry && this.ctx.interp.budget.affords(entry.steps)) {
      const tree = this.adopted(entry) ?? rebuildTemplate(entry.template, this);
      if (tree) {
        this.handOut(entry, tree);
        this.builtFrom.set(tree.root, entry.template);
        return this.hit(entry, tree.root);
      }
    }
    this.memo.stats.misses++;
    const watch = this.watch();
    const value = fresh();
    if (k.fresh || value.kind !== 'module' || !watch.quiet()) return value;
    const template = captureTemplate(value, this, MAX_TEMPLATE_MODULES);
    if (!template) return value;
    const stored: InstanceEntry = {
      template,
      steps: watch.steps(),
      used: this.memo.now,
      last: { root: value, params: template.params },
      lastGiven: this.memo.now,
    };
    this.store(() => this.memo.instances.set(k.key, stored));
    this.builtFrom.set(value, template);
    return value;
  }

  /** The tree the previous analysis was given, if it is still as constructed (at most once per analysis). */
  private adopted(entry: InstanceEntry): { root: ModuleV; params: TensorV[] } | undefined {
    const last = entry.last;
    if (!last || entry.lastGiven === this.memo.now) return undefined;
    entry.last = undefined;
    return adoptTree(last.root, entry.template, last.params, this, (m) => this.memo.claim(m)) ? last : undefined;
  }

  private handOut(entry: InstanceEntry, tree: { root: ModuleV; params: TensorV[] }): void {
    if (entry.lastGiven === this.memo.now) return;
    entry.last = tree;
    entry.lastGiven = this.memo.now;
  }

  /** Runs `m`'s forward inside a trace: replays an earlier run's calls when the module tree and inputs match, else `fresh`. */
  forward(m: ModuleV, args: Value[], kwargs: Map<string, Value>, site: CallSite, fresh: () => Value): Value {
    const tracer = this.ctx.rt.tracer;
    // The call site is part of the key: a built-in forward (nn.Sequential's) records its layers at the caller's line.
    const k = tracer.knows(m) ? this.callKey(m.cls, args, kwargs, site, true) : undefined;
    if (!k) return fresh();
    // Entries keep REASON where the input's reason stood; it is put back for this call's input.
    const reasonIn = (text: string | undefined) => (k.reason === undefined ? text : swapText(text, REASON, k.reason));
    for (const entry of this.memo.forwards.get(k.key) ?? []) {
      const live = this.ctx.interp.budget.affords(entry.steps) ? matchTemplate(m, entry.template, this) : undefined;
      if (!live) continue;
      this.replay(entry, live, reasonIn);
      return this.hit(entry, swapReasons(entry.output, reasonIn));
    }
    this.memo.stats.misses++;
    const before = k.fresh ? undefined : this.templateOf(m);
    const watch = this.watch();
    const start = tracer.calls.length;
    const output = fresh();
    // The arguments need no second look: plain values and tensors are never changed in place.
    if (!before || !watch.quiet() || !isPlainValue(output)) return output;
    const reasonOut = (text: string | undefined) => (k.reason === undefined ? text : swapText(text, k.reason, REASON));
    const entry = this.forwardEntry(
      m,
      before,
      tracer.calls.slice(start),
      swapReasons(output, reasonOut),
      watch.steps(),
      reasonOut,
    );
    if (entry)
      this.store(() =>
        this.memo.forwards.set(k.key, [entry, ...(this.memo.forwards.get(k.key) ?? [])].slice(0, MAX_VARIANTS)),
      );
    return output;
  }

  /**
   * Records an entry's calls on the live modules. The first replay in an analysis reuses the calls of
   * the one before, and keeps its own for the next (the same array, when every call was reused).
   */
  private replay(
    entry: ForwardEntry,
    live: ModuleV[],
    reasonIn: (text: string | undefined) => string | undefined,
  ): void {
    const tracer = this.ctx.rt.tracer;
    const first = entry.lastGiven !== this.memo.now;
    const previous = first ? entry.last : undefined;
    let replayed: LayerCall[] | undefined = previous && previous.length === entry.calls.length ? undefined : [];
    entry.calls.forEach((c, i) => {
      const call = c.call.reason?.includes(REASON) ? { ...c.call, reason: reasonIn(c.call.reason) } : c.call;
      const done = tracer.replay(call, live[c.module], live[c.parent], previous?.[i]);
      if (!replayed && done !== previous![i]) replayed = previous!.slice(0, i);
      replayed?.push(done);
    });
    if (first) Object.assign(entry, { last: replayed ?? previous, lastGiven: this.memo.now });
  }

  /** The template of `m`'s tree as it is now: the one it was built from if it still matches (no second copy kept), else a new one. */
  private templateOf(m: ModuleV): ModuleTemplate | undefined {
    const built = this.builtFrom.get(m);
    return built && matchTemplate(m, built, this) ? built : captureTemplate(m, this, MAX_TEMPLATE_MODULES);
  }

  /** A forward entry, or undefined when the pass changed its module or called modules outside it. */
  private forwardEntry(
    m: ModuleV,
    before: ModuleTemplate,
    calls: LayerCall[],
    output: Value,
    steps: number,
    reasonOut: (text: string | undefined) => string | undefined,
  ): ForwardEntry | undefined {
    const live = matchTemplate(m, before, this);
    if (!live) return undefined;
    const index = new Map(live.map((x, i) => [x, i]));
    const recorded: ForwardEntry['calls'] = [];
    for (const call of calls) {
      const module = call.module ? (index.get(call.module) ?? -2) : -1;
      const parent = call.parent ? (index.get(call.parent) ?? -2) : -1;
      if (module === -2 || parent === -2 || (module === -1 && parent === -1)) return undefined;
      recorded.push({
        call: { ...call, module: undefined, parent: undefined, reason: reasonOut(call.reason) },
        module,
        parent,
      });
    }
    return { template: before, calls: recorded, output, steps, used: this.memo.now };
  }

  private hit<T>(entry: { steps: number; used: number }, value: T): T {
    this.ctx.interp.budget.charge(entry.steps);
    entry.used = this.memo.now;
    this.memo.stats.hits++;
    return value;
  }

  private store(put: () => void): void {
    put();
    this.memo.stats.stored++;
  }

  /**
   * The memo key of calling `cls` with these arguments at `site`, or undefined when the call must run: the
   * class is not eligible, a name it reads is not bound yet, an argument is not a plain value, or
   * code has changed a shared class.
   */
  private callKey(
    cls: ClassV,
    args: Value[],
    kwargs: Map<string, Value>,
    site: CallSite,
    placeReasons = false,
  ): CallKey | undefined {
    if (this.ctx.interp.changedShared) return undefined;
    const k = this.classKeyOf(cls);
    if (!k || !k.names.every((n) => this.ctx.scope.vars.has(n))) return undefined;
    const reasons: string[] | undefined = placeReasons ? [] : undefined;
    const argKeys = args.map((a) => plainKey(a, reasons));
    if (argKeys.some((a) => a === undefined)) return undefined;
    const { start, end } = site.range;
    let key = `${k.key}@${start.line}:${start.character}-${end.line}:${end.character}(${argKeys.join(',')}`;
    for (const [name, v] of kwargs) {
      const vk = plainKey(v, reasons);
      if (vk === undefined) return undefined;
      key += `,${name}=${vk}`;
    }
    // One reason can stand in a placeholder; inputs unknown for different reasons always run.
    if (reasons && new Set(reasons).size > 1) return undefined;
    return { key: `${key})`, fresh: k.fresh, reason: reasons?.[0] };
  }

  private classKeyOf(cls: ClassV): { key: string; fresh: boolean; names: string[] } | null {
    let k = this.keys.get(cls);
    if (k === undefined) {
      const memoClass = this.memoClassOf(cls);
      k = memoClass
        ? { ...this.memo.classKey(`${cls.name}@${cls.range.start.line}`, memoClass), names: memoClass.names }
        : null;
      this.keys.set(cls, k);
    }
    return k;
  }

  private memoClassOf(cls: ClassV): MemoClass | undefined {
    if (cls.builtin || cls.range.start.character !== 0) return undefined;
    const found = this.ctx.classes.get(`${cls.name}@${cls.range.start.line}`);
    return found && this.ctx.scope.vars.get(cls.name) === cls ? found : undefined;
  }

  /** ClassTable: built-in classes by name, eligible user classes by statement, method-less classes as themselves. */
  refOf(cls: ClassV): ClassRef | undefined {
    const builtinName = this.builtinNames.get(cls);
    if (builtinName !== undefined) return `builtin:${builtinName}`;
    if (this.memoClassOf(cls)) return `user:${cls.name}@${cls.range.start.line}`;
    return cls.attrs.size === 0 && cls.bases.length === 0 ? cls : undefined;
  }

  /** ClassTable: this session's class for a ref (looked up once per ref and session). */
  classOf(ref: ClassRef): ClassV | undefined {
    if (typeof ref !== 'string') return ref;
    let cls = this.classesByRef.get(ref);
    if (cls === undefined) this.classesByRef.set(ref, (cls = this.lookUpClass(ref) ?? null));
    return cls ?? undefined;
  }

  private lookUpClass(ref: string): ClassV | undefined {
    if (ref.startsWith('builtin:')) return this.ctx.builtinClasses.get(ref.slice('builtin:'.length));
    const [name, line] = ref.slice('user:'.length).split('@');
    const cls = this.ctx.scope.vars.get(name);
    return cls?.kind === 'class' && cls.range.start.line === Number(line) && this.memoClassOf(cls) ? cls : undefined;
  }

  /** Notes the state a call must leave untouched for its result to be reusable, and the steps it takes. */
  private watch(): { quiet(): boolean; steps(): number } {
    const { interp, rt } = this.ctx;
    const problems = interp.problems.length;
    const traceProblems = rt.tracer.problems.length;
    const roots = rt.roots.length;
    const steps = interp.budget.used;
    return {
      quiet: () =>
        interp.problems.length === problems &&
        rt.tracer.problems.length === traceProblems &&
        rt.roots.length === roots &&
        !interp.changedShared,
      steps: () => interp.budget.used - steps,
    };
  }
}
