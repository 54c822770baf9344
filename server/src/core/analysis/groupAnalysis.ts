// Analyses a module as independent groups of statements (partition.ts) and merges the groups'
// results into the FileReport one run over the whole module gives. A group whose statements,
// lines and declared inputs are unchanged is taken from the cache: an edit re-runs its group only.
import type { SourceParser } from '../parse/parser';
import { plainNode, type SyntaxNode } from '../parse/syntax';
import type { FileReport, Finding, ModelReport } from '../report/types';
import { AFTER_LAST, Session, type Ordered, type OrderKey, type SessionOptions } from './session';
import { ModuleMemo } from '../frameworks/torch/moduleMemo';
import type { AnalyzeOptions } from './analyzeSource';
import { declaredInputs } from './declaredInputs';
import { syntaxFindings } from './findings';
import { partitionModule, statementKey, type ModulePartition } from './partition';
import { DEFAULT_MAX_STEPS } from '../interpreter/stepBudget';

/** One group's results, with their places in module order. */
interface GroupResult {
  models: Ordered<ModelReport>[];
  findings: Ordered<Finding>[];
  steps: number;
  ms: number;
  /** True when the group ran out of budget or produced something only a whole run can place. */
  needsWhole: boolean;
}

/** Group results of one document from its previous analysis, by group key. */
export class GroupCache {
  /** Module calls of earlier runs (construction, forward passes), reused inside the groups that re-run. */
  readonly memo = new ModuleMemo();
  private entries = new Map<string, GroupResult>();
  private optionsKey = '';

  /** The cached result for `key` under `options`, or undefined. */
  get(key: string, options: AnalyzeOptions): GroupResult | undefined {
    if (this.optionsKey !== keyOf(options)) return undefined;
    return this.entries.get(key);
  }

  /** Replaces the cache with the groups of the latest analysis. */
  replace(entries: Map<string, GroupResult>, options: AnalyzeOptions): void {
    this.entries = entries;
    this.optionsKey = keyOf(options);
  }
}

/** The merged report, and how many groups there were and how many had to run (tests check both). */
export interface GroupedAnalysis {
  report: FileReport;
  groups: number;
  rerun: number;
}

/**
 * Analyses `root` group by group, reusing `cache`. Returns undefined when the file must be analysed
 * whole (see partitionModule) or a group's result cannot be merged faithfully; the caller then runs
 * analyzeTree, which gives the same report. Past `maxSeparateRuns` groups to re-run, the module runs
 * once and its results are shared out by group (tests set it to compare both ways).
 */
export function analyzeGrouped(
  parser: SourceParser,
  root: SyntaxNode,
  text: string,
  options: AnalyzeOptions,
  cache: GroupCache,
  maxSeparateRuns = MAX_SEPARATE_RUNS,
): GroupedAnalysis | undefined {
  cache.memo.nextAnalysis();
  const split = partitionModule(root, text);
  if (!split.partition) return undefined;
  const { imports, groups } = split.partition;
  // One group is the whole module: nothing to reuse, so the plain whole run is cheaper.
  if (groups.length < 2) return undefined;
  const declared = declaredInputs(text);
  const importsKey = imports.map((i) => statementKey(root.children[i], text, declared)).join('\u0001');
  // Error recovery can parse the same text differently in another context: such groups always re-run.
  const keys = groups.map((group) =>
    [...imports, ...group].some((i) => root.children[i].hasError)
      ? undefined
      : importsKey + '\u0002' + group.map((i) => statementKey(root.children[i], text, declared)).join('\u0001'),
  );
  const cached = keys.map((key) => (key === undefined ? undefined : cache.get(key, options)));
  const misses = cached.filter((r) => !r).length;
  // Many misses (a first analysis, a line inserted near the top): one logged whole run, split by group, beats a session per group.
  const fromWhole =
    misses > maxSeparateRuns
      ? runWholeByGroup(parser, root, text, { ...options, memo: cache.memo }, split.partition, declared)
      : undefined;
  const results = groups.map(
    (group, k) =>
      cached[k] ??
      fromWhole?.[k] ??
      runGroup(parser, root, text, { ...options, memo: cache.memo }, mergeIndexes(imports, group), declared),
  );
  cache.memo.detach();
  if (results.some((r) => r.needsWhole) || overBudget(results, options)) return undefined;
  const next = new Map<string, GroupResult>();
  keys.forEach((key, k) => key !== undefined && next.set(key, results[k]));
  cache.replace(next, options);
  return { report: merge(root, options.file, results), groups: groups.length, rerun: misses };
}

/** Above this many groups to re-run, one whole run (split by group) is cheaper than a session each. */
const MAX_SEPARATE_RUNS = 4;

