// One analysis run: the interpreter with torch, Keras and hub/training semantics over one module
// scope, then the reports. It can also note in which statement each result arose, so that groups
// of statements analysed apart can be merged in the order one run over the whole module gives.
import type { SourceParser } from '../parse/parser';
import type { SyntaxNode } from '../parse/syntax';
import type { Finding, ModelReport, Precision } from '../report/types';
import {
  Scope,
  NONE,
  list,
  str,
  type ModuleV,
  type ClassV,
  type FuncV,
  type Value,
  type NamespaceV,
} from '../interpreter/python/values';
import { Interpreter } from '../interpreter/python/interpreter';
import { StepBudget, StepBudgetExceeded } from '../interpreter/stepBudget';
import { createBuiltins } from '../interpreter/python/builtins';
import { stdlibModules } from '../interpreter/python/stdlib';
import { builtinBase, lookupClassAttr } from '../interpreter/python/classes';
import { TorchRuntime, isLoss, type RootRun } from '../frameworks/torch/runtime';
import { allModules } from '../frameworks/torch/modules';
import { torchModules } from '../frameworks/torch/torchNamespace';
import { TRANSFORMER_PRELUDE, PRELUDE_CLASSES } from '../frameworks/torch/transformerPrelude';
import { QUANTIZATION_PRELUDE, QUANTIZATION_CLASSES } from '../frameworks/torch/quantizationPrelude';
import { KerasRuntime, KerasSession, kerasModules } from '../frameworks/keras';
import type { ModelCatalog } from '../catalog/modelCatalog';
import { HubTrainingSession } from './training/hubTraining';
import { declaredInputs, declaredValues, declaredDtypes } from './declaredInputs';
import type { DType } from '../layers/layerSpec';
import type { HfConfigResolver } from '../catalog/hfCache';
import { inferInput } from './inputRules';
import { uncalledBuilders } from './builders';
import { decodeLoopGeneration } from './decodeLoops';
import { numpyModules } from '../frameworks/numpy/numpyNamespace';
import { LoopSites } from '../frameworks/torch/decodeSteps';
import { rootReport, blockReport, type RootModel } from './modelReports';
import { memoClasses } from './memoClasses';
import { einopsModules } from '../frameworks/einops/runtime';
import { torchaoModules } from '../frameworks/torch/torchao';
import { SourceModules, osModules, sysModule, type ImportOptions } from '../interpreter/python/imports/sourceModules';
import { MemoRun, type ModuleMemo } from '../frameworks/torch/moduleMemo';
import { Dataflow } from '../frameworks/torch/dataflow';
import { KerasDataflow } from '../frameworks/keras/dataflow';
import type { ModelGraph } from '../report/graph';

/** What a session needs besides the text. */
export interface SessionOptions {
  input?: number[][];
  inputDtypes?: (DType | undefined)[];
  batch?: number;
  maxSteps?: number;
  maxMs?: number;
  catalog?: ModelCatalog;
  /** `# wattlens: input=` shapes by line, when the caller has read them already. */
  declaredInputs?: Map<number, number[][]>;
  /** Results of module calls from earlier runs over the same document (the language server keeps one per document). */
  memo?: ModuleMemo;
  /** Record which tensor feeds which call, for `graphs()` (the profiler's graph synthesis). */
  dataflow?: boolean;
  /** Finds config.json files on disk for Hugging Face loads (cached by path and mtime); without one, only the catalog. */
  configResolver?: HfConfigResolver;
  /** The analysed file's folder, for `from_pretrained("./local/dir")`. */
  baseDir?: string;
  /** The analysed file's path, and where its imports are found; without them imports are not followed. */
  file?: string;
  imports?: ImportOptions;
}

/**
 * A place in module order, compared element by element: [category, statement, sequence, ...].
 * Statement indexes are those of the whole module, so keys from different sessions interleave.
 */
export type OrderKey = number[];

/** A report or finding with its place in module order. */
export interface Ordered<T> {
  item: T;
  key: OrderKey;
}

/** The statement index used for work done after the last statement (tracing declared-input roots). */
export const AFTER_LAST = Number.MAX_SAFE_INTEGER;

