// An opt-in record of a forward pass's dataflow: which tensors each layer call read and returned,
// which tensor a view or slice was taken from, and the arguments of functional ops. Off unless an
// analysis asks for it (the profiler's graph synthesis); the tracer then feeds it as calls run.
import type { ModuleV, TensorV, Value } from '../../interpreter/python/values';
import type { FlowSink, LayerCall } from './tracer';
import type { ArgValue } from './layers/layerSpec';
import type { RootRun } from './runtime';
import { modulePathsList } from './modules';
import type { GraphArg, GraphNode, GraphTensor, GraphWeight, ModelGraph, TensorSource } from '../../report/graph';

/** What one recorded call read, returned and was called with. */
interface CallFlow {
  inputs: TensorV[];
  outputs: TensorV[];
  args?: Value[];
  kwargs?: Map<string, Value>;
  /** Arguments already in plain form (a functional op's bound constructor arguments). */
  plainKwargs?: Record<string, GraphArg>;
}

/** A tensor derived from another without a recorded call (a view, a slice, a cast). */
interface ViewLink {
  from: TensorV;
  via: string;
  args: Value[];
  kwargs: Map<string, Value>;
  piece?: number;
  pieceShapes?: (number[] | null)[];
}

/** Collects the dataflow of every root traced in one analysis. */
export class Dataflow implements FlowSink {
  private readonly calls = new Map<LayerCall, CallFlow>();
  private readonly views = new Map<TensorV, ViewLink>();
  private readonly produced = new Set<TensorV>();
  private last: LayerCall | undefined;

  /** A call was recorded: its input tensors and (for ops) the tensor it returns. */
  called(call: LayerCall, inputs: (TensorV | null)[], output: TensorV | null): void {
    const flow: CallFlow = { inputs: inputs.filter((t): t is TensorV => t !== null), outputs: output ? [output] : [] };
    this.calls.set(call, flow);
    if (output) this.produced.add(output);
    this.last = call;
  }

  /** The last recorded call (a built-in layer's forward) returned `value`: a tensor or a tuple of them. */
  returned(value: Value): void {
    const flow = this.last && this.calls.get(this.last);
    if (!flow) return;
    flow.outputs = tensorsOf(value);
    for (const t of flow.outputs) this.produced.add(t);
  }

  /** The arguments the last recorded call was made with (a functional op's weights, an einsum equation). */
  annotate(args: Value[], kwargs: Map<string, Value>): void {
    const flow = this.last && this.calls.get(this.last);
    if (flow) Object.assign(flow, { args, kwargs });
  }

  /** The last recorded call's arguments, already bound to names (F.max_pool2d's kernel_size, ...). */
  annotateBound(bound: Record<string, ArgValue>): void {
    const flow = this.last && this.calls.get(this.last);
    if (flow) flow.plainKwargs = bound;
  }

  /**
   * A tensor method or indexing on `source` gave `result`: when it is the last recorded call's output
   * (x.mean(1)), its arguments annotate that call; otherwise each new tensor in it is a view of `source`.
   */
  method(result: Value, source: TensorV, via: string, args: Value[], kwargs: Map<string, Value>): void {
    const lastFlow = this.last && this.calls.get(this.last);
    if (result.kind === 'tensor' && lastFlow?.outputs.includes(result)) {
      this.annotate(args, kwargs);
      return;
    }
    const pieces = tensorsOf(result);
    const pieceShapes = result.kind === 'tensor' ? undefined : pieces.map((t) => t.shape);
    pieces.forEach((t, i) => {
      if (t === source || this.produced.has(t) || this.views.has(t)) return;
      this.views.set(t, { from: source, via, args, kwargs, ...(pieceShapes ? { piece: i, pieceShapes } : {}) });
    });
  }

  /** The plain graph of one traced root, named as its report is and pointing at it. */
  graph(run: RootRun, model: string, modelIndex: number): ModelGraph {
    return new GraphBuilder(this, run, model, modelIndex).build();
  }

  /** What a call read and returned (undefined for a call recorded before the dataflow was on). */
  flowOf(call: LayerCall): CallFlow | undefined {
    return this.calls.get(call);
  }

  /** The view link of a tensor, if it was derived from another. */
  viewOf(t: TensorV): ViewLink | undefined {
    return this.views.get(t);
  }
}

/** The tensors in a value, tuples and lists flattened in order. */
function tensorsOf(v: Value): TensorV[] {
  if (v.kind === 'tensor') return [v];
  if (v.kind === 'tuple' || v.kind === 'list') return v.items.flatMap(tensorsOf);
  return [];
}

/** Numbers tensors as they are first met and writes the plain graph. */
class GraphBuilder {
  private readonly ids = new Map<TensorV, number>();
  private readonly tensors: GraphTensor[] = [];
  private readonly nodes: GraphNode[] = [];
  private readonly paramNames = new Map<TensorV, string>();
  private readonly bufferNames = new Map<TensorV, string>();
  private readonly outputOf = new Map<TensorV, { node: number; output: number }>();
  private readonly inputIndex = new Map<TensorV, number>();

  constructor(
    private readonly flow: Dataflow,
    private readonly run: RootRun,
    private readonly model: string,
    private readonly modelIndex: number,
  ) {
    for (const [m, path] of modulePathsList(run.module)) {
      const prefix = path ? `${path}.` : '';
      m.params.forEach((t, name) => this.paramNames.has(t) || this.paramNames.set(t, prefix + name));
      m.buffers.forEach((t, name) => this.bufferNames.has(t) || this.bufferNames.set(t, prefix + name));
    }
    run.inputs.forEach((t, i) => this.inputIndex.set(t, i));
  }

