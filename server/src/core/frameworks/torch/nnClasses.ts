// The built-in torch.nn classes as interpreter values: nn.Module with its methods, the containers
// (Sequential, ModuleList, ModuleDict, ParameterList) and one class per layer spec.
import {
  type Value,
  type ClassV,
  type ModuleV,
  type TensorV,
  type CallSite,
  NONE,
  int,
  str,
  list,
  tuple,
  unknown,
  builtin,
} from '../../interpreter/python/values';
import { raise } from '../../interpreter/python/errors';
import {
  builtinClass,
  registerAttr,
  allModules,
  allParameters,
  configureLayer,
  appendChildren,
  addNamedChildren,
  modulePathsList,
} from './modules';
import { type LayerSpec, type TensorInfo, type ArgValue, ShapeError, LayerArgError } from './layers/layerSpec';
import { toArgValue } from './modules';
import type { TorchRuntime } from './runtime';
import { LAYER_SPECS } from './layers';
import { convertingMethod } from './precision';

const self = (args: Value[]) => args[0] as ModuleV;

/** Methods every nn.Module has (returning self where torch does). */
function moduleMethods(
  rt: TorchRuntime,
): Record<string, (args: Value[], kw: Map<string, Value>, site: CallSite) => Value> {
  const returnsSelf = (args: Value[]) => args[0];
  const state = () => rt.precision;
  return {
    __init__: () => NONE,
    to: convertingMethod(state, null, 'to'),
    cuda: returnsSelf,
    cpu: returnsSelf,
    float: convertingMethod(state, 'float32', 'float'),
    eval: (args) => setTraining(self(args), false),
    train: (args) => setTraining(self(args), args[1]?.kind !== 'bool' || args[1].value),
    half: convertingMethod(state, 'float16', 'half'),
    double: returnsSelf,
    bfloat16: convertingMethod(state, 'bfloat16', 'bfloat16'),
    requires_grad_: returnsSelf,
    share_memory: returnsSelf,
    zero_grad: () => NONE,
    load_state_dict: () => NONE,
    register_forward_hook: () => NONE,
    register_forward_pre_hook: () => NONE,
    state_dict: (_a, _k, site) => unknown('state_dict() depends on weights', site.range),
    parameters: (args) => list(allParameters(self(args))),
    buffers: (args) => list(allModules(self(args)).flatMap((m) => [...m.buffers.values()])),
    named_parameters: (args) => list(namedParameters(self(args))),
    children: (args) => list([...self(args).children.values()]),
    named_children: (args) => list([...self(args).children].map(([k, m]) => tuple([str(k), m]))),
    modules: (args) => list(allModules(self(args))),
    named_modules: (args) => list(modulePathsList(self(args)).map(([m, p]) => tuple([str(p), m]))),
    apply: (args, _k, site) => {
      for (const m of allModules(self(args)).reverse()) rt.interp.callValue(args[1], [m], new Map(), site);
      return args[0];
    },
    add_module: (args) => {
      registerAttr(self(args), (args[1] as { value: string }).value, args[2]);
      return NONE;
    },
    register_module: (args) => {
      registerAttr(self(args), (args[1] as { value: string }).value, args[2]);
      return NONE;
    },
    register_buffer: (args) => {
      self(args).buffers.set((args[1] as { value: string }).value, asTensor(args[2]));
      return NONE;
    },
    register_parameter: (args) => {
      registerAttr(
        self(args),
        (args[1] as { value: string }).value,
        args[2].kind === 'tensor' ? { ...args[2], isParam: true } : args[2],
      );
      return NONE;
    },
    get_submodule: (args) => self(args).children.get((args[1] as { value: string }).value) ?? NONE,
    __call__: (args, kw, site) => rt.call(args[0], args.slice(1), kw, site)!,
    extra_repr: () => str(''),
  };
}

/** `.train()` / `.eval()`: sets `training` on the whole tree, as torch does; returns the module. */
function setTraining(root: ModuleV, training: boolean): Value {
  for (const m of allModules(root)) m.attrs.set('training', { kind: 'bool', value: training });
  return root;
}

function asTensor(v: Value): TensorV {
  return v.kind === 'tensor' ? v : { kind: 'tensor', shape: null, dtype: 'float32', reason: 'buffer is not a tensor' };
}

function namedParameters(root: ModuleV): Value[] {
  const seen = new Set<TensorV>();
  const out: Value[] = [];
  for (const [m, path] of modulePathsList(root)) {
    for (const [name, p] of m.params) {
      if (seen.has(p)) continue;
      seen.add(p);
      out.push(tuple([str(path ? `${path}.${name}` : name), p]));
    }
  }
  return out;
}

