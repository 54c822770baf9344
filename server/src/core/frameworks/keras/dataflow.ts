// An opt-in record of a Keras trace's dataflow: which tensors each row (a built-in layer call or an op)
// read and returned, and which tensor a reshape, transpose or slice was taken from. Off unless an
// analysis asks for it (the profiler's graph synthesis); the runtime and ops.ts then feed it as rows are traced.
import type { InstanceV, TensorV, Value } from '../../interpreter/python/values';
import type {
  GraphArg,
  GraphNode,
  GraphTensor,
  GraphWeight,
  ModelGraph,
  PlainValue,
  TensorSource,
} from '../../report/graph';
import type { KerasFlowSink, KerasRow, KerasTracer } from './tracer';
import type { KerasObjects } from './objects';
import type { KerasRun } from './roots';
import type { KArg, LayerRef } from './layers/spec';
import { tensorsIn } from './graph';
import { plainGraphArg } from '../torch/dataflow';

/** What one row read and returned, and (for an op) the arguments it was called with. */
interface RowFlow {
  inputs: TensorV[];
  outputs: TensorV[];
  args?: Value[];
  kwargs?: Map<string, Value>;
}

/** A tensor an op derived from another without recording a row (a reshape, a slice, a cast). */
interface ViewLink {
  from: TensorV;
  via: string;
  args: Value[];
  kwargs: Map<string, Value>;
}

/**
 * Keras's shape-only ops under the names torch's record uses for the same data movement, so one
 * synthesiser writes both (keras.ops.transpose takes a permutation, as torch's permute does).
 */
const VIEW_NAMES: Record<string, string> = {
  reshape: 'reshape',
  transpose: 'permute',
  expand_dims: 'unsqueeze',
  squeeze: 'squeeze',
  cast: 'to',
  getitem: 'getitem',
  tile: 'repeat',
};

/** Collects the dataflow of every Keras root traced in one analysis. */
export class KerasDataflow implements KerasFlowSink {
  private readonly flows = new Map<KerasRow, RowFlow>();
  private readonly views = new Map<TensorV, ViewLink>();

  constructor(private readonly tracer: KerasTracer) {}

  layerCalled(inputs: Value[], outputs: TensorV[]): void {
    const row = this.tracer.active ? this.tracer.rows[this.tracer.rows.length - 1] : undefined;
    if (row) this.flows.set(row, { inputs: inputs.flatMap(tensorsIn), outputs });
  }

  op(label: string, args: Value[], kwargs: Map<string, Value>, run: () => Value): Value {
    if (!this.tracer.active) return run();
    const before = this.tracer.rows.length;
    const out = run();
    const inputs = [...args.flatMap(tensorsIn), ...[...kwargs.values()].flatMap(tensorsIn)];
    const outputs = tensorsIn(out);
    if (this.tracer.rows.length > before) {
      this.flows.set(this.tracer.rows[this.tracer.rows.length - 1], { inputs, outputs, args, kwargs });
      return out;
    }
    const from = inputs[0];
    if (!from) return out;
    for (const t of outputs) {
      if (inputs.includes(t) || this.views.has(t)) continue;
      this.views.set(t, { from, via: VIEW_NAMES[label] ?? label, args: args.filter((a) => a !== from), kwargs });
    }
    return out;
  }

  alias(fresh: TensorV, original: TensorV): void {
    if (this.tracer.active) this.views.set(fresh, { from: original, via: 'identity', args: [], kwargs: new Map() });
  }

  /** The plain graph of one traced root, named as its report is and pointing at it. */
  graph(run: KerasRun, objects: KerasObjects, model: string, modelIndex: number): ModelGraph {
    return new KerasGraphBuilder(this, run, objects, model, modelIndex).build();
  }

  /** What a row read and returned (undefined for a row the dataflow did not see). */
  flowOf(row: KerasRow): RowFlow | undefined {
    return this.flows.get(row);
  }

  /** The view link of a tensor, if an op derived it from another. */
  viewOf(t: TensorV): ViewLink | undefined {
    return this.views.get(t);
  }
}

/** Numbers tensors as they are first met and writes the plain graph of one root. */
class KerasGraphBuilder {
  private readonly ids = new Map<TensorV, number>();
  private readonly tensors: GraphTensor[] = [];
  private readonly nodes: GraphNode[] = [];
  private readonly outputOf = new Map<TensorV, { node: number; output: number }>();
  private readonly inputIndex = new Map<TensorV, number>();
  /** Weights created by add_weight in a custom layer's build(), by their tensor. */
  private readonly weightNames = new Map<TensorV, string>();
  /** The tensor id of each built-in layer's weight, so a layer called twice shares its weights. */
  private readonly layerWeights = new Map<InstanceV, Map<string, number>>();
  private readonly firstPath = new Map<InstanceV, string>();

  constructor(
    private readonly flow: KerasDataflow,
    private readonly run: KerasRun,
    private readonly objects: KerasObjects,
    private readonly model: string,
    private readonly modelIndex: number,
  ) {
    run.inputs.forEach((t, i) => this.inputIndex.set(t, i));
    for (const row of run.rows)
      if (row.instance && !this.firstPath.has(row.instance)) this.firstPath.set(row.instance, row.path);
    for (const [inst, path] of run.paths) {
      for (const w of this.objects.get(inst)?.weights ?? [])
        if (w.tensor) this.weightNames.set(w.tensor, weightName(path, w.name));
    }
  }