/** Runs the imports and one group's statements as a module of their own. */
function runGroup(
  parser: SourceParser,
  root: SyntaxNode,
  text: string,
  options: AnalyzeOptions & SessionOptions,
  indexes: number[],
  declared: Map<number, number[][]>,
): GroupResult {
  const started = Date.now();
  const module = plainNode(
    'module',
    root.range,
    root.startIndex,
    root.endIndex,
    indexes.map((i) => root.children[i]),
    '',
    false,
    false,
  );
  const session = new Session(parser, text, { ...options, declaredInputs: declared });
  session.run(module, (position) => indexes[position]);
  return sessionResult(session, options, Date.now() - started);
}

function sessionResult(session: Session, options: AnalyzeOptions, ms: number): GroupResult {
  const models = session.orderedReports(options.precision ?? 'fp32');
  const findings = session.orderedFindings();
  const needsWhole =
    findings.some((f) => f.item.code === 'budget') ||
    session.trainingRuns(models.map((m) => m.item)).length > 0 ||
    models.some((m) => m.key[0] > 2) ||
    findings.some((f) => f.key[0] > 1) ||
    session.interp.changedShared;
  return { models, findings, steps: session.budget.used, ms, needsWhole };
}

/**
 * The whole module run once, its results shared out by the statement each came from: the same
 * results each group's own run gives, since groups share nothing. Problems raised by the imports
 * go to every group (the merge keeps one). Undefined when something cannot be placed.
 */
function runWholeByGroup(
  parser: SourceParser,
  root: SyntaxNode,
  text: string,
  options: AnalyzeOptions & SessionOptions,
  partition: ModulePartition,
  declared: Map<number, number[][]>,
): GroupResult[] | undefined {
  const started = Date.now();
  const session = new Session(parser, text, { ...options, declaredInputs: declared });
  session.run(root, (position) => position);
  const whole = sessionResult(session, options, Date.now() - started);
  if (whole.needsWhole) return undefined;
  const groupOf = new Map<number, number>();
  partition.groups.forEach((g, k) => g.forEach((i) => groupOf.set(i, k)));
  const results: GroupResult[] = partition.groups.map(() => ({
    models: [],
    findings: [],
    steps: 0,
    ms: 0,
    needsWhole: false,
  }));
  Object.assign(results[0], { steps: whole.steps, ms: whole.ms });
  for (const m of whole.models) {
    const k = groupOf.get(reportStatement(m.key));
    if (k === undefined) return undefined;
    results[k].models.push(m);
  }
  for (const f of whole.findings) {
    const at = f.key[0] === 0 ? f.key[1] : reportStatement(f.key.slice(1));
    const k = groupOf.get(at);
    if (k !== undefined) results[k].findings.push(f);
    else if (partition.imports.includes(at)) results.forEach((r) => r.findings.push(f));
    else return undefined;
  }
  return results;
}

/** The statement a report's key names: the one that traced a root, else its variable's binding. */
function reportStatement(key: OrderKey): number {
  return key[0] === 0 && key[1] === AFTER_LAST ? key[2] : key[1];
}

/**
 * Whether the groups together spent more steps than one whole analysis may (the whole run would
 * stop). Steps alone decide, so the answer does not depend on how busy the machine is.
 */
function overBudget(results: GroupResult[], options: AnalyzeOptions): boolean {
  const steps = results.reduce((n, r) => n + r.steps, 0);
  return steps > (options.maxSteps ?? DEFAULT_MAX_STEPS);
}

/** The reports and findings of all groups in module order; problems the shared imports raised appear once. */
function merge(root: SyntaxNode, file: string, results: GroupResult[]): FileReport {
  const models = results
    .flatMap((r) => r.models)
    .sort(byKey)
    .map((o) => o.item);
  const seen = new Set<string>();
  // Interpreter problems are reported once per place in a whole run; a root's trace problems are not.
  const findings = results
    .flatMap((r) => r.findings)
    .sort(byKey)
    .filter(({ item: f, key }) => {
      if (key[0] !== 0) return true;
      const place = `${f.range.start.line}:${f.range.start.character}:${f.message}`;
      return !seen.has(place) && !!seen.add(place);
    })
    .map((o) => o.item);
  return { file, models, diagnostics: [...syntaxFindings(root), ...findings] };
}

function byKey(a: { key: OrderKey }, b: { key: OrderKey }): number {
  const n = Math.max(a.key.length, b.key.length);
  for (let i = 0; i < n; i++) {
    const d = (a.key[i] ?? -1) - (b.key[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/** Two sorted index lists merged into one, in source order. */
function mergeIndexes(a: number[], b: number[]): number[] {
  return [...a, ...b].sort((x, y) => x - y);
}

function keyOf(options: AnalyzeOptions): string {
  return JSON.stringify([
    options.precision,
    options.batch,
    options.input,
    options.maxSteps,
    options.maxMs,
    !!options.catalog,
  ]);
}
