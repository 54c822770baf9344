// The steps of a hand-written decode loop as they run: each later call of an already-traced root model
// from inside a loop (nanoGPT's `for _ in range(max_new_tokens): logits, _ = self(idx_cond)`) is
// recorded with its tensors, and the first few at each call site are traced on their own, so the
// analysis can cost every step from how the model's work grows with the context (analysis/decodeLoops.ts).
import type { Range, SyntaxNode } from '../../parse/syntax';
import type { TensorV, Value } from '../../interpreter/python/values';
import type { LayerCall, TraceProblem } from './tracer';

/** Steps traced on their own at each call site: enough to see how the work grows (and to check it). */
export const TRACED_STEPS = 4;

/** One step's own trace. */
export interface StepTrace {
  calls: LayerCall[];
  problems: TraceProblem[];
  aborted?: string;
  output: Value;
}

/** One call of a traced root from inside a loop. */
export interface RootStep {
  site: Range;
  /** The call's arguments as passed at this step (the tensors' shapes say the context). */
  args: Value[];
  kwargs: Map<string, Value>;
  /** Whether the call passes back something the previous call at this site returned (a KV cache, a hidden state). */
  carried: boolean;
  /** The step's own trace, for the first TRACED_STEPS calls at each site. */
  trace?: StepTrace;
}

/** What the recorder needs from the torch runtime. */
export interface StepTracer {
  /** Traces `args` through the root on its own, leaving the root's trace as it was. */
  traceDetached(args: Value[], kwargs: Map<string, Value>, site: Range): StepTrace;
}

/** The root's first call: where, with what, and its trace when that ran on the call's own tensors. */
export interface FirstCall {
  site: Range;
  args: Value[];
  kwargs: Map<string, Value>;
  trace?: StepTrace;
}

/** The first tensor argument of a step, the one whose shape gives batch and context. */
export function stepTensor(step: RootStep): TensorV | undefined {
  return step.args.find((a): a is TensorV => a.kind === 'tensor');
}

/** The steps of one root, by call site (in the order the sites were first called). */
export class RootSteps {
  readonly bySite = new Map<string, RootStep[]>();
  private readonly traced = new Map<string, number>();
  private readonly last = new Map<string, Value>();
  /** The argument shapes already seen at each site on steps that pass nothing back. */
  private readonly shapes = new Map<string, Set<string>>();

  /**
   * Records a later call of the root at `site` and returns what the program gets back: the step's own
   * output while steps are traced, then the last traced one (later steps are costed from the traced ones).
   */
  record(site: Range, args: Value[], kwargs: Map<string, Value>, tracer: StepTracer, first: FirstCall): Value {
    const key = siteKey(site);
    let steps = this.bySite.get(key);
    if (!steps) {
      this.bySite.set(key, (steps = []));
      // The root's own call is the first step when it was made here: its trace when it ran on the
      // call's own tensors, else (an input from --input or a comment) the step traced on what was passed.
      if (siteKey(first.site) === key) {
        const trace = first.trace ?? tracer.traceDetached(first.args, first.kwargs, site);
        steps.push({ site, args: first.args, kwargs: first.kwargs, carried: false, trace });
        this.shapes.set(key, new Set([shapesKey(first.args, first.kwargs)]));
        this.traced.set(key, 1);
        this.last.set(key, trace.output);
      } else if (first.trace && carries(args.slice(1), kwargs, first.trace.output)) {
        // The loop continues from the root's first call (a prefill written before the loop): it is step 0.
        steps.push({ site: first.site, args: first.args, kwargs: first.kwargs, carried: false, trace: first.trace });
        this.last.set(key, first.trace.output);
      }
    }
    const previous = this.last.get(key);
    const carried = previous !== undefined && carries(args.slice(1), kwargs, previous);
    const step: RootStep = { site, args, kwargs, carried };
    steps.push(step);
    // A step on the same shapes as one already traced, passing nothing back, does the same work: a loop
    // over same-shaped batches (or a benchmark) is not traced again, which keeps such loops cheap.
    const shapes = shapesKey(args, kwargs);
    const seen = this.shapes.get(key) ?? new Set<string>();
    this.shapes.set(key, seen);
    if (!carried && seen.has(shapes)) return this.last.get(key) ?? previous!;
    if (!carried) seen.add(shapes);
    if ((this.traced.get(key) ?? 0) < TRACED_STEPS) {
      step.trace = tracer.traceDetached(args, kwargs, site);
      this.traced.set(key, (this.traced.get(key) ?? 0) + 1);
      this.last.set(key, step.trace.output);
    }
    return this.last.get(key)!;
  }
}

/** The shapes and dtypes of a call's tensor arguments, as one string. */
function shapesKey(args: Value[], kwargs: Map<string, Value>): string {
  const one = (v: Value) => (v.kind === 'tensor' ? `${v.dtype}[${v.shape?.join(',') ?? '?'}]` : v.kind);
  return [...args.map(one), ...[...kwargs].map(([k, v]) => `${k}=${one(v)}`)].join(';');
}

/** A stable key for a call site. */
export function siteKey(r: Range): string {
  return `${r.start.line}:${r.start.character}:${r.end.line}:${r.end.character}`;
}

/** Whether any argument is (or holds) a value the previous call returned: the loop carries state. */
function carries(args: Value[], kwargs: Map<string, Value>, output: Value): boolean {
  const returned = new Set<Value>();
  collect(output, returned, 3);
  if (returned.size === 0) return false;
  const passed = new Set<Value>();
  for (const a of [...args, ...kwargs.values()]) collect(a, passed, 2);
  for (const v of passed) if (returned.has(v)) return true;
  return false;
}

function collect(v: Value, into: Set<Value>, depth: number): void {
  if (v.kind === 'tensor') into.add(v);
  else if ((v.kind === 'tuple' || v.kind === 'list') && depth > 0) for (const x of v.items) collect(x, into, depth - 1);
}

/** Whether the call at `site` sits in a `for` or `while` loop of the function (or module level) that makes it. */
export class LoopSites {
  private readonly known = new Map<string, boolean>();

  constructor(private readonly tree: SyntaxNode | undefined) {}

  /** True when the call at `site` is inside a loop body of its own function or of the module. */
  inLoop(site: Range): boolean {
    const key = siteKey(site);
    let hit = this.known.get(key);
    if (hit === undefined) this.known.set(key, (hit = this.tree ? loopAround(this.tree, site) : false));
    return hit;
  }
}

const SCOPES = new Set(['function_definition', 'lambda', 'class_definition']);
const LOOPS = new Set(['for_statement', 'while_statement']);

function loopAround(tree: SyntaxNode, site: Range): boolean {
  const chain: SyntaxNode[] = [];
  let node: SyntaxNode | undefined = tree;
  while (node) {
    chain.push(node);
    node = node.children.find((c) => within(site, c.range));
  }
  for (let i = chain.length - 1; i >= 0; i--) {
    if (LOOPS.has(chain[i].type)) return true;
    if (SCOPES.has(chain[i].type)) return false;
  }
  return false;
}

function within(inner: Range, outer: Range): boolean {
  const before = (a: Range['start'], b: Range['start']) =>
    a.line < b.line || (a.line === b.line && a.character <= b.character);
  return before(outer.start, inner.start) && before(inner.end, outer.end);
}
