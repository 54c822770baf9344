// torch.nn.Module semantics: the built-in classes (Module, containers, one class per layer spec),
// attribute registration of submodules and parameters, and the module-tree queries torch offers.
import type { Range } from '../../parse/syntax';
import {
  type Value,
  type ClassV,
  type ModuleV,
  type TensorV,
  type BuiltinV,
  type CallSite,
  type DictV,
  NONE,
  int,
  str,
  list,
  tuple,
  unknown,
  builtin,
  isSequence,
  hashKey,
} from '../../interpreter/python/values';
import { raise } from '../../interpreter/python/errors';
import { lookupClassAttr } from '../../interpreter/python/classes';
import { type LayerSpec, type ArgValue, LayerArgError, elementCount } from './layers/layerSpec';

const ZERO: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
let nextModuleId = 1;

/** Creates an empty module instance of `cls`, constructed at `range`. */
export function newModule(cls: ClassV, range: Range): ModuleV {
  return {
    kind: 'module',
    id: nextModuleId++,
    cls,
    children: new Map(),
    params: new Map(),
    buffers: new Map(),
    attrs: new Map(),
    range,
  };
}

/** A built-in class whose methods are TypeScript functions taking `self` first. */
export function builtinClass(
  name: string,
  kind: ClassV['builtin'],
  bases: ClassV[],
  methods: Record<string, BuiltinV['call']>,
): ClassV {
  const cls: ClassV = { kind: 'class', name, bases, attrs: new Map(), range: ZERO, builtin: kind };
  for (const [m, fn] of Object.entries(methods)) cls.attrs.set(m, builtin(`${name}.${m}`, fn));
  return cls;
}

/** Registers `value` on a module the way nn.Module.__setattr__ does; false if it is a plain attribute. */
export function registerAttr(m: ModuleV, name: string, value: Value): void {
  m.children.delete(name);
  m.params.delete(name);
  if (value.kind === 'module') m.children.set(name, value);
  else if (value.kind === 'tensor' && value.isParam) m.params.set(name, value);
  else if (value.kind === 'tensor' && m.buffers.has(name)) m.buffers.set(name, value);
  else {
    // Anything else is a plain attribute; a buffer set to None is no tensor any more (torch keeps None in its place).
    if (value.kind === 'none') m.buffers.delete(name);
    m.attrs.set(name, value);
    return;
  }
  m.attrs.delete(name);
}

/**
 * Reads an attribute of a module instance: parameters, buffers, submodules, plain attributes, then
 * a built-in layer's constructor arguments (`conv.out_channels`), converted on first read.
 */
export function ownAttr(m: ModuleV, name: string): Value | undefined {
  const own = m.params.get(name) ?? m.buffers.get(name) ?? m.children.get(name) ?? m.attrs.get(name);
  if (own) return own;
  // A built-in layer built without them (bias=False, affine=False) has its weight and bias registered as None.
  if (m.spec && (name === 'weight' || name === 'bias')) return NONE;
  return layerArgAttr(m, name);
}

/** A constructor argument read as an attribute; kept in `attrs` from then on, as if set there. */
function layerArgAttr(m: ModuleV, name: string): Value | undefined {
  const args = m.layerArgs;
  if (!args || !Object.hasOwn(args, name)) return undefined;
  const value = normalisedArg(m, name, fromArgValue(args[name]));
  m.attrs.set(name, value);
  return value;
}

const SPATIAL_ARGS = new Set(['kernel_size', 'stride', 'padding', 'dilation', 'output_padding']);

/**
 * torch stores a conv layer's spatial arguments as tuples (`conv.kernel_size == (3, 3)` even when
 * built with 3); code reads them back (`kernel_size[0] * kernel_size[1]`), so they are read as torch has them.
 */
function normalisedArg(m: ModuleV, name: string, value: Value): Value {
  const dims = /^(Conv|ConvTranspose)(\d)d$/.exec(m.spec?.op ?? '')?.[2];
  if (!dims || !SPATIAL_ARGS.has(name) || value.kind !== 'int') return value;
  return tuple(Array.from({ length: Number(dims) }, () => value));
}

