// Shared test set-up: one SourceParser loaded from the built grammars/ folder, and a shortcut
// that analyses a Python source string the way the CLI does.
import { join } from 'node:path';
import { SourceParser } from '../../server/src/core/parse/parser';
import { analyzeSource, type AnalyzeOptions } from '../../server/src/core/analysis/analyzeSource';
import type { FileReport } from '../../server/src/core/report/types';

/** The repository root. */
export const repoRoot = join(__dirname, '..', '..');

let parserPromise: Promise<SourceParser> | undefined;

/** The parser, loaded once per test process from grammars/ (run `npm run build` first). */
export function loadParser(): Promise<SourceParser> {
  parserPromise ??= SourceParser.load(join(repoRoot, 'grammars'));
  return parserPromise;
}

/** Analyses `text` as the file `file` (default `model.py`). */
export async function analyze(text: string, options: Partial<AnalyzeOptions> = {}): Promise<FileReport> {
  const parser = await loadParser();
  return analyzeSource(parser, text, { file: 'model.py', ...options });
}
