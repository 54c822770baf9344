// Root Keras models of a file (module-level models not part of another) and their traces: each is
// run on its input — --input, a `# wattlens: input=` comment, the call or build() the file makes,
// or the model's own keras.Input / input_shape= — with the tracer recording every layer.
import type { Scope, InstanceV, TensorV, Value } from '../../interpreter/python/values';
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

/** Traces every root that has an input; returns the runs and, for the others, why they have none. */
export function traceRoots(
  rt: KerasRuntime,
  roots: KerasRoot[],
): { runs: Map<InstanceV, KerasRun>; missing: Map<InstanceV, string> } {
  const runs = new Map<InstanceV, KerasRun>();
  const missing = new Map<InstanceV, string>();
  for (const root of roots) {
    const input = resolveInput(rt, root.inst);
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
function resolveInput(rt: KerasRuntime, inst: InstanceV): InputDecl | undefined {
  const st = rt.objects.get(inst)!;
  const decl = rt.options.input
    ? { shapes: rt.options.input, source: '--input', line: -1 }
    : (declared(rt, inst, st) ?? st.observed ?? intrinsic(rt, st));
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
      if (shapes) return { shapes, source: `# wattlens: input comment, line ${l + 1}`, line: l };
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
    };
  }
  if (st.kind === 'sequential')
    return st.declaredInput ?? (st.layers[0] && rt.objects.get(st.layers[0])?.declaredInput);
  return undefined;
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
    rows: rt.tracer.rows,
    problems: rt.tracer.problems,
    paths: rt.tracer.paths,
    output,
    aborted,
  };
}
