// Records what a model's forward pass executes: one LayerCall per module or functional op call,
// with its input/output shapes and MACs, attributed to the module path torch would name it by.
import type { TableLayer } from '../../catalog/layerTables';
import type { Range } from '../../parse/syntax';
import type { ModuleV, TensorV, Value } from '../../interpreter/python/values';
import { elementwiseFlops, missingCostReason, opCost } from '../../opCosts/opCosts';
import { elementCount, type ArgValue } from './layers/layerSpec';
import type { Precision } from '../../report/types';

/** One executed layer or op. Element counts are kept so bytes can be computed at any precision. */
export interface LayerCall {
  module?: ModuleV;
  op: string;
  path: string;
  range: Range;
  callRange: Range | null;
  paramElems: number | null;
  macs: number | null;
  flops: number | null;
  inputShape: number[] | null;
  outputShape: number[] | null;
  inputElems: number | null;
  outputElems: number | null;
  /** Why the costs are null, when they are. */
  reason?: string;
  /** For a functional op: the module whose forward called it (its path is named under that module's). */
  parent?: ModuleV;
  /** The precision the code states for this call (precision.ts), and where; absent: the report's. */
  precision?: Precision;
  precisionSource?: string;
  /** Where the code makes this layer's weights 2:4 semi-structured sparse, when it does. */
  sparsitySource?: string;
}

/** A problem found while tracing (shape mismatch, unsupported op), located at the call. */
export interface TraceProblem {
  range: Range;
  reason: string;
  severity: 'warning' | 'information';
  code: string;
}

/** The result of one costed call, before attribution. */
export interface OpCost {
  op: string;
  inputs: (TensorV | null)[];
  output: TensorV | null;
  macs: number | null;
  extraFlops?: number;
  /** The call's own parameters: undefined for none, null when unknown (an unresolved call or layer). */
  paramElems?: number | null;
  reason?: string;
}

/** Receives a trace's dataflow (dataflow.ts) when an analysis asks for it: what each call read and returned. */
export interface FlowSink {
  /** A call was recorded with its input tensors and (for ops) the tensor it returns. */
  called(call: LayerCall, inputs: (TensorV | null)[], output: TensorV | null): void;
  /** The last recorded call (a built-in layer) returned this value. */
  returned(value: Value): void;
  /** The last recorded call was made with these arguments. */
  annotate(args: Value[], kwargs: Map<string, Value>): void;
  /** The last recorded call's arguments, bound to names. */
  annotateBound(bound: Record<string, ArgValue>): void;
  /** A tensor method or indexing on `source` gave `result` (a view, a slice, or a recorded op's output). */
  method(result: Value, source: TensorV, via: string, args: Value[], kwargs: Map<string, Value>): void;
}

/** Collects LayerCalls while a root model's forward runs. */
export class Tracer {
  calls: LayerCall[] = [];
  problems: TraceProblem[] = [];
  /** Set by an analysis that wants the dataflow (graph synthesis for profiling); off otherwise. */
  flow?: FlowSink;
  /** The precision the code states for a call (the runtime's PrecisionState), consulted as each call is recorded. */
  statedPrecision?: (
    op: string,
    module: ModuleV | undefined,
    parent: ModuleV | undefined,
    inputs: (TensorV | null)[],
  ) => { precision: Precision; source: string } | undefined;
  /** Where the code makes a module's weights 2:4 sparse (the runtime's PrecisionState), if it does. */
  statedSparsity?: (module: ModuleV | undefined) => string | undefined;
  private stack: ModuleV[] = [];
  private paths = new Map<ModuleV, string>();
  private opCounters = new Map<string, number>();

  /** True while a root model's forward is being traced. */
  get active(): boolean {
    return this.stack.length > 0;
  }

  /** Starts tracing `root`: every submodule gets the dotted path torch's named_modules() gives it. */
  begin(root: ModuleV): void {
    this.calls = [];
    this.problems = [];
    this.paths = modulePaths(root);
    this.opCounters.clear();
    this.stack = [];
  }

  /**
   * Sets the current trace aside (its calls, problems, paths and counters) so that another root's
   * forward can be traced on its own, for a decode loop's later steps; returns how to restore it.
   */
  suspend(): () => void {
    const saved = {
      calls: this.calls,
      problems: this.problems,
      paths: this.paths,
      counters: this.opCounters,
      stack: this.stack,
      flow: this.flow,
    };
    this.opCounters = new Map();
    this.flow = undefined;
    return () => {
      this.calls = saved.calls;
      this.problems = saved.problems;
      this.paths = saved.paths;
      this.opCounters = saved.counters;
      this.stack = saved.stack;
      this.flow = saved.flow;
    };
  }

  /** Enters a module's forward. */
  enter(module: ModuleV): void {
    this.stack.push(module);
  }

  /** Leaves a module's forward. */
  exit(): void {
    this.stack.pop();
  }

  /** The path of a module in the traced root (a constructed-on-the-fly module gets a synthetic one). */
  pathOf(module: ModuleV): string {
    const known = this.paths.get(module);
    if (known !== undefined) return known;
    return this.childPath(module.cls.name);
  }

