// Standard-library modules model code imports (math, collections, functools, copy, typing,
// itertools) and the methods of plain values (list.append, dict.items, str.format).
import {
  type Value,
  type NamespaceV,
  type ClassV,
  type CallSite,
  type DictV,
  NONE,
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
  hashKey,
} from './values';
import { raise } from './errors';
import { display, equals, normalizeIndex } from './operators';
import { dictOf } from './builtins';
import type { BuiltinHost } from './hooks';
import { abcModule, COLLECTIONS_ABC, dataclassesModule, enumModule, inspectModule, typingModule } from './pythonTypes';

/** Builds a namespace value from a record of members. */
export function namespace(name: string, attrs: Record<string, Value>): NamespaceV {
  return { kind: 'namespace', name, attrs: new Map(Object.entries(attrs)) };
}

const num = (v: Value | undefined): number =>
  v && isNumber(v) ? numberOf(v) : raise('TypeError', `expected a number, got ${v ? display(v) : 'nothing'}`);

function mathFn(f: (x: number, y?: number) => number, integral = false) {
  return builtin('math', ([a, b]) => {
    if (a?.kind === 'unknown') return a;
    const r = f(num(a), b === undefined ? undefined : num(b));
    return integral ? int(r) : float(r);
  });
}

/** The `math` module. */
export function mathModule(): NamespaceV {
  return namespace('math', {
    pi: float(Math.PI),
    e: float(Math.E),
    inf: float(Infinity),
    tau: float(2 * Math.PI),
    sqrt: mathFn(Math.sqrt),
    exp: mathFn(Math.exp),
    log: mathFn((x, b) => (b ? Math.log(x) / Math.log(b) : Math.log(x))),
    log2: mathFn(Math.log2),
    log10: mathFn(Math.log10),
    ceil: mathFn(Math.ceil, true),
    floor: mathFn(Math.floor, true),
    trunc: mathFn(Math.trunc, true),
    sin: mathFn(Math.sin),
    cos: mathFn(Math.cos),
    tan: mathFn(Math.tan),
    atan: mathFn(Math.atan),
    tanh: mathFn(Math.tanh),
    pow: mathFn((x, y) => x ** (y ?? 1)),
    fabs: mathFn(Math.abs),
    radians: mathFn((x) => (x * Math.PI) / 180),
    degrees: mathFn((x) => (x * 180) / Math.PI),
    gcd: mathFn((x, y) => gcd(x, y ?? 0), true),
    isqrt: mathFn((x) => Math.floor(Math.sqrt(x)), true),
    prod: builtin('prod', ([v]) =>
      v.kind === 'list' || v.kind === 'tuple' ? int(v.items.reduce((a, x) => a * num(x), 1)) : v,
    ),
    isclose: builtin('isclose', ([a, b]) => bool(Math.abs(num(a) - num(b)) < 1e-9)),
  });
}

function gcd(a: number, b: number): number {
  return b === 0 ? Math.abs(a) : gcd(b, a % b);
}