  build(): ModelGraph {
    const inputs = this.run.inputs.map((t) => this.id(t));
    this.run.calls.forEach((call, index) => {
      const flow = this.flow.flowOf(call);
      flow?.outputs.forEach((t, output) => this.outputOf.has(t) || this.outputOf.set(t, { node: index, output }));
      this.nodes.push(this.node(call, index, flow));
    });
    return {
      framework: 'pytorch',
      model: this.model,
      modelIndex: this.modelIndex,
      inputs,
      outputs: tensorsOf(this.run.output).map((t) => this.id(t)),
      tensors: this.tensors,
      nodes: this.nodes,
      unusedParameters: this.unusedParameters(),
      ...(this.run.aborted ? { aborted: this.run.aborted } : {}),
    };
  }

  private node(call: LayerCall, index: number, flow: CallFlow | undefined): GraphNode {
    const node: GraphNode = {
      index,
      path: call.path,
      op: call.op,
      inputs: flow ? flow.inputs.map((t) => this.id(t)) : [],
      outputs: flow ? flow.outputs.map((t) => this.id(t)) : [],
    };
    const m = call.module;
    if (m?.layerArgs) {
      node.layer = {
        args: Object.fromEntries(Object.entries(m.layerArgs).map(([k, v]) => [k, v as GraphArg])),
        parameters: this.weights(m, 'params'),
        buffers: this.weights(m, 'buffers'),
      };
    }
    if (flow?.args) node.args = flow.args.map((a) => this.plain(a));
    if (flow?.kwargs?.size || flow?.plainKwargs) {
      node.kwargs = { ...flow.plainKwargs };
      flow.kwargs?.forEach((v, k) => (node.kwargs![k] = this.plain(v)));
    }
    if (call.reason) node.reason = call.reason;
    return node;
  }

  /** A layer's weights and those of its sub-modules (MultiheadAttention's `out_proj.weight`), by relative name. */
  private weights(layer: ModuleV, kind: 'params' | 'buffers'): GraphWeight[] {
    const out: GraphWeight[] = [];
    for (const [m, path] of modulePathsList(layer)) {
      const prefix = path ? `${path}.` : '';
      m[kind].forEach((t, name) => out.push({ name: prefix + name, shape: t.shape, tensor: this.id(t) }));
    }
    return out;
  }

  /** The id of a tensor, numbering it (and what it derives from) the first time it is met. */
  private id(t: TensorV): number {
    const known = this.ids.get(t);
    if (known !== undefined) return known;
    const id = this.tensors.length;
    this.ids.set(t, id);
    const entry: GraphTensor = { id, shape: t.shape, dtype: t.dtype, source: { kind: 'constant', origin: '' } };
    this.tensors.push(entry);
    entry.source = this.sourceOf(t);
    return id;
  }

  private sourceOf(t: TensorV): TensorSource {
    const input = this.inputIndex.get(t);
    if (input !== undefined) return { kind: 'input', index: input };
    const out = this.outputOf.get(t);
    if (out) return { kind: 'call', ...out };
    const param = this.paramNames.get(t);
    if (param !== undefined) return { kind: 'parameter', name: param };
    const buffer = this.bufferNames.get(t);
    if (buffer !== undefined) return { kind: 'buffer', name: buffer };
    const view = this.flow.viewOf(t);
    if (view) {
      return {
        kind: 'view',
        from: this.id(view.from),
        via: view.via,
        args: view.args.map((a) => this.plain(a)),
        kwargs: Object.fromEntries([...view.kwargs].map(([k, v]) => [k, this.plain(v)])),
        ...(view.piece !== undefined ? { piece: view.piece, pieceShapes: view.pieceShapes } : {}),
      };
    }
    return { kind: 'constant', origin: t.origin ?? 'built in forward() from nothing the trace links' };
  }

  /** An interpreter value as a plain argument. */
  private plain(v: Value): GraphArg {
    return plainGraphArg(v, (t) => this.id(t));
  }

  /** Parameters no node or tensor of the graph refers to (layers forward never calls). */
  private unusedParameters(): ModelGraph['unusedParameters'] {
    const inGraph = new Set<string>();
    for (const t of this.ids.keys()) {
      const name = this.paramNames.get(t);
      if (name !== undefined) inGraph.add(name);
    }
    const out: ModelGraph['unusedParameters'] = [];
    for (const [t, name] of this.paramNames) if (!inGraph.has(name)) out.push({ name, shape: t.shape });
    return out;
  }
}

/**
 * An interpreter value as a plain graph argument (numbers, strings, lists, slices, tensors by the
 * id the record gives them); shared by the torch and Keras dataflow records.
 */
export function plainGraphArg(v: Value, tensorId: (t: TensorV) => number): GraphArg {
  switch (v.kind) {
    case 'none':
      return null;
    case 'bool':
    case 'int':
    case 'float':
    case 'str':
      return v.value;
    case 'list':
    case 'tuple':
      return v.items.map((x) => plainGraphArg(x, tensorId));
    case 'slice':
      return {
        slice: [plainGraphArg(v.start, tensorId), plainGraphArg(v.stop, tensorId), plainGraphArg(v.step, tensorId)],
      };
    case 'tensor':
      return { tensor: tensorId(v) };
    case 'unknown':
      return v.reason === 'Ellipsis' ? { ellipsis: true } : { unknown: v.reason };
    default:
      return { unknown: v.kind };
  }
}