  /** Records a module or functional-op call with its cost. */
  record(cost: OpCost, range: Range, callRange: Range | null, module?: ModuleV): void {
    const input = cost.inputs[0] ?? null;
    const inputElems = sumElems(cost.inputs);
    const outputElems = cost.output?.shape ? elementCount(cost.output.shape) : null;
    const parent = module ? undefined : this.stack[this.stack.length - 1];
    const path = module ? this.pathOf(module) : this.childPath(cost.op, parent);
    const flops = flopsOf(cost, inputElems, outputElems);
    const call: LayerCall = {
      module,
      parent,
      op: cost.op,
      path,
      range,
      callRange,
      paramElems: cost.paramElems === undefined ? (cost.op === '?' ? null : 0) : cost.paramElems,
      macs: cost.macs,
      flops,
      inputShape: input?.shape ?? null,
      outputShape: cost.output?.shape ?? null,
      inputElems,
      outputElems,
      reason: cost.reason ?? (flops === null ? unknownFlopsReason(cost, inputElems, outputElems) : undefined),
    };
    const stated = this.statedPrecision?.(cost.op, module, parent, cost.inputs);
    if (stated) Object.assign(call, { precision: stated.precision, precisionSource: stated.source });
    const sparse = this.statedSparsity?.(module);
    if (sparse) call.sparsitySource = sparse;
    this.calls.push(call);
    this.flow?.called(call, cost.inputs, cost.output);
  }

  /**
   * Records the layers of a catalogued architecture called inside the trace (a pretrained backbone),
   * each under `module`'s path as a call the module's forward makes, with the table's work.
   */
  recordTable(layers: TableLayer[], module: ModuleV, range: Range, callRange: Range): void {
    const base = this.pathOf(module);
    for (const layer of layers) {
      const call: LayerCall = {
        module: undefined,
        parent: module,
        op: layer.op,
        path: `${base}.${layer.path}`,
        range,
        callRange,
        paramElems: layer.params,
        macs: layer.macs,
        flops: layer.flops,
        inputShape: null,
        outputShape: layer.outputShape,
        // Activations as the table counts them (inputs and outputs together).
        inputElems: layer.activationElements,
        outputElems: 0,
      };
      const stated = this.statedPrecision?.(layer.op, undefined, module, []);
      if (stated) Object.assign(call, { precision: stated.precision, precisionSource: stated.source });
      this.calls.push(call);
    }
  }

  /** Whether `module` is part of the traced root's tree (so its path is torch's, not a made-up one). */
  knows(module: ModuleV): boolean {
    return this.paths.has(module);
  }

  /**
   * Records a call remembered from an earlier run (moduleMemo.ts): its path is worked out here, in
   * this trace, as if the call had just run: under `module`, or as an op called inside `parent`.
   */
  replay(call: LayerCall, module: ModuleV | undefined, parent: ModuleV | undefined, previous?: LayerCall): LayerCall {
    const path = module ? this.pathOf(module) : this.childPath(call.op, parent);
    // The same call replayed in the previous analysis, on the same modules, is reused: so are its report
    // rows, which do not show reasons. Only its reason may differ (an unknown input's, while a name is
    // typed upstream); it is updated in place, as nothing built from the previous analysis reads it again.
    if (previous && previous.module === module && previous.parent === parent && previous.path === path) {
      previous.reason = call.reason;
      this.calls.push(previous);
      return previous;
    }
    const replayed = { ...call, module, parent, path };
    this.calls.push(replayed);
    return replayed;
  }

  /** Records a problem at a call site. */
  problem(range: Range, reason: string, code: string, severity: TraceProblem['severity'] = 'information'): void {
    this.problems.push({ range, reason, code, severity });
  }

  private childPath(op: string, within: ModuleV | undefined = this.stack[this.stack.length - 1]): string {
    const parent = within ? (this.paths.get(within) ?? '') : '';
    const key = `${parent}|${op}`;
    const n = (this.opCounters.get(key) ?? 0) + 1;
    this.opCounters.set(key, n);
    const name = `${op}${n > 1 ? `_${n}` : ''}`;
    return parent ? `${parent}.${name}` : name;
  }
}

function sumElems(inputs: (TensorV | null)[]): number | null {
  let total = 0;
  for (const t of inputs) {
    if (!t?.shape) return null;
    total += elementCount(t.shape);
  }
  return total;
}

/** FLOPs = 2 × MACs plus the op's elementwise work (from the op table unless the op states it). */
function flopsOf(cost: OpCost, inputElems: number | null, outputElems: number | null): number | null {
  if (cost.macs === null || outputElems === null) return null;
  const extra = cost.extraFlops ?? elementwiseFlops(cost.op, inputElems, outputElems);
  return extra === null ? null : 2 * cost.macs + extra;
}

/** Why a call's FLOPs are unknown when nothing else said so: the op table lacks the op, or a size is unknown. */
function unknownFlopsReason(cost: OpCost, inputElems: number | null, outputElems: number | null): string | undefined {
  if (cost.macs === null) return undefined;
  if (cost.extraFlops === undefined && !opCost(cost.op)) return missingCostReason(cost.op);
  if (outputElems === null) return `${cost.op}: the size of its output is unknown`;
  if (inputElems === null) return `${cost.op}: the size of its input is unknown`;
  return undefined;
}

/** Dotted paths of every submodule, as `named_modules()` gives them (first path wins when shared). */
export function modulePaths(root: ModuleV): Map<ModuleV, string> {
  const paths = new Map<ModuleV, string>();
  const visit = (m: ModuleV, path: string) => {
    if (paths.has(m)) return;
    paths.set(m, path);
    for (const [name, child] of m.children) visit(child, path ? `${path}.${name}` : name);
  };
  visit(root, '');
  return paths;
}
