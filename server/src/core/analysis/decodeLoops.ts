// A hand-written decode loop over a traced model, costed as generation: nanoGPT's `generate` calls the
// model once per new token on the whole context so far (no KV cache: each step re-runs the prefix),
// and a loop that passes back what the model returned keeps its own cache or state. The first steps are
// traced on their own (decodeSteps.ts); every step's work follows from how each layer's cost grows with
// the context (a polynomial of degree ≤ 2, checked on steps it was not fitted on), and the energy model
// costs the steps on a profile (energy/generationEnergy.ts).
import type { Range, SyntaxNode } from '../parse/syntax';
import { field } from '../parse/syntax';
import type { GenerationReport, LayerReport, Precision } from '../report/types';
import type { RootRun } from '../frameworks/torch/runtime';
import { stepTensor, type RootStep, type StepTrace } from '../frameworks/torch/decodeSteps';
import type { Value } from '../interpreter/python/values';
import { descendantsOfType } from '../frameworks/hub/syntaxArgs';
import { bytesPerElement } from '../report/precision';
import { attachTracedSteps, type TracedSteps } from '../catalog/generationShapes';
import { layerRow } from './modelReports';

/** Step groups costed one by one; a longer loop is costed in this many groups of neighbouring steps. */
export const MAX_STEP_GROUPS = 512;

/** Traces a step's arguments through the root on their own (the torch runtime's traceDetached). */
export type TraceStep = (args: Value[], kwargs: Map<string, Value>, range: Range) => StepTrace;

type Mode = 'none' | 'state';

interface Segment {
  steps: RootStep[];
  mode: Mode;
  batch: number;
}

const NUMERIC_FIELDS = ['macs', 'flops', 'weightBytes', 'activationBytes'] as const;

/** The generation a root's decode loop performs (the first loop site that is one), or undefined when none. */
export function decodeLoopGeneration(
  run: RootRun,
  tree: SyntaxNode | undefined,
  precision: Precision,
  traceStep: TraceStep,
  budgetExhausted = false,
): GenerationReport | undefined {
  if (!run.steps) return undefined;
  for (const steps of run.steps.bySite.values()) {
    const segments = segmentsOf(steps);
    if (segments.length) return generationOf(segments, tree, precision, traceStep, budgetExhausted);
  }
  return undefined;
}

/** Batch and context length of a step's first tensor ([B, T, ...]; a state step may be [B]). */
function dims(step: RootStep): { batch: number; length: number } | undefined {
  const shape = stepTensor(step)?.shape;
  if (!shape || shape.length === 0) return undefined;
  return { batch: shape[0], length: shape.length > 1 ? shape[1] : 1 };
}

/** The runs of steps that are one generation each: the context grows by one per step, or state is passed back. */
function segmentsOf(steps: RootStep[]): Segment[] {
  const out: Segment[] = [];
  for (let i = 0; i < steps.length;) {
    const segment = segmentFrom(steps, i);
    if (segment) {
      out.push(segment);
      i += segment.steps.length;
    } else i++;
  }
  return out;
}

function segmentFrom(steps: RootStep[], start: number): Segment | undefined {
  const first = dims(steps[start]);
  const next = steps[start + 1];
  if (!first || !next) return undefined;
  const mode: Mode = next.carried ? 'state' : 'none';
  let grew = false;
  let end = start + 1;
  for (; end < steps.length; end++) {
    const previous = dims(steps[end - 1])!;
    const current = dims(steps[end]);
    if (!current || current.batch !== first.batch || steps[end].carried !== (mode === 'state')) break;
    if (mode === 'state') continue;
    if (current.length === previous.length + 1) grew = true;
    // Once the context reaches the model's window (idx[:, -block_size:]) it stays there.
    else if (!(current.length === previous.length && grew)) break;
  }
  if (end - start < 2 || (mode === 'none' && !grew)) return undefined;
  return { steps: steps.slice(start, end), mode, batch: first.batch };
}

/** What a step's work is a function of: the context length (no cache) or the step's index (state passed back). */
function stepX(segment: Segment, index: number): number {
  return segment.mode === 'none' ? dims(segment.steps[index])!.length : index;
}

