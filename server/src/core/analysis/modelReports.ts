// Turns traced roots and the module trees into ModelReports: totals, per-layer rows (including
// layers forward never calls), unresolved reasons, and block classes reported as non-root models.
import type { Range } from '../parse/syntax';
import type { ModuleV, ClassV } from '../interpreter/python/values';
import { type RootRun, UNKNOWN_OP } from '../frameworks/torch/runtime';
import type { LayerCall } from '../frameworks/torch/tracer';
import { parameterCount, modulePathsList, layerParamElems, allModules } from '../frameworks/torch/modules';
import { lookupClassAttr } from '../interpreter/python/classes';
import type { CodePrecision, LayerReport, ModelReport, ModelTotals, Precision, Unresolved } from '../report/types';
import { bytesPerElement } from '../report/precision';
import { activationBytesOf, weightBytesOf } from '../report/rows';
import { modelTotals } from '../report/totals';

/** A root model before reporting: its module, display name, and its trace if it ran. */
export interface RootModel {
  module: ModuleV;
  name: string;
  run?: RootRun;
  missingInput?: string;
}

/** Builds the report of one root model. */
export function rootReport(root: RootModel, precision: Precision): ModelReport {
  const bytes = bytesPerElement(precision);
  // A tree whose construction met a problem may lack layers: its forward's figures are unknown too.
  if (root.run && !root.run.aborted) {
    const incomplete = allModules(root.module).find((m) => m.incomplete);
    if (incomplete) root = { ...root, run: { ...root.run, aborted: `${incomplete.cls.name} may be incomplete` } };
  }
  const calls = root.run?.calls ?? [];
  const layers = [
    ...calls.map((c) => layerRow(c, bytes)),
    ...uncalledLayers(root, calls, bytes, !!root.run && !root.run.aborted),
  ];
  const unresolved = rootUnresolved(root, calls);
  const stated = codePrecisions(calls);
  const report: ModelReport = {
    name: root.name,
    framework: 'pytorch',
    root: true,
    // A class of another file (the workspace, a library) is shown where this file builds it.
    range: root.module.cls.builtin || root.module.cls.foreign ? root.module.range : root.module.cls.range,
    input: root.run?.inputs.length
      ? {
          shape: root.run.inputs[0].shape ?? [],
          dtype: root.run.inputs[0].dtype,
          source: root.run.inputSource,
          rule: root.run.inputRule,
        }
      : null,
    totals: totals(
      root.module,
      parametersOf(root.module, layers),
      layers,
      !!root.run && !root.run.aborted,
      bytes,
      unresolved,
    ),
    layers,
    unresolved,
    provenance: 'static analysis of the source (no code was run)',
  };
  if (stated.length) {
    report.precisionFromCode = stated;
    report.totals.weightBytes = statedWeightBytes(report.totals.params, calls, bytes);
  }
  return report;
}

/** Builds the report of a block class: the first instance found in a root's tree, costed from that root's trace. */
export function blockReport(cls: ClassV, roots: RootModel[], precision: Precision): ModelReport {
  const bytes = bytesPerElement(precision);
  for (const root of roots) {
    const found = firstInstances(root).get(cls);
    if (!found) continue;
    const [instance, path] = found;
    const calls = callsUnder(root).get(path) ?? [];
    const complete = !!root.run && !root.run.aborted;
    const params = parametersOf(instance, calls);
    const { start, end } = cls.range;
    // Everything the report is made of: the same as last analysis (same instance, same calls) gives the same report.
    // A call's reason can change in place (see Tracer.replay), so reasons are compared too.
    const inputs = [
      cls.name,
      start.line,
      start.character,
      end.line,
      end.character,
      path,
      root.name,
      complete,
      bytes,
      params.count,
      params.reason,
      instance.range,
      ...calls,
      ...calls.map((c) => c.reason),
    ];
    return reusedBlock(instance, inputs, () => {
      const layers = calls.map((c) => layerRow(c, bytes));
      const unresolved = calls
        .filter((c) => c.reason)
        .map((c) => ({ range: c.callRange ?? c.range, reason: callReason(c) }));
      const report = baseBlock(cls, layers, unresolved);
      report.totals = totals(instance, params, layers, complete, bytes, unresolved);
      report.provenance = `first instance, ${path} in ${root.name}`;
      const input = calls.find((c) => c.path.startsWith(`${path}.`) || c.path === path)?.inputShape;
      report.input = input ? { shape: input, dtype: 'float32', source: `its first call, ${root.name}.${path}` } : null;
      return report;
    });
  }
  const report = baseBlock(cls, [], [{ range: cls.range, reason: notBuiltReason(cls) }]);
  return report;
}

/**
 * Why a class has no figures: nothing in the file builds it, and (when so) it cannot be built with
 * its defaults because its constructor needs arguments, named so the user knows what to pass.
 */