/** Where things arose, noted after each top-level statement when ordering is asked for. */
class StatementLog {
  readonly rootAt = new Map<RootRun, number>();
  readonly varAt = new Map<string, [number, number]>();
  readonly problemAt: number[] = [];
  private vars = 0;

  /** Attributes everything new since the last call to statement `index`. */
  note(index: number, roots: RootRun[], vars: Map<string, Value>, problems: number): void {
    for (const r of roots) if (!this.rootAt.has(r)) this.rootAt.set(r, index);
    if (vars.size !== this.vars) {
      let seq = 0;
      for (const name of vars.keys()) if (!this.varAt.has(name)) this.varAt.set(name, [index, seq++]);
      this.vars = vars.size;
    }
    while (this.problemAt.length < problems) this.problemAt.push(index);
  }
}

/** One analysis run: the interpreter, the torch runtime and the module scope. */
export class Session {
  readonly budget: StepBudget;
  readonly rt: TorchRuntime;
  readonly interp: Interpreter;
  readonly scope: Scope;
  readonly keras: KerasRuntime;
  private readonly kerasSession: KerasSession;
  private preludeClasses = new Set<ClassV>();
  private readonly hubTraining: HubTrainingSession;
  private log: StatementLog | undefined;
  private readonly builtinClasses = new Map<string, ClassV>();
  private readonly insideRoots = new Set<ModuleV>();
  /** Module classes of this file that nothing built, built with their defaults (see buildNeverBuilt). */
  private readonly builtWithDefaults: ModuleV[] = [];
  /** Of those, the ones an uncalled builder function returned, with the function. */
  private readonly builders = new Map<ModuleV, FuncV>();
  /** Imported source modules, when imports are followed. */
  readonly sources: SourceModules | undefined;
  private rootsWalked = 0;
  private tree: SyntaxNode | undefined;
  /** Decode-loop generations by traced root and precision (working one out traces steps: done once). */
  private readonly loops = new Map<RootRun, Map<Precision, ModelReport['generation']>>();

  constructor(
    private readonly parser: SourceParser,
    private readonly text: string,
    private readonly options: SessionOptions,
  ) {
    this.budget = new StepBudget(options.maxSteps, options.maxMs);
    this.rt = new TorchRuntime({
      input: options.input,
      inputDtypes: options.inputDtypes,
      batch: options.batch,
      declaredInputs: options.declaredInputs ?? declaredInputs(text),
      declaredDtypes: declaredDtypes(text),
    });
    this.keras = new KerasRuntime(this.rt.options);
    this.hubTraining = new HubTrainingSession(
      this.rt,
      options.catalog,
      options.configResolver ? { resolver: options.configResolver, baseDir: options.baseDir } : undefined,
    );
    this.interp = new Interpreter(this.budget, [...this.hubTraining.hooks, this.keras, this.rt]);
    this.interp.stated = declaredValues(text);
    this.hubTraining.setInterpreter(this.interp);
    this.rt.interp = this.interp;
    if (options.dataflow) {
      this.rt.tracer.flow = new Dataflow();
      this.keras.tracer.flow = new KerasDataflow(this.keras.tracer);
    }
    this.keras.interp = this.interp;
    this.kerasSession = new KerasSession(this.keras);
    const { modules, nn, classes } = torchModules(this.rt);
    const all: Record<string, NamespaceV> = {
      ...stdlibModules(this.interp),
      ...modules,
      ...einopsModules(this.rt, nn.attrs.get('Module') as ClassV),
      ...torchaoModules(this.rt),
      ...kerasModules(this.keras),
      ...numpyModules(modules.numpy),
    };
    const modelled = { ...all };
    this.hubTraining.install(all, nn);
    const sources =
      options.imports && options.file
        ? new SourceModules(this.interp, parser, options.imports, options.imports.scriptPath ?? options.file)
        : undefined;
    this.sources = sources;
    Object.assign(modelled, osModules(options.imports?.files), { sys: sysModule(sources?.sysPath ?? list([])) });
    // Modelled modules first (torch, the standard library, Keras), then the user's and installed
    // libraries' source, then the catalog of pretrained checkpoints, else an opaque namespace.
    this.interp.configure(
      createBuiltins(this.interp),
      (dotted, scope, site) =>
        modelled[dotted] ??
        (isTorch(dotted) ? undefined : sources?.resolve(dotted, scope, site)) ??
        all[dotted] ??
        torchNnSubmodule(dotted, nn) ??
        this.hubTraining.resolveModule(dotted, all) ??
        opaqueTorch(dotted),
    );
    this.loadPrelude(nn, all);
    this.scope = new Scope(this.interp.builtins);
    if (sources) {
      this.scope.vars.set('__file__', str(options.imports!.scriptPath ?? options.file!));
      this.scope.vars.set('__package__', str(sources.packageOfScript()));
    }
    // The memo names built-in classes by these keys: the layer classes, then everything torch.nn
    // holds (containers, and the Transformer prelude's classes loaded above).
    for (const [name, cls] of classes) this.builtinClasses.set(name, cls);
    for (const [name, v] of nn.attrs) if (v.kind === 'class') this.builtinClasses.set(`nn.${name}`, v);
  }