/** Every module in the tree, depth-first, each once (as `modules()` yields them). */
export function allModules(root: ModuleV): ModuleV[] {
  const seen = new Set<ModuleV>();
  const visit = (m: ModuleV) => {
    if (seen.has(m)) return;
    seen.add(m);
    if (m.children.size) m.children.forEach(visit);
  };
  visit(root);
  return [...seen];
}

/** Every module of a tree with its dotted path, as `named_modules()` yields them. */
export function modulePathsList(root: ModuleV): [ModuleV, string][] {
  const out: [ModuleV, string][] = [];
  const seen = new Set<ModuleV>();
  const visit = (m: ModuleV, path: string) => {
    if (seen.has(m)) return;
    seen.add(m);
    out.push([m, path]);
    // forEach rather than for-of over entries: no [name, child] pair is allocated per child.
    if (m.children.size) m.children.forEach((child, name) => visit(child, path ? `${path}.${name}` : name));
  };
  visit(root, '');
  return out;
}

/** The distinct parameter tensors of a tree, as `parameters()` yields them (shared ones once). */
export function allParameters(root: ModuleV, modules = allModules(root)): TensorV[] {
  const seen = new Set<TensorV>();
  for (const m of modules) if (m.params.size) m.params.forEach((p) => seen.add(p));
  return [...seen];
}

/** Total parameter count of a module tree, or null with the first reason if any layer is unresolved. */
export function parameterCount(root: ModuleV): { count: number | null; reason?: string } {
  const modules = allModules(root);
  const unresolved = modules.find((m) => m.unresolved);
  if (unresolved) return { count: null, reason: unresolved.unresolved };
  const incomplete = modules.find((m) => m.incomplete);
  if (incomplete) return { count: null, reason: `${incomplete.cls.name} may be incomplete: ${incomplete.incomplete}` };
  // One pass over the distinct parameters (shared ones once), without listing them first.
  const seen = new Set<TensorV>();
  let count = 0;
  let unknown: TensorV | undefined;
  for (const m of modules) {
    if (!m.params.size) continue;
    m.params.forEach((p) => {
      if (seen.has(p)) return;
      seen.add(p);
      if (p.shape) count += elementCount(p.shape);
      else unknown ??= p;
    });
  }
  return unknown ? { count: null, reason: unknown.reason ?? 'a parameter has an unknown shape' } : { count };
}

/** Own parameter elements of one module; unknown when its configuration is. */
export function ownParamElems(m: ModuleV): number | null {
  if (m.unresolved) return null;
  let n = 0;
  for (const p of m.params.values()) {
    if (!p.shape) return null;
    n += elementCount(p.shape);
  }
  return n;
}

/**
 * The parameters of a built-in layer as torch's `layer.parameters()` counts them: its own and those of
 * the parts its spec registers as children (MultiheadAttention's `out_proj`), which are never called
 * as layers of their own. Null when a shape is unknown.
 */
export function layerParamElems(m: ModuleV): number | null {
  let total = ownParamElems(m);
  for (const child of m.children.values()) {
    if (total === null || child.spec) continue;
    const inner = layerParamElems(child);
    total = inner === null ? null : total + inner;
  }
  return total;
}

/** Converts an interpreter value to a plain constructor argument; throws LayerArgError for others. */
export function toArgValue(v: Value, name: string): ArgValue {
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
      return v.items.map((x) => toArgValue(x, name));
    case 'unknown':
      throw new LayerArgError(`argument ${name} is unknown: ${v.reason}`);
    case 'tensor':
      throw new LayerArgError(`argument ${name} is a tensor`);
    default:
      throw new LayerArgError(`argument ${name} has unsupported type ${v.kind}`);
  }
}

