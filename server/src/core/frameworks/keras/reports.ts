// Keras models as ModelReports (framework 'keras'): root models with their traced rows and totals,
// and user Layer/Model subclasses used inside them as blocks (root: false). Also the entry points
// the analysis session calls: finish() after the module ran, reports() and findings().
import type { Scope, ClassV, InstanceV } from '../../interpreter/python/values';
import type { SyntaxNode } from '../../parse/syntax';
import { StepBudgetExceeded } from '../../interpreter/stepBudget';
import { lookupClassAttr } from '../../interpreter/python/classes';
import type { CodePrecision, Finding, LayerReport, ModelReport, Precision, Unresolved } from '../../report/types';
import { bytesPerElement } from '../../report/precision';
import { activationBytesOf, weightBytesOf } from '../../report/rows';
import { modelTotals } from '../../report/totals';
import type { KerasRuntime } from './runtime';
import type { KerasRow } from './tracer';
import { kerasRoots, traceRoots, type KerasRoot, type KerasRun } from './roots';

const PROVENANCE = 'static analysis of the source (no code was run)';

/** The Keras half of one analysis: traces roots once the module has run, then reports them. */
export class KerasSession {
  private roots: KerasRoot[] = [];
  private runs = new Map<InstanceV, KerasRun>();
  private missing = new Map<InstanceV, string>();

  constructor(private readonly rt: KerasRuntime) {}

  /** Finds and traces the root models of the module scope (call after the module ran). */
  finish(scope: Scope, tree?: SyntaxNode): void {
    this.roots = kerasRoots(this.rt, scope);
    try {
      ({ runs: this.runs, missing: this.missing } = traceRoots(this.rt, this.roots, { vars: scope.vars, tree }));
    } catch (e) {
      if (!(e instanceof StepBudgetExceeded)) throw e;
      this.rt.interp.report(e.range ?? this.rt.objects.get(this.roots[0]?.inst)?.range ?? ZERO, e.message, 'warning');
    }
    this.scope = scope;
  }

  private scope?: Scope;

  /** Each root traced on an input, with the name it is reported under (for the dataflow graphs). */
  tracedRoots(): { name: string; run: KerasRun }[] {
    return this.roots.flatMap((r) => {
      const run = this.runs.get(r.inst);
      return run ? [{ name: r.name, run }] : [];
    });
  }

  /** Root models, then user subclasses used as their blocks. */
  reports(precision: Precision): ModelReport[] {
    const bytes = bytesPerElement(precision);
    const out = this.roots.map((r) => this.rootReport(r, bytes));
    const rootClasses = new Set(this.roots.map((r) => r.inst.cls));
    for (const cls of this.userClasses()) if (!rootClasses.has(cls)) out.push(this.blockReport(cls, bytes));
    return out;
  }

  /** Problems found while tracing roots, as findings. */
  findings(): Finding[] {
    return [...this.runs.values()].flatMap((run) =>
      run.problems.map((p) => ({ range: p.range, severity: p.severity, message: p.reason, code: p.code })),
    );
  }

  private rootReport(root: KerasRoot, bytes: number): ModelReport {
    const st = this.rt.objects.get(root.inst)!;
    const run = this.runs.get(root.inst);
    const complete = !!run && !run.aborted && !st.unresolved;
    const rows = run ? [...run.rows, ...this.uncalled(root.inst, run, complete)] : [];
    const layers = rows.map((r) => layerRow(r, bytes));
    const unresolved: Unresolved[] = [];
    const missing = this.missing.get(root.inst);
    if (missing) unresolved.push({ range: st.range, reason: missing });
    if (st.unresolved) unresolved.push({ range: st.range, reason: st.unresolved });
    for (const p of run?.problems ?? []) unresolved.push({ range: p.range, reason: p.reason });
    for (const r of rows)
      if (r.reason) unresolved.push({ range: r.callRange ?? r.range, reason: `${r.path || r.op}: ${r.reason}` });
    const known = complete || st.kind === 'functional';
    const params = known ? this.rt.objects.paramCount(root.inst) : { count: null, reason: undefined };
    if (params.reason) unresolved.push({ range: st.range, reason: `parameters: ${params.reason}` });
    const user = !this.rt.classes.isBuiltin(root.inst.cls);
    return {
      name: root.name,
      framework: 'keras',
      root: true,
      range: user ? root.inst.cls.range : st.range,
      input: run?.inputs[0]?.shape
        ? {
            shape: run.inputs[0].shape,
            dtype: run.inputs[0].dtype,
            source: run.source,
            ...(run.rule ? { rule: run.rule } : {}),
          }
        : null,
      totals: totals(params.count, layers, complete, bytes),
      layers,
      unresolved: dedupe(unresolved),
      provenance: PROVENANCE,
      ...statedPrecisions(layers),
    };
  }