  /** Runs the Transformer and quantization preludes and publishes their classes in torch.nn and torch.ao. */
  private loadPrelude(nn: NamespaceV, modules: Record<string, NamespaceV>): void {
    const scope = new Scope(this.interp.builtins);
    for (const [k, v] of nn.attrs) scope.vars.set(k, v);
    scope.vars.set('F', modules['torch.nn.functional']);
    scope.vars.set('copy', modules.copy);
    scope.vars.set('torch', modules.torch);
    // The prelude is imported code: what its functions build and run is placed at the analysed file's
    // call that entered them (its own positions are in its own text).
    const wasForeign = this.interp.inForeign;
    this.interp.inForeign = 'library';
    try {
      this.interp.runModule(preludeTree(this.parser), scope);
    } finally {
      this.interp.inForeign = wasForeign;
    }
    const publish = (namespace: NamespaceV, name: string, key: string) => {
      const cls = scope.vars.get(name) as ClassV;
      namespace.attrs.set(name, cls);
      this.preludeClasses.add(cls);
      this.interp.sharedClasses.add(cls);
      this.builtinClasses.set(key, cls);
    };
    for (const name of PRELUDE_CLASSES) publish(nn, name, `nn.${name}`);
    for (const [path, names] of Object.entries(QUANTIZATION_CLASSES))
      for (const name of names) publish(modules[path], name, `${path}.${name}`);
  }

  /**
   * Runs the module, then traces any model the file builds but never calls, if an input is declared.
   * With `statementIndex` (the whole module's index of each statement of `root`), the session notes
   * where each result arose, for `orderedReports` and `orderedFindings`.
   */
  run(root: SyntaxNode, statementIndex?: (position: number) => number): void {
    this.hubTraining.beforeRun(root);
    this.tree = root;
    this.rt.loopSites = new LoopSites(root);
    if (this.options.memo) this.useMemo(this.options.memo, root);
    const log = statementIndex ? (this.log = new StatementLog()) : undefined;
    const note = (index: number) => log?.note(index, this.rt.roots, this.scope.vars, this.interp.problems.length);
    this.interp.runModule(root, this.scope, log ? (position) => note(statementIndex!(position)) : undefined);
    try {
      this.buildNeverBuilt();
      for (const m of this.untracedRoots()) this.rt.traceRoot(m, [], new Map(), { range: this.builtAt(m) });
      this.hubTraining.afterRun(this.scope, this.text);
      this.traceByInputRules(root);
    } catch (e) {
      if (!(e instanceof StepBudgetExceeded)) throw e;
      this.interp.report(e.range ?? root.range, e.message, 'warning');
    }
    this.kerasSession.finish(this.scope, this.tree);
    note(AFTER_LAST);
  }

  /** Lets construction and forward calls of the module's eligible classes come from the memo. */
  private useMemo(memo: ModuleMemo, root: SyntaxNode): void {
    const classes = memoClasses(root, this.text, this.rt.options.declaredInputs);
    if (classes.size === 0) return;
    const run = new MemoRun(memo, {
      interp: this.interp,
      rt: this.rt,
      scope: this.scope,
      builtinClasses: this.builtinClasses,
      classes,
    });
    this.rt.memo = run;
    this.interp.instanceMemo = run;
  }

