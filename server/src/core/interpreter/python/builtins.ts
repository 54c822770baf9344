// Python's builtins (len, range, zip, max, isinstance, int(), ...) and the standard-library
// modules model code uses (math, collections, functools, copy, typing), as interpreter values.
import {
  Scope,
  type Value,
  type ClassV,
  type BuiltinV,
  type CallSite,
  type DictV,
  NONE,
  TRUE,
  int,
  float,
  str,
  bool,
  list,
  tuple,
  unknown,
  builtin,
  isNumber,
  numberOf,
  isSequence,
  hashKey,
  typeName,
} from './values';
import { raise, orUnknown, UnknownIterable } from './errors';
import { truthy, compare, display, repr } from './operators';
import { isSubclass, lookupClassAttr } from './classes';
import { abstractInstance } from './pythonTypes';
import type { BuiltinHost } from './hooks';

const MAX_RANGE = 10_000_000;

/** A builtin type object (int, list, ...) that converts when called. */
function typeClass(
  name: string,
  convert: (args: Value[], kwargs: Map<string, Value>, site: CallSite) => Value,
): ClassV {
  const cls: ClassV = { kind: 'class', name, bases: [], attrs: new Map(), range: ZERO_RANGE, builtin: 'object' };
  cls.attrs.set('__new__', builtin(name, convert));
  return cls;
}

const ZERO_RANGE = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** The `object` base class. */
export const OBJECT_CLASS: ClassV = {
  kind: 'class',
  name: 'object',
  bases: [],
  attrs: new Map(),
  range: ZERO_RANGE,
  builtin: 'object',
};

/** Creates the builtins scope. */
export function createBuiltins(host: BuiltinHost): Scope {
  const scope = new Scope(null);
  // A builtin over data the analysis cannot see (sorted(rows), len(set(x))) returns that Unknown.
  const def = (name: string, fn: BuiltinV['call']) =>
    scope.vars.set(
      name,
      builtin(name, (a, k, s) => orUnknown(() => fn(a, k, s))),
    );
  const items = (v: Value, site: CallSite) => {
    if (v.kind === 'unknown') throw new UnknownIterable(v);
    return host.iterateValue(v, site) ?? raise('TypeError', `'${typeName(v)}' object is not iterable`, site.range);
  };
  defineTypes(scope, host, items);
  def('len', ([v], _k, site) => lengthOf(host, v, site));
  def('range', (args, _k, site) => rangeOf(args, site));
  def('enumerate', ([v, start], _k, site) =>
    list(items(v, site).map((x, i) => tuple([int(i + (start ? numberOf(start as never) : 0)), x]))),
  );
  def('zip', (args, _k, site) => zipOf(args.map((a) => items(a, site))));
  def('reversed', ([v], _k, site) => list([...items(v, site)].reverse()));
  def('sorted', ([v], k, site) => list(sortValues(items(v, site), k, host, site)));
  def('sum', ([v, start], _k, site) => items(v, site).reduce((acc, x) => addNumbers(acc, x, site), start ?? int(0)));
  def('max', (args, k, site) => extreme(args, k, host, site, 1));
  def('min', (args, k, site) => extreme(args, k, host, site, -1));
  def('abs', ([v]) => (isNumber(v) ? (v.kind === 'float' ? float(Math.abs(v.value)) : int(Math.abs(numberOf(v)))) : v));
  def('round', ([v, nd]) => roundOf(v, nd));
  def('divmod', ([a, b]) =>
    tuple([
      int(Math.floor(numberOf(a as never) / numberOf(b as never))),
      int(numberOf(a as never) % numberOf(b as never)),
    ]),
  );
  def('pow', ([a, b]) => int(numberOf(a as never) ** numberOf(b as never)));
  def('any', ([v], _k, site) => bool(items(v, site).some((x) => truthy(x))));
  def('all', ([v], _k, site) => bool(items(v, site).every((x) => truthy(x))));
  def('map', ([f, ...vs], _k, site) =>
    list(
      zipOf(vs.map((v) => items(v, site))).items.map((t) =>
        host.callValue(f, (t as { items: Value[] }).items, new Map(), site),
      ),
    ),
  );
  def('filter', ([f, v], _k, site) =>
    list(items(v, site).filter((x) => truthy(f.kind === 'none' ? x : host.callValue(f, [x], new Map(), site)))),
  );
  def('isinstance', ([v, t]) => bool(isInstance(v, t)));
  def('issubclass', ([a, b]) => bool(a.kind === 'class' && b.kind === 'class' && isSubclass(a, b)));
  def('hasattr', ([o, n], _k, site) => bool(tryGet(host, o, n, site) !== undefined));
  def(
    'getattr',
    ([o, n, d], _k, site) =>
      tryGet(host, o, n, site) ?? d ?? raise('AttributeError', `no attribute ${display(n)}`, site.range),
  );
  def('setattr', ([o, n, v], _k, site) => {
    host.setAttr(o, (n as { value: string }).value, v, site);
    return NONE;
  });
  def('callable', ([v]) => bool(['func', 'bound', 'builtin', 'class', 'module'].includes(v.kind)));
  def('print', () => NONE);
  def('id', () => int(0));
  def('hash', ([v]) => int(hashKey(v).length));
  def('iter', ([v], _k, site) => list(items(v, site)));
  def('next', ([v, d]) =>
    isSequence(v) && v.items.length ? v.items.shift()! : (d ?? raise('StopIteration', 'iterator exhausted')),
  );
  def('repr', ([v]) => str(repr(v)));
  def('vars', () => unknown('vars() is not modelled'));
  def('open', (_a, _k, site) => unknown('file I/O is not analysed', site.range));
  def('input', (_a, _k, site) => unknown('input() is not analysed', site.range));
  def('super', (args, _k, site) =>
    args.length === 2 && args[0].kind === 'class'
      ? { kind: 'super', self: args[1], owner: args[0] }
      : raise('RuntimeError', 'super(): no arguments', site.range),
  );
  for (const wrapper of ['staticmethod', 'classmethod', 'property'] as const)
    def(wrapper, ([f]) => (f?.kind === 'func' ? { kind: 'property', decorator: wrapper, func: f } : (f ?? NONE)));
  OBJECT_CLASS.attrs.set(
    '__getattribute__',
    builtin('object.__getattribute__', ([o, n], _k, site) =>
      n?.kind === 'str' ? host.getAttr(o, n.value, site) : raise('TypeError', 'attribute name must be a string'),
    ),
  );
  OBJECT_CLASS.attrs.set(
    '__setattr__',
    builtin('object.__setattr__', ([o, n, v], _k, site) => {
      if (n?.kind === 'str') host.setAttr(o, n.value, v, site);
      return NONE;
    }),
  );
  scope.vars.set('object', OBJECT_CLASS);
  scope.vars.set('__name__', str('__main__'));
  scope.vars.set('__file__', str('model.py'));
  scope.vars.set('NotImplemented', NONE);
  // The Ellipsis singleton is the value `...` evaluates to (tensor indexing reads it by this reason).
  scope.vars.set('Ellipsis', unknown('Ellipsis'));
  for (const name of EXCEPTIONS)
    scope.vars.set(name, { kind: 'class', name, bases: [], attrs: new Map(), range: ZERO_RANGE });
  return scope;
}

