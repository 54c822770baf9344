// Reads `# wattlens:` comments (`// wattlens:` in TypeScript): `input=(1, 3, 224, 224)`, the input
// shapes a file declares for the model defined or built on (or just below) that line (several tensors:
// `input=(1, 10), (1, 12)`); and the sizes a file leaves to its data, stated on the line that computes
// them: `size=120` (a number), `vocab=20000` (a lookup layer's vocabulary), `shape=(2708, 1433)`.
// A dtype after an input shape: `input=(1, 3, 224, 224), (1, 77):int64`; the same grammar serves `--input`.
import type { DType } from '../layers/layerSpec';
import type { Finding } from '../report/types';

/** A tensor dtype an input spec may name. */
export type InputDtype = DType;

const DIRECTIVE = /(?:#|\/\/)\s*wattlens:\s*input\s*=\s*(.+)$/;
/** Whether a text has any directive at all (a test over the whole text, without splitting it into lines). */
const DECLARES = /(?:#|\/\/)\s*wattlens:\s*input\s*=/;

/** Dtype names accepted after a shape, with torch's aliases. */
const DTYPES: Record<string, DType> = {
  float32: 'float32',
  float: 'float32',
  float16: 'float16',
  half: 'float16',
  bfloat16: 'bfloat16',
  float64: 'float64',
  double: 'float64',
  int64: 'int64',
  long: 'int64',
  int32: 'int32',
  int: 'int32',
  uint8: 'uint8',
  bool: 'bool',
};

/** Shapes and dtypes parsed from an input spec, or the reason it is malformed. */
export type InputSpec = { shapes: number[][]; dtypes: (DType | undefined)[]; error?: undefined } | { error: string };

/** Declared input shapes by 0-based line. */
export function declaredInputs(text: string): Map<number, number[][]> {
  const out = new Map<number, number[][]>();
  for (const [line, spec] of declaredSpecs(text)) out.set(line, spec.shapes);
  return out;
}

/** Declared dtypes by 0-based line (only lines whose comment names one). */
export function declaredDtypes(text: string): Map<number, (DType | undefined)[]> {
  const out = new Map<number, (DType | undefined)[]>();
  for (const [line, spec] of declaredSpecs(text)) if (spec.dtypes.some((d) => d)) out.set(line, spec.dtypes);
  return out;
}

/** The well-formed input directives by line, and the malformed ones with their reasons. */
export function declaredSpecs(text: string): Map<number, { shapes: number[][]; dtypes: (DType | undefined)[] }> {
  const out = new Map<number, { shapes: number[][]; dtypes: (DType | undefined)[] }>();
  // Most files declare nothing; skip splitting a large text into lines for them.
  if (!DECLARES.test(text)) return out;
  text.split('\n').forEach((line, i) => {
    const m = DIRECTIVE.exec(line);
    if (!m) return;
    const spec = parseInputSpec(m[1]);
    if (spec.error === undefined) out.set(i, spec);
  });
  return out;
}

/** Malformed `# wattlens: input=` comments: line and reason, so the user sees why one was ignored. */
export function malformedDirectives(text: string): { line: number; reason: string }[] {
  if (!DECLARES.test(text)) return [];
  const out: { line: number; reason: string }[] = [];
  text.split('\n').forEach((line, i) => {
    const m = DIRECTIVE.exec(line);
    if (!m) return;
    const spec = parseInputSpec(m[1]);
    if (spec.error) out.push({ line: i, reason: `# wattlens: input= ignored: ${spec.error}` });
  });
  return out;
}

/** Parses "(1, 3, 224, 224)" or "(1,10),(1,12):int64" or "20,35:int64" into shapes and dtypes. */
export function parseInputSpec(spec: string): InputSpec {
  const text = spec.trim();
  if (!text) return { error: 'an empty shape' };
  const groups = text.includes('(') ? [...text.matchAll(/\(([^()]*)\)\s*(?::\s*([\w]+))?/g)] : null;
  if (
    groups &&
    groups
      .map((g) => g[0])
      .join('')
      .replace(/[\s,]/g, '') !== text.replace(/[\s,]/g, '')
  )
    return { error: `'${text}' is not a list of shapes such as (1,3,224,224),(1,77):int64` };
  const parts = groups ? groups.map((g) => [g[1], g[2]] as const) : [splitDtype(text)];
  const shapes: number[][] = [];
  const dtypes: (DType | undefined)[] = [];
  for (const [dims, dtypeName] of parts) {
    const shape = parseDims(dims);
    if (typeof shape === 'string') return { error: shape };
    let dtype: DType | undefined;
    if (dtypeName !== undefined) {
      dtype = DTYPES[dtypeName.toLowerCase()];
      if (!dtype) return { error: `unknown dtype '${dtypeName}' (known: ${Object.keys(DTYPES).join(', ')})` };
    }
    shapes.push(shape);
    dtypes.push(dtype);
  }
  return shapes.length ? { shapes, dtypes } : { error: 'no shape' };
}

function splitDtype(text: string): readonly [string, string | undefined] {
  const colon = text.lastIndexOf(':');
  return colon < 0 ? [text, undefined] : [text.slice(0, colon), text.slice(colon + 1).trim()];
}

/** "1, 3, 224" → [1, 3, 224]; a reason for an empty dimension, a non-integer or a size below 1. */
function parseDims(dims: string): number[] | string {
  const items = dims.split(',').map((s) => s.trim());
  if (items.length > 1 && items[items.length - 1] === '') items.pop();
  if (items.length === 0 || (items.length === 1 && items[0] === '')) return 'an empty shape';
  const out: number[] = [];
  for (const item of items) {
    if (item === '') return `'${dims.trim()}' has an empty dimension`;
    if (!/^-?\d+$/.test(item)) return `dimension '${item}' is not an integer`;
    const n = Number(item);
    if (n < 1) return `dimension ${n} must be at least 1`;
    out.push(n);
  }
  return out;
}

/** Shapes only (the older entry point); undefined if malformed. */
export function parseShapes(spec: string): number[][] | undefined {
  const parsed = parseInputSpec(spec);
  return parsed.error === undefined ? parsed.shapes : undefined;
}

/** A size a file leaves to its data, stated by a `wattlens:` comment on the line that computes it. */
export interface DeclaredValue {
  /** `size=N`: the unknown number computed on that line (an assignment, or a layer's one unknown argument). */
  size?: number;
  /** `vocab=N`: the vocabulary size of the lookup layer built on that line. */
  vocab?: number;
  /** `shape=(...)`: the unknown array or tensor computed on that line. */
  shape?: number[];
  /** `value=<literal>`: the unknown value computed on that line (command-line arguments, a form's field). */
  value?: StatedLiteral;
}

/** A literal a `value=` comment states: numbers, strings, booleans, null, arrays and objects of them. */
export type StatedLiteral = number | string | boolean | null | StatedLiteral[] | { [key: string]: StatedLiteral };

const LITERAL_DIRECTIVE = /(?:#|\/\/)\s*wattlens:\s*value\s*=\s*(.+)$/;

const VALUE_DIRECTIVE = /(?:#|\/\/)\s*wattlens:\s*(size|vocab|shape)\s*=\s*(\([^)]*\)|\[[^\]]*\]|\d+)/g;
const DECLARES_VALUE = /(?:#|\/\/)\s*wattlens:\s*(size|vocab|shape|value)\s*=/;

/** Declared sizes by 0-based line; a comment alone on its line applies to the next line too. */
export function declaredValues(text: string): Map<number, DeclaredValue> {
  const out = new Map<number, DeclaredValue>();
  if (!DECLARES_VALUE.test(text)) return out;
  text.split('\n').forEach((line, i) => {
    const literal = LITERAL_DIRECTIVE.exec(line);
    const parsed = literal ? parseLiteral(literal[1]) : undefined;
    if (parsed && 'value' in parsed) {
      out.set(i, { ...out.get(i), value: parsed.value });
      if (/^\s*(#|\/\/)/.test(line)) out.set(i + 1, { ...out.get(i + 1), value: parsed.value });
    }
    for (const m of line.matchAll(VALUE_DIRECTIVE)) {
      const value = out.get(i) ?? {};
      if (m[1] === 'shape') {
        const shape = parseShapes(m[2].replace(/^\[|\]$/g, ''))?.[0];
        if (shape) value.shape = shape;
      } else if (Number(m[2]) > 0) value[m[1] as 'size' | 'vocab'] = Number(m[2]);
      out.set(i, value);
      if (/^\s*(#|\/\/)/.test(line)) out.set(i + 1, { ...out.get(i + 1), ...value });
    }
  });
  return out;
}

/** Malformed `value=` comments as warnings at their lines (the Python and the TypeScript analyses both report them). */
export function malformedValueFindings(text: string): Finding[] {
  return malformedValues(text).map((bad) => ({
    range: { start: { line: bad.line, character: 0 }, end: { line: bad.line, character: 0 } },
    severity: 'warning',
    message: bad.reason,
    code: 'directive',
  }));
}

/** Malformed `value=` comments: line and reason, so the user sees why one was ignored. */
export function malformedValues(text: string): { line: number; reason: string }[] {
  if (!DECLARES_VALUE.test(text)) return [];
  const out: { line: number; reason: string }[] = [];
  text.split('\n').forEach((line, i) => {
    const m = LITERAL_DIRECTIVE.exec(line);
    const parsed = m ? parseLiteral(m[1]) : undefined;
    if (parsed && 'error' in parsed) out.push({ line: i, reason: `wattlens: value= ignored: ${parsed.error}` });
  });
  return out;
}

/**
 * Parses a literal as JavaScript or Python writes it: `128`, `'lstm'`, `[128, 64]`,
 * `{modelType: 'lstm', maxLen: 100}` (keys bare or quoted), true/false/null (True/False/None too).
 */
export function parseLiteral(text: string): { value: StatedLiteral } | { error: string } {
  const tokens = text
    .trim()
    .match(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:e[-+]?\d+)?|[A-Za-z_$][\w$]*|[[\]{}(),:]|\S/g);
  if (!tokens) return { error: 'an empty value' };
  let at = 0;
  const fail = (why: string): never => {
    throw new Error(why);
  };
  const expect = (t: string) => (tokens[at] === t ? at++ : fail(`expected '${t}' at '${tokens[at] ?? 'the end'}'`));
  const items = (close: string, item: () => void) => {
    while (tokens[at] !== close) {
      if (at >= tokens.length) fail(`missing '${close}'`);
      item();
      if (tokens[at] === ',') at++;
      else if (tokens[at] !== close) fail(`expected ',' or '${close}' at '${tokens[at] ?? 'the end'}'`);
    }
    at++;
  };
  const value = (): StatedLiteral => {
    const t = tokens[at++];
    if (t === undefined) return fail('a value is missing');
    if (t === '[' || t === '(') {
      const list: StatedLiteral[] = [];
      items(t === '[' ? ']' : ')', () => list.push(value()));
      return list;
    }
    if (t === '{') {
      const o: { [key: string]: StatedLiteral } = {};
      items('}', () => {
        const key = tokens[at++] ?? fail('a key is missing');
        expect(':');
        o[/^['"]/.test(key) ? unquote(key) : key] = value();
      });
      return o;
    }
    if (/^['"]/.test(t)) return unquote(t);
    if (/^-?\d/.test(t)) return Number(t);
    const words: Record<string, StatedLiteral> = {
      true: true,
      false: false,
      null: null,
      True: true,
      False: false,
      None: null,
    };
    if (t in words) return words[t];
    return fail(`'${t}' is not a number, string, array or object`);
  };
  try {
    const v = value();
    if (at < tokens.length) fail(`unexpected '${tokens[at]}' after the value`);
    return { value: v };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function unquote(token: string): string {
  return token.slice(1, -1).replace(/\\(.)/g, '$1');
}