  /** Layers a subclass tracks but its call() never ran: Keras leaves them unbuilt (0 parameters). */
  private uncalled(root: InstanceV, run: KerasRun, complete: boolean): KerasRow[] {
    const called = new Set(run.rows.map((r) => r.instance));
    const out: KerasRow[] = [];
    for (const x of this.rt.objects.tree(root)) {
      const st = this.rt.objects.get(x)!;
      if (st.kind !== 'leaf' || called.has(x)) continue;
      out.push({
        instance: x,
        op: st.spec!.op,
        path: this.attributePath(run, x) ?? st.name,
        range: st.range,
        callRange: null,
        params: this.rt.objects.ownParams(x),
        macs: complete ? 0 : null,
        flops: complete ? 0 : null,
        inputShape: null,
        outputShape: null,
        inputElems: complete ? 0 : null,
        outputElems: complete ? 0 : null,
      });
    }
    return out;
  }

  /** The path of a layer under a traced composite that holds it as an attribute. */
  private attributePath(run: KerasRun, layer: InstanceV): string | undefined {
    for (const [parent, path] of run.paths) {
      const hit =
        this.rt.objects.get(parent)?.kind === 'custom'
          ? this.rt.objects.tracked(parent).find(([, l]) => l === layer)
          : undefined;
      if (hit) return path ? `${path}.${hit[0]}` : hit[0];
    }
    return undefined;
  }

  /** User-defined Layer/Model subclasses (with a call()) in the module scope. */
  private userClasses(): ClassV[] {
    const out: ClassV[] = [];
    for (const v of this.scope?.vars.values() ?? []) {
      if (
        v.kind === 'class' &&
        !this.rt.classes.isBuiltin(v) &&
        this.rt.classes.baseOf(v) &&
        lookupClassAttr(v, 'call') &&
        !out.includes(v)
      )
        out.push(v);
    }
    return out;
  }

  /** A block class: the first instance inside a traced root, costed from that root's rows. */
  private blockReport(cls: ClassV, bytes: number): ModelReport {
    for (const root of this.roots) {
      const run = this.runs.get(root.inst);
      if (!run) continue;
      const hit = [...run.paths].find(([inst]) => inst.cls === cls && inst !== root.inst);
      if (!hit) continue;
      const [inst, path] = hit;
      const rows = run.rows.filter((r) => r.path === path || r.path.startsWith(`${path}.`));
      const layers = rows.map((r) => layerRow(r, bytes));
      const params = this.rt.objects.paramCount(inst);
      const unresolved: Unresolved[] = rows
        .filter((r) => r.reason)
        .map((r) => ({ range: r.callRange ?? r.range, reason: `${r.path}: ${r.reason}` }));
      if (params.reason) unresolved.push({ range: cls.range, reason: `parameters: ${params.reason}` });
      const first = rows[0]?.inputShape;
      return {
        name: cls.name,
        framework: 'keras',
        root: false,
        range: cls.range,
        input: first ? { shape: first, dtype: 'float32', source: `its first call, ${root.name}.${path}` } : null,
        totals: totals(params.count, layers, !run.aborted, bytes),
        layers,
        unresolved: dedupe(unresolved),
        provenance: `first instance, ${path} in ${root.name}`,
      };
    }
    return {
      name: cls.name,
      framework: 'keras',
      root: false,
      range: cls.range,
      input: null,
      totals: totals(null, [], false, bytes),
      layers: [],
      unresolved: [{ range: cls.range, reason: `${cls.name} is not used by any model this file builds and runs` }],
      provenance: PROVENANCE,
    };
  }
}

const ZERO = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

const totals = modelTotals;

/** A row; one built under a mixed-precision policy has its traffic counted at the policy's compute precision. */
function layerRow(r: KerasRow, reportBytes: number): LayerReport {
  const bytes = r.precision ? bytesPerElement(r.precision) : reportBytes;
  return {
    path: r.path,
    op: r.op,
    range: r.range,
    callRange: r.callRange,
    params: r.params,
    macs: r.macs,
    flops: r.flops,
    weightBytes: weightBytesOf(r.params, bytes),
    activationBytes: activationBytesOf(r.inputElems, r.outputElems, bytes),
    inputShape: r.inputShape,
    outputShape: r.outputShape,
    latencyMs: null,
    energyJ: null,
    bound: null,
    ...(r.precision ? { precision: r.precision, precisionSource: r.precisionSource } : {}),
  };
}

/** The mixed-precision policies the rows were built under ("from the code"); variables stay float32, as Keras keeps them. */
function statedPrecisions(layers: LayerReport[]): Pick<ModelReport, 'precisionFromCode'> {
  const out = new Map<string, CodePrecision>();
  for (const l of layers) {
    if (!l.precision) continue;
    const key = `${l.precision}|${l.precisionSource}`;
    const entry = out.get(key);
    if (entry) entry.layerCalls++;
    else out.set(key, { precision: l.precision, source: l.precisionSource ?? 'the policy', layerCalls: 1 });
  }
  return out.size ? { precisionFromCode: [...out.values()] } : {};
}

function dedupe(us: Unresolved[]): Unresolved[] {
  const seen = new Set<string>();
  return us.filter((u) => {
    const key = `${u.range.start.line}:${u.reason}`;
    return !seen.has(key) && !!seen.add(key);
  });
}
