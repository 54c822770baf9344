// Root Keras models of a file (module-level models not part of another) and their traces: each is
// run on its input — --input, a `# wattlens: input=` comment, the call or build() the file makes,
// the model's own keras.Input / input_shape=, a tensor the file builds beside it (tf.random.normal,
// np.random.rand, a keras.Input never connected), or one batch of the array given to fit() — with the
// tracer recording every layer.
import type { Scope, InstanceV, TensorV, Value } from '../../interpreter/python/values';
import type { SyntaxNode } from '../../parse/syntax';
import { field } from '../../parse/syntax';
import type { InputRule } from '../../report/types';
import { descendantsOfType } from '../hub/syntaxArgs';
import { list } from '../../interpreter/python/values';
import { lookupClassAttr } from '../../interpreter/python/classes';
import { PyError } from '../../interpreter/python/errors';
import { StepBudgetExceeded } from '../../interpreter/stepBudget';
import type { KerasRuntime } from './runtime';
import type { KerasRow, KerasProblem } from './tracer';
import type { InputDecl, KerasState } from './objects';
import type { Shape } from './layers/spec';

/** A root model: the object and the name it is reported under. */
export interface KerasRoot {
  inst: InstanceV;
  name: string;
}

/** One traced root. */
export interface KerasRun {
  root: InstanceV;
  inputs: TensorV[];
  source: string;
  rule?: InputRule;
  rows: KerasRow[];
  problems: KerasProblem[];
  paths: Map<InstanceV, string>;
  /** What the root's call returned (the graph's outputs); absent when the trace stopped. */
  output?: Value;
  aborted?: string;
}

/**
 * Module-level Keras models (and instances of user Layer subclasses run on their own) not contained
 * in another; a subclass is named by its class, a Sequential or functional model by its variable.
 */
export function kerasRoots(rt: KerasRuntime, scope: Scope): KerasRoot[] {
  const found: KerasRoot[] = [];
  for (const [name, v] of scope.vars) {
    const st = rt.objects.get(v);
    if (!st || found.some((r) => r.inst === v)) continue;
    const inst = v as InstanceV;
    if (!st.isModel && (st.kind !== 'custom' || rt.classes.isBuiltin(inst.cls))) continue;
    if (st.kind === 'custom' && !hasCall(inst)) continue;
    found.push({ inst, name: rt.classes.isBuiltin(inst.cls) ? name : inst.cls.name });
  }
  return found.filter((r) => !found.some((o) => o.inst !== r.inst && rt.objects.tree(o.inst).includes(r.inst)));
}

/** True when a subclass defines call(); one without it (a GAN or VAE wrapper with only train_step) is a trainer, not a model. */
export function hasCall(inst: InstanceV): boolean {
  const call = lookupClassAttr(inst.cls, 'call');
  return call?.kind === 'func' || call?.kind === 'builtin';
}

/** What the input rules read beyond the models: the module's variables and its syntax (to see later calls). */
export interface ModuleContext {
  vars: Map<string, Value>;
  tree?: SyntaxNode;
}

/** Traces every root that has an input; returns the runs and, for the others, why they have none. */
export function traceRoots(
  rt: KerasRuntime,
  roots: KerasRoot[],
  context?: ModuleContext,
): { runs: Map<InstanceV, KerasRun>; missing: Map<InstanceV, string> } {
  const runs = new Map<InstanceV, KerasRun>();
  const missing = new Map<InstanceV, string>();
  for (const root of roots) {
    const input = resolveInput(rt, root.inst, context);
    if (!input) {
      missing.set(
        root.inst,
        `no input shape for ${root.name}: give it a keras.Input(shape=...) or input_shape=, call it on a tensor or model.build((None, ...)), add '# wattlens: input=(...)' above it, or pass --input`,
      );
      continue;
    }
    runs.set(root.inst, traceOne(rt, root.inst, input));
  }
  return { runs, missing };
}