function notBuiltReason(cls: ClassV): string {
  const init = lookupClassAttr(cls, '__init__');
  const required =
    init?.kind === 'func'
      ? init.params.slice(1).filter((p) => p.default === undefined && p.kind !== 'varargs' && p.kind !== 'kwargs')
      : [];
  if (!required.length) return `${cls.name} is not instantiated by any model this file builds`;
  const names = required.map((p) => p.name).join(', ');
  return `${cls.name} is not instantiated by any model this file builds, and needs arguments to be built (${names}): build it in this file, or open a file that builds it`;
}

const blockReports = new WeakMap<ModuleV, { inputs: unknown[]; report: ModelReport }>();

/**
 * The block report built from `inputs` for `instance`, reused when the previous one was built from
 * the very same inputs: the memo of module calls hands the same instance and calls to later analyses,
 * and nothing changes a report once built.
 */
function reusedBlock(instance: ModuleV, inputs: unknown[], build: () => ModelReport): ModelReport {
  const last = blockReports.get(instance);
  if (last && last.inputs.length === inputs.length && last.inputs.every((x, i) => x === inputs[i])) return last.report;
  const report = build();
  blockReports.set(instance, { inputs, report });
  return report;
}

const callsUnderCache = new WeakMap<RootModel, Map<string, LayerCall[]>>();

/** A root's calls grouped under the paths of its blocks' first instances (built once per root). */
function callsUnder(root: RootModel): Map<string, LayerCall[]> {
  let index = callsUnderCache.get(root);
  if (!index) {
    index = new Map();
    const wanted = new Set<string>();
    for (const [, path] of firstInstances(root).values()) wanted.add(path);
    for (const c of root.run?.calls ?? [])
      for (const prefix of pathPrefixes(c)) if (wanted.has(prefix)) push(index, prefix, c);
    callsUnderCache.set(root, index);
  }
  return index;
}

const prefixCache = new WeakMap<LayerCall, string[]>();