function generationOf(
  segments: Segment[],
  tree: SyntaxNode | undefined,
  precision: Precision,
  traceStep: TraceStep,
  budgetExhausted: boolean,
): GenerationReport {
  const segment = segments[0];
  const n = segment.steps.length;
  const promptTokens = dims(segment.steps[0])!.length;
  const repeats = segments.filter(
    (s) =>
      s.mode === segment.mode &&
      s.batch === segment.batch &&
      s.steps.length === n &&
      dims(s.steps[0])!.length === promptTokens,
  ).length;
  // The loop's own call site (step 0 may be a prefill written before the loop).
  const site = segment.steps[1].site;
  const { range, function: fn, loopLine } = generationRange(tree, site);
  const xs = segment.steps.map((_, i) => stepX(segment, i));
  const lengths = segment.steps.map((s) => dims(s)!.length);
  const maxLength = Math.max(...lengths);
  const capped = lengths[lengths.length - 1] === lengths[lengths.length - 2] && segment.mode === 'none';
  const report: GenerationReport = {
    range,
    batch: segment.batch,
    promptTokens,
    newTokens: n,
    source: `batch ${segment.batch} and ${promptTokens}-token prompts: the model's input at the first step (line ${segment.steps[0].site.start.line + 1}); new tokens: ${n} steps of the loop at line ${loopLine}${fn ? ` in ${fn}()` : ''}${repeats > 1 ? `, run ${repeats} times` : ''}${segments.length > repeats ? `; ${segments.length - repeats} other run(s) of this loop differ and are not costed` : ''}`,
    numerics: 'as the model is traced: the analysis precision, or what the code states per layer',
    ...(repeats > 1 ? { calls: repeats } : {}),
    cache:
      segment.mode === 'none'
        ? {
            kind: 'none',
            text: `no KV cache: each step runs the model on the whole context so far (${promptTokens} to ${maxLength} tokens${capped ? `, cut to the last ${maxLength}` : ''}), as the loop passes it`,
          }
        : {
            kind: 'state',
            text: 'the loop passes back what the model returned (its own cache or hidden state): each step runs only the new input',
          },
    loop: { line: loopLine },
    prefill: { macs: null, latencyMs: null, energyJ: null, bound: null },
    decode: { macs: null, latencyMs: null, energyJ: null, bound: null },
    kvCacheBytes: null,
    timeToFirstTokenMs: null,
    timePerOutputTokenMs: null,
    tokensPerSecond: null,
    energyPerOutputTokenJ: null,
    energyJ: null,
    whPer1000Requests: null,
    co2eG: null,
    boundBy: null,
  };
  // The analysis stopped inside (or after) the loop: how many steps it would run is not known.
  if (budgetExhausted)
    return {
      ...report,
      newTokens: null,
      source: report.source.replace(/new tokens: \d+ steps/, `new tokens: unknown (more than ${n} steps)`),
      reason: `the analysis budget ran out after ${n} steps of the loop at line ${loopLine}: the number of new tokens, and so the cost, is unknown`,
    };
  const bytes = bytesPerElement(precision);
  const points = tracedPoints(segments, segment, traceStep, bytes);
  if (typeof points === 'string') return { ...report, reason: points };
  // With state passed back, the first step (the prompt) runs other code than the later ones: it is never fitted.
  const prefill = segment.mode === 'state' ? points.get(0) : undefined;
  if (prefill) points.delete(0);
  const fit = fitRows(points, segment.mode === 'state' ? xs.slice(1) : xs);
  if (typeof fit === 'string') return { ...report, reason: fit };
  const traced: TracedSteps = { prefill: prefill ?? fit(xs[0]), decode: [] };
  const groups = stepGroups(xs.slice(1));
  for (const g of groups.groups) traced.decode.push({ rows: fit(g.x), count: g.count });
  const sum = (rows: LayerReport[]) => rows.reduce((a, r) => a + (r.macs ?? 0), 0);
  const out: GenerationReport = {
    ...report,
    prefill: { ...report.prefill, macs: sum(traced.prefill) },
    decode: { ...report.decode, macs: traced.decode.reduce((a, g) => a + g.count * sum(g.rows), 0) },
    kvCacheBytes: segment.mode === 'none' ? 0 : stateBytes(segment, bytes),
    ...(groups.grouped
      ? {
          source: `${report.source}; ${xs.length - 1} decode steps costed in ${groups.groups.length} groups of neighbouring steps`,
        }
      : {}),
  };
  attachTracedSteps(out, traced);
  return out;
}

