// Property access for the TypeScript subset: plain objects, arrays (push, map, forEach, concat,
// slice, ...), strings, numbers, functions (call/apply/bind), namespaces, and — through the tf
// runtime — layers, models and symbolic tensors.
import {
  type JsValue,
  type Site,
  type ArrayV,
  UNDEFINED,
  num,
  str,
  bool,
  arr,
  unknown,
  native,
  truthy,
  fromPrimitive,
  toPrimitive,
} from './values';
import { JsError } from './errors';
import type { EvaluatorHost } from './host';

/** A property key from a value (`o[k]`), or null when it is not a primitive. */
export function propertyKey(v: JsValue): string | null {
  switch (v.kind) {
    case 'str':
      return v.value;
    case 'num':
    case 'bool':
      return String(v.value);
    case 'undefined':
      return 'undefined';
    case 'null':
      return 'null';
    default:
      return null;
  }
}

/** `obj.name`. */
export function getMember(ip: EvaluatorHost, obj: JsValue, name: string, site: Site): JsValue {
  switch (obj.kind) {
    case 'unknown':
      return obj;
    case 'undefined':
    case 'null':
      throw new JsError('TypeError', `Cannot read properties of ${obj.kind} (reading '${name}')`, site.range);
    case 'object': {
      if (obj.props.has(name)) return obj.props.get(name)!;
      const getter = obj.getters?.get(name);
      if (getter) return ip.callFunction(getter, [], obj, site);
      if (name === 'hasOwnProperty')
        return native('hasOwnProperty', ([k]) => bool(obj.props.has(propertyKey(k ?? UNDEFINED) ?? '')));
      return UNDEFINED;
    }
    case 'array':
      return arrayMember(ip, obj, name, site);
    case 'str':
      return stringMember(obj.value, name);
    case 'num':
    case 'bool':
      return primitiveMethod(obj.value, name, NUMBER_METHODS);
    case 'fn':
    case 'native':
      return functionMember(ip, obj, name);
    case 'ns': {
      const v = obj.attrs.get(name) ?? obj.resolve?.(name);
      if (v) return v.kind === 'unknown' && !v.range ? { ...v, range: site.range } : v;
      return obj.opaque ? unknown(`${obj.name}.${name}: ${obj.opaque}`, site.range) : UNDEFINED;
    }
    case 'layer':
    case 'model':
    case 'symbolic':
      return ip.rt.member(obj, name, site);
  }
}

/** `obj.name = value`; assignments to values the analysis does not own are ignored. */
export function setMember(_ip: EvaluatorHost, obj: JsValue, name: string, value: JsValue, site: Site): void {
  if (obj.kind === 'undefined' || obj.kind === 'null')
    throw new JsError('TypeError', `Cannot set properties of ${obj.kind} (setting '${name}')`, site.range);
  if (obj.kind === 'object') {
    obj.props.set(name, value);
    obj.ranges.set(name, site.range);
  } else if (obj.kind === 'array' && name === 'length' && value.kind === 'num') obj.items.length = value.value;
}

/** `obj[index]`. */
export function getIndex(ip: EvaluatorHost, obj: JsValue, index: JsValue, site: Site): JsValue {
  if (obj.kind === 'unknown') return obj;
  if (index.kind === 'unknown') return index;
  if (obj.kind === 'array' && index.kind === 'num') return obj.items[index.value] ?? UNDEFINED;
  if (obj.kind === 'str' && index.kind === 'num')
    return obj.value[index.value] === undefined ? UNDEFINED : str(obj.value[index.value]);
  const key = propertyKey(index);
  if (key === null) return unknown(`an index of kind ${index.kind} is not analysed`, site.range);
  return getMember(ip, obj, key, site);
}

/** `obj[index] = value`. */
export function setIndex(ip: EvaluatorHost, obj: JsValue, index: JsValue, value: JsValue, site: Site): void {
  if (obj.kind === 'unknown' || index.kind === 'unknown') return;
  if (obj.kind === 'array' && index.kind === 'num' && Number.isInteger(index.value) && index.value >= 0) {
    while (obj.items.length < index.value) obj.items.push(UNDEFINED);
    obj.items[index.value] = value;
    return;
  }
  const key = propertyKey(index);
  if (key !== null) setMember(ip, obj, key, value, site);
}