  /**
   * Builds, as a user would with no arguments, each module class of this file that nothing builds
   * and that needs no constructor argument (a `models.py` open in an editor defines classes and
   * builds none). The last-defined first: a class built as part of another is not built again.
   */
  private buildNeverBuilt(): void {
    const built = new Set<ClassV>();
    const note = (m: ModuleV) => allModules(m).forEach((x) => built.add(x.cls));
    for (const v of this.scope.vars.values()) if (v.kind === 'module') note(v);
    for (const r of this.rt.roots) note(r.module);
    for (const m of this.callUncalledBuilders()) note(m);
    const classes = this.userModuleClasses();
    const bases = new Set(classes.flatMap((c) => c.bases));
    for (const cls of [...classes].reverse()) {
      if (built.has(cls) || bases.has(cls) || !constructibleWithDefaults(cls)) continue;
      const m = this.interp.instantiate(cls, [], new Map(), { range: cls.range });
      if (m.kind !== 'module') continue;
      this.builtWithDefaults.push(m);
      note(m);
    }
  }

  /**
   * Calls, as a user would with no argument, each module-level builder function of this file that
   * nothing calls (`def resnet50(**kwargs)` in a model zoo's file) and keeps what returns a module;
   * a function that returns something else, or fails, leaves no trace (its problems are dropped).
   */
  private callUncalledBuilders(): ModuleV[] {
    const out: ModuleV[] = [];
    for (const fn of uncalledBuilders(this.scope, this.text)) {
      const problems = this.interp.problems.length;
      const roots = this.rt.roots.length;
      let result: Value;
      try {
        result = this.interp.callValue(fn, [], new Map(), { range: fn.range });
      } catch (e) {
        if (e instanceof StepBudgetExceeded) throw e;
        result = NONE;
      }
      if (result.kind !== 'module' || this.builtWithDefaults.includes(result)) {
        // Not a builder (`def go(): return model(x)`): what it ran is not the file's, nor its findings.
        this.interp.problems.length = problems;
        this.rt.roots.length = roots;
        continue;
      }
      this.builtWithDefaults.push(result);
      this.builders.set(result, fn);
      out.push(result);
    }
    return out;
  }

  /** Module-level variables holding modules that were never called and have a declared input. */
  private untracedRoots(): ModuleV[] {
    return this.untracedModules().filter((m) => this.hasDeclaredInput(m));
  }

  /** Module-level variables holding modules that were never called. */
  private untracedModules(): ModuleV[] {
    const traced = new Set(this.rt.roots.map((r) => r.module));
    const out: ModuleV[] = this.builtWithDefaults.filter((m) => !traced.has(m));
    const inside = this.modulesInRoots();
    for (const v of this.scope.vars.values()) {
      if (
        v.kind === 'module' &&
        !traced.has(v) &&
        !out.includes(v) &&
        !inside.has(v) &&
        !this.hubTraining.owns(v) &&
        !isLoss(v.cls)
      )
        out.push(v);
    }
    return out;
  }

  /**
   * Models the file builds but never calls, nor declares an input for: traced on the input a reader
   * would pick (a tensor the file builds, a DataLoader's batch, the first layer's stated default).
   */
  private traceByInputRules(root: SyntaxNode): void {
    const loaderOf = (v: Value) => this.hubTraining.training.data.loaders.get(v);
    for (const m of this.untracedModules()) {
      const found = inferInput(m, { vars: this.scope.vars, root, loaderOf });
      if (found) this.rt.traceRoot(m, found.tensors, new Map(), { range: this.builtAt(m) }, found);
    }
  }

  /** Where a model is taken to be built: its builder function's definition, else its construction. */
  private builtAt(m: ModuleV) {
    return this.builders.get(m)?.range ?? m.range;
  }