/** The torch.nn classes: Module, containers and every layer in LAYER_SPECS, keyed by name. */
export function createNnClasses(rt: TorchRuntime): Map<string, ClassV> {
  const classes = new Map<string, ClassV>();
  const Module = builtinClass('Module', 'Module', [], moduleMethods(rt));
  classes.set('Module', Module);
  classes.set('Sequential', builtinClass('Sequential', 'Sequential', [Module], sequentialMethods(rt)));
  classes.set('ModuleList', builtinClass('ModuleList', 'ModuleList', [Module], listMethods()));
  classes.set('ModuleDict', builtinClass('ModuleDict', 'ModuleDict', [Module], dictMethods()));
  classes.set('ParameterList', builtinClass('ParameterList', 'ParameterList', [Module], parameterListMethods()));
  for (const [name, spec] of Object.entries(LAYER_SPECS)) classes.set(name, layerClass(rt, spec, Module));
  return classes;
}

function sequentialMethods(
  rt: TorchRuntime,
): Record<string, (args: Value[], kw: Map<string, Value>, site: CallSite) => Value> {
  return {
    ...listMethods(),
    __init__: (args, _k, site) => {
      const m = self(args);
      if (args.length === 2 && args[1].kind === 'dict') addNamedChildren(m, args[1]);
      else appendChildren(m, args.slice(1), site);
      return NONE;
    },
    forward: (args, kw, site) => {
      let x = args[1];
      for (const child of self(args).children.values()) x = rt.invokeModule(child, [x], new Map(), site);
      return x;
    },
  };
}

function listMethods(): Record<string, (args: Value[], kw: Map<string, Value>, site: CallSite) => Value> {
  return {
    __init__: (args, _k, site) => {
      if (args[1] && args[1].kind !== 'none') appendChildren(self(args), itemsOf(args[1]), site);
      return NONE;
    },
    append: (args, _k, site) => {
      appendChildren(self(args), [args[1]], site);
      return args[0];
    },
    extend: (args, _k, site) => {
      appendChildren(self(args), itemsOf(args[1]), site);
      return args[0];
    },
    // `layers += [...]` extends in place, as torch's ModuleList.__iadd__ and Sequential.__iadd__ do.
    __iadd__: (args, _k, site) => {
      appendChildren(self(args), itemsOf(args[1]), site);
      return args[0];
    },
    insert: (args, _k, site) => insertChild(self(args), args[1], args[2], site),
    __len__: (args) => int(self(args).children.size),
  };
}

function insertChild(m: ModuleV, index: Value, module: Value, site: CallSite): Value {
  const items = [...m.children.values()];
  items.splice(index.kind === 'int' ? index.value : items.length, 0, module as ModuleV);
  m.children.clear();
  appendChildren(m, items, site);
  return NONE;
}

function itemsOf(v: Value): Value[] {
  if (v.kind === 'list' || v.kind === 'tuple') return v.items;
  if (v.kind === 'module') return [...v.children.values()];
  if (v.kind === 'unknown') return [v];
  return raise('TypeError', `expected an iterable of modules, got ${v.kind}`);
}

function dictMethods(): Record<string, (args: Value[], kw: Map<string, Value>, site: CallSite) => Value> {
  return {
    __init__: (args) => {
      if (args[1]?.kind === 'dict') addNamedChildren(self(args), args[1]);
      return NONE;
    },
    keys: (args) => list([...self(args).children.keys()].map(str)),
    values: (args) => list([...self(args).children.values()]),
    items: (args) => list([...self(args).children].map(([k, m]) => tuple([str(k), m]))),
    update: (args) => {
      addNamedChildren(self(args), args[1]);
      return NONE;
    },
    __len__: (args) => int(self(args).children.size),
  };
}

function parameterListMethods(): Record<string, (args: Value[], kw: Map<string, Value>, site: CallSite) => Value> {
  const add = (m: ModuleV, v: Value) =>
    v.kind === 'tensor' && m.params.set(String(m.params.size), { ...v, isParam: true });
  return {
    __init__: (args) => {
      if (args[1]) itemsOfAny(args[1]).forEach((v) => add(self(args), v));
      return NONE;
    },
    append: (args) => {
      add(self(args), args[1]);
      return args[0];
    },
  };
}

function itemsOfAny(v: Value): Value[] {
  return v.kind === 'list' || v.kind === 'tuple' ? v.items : [];
}

/** A class for one layer spec: its constructor configures the spec, its forward applies it. */
const RECURRENT = new Set(['RNN', 'LSTM', 'GRU']);