function functionMember(ip: EvaluatorHost, fn: JsValue, name: string): JsValue {
  if (fn.kind === 'native' && fn.attrs?.has(name)) return fn.attrs.get(name)!;
  switch (name) {
    case 'name':
      return str(fn.kind === 'fn' || fn.kind === 'native' ? fn.name : '');
    case 'call':
      return native('call', ([self, ...args], site) => ip.callValue(fn, args, self, site, 'call'));
    case 'apply':
      return native('apply', ([self, list], site) =>
        ip.callValue(fn, list?.kind === 'array' ? list.items : [], self, site, 'apply'),
      );
    case 'bind':
      return native('bind', ([self, ...bound]) =>
        native('bound', (args, site) => ip.callValue(fn, [...bound, ...args], self, site, 'bound')),
      );
    default:
      return UNDEFINED;
  }
}

/** A callback's result for item `i` of `a` (map, forEach, filter, ...). */
function each(ip: EvaluatorHost, fn: JsValue, a: ArrayV, site: Site, i: number, extra: JsValue[] = []): JsValue {
  return ip.callValue(fn, [...extra, a.items[i], num(i), a], undefined, site, 'callback');
}

/** Array properties and methods. */
function arrayMember(ip: EvaluatorHost, a: ArrayV, name: string, site: Site): JsValue {
  if (name === 'length') return num(a.items.length);
  if (/^\d+$/.test(name)) return a.items[Number(name)] ?? UNDEFINED;
  const m = (f: (args: JsValue[], site: Site) => JsValue) => native(name, f);
  const n = (v: JsValue | undefined, d: number) => (v && v.kind === 'num' ? v.value : d);
  const withFn = (f: (fn: JsValue, args: JsValue[], s: Site) => JsValue) =>
    m(([fn, ...rest], s) => (fn?.kind === 'unknown' ? fn : f(fn ?? UNDEFINED, rest, s)));
  switch (name) {
    case 'push':
      return m((items) => {
        a.items.push(...items);
        return num(a.items.length);
      });
    case 'pop':
      return m(() => a.items.pop() ?? UNDEFINED);
    case 'shift':
      return m(() => a.items.shift() ?? UNDEFINED);
    case 'unshift':
      return m((items) => {
        a.items.unshift(...items);
        return num(a.items.length);
      });
    case 'map':
      return withFn((fn, _r, s) => arr(a.items.map((_, i) => each(ip, fn, a, s, i))));
    case 'forEach':
      return withFn((fn, _r, s) => {
        for (let i = 0; i < a.items.length; i++) each(ip, fn, a, s, i);
        return UNDEFINED;
      });
    case 'filter':
      return withFn((fn, _r, s) =>
        decideEach(
          a,
          (i) => each(ip, fn, a, s, i),
          (keep) => arr(a.items.filter((_, i) => keep[i])),
        ),
      );
    case 'some':
      return withFn((fn, _r, s) =>
        decideEach(
          a,
          (i) => each(ip, fn, a, s, i),
          (k) => bool(k.some(Boolean)),
        ),
      );
    case 'every':
      return withFn((fn, _r, s) =>
        decideEach(
          a,
          (i) => each(ip, fn, a, s, i),
          (k) => bool(k.every(Boolean)),
        ),
      );
    case 'find':
      return withFn((fn, _r, s) =>
        decideEach(
          a,
          (i) => each(ip, fn, a, s, i),
          (k) => a.items[k.indexOf(true)] ?? UNDEFINED,
        ),
      );
    case 'findIndex':
      return withFn((fn, _r, s) =>
        decideEach(
          a,
          (i) => each(ip, fn, a, s, i),
          (k) => num(k.indexOf(true)),
        ),
      );
    case 'reduce':
      return withFn((fn, rest, s) => {
        let i = 0;
        let acc = rest.length ? rest[0] : a.items[i++];
        if (acc === undefined) throw new JsError('TypeError', 'Reduce of empty array with no initial value', s.range);
        for (; i < a.items.length; i++) acc = ip.callValue(fn, [acc, a.items[i], num(i), a], undefined, s, 'callback');
        return acc;
      });
    case 'concat':
      return m((args) => arr([...a.items, ...args.flatMap((x) => (x.kind === 'array' ? x.items : [x]))]));
    case 'slice':
      return m(([s, e]) => arr(a.items.slice(n(s, 0), e && e.kind !== 'undefined' ? n(e, a.items.length) : undefined)));
    case 'splice':
      return m(([s, c, ...items]) => arr(a.items.splice(n(s, 0), c ? n(c, a.items.length) : a.items.length, ...items)));
    case 'at':
      return m(([i]) => a.items.at(n(i, 0)) ?? UNDEFINED);
    case 'reverse':
      return m(() => {
        a.items.reverse();
        return a;
      });
    case 'fill':
      return m(([v, s, e]) => {
        a.items.fill(v ?? UNDEFINED, n(s, 0), n(e, a.items.length));
        return a;
      });
    case 'flat':
      return m(() => arr(a.items.flatMap((x) => (x.kind === 'array' ? x.items : [x]))));
    case 'indexOf':
    case 'includes':
      return m(([v]) => {
        const p = v ? toPrimitive(v) : undefined;
        const i = a.items.findIndex((x) => x === v || (toPrimitive(x) === p && typeof p !== 'object'));
        return name === 'includes' ? bool(i >= 0) : num(i);
      });
    case 'join':
      return m(([sep]) => {
        const parts = a.items.map((x) => toPrimitive(x));
        if (parts.some((p) => p !== null && typeof p === 'object'))
          return unknown('join of non-primitive items is not analysed', site.range);
        return str(
          parts
            .map((p) => (p === null || p === undefined ? '' : String(p)))
            .join(sep && sep.kind === 'str' ? sep.value : ','),
        );
      });
    case 'keys':
      return m(() => arr(a.items.map((_, i) => num(i))));
    default:
      return UNDEFINED;
  }
}

