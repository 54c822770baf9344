// Synthesises an ONNX model from the core's dataflow graph of one traced forward pass: every layer
// call becomes the ONNX nodes that compute it, named by its module path, with seeded random weights.
import type { GraphArg, GraphNode, GraphTensor, ModelGraph } from '../../../server/src/core/report/graph';
import type { ModelReport } from '../../../server/src/core/report/types';
import { OnnxGraph, encodeModel, elementBytes, type Attribute, type InitializerInfo } from './onnxGraph';
import { hashString } from './seededRandom';
import { type EmitContext, type WeightFill, UnsupportedOp, numel } from './emit/context';
import { emitView, type ViewContext } from './views';
import { emitLayer } from './emit';
import { emitKerasLayer } from './keras';
import { plainNodes } from './inspect';
import type { PlainNode } from '../runner/attribution';

/** A synthesised model and what maps it back to the source. */
export interface SynthesizedModel {
  model: string;
  bytes: Uint8Array;
  /** Graph inputs with what the runner should feed: random floats, or random indices below a bound. */
  inputs: { name: string; shape: number[]; type: string; integersBelow?: number }[];
  outputs: { name: string; shape: number[] | null }[];
  /** The graph's nodes as plain data (for mapping the profile back). */
  nodes: PlainNode[];
  /** Each ONNX node's layer row (index into the report's layers), or null for a view between layers. */
  nodeLayers: Record<string, number | null>;
  /** The value each layer output was written to, with the core's shape (checked against the runtime). */
  layerOutputs: { layer: number; output: number; value: string; shape: number[] | null }[];
  initializers: InitializerInfo[];
  /** Elements of parameter initializers, plus the parameters of layers forward never calls. */
  parameterCount: number;
  /** Approximations this graph makes, one line each. */
  notes: string[];
}

/** Why a model cannot be synthesised, located at the layer that stopped it. */
export class SynthesisError extends Error {
  constructor(
    message: string,
    readonly layer?: { path: string; op: string; line: number },
  ) {
    super(message);
    this.name = 'SynthesisError';
  }
}

/** Options of one synthesis. */
export interface SynthesisOptions {
  /** Seed of the random weights (default: a hash of the model name, so a file always gives the same bytes). */
  seed?: number;
}

/** Synthesises the ONNX model of `graph`; `report` is the model's report (for lines in messages). */
export function synthesize(graph: ModelGraph, report: ModelReport, options: SynthesisOptions = {}): SynthesizedModel {
  if (graph.aborted) {
    const what = graph.framework === 'tfjs' ? 'the analysis of' : 'the trace of';
    throw new SynthesisError(`${what} ${graph.model} is incomplete: ${graph.aborted}`);
  }
  if (graph.framework !== 'pytorch' && graph.outputs.length === 0) {
    // A model whose outputs the analysis could not follow (a layer it does not model) has nothing to run.
    const first = report.unresolved[0];
    const why = first ? `: ${first.reason} (line ${first.range.start.line + 1})` : '';
    throw new SynthesisError(`${graph.model} returns no tensor the analysis could follow${why}`);
  }
  const synthesized = new Synthesizer(graph, report, options.seed ?? hashString(graph.model)).run();
  // A Keras or TF.js model the core left partly unknown is never run as the part it could follow.
  if (graph.framework !== 'pytorch' && report.unresolved.length) {
    const [first] = report.unresolved;
    throw new SynthesisError(
      `${graph.model} is only partly known: ${first.reason} (line ${first.range.start.line + 1})`,
    );
  }
  return synthesized;
}

/** Estimated bytes a synthesised model needs before it is built: its weights, held about three times over. */
export function estimateModelBytes(graph: ModelGraph): number {
  const seen = new Set<number>();
  let bytes = 0;
  for (const node of graph.nodes) {
    for (const w of [...(node.layer?.parameters ?? []), ...(node.layer?.buffers ?? [])]) {
      if (seen.has(w.tensor) || !w.shape) continue;
      seen.add(w.tensor);
      bytes += numel(w.shape) * elementBytes(graph.tensors[w.tensor].dtype);
    }
  }
  let activations = 0;
  for (const t of graph.tensors) if (t.shape) activations = Math.max(activations, numel(t.shape) * 4);
  // The weights live in the JS buffers, the encoded message and onnxruntime's session (prepacked).
  return 3 * bytes + 8 * activations;
}

