// Prints where the analysis stands on the public-code corpora (run: npx tsx test/public/measure.ts):
// each published model's verdict as the file is written and with its `supply:` comments applied.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, loadParser, repoRoot } from '../helpers/analyzer';
import { analyzeTypeScript } from '../../server/src/core/analysis/analyzeTfjs';
import { loadModelCatalog } from '../../server/src/core/catalog/modelCatalog';
import type { FileReport } from '../../server/src/core/report/types';
import { judge, publishedModels, withSupplied, type Verdict } from './summaries';
import { tfjsEntryFiles, tfjsExamplesDir } from './tfjsReal';

const catalog = loadModelCatalog(join(repoRoot, 'profiles', 'models'), join(repoRoot, 'profiles', 'datasets.json'));

async function report(
  corpus: string,
  counts: Record<Verdict, number>,
  analyse: (text: string) => Promise<FileReport>,
  files: string[],
  dir: string,
): Promise<void> {
  for (const file of files) {
    const source = readFileSync(join(dir, file), 'utf8');
    const asWritten = await analyse(source);
    const supplied = await analyse(withSupplied(source));
    for (const published of publishedModels(source)) {
      const j = judge(asWritten, published);
      const s = published.needs ? judge(supplied, published) : undefined;
      counts[j.verdict]++;
      console.log(
        `${j.verdict.padEnd(8)} ${corpus} ${file}:${published.name}${published.needs ? ` (needs ${published.needs}; supplied: ${s!.verdict})` : ''}`,
      );
      for (const d of [
        ...j.details,
        ...(s && s.verdict !== 'exact' ? s.details.map((x) => `supplied: ${x}`) : []),
      ].slice(0, 5))
        console.log(`           ${d}`);
    }
  }
}

async function main(): Promise<void> {
  const kerasDir = join(repoRoot, 'test', 'fixtures', 'keras-io');
  const keras: Record<Verdict, number> = { exact: 0, unknown: 0, wrong: 0, missing: 0 };
  const kerasFiles = readdirSync(kerasDir)
    .filter((f) => f.endsWith('.py'))
    .sort();
  await report('keras', keras, (text) => analyze(text, { file: 'model.py', catalog }), kerasFiles, kerasDir);
  const parser = await loadParser();
  const tfjs: Record<Verdict, number> = { exact: 0, unknown: 0, wrong: 0, missing: 0 };
  for (const entry of tfjsEntryFiles())
    await report(
      'tfjs',
      tfjs,
      async (text) => analyzeTypeScript(parser, text, { file: join(tfjsExamplesDir, entry) }),
      [entry],
      tfjsExamplesDir,
    );
  console.log(`keras ${JSON.stringify(keras)}\ntfjs ${JSON.stringify(tfjs)}`);
}

void main();
