// Python operator semantics on plain values: arithmetic, comparison, truthiness, indexing of
// lists/tuples/dicts/strings, and iteration. Tensors are handled by the framework hooks.
import {
  type Value,
  type ListV,
  type TupleV,
  NONE,
  int,
  float,
  str,
  bool,
  list,
  tuple,
  unknown,
  isNumber,
  numberOf,
  isSequence,
  hashKey,
  typeName,
} from './values';
import { raise } from './errors';

/** Python truthiness; Unknown stays undecidable (returns null). */
export function truthy(v: Value): boolean | null {
  switch (v.kind) {
    case 'none':
      return false;
    case 'bool':
      return v.value;
    case 'int':
    case 'float':
      return v.value !== 0;
    case 'str':
      return v.value.length > 0;
    case 'list':
    case 'tuple':
      return v.items.length > 0;
    case 'dict':
      return v.entries.size > 0;
    case 'unknown':
      return null;
    case 'tensor':
      return null;
    default:
      return true;
  }
}

/** Applies a binary arithmetic operator to two plain values, or returns undefined if unsupported. */
export function arithmetic(op: string, a: Value, b: Value): Value | undefined {
  if (isNumber(a) && isNumber(b)) return numeric(op, a, b);
  if (op === '+') return concat(a, b);
  if (op === '*') return repeat(a, b) ?? repeat(b, a);
  if (op === '%' && a.kind === 'str') return str(formatPercent(a.value, b));
  return undefined;
}

function numeric(
  op: string,
  a: Value & { kind: 'int' | 'float' | 'bool' },
  b: Value & { kind: 'int' | 'float' | 'bool' },
): Value {
  const x = numberOf(a);
  const y = numberOf(b);
  const ints = a.kind !== 'float' && b.kind !== 'float';
  const wrap = (n: number) => (ints ? int(n) : float(n));
  switch (op) {
    case '+':
      return wrap(x + y);
    case '-':
      return wrap(x - y);
    case '*':
      return wrap(x * y);
    case '/':
      if (y === 0) raise('ZeroDivisionError', 'division by zero');
      return float(x / y);
    case '//':
      if (y === 0) raise('ZeroDivisionError', 'integer division by zero');
      return wrap(Math.floor(x / y));
    case '%':
      if (y === 0) raise('ZeroDivisionError', 'modulo by zero');
      return wrap(x - y * Math.floor(x / y));
    case '**':
      return ints && y >= 0 ? int(x ** y) : float(x ** y);
    case '<<':
      return int(x * 2 ** y);
    case '>>':
      return int(Math.floor(x / 2 ** y));
    case '&':
      return ints ? int(x & y) : raise('TypeError', 'unsupported operand type(s) for &');
    case '|':
      return ints ? int(x | y) : raise('TypeError', 'unsupported operand type(s) for |');
    case '^':
      return ints ? int(x ^ y) : raise('TypeError', 'unsupported operand type(s) for ^');
    default:
      return raise('TypeError', `unsupported operator ${op}`);
  }
}

function concat(a: Value, b: Value): Value | undefined {
  if (a.kind === 'str' && b.kind === 'str') return str(a.value + b.value);
  if (a.kind === 'list' && b.kind === 'list') return list([...a.items, ...b.items]);
  if (a.kind === 'tuple' && b.kind === 'tuple') return tuple([...a.items, ...b.items]);
  return undefined;
}

function repeat(seq: Value, times: Value): Value | undefined {
  if (times.kind !== 'int' && times.kind !== 'bool') return undefined;
  const n = Math.max(0, numberOf(times));
  if (seq.kind === 'str') return str(seq.value.repeat(n));
  if (!isSequence(seq)) return undefined;
  if (n * seq.items.length > 1_000_000) raise('MemoryError', 'sequence repetition too large to analyse');
  const items: Value[] = [];
  for (let i = 0; i < n; i++) items.push(...seq.items);
  return seq.kind === 'list' ? list(items) : tuple(items);
}

function formatPercent(format: string, arg: Value): string {
  const args = arg.kind === 'tuple' ? arg.items : [arg];
  let i = 0;
  return format.replace(/%[sdifr%]/g, (m) => (m === '%%' ? '%' : display(args[i++] ?? NONE)));
}

/** Python `==` on plain values (structural for containers). */
export function equals(a: Value, b: Value): boolean {
  if (isNumber(a) && isNumber(b)) return numberOf(a) === numberOf(b);
  if (a.kind !== b.kind) return false;
  if (isSequence(a) && isSequence(b)) {
    return a.items.length === b.items.length && a.items.every((x, i) => equals(x, b.items[i]));
  }
  if (a.kind === 'str' || a.kind === 'none') return hashKey(a) === hashKey(b);
  return a === b;
}

/** Python comparison operators; undefined when the operands can't be compared statically. */
export function compare(op: string, a: Value, b: Value): boolean | undefined {
  switch (op) {
    case '==':
      return equals(a, b);
    case '!=':
      return !equals(a, b);
    case 'is':
      return (
        a === b ||
        (a.kind === 'none' && b.kind === 'none') ||
        (a.kind === 'bool' && b.kind === 'bool' && a.value === b.value)
      );
    case 'is not':
      return !compare('is', a, b);
    case 'in':
      return contains(b, a);
    case 'not in': {
      const c = contains(b, a);
      return c === undefined ? undefined : !c;
    }
  }
  const order = ordering(a, b);
  if (order === undefined) return undefined;
  switch (op) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
  }
  return undefined;
}