class Synthesizer {
  private readonly g: OnnxGraph;
  private readonly values = new Map<number, string>();
  private readonly nodeLayers: Record<string, number | null> = {};
  private readonly layerOutputs: SynthesizedModel['layerOutputs'] = [];
  private readonly notes: string[] = [];
  private readonly consumed = new Set<string>();
  private readonly indexBounds = new Map<number, number>();
  private readonly producedBy = new Map<string, number>();
  private viewCount = 0;

  constructor(
    private readonly model: ModelGraph,
    private readonly report: ModelReport,
    seed: number,
  ) {
    this.g = new OnnxGraph(model.model, seed);
  }

  run(): SynthesizedModel {
    this.declareInputs();
    for (const node of this.model.nodes) this.emitNode(node);
    const outputs = this.declareOutputs();
    const bytes = encodeModel(this.g.graph(), { 'wattlens.model': this.model.model });
    const parameterCount =
      this.g.initializerInfo.filter((i) => i.kind === 'parameter').reduce((a, i) => a + i.elements, 0) +
      this.model.unusedParameters.reduce((a, p) => a + (p.shape ? numel(p.shape) : 0), 0);
    return {
      model: this.model.model,
      bytes,
      inputs: this.model.inputs.map((id) => ({
        name: this.values.get(id)!,
        shape: this.model.tensors[id].shape!,
        type: this.model.tensors[id].dtype,
        ...(this.indexBounds.has(id) ? { integersBelow: this.indexBounds.get(id) } : {}),
      })),
      outputs,
      nodes: plainNodes(this.g.nodes),
      nodeLayers: this.nodeLayers,
      layerOutputs: this.layerOutputs,
      initializers: this.g.initializerInfo,
      parameterCount,
      notes: [...new Set(this.notes)],
    };
  }

  private declareInputs(): void {
    this.model.inputs.forEach((id, i) => {
      const t = this.model.tensors[id];
      if (!t.shape) {
        const why = this.report.unresolved[0]?.reason;
        throw new SynthesisError(`input ${i} of ${this.model.model} has an unknown shape${why ? `: ${why}` : ''}`);
      }
      const name = `input${i}`;
      this.g.input(name, t.shape, t.dtype);
      this.values.set(id, name);
    });
  }

  /** Graph outputs: what forward returns, and every layer output nothing reads (so every layer runs). */
  private declareOutputs(): SynthesizedModel['outputs'] {
    const out: SynthesizedModel['outputs'] = [];
    const declared = new Set<string>();
    const add = (value: string, shape: number[] | null, type: string) => {
      if (declared.has(value)) return;
      declared.add(value);
      let name = value;
      // A graph input cannot also be a graph output: pass it through an Identity.
      if (this.model.inputs.some((id) => this.values.get(id) === value)) {
        name = this.g.op('Identity', [value], `output:${value}`);
        this.nodeLayers[this.g.nodes[this.g.nodes.length - 1].name!] = null;
      }
      this.g.output(name, shape, type);
      out.push({ name, shape });
    };
    for (const id of this.model.outputs) {
      const value = this.values.get(id) ?? this.tryValue(id);
      if (value) add(value, this.model.tensors[id].shape, this.model.tensors[id].dtype);
    }
    for (const entry of this.layerOutputs) {
      if (!this.consumed.has(entry.value)) add(entry.value, entry.shape, this.typeOfValue(entry.value));
    }
    return out;
  }

  private typeOfValue(value: string): string {
    for (const [id, name] of this.values) if (name === value) return this.model.tensors[id].dtype;
    return 'float32';
  }

  private tryValue(id: number): string | undefined {
    try {
      return this.value(id);
    } catch {
      return undefined;
    }
  }

  private emitNode(node: GraphNode): void {
    const row = this.report.layers[node.index];
    const line = (row?.callRange ?? row?.range)?.start.line ?? 0;
    const where = { path: node.path, op: node.op, line: line + 1 };
    const what = node.op === '?' ? `the call at line ${line + 1}` : `${node.path} (${node.op}, line ${line + 1})`;
    if (node.reason) throw new SynthesisError(`${what} is unresolved: ${node.reason}`, where);
    if (node.outputs.length === 0) throw new SynthesisError(`${what} has no recorded output`, where);
    try {
      if (this.model.framework === 'pytorch') emitLayer(this.context(node), node.op);
      else emitKerasLayer(this.context(node), this.model.framework);
    } catch (e) {
      if (e instanceof SynthesisError) throw e;
      const message = e instanceof UnsupportedOp ? e.message : `internal error: ${(e as Error).message}`;
      throw new SynthesisError(`${what}: ${message}`, where);
    }
  }