  private hasDeclaredInput(m: ModuleV): boolean {
    if (this.rt.options.input) return true;
    const lines = this.rt.options.declaredInputs;
    const builder = this.builders.get(m)?.range.start.line;
    return [m.range.start.line, m.cls.range.start.line, ...(builder === undefined ? [] : [builder])].some(
      (l) => lines.has(l) || lines.has(l - 1) || lines.has(l - 2),
    );
  }

  /** Every module in the trees of the traced roots; grown as roots are added, so each tree is walked once. */
  private modulesInRoots(): Set<ModuleV> {
    for (; this.rootsWalked < this.rt.roots.length; this.rootsWalked++) {
      for (const m of allModules(this.rt.roots[this.rootsWalked].module)) this.insideRoots.add(m);
    }
    return this.insideRoots;
  }

  /** Root models (traced, or instantiated without an input) and block classes, as reports. */
  reports(precision: Precision): ModelReport[] {
    return this.orderedReports(precision).map((o) => o.item);
  }

  /**
   * The reports in the order `reports` gives, each with its key: traced roots by the statement that
   * traced them, then roots traced after the run and untraced module variables by the variable's
   * first binding, then block classes by their class's, then Keras and hub models.
   */
  orderedReports(precision: Precision): Ordered<ModelReport>[] {
    const roots = this.rootModels();
    const out = roots.map((r) => ({
      item: this.withGeneration(
        this.withVariables(rootReport(r.root, precision), r.root.module),
        r.root.run,
        precision,
      ),
      key: r.key,
    }));
    roots.forEach((r, i) => {
      const builder = this.builders.get(r.root.module);
      if (builder)
        out[i].item.provenance =
          `${out[i].item.provenance}; built by ${builder.name}() with its defaults (the file never calls ${builder.name})`;
      else if (this.builtWithDefaults.includes(r.root.module))
        out[i].item.provenance =
          `${out[i].item.provenance}; built with its defaults (the file never builds ${r.root.name})`;
    });
    const rootClasses = new Set(roots.map((r) => r.root.module.cls));
    for (const cls of this.userModuleClasses()) {
      if (!rootClasses.has(cls))
        out.push({
          item: blockReport(
            cls,
            roots.map((r) => r.root),
            precision,
          ),
          key: [2, ...this.varKey(cls)],
        });
    }
    this.kerasSession.reports(precision).forEach((item, i) => out.push({ item, key: [3, i] }));
    this.hubTraining
      .reports(
        precision,
        this.rt.options.batch,
        roots.map((r) => r.root.module),
      )
      .forEach((item, i) => out.push({ item, key: [4, i] }));
    if (this.budget.clockTripped) for (const o of out) o.item = stoppedByClock(o.item);
    return out;
  }

  /** The report with the generation its decode loop performs (a hand-written `generate`), when it has one. */
  private withGeneration(report: ModelReport, run: RootRun | undefined, precision: Precision): ModelReport {
    if (!run?.steps) return report;
    let byPrecision = this.loops.get(run);
    if (!byPrecision) this.loops.set(run, (byPrecision = new Map()));
    if (!byPrecision.has(precision)) {
      let generation: ModelReport['generation'];
      try {
        generation = decodeLoopGeneration(
          run,
          this.tree,
          precision,
          (args, kwargs, range) => this.rt.traceDetached(run.module, args, kwargs, range),
          this.budget.exhausted,
        );
      } catch (e) {
        if (!(e instanceof StepBudgetExceeded)) throw e;
        generation = undefined;
      }
      byPrecision.set(precision, generation);
    }
    const generation = byPrecision.get(precision);
    return generation ? { ...report, generation } : report;
  }

  /** The report with the module-level names holding its model (`model = resnet50()` binds `model`), when any. */
  private withVariables(report: ModelReport, module: ModuleV): ModelReport {
    const names: string[] = [];
    for (const [name, v] of this.scope.vars) if (v === module) names.push(name);
    return names.length ? { ...report, variables: names } : report;
  }