/** `collections`, `functools`, `copy`, `typing`, `itertools`, `warnings`, `os` as far as model code needs them. */
export function stdlibModules(host: BuiltinHost): Record<string, NamespaceV> {
  const items = (v: Value, site: CallSite) =>
    host.iterateValue(v, site) ?? raise('TypeError', 'not iterable', site.range);
  const partial = partialClass(host);
  const orderedDict = builtin('OrderedDict', ([v], k, site) => dictOf(v, k, items, site));
  const defaultDict = builtin('defaultdict', () => ({ kind: 'dict', entries: new Map() }) as DictV);
  const typing = typingModule();
  // typing.OrderedDict and typing.DefaultDict are the collections types (`OrderedDict[str, Any]()` builds one).
  typing.attrs.set('OrderedDict', orderedDict);
  typing.attrs.set('DefaultDict', defaultDict);
  return {
    typing,
    'collections.abc': abcModule('collections.abc', COLLECTIONS_ABC),
    numbers: abcModule('numbers', ['Number', 'Integral', 'Real']),
    enum: enumModule(),
    dataclasses: dataclassesModule(host),
    inspect: inspectModule(),
    math: mathModule(),
    collections: namespace('collections', {
      OrderedDict: orderedDict,
      defaultdict: defaultDict,
      namedtuple: builtin('namedtuple', (_a, _k, site) => unknown('namedtuple is not modelled', site.range)),
    }),
    functools: namespace('functools', {
      partial,
      reduce: builtin('reduce', ([f, seq, init], _k, site) => {
        const xs = items(seq, site);
        return (init ? xs : xs.slice(1)).reduce(
          (acc, x) => host.callValue(f, [acc, x], new Map(), site),
          init ?? xs[0],
        );
      }),
      // The wrapper keeps its own body but takes the wrapped function's name, as functools.update_wrapper does.
      wraps: builtin('wraps', ([wrapped]) =>
        builtin('wraps', ([f]) =>
          f?.kind === 'func' && wrapped?.kind === 'func' ? { ...f, name: wrapped.name, wrapped } : f,
        ),
      ),
      lru_cache: builtin('lru_cache', ([f]) => f ?? builtin('lru_cache', ([g]) => g)),
    }),
    copy: namespace('copy', {
      deepcopy: builtin('deepcopy', ([v]) => host.deepCopy(v)),
      copy: builtin('copy', ([v]) => host.deepCopy(v)),
    }),
    itertools: namespace('itertools', {
      chain: builtin('chain', (args, _k, site) => list(args.flatMap((a) => items(a, site)))),
      product: builtin('product', (args, _k, site) => list(product(args.map((a) => items(a, site))))),
      repeat: builtin('repeat', ([v, n]) => list(Array(n ? num(n) : 1).fill(v))),
    }),
    string: namespace('string', {
      ascii_letters: str('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'),
      ascii_lowercase: str('abcdefghijklmnopqrstuvwxyz'),
      ascii_uppercase: str('ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
      digits: str('0123456789'),
      punctuation: str(PUNCTUATION),
      whitespace: str(' \t\n\r\x0b\x0c'),
      printable: str(`0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ${PUNCTUATION} \t\n\r\x0b\x0c`),
    }),
    warnings: namespace('warnings', {
      warn: builtin('warn', () => NONE),
      filterwarnings: builtin('filterwarnings', () => NONE),
    }),
  };
}

/**
 * `functools.partial` as the class it is: `type(p) == functools.partial` and `p.func`, `p.args`,
 * `p.keywords` work (norm-layer factories are compared this way), and calling it calls `func`.
 */
function partialClass(host: BuiltinHost): ClassV {
  const cls: ClassV = {
    kind: 'class',
    name: 'partial',
    bases: [],
    attrs: new Map(),
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    builtin: 'object',
  };
  cls.attrs.set(
    '__new__',
    builtin('partial', ([f, ...bound], boundKw) => {
      const keywords: DictV = { kind: 'dict', entries: new Map() };
      for (const [k, v] of boundKw) keywords.entries.set(hashKey(str(k)), { key: str(k), value: v });
      return {
        kind: 'instance',
        cls,
        attrs: new Map<string, Value>([
          ['func', f],
          ['args', tuple(bound)],
          ['keywords', keywords],
        ]),
      };
    }),
  );
  cls.attrs.set(
    '__call__',
    builtin('partial.__call__', ([self, ...args], kwargs, site) => {
      const attrs = (self as { attrs: Map<string, Value> }).attrs;
      const bound = (attrs.get('args') as { items: Value[] }).items;
      const keywords = new Map<string, Value>();
      for (const { key, value } of (attrs.get('keywords') as DictV).entries.values())
        keywords.set((key as { value: string }).value, value);
      for (const [k, v] of kwargs) keywords.set(k, v);
      return host.callValue(attrs.get('func')!, [...bound, ...args], keywords, site);
    }),
  );
  return cls;
}

const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

function product(seqs: Value[][]): Value[] {
  return seqs.reduce<Value[][]>((acc, seq) => acc.flatMap((prefix) => seq.map((x) => [...prefix, x])), [[]]).map(tuple);
}

/** Methods of plain values (list, tuple, dict, str); undefined when `obj` is not one of them. */
export function plainMethod(obj: Value, name: string, host: BuiltinHost): Value | undefined {
  const m = (fn: (args: Value[], kwargs: Map<string, Value>, site: CallSite) => Value) => builtin(name, fn);
  if (obj.kind === 'list') return listMethod(obj, name, m, host);
  if (obj.kind === 'tuple') return sequenceMethod(obj.items, name, m);
  if (obj.kind === 'dict') return dictMethod(obj, name, m, host);
  if (obj.kind === 'str') return strMethod(obj.value, name, m, host);
  if (isNumber(obj) && name === 'is_integer') return m(() => bool(Number.isInteger(numberOf(obj))));
  return undefined;
}

type MethodMaker = (fn: (args: Value[], kwargs: Map<string, Value>, site: CallSite) => Value) => Value;

function listMethod(obj: Value & { kind: 'list' }, name: string, m: MethodMaker, host: BuiltinHost): Value | undefined {
  const xs = obj.items;
  switch (name) {
    case 'append':
      return m(([v]) => {
        xs.push(v);
        return NONE;
      });
    case 'extend':
      return m(([v], _k, site) => {
        xs.push(...(host.iterateValue(v, site) ?? []));
        return NONE;
      });
    case 'insert':
      return m(([i, v]) => {
        xs.splice(num(i) < 0 ? xs.length + num(i) : num(i), 0, v);
        return NONE;
      });
    case 'pop':
      return m(([i]) =>
        xs.length
          ? xs.splice(i ? normalizeIndex(num(i), xs.length) : xs.length - 1, 1)[0]
          : raise('IndexError', 'pop from empty list'),
      );
    case 'remove':
      return m(([v]) => {
        xs.splice(
          xs.findIndex((x) => equals(x, v)),
          1,
        );
        return NONE;
      });
    case 'reverse':
      return m(() => {
        xs.reverse();
        return NONE;
      });
    case 'copy':
      return m(() => list([...xs]));
    case 'clear':
      return m(() => {
        xs.length = 0;
        return NONE;
      });
    case 'sort':
      return m(() => {
        xs.sort((a, b) => num(a) - num(b));
        return NONE;
      });
  }
  return setMethod(obj, name, m, host) ?? sequenceMethod(xs, name, m);
}

/** Set methods: sets are lists without repeats here (set() and set literals build them). */
function setMethod(obj: Value & { kind: 'list' }, name: string, m: MethodMaker, host: BuiltinHost): Value | undefined {
  const xs = obj.items;
  const items = (v: Value, site: CallSite) => host.iterateValue(v, site) ?? [];
  const has = (vs: Value[], x: Value) => vs.some((y) => equals(x, y));
  switch (name) {
    case 'issubset':
      return m(([other], _k, site) => bool(xs.every((x) => has(items(other, site), x))));
    case 'issuperset':
      return m(([other], _k, site) => bool(items(other, site).every((x) => has(xs, x))));
    case 'union':
      return m((others, _k, site) =>
        list([
          ...xs,
          ...others
            .flatMap((o) => items(o, site))
            .filter((x, i, all) => !has(xs, x) && all.findIndex((y) => equals(x, y)) === i),
        ]),
      );
    case 'intersection':
      return m(([other], _k, site) => list(xs.filter((x) => has(items(other, site), x))));
    case 'difference':
      return m(([other], _k, site) => list(xs.filter((x) => !has(items(other, site), x))));
    case 'add':
      return m(([v]) => {
        if (!has(xs, v)) xs.push(v);
        return NONE;
      });
    case 'discard':
      return m(([v]) => {
        const at = xs.findIndex((x) => equals(x, v));
        if (at >= 0) xs.splice(at, 1);
        return NONE;
      });
  }
  return undefined;
}

function sequenceMethod(xs: Value[], name: string, m: MethodMaker): Value | undefined {
  if (name === 'index') return m(([v]) => int(xs.findIndex((x) => equals(x, v))));
  if (name === 'count') return m(([v]) => int(xs.filter((x) => equals(x, v)).length));
  return undefined;
}

function dictMethod(d: DictV, name: string, m: MethodMaker, host: BuiltinHost): Value | undefined {
  const entries = () => [...d.entries.values()];
  switch (name) {
    case 'items':
      return m(() => list(entries().map((e) => tuple([e.key, e.value]))));
    case 'keys':
      return m(() => list(entries().map((e) => e.key)));
    case 'values':
      return m(() => list(entries().map((e) => e.value)));
    case 'get':
      return m(([k, dflt]) => d.entries.get(hashKey(k))?.value ?? dflt ?? NONE);
    case 'pop':
      return m(([k, dflt]) => {
        const e = d.entries.get(hashKey(k));
        d.entries.delete(hashKey(k));
        return e?.value ?? dflt ?? raise('KeyError', display(k));
      });
    case 'setdefault':
      return m(([k, v]) => {
        if (!d.entries.has(hashKey(k))) d.entries.set(hashKey(k), { key: k, value: v ?? NONE });
        return d.entries.get(hashKey(k))!.value;
      });
    case 'update':
      return m(([v], k, site) => {
        for (const [h, e] of dictOf(v, k, (x, s) => host.iterateValue(x, s) ?? [], site).entries) d.entries.set(h, e);
        return NONE;
      });
    case 'copy':
      return m(() => ({ kind: 'dict', entries: new Map(d.entries) }));
  }
  return undefined;
}

function strMethod(s: string, name: string, m: MethodMaker, host: BuiltinHost): Value | undefined {
  const text = (v: Value) => (v.kind === 'str' ? v.value : display(v));
  switch (name) {
    case 'format':
      return m((args, kwargs) => str(formatString(s, args, kwargs)));
    case 'join':
      return m(([v], _k, site) => str((host.iterateValue(v, site) ?? []).map(text).join(s)));
    case 'split':
      return m(([sep]) => list((sep && sep.kind === 'str' ? s.split(sep.value) : s.trim().split(/\s+/)).map(str)));
    case 'lower':
      return m(() => str(s.toLowerCase()));
    case 'upper':
      return m(() => str(s.toUpperCase()));
    case 'strip':
      return m(() => str(s.trim()));
    case 'startswith':
      return m(([p]) => bool(s.startsWith(text(p))));
    case 'endswith':
      return m(([p]) => bool(s.endsWith(text(p))));
    case 'replace':
      return m(([a, b]) => str(s.split(text(a)).join(text(b))));
    case 'isdigit':
      return m(() => bool(/^\d+$/.test(s)));
    case 'find':
      return m(([p]) => int(s.indexOf(text(p))));
    case 'rfind':
      return m(([p]) => int(s.lastIndexOf(text(p))));
    case 'count':
      return m(([p]) => int(s.split(text(p)).length - 1));
    case 'lstrip':
      return m(() => str(s.trimStart()));
    case 'rstrip':
      return m(() => str(s.trimEnd()));
    case 'capitalize':
      return m(() => str(s.charAt(0).toUpperCase() + s.slice(1).toLowerCase()));
    case 'title':
      return m(() => str(s.replace(/\b\w/g, (c) => c.toUpperCase())));
    case 'splitlines':
      return m(() => list(s.split(/\r?\n/).map(str)));
    case 'zfill':
      return m(([w]) => str(s.padStart(w && w.kind === 'int' ? w.value : 0, '0')));
  }
  return undefined;
}

function formatString(s: string, args: Value[], kwargs: Map<string, Value>): string {
  let auto = 0;
  return s.replace(/\{([^{}:!]*)(?:![rsa])?(?::[^{}]*)?\}/g, (_m, key: string) => {
    const v = key === '' ? args[auto++] : /^\d+$/.test(key) ? args[Number(key)] : kwargs.get(key);
    return v ? display(v) : '?';
  });
}

export { float };
