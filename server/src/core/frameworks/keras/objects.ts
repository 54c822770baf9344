// What the analysis knows about each Keras object (layer or model): its kind, name, spec and
// weights once built, and the layer tree a model tracks — plus parameter counts over that tree.
import type { InputRule, Precision } from '../../report/types';
import type { Range } from '../../parse/syntax';
import type { InstanceV, TensorV, Value } from '../../interpreter/python/values';
import type { KerasLayerSpec, KArg, Shape } from './layers/spec';
import type { FunctionalGraph } from './graph';
import { snakeCase } from './layers/spec';

/** leaf: a built-in layer; sequential / functional: those models; custom: a user subclass of Layer or Model. */
export type KerasKind = 'leaf' | 'sequential' | 'functional' | 'custom';

/** A weight: its shape (null when a custom add_weight shape is unknown) and whether it trains. */
export interface WeightRec {
  name: string;
  shape: number[] | null;
  trainable: boolean;
  tensor?: TensorV;
}

/** A declared or observed input of a model, with where it came from. */
export interface InputDecl {
  shapes: Shape[];
  source: string;
  line: number;
  /** Which input rule gave it (the report's `input.rule`). */
  rule?: InputRule;
}

/** The analysis state of one Keras object. */
export interface KerasState {
  kind: KerasKind;
  isModel: boolean;
  name: string;
  /** Where it was constructed. */
  range: Range;
  spec?: KerasLayerSpec<unknown>;
  config?: unknown;
  /** The bound constructor arguments (for attribute reads such as `layer.units`). */
  args?: Record<string, KArg>;
  /** Why the layer's configuration is unknown, when it is. */
  unresolved?: string;
  built: boolean;
  /** Why the layer could not be built (its weights are then unknown). */
  buildFailed?: string;
  weights: WeightRec[];
  /** Sequential: its layers in order. */
  layers: InstanceV[];
  /** `input_shape=` on a layer, or a Sequential's keras.Input. */
  declaredInput?: InputDecl;
  /** Functional: the graph between keras.Input tensors and the outputs. */
  graph?: FunctionalGraph;
  /** The first input a model was called (or built) on at module level. */
  observed?: InputDecl;
  /** One batch of the first array `fit(x, ...)` was given at module level. */
  fitted?: InputDecl;
  /** Set while a custom layer's build() runs, against re-entry. */
  building?: boolean;
  /** The mixed-precision policy in force when it was built (`set_global_policy("mixed_float16")`), and where. */
  precision?: { precision: Precision; source: string };
  /** Lines of the file's function calls that were running when it was built (`model = build(...)`). */
  callerLines?: number[];
  /** The class an automatic name was drawn for (until `name=` replaces it). */
  autoClass?: string;
}

/** The registry of Keras objects of one analysis, with Keras's automatic names. */
export class KerasObjects {
  private readonly states = new WeakMap<InstanceV, KerasState>();
  private readonly uids = new Map<string, number>();

  /** The state of a Keras object, or undefined for other values. */
  get(v: Value | undefined): KerasState | undefined {
    return v && v.kind === 'instance' ? this.states.get(v) : undefined;
  }

  /** Registers a new object. */
  register(inst: InstanceV, state: KerasState): void {
    this.states.set(inst, state);
  }

  /** A fresh automatic name: `dense`, then `dense_1`, `dense_2` (Keras's per-prefix uid). */
  autoName(className: string): string {
    const prefix = snakeCase(className);
    const n = this.uids.get(prefix) ?? 0;
    this.uids.set(prefix, n + 1);
    return n === 0 ? prefix : `${prefix}_${n}`;
  }

  /**
   * Gives back an automatic name when the constructor turns out to set `name=`: Keras draws a uid
   * only for layers left unnamed, so `Dense(2, name="z")` must not move the next `dense_N`. The uid
   * is returned only while it is still the last one drawn for its prefix.
   */
  releaseAutoName(className: string, name: string): void {
    const prefix = snakeCase(className);
    const n = this.uids.get(prefix) ?? 0;
    if (name === (n === 1 ? prefix : `${prefix}_${n - 1}`)) this.uids.set(prefix, n - 1);
  }

  /** The layers a model or custom layer tracks directly, in order. */
  children(inst: InstanceV): InstanceV[] {
    const st = this.states.get(inst);
    if (!st) return [];
    if (st.kind === 'sequential') return st.layers;
    if (st.kind === 'functional') return unique((st.graph?.nodes ?? []).flatMap((n) => (n.layer ? [n.layer] : [])));
    if (st.kind === 'custom') return unique(this.tracked(inst).map(([, l]) => l));
    return [];
  }

  /** Layers held in a custom object's attributes (directly, or in lists, tuples and dicts), with their names. */
  tracked(inst: InstanceV): [string, InstanceV][] {
    const out: [string, InstanceV][] = [];
    const visit = (v: Value, name: string, depth: number) => {
      if (depth > 3) return;
      if (v.kind === 'instance' && this.states.has(v) && v !== inst) out.push([name, v]);
      else if (v.kind === 'list' || v.kind === 'tuple') v.items.forEach((x, i) => visit(x, `${name}.${i}`, depth + 1));
      else if (v.kind === 'dict')
        for (const e of v.entries.values())
          visit(e.value, `${name}.${e.key.kind === 'str' ? e.key.value : '?'}`, depth + 1);
    };
    for (const [k, v] of inst.attrs) visit(v, k, 0);
    return out;
  }

  /** Every object in the tree under `root` (itself included), each once, depth-first. */
  tree(root: InstanceV): InstanceV[] {
    const seen = new Set<InstanceV>();
    const visit = (x: InstanceV) => {
      if (seen.has(x)) return;
      seen.add(x);
      this.children(x).forEach(visit);
    };
    visit(root);
    return [...seen];
  }

  /** Elements of an object's own weights; null when a shape is unknown. */
  ownParams(inst: InstanceV): number | null {
    const st = this.states.get(inst);
    if (!st) return 0;
    let n = 0;
    for (const w of st.weights) {
      if (!w.shape) return null;
      n += w.shape.reduce((a, b) => a * b, 1);
    }
    return n;
  }

  /** Total parameters of a tree, as model.summary()'s total (trainable and not); null with the first reason. */
  paramCount(root: InstanceV): { count: number | null; reason?: string } {
    let count = 0;
    for (const x of this.tree(root)) {
      const st = this.states.get(x)!;
      if (st.unresolved) return { count: null, reason: `${st.name}: ${st.unresolved}` };
      if (!st.built && st.buildFailed) return { count: null, reason: `${st.name} was never built: ${st.buildFailed}` };
      const own = this.ownParams(x);
      if (own === null) return { count: null, reason: `${st.name}: a weight has an unknown shape` };
      count += own;
    }
    return { count };
  }
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
