// Entry point of the analysis core: source text in, a FileReport (models, layers, costs) out.
// Parses, runs the module under the abstract interpreter with torch semantics, then reports.
import type { SourceParser } from '../parse/parser';
import type { SyntaxNode, Range } from '../parse/syntax';
import type { FileReport, Finding, ModelReport, Precision } from '../report/types';
import type { ModuleV, ClassV, Value, NamespaceV } from '../interp/values';
import { Interpreter } from '../interp/interpreter';
import { Budget, BudgetExceeded } from '../interp/budget';
import { Scope } from '../interp/scope';
import { createBuiltins } from '../interp/builtins';
import { stdlibModules } from '../interp/stdlib';
import { builtinBase } from '../interp/classes';
import { TorchRuntime, isLoss } from '../frameworks/torch/runtime';
import { allModules } from '../frameworks/torch/modules';
import { torchModules } from '../frameworks/torch/torchNamespace';
import { TRANSFORMER_PRELUDE, PRELUDE_CLASSES } from '../frameworks/torch/transformerPrelude';
import { KerasRuntime, KerasSession, kerasModules } from '../frameworks/keras';
import type { ModelCatalog } from '../catalog/modelCatalog';
import { HubTrainingSession } from './hubTraining';
import { declaredInputs } from './declaredInputs';
import { rootReport, blockReport, type RootModel } from './modelReports';
import { syntaxFindings, inputFindings } from './findings';

/** Options for one analysis. */
export interface AnalyzeOptions {
  /** The file name shown in the report (and used to choose the language). */
  file: string;
  /** Input shapes overriding what the file itself builds (`--input`), one per model argument. */
  input?: number[][];
  /** Batch size overriding dimension 0 of every input (`--batch`). */
  batch?: number;
  /** Precision for byte counts. */
  precision?: Precision;
  /** Interpreter step budget and wall-clock limit. */
  maxSteps?: number;
  maxMs?: number;
  /** Pretrained-checkpoint and dataset catalogs (the caller loads them; without one, hub loads stay unresolved). */
  catalog?: ModelCatalog;
}

/** Files larger than this are refused with a message rather than analysed. */
export const MAX_SOURCE_BYTES = 5 * 1024 * 1024;

/** Analyses one Python source text. Never throws for bad input: problems become findings. */
export function analyzeSource(parser: SourceParser, text: string, options: AnalyzeOptions): FileReport {
  const refused = inputFindings(text, MAX_SOURCE_BYTES);
  if (refused.length) return { file: options.file, models: [], diagnostics: refused };
  const parsed = parser.parse(text, 'python');
  return analyzeTree(parser, parsed.root, text, options);
}

/** Analyses an already parsed tree (the language server keeps trees for incremental re-parse). */
export function analyzeTree(parser: SourceParser, root: SyntaxNode, text: string, options: AnalyzeOptions): FileReport {
  const diagnostics: Finding[] = syntaxFindings(root);
  const session = new Session(parser, text, options);
  session.run(root);
  const models = session.reports(options.precision ?? 'fp32');
  diagnostics.push(...session.findings());
  const trainingRuns = session.trainingRuns(models);
  return { file: options.file, models, diagnostics, ...(trainingRuns.length ? { trainingRuns } : {}) };
}

/** One analysis run: the interpreter, the torch runtime and the module scope. */
class Session {
  readonly budget: Budget;
  readonly rt: TorchRuntime;
  readonly interp: Interpreter;
  readonly scope: Scope;
  readonly keras: KerasRuntime;
  private readonly kerasSession: KerasSession;
  private preludeClasses = new Set<ClassV>();
  private readonly hubTraining: HubTrainingSession;

  constructor(private readonly parser: SourceParser, private readonly text: string, options: AnalyzeOptions) {
    this.budget = new Budget(options.maxSteps, options.maxMs);
    this.rt = new TorchRuntime({ input: options.input, batch: options.batch, declaredInputs: declaredInputs(text) });
    this.keras = new KerasRuntime(this.rt.options);
    this.hubTraining = new HubTrainingSession(this.rt, options.catalog);
    this.interp = new Interpreter(this.budget, [...this.hubTraining.hooks, this.keras, this.rt]);
    this.hubTraining.setInterpreter(this.interp);
    this.rt.interp = this.interp;
    this.keras.interp = this.interp;
    this.kerasSession = new KerasSession(this.keras);
    const { modules, nn } = torchModules(this.rt);
    const all: Record<string, NamespaceV> = { ...stdlibModules(this.interp), ...modules, ...kerasModules(this.keras) };
    this.hubTraining.install(all, nn);
    this.interp.configure(createBuiltins(this.interp), (dotted) => all[dotted] ?? this.hubTraining.resolveModule(dotted, all) ?? opaqueTorch(dotted));
    this.loadPrelude(nn, all);
    this.scope = new Scope(this.interp.builtins);
  }

  /** Runs the Transformer prelude and publishes its classes in torch.nn. */
  private loadPrelude(nn: NamespaceV, modules: Record<string, NamespaceV>): void {
    const scope = new Scope(this.interp.builtins);
    for (const [k, v] of nn.attrs) scope.vars.set(k, v);
    scope.vars.set('F', modules['torch.nn.functional']);
    scope.vars.set('copy', modules.copy);
    scope.vars.set('torch', modules.torch);
    this.interp.runModule(preludeTree(this.parser), scope);
    for (const name of PRELUDE_CLASSES) {
      const cls = scope.vars.get(name) as ClassV;
      nn.attrs.set(name, cls);
      this.preludeClasses.add(cls);
    }
  }