/** The input of a root, in order of precedence; batch replaced by --batch. */
function resolveInput(rt: KerasRuntime, inst: InstanceV, context?: ModuleContext): InputDecl | undefined {
  const st = rt.objects.get(inst)!;
  const decl: InputDecl | undefined = rt.options.input
    ? { shapes: rt.options.input, source: '--input', line: -1, rule: 'option' }
    : (declared(rt, inst, st) ??
      st.observed ??
      intrinsic(rt, st) ??
      st.fitted ??
      (context && builtTensor(rt, inst, st, context)));
  if (!decl || !rt.options.batch) return decl;
  return {
    ...decl,
    shapes: decl.shapes.map((s) => [rt.options.batch!, ...s.slice(1)]),
    source: `${decl.source}, batch ${rt.options.batch} (--batch)`,
  };
}

/** A `# wattlens: input=` comment on (or up to two lines above) the model's construction, class, Input(), call or builder call. */
function declared(rt: KerasRuntime, inst: InstanceV, st: KerasState): InputDecl | undefined {
  const lines = [
    st.range.start.line,
    ...(st.graph?.inputs ?? []).map((t) => rt.graph.input(t)?.range.start.line ?? -1),
  ];
  if (!rt.classes.isBuiltin(inst.cls)) lines.push(inst.cls.range.start.line);
  if (st.observed) lines.push(st.observed.line);
  // A model a builder function returns: the comment may sit above the call (`model = get_model(...)`).
  lines.push(...(st.callerLines ?? []));
  for (const line of lines) {
    if (line < 0) continue;
    for (const l of [line, line - 1, line - 2]) {
      const shapes = rt.options.declaredInputs.get(l);
      if (shapes) return { shapes, source: `# wattlens: input comment, line ${l + 1}`, line: l, rule: 'declared' };
    }
  }
  return undefined;
}

/** What the model itself declares: a functional model's Input tensors, a Sequential's Input or first input_shape=. */
function intrinsic(rt: KerasRuntime, st: KerasState): InputDecl | undefined {
  if (st.kind === 'functional' && st.graph?.inputs.every((t) => t.shape)) {
    return {
      shapes: st.graph.inputs.map((t) => t.shape!),
      source: st.graph.inputs[0]?.origin ?? 'keras.Input',
      line: -1,
      rule: 'model',
    };
  }
  const own =
    st.kind === 'sequential'
      ? (st.declaredInput ?? (st.layers[0] && rt.objects.get(st.layers[0])?.declaredInput))
      : undefined;
  return own && { ...own, rule: 'model' };
}

/** Input ranks of first layers that take one rank only (a Dense, Flatten or Normalization takes any of 2 or more). */
const FIRST_LAYER_RANK: Record<string, number> = {
  Conv1D: 3,
  Conv2D: 4,
  Conv3D: 5,
  SeparableConv1D: 3,
  SeparableConv2D: 4,
  DepthwiseConv2D: 4,
  Conv2DTranspose: 4,
  Conv3DTranspose: 5,
  MaxPooling1D: 3,
  MaxPooling2D: 4,
  AveragePooling2D: 4,
  LSTM: 3,
  GRU: 3,
  SimpleRNN: 3,
  Bidirectional: 3,
  Embedding: 2,
};

/**
 * A module-level tensor the file builds (tf.random.normal, keras.ops.zeros, np.random.rand, a keras.Input
 * that no model consumes) for a model that states no input: the one passed to it later (`model(x)`,
 * `model.predict(x)` in a function or cell never run), else the first whose rank its first layer takes.
 */
