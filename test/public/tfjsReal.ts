// Builds the TF.js example models with real @tensorflow/tfjs (a devDependency the product never
// loads), each in a fresh Node process so tfjs's global layer counters start from zero, and reads
// model.countParams() and every layer's outputShape and countParams(). `--write` rewrites the
// `// summary:` / `// layer:` header lines of the fixtures from these figures; without it, the
// figures are printed.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync, unlinkSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../helpers/analyzer';

/** One `// real:` line: the report name, the expression that builds it, what the code leaves to data. */
export interface RealModel {
  name: string;
  call: string;
  needs: string | null;
}

/** What real tfjs says about one model: its total, and its layers (nested models flattened, inputs left out). */
export interface RealFigures {
  total: number;
  layers: [(number | null)[] | null, number][];
}

const REAL = /^\/\/ real: (\S+) = (.+?)(?: \[needs=(\S+)\])?\s*$/gm;

/** The directory of the TF.js example fixtures. */
export const tfjsExamplesDir = join(repoRoot, 'test', 'fixtures', 'tfjs-examples');

/** Every entry file of the corpus (a file with `// real:` lines), relative to the corpus directory. */
export function tfjsEntryFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(js|ts)$/.test(name) && !name.startsWith('.') && REAL.test(readFileSync(path, 'utf8')))
        out.push(path.slice(tfjsExamplesDir.length + 1));
      REAL.lastIndex = 0;
    }
  };
  walk(tfjsExamplesDir);
  return out;
}

/** The `// real:` lines of a source. */
export function realModels(source: string): RealModel[] {
  return [...source.matchAll(REAL)].map((m) => ({ name: m[1], call: m[2], needs: m[3] ?? null }));
}

/** The child program: stubs the browser and Node globals the examples touch at import, then builds one model. */
const CHILD = `
process.on('unhandledRejection', () => {});
const element = new Proxy(function () {}, { get: (t, k) => (k === 'value' ? '' : element), apply: () => element });
globalThis.document = element;
globalThis.localStorage = { getItem: () => null };
globalThis.module = {};
globalThis.require = { main: undefined };
// Weight values do not matter to the counts, and tfjs's orthogonal initializer (the LSTM default)
// runs a QR decomposition in plain JavaScript that takes close to a minute: it fills zeros here.
const tf = await import('@tensorflow/tfjs');
Object.getPrototypeOf(tf.initializers.orthogonal({})).apply = (shape, dtype) => tf.zeros(shape, dtype);
const probe = await import(process.argv[process.argv.length - 1]);
const model = probe.__wattlensProbe();
// A nested model's layers report the shapes of its own definition, not of where it is applied: their
// shapes are left out (null) and only their parameters compared.
const flat = (m, nested) => m.layers.flatMap((l) => (l.layers ? flat(l, true) : l.getClassName() === 'InputLayer' ? [] : [[nested ? null : l.outputShape, l.countParams()]]));
const layers = flat(model, false);
process.stdout.write(JSON.stringify({ total: model.countParams(), layers }));
`;

/** Builds one model of an entry file with real tfjs. */
export function buildWithTfjs(entry: string, model: RealModel): RealFigures {
  const path = join(tfjsExamplesDir, entry);
  const probe = join(dirname(path), `.probe-${basename(path, '.js').replace(/\.ts$/, '')}.mjs`);
  writeFileSync(probe, `${readFileSync(path, 'utf8')}\nexport const __wattlensProbe = () => (${model.call});\n`);
  try {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', CHILD, pathToFileURL(probe).href],
      {
        encoding: 'utf8',
        cwd: repoRoot,
        timeout: 120_000,
      },
    );
    if (child.status !== 0) throw new Error(`real tfjs failed on ${entry} ${model.name}: ${child.stderr}`);
    return JSON.parse(child.stdout) as RealFigures;
  } finally {
    unlinkSync(probe);
  }
}

/** The header lines that state real tfjs's figures for one model. */
export function headerLines(model: RealModel, figures: RealFigures): string[] {
  const needs = model.needs ? ` needs=${model.needs}` : '';
  return [
    `// summary: ${model.name} total=${figures.total}${needs}`,
    ...figures.layers.map(
      ([shape, params], i) => `// layer: ${model.name} #${i} ${shape ? JSON.stringify(shape) : '-'} ${params}`,
    ),
  ];
}

function main(): void {
  const write = process.argv.includes('--write');
  for (const entry of tfjsEntryFiles()) {
    const path = join(tfjsExamplesDir, entry);
    const source = readFileSync(path, 'utf8');
    const lines = realModels(source).flatMap((m) => headerLines(m, buildWithTfjs(entry, m)));
    if (!write) {
      console.log(`${entry}\n  ${lines.join('\n  ')}`);
      continue;
    }
    const kept = source.split('\n').filter((l) => !/^\/\/ (summary|layer): /.test(l));
    const last = kept.reduce((at, l, i) => (l.startsWith('// real: ') ? i : at), -1);
    kept.splice(last + 1, 0, ...lines);
    writeFileSync(path, kept.join('\n'));
    console.log(`${entry}: ${lines.filter((l) => l.includes('summary')).join('; ')}`);
  }
}

if (process.argv[1]?.endsWith('tfjsReal.ts')) main();