/** `a`, `a.b`, `a.b.c` for a call at path `a.b.c`; kept per call, since the memo of module calls reuses calls across analyses. */
function pathPrefixes(c: LayerCall): string[] {
  let prefixes = prefixCache.get(c);
  if (!prefixes) {
    prefixes = [];
    for (let at = c.path.indexOf('.'); at >= 0; at = c.path.indexOf('.', at + 1)) prefixes.push(c.path.slice(0, at));
    prefixes.push(c.path);
    prefixCache.set(c, prefixes);
  }
  return prefixes;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const pathsCache = new WeakMap<RootModel, [ModuleV, string][]>();

/**
 * Every module of a root's tree with its path, listed once per report (by RootModel, not by module:
 * the memo of module calls hands the same module objects to later analyses, with other classes).
 */
function modulePathsOf(root: RootModel): [ModuleV, string][] {
  let paths = pathsCache.get(root);
  if (!paths) pathsCache.set(root, (paths = modulePathsList(root.module)));
  return paths;
}

const firstInstanceCache = new WeakMap<RootModel, Map<ClassV, [ModuleV, string]>>();

/** The first instance of each class below a root, with its path (computed once per root). */
function firstInstances(root: RootModel): Map<ClassV, [ModuleV, string]> {
  let found = firstInstanceCache.get(root);
  if (!found) {
    found = new Map();
    for (const [m, path] of modulePathsOf(root))
      if (m !== root.module && !found.has(m.cls)) found.set(m.cls, [m, path]);
    firstInstanceCache.set(root, found);
  }
  return found;
}

function baseBlock(cls: ClassV, layers: LayerReport[], unresolved: Unresolved[]): ModelReport {
  return {
    name: cls.name,
    framework: 'pytorch',
    root: false,
    range: cls.range,
    input: null,
    totals: emptyTotals(),
    layers,
    unresolved,
    provenance: 'static analysis of the source (no code was run)',
  };
}

function emptyTotals(): ModelTotals {
  return {
    params: null,
    macs: null,
    flops: null,
    weightBytes: null,
    activationBytes: null,
    latencyMs: null,
    energyJ: null,
    co2eG: null,
  };
}

/** A tree's parameter count; unknown when a call of something unresolved (op `?`) may hide parameters. */
/**
 * The module tree's parameters, unless something not understood was called on a tensor (it may be a
 * layer with weights); an op whose shape the data decides has no weights and leaves them known.
 */
function parametersOf(
  module: ModuleV,
  calls: ({ op: string; paramElems: number | null } | { op: string; params: number | null })[],
): { count: number | null; reason?: string } {
  const weightsUnknown = (c: (typeof calls)[number]) => ('paramElems' in c ? c.paramElems : c.params) === null;
  return calls.some((c) => c.op === UNKNOWN_OP && weightsUnknown(c)) ? { count: null } : parameterCount(module);
}

function totals(
  module: ModuleV,
  params: { count: number | null; reason?: string },
  layers: LayerReport[],
  complete: boolean,
  bytes: number,
  unresolved: Unresolved[],
): ModelTotals {
  if (params.reason) unresolved.push({ range: module.range, reason: `parameters: ${params.reason}` });
  return modelTotals(params.count, layers, complete, bytes);
}

const layerRows = new WeakMap<LayerCall, { bytes: number; row: LayerReport }>();

/**
 * The report row of one traced call, built once: a block report shows the same calls as its root's,
 * and sharing the rows (nothing mutates them; the energy model copies) halves a deep model's report.
 */
export function layerRow(c: LayerCall, bytes: number): LayerReport {
  const cached = layerRows.get(c);
  if (cached?.bytes === bytes) return cached.row;
  const row = newLayerRow(c, bytes);
  layerRows.set(c, { bytes, row });
  return row;
}

/** A call's row; a call the code states a precision for has its bytes counted at that precision. */
function newLayerRow(c: LayerCall, reportBytes: number): LayerReport {
  const bytes = c.precision ? bytesPerElement(c.precision) : reportBytes;
  return {
    path: c.path,
    op: c.op,
    range: c.range,
    callRange: c.callRange,
    params: c.paramElems,
    macs: c.macs,
    flops: c.flops,
    weightBytes: weightBytesOf(c.paramElems, bytes),
    activationBytes: activationBytesOf(c.inputElems, c.outputElems, bytes),
    inputShape: c.inputShape,
    outputShape: c.outputShape,
    latencyMs: null,
    energyJ: null,
    bound: null,
    ...(c.precision ? { precision: c.precision, precisionSource: c.precisionSource } : {}),
    ...(c.sparsitySource ? { sparsity: { pattern: '2:4' as const, source: c.sparsitySource } } : {}),
  };
}

/**
 * The precisions the code states among a model's calls, each with where and how many calls; the
 * weight bytes of the modules it converts are then counted at their precision (each module once).
 */
export function codePrecisions(calls: LayerCall[]): CodePrecision[] {
  const out = new Map<string, CodePrecision>();
  for (const c of calls) {
    if (!c.precision) continue;
    const key = `${c.precision}|${c.precisionSource}`;
    const entry = out.get(key);
    if (entry) entry.layerCalls++;
    else out.set(key, { precision: c.precision, source: c.precisionSource ?? 'the code', layerCalls: 1 });
  }
  return [...out.values()];
}

/** Weight bytes of a tree at the report's precision, with the modules the code converts counted at theirs. */
function statedWeightBytes(params: number | null, calls: LayerCall[], bytes: number): number | null {
  if (params === null) return null;
  const seen = new Set<ModuleV>();
  let total = params * bytes;
  for (const c of calls) {
    if (!c.precision || !c.module || seen.has(c.module) || c.paramElems === null) continue;
    seen.add(c.module);
    total -= c.paramElems * (bytes - bytesPerElement(c.precision));
  }
  return total;
}

/** Built-in layers that are registered but never called: zero cost when the trace completed, unknown otherwise. */
function uncalledLayers(root: RootModel, calls: LayerCall[], bytes: number, complete: boolean): LayerReport[] {
  const called = new Set<ModuleV>();
  for (const c of calls) if (c.module) called.add(c.module);
  return modulePathsOf(root)
    .filter(([m]) => m.spec && !called.has(m) && m !== root.module)
    .map(([m, path]) => {
      const params = layerParamElems(m);
      return {
        path,
        op: m.spec!.op,
        range: m.range,
        callRange: null,
        params,
        macs: complete ? 0 : null,
        flops: complete ? 0 : null,
        weightBytes: weightBytesOf(params, bytes),
        activationBytes: complete ? 0 : null,
        inputShape: null,
        outputShape: null,
        latencyMs: null,
        energyJ: null,
        bound: null,
      };
    });
}

function rootUnresolved(root: RootModel, calls: LayerCall[]): Unresolved[] {
  const out: Unresolved[] = [];
  if (root.missingInput) out.push({ range: root.module.range, reason: root.missingInput });
  for (const p of root.run?.problems ?? []) out.push({ range: p.range, reason: p.reason });
  // A reason is listed at its first call unless an entry already says it; repeats are skipped without a scan.
  const listed = new Set<string>();
  for (const c of calls) {
    if (!c.reason || listed.has(c.reason)) continue;
    if (!out.some((u) => u.reason.includes(c.reason!)))
      out.push({ range: c.callRange ?? c.range, reason: callReason(c) });
    listed.add(c.reason);
  }
  return dedupe(out);
}

function dedupe(us: Unresolved[]): Unresolved[] {
  const seen = new Set<string>();
  return us.filter((u) => {
    const key = `${u.range.start.line}:${u.reason}`;
    return !seen.has(key) && !!seen.add(key);
  });
}

export type { Range };

/** A call's reason, prefixed by the module it happened in (an op outside any layer by its parent's path only). */
function callReason(c: LayerCall): string {
  const where = c.op === UNKNOWN_OP ? c.path.replace(/\.?\?$/, '') : c.path;
  return where ? `${where}: ${c.reason}` : c.reason!;
}
