// The JavaScript globals model code leans on: Math, Number, parseInt, String, Array, Object, JSON,
// console, Promise, setTimeout, Error, require, process (whose argv and env are run-time values).
import {
  type JsValue,
  type NativeV,
  type Site,
  JsScope,
  UNDEFINED,
  num,
  str,
  bool,
  arr,
  obj,
  ns,
  native,
  unknown,
  toPrimitive,
  fromPrimitive,
  describe,
} from './values';
import type { TsInterpreter } from './interpreter';
import { promise } from './promises';
import { toJsString } from './expressions';

/** A native with static members. */
function withAttrs(f: NativeV, attrs: [string, JsValue][]): NativeV {
  f.attrs = new Map(attrs);
  return f;
}

/** Numbers of the arguments, or the first Unknown among them. */
function numbers(args: JsValue[]): number[] | JsValue {
  const u = args.find((a) => a.kind === 'unknown');
  if (u) return u;
  return args.map((a) => {
    const p = toPrimitive(a);
    return typeof p === 'object' && p !== null ? NaN : Number(p);
  });
}

/** A native over numbers: Unknown arguments give an Unknown result. */
function numeric(name: string, f: (...xs: number[]) => number): NativeV {
  return native(name, (args) => {
    const xs = numbers(args);
    return Array.isArray(xs) ? num(f(...xs)) : xs;
  });
}

const MATH_FUNCTIONS = [
  'floor',
  'ceil',
  'round',
  'trunc',
  'sqrt',
  'cbrt',
  'abs',
  'sign',
  'exp',
  'expm1',
  'log',
  'log2',
  'log10',
  'log1p',
  'sin',
  'cos',
  'tan',
  'atan',
  'atan2',
  'tanh',
  'pow',
  'max',
  'min',
  'hypot',
  'fround',
] as const;