  /**
   * The dataflow graph of each traced root (empty unless the session records dataflow). PyTorch root
   * reports come first in `reports()`, one per traced root in order, so graph i describes model i;
   * a Keras root's graph points at the report of its name in `models` (this session's reports).
   */
  graphs(models: ModelReport[]): ModelGraph[] {
    const flow = this.rt.tracer.flow;
    if (!(flow instanceof Dataflow)) return [];
    const out = this.rt.roots.map((run, i) => flow.graph(run, this.nameOf(run.module), i));
    const kerasFlow = this.keras.tracer.flow;
    if (!(kerasFlow instanceof KerasDataflow)) return out;
    const seen = new Map<string, number>();
    for (const { name, run } of this.kerasSession.tracedRoots()) {
      const nth = seen.get(name) ?? 0;
      seen.set(name, nth + 1);
      const index = models.findIndex(
        (m, i) => m.framework === 'keras' && m.root && m.name === name && nth === countBefore(models, i, name),
      );
      if (index >= 0) out.push(kerasFlow.graph(run, this.keras.objects, name, index));
    }
    return out;
  }

  /** Training runs the file performs, costed from the model reports. */
  trainingRuns(models: ModelReport[]) {
    return this.hubTraining.trainingRuns(models, (m) =>
      models.find((r) => r.root && r.framework === 'pytorch' && r.name === this.nameOf(m)),
    );
  }

  private rootModels(): { root: RootModel; key: OrderKey }[] {
    const out = this.rt.roots.map((run, i) => ({
      root: { module: run.module, name: this.nameOf(run.module), run } as RootModel,
      key: this.rootKey(run, i),
    }));
    const inside = this.modulesInRoots();
    const covered = new Set<ModuleV>();
    for (const v of this.scope.vars.values()) {
      if (v.kind !== 'module' || this.hubTraining.owns(v) || inside.has(v) || covered.has(v) || isLoss(v.cls)) continue;
      for (const m of allModules(v)) covered.add(m);
      const missingInput = `no input shape for ${this.nameOf(v)}: call it on a tensor, add '# wattlens: input=(...)' above it, or pass --input`;
      out.push({ root: { module: v, name: this.nameOf(v), missingInput }, key: [1, ...this.varKey(v)] });
    }
    const traced = new Set(this.rt.roots.map((r) => r.module));
    for (const m of this.builtWithDefaults) {
      if (traced.has(m)) continue;
      const builder = this.builders.get(m);
      const missingInput = builder
        ? `no input shape for ${builder.name}() (built with its defaults): add '# wattlens: input=(...)' above the function, or pass --input`
        : `no input shape for ${m.cls.name} (built with its defaults): add '# wattlens: input=(...)' above the class, or pass --input`;
      const name = builder?.name ?? m.cls.name;
      out.push({ root: { module: m, name, missingInput }, key: [2, ...this.varKey(builder ?? m.cls)] });
    }
    return out;
  }

  /** A root traced in a statement sorts by that statement; one traced after the run, by its variable. */
  private rootKey(run: RootRun, index: number): OrderKey {
    const at = this.log?.rootAt.get(run);
    if (at === undefined || at === AFTER_LAST) return [0, AFTER_LAST, ...this.varKey(run.module)];
    return [0, at, index];
  }

  /** The first binding of the first module-level variable holding `value`. */
  private varKey(value: Value): OrderKey {
    if (!this.log) return [];
    for (const [name, v] of this.scope.vars) if (v === value) return this.log.varAt.get(name) ?? [AFTER_LAST, 0];
    return [AFTER_LAST, 0];
  }

  /** The builder function that made it, a user class's name, or the variable a built-in container is bound to. */
  private nameOf(m: ModuleV): string {
    const builder = this.builders.get(m);
    if (builder) return builder.name;
    if (!m.cls.builtin && !this.preludeClasses.has(m.cls) && m.cls.foreign !== 'library') return m.cls.name;
    for (const [k, v] of this.scope.vars) if (v === m) return k;
    return m.cls.name;
  }

  /** nn.Module subclasses defined in this file (not the prelude's). */
  private userModuleClasses(): ClassV[] {
    const out: ClassV[] = [];
    for (const v of this.scope.vars.values()) {
      if (v.kind === 'class' && !v.builtin && !v.foreign && !this.preludeClasses.has(v) && isModuleClass(v))
        out.push(v);
    }
    return out;
  }