const EXCEPTIONS = [
  'Exception',
  'ValueError',
  'TypeError',
  'KeyError',
  'IndexError',
  'RuntimeError',
  'NotImplementedError',
  'AssertionError',
  'AttributeError',
  'StopIteration',
  'ImportError',
  'ZeroDivisionError',
  'NameError',
  'OSError',
  'Warning',
  'UserWarning',
  'FutureWarning',
  'DeprecationWarning',
  'RuntimeWarning',
  'BaseException',
  'LookupError',
  'ArithmeticError',
  'OverflowError',
  'ModuleNotFoundError',
  'FileNotFoundError',
  'PermissionError',
  'IOError',
  'EnvironmentError',
  'EOFError',
  'TimeoutError',
  'RecursionError',
  'KeyboardInterrupt',
  'SystemExit',
  'UnicodeDecodeError',
];

function defineTypes(scope: Scope, host: BuiltinHost, items: (v: Value, s: CallSite) => Value[]): void {
  const set = (cls: ClassV) => scope.vars.set(cls.name, cls);
  set(typeClass('int', ([v]) => toInt(v ?? int(0))));
  set(typeClass('float', ([v]) => toFloat(v ?? float(0))));
  set(typeClass('str', ([v]) => str(v ? display(v) : '')));
  set(typeClass('bytes', () => unknown('bytes values are not analysed')));
  set(
    typeClass('bool', ([v]) =>
      v ? (truthy(v) === null ? unknown('truth value cannot be decided') : bool(truthy(v)!)) : bool(false),
    ),
  );
  set(typeClass('list', ([v], _k, site) => list(v ? [...items(v, site)] : [])));
  set(typeClass('tuple', ([v], _k, site) => tuple(v ? [...items(v, site)] : [])));
  set(typeClass('set', ([v], _k, site) => list(v ? dedupe(items(v, site)) : [])));
  set(typeClass('frozenset', ([v], _k, site) => list(v ? dedupe(items(v, site)) : [])));
  set(typeClass('dict', ([v], k, site) => dictOf(v, k, items, site)));
  set(typeClass('NoneType', () => NONE));
  // type(x) of a plain value is its builtin class (`isinstance(x, (A, type(None)))` is common).
  const plainTypes: Record<string, string> = {
    none: 'NoneType',
    bool: 'bool',
    int: 'int',
    float: 'float',
    str: 'str',
    list: 'list',
    tuple: 'tuple',
    dict: 'dict',
  };
  set(
    typeClass('type', ([v]) => {
      if (v.kind === 'module' || v.kind === 'instance') return v.cls;
      const plain = plainTypes[v.kind] ? scope.vars.get(plainTypes[v.kind]) : undefined;
      return plain ?? unknown(`type() of ${typeName(v)}`);
    }),
  );
  void host;
}