function builtTensor(rt: KerasRuntime, inst: InstanceV, st: KerasState, context: ModuleContext): InputDecl | undefined {
  const names = new Set([...context.vars].filter(([, v]) => v === inst).map(([k]) => k));
  const calls = context.tree ? modelCalls(context.tree, names) : [];
  // Arrays given to fit/evaluate are training data, batched by fit: not an example input.
  const data = new Set(calls.filter((c) => c.data).map((c) => c.name));
  const candidates = [...context.vars].filter(
    (e): e is [string, TensorV] =>
      e[1].kind === 'tensor' &&
      !!e[1].origin &&
      !!e[1].shape &&
      e[1].shape.length >= 2 &&
      e[1].shape.every((d) => Number.isInteger(d) && d > 0) &&
      !data.has(e[0]),
  );
  if (candidates.length === 0) return undefined;
  const later = calls.find((c) => !c.data && candidates.some(([k]) => k === c.name));
  const first = st.kind === 'sequential' && st.layers[0] ? st.layers[0].cls.name : undefined;
  const rank = first ? FIRST_LAYER_RANK[first] : undefined;
  const chosen = later
    ? candidates.find(([k]) => k === later.name)
    : candidates.find(([, t]) => rank === undefined || t.shape!.length === rank);
  if (!chosen) return undefined;
  const [name, t] = chosen;
  const why = later
    ? `passed to the model at line ${later.line}`
    : candidates.length === 1
      ? 'the one tensor the file builds, never passed to the model'
      : `the first tensor ${first ? `its first layer ${first} takes` : 'the file builds'}, never passed to the model`;
  return { shapes: [t.shape!], source: `tensor ${name} (${t.origin}): ${why}`, line: -1, rule: 'tensor' };
}

/**
 * The model's calls anywhere in the file whose first argument is a name: `model(x)`, `model.predict(x)`
 * (an example, `data` false) and `model.fit(x, ...)`, `model.evaluate(x, ...)` (training data, `data` true).
 */
function modelCalls(tree: SyntaxNode, models: Set<string>): { name: string; line: number; data: boolean }[] {
  const out: { name: string; line: number; data: boolean }[] = [];
  if (models.size === 0) return out;
  for (const call of descendantsOfType(tree, 'call')) {
    const fn = field(call, 'function');
    const method = fn?.type === 'attribute' ? field(fn, 'attribute')?.text : undefined;
    const callee =
      fn?.type === 'identifier'
        ? fn.text
        : method && /^(predict|predict_on_batch|fit|evaluate)$/.test(method)
          ? field(fn!, 'object')?.text
          : undefined;
    if (!callee || !models.has(callee)) continue;
    const x = field(call, 'arguments')?.children.find(
      (c) => /^[a-z_]+$/.test(c.type) && c.type !== 'comment' && c.type !== 'keyword_argument',
    );
    if (x?.type === 'identifier')
      out.push({ name: x.text, line: call.range.start.line + 1, data: method === 'fit' || method === 'evaluate' });
  }
  return out;
}

/** Runs one root on tensors of the declared shapes, the tracer recording. */
function traceOne(rt: KerasRuntime, inst: InstanceV, input: InputDecl): KerasRun {
  const st = rt.objects.get(inst)!;
  const tensors = input.shapes.map((s: Shape) => rt.tensor(s, 'float32', undefined, input.source));
  const arg: Value = tensors.length === 1 ? tensors[0] : list(tensors);
  const site = { range: st.range };
  let aborted: string | undefined;
  let output: Value | undefined;
  rt.tracer.begin();
  rt.interp.tolerant = true;
  try {
    output = rt.invoke(inst, [arg], new Map(), site);
  } catch (e) {
    if (e instanceof StepBudgetExceeded) throw e;
    aborted = e instanceof PyError ? `${e.pyType}: ${e.message}` : `internal analysis error: ${(e as Error).message}`;
    rt.tracer.problem((e as PyError).range ?? site.range, `call() stopped: ${aborted}`, 'trace-aborted');
  } finally {
    rt.interp.tolerant = false;
    rt.tracer.end();
  }
  return {
    root: inst,
    inputs: tensors,
    source: input.source,
    rule: input.rule,
    rows: rt.tracer.rows,
    problems: rt.tracer.problems,
    paths: rt.tracer.paths,
    output,
    aborted,
  };
}
