// One source analysed, as the features see it: the core's report, the options it was made with and
// the syntax tree it came from; and analysing a text or a notebook that way outside the server.
import type { SyntaxNode } from '../core/parse/syntax';
import type { SourceParser } from '../core/parse/parser';
import type { FileReport, Precision } from '../core/report/types';
import type { ModelCatalog } from '../core/catalog/modelCatalog';
import { analyzeSource, analyzeTree, MAX_SOURCE_BYTES } from '../core/analysis/analyzeSource';
import { analyzeTypeScript } from '../core/analysis/analyzeTfjs';
import { inputFindings } from '../core/analysis/findings';
import { joinCells, type NotebookCell } from '../core/analysis/notebook';
import type { Source } from './sources';
import type { InputDtype } from '../core/analysis/declaredInputs';

/** What one analysis depends on besides the text. */
export interface AnalysisOptions {
  precision: Precision;
  batch: number | null;
  /** `wattlens.input`, when set. */
  exampleInput?: { shapes: number[][]; dtypes: (InputDtype | undefined)[] } | null;
}

/** One source analysed: the core's report and the syntax tree it came from (null when refused). */
export interface Analysis {
  source: Source;
  options: AnalysisOptions;
  file: FileReport;
  root: SyntaxNode | null;
  /** Milliseconds spent parsing and analysing. */
  ms: number;
  /** Set when the source was too large and only part of it was analysed: features show totals only. */
  reduced?: boolean;
}

/** What `analyzeText` needs besides the source. */
export interface AnalyzeTextOptions extends AnalysisOptions {
  input?: number[][];
  catalog?: ModelCatalog;
}

/**
 * Analyses a source the way the language server does, keeping the syntax tree the features read:
 * the CLI's `--advice` and the feature tests use it, without a server process.
 */
export function analyzeText(parser: SourceParser, source: Source, options: AnalyzeTextOptions): Analysis {
  const started = performance.now();
  const common = {
    file: source.key,
    precision: options.precision,
    batch: options.batch ?? undefined,
    input: options.input,
    catalog: options.catalog,
  };
  const done = (file: FileReport, root: SyntaxNode | null, reduced?: boolean): Analysis => ({
    source,
    options: { precision: options.precision, batch: options.batch },
    file,
    root,
    ms: performance.now() - started,
    ...(reduced ? { reduced } : {}),
  });
  if (source.language !== 'python')
    return done(analyzeTypeScript(parser, source.text, { ...common, language: source.language }), null);
  const refused = inputFindings(source.text, MAX_SOURCE_BYTES);
  if (refused.length)
    return refused[0].code === 'too-large'
      ? done(analyzeSource(parser, source.text, common), null, true)
      : done({ file: source.key, models: [], diagnostics: refused }, null);
  const parsed = parser.parse(source.text, 'python');
  try {
    const file = analyzeTree(parser, parsed.root, source.text, common);
    if (source.findings) file.diagnostics.unshift(...source.findings);
    return done(file, parsed.root);
  } finally {
    parsed.tree.delete();
  }
}

/**
 * A notebook's code cells as one Source (as the language server builds it from notebook sync):
 * segments carry each cell's index among all the notebook's cells; `uri` names every segment.
 */
export function notebookTextSource(parser: SourceParser, uri: string, cells: NotebookCell[]): Source {
  const joined = joinCells(parser, cells);
  const segments = joined.cells.map((c) => ({
    uri,
    firstLine: c.firstLine,
    lineCount: c.lineCount,
    version: 1,
    cell: c.index,
  }));
  const findings = joined.findings.map((f) => {
    const segment = segments.find((s) => s.cell === f.cell);
    const shift = segment?.firstLine ?? 0;
    const { cell: _cell, ...rest } = f;
    const move = (p: { line: number; character: number }) => ({ line: p.line + shift, character: p.character });
    return { ...rest, range: { start: move(f.range.start), end: move(f.range.end) } };
  });
  return { key: uri, version: 1, text: joined.text, segments, notebook: true, language: 'python', findings };
}