/** A dict from an optional mapping or pair list plus keyword arguments. */
export function dictOf(
  v: Value | undefined,
  kwargs: Map<string, Value>,
  items: (v: Value, s: CallSite) => Value[],
  site: CallSite,
): DictV {
  const d: DictV = { kind: 'dict', entries: new Map() };
  if (v?.kind === 'dict') for (const [k, e] of v.entries) d.entries.set(k, e);
  else if (v) {
    for (const pair of items(v, site)) {
      const [key, value] = items(pair, site);
      d.entries.set(hashKey(key), { key, value });
    }
  }
  for (const [k, value] of kwargs) d.entries.set(hashKey(str(k)), { key: str(k), value });
  return d;
}

function dedupe(vs: Value[]): Value[] {
  const seen = new Set<string>();
  return vs.filter((v) => !seen.has(hashKey(v)) && !!seen.add(hashKey(v)));
}

/** len(): containers and framework objects, then a user class's `__len__`; a framework marker's length is unknown. */
function lengthOf(host: BuiltinHost, v: Value, site: CallSite): Value {
  const n = host.length(v);
  if (n !== undefined) return int(n);
  if (v.kind === 'unknown') return v;
  if (v.kind === 'instance') {
    const method = lookupClassAttr(v.cls, '__len__');
    if (method) return host.callValue(method, [v], new Map(), site);
    if (v.cls.builtin) return unknown(`len() of ${v.cls.name} is not known statically`, site.range);
  }
  return raise('TypeError', `object of type '${typeName(v)}' has no len()`, site.range);
}

function toInt(v: Value): Value {
  if (isNumber(v)) return int(Math.trunc(numberOf(v)));
  if (v.kind === 'tensor' && v.values?.length === 1) return int(Math.trunc(v.values[0]));
  if (v.kind === 'str' && /^\s*[-+]?\d+\s*$/.test(v.value)) return int(parseInt(v.value, 10));
  if (v.kind === 'unknown') return v;
  return raise('ValueError', `invalid literal for int(): ${repr(v)}`);
}

const SPECIAL_FLOATS: Record<string, number> = {
  inf: Infinity,
  '+inf': Infinity,
  '-inf': -Infinity,
  infinity: Infinity,
  '-infinity': -Infinity,
  nan: NaN,
};

function toFloat(v: Value): Value {
  if (isNumber(v)) return float(numberOf(v));
  if (v.kind === 'tensor' && v.values?.length === 1) return float(v.values[0]);
  if (v.kind === 'str' && v.value.trim().toLowerCase() in SPECIAL_FLOATS)
    return float(SPECIAL_FLOATS[v.value.trim().toLowerCase()]);
  if (v.kind === 'str' && v.value.trim() !== '' && !Number.isNaN(Number(v.value))) return float(Number(v.value));
  if (v.kind === 'unknown') return v;
  return raise('ValueError', `could not convert ${repr(v)} to float`);
}