/** Binds constructor arguments to a spec's declared names, in torch's positional order. */
export function bindSpecArgs(
  spec: LayerSpec<unknown>,
  args: Value[],
  kwargs: Map<string, Value>,
): Record<string, ArgValue> {
  const bound: Record<string, ArgValue> = {};
  if (spec.args.some((a) => a.name.startsWith('*'))) return {}; // a layer such as Identity that ignores its arguments
  if (args.length > spec.args.length)
    throw new LayerArgError(`${spec.op}() takes ${spec.args.length} arguments but ${args.length} were given`);
  args.forEach((a, i) => (bound[spec.args[i].name] = toArgValue(a, spec.args[i].name)));
  for (const [k, v] of kwargs) {
    if (!spec.args.some((a) => a.name === k) && !IGNORED_KWARGS.has(k))
      throw new LayerArgError(`${spec.op}() got an unexpected keyword argument '${k}'`);
    if (spec.args.some((a) => a.name === k)) bound[k] = toArgValue(v, k);
  }
  for (const a of spec.args) {
    if (a.name in bound) continue;
    if (a.required) throw new LayerArgError(`${spec.op}() missing required argument '${a.name}'`);
    bound[a.name] = a.default ?? null;
  }
  return bound;
}

/** Keyword arguments every torch layer accepts that do not change its structure. */
const IGNORED_KWARGS = new Set(['device', 'dtype']);

/** Configures a built-in layer instance from its constructor call, recording why when it can't. */
export function configureLayer(m: ModuleV, spec: LayerSpec<unknown>, args: Value[], kwargs: Map<string, Value>): void {
  try {
    const bound = bindSpecArgs(spec, args, kwargs);
    m.config = spec.configure(bound);
    for (const p of spec.parameters(m.config))
      setNested(m, p.name, { kind: 'tensor', shape: p.shape, dtype: 'float32', isParam: true });
    for (const b of spec.buffers?.(m.config) ?? [])
      m.buffers.set(b.name, { kind: 'tensor', shape: b.shape, dtype: 'float32' });
    // The arguments become attributes (`conv.out_channels`) only when read: most never are.
    m.layerArgs = bound;
  } catch (e) {
    if (!(e instanceof LayerArgError)) throw e;
    m.unresolved = `${spec.op}: ${e.message}`;
  }
}

/** Parameters named `out_proj.weight` belong to a child module, as torch registers them. */
function setNested(m: ModuleV, name: string, p: TensorV): void {
  const dot = name.indexOf('.');
  if (dot < 0) {
    m.params.set(name, p);
    return;
  }
  const childName = name.slice(0, dot);
  let child = m.children.get(childName);
  if (!child) {
    child = newModule(builtinClass('Linear', 'layer', [], {}), m.range);
    m.children.set(childName, child);
  }
  setNested(child, name.slice(dot + 1), p);
}

/** Converts a plain argument back to an interpreter value (for attributes such as `conv.out_channels`). */
export function fromArgValue(v: ArgValue): Value {
  if (v === null) return NONE;
  if (typeof v === 'boolean') return { kind: 'bool', value: v };
  if (typeof v === 'number') return Number.isInteger(v) ? int(v) : { kind: 'float', value: v };
  if (typeof v === 'string') return str(v);
  return tuple(v.map(fromArgValue));
}

/** A structural deep copy of a module tree (copy.deepcopy), parameters duplicated as torch does. */
export function cloneModule(m: ModuleV, copies = new Map<unknown, unknown>()): ModuleV {
  const existing = copies.get(m) as ModuleV | undefined;
  if (existing) return existing;
  const c = newModule(m.cls, m.range);
  copies.set(m, c);
  Object.assign(c, { spec: m.spec, config: m.config, unresolved: m.unresolved, layerArgs: m.layerArgs });
  for (const [k, p] of m.params) c.params.set(k, (copies.get(p) as TensorV) ?? cloneTensor(p, copies));
  for (const [k, b] of m.buffers) c.buffers.set(k, { ...b });
  for (const [k, child] of m.children) c.children.set(k, cloneModule(child, copies));
  for (const [k, v] of m.attrs) c.attrs.set(k, v);
  return c;
}

function cloneTensor(p: TensorV, copies: Map<unknown, unknown>): TensorV {
  const c = { ...p };
  copies.set(p, c);
  return c;
}

/**
 * `module._modules` as a live dict: reading lists the children, writing a key replaces or adds a
 * child (code that swaps layers in place writes `module._modules[name] = new_layer`).
 */