  /** Problems found while interpreting and tracing, as findings. */
  findings(): Finding[] {
    return this.orderedFindings().map((o) => o.item);
  }

  /** The findings with keys: interpreter problems by the statement they arose in, then each root's, then Keras's. */
  orderedFindings(): Ordered<Finding>[] {
    const out: Ordered<Finding>[] = this.interp.problems.map((p, i) => ({
      item: {
        range: p.range,
        severity: p.severity,
        message: p.reason,
        code: p.reason.startsWith('analysis') ? 'budget' : 'unresolved',
      },
      key: [0, this.log?.problemAt[i] ?? 0, i],
    }));
    this.rt.roots.forEach((run, r) => {
      run.problems.forEach((p, i) =>
        out.push({
          item: { range: p.range, severity: p.severity, message: p.reason, code: p.code },
          key: [1, ...this.rootKey(run, r), i],
        }),
      );
    });
    this.kerasSession.findings().forEach((item, i) => out.push({ item, key: [2, i] }));
    return out;
  }
}

/**
 * A report of an analysis the last-resort time guard stopped: how far it got depends on the
 * machine's load, so no figure of it is shown, only the reason.
 */
function stoppedByClock(report: ModelReport): ModelReport {
  const totals = Object.fromEntries(
    Object.keys(report.totals).map((k) => [k, null]),
  ) as unknown as ModelReport['totals'];
  const reason =
    'the analysis was stopped by its last-resort time guard (a very busy machine or a huge model); figures are unknown';
  return { ...report, totals, unresolved: [{ range: report.range, reason }, ...report.unresolved] };
}

/** Whether a class can be built with no argument: every constructor parameter has a default. */
function constructibleWithDefaults(cls: ClassV): boolean {
  if (!lookupClassAttr(cls, 'forward') || lookupClassAttr(cls, 'forward')?.kind !== 'func') return false;
  const init = lookupClassAttr(cls, '__init__');
  if (!init || init.kind === 'builtin') return !init || isModuleClass(cls);
  if (init.kind !== 'func') return false;
  return init.params.slice(1).every((p) => p.default !== undefined || p.kind === 'varargs' || p.kind === 'kwargs');
}

function isModuleClass(cls: ClassV): boolean {
  const base = builtinBase(cls);
  return !!base && base.builtin !== 'object';
}

/** torch's own modules are modelled (or opaque): its installed source is never read. */
function isTorch(dotted: string): boolean {
  return dotted === 'torch' || dotted.startsWith('torch.');
}

/**
 * torch.nn's submodules (`torch.nn.modules.batchnorm`, `torch.nn.modules.conv`) hold the classes
 * torch.nn publishes: `from torch.nn.modules.batchnorm import BatchNorm2d` reads them from nn.
 */
function torchNnSubmodule(dotted: string, nn: NamespaceV): Value | undefined {
  return /^torch\.nn\.modules\.\w+$/.test(dotted) ? nn : undefined;
}

function opaqueTorch(dotted: string): Value | undefined {
  if (!dotted.startsWith('torch') && !dotted.startsWith('torchvision')) return undefined;
  // A name inside torch.nn's submodules is a class or function, never a further module.
  if (/^torch\.nn\.modules\.\w+\./.test(dotted)) return undefined;
  return { kind: 'namespace', name: dotted, attrs: new Map(), opaque: `${dotted} is not modelled` };
}

const preludeCache = new WeakMap<SourceParser, SyntaxNode>();

function preludeTree(parser: SourceParser): SyntaxNode {
  let tree = preludeCache.get(parser);
  if (!tree) {
    const parsed = parser.parse(TRANSFORMER_PRELUDE + QUANTIZATION_PRELUDE, 'python');
    tree = parsed.root;
    parsed.tree.delete();
    preludeCache.set(parser, tree);
  }
  return tree;
}

/** How many root Keras reports named `name` come before position `end`. */
function countBefore(models: ModelReport[], end: number, name: string): number {
  return models.slice(0, end).filter((m) => m.framework === 'keras' && m.root && m.name === name).length;
}