function ordering(a: Value, b: Value): number | undefined {
  if (isNumber(a) && isNumber(b)) return numberOf(a) - numberOf(b);
  if (a.kind === 'str' && b.kind === 'str') return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  if (isSequence(a) && isSequence(b)) {
    for (let i = 0; i < Math.min(a.items.length, b.items.length); i++) {
      const o = ordering(a.items[i], b.items[i]);
      if (o === undefined || o !== 0) return o;
    }
    return a.items.length - b.items.length;
  }
  return undefined;
}

function contains(container: Value, item: Value): boolean | undefined {
  if (isSequence(container)) return container.items.some((x) => equals(x, item));
  if (container.kind === 'dict') return container.entries.has(hashKey(item));
  if (container.kind === 'str' && item.kind === 'str') return container.value.includes(item.value);
  return undefined;
}

/** The items of an iterable plain value, or undefined if it is not one we can iterate. */
export function iterate(v: Value): Value[] | undefined {
  switch (v.kind) {
    case 'list':
    case 'tuple':
      return v.items;
    case 'str':
      return [...v.value].map(str);
    case 'dict':
      return [...v.entries.values()].map((e) => e.key);
    default:
      return undefined;
  }
}

/** Resolves a possibly negative index against a length, raising IndexError when out of range. */
export function normalizeIndex(i: number, length: number): number {
  const j = i < 0 ? i + length : i;
  if (j < 0 || j >= length) raise('IndexError', `index ${i} out of range for length ${length}`);
  return j;
}

/** Python slice bounds (start, stop, step) over a sequence of `length`. */
export function sliceIndices(start: Value, stop: Value, step: Value, length: number): number[] {
  const st = step.kind === 'none' ? 1 : numberOf(step as never);
  if (st === 0) raise('ValueError', 'slice step cannot be zero');
  const clamp = (v: Value, dflt: number) => {
    if (v.kind === 'none') return dflt;
    let n = numberOf(v as never);
    if (n < 0) n += length;
    return st > 0 ? Math.min(Math.max(n, 0), length) : Math.min(Math.max(n, -1), length - 1);
  };
  const a = clamp(start, st > 0 ? 0 : length - 1);
  const b = clamp(stop, st > 0 ? length : -1);
  const out: number[] = [];
  for (let i = a; st > 0 ? i < b : i > b; i += st) out.push(i);
  return out;
}

/** Indexing of plain sequences, strings and dicts; undefined for other containers. */
export function getItem(container: Value, index: Value): Value | undefined {
  if (container.kind === 'dict') {
    const e = container.entries.get(hashKey(index));
    return e ? e.value : raise('KeyError', display(index));
  }
  if (isSequence(container) || container.kind === 'str') {
    const items: Value[] = container.kind === 'str' ? [...container.value].map(str) : container.items;
    if (index.kind === 'slice') {
      const picked = sliceIndices(index.start, index.stop, index.step, items.length).map((i) => items[i]);
      if (container.kind === 'str') return str(picked.map((p) => (p as { value: string }).value).join(''));
      return container.kind === 'list' ? list(picked) : tuple(picked);
    }
    if (index.kind === 'int' || index.kind === 'bool') return items[normalizeIndex(numberOf(index), items.length)];
  }
  return undefined;
}

/** A value shown the way Python's str() shows it, for messages and string formatting. */
export function display(v: Value): string {
  switch (v.kind) {
    case 'none':
      return 'None';
    case 'bool':
      return v.value ? 'True' : 'False';
    case 'int':
      return String(v.value);
    case 'float':
      return Number.isInteger(v.value) ? `${v.value}.0` : String(v.value);
    case 'str':
      return v.value;
    case 'list':
      return `[${v.items.map(repr).join(', ')}]`;
    case 'tuple':
      return v.items.length === 1 ? `(${repr(v.items[0])},)` : `(${v.items.map(repr).join(', ')})`;
    case 'tensor':
      return v.shape ? `tensor(shape=[${v.shape.join(', ')}])` : 'tensor(?)';
    case 'unknown':
      return '<unknown>';
    default:
      return `<${typeName(v)}>`;
  }
}

/** Python repr() for plain values. */
export function repr(v: Value): string {
  return v.kind === 'str' ? `'${v.value}'` : display(v);
}

/** Builds a list or tuple like `like`. */
export function sameSequence(like: ListV | TupleV, items: Value[]): ListV | TupleV {
  return like.kind === 'list' ? list(items) : tuple(items);
}

/** Unary minus/plus/invert on numbers. */
export function unary(op: string, v: Value): Value | undefined {
  if (!isNumber(v)) return undefined;
  const n = numberOf(v);
  const wrap = (x: number) => (v.kind === 'float' ? float(x) : int(x));
  if (op === '-') return wrap(-n);
  if (op === '+') return wrap(n);
  if (op === '~') return int(~n);
  return undefined;
}

/** Marks a value as undecidable when an operand is Unknown, keeping the first reason. */
export function firstUnknown(...vs: Value[]): Value | undefined {
  return vs.find((v) => v.kind === 'unknown');
}

export { bool, unknown };