export function childrenView(m: ModuleV): DictV {
  class Children extends Map<string, { key: Value; value: Value }> {
    override get(key: string) {
      const child = key.startsWith('s') ? m.children.get(key.slice(1)) : undefined;
      return child ? { key: str(key.slice(1)), value: child } : undefined;
    }
    override has(key: string) {
      return key.startsWith('s') && m.children.has(key.slice(1));
    }
    override set(key: string, entry: { key: Value; value: Value }) {
      if (key.startsWith('s') && entry.value.kind === 'module') m.children.set(key.slice(1), entry.value);
      return this;
    }
    override delete(key: string) {
      return key.startsWith('s') && m.children.delete(key.slice(1));
    }
    override get size() {
      return m.children.size;
    }
    override *entries(): MapIterator<[string, { key: Value; value: Value }]> {
      for (const [k, v] of m.children) yield [`s${k}`, { key: str(k), value: v }];
    }
    override *keys(): MapIterator<string> {
      for (const k of m.children.keys()) yield `s${k}`;
    }
    override *values(): MapIterator<{ key: Value; value: Value }> {
      for (const [k, v] of m.children) yield { key: str(k), value: v };
    }
    override [Symbol.iterator]() {
      return this.entries();
    }
  }
  return { kind: 'dict', entries: new Children() };
}

/** Items of a container module for iteration: children of Sequential/ModuleList, keys of ModuleDict. */
export function containerItems(m: ModuleV): Value[] | undefined {
  const kind = containerKind(m.cls);
  if (kind === 'ModuleDict') return [...m.children.keys()].map(str);
  if (kind === 'Sequential' || kind === 'ModuleList') return [...m.children.values()];
  if (kind === 'ParameterList') return [...m.params.values()];
  return undefined;
}

/** Which container class (if any) a module class is or derives from. */
export function containerKind(cls: ClassV): ClassV['builtin'] | undefined {
  for (let c: ClassV | undefined = cls; c; c = c.bases[0]) {
    if (c.builtin && c.builtin !== 'Module' && c.builtin !== 'object' && c.builtin !== 'layer') return c.builtin;
  }
  return undefined;
}

/**
 * The class of a stand-in for a container entry we could not evaluate: it keeps the entry's place
 * (so later entries keep their names), makes the tree's parameters unknown, and a forward through
 * it records an unknown call, so the entries after it never run on a made-up input.
 */
export const UNKNOWN_ENTRY: ClassV = {
  kind: 'class',
  name: 'unknown entry',
  bases: [],
  attrs: new Map(),
  range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
  builtin: 'Module',
};

/** A stand-in module for an unknown container entry (see UNKNOWN_ENTRY). */
export function unknownEntry(reason: string, range: Range): ModuleV {
  const m = newModule(UNKNOWN_ENTRY, range);
  m.unresolved = `a container entry is unknown: ${reason}`;
  return m;
}

/** Adds modules to a container under consecutive integer names. */
export function appendChildren(m: ModuleV, items: Value[], site: CallSite): void {
  for (const item of items) {
    if (item.kind !== 'module') {
      if (item.kind === 'unknown') {
        m.children.set(String(m.children.size), unknownEntry(item.reason, item.range ?? site.range));
        continue;
      }
      raise('TypeError', `${m.cls.name} entries must be modules, got ${item.kind}`, site.range);
    }
    m.children.set(String(m.children.size), item);
  }
}

/** Builds a container's children from dict-like input (OrderedDict or a dict of modules). */
export function addNamedChildren(m: ModuleV, dict: Value): void {
  if (dict.kind !== 'dict') return;
  for (const { key, value } of dict.entries.values()) {
    if (value.kind === 'module' && key.kind === 'str') m.children.set(key.value, value);
  }
}

/** Positional index into a container's children. */
export function childAt(m: ModuleV, index: number, site: CallSite): ModuleV {
  const children = [...m.children.values()];
  const i = index < 0 ? index + children.length : index;
  if (i < 0 || i >= children.length)
    raise('IndexError', `index ${index} is out of range for ${m.cls.name} of length ${children.length}`, site.range);
  return children[i];
}

/** True when the class's forward is user-defined rather than built in. */
export function hasUserForward(cls: ClassV): boolean {
  const f = lookupClassAttr(cls, 'forward');
  return f?.kind === 'func';
}

export { list, unknown, isSequence, hashKey };
