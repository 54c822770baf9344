// Records what a Keras model's forward pass executes: one row per built-in layer call or tensor op,
// with shapes, MACs and FLOPs, under the path Keras would show (layer names, attribute names inside subclasses).
import type { Range } from '../../parse/syntax';
import type { InstanceV, TensorV, Value } from '../../interpreter/python/values';
import { type Shape, elems } from './layers/spec';
import type { Precision } from '../../report/types';

/** One executed layer or op. Element counts are kept so bytes can be computed at any precision. */
export interface KerasRow {
  instance?: InstanceV;
  op: string;
  path: string;
  range: Range;
  callRange: Range | null;
  params: number | null;
  macs: number | null;
  flops: number | null;
  inputShape: Shape | null;
  outputShape: Shape | null;
  inputElems: number | null;
  outputElems: number | null;
  reason?: string;
  /** The precision the code states for it (the mixed-precision policy it was built under), and where. */
  precision?: Precision;
  precisionSource?: string;
}

/** A problem found while tracing, located at the call. */
export interface KerasProblem {
  range: Range;
  reason: string;
  severity: 'warning' | 'information';
  code: string;
}

/** What a cost computation produced, before attribution to a path. */
export interface RowCost {
  op: string;
  inputs: (Shape | null)[];
  output: Shape | null;
  macs: number | null;
  flops: number | null;
  params?: number | null;
  reason?: string;
}

/** Receives a trace's dataflow (dataflow.ts) when an analysis asks for it: what each row read and returned. */
export interface KerasFlowSink {
  /** The built-in layer call just recorded read `inputs` and returned `outputs`. */
  layerCalled(inputs: Value[], outputs: TensorV[]): void;
  /** Runs an op (`x + y`, keras.ops.reshape, `x[:, 0]`), noting the row it records or the view it makes. */
  op(label: string, args: Value[], kwargs: Map<string, Value>, run: () => Value): Value;
  /** A composite returned `fresh` in place of one of its inputs, `original`. */
  alias(fresh: TensorV, original: TensorV): void;
}

/** Collects rows while one root model is traced. */
export class KerasTracer {
  rows: KerasRow[] = [];
  problems: KerasProblem[] = [];
  /** Set by an analysis that wants the dataflow (graph synthesis for profiling); off otherwise. */
  flow?: KerasFlowSink;
  /** The path of every composite entered, for block reports. */
  paths = new Map<InstanceV, string>();
  private stack: { inst: InstanceV; path: string }[] = [];
  private counters = new Map<string, number>();
  private running = false;

  /** True while a root model is being traced. */
  get active(): boolean {
    return this.running;
  }

  /** Starts a trace of a root. */
  begin(): void {
    this.rows = [];
    this.problems = [];
    this.paths = new Map();
    this.stack = [];
    this.counters.clear();
    this.running = true;
  }

  /** Ends the trace. */
  end(): void {
    this.running = false;
    this.stack = [];
  }

  /** The path a child gets under the current composite: `<parent>.<local>` (the root's own path is ''). */
  childPath(local: string): string {
    const parent = this.stack.length ? this.stack[this.stack.length - 1].path : null;
    if (parent === null) return '';
    return parent ? `${parent}.${local}` : local;
  }

  /** The composite currently running, if any. */
  parent(): InstanceV | undefined {
    return this.stack[this.stack.length - 1]?.inst;
  }

  /** Enters a composite (model, Sequential, custom layer) under `local`. */
  enter(inst: InstanceV, local: string): void {
    const path = this.childPath(local);
    if (!this.paths.has(inst)) this.paths.set(inst, path);
    this.stack.push({ inst, path });
  }

  /** Leaves the current composite. */
  exit(): void {
    this.stack.pop();
  }

  /** Records a layer call (path from `local`) or an op (path numbered per parent: add, add_2, ...). */
  record(
    cost: RowCost,
    range: Range,
    callRange: Range | null,
    local?: string,
    instance?: InstanceV,
    stated?: { precision: Precision; source: string },
  ): void {
    if (!this.running) return;
    const path = local !== undefined ? this.childPath(local) : this.opPath(cost.op);
    const sizes = cost.inputs.map((s) => (s ? elems(s) : NaN));
    const inputElems = sizes.every(Number.isFinite) ? sizes.reduce((a, b) => a + b, 0) : null;
    const outputElems = cost.output && Number.isFinite(elems(cost.output)) ? elems(cost.output) : null;
    this.rows.push({
      instance,
      op: cost.op,
      path,
      range,
      callRange,
      params: cost.params ?? 0,
      macs: cost.macs,
      flops: cost.flops,
      inputShape: cost.inputs[0] ?? null,
      outputShape: cost.output,
      inputElems,
      outputElems,
      reason: cost.reason,
      ...(stated ? { precision: stated.precision, precisionSource: stated.source } : {}),
    });
  }

  /** Records a problem at a call site. */
  problem(range: Range, reason: string, code: string, severity: KerasProblem['severity'] = 'information'): void {
    if (this.running) this.problems.push({ range, reason, code, severity });
  }

  private opPath(op: string): string {
    const parent = this.stack.length ? this.stack[this.stack.length - 1].path : '';
    const key = `${parent}|${op}`;
    const n = (this.counters.get(key) ?? 0) + 1;
    this.counters.set(key, n);
    const name = `${op}${n > 1 ? `_${n}` : ''}`;
    return parent ? `${parent}.${name}` : name;
  }
}