/** Evaluates a predicate per item; an Unknown verdict makes the whole result Unknown. */
function decideEach(a: ArrayV, test: (i: number) => JsValue, finish: (keep: boolean[]) => JsValue): JsValue {
  const keep: boolean[] = [];
  for (let i = 0; i < a.items.length; i++) {
    const v = test(i);
    const t = truthy(v);
    if (t === null) return v;
    keep.push(t);
  }
  return finish(keep);
}

const STRING_METHODS = new Set([
  'toUpperCase',
  'toLowerCase',
  'trim',
  'trimStart',
  'trimEnd',
  'split',
  'slice',
  'substring',
  'substr',
  'includes',
  'startsWith',
  'endsWith',
  'indexOf',
  'lastIndexOf',
  'replace',
  'replaceAll',
  'repeat',
  'padStart',
  'padEnd',
  'concat',
  'charAt',
  'charCodeAt',
  'at',
  'toString',
]);
const NUMBER_METHODS = new Set(['toFixed', 'toString', 'toPrecision', 'valueOf']);

function stringMember(s: string, name: string): JsValue {
  if (name === 'length') return num(s.length);
  if (/^\d+$/.test(name)) return s[Number(name)] === undefined ? UNDEFINED : str(s[Number(name)]);
  return primitiveMethod(s, name, STRING_METHODS);
}

/** A whitelisted method of a JS primitive, run natively when every argument is a primitive. */
function primitiveMethod(self: string | number | boolean, name: string, allowed: Set<string>): JsValue {
  if (!allowed.has(name)) return UNDEFINED;
  return native(name, (args, site) => {
    const raw = args.map(toPrimitive);
    if (raw.some((p) => p !== null && typeof p === 'object'))
      return unknown(`${name}() with non-primitive arguments is not analysed`, site.range);
    try {
      const out = (Object(self) as Record<string, (...a: unknown[]) => unknown>)[name](...raw);
      return Array.isArray(out) ? arr(out.map(fromPrimitive)) : fromPrimitive(out);
    } catch (e) {
      throw new JsError('RangeError', (e as Error).message, site.range);
    }
  });
}
