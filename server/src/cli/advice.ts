// `wattlens analyze --advice`: a file analysed the way the editor analyses it, and the advice list of
// the ide/ layer for it (the same diagnostics and priced code actions the editor offers).
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { SourceParser } from '../core/parse/parser';
import type { ModelCatalog } from '../core/catalog/modelCatalog';
import type { LoadedProfile } from '../core/energy/types';
import type { Precision } from '../core/report/types';
import { parseNotebook } from '../core/analysis/notebook';
import { analyzeText, notebookTextSource } from '../ide/analysis';
import { textSource, type Source } from '../ide/sources';
import { estimate } from '../ide/view';
import { DEFAULT_SETTINGS, type Settings } from '../ide/settings';
import { adviceItems } from '../ide/advice/list';
import type { AdviceItem } from '../ide/advice/advice';

/** What the advice is computed with: the run's profile and options. */
export interface AdviceOptions {
  profile: LoadedProfile;
  precision: Precision;
  region: string | null;
  pue: number;
  batch: number | null;
  input?: number[][];
  catalog?: ModelCatalog;
}

/** The editor's advice for one file; a file that cannot be read as a source has none. */
export function fileAdvice(parser: SourceParser, path: string, options: AdviceOptions): AdviceItem[] {
  const source = sourceOf(parser, path);
  if (!source) return [];
  const analysis = analyzeText(parser, source, {
    precision: options.precision,
    batch: options.batch,
    input: options.input,
    catalog: options.catalog,
  });
  const settings: Settings = {
    ...DEFAULT_SETTINGS,
    hardware: options.profile.id,
    precision: options.precision,
    precisionSetting: options.precision,
    region: options.region,
    pue: options.pue,
    batchSize: options.batch,
  };
  const view = estimate(analysis, options.profile, settings, options.catalog);
  return adviceItems(view, (s) => syntaxOf(parser, s));
}

function sourceOf(parser: SourceParser, path: string): Source | undefined {
  const ext = extname(path).toLowerCase();
  const text = readFileSync(path, 'utf8');
  if (ext === '.ipynb') {
    const notebook = parseNotebook(text, path);
    return /^(python|ipython)\d*$/.test(notebook.language)
      ? notebookTextSource(parser, path, notebook.cells)
      : undefined;
  }
  if (ext === '.py') return textSource(path, 1, text, 'python');
  return textSource(path, 1, text, /\.(tsx|jsx)$/.test(ext) ? 'tsx' : 'typescript');
}

/** A TypeScript / JavaScript source's tree, for the TF.js actions. */
function syntaxOf(parser: SourceParser, source: Source) {
  const parsed = parser.parse(source.text, source.language);
  try {
    return parsed.root;
  } finally {
    parsed.tree.delete();
  }
}
