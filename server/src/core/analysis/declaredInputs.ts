// Reads `# wattlens:` comments (`// wattlens:` in TypeScript): `input=(1, 3, 224, 224)`, the input
// shapes a file declares for the model defined or built on (or just below) that line (several tensors:
// `input=(1, 10), (1, 12)`); and the sizes a file leaves to its data, stated on the line that computes
// them: `size=120` (a number), `vocab=20000` (a lookup layer's vocabulary), `shape=(2708, 1433)`.

const DIRECTIVE = /(?:#|\/\/)\s*wattlens:\s*input\s*=\s*(.+)$/;
/** Whether a text has any directive at all (a test over the whole text, without splitting it into lines). */
const DECLARES = /(?:#|\/\/)\s*wattlens:\s*input\s*=/;

/** Declared input shapes by 0-based line. */
export function declaredInputs(text: string): Map<number, number[][]> {
  const out = new Map<number, number[][]>();
  // Most files declare nothing; skip splitting a large text into lines for them.
  if (!DECLARES.test(text)) return out;
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const m = DIRECTIVE.exec(line);
    if (!m) return;
    const shapes = parseShapes(m[1]);
    if (shapes) out.set(i, shapes);
  });
  return out;
}

/** Parses "(1, 3, 224, 224)" or "(1,10),(1,12)" or "1,3,224,224" into shapes; undefined if malformed. */
export function parseShapes(spec: string): number[][] | undefined {
  const groups = spec.includes('(') ? [...spec.matchAll(/\(([^()]*)\)/g)].map((g) => g[1]) : [spec];
  const shapes = groups.map((g) =>
    g
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
      .map(Number),
  );
  if (shapes.length === 0 || shapes.some((s) => s.length === 0 || s.some((d) => !Number.isInteger(d) || d <= 0)))
    return undefined;
  return shapes;
}

/** A size a file leaves to its data, stated by a `wattlens:` comment on the line that computes it. */
export interface DeclaredValue {
  /** `size=N`: the unknown number computed on that line (an assignment, or a layer's one unknown argument). */
  size?: number;
  /** `vocab=N`: the vocabulary size of the lookup layer built on that line. */
  vocab?: number;
  /** `shape=(...)`: the unknown array or tensor computed on that line. */
  shape?: number[];
}

const VALUE_DIRECTIVE = /(?:#|\/\/)\s*wattlens:\s*(size|vocab|shape)\s*=\s*(\([^)]*\)|\[[^\]]*\]|\d+)/g;
const DECLARES_VALUE = /(?:#|\/\/)\s*wattlens:\s*(size|vocab|shape)\s*=/;

/** Declared sizes by 0-based line; a comment alone on its line applies to the next line too. */
export function declaredValues(text: string): Map<number, DeclaredValue> {
  const out = new Map<number, DeclaredValue>();
  if (!DECLARES_VALUE.test(text)) return out;
  text.split('\n').forEach((line, i) => {
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
