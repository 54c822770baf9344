// The functional API's graph: every layer or op call on tensors is a node that knows how to run
// again; keras.Model(inputs, outputs) keeps the nodes between them and replays them on new inputs.
import type { Range } from '../../parse/syntax';
import type { Value, TensorV, InstanceV, CallSite } from '../../interpreter/python/values';

/** One call: the layer (absent for ops such as `x + y`), its arguments, outputs and how to redo it. */
export interface GraphNode {
  seq: number;
  layer?: InstanceV;
  label: string;
  args: Value[];
  kwargs: Map<string, Value>;
  outputs: TensorV[];
  site: CallSite;
  /** Runs the call again on (substituted) arguments. */
  apply: (args: Value[], kwargs: Map<string, Value>) => Value;
}

/** A functional model's graph: its input tensors (and their structure), outputs, and the nodes between. */
export interface FunctionalGraph {
  inputs: TensorV[];
  outputs: Value;
  nodes: GraphNode[];
}

/** Every tensor inside a value (lists, tuples and dicts searched). */
export function tensorsIn(v: Value | undefined): TensorV[] {
  if (!v) return [];
  if (v.kind === 'tensor') return [v];
  if (v.kind === 'list' || v.kind === 'tuple') return v.items.flatMap(tensorsIn);
  if (v.kind === 'dict') return [...v.entries.values()].flatMap((e) => tensorsIn(e.value));
  return [];
}

/** The value with each tensor replaced by its image in `map` (others kept). */
export function substitute(v: Value, map: Map<TensorV, Value>): Value {
  if (v.kind === 'tensor') return map.get(v) ?? v;
  if (v.kind === 'list' || v.kind === 'tuple') return { kind: v.kind, items: v.items.map((x) => substitute(x, map)) };
  if (v.kind === 'dict') {
    return {
      kind: 'dict',
      entries: new Map([...v.entries].map(([k, e]) => [k, { key: e.key, value: substitute(e.value, map) }])),
    };
  }
  return v;
}

/** Where a keras.Input tensor was created. */
export interface InputInfo {
  range: Range;
  name: string;
}

/** Producers of every tensor the file's Keras code made, and the keras.Input tensors. */
export class KerasGraph {
  private readonly producers = new WeakMap<TensorV, GraphNode>();
  private readonly inputInfo = new WeakMap<TensorV, InputInfo>();
  private seq = 0;

  /** Records a call; its outputs now come from it. */
  add(node: Omit<GraphNode, 'seq'>): GraphNode {
    const full = { ...node, seq: this.seq++ };
    for (const t of full.outputs) this.producers.set(t, full);
    return full;
  }

  /** Marks a tensor as a keras.Input. */
  markInput(t: TensorV, info: InputInfo): void {
    this.inputInfo.set(t, info);
  }

  /** The keras.Input facts of a tensor, if it is one. */
  input(t: TensorV): InputInfo | undefined {
    return this.inputInfo.get(t);
  }

  /** True when Keras code produced the tensor (a layer or op output, or an Input). */
  isKeras(t: TensorV): boolean {
    return this.producers.has(t) || this.inputInfo.has(t);
  }

  /** The nodes between `inputs` and `outputs`, in call order; or why the graph is disconnected. */
  between(inputs: TensorV[], outputs: TensorV[]): { nodes: GraphNode[]; problem?: string } {
    const ins = new Set(inputs);
    const found = new Set<GraphNode>();
    let problem: string | undefined;
    const stack = [...outputs];
    const seen = new Set<TensorV>();
    while (stack.length) {
      const t = stack.pop()!;
      if (seen.has(t) || ins.has(t)) continue;
      seen.add(t);
      const node = this.producers.get(t);
      if (node) {
        if (!found.has(node)) {
          found.add(node);
          stack.push(...node.args.flatMap(tensorsIn), ...[...node.kwargs.values()].flatMap(tensorsIn));
        }
      } else if (this.inputInfo.has(t)) {
        const info = this.inputInfo.get(t)!;
        problem ??= `Graph disconnected: cannot obtain the value of tensor ${info.name} (line ${info.range.start.line + 1}), which is not among the model's inputs`;
      }
    }
    return { nodes: [...found].sort((a, b) => a.seq - b.seq), problem };
  }
}

/** Runs a functional graph again on new input values; returns its outputs for them. */
export function replay(graph: FunctionalGraph, newInputs: Value[]): Value {
  const map = new Map<TensorV, Value>();
  graph.inputs.forEach((t, i) => newInputs[i] && map.set(t, newInputs[i]));
  for (const node of graph.nodes) {
    const args = node.args.map((a) => substitute(a, map));
    const kwargs = new Map([...node.kwargs].map(([k, v]) => [k, substitute(v, map)]));
    const out = tensorsIn(node.apply(args, kwargs));
    node.outputs.forEach((t, i) => out[i] && map.set(t, out[i]));
  }
  return substitute(graph.outputs, map);
}