function rangeOf(args: Value[], site: CallSite): Value {
  if (args.some((a) => a.kind === 'unknown')) return args.find((a) => a.kind === 'unknown')!;
  const n = args.map((a) =>
    isNumber(a) ? numberOf(a) : raise('TypeError', `range() needs ints, got ${typeName(a)}`, site.range),
  );
  const [start, stop, step] = n.length === 1 ? [0, n[0], 1] : [n[0], n[1], n[2] ?? 1];
  if (step === 0) raise('ValueError', 'range() arg 3 must not be zero', site.range);
  const count = Math.max(0, Math.ceil((stop - start) / step));
  if (count > MAX_RANGE) raise('MemoryError', `range of ${count} items is too large to analyse`, site.range);
  const out: Value[] = [];
  for (let i = 0; i < count; i++) out.push(int(start + i * step));
  return list(out);
}

function zipOf(seqs: Value[][]): Value & { kind: 'list' } {
  const n = seqs.length ? Math.min(...seqs.map((s) => s.length)) : 0;
  const out: Value[] = [];
  for (let i = 0; i < n; i++) out.push(tuple(seqs.map((s) => s[i])));
  return list(out);
}

function addNumbers(a: Value, b: Value, site: CallSite): Value {
  if (isNumber(a) && isNumber(b))
    return a.kind === 'float' || b.kind === 'float' ? float(numberOf(a) + numberOf(b)) : int(numberOf(a) + numberOf(b));
  if (a.kind === 'unknown') return a;
  if (b.kind === 'unknown') return b;
  if (a.kind === 'list' && b.kind === 'list') return list([...a.items, ...b.items]);
  return raise('TypeError', `sum() cannot add ${typeName(a)} and ${typeName(b)}`, site.range);
}

function sortValues(vs: Value[], kwargs: Map<string, Value>, host: BuiltinHost, site: CallSite): Value[] {
  const key = kwargs.get('key');
  const keyed = vs.map((v) => ({ v, k: key && key.kind !== 'none' ? host.callValue(key, [v], new Map(), site) : v }));
  keyed.sort((a, b) => (compare('<', a.k, b.k) ? -1 : compare('>', a.k, b.k) ? 1 : 0));
  if (kwargs.get('reverse') && truthy(kwargs.get('reverse')!)) keyed.reverse();
  return keyed.map((x) => x.v);
}

function extreme(args: Value[], kwargs: Map<string, Value>, host: BuiltinHost, site: CallSite, sign: 1 | -1): Value {
  const vs = args.length === 1 ? (host.iterateValue(args[0], site) ?? [args[0]]) : args;
  if (vs.length === 0)
    return kwargs.get('default') ?? raise('ValueError', 'max()/min() of an empty sequence', site.range);
  const unknownArg = vs.find((v) => v.kind === 'unknown' || v.kind === 'tensor');
  if (unknownArg)
    return unknownArg.kind === 'unknown' ? unknownArg : unknown('max/min over tensors is not modelled', site.range);
  const sorted = sortValues(vs, new Map(kwargs.get('key') ? [['key', kwargs.get('key')!]] : []), host, site);
  return sign === 1 ? sorted[sorted.length - 1] : sorted[0];
}

function roundOf(v: Value, nd: Value | undefined): Value {
  if (!isNumber(v)) return v;
  const x = numberOf(v);
  if (nd && nd.kind !== 'none') {
    const f = 10 ** numberOf(nd as never);
    return float(Math.round(x * f) / f);
  }
  const r = Math.round(x);
  return int(Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r); // banker's rounding, as Python 3
}

function isInstance(v: Value, t: Value): boolean {
  if (t.kind === 'tuple') return t.items.some((x) => isInstance(v, x));
  if (t.kind !== 'class') return false;
  const kindOf: Record<string, string[]> = {
    int: ['int', 'bool'],
    float: ['float'],
    str: ['str'],
    bool: ['bool'],
    list: ['list'],
    tuple: ['tuple'],
    dict: ['dict'],
    NoneType: ['none'],
  };
  const abstract = abstractInstance(v, t);
  if (abstract !== undefined) return abstract;
  if (t.builtin === 'object' && kindOf[t.name]) return kindOf[t.name].includes(v.kind);
  if (t === OBJECT_CLASS) return true;
  if (v.kind === 'module' || v.kind === 'instance') return isSubclass(v.cls, t);
  if (v.kind === 'tensor') return t.name === 'Tensor' || (t.name === 'Parameter' && !!v.isParam);
  return false;
}

function tryGet(host: BuiltinHost, o: Value, n: Value, site: CallSite): Value | undefined {
  if (n.kind !== 'str') return undefined;
  try {
    const v = host.getAttr(o, n.value, site);
    return v.kind === 'unknown' && o.kind !== 'unknown' ? undefined : v;
  } catch {
    return undefined;
  }
}

export { TRUE };