/** The traced steps of the loop as report rows by x, adding traces at the longest and a middle context. */
function tracedPoints(
  segments: Segment[],
  segment: Segment,
  traceStep: TraceStep,
  bytes: number,
): Map<number, LayerReport[]> | string {
  const traces = new Map<number, StepTrace>();
  const alike = segment.mode === 'none' ? segments.filter((s) => s.mode === 'none') : [segment];
  for (const s of alike) s.steps.forEach((step, i) => step.trace && traces.set(stepX(s, i), step.trace));
  if (segment.mode === 'none') {
    // No cache: a step's arguments are the real context, so steps the loop did not trace can be.
    const lengths = segment.steps.map((s) => dims(s)!.length);
    const longest = Math.max(...lengths);
    const middle = Math.round((lengths[0] + longest) / 2);
    for (const x of [longest, middle]) {
      const step = segment.steps.find((s) => dims(s)!.length === x);
      if (step && !traces.has(x)) traces.set(x, traceStep(step.args, step.kwargs, step.site));
    }
  } else if (!segment.steps[0].trace) {
    return "the loop's first step (its prompt) was not traced on its own: the steps cannot be costed";
  }
  const out = new Map<number, LayerReport[]>();
  for (const [x, trace] of traces) {
    if (trace.aborted) return `the step at ${describeX(segment, x)} stopped: ${trace.aborted}`;
    out.set(
      x,
      trace.calls.map((c) => layerRow(c, bytes)),
    );
  }
  return out;
}

function describeX(segment: Segment, x: number): string {
  return segment.mode === 'none' ? `context ${x}` : `step ${x}`;
}

/**
 * Rows at any x from the traced ones: exact where traced, else each numeric field by the lowest-degree
 * polynomial (≤ 2) through spread points that also gives every other traced point; a message when none does.
 */
function fitRows(points: Map<number, LayerReport[]>, needed: number[]): ((x: number) => LayerReport[]) | string {
  const known = [...points.keys()].sort((a, b) => a - b);
  for (const x of known) {
    const unknown = points.get(x)!.find((r) => NUMERIC_FIELDS.some((f) => r[f] === null));
    if (unknown) return `the cost of ${unknown.path} (${unknown.op}) is unknown: the loop's steps cannot be costed`;
  }
  if (needed.every((x) => points.has(x))) return (x) => points.get(x)!;
  const base = points.get(known[0])!;
  for (const x of known) {
    const rows = points.get(x)!;
    if (rows.length !== base.length || rows.some((r, i) => r.path !== base[i].path || r.op !== base[i].op))
      return `the model runs different layers at different steps (${base.length} calls at ${known[0]}, ${rows.length} at ${x}): later steps are not extrapolated`;
  }
  for (const degree of [0, 1, 2]) {
    if (known.length < degree + 2) break;
    const fitXs = spread(known, degree + 1);
    const at = (x: number) => evaluate(points, fitXs, x);
    const check = known.filter((x) => !fitXs.includes(x));
    if (check.every((x) => sameRows(at(x), points.get(x)!))) return (x) => points.get(x) ?? at(x);
  }
  return `the per-step work does not follow the context length (no polynomial of degree ≤ 2 fits the ${known.length} traced steps): later steps are not extrapolated`;
}

/** `count` points spread over sorted `xs`: the first, the last, then the middle. */
function spread(xs: number[], count: number): number[] {
  if (count === 1) return [xs[0]];
  if (count === 2) return [xs[0], xs[xs.length - 1]];
  return [xs[0], xs[Math.floor((xs.length - 1) / 2)], xs[xs.length - 1]];
}

/** The rows at `x` by Lagrange interpolation through `fitXs` (integer fields stay integers). */
function evaluate(points: Map<number, LayerReport[]>, fitXs: number[], x: number): LayerReport[] {
  const weights = fitXs.map((xi, i) => fitXs.reduce((w, xj, j) => (j === i ? w : (w * (x - xj)) / (xi - xj)), 1));
  const base = points.get(fitXs[0])!;
  return base.map((row, r) => {
    const out: LayerReport = { ...row, inputShape: null, outputShape: null };
    for (const f of NUMERIC_FIELDS) {
      const ys = fitXs.map((xi) => points.get(xi)![r][f]!);
      const v = ys.reduce((a, y, i) => a + y * weights[i], 0);
      out[f] = ys.every(Number.isInteger) && Number.isInteger(x) ? Math.round(v) : v;
    }
    return out;
  });
}