/** Makes the global scope, parent of the module scope. */
export function createGlobals(ip: TsInterpreter): JsScope {
  const g = new JsScope(null);
  const runtime = (what: string) => (_args: JsValue[], site: Site) =>
    unknown(`${what} is a run-time value`, site.range);
  const math = ns('Math', [
    ...MATH_FUNCTIONS.map((n): [string, JsValue] => [
      n,
      numeric(`Math.${n}`, (Math as unknown as Record<string, (...x: number[]) => number>)[n]),
    ]),
    ['PI', num(Math.PI)],
    ['E', num(Math.E)],
    ['LN2', num(Math.LN2)],
    ['LN10', num(Math.LN10)],
    ['SQRT2', num(Math.SQRT2)],
    ['random', native('Math.random', runtime('Math.random()'))],
  ]);
  const toNumber = native('Number', (args) => {
    const xs = numbers(args.slice(0, 1));
    return Array.isArray(xs) ? num(args.length ? xs[0] : 0) : xs;
  });
  const parseIntF = native('parseInt', ([s, radix]) =>
    s?.kind === 'unknown'
      ? s
      : num(parseInt(String(toPrimitive(s ?? UNDEFINED)), radix?.kind === 'num' ? radix.value : undefined)),
  );
  const parseFloatF = native('parseFloat', ([s]) =>
    s?.kind === 'unknown' ? s : num(parseFloat(String(toPrimitive(s ?? UNDEFINED)))),
  );
  withAttrs(toNumber, [
    [
      'isInteger',
      native('Number.isInteger', ([x]) =>
        x?.kind === 'unknown' ? x : bool(x?.kind === 'num' && Number.isInteger(x.value)),
      ),
    ],
    [
      'isFinite',
      native('Number.isFinite', ([x]) =>
        x?.kind === 'unknown' ? x : bool(x?.kind === 'num' && Number.isFinite(x.value)),
      ),
    ],
    ['parseInt', parseIntF],
    ['parseFloat', parseFloatF],
    ['MAX_SAFE_INTEGER', num(Number.MAX_SAFE_INTEGER)],
    ['EPSILON', num(Number.EPSILON)],
    ['POSITIVE_INFINITY', num(Infinity)],
  ]);
  const arrayF = withAttrs(
    native(
      'Array',
      (args) => makeArray(args),
      (args) => makeArray(args),
    ),
    [
      ['isArray', native('Array.isArray', ([x]) => (x?.kind === 'unknown' ? x : bool(x?.kind === 'array')))],
      ['of', native('Array.of', (args) => arr(args))],
      [
        'from',
        native('Array.from', ([src, fn], site) => {
          let items: JsValue[];
          if (!src || src.kind === 'unknown') return src ?? UNDEFINED;
          if (src.kind === 'array') items = [...src.items];
          else if (src.kind === 'str') items = [...src.value].map(str);
          else if (src.kind === 'object' && src.props.get('length')?.kind === 'num')
            items = Array.from({ length: (src.props.get('length') as { value: number }).value }, () => UNDEFINED);
          else return unknown(`Array.from(${describe(src)}) is not analysed`, site.range);
          return arr(
            fn && fn.kind !== 'undefined'
              ? items.map((x, i) => ip.callValue(fn, [x, num(i)], undefined, site, 'Array.from'))
              : items,
          );
        }),
      ],
    ],
  );
  const objectF = withAttrs(
    native('Object', ([x]) => x ?? obj()),
    [
      [
        'keys',
        native('Object.keys', ([o]) =>
          o?.kind === 'object' ? arr([...o.props.keys()].map(str)) : o?.kind === 'unknown' ? o : arr([]),
        ),
      ],
      [
        'values',
        native('Object.values', ([o]) =>
          o?.kind === 'object' ? arr([...o.props.values()]) : o?.kind === 'unknown' ? o : arr([]),
        ),
      ],
      [
        'entries',
        native('Object.entries', ([o]) =>
          o?.kind === 'object'
            ? arr([...o.props].map(([k, v]) => arr([str(k), v])))
            : o?.kind === 'unknown'
              ? o
              : arr([]),
        ),
      ],
      [
        'assign',
        native('Object.assign', ([target, ...sources]) => {
          if (target?.kind !== 'object') return target ?? UNDEFINED;
          for (const s of sources) if (s.kind === 'object') for (const [k, v] of s.props) target.props.set(k, v);
          return target;
        }),
      ],
      ['freeze', native('Object.freeze', ([o]) => o ?? UNDEFINED)],
    ],
  );
  const errorCtor = (name: string) => {
    const make = ([message]: JsValue[]) =>
      obj([
        ['name', str(name)],
        ['message', message ?? str('')],
      ]);
    return native(name, make, make);
  };
  const defer = native('setTimeout', (args, site) => {
    ip.deferCallbacks(args, site, 'setTimeout');
    return num(0);
  });
  const entries: [string, JsValue][] = [
    ['undefined', UNDEFINED],
    ['NaN', num(NaN)],
    ['Infinity', num(Infinity)],
    ['Math', math],
    ['Number', toNumber],
    ['parseInt', parseIntF],
    ['parseFloat', parseFloatF],
    ['isNaN', numeric('isNaN', (x) => Number(Number.isNaN(x)))],
    [
      'String',
      native('String', ([x]) => {
        const s = toJsString(x ?? str(''));
        return s === null ? unknown(`String(${describe(x!)})`) : str(s);
      }),
    ],
    [
      'Boolean',
      native('Boolean', ([x]) =>
        x?.kind === 'unknown'
          ? x
          : bool(
              !!x &&
                x.kind !== 'undefined' &&
                x.kind !== 'null' &&
                !(x.kind === 'num' && (x.value === 0 || Number.isNaN(x.value))) &&
                !(x.kind === 'str' && x.value === '') &&
                !(x.kind === 'bool' && !x.value),
            ),
      ),
    ],
    ['Array', arrayF],
    ['Object', objectF],
    [
      'JSON',
      ns(
        'JSON',
        [
          [
            'stringify',
            native('JSON.stringify', ([x], site) => {
              const p = toPrimitive(x ?? UNDEFINED);
              return typeof p === 'object' && p !== null
                ? unknown('JSON.stringify of an object', site.range)
                : fromPrimitive(JSON.stringify(p));
            }),
          ],
        ],
        'a run-time value',
      ),
    ],
    [
      'console',
      ns(
        'console',
        ['log', 'info', 'warn', 'error', 'debug', 'table', 'time', 'timeEnd'].map((n): [string, JsValue] => [
          n,
          native(`console.${n}`, () => UNDEFINED),
        ]),
      ),
    ],
    [
      'Promise',
      withAttrs(native('Promise', runtime('new Promise(...)'), runtime('new Promise(...)')), [
        ['resolve', native('Promise.resolve', ([x]) => promise(ip, x ?? UNDEFINED))],
        ['all', native('Promise.all', ([x]) => promise(ip, x ?? arr([])))],
      ]),
    ],
    ['setTimeout', defer],
    ['setInterval', defer],
    ['requestAnimationFrame', defer],
    ['queueMicrotask', defer],
    ['Error', errorCtor('Error')],
    ['TypeError', errorCtor('TypeError')],
    ['RangeError', errorCtor('RangeError')],
    [
      'require',
      native('require', ([src], site) => {
        const name = src?.kind === 'str' ? src.value : null;
        return (
          (name !== null && ip.rt.importModule(name)) ||
          unknown(`require(${name === null ? '...' : `'${name}'`}): that module is not analysed`, site.range)
        );
      }),
    ],
    [
      'process',
      ns(
        'process',
        [
          ['argv', unknown('process.argv holds the command-line arguments, known only when the program runs')],
          ['env', unknown('process.env holds environment variables, known only when the program runs')],
          ['exit', native('process.exit', () => UNDEFINED)],
        ],
        'a run-time value of the Node.js process',
      ),
    ],
    ['globalThis', unknown('globalThis is not modelled')],
  ];
  for (const name of [
    'window',
    'document',
    'navigator',
    'location',
    'localStorage',
    'fetch',
    'alert',
    'performance',
    'Date',
    'Map',
    'Set',
  ]) {
    entries.push([
      name,
      unknown(
        `${name} is a ${['Date', 'Map', 'Set'].includes(name) ? 'built-in the analysis does not model' : 'browser global (a run-time value)'}`,
      ),
    ]);
  }
  for (const [k, v] of entries) g.declare(k, v);
  return g;
}

/** `Array(n)` / `new Array(n)` / `Array(a, b)`. */
function makeArray(args: JsValue[]): JsValue {
  if (args.length === 1 && args[0].kind === 'num') return arr(Array.from({ length: args[0].value }, () => UNDEFINED));
  if (args.length === 1 && args[0].kind === 'unknown') return args[0];
  return arr(args);
}