  /** The value name of a tensor id, writing the views and initializers it needs the first time. */
  value(id: number): string {
    const known = this.values.get(id);
    if (known) {
      this.consumed.add(known);
      return known;
    }
    const t = this.model.tensors[id];
    const name = this.materialise(t);
    this.values.set(id, name);
    this.consumed.add(name);
    return name;
  }

  private materialise(t: GraphTensor): string {
    const source = t.source;
    switch (source.kind) {
      case 'input':
        return `input${source.index}`;
      case 'call':
        throw new UnsupportedOp(
          `output ${source.output} of ${this.model.nodes[source.node].path} is read but was not synthesised`,
        );
      case 'parameter':
      case 'buffer':
        return this.initializerFor(t, source.name, source.kind === 'parameter' ? 'parameter' : 'buffer', undefined);
      case 'view': {
        if (!t.shape) throw new UnsupportedOp(`a view with unknown shape`);
        const from = this.value(source.from);
        const fromShape = this.model.tensors[source.from].shape!;
        return emitView(this.viewContext(), t, source, from, fromShape);
      }
      case 'constant':
        if (!t.shape) throw new UnsupportedOp(`a constant with unknown shape (${source.origin})`);
        this.notes.push(
          `a tensor built inside ${this.model.framework === 'pytorch' ? 'forward()' : 'call()'} (${source.origin || 'no origin'}) is a constant of zeros`,
        );
        return this.g.initializer(`constant`, t.shape, 'constant', { value: 0 }, elementType(t.dtype));
    }
  }

  private initializerFor(
    t: GraphTensor,
    name: string,
    kind: 'parameter' | 'buffer',
    fill: WeightFill | undefined,
  ): string {
    if (!t.shape) throw new UnsupportedOp(`${name} has an unknown shape`);
    const type = elementType(t.dtype);
    const chosen = fill ?? defaultFill(name, t.shape, kind);
    const channelsLast = this.model.framework !== 'pytorch';
    const data =
      type !== 'float32' || chosen === 'zeros'
        ? { value: 0 }
        : chosen === 'ones'
          ? { value: 1 }
          : { random: chosen === 'fan-in' ? fanInBound(t.shape, channelsLast) : chosen.bound };
    return this.g.initializer(name, t.shape, kind, data, type, [t.id]);
  }

  private viewContext(): ViewContext {
    return {
      graph: this.g,
      op: (opType, inputs, via, attributes) => {
        const out = this.g.op(opType, inputs, `~${via}#${++this.viewCount}`, attributes);
        this.nodeLayers[this.g.nodes[this.g.nodes.length - 1].name!] = null;
        return out;
      },
      ints: (values) => this.g.ints('shape', values),
      value: (id) => this.value(id),
      note: (text) => this.notes.push(text),
    };
  }