function sameRows(a: LayerReport[], b: LayerReport[]): boolean {
  return a.every((row, r) =>
    NUMERIC_FIELDS.every((f) => Math.abs(row[f]! - b[r][f]!) <= 1e-6 * Math.max(1, Math.abs(b[r][f]!))),
  );
}

/** Decode steps grouped by equal x (in order); more than MAX_STEP_GROUPS are merged into neighbours at their mean x. */
function stepGroups(xs: number[]): { groups: { x: number; count: number }[]; grouped: boolean } {
  const groups: { x: number; count: number }[] = [];
  for (const x of xs) {
    const last = groups[groups.length - 1];
    if (last && last.x === x) last.count++;
    else groups.push({ x, count: 1 });
  }
  if (groups.length <= MAX_STEP_GROUPS) return { groups, grouped: false };
  const size = Math.ceil(groups.length / MAX_STEP_GROUPS);
  const merged: { x: number; count: number }[] = [];
  for (let i = 0; i < groups.length; i += size) {
    const part = groups.slice(i, i + size);
    const count = part.reduce((a, g) => a + g.count, 0);
    merged.push({ x: part.reduce((a, g) => a + g.x * g.count, 0) / count, count });
  }
  return { groups: merged, grouped: true };
}

/**
 * Bytes of the state the loop passes back at its last step: the elements of what a traced step returns
 * and the next step takes, extrapolated linearly from the first two decode steps; null when not seen.
 */
function stateBytes(segment: Segment, bytes: number): number | null {
  const elems: number[] = [];
  for (let k = 1; k + 1 < segment.steps.length && elems.length < 2; k++) {
    const out = segment.steps[k].trace?.output;
    if (!out) break;
    elems.push(passedElements(out, segment.steps[k + 1]));
  }
  if (elems.length < 2) return null;
  const last = segment.steps.length - 1;
  return (elems[0] + (last - 1) * (elems[1] - elems[0])) * bytes;
}

function passedElements(output: Value, next: RootStep): number {
  const passed = new Set<Value>();
  const visit = (v: Value, depth: number) => {
    if (v.kind === 'tensor') passed.add(v);
    else if ((v.kind === 'tuple' || v.kind === 'list') && depth > 0) v.items.forEach((x) => visit(x, depth - 1));
  };
  [...next.args.slice(1), ...next.kwargs.values()].forEach((v) => visit(v, 2));
  let total = 0;
  const count = (v: Value, depth: number) => {
    if (v.kind === 'tensor' && passed.has(v) && v.shape) total += v.shape.reduce((a, d) => a * d, 1);
    else if ((v.kind === 'tuple' || v.kind === 'list') && depth > 0) v.items.forEach((x) => count(x, depth - 1));
  };
  count(output, 3);
  return total;
}

/**
 * Where the generation shows: the call of the function holding the loop (`model.generate(x, 50)`), or
 * the loop's own header when it is written at module level; with the function's name.
 */
function generationRange(
  tree: SyntaxNode | undefined,
  site: Range,
): { range: Range; function?: string; loopLine: number } {
  if (!tree) return { range: site, loopLine: site.start.line + 1 };
  const chain: SyntaxNode[] = [];
  for (let node: SyntaxNode | undefined = tree; node; node = node.children.find((c) => contains(c.range, site)))
    chain.push(node);
  const fn = [...chain].reverse().find((n) => n.type === 'function_definition');
  const name = fn ? field(fn, 'name')?.text : undefined;
  const loop = [...chain].reverse().find((n) => n.type === 'for_statement' || n.type === 'while_statement');
  const loopLine = (loop ?? { range: site }).range.start.line + 1;
  if (fn && name) {
    const call = descendantsOfType(tree, 'call').find((c) => {
      const callee = field(c, 'function');
      const called =
        callee?.type === 'identifier'
          ? callee.text
          : callee?.type === 'attribute'
            ? field(callee, 'attribute')?.text
            : undefined;
      return called === name && !contains(fn.range, c.range);
    });
    if (call) return { range: call.range, function: name, loopLine };
  }
  const head = loop && (field(loop, 'right') ?? field(loop, 'condition'));
  if (loop && head) return { range: { start: loop.range.start, end: head.range.end }, function: name, loopLine };
  return { range: site, function: name, loopLine };
}

function contains(outer: Range, inner: Range): boolean {
  const le = (a: Range['start'], b: Range['start']) =>
    a.line < b.line || (a.line === b.line && a.character <= b.character);
  return le(outer.start, inner.start) && le(inner.end, outer.end);
}