  build(): ModelGraph {
    const inputs = this.run.inputs.map((t) => this.id(t));
    this.run.rows.forEach((row, index) => {
      const flow = this.flow.flowOf(row);
      flow?.outputs.forEach((t, output) => this.outputOf.has(t) || this.outputOf.set(t, { node: index, output }));
      this.nodes.push(this.node(row, index, flow));
    });
    return {
      framework: 'keras',
      model: this.model,
      modelIndex: this.modelIndex,
      inputs,
      outputs: tensorsIn(this.run.output).map((t) => this.id(t)),
      tensors: this.tensors,
      nodes: this.nodes,
      unusedParameters: this.unusedParameters(),
      ...(this.run.aborted
        ? { aborted: this.run.aborted }
        : !this.run.output
          ? { aborted: 'the trace returned nothing' }
          : {}),
    };
  }

  private node(row: KerasRow, index: number, flow: RowFlow | undefined): GraphNode {
    const node: GraphNode = {
      index,
      path: row.path,
      op: row.op,
      inputs: flow ? flow.inputs.map((t) => this.id(t)) : [],
      outputs: flow ? flow.outputs.map((t) => this.id(t)) : [],
    };
    const st = row.instance && this.objects.get(row.instance);
    if (st?.kind === 'leaf' && row.instance) {
      node.layer = {
        args: Object.fromEntries(Object.entries(st.args ?? {}).map(([k, v]) => [k, plainArg(v)])),
        parameters: this.leafWeights(row.instance),
        buffers: [],
        config: plainConfig(st.config),
      };
    }
    if (flow?.args) node.args = flow.args.map((a) => this.plain(a));
    if (flow?.kwargs?.size) node.kwargs = Object.fromEntries([...flow.kwargs].map(([k, v]) => [k, this.plain(v)]));
    if (row.reason) node.reason = row.reason;
    else if (!flow) node.reason = 'the dataflow of this call was not recorded';
    return node;
  }

  /** A built-in layer's weights (trainable or not, as summary() counts them), one tensor each per layer. */
  private leafWeights(inst: InstanceV): GraphWeight[] {
    const st = this.objects.get(inst)!;
    let ids = this.layerWeights.get(inst);
    if (!ids) {
      ids = new Map();
      this.layerWeights.set(inst, ids);
      const path = this.firstPath.get(inst) ?? st.name;
      for (const w of st.weights) {
        const id = this.tensors.length;
        const source: TensorSource = { kind: 'parameter', name: weightName(path, w.name) };
        this.tensors.push({ id, shape: w.shape, dtype: 'float32', source });
        ids.set(w.name, id);
      }
    }
    return st.weights.map((w) => ({ name: w.name, shape: w.shape, tensor: ids.get(w.name)! }));
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
    const weight = this.weightNames.get(t);
    if (weight !== undefined) return { kind: 'parameter', name: weight };
    const view = this.flow.viewOf(t);
    if (view) {
      return {
        kind: 'view',
        from: this.id(view.from),
        via: view.via,
        args: view.args.map((a) => this.plain(a)),
        kwargs: Object.fromEntries([...view.kwargs].map(([k, v]) => [k, this.plain(v)])),
      };
    }
    return { kind: 'constant', origin: t.origin ?? 'built in call() from nothing the trace links' };
  }

  /** An interpreter value as a plain argument. */
  private plain(v: Value): GraphArg {
    return plainGraphArg(v, (t) => this.id(t));
  }

  /** Weights of the root's tree that no node reads (layers call() never ran, add_weight tensors unused). */
  private unusedParameters(): ModelGraph['unusedParameters'] {
    const out: ModelGraph['unusedParameters'] = [];
    for (const inst of this.objects.tree(this.run.root)) {
      const st = this.objects.get(inst)!;
      if (st.kind === 'leaf' && this.layerWeights.has(inst)) continue;
      const path = this.run.paths.get(inst) ?? this.firstPath.get(inst) ?? st.name;
      for (const w of st.weights) {
        if (w.tensor && this.ids.has(w.tensor)) continue;
        out.push({ name: weightName(path, w.name), shape: w.shape });
      }
    }
    return out;
  }
}

/** Keras's weight path: `<layer path>/<weight name>` (the root's own weights by name alone). */
function weightName(path: string, name: string): string {
  return path ? `${path}/${name}` : name;
}

/** A bound constructor argument as plain data; a wrapped layer as its class, name and configuration. */
export function plainArg(v: KArg): GraphArg {
  if (Array.isArray(v)) return v.map((x) => plainArg(x as KArg));
  if (v !== null && typeof v === 'object') {
    const ref = v as LayerRef;
    return { layer: { op: ref.spec.op, name: ref.name, config: plainConfig(ref.config) } };
  }
  return v as GraphArg;
}

/** A spec's normalised configuration as plain data (wrapped layers by class, name and configuration). */
export function plainConfig(v: unknown): PlainValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(plainConfig);
  if (typeof v === 'object') {
    const ref = v as Partial<LayerRef>;
    if (ref.kind === 'layerRef' && ref.spec)
      return { layer: { op: ref.spec.op, name: ref.name ?? '', config: plainConfig(ref.config) } };
    const out: Record<string, PlainValue> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>))
      if (typeof x !== 'function') out[k] = plainConfig(x);
    return out;
  }
  return null;
}