  /** The emitter's view of one layer call. */
  private context(node: GraphNode): EmitContext {
    const self = this;
    const base = node.path || node.op;
    const named = (part?: string) => (part ? `${base}/${part}` : base);
    const addNode = (
      opType: string,
      inputs: string[],
      outputs: number,
      part?: string,
      attributes?: Record<string, Attribute>,
      domain?: string,
    ) => {
      const outs = this.g.node(opType, inputs, outputs, named(part), attributes, domain);
      this.nodeLayers[this.g.nodes[this.g.nodes.length - 1].name!] = node.index;
      for (const input of inputs) if (input) this.consumed.add(input);
      return outs;
    };
    const weightOf = (name: string) =>
      node.layer?.parameters.find((p) => p.name === name) ?? node.layer?.buffers.find((p) => p.name === name);
    return {
      graph: this.g,
      node,
      get inputCount() {
        return node.inputs.length;
      },
      input: (i) => {
        if (i >= node.inputs.length) throw new UnsupportedOp(`input ${i} was not recorded`);
        return this.value(node.inputs[i]);
      },
      inputShape: (i) => this.shapeOf(node.inputs[i], `input ${i}`),
      outputShape: (k = 0) => this.shapeOf(node.outputs[k], `output ${k}`),
      tensor: (id) => this.model.tensors[id],
      value: (id) => this.value(id),
      weight: (name, fill) => {
        const w = weightOf(name);
        if (!w) throw new UnsupportedOp(`${node.op} has no weight '${name}'`);
        const known = this.values.get(w.tensor);
        if (known) return known;
        const kind = node.layer?.parameters.includes(w) ? 'parameter' : 'buffer';
        const value = this.initializerFor(this.model.tensors[w.tensor], this.fullName(w.tensor, name), kind, fill);
        this.values.set(w.tensor, value);
        return value;
      },
      hasWeight: (name) => !!weightOf(name),
      op: (opType, inputs, part, attributes, domain) => addNode(opType, inputs, 1, part, attributes, domain)[0],
      ops: (opType, inputs, outputs, part, attributes) => addNode(opType, inputs, outputs, part, attributes),
      output: (k, value) => {
        const id = node.outputs[k];
        if (id === undefined) return;
        this.values.set(id, value);
        this.producedBy.set(value, node.index);
        this.layerOutputs.push({ layer: node.index, output: k, value, shape: this.model.tensors[id].shape });
        if (node.op === 'Embedding' && self.model.framework === 'pytorch')
          self.noteIndexBound(node.inputs[0], Number(node.layer?.args.num_embeddings));
      },
      indicesBelow: (id, bound) => self.noteIndexBound(id, bound),
      ints: (values, shape) => this.g.ints(`${base}/const`, values, shape),
      scalar: (value, type = 'float32') => this.g.scalar(`${base}/const`, value, elementType(type)),
      filled: (shape, value, type = 'float32') =>
        this.g.initializer(`${base}/const`, shape, 'constant', { value }, elementType(type)),
      floats: (values, shape = [values.length]) =>
        this.g.initializer(`${base}/const`, shape, 'constant', { values }, 'float32'),
      note: (text) => this.notes.push(text),
      arg: (name, position) => argOf(node, name, position),
    };
  }

  private fullName(tensor: number, fallback: string): string {
    const source = this.model.tensors[tensor].source;
    return source.kind === 'parameter' || source.kind === 'buffer' ? source.name : fallback;
  }

  private shapeOf(id: number | undefined, what: string): number[] {
    const shape = id === undefined ? null : this.model.tensors[id].shape;
    if (!shape) throw new UnsupportedOp(`${what} has an unknown shape`);
    return shape;
  }

  /** Records that an integer input feeds an embedding of `bound` rows (walking back through views). */
  noteIndexBound(id: number, bound: number): void {
    if (!Number.isFinite(bound)) return;
    let t = this.model.tensors[id];
    while (t.source.kind === 'view') t = this.model.tensors[t.source.from];
    if (t.source.kind !== 'input') return;
    this.indexBounds.set(t.id, Math.min(this.indexBounds.get(t.id) ?? bound, bound));
  }
}

/** A layer argument by name; for a functional op, its keyword or its position. */
function argOf(node: GraphNode, name: string, position?: number): GraphArg | undefined {
  if (node.layer) return node.layer.args[name];
  if (node.kwargs && name in node.kwargs) return node.kwargs[name];
  return position !== undefined ? node.args?.[position] : undefined;
}

function elementType(dtype: string): 'float32' | 'int64' | 'int32' | 'bool' | 'float64' | 'uint8' {
  if (dtype === 'int64' || dtype === 'int32' || dtype === 'bool' || dtype === 'float64' || dtype === 'uint8')
    return dtype;
  return 'float32';
}

function defaultFill(name: string, shape: number[], kind: 'parameter' | 'buffer'): WeightFill {
  const last = name.split('.').pop() ?? name;
  if (kind === 'buffer') return last === 'running_var' ? 'ones' : 'zeros';
  if (shape.length >= 2) return 'fan-in';
  return { bound: 0.02 };
}

/** ±1/√fan-in: torch's weights are (out, in, ...k); Keras's kernels (...k, in, out), their last axis the outputs. */
function fanInBound(shape: number[], kerasLayout: boolean): number {
  const fanIn = shape.length < 2 ? shape[0] || 1 : kerasLayout ? numel(shape.slice(0, -1)) : numel(shape.slice(1));
  return 1 / Math.sqrt(Math.max(fanIn, 1));
}
