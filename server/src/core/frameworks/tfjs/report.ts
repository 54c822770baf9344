// Turns the tf runtime's models into ModelReports (framework 'tfjs'): one row per layer call,
// an InputLayer row per functional input, totals that are null whenever anything is unknown.
import type { LayerReport, ModelReport, ModelTotals, Precision, Unresolved } from '../../report/types';
import { bytesPerElement } from '../../report/precision';
import { activationBytesOf, weightBytesOf } from '../../report/rows';
import type { LayerCall, ModelV, SymV } from '../../interpreter/typescript/values';
import type { TfRuntime } from './runtime';
import { elementCount } from './layers/common';

const PROVENANCE = 'static analysis of the source (no code was run)';

/** Reports of every model the file builds, in construction order. */
export function tfjsModelReports(rt: TfRuntime, precision: Precision): ModelReport[] {
  const bytes = bytesPerElement(precision);
  const names = uniqueNames(rt.models);
  return rt.models.map((m) => modelReport(m, names.get(m)!, bytes));
}

/** Model names: the variable each is bound to, qualified by its function where two share a name. */
function uniqueNames(models: ModelV[]): Map<ModelV, string> {
  const base = (m: ModelV) => m.varName ?? m.tfName;
  const out = new Map<ModelV, string>();
  const used = new Map<string, number>();
  for (const m of models) {
    const clash = models.filter((x) => base(x) === base(m)).length > 1;
    let name = clash && m.fnName ? `${m.fnName}.${base(m)}` : base(m);
    const n = (used.get(name) ?? 0) + 1;
    used.set(name, n);
    if (n > 1) name = `${name} (${n})`;
    out.set(m, name);
  }
  return out;
}

const sum = (xs: (number | null)[]): number | null =>
  xs.some((x) => x === null) ? null : (xs as number[]).reduce((a, b) => a + b, 0);

function elems(ts: SymV[]): number | null {
  return sum(ts.map((t) => (t.shape ? elementCount(t.shape) : null)));
}

function callRow(c: LayerCall, bytes: number): LayerReport {
  const inElems = elems(c.inputs);
  const outElems = elems(c.outputs);
  return {
    path: c.path,
    op: c.op,
    range: c.range,
    callRange: c.callRange,
    params: c.params,
    macs: c.macs,
    flops: c.flops,
    weightBytes: weightBytesOf(c.params, bytes),
    activationBytes: c.macs === null ? null : activationBytesOf(inElems, outElems, bytes),
    inputShape: c.inputs[0]?.shape ?? null,
    outputShape: c.outputs[0]?.shape ?? null,
    latencyMs: null,
    energyJ: null,
    bound: null,
  };
}

function inputRow(x: SymV): LayerReport {
  return {
    path: x.input!.name,
    op: 'InputLayer',
    range: x.input!.range,
    callRange: null,
    params: 0,
    macs: 0,
    flops: 0,
    weightBytes: 0,
    activationBytes: 0,
    inputShape: x.shape,
    outputShape: x.shape,
    latencyMs: null,
    energyJ: null,
    bound: null,
  };
}

function modelReport(m: ModelV, name: string, bytes: number): ModelReport {
  const layers: LayerReport[] = [];
  if (m.type === 'functional') for (const x of m.inputs) if (x.input && !x.node) layers.push(inputRow(x));
  for (const c of m.calls) layers.push(callRow(c, bytes));
  const unresolved = unresolvedOf(m);
  const first = m.inputs[0];
  return {
    name,
    framework: 'tfjs',
    root: !m.nested,
    range: m.range,
    input: first?.shape && first.input ? { shape: first.shape, dtype: 'float32', source: first.input.source } : null,
    totals: totals(m, layers, bytes),
    layers,
    unresolved,
    provenance: m.deferred ? `${PROVENANCE}; ${m.deferred}` : PROVENANCE,
  };
}

function totals(m: ModelV, rows: LayerReport[], bytes: number): ModelTotals {
  const seen = new Set<unknown>();
  const params: (number | null)[] = [];
  for (const c of m.calls) {
    if (c.layer && seen.has(c.layer)) continue;
    seen.add(c.layer);
    params.push(c.layer ? (typeof c.layer.params === 'number' ? c.layer.params : null) : c.params);
  }
  const p = m.reasons.length ? null : sum(params);
  const complete = m.reasons.length === 0;
  return {
    params: p,
    macs: complete ? sum(rows.map((r) => r.macs)) : null,
    flops: complete ? sum(rows.map((r) => r.flops)) : null,
    weightBytes: weightBytesOf(p, bytes),
    activationBytes: complete ? sum(rows.map((r) => r.activationBytes)) : null,
    latencyMs: null,
    energyJ: null,
    co2eG: null,
  };
}

/** Why anything is unknown: model-level reasons, then each call's own reason (not its knock-on effects). */
function unresolvedOf(m: ModelV): Unresolved[] {
  const out: Unresolved[] = [...m.reasons];
  for (const c of m.calls) {
    if (
      !c.reason ||
      c.reason.startsWith('input shape unknown: the output of') ||
      m.reasons.some((r) => c.reason!.includes(r.reason))
    )
      continue;
    out.push({ range: c.reasonRange ?? c.callRange ?? c.range, reason: `${c.path}: ${c.reason}` });
  }
  const seen = new Set<string>();
  return out.filter((u) => {
    const key = `${u.range.start.line}:${u.range.start.character}:${u.reason}`;
    return !seen.has(key) && !!seen.add(key);
  });
}
