// The dataflow graph of a TF.js model, for the profiler's graph synthesis: the runtime already keeps
// which symbolic tensors each layer call read and returned, so this only writes them as the plain graph
// the synthesiser reads — with each layer's Keras arguments, configuration and weights (Keras's layers).
import type { LayerCall, LayerV, ModelV, SymV } from '../../interpreter/typescript/values';
import type { GraphNode, GraphTensor, GraphWeight, ModelGraph } from '../../report/graph';
import type { KArg } from '../keras/layers/spec';
import type { KerasBackedSpec } from './layers/frontEnd';
import { plainArg, plainConfig } from '../keras/dataflow';

/** The graph of each root model (not applied inside another), pointing at its report by position. */
export function tfjsGraphs(models: ModelV[]): ModelGraph[] {
  const out: ModelGraph[] = [];
  models.forEach((m, index) => {
    if (!m.nested) out.push(new TfjsGraphBuilder(m, index).build());
  });
  return out;
}

/** Numbers the model's symbolic tensors and writes one node per layer call. */
class TfjsGraphBuilder {
  private readonly ids = new Map<SymV, number>();
  private readonly tensors: GraphTensor[] = [];
  private readonly outputOf = new Map<SymV, { node: number; output: number }>();
  private readonly layerWeights = new Map<LayerV, GraphWeight[]>();

  constructor(
    private readonly m: ModelV,
    private readonly modelIndex: number,
  ) {}

  build(): ModelGraph {
    const inputs = this.m.inputs.map((x) => this.id(x));
    // A functional model's report starts with one InputLayer row per input: calls come after them.
    const offset = this.m.type === 'functional' ? this.m.inputs.filter((x) => x.input && !x.node).length : 0;
    this.m.calls.forEach((c, position) =>
      c.outputs.forEach((t, output) => this.outputOf.has(t) || this.outputOf.set(t, { node: position, output })),
    );
    const nodes = this.m.calls.map((c, position) => this.node(c, offset + position));
    const reasons = this.m.reasons.map((r) => r.reason);
    return {
      framework: 'tfjs',
      model: this.m.varName ?? this.m.tfName,
      modelIndex: this.modelIndex,
      inputs,
      outputs: this.m.outputs.map((x) => this.id(x)),
      tensors: this.tensors,
      nodes,
      unusedParameters: [],
      ...(reasons.length ? { aborted: reasons.join('; ') } : {}),
    };
  }

  private node(c: LayerCall, index: number): GraphNode {
    const node: GraphNode = {
      index,
      path: c.path,
      op: c.op,
      inputs: c.inputs.map((x) => this.id(x)),
      outputs: c.outputs.map((x) => this.id(x)),
    };
    if (c.layer && !c.reason) {
      node.layer = {
        args: Object.fromEntries(Object.entries(c.layer.args ?? {}).map(([k, v]) => [k, plainArg(v as KArg)])),
        parameters: this.weights(c.layer, c.inputs),
        buffers: [],
        config: plainConfig(c.layer.config),
      };
    }
    if (c.reason) node.reason = c.reason;
    return node;
  }

  /** A layer's weights as its Keras spec builds them for these inputs, one tensor each per layer. */
  private weights(layer: LayerV, inputs: SymV[]): GraphWeight[] {
    const known = this.layerWeights.get(layer);
    if (known) return known;
    const keras = (layer.spec as KerasBackedSpec | null)?.keras;
    const shapes = inputs.map((x) => x.shape ?? []);
    const built = keras ? keras.build(layer.config, shapes) : [];
    const out = built.map((w) => {
      const id = this.tensors.length;
      const source = { kind: 'parameter' as const, name: `${layer.name}/${w.name}` };
      this.tensors.push({ id, shape: w.shape, dtype: 'float32', source });
      return { name: w.name, shape: w.shape, tensor: id };
    });
    this.layerWeights.set(layer, out);
    return out;
  }

  private id(x: SymV): number {
    const known = this.ids.get(x);
    if (known !== undefined) return known;
    const id = this.tensors.length;
    this.ids.set(x, id);
    const input = this.m.inputs.indexOf(x);
    const out = this.outputOf.get(x);
    this.tensors.push({
      id,
      shape: x.shape,
      dtype: 'float32',
      source:
        input >= 0
          ? { kind: 'input', index: input }
          : out
            ? { kind: 'call', ...out }
            : { kind: 'constant', origin: x.reason ?? 'a tensor the model does not produce' },
    });
    return id;
  }
}