  /** Runs the module, then traces any model the file builds but never calls, if an input is declared. */
  run(root: SyntaxNode): void {
    this.hubTraining.beforeRun(root);
    this.interp.runModule(root, this.scope);
    try {
      for (const m of this.untracedRoots()) this.rt.traceRoot(m, [], new Map(), { range: m.range });
      this.hubTraining.afterRun(this.scope, this.text);
    } catch (e) {
      if (!(e instanceof BudgetExceeded)) throw e;
      this.interp.report(e.range ?? root.range, e.message, 'warning');
    }
    this.kerasSession.finish(this.scope);
  }

  /** Module-level variables holding modules that were never called. */
  private untracedRoots(): ModuleV[] {
    const traced = new Set(this.rt.roots.map((r) => r.module));
    const out: ModuleV[] = [];
    const inside = this.modulesInRoots();
    for (const v of this.scope.vars.values()) {
      if (v.kind === 'module' && !traced.has(v) && !out.includes(v) && !inside.has(v) && !this.hubTraining.owns(v) && !isLoss(v.cls)) out.push(v);
    }
    return out.filter((m) => this.hasDeclaredInput(m));
  }

  private hasDeclaredInput(m: ModuleV): boolean {
    if (this.rt.options.input) return true;
    const lines = this.rt.options.declaredInputs;
    return [m.range.start.line, m.cls.range.start.line].some((l) => lines.has(l) || lines.has(l - 1) || lines.has(l - 2));
  }

  /** Every module in the trees of the traced roots (one pass, so large files stay linear). */
  private modulesInRoots(): Set<ModuleV> {
    const inside = new Set<ModuleV>();
    for (const run of this.rt.roots) for (const m of allModules(run.module)) inside.add(m);
    return inside;
  }

  /** Root models (traced, or instantiated without an input) and block classes, as reports. */
  reports(precision: Precision): ModelReport[] {
    const roots = this.rootModels();
    const reports = roots.map((r) => rootReport(r, precision));
    const rootClasses = new Set(roots.map((r) => r.module.cls));
    for (const cls of this.userModuleClasses()) {
      if (!rootClasses.has(cls)) reports.push(blockReport(cls, roots, precision));
    }
    reports.push(...this.kerasSession.reports(precision));
    reports.push(...this.hubTraining.reports(precision, this.rt.options.batch, roots.map((r) => r.module)));
    return reports;
  }

  /** Training runs the file performs, costed from the model reports. */
  trainingRuns(models: ModelReport[]) {
    return this.hubTraining.trainingRuns(models, (m) => models.find((r) => r.root && r.framework === 'pytorch' && r.name === this.nameOf(m)));
  }

  private rootModels(): RootModel[] {
    const out: RootModel[] = this.rt.roots.map((run) => ({ module: run.module, name: this.nameOf(run.module), run }));
    const covered = this.modulesInRoots();
    for (const v of this.scope.vars.values()) {
      if (v.kind !== 'module' || this.hubTraining.owns(v) || covered.has(v) || isLoss(v.cls)) continue;
      for (const m of allModules(v)) covered.add(m);
      out.push({ module: v, name: this.nameOf(v), missingInput: `no input shape for ${this.nameOf(v)}: call it on a tensor, add '# wattlens: input=(...)' above it, or pass --input` });
    }
    return out;
  }

  /** A user class's name, or the variable a built-in container is bound to. */
  private nameOf(m: ModuleV): string {
    if (!m.cls.builtin && !this.preludeClasses.has(m.cls)) return m.cls.name;
    for (const [k, v] of this.scope.vars) if (v === m) return k;
    return m.cls.name;
  }

  /** nn.Module subclasses defined in this file (not the prelude's). */
  private userModuleClasses(): ClassV[] {
    const out: ClassV[] = [];
    for (const v of this.scope.vars.values()) {
      if (v.kind === 'class' && !v.builtin && !this.preludeClasses.has(v) && isModuleClass(v)) out.push(v);
    }
    return out;
  }

  /** Problems found while interpreting and tracing, as findings. */
  findings(): Finding[] {
    const out: Finding[] = this.interp.problems.map((p) => ({
      range: p.range, severity: p.severity, message: p.reason, code: p.reason.startsWith('analysis') ? 'budget' : 'unresolved',
    }));
    for (const run of this.rt.roots) {
      for (const p of run.problems) out.push({ range: p.range, severity: p.severity, message: p.reason, code: p.code });
    }
    out.push(...this.kerasSession.findings());
    return out;
  }
}

function isModuleClass(cls: ClassV): boolean {
  const base = builtinBase(cls);
  return !!base && base.builtin !== 'object';
}

function opaqueTorch(dotted: string): Value | undefined {
  if (!dotted.startsWith('torch') && !dotted.startsWith('torchvision')) return undefined;
  return { kind: 'namespace', name: dotted, attrs: new Map(), opaque: `${dotted} is not modelled` };
}

const preludeCache = new WeakMap<SourceParser, SyntaxNode>();

function preludeTree(parser: SourceParser): SyntaxNode {
  let tree = preludeCache.get(parser);
  if (!tree) {
    const parsed = parser.parse(TRANSFORMER_PRELUDE, 'python');
    tree = parsed.root;
    parsed.tree.delete();
    preludeCache.set(parser, tree);
  }
  return tree;
}

export type { Range };
