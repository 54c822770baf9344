// Reads `# wattlens: input=(1, 3, 224, 224)` comments: the input shapes a file declares for the
// model defined or built on (or just below) that line. Several tensors: `input=(1, 10), (1, 12)`.

const DIRECTIVE = /#\s*wattlens:\s*input\s*=\s*(.+)$/;
/** Whether a text has any directive at all (a test over the whole text, without splitting it into lines). */
const DECLARES = /#\s*wattlens:\s*input\s*=/;

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