function layerClass(rt: TorchRuntime, spec: LayerSpec<unknown>, Module: ClassV): ClassV {
  const cls = builtinClass(spec.op, 'layer', [Module], {
    __init__: (args, kw) => {
      configureLayer(self(args), spec, args.slice(1), kw);
      return NONE;
    },
    forward: (args, kw, site) => callLeaf(rt, self(args), args.slice(1), kw, site),
  });
  // Recurrent layers compact their weights for cuDNN before a call (torchaudio's Tacotron2): no effect on cost.
  if (RECURRENT.has(spec.op))
    cls.attrs.set(
      'flatten_parameters',
      builtin(`${spec.op}.flatten_parameters`, () => NONE),
    );
  cls.spec = spec;
  return cls;
}

/** Applies a built-in layer to its inputs and records the call (null costs, with why, when unknown). */
export function callLeaf(rt: TorchRuntime, m: ModuleV, args: Value[], kw: Map<string, Value>, site: CallSite): Value {
  const spec = m.spec!;
  [args, kw] = positionalInputs(spec.op, args, kw);
  const tensors = args.filter((a): a is TensorV => a.kind === 'tensor');
  const why = unknownInputReason(m, args);
  if (why) {
    rt.recordLayer(m, tensors, null, null, site, undefined, why);
    return { kind: 'tensor', shape: null, dtype: 'float32', reason: why };
  }
  try {
    // A known-shaped tensor already carries what a spec reads (shape and dtype): no copy needed.
    const result = spec.forward(m.config, tensors as TensorInfo[], kw.size ? forwardKwargs(kw) : NO_FORWARD_KWARGS);
    rt.recordLayer(m, tensors, result.output, result.macs, site, result.extraFlops);
    const value = rt.toValue(result.output);
    rt.tracer.flow?.returned(value);
    return value;
  } catch (e) {
    if (!(e instanceof ShapeError) && !(e instanceof LayerArgError)) throw e;
    // Layer messages already name the layer ("Linear expects 10 input features ..."): no "Linear: " before it.
    const reason = e.message.startsWith(spec.op) ? e.message : `${spec.op}: ${e.message}`;
    rt.shapeProblem(reason, site);
    rt.recordLayer(m, tensors, null, null, site, undefined, reason);
    return { kind: 'tensor', shape: null, dtype: 'float32', reason };
  }
}

/** The names of a layer's tensor inputs in forward() order, when they can be passed by keyword. */
const FORWARD_INPUTS: Record<string, string[]> = {
  MultiheadAttention: ['query', 'key', 'value'],
  TransformerEncoderLayer: ['src'],
  TransformerDecoderLayer: ['tgt', 'memory'],
  Bilinear: ['input1', 'input2'],
};

/**
 * Moves tensor inputs passed by keyword (`attn(query=x, key=x, value=x)`, `fc(input=x)`) to their
 * positions, as Python binds them, so a layer sees the same inputs either way.
 */
function positionalInputs(op: string, args: Value[], kw: Map<string, Value>): [Value[], Map<string, Value>] {
  const names = FORWARD_INPUTS[op] ?? ['input'];
  if (!kw.size || !names.some((n) => kw.has(n))) return [args, kw];
  const positional = [...args];
  const rest = new Map(kw);
  for (let i = positional.length; i < names.length; i++) {
    const value = rest.get(names[i]);
    if (value === undefined) break;
    positional.push(value);
    rest.delete(names[i]);
  }
  return [positional, rest];
}

function unknownInputReason(m: ModuleV, args: Value[]): string | undefined {
  if (m.unresolved) return m.unresolved;
  for (const a of args) {
    if (a.kind === 'unknown') return a.reason;
    if (a.kind === 'tensor' && !a.shape) return a.reason ?? 'input shape is unknown';
  }
  if (!args.some((a) => a.kind === 'tensor')) return `${m.cls.name} was called without a tensor input`;
  return undefined;
}

const NO_FORWARD_KWARGS: Record<string, ArgValue | TensorInfo> = Object.freeze({});

function forwardKwargs(kw: Map<string, Value>): Record<string, ArgValue | TensorInfo> {
  const out: Record<string, ArgValue | TensorInfo> = {};
  for (const [k, v] of kw) {
    if (v.kind === 'tensor' && v.shape) out[k] = { shape: v.shape, dtype: v.dtype };
    else {
      try {
        out[k] = toArgValue(v, k);
      } catch {
        /* an argument the spec cannot use (e.g. an unknown mask) */
      }
    }
  }
  return out;
}

export { builtin };
