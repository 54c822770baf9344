// Entry point of the analysis core: source text in, a FileReport (models, layers, costs) out.
// Parses, runs the module under the abstract interpreter with torch semantics, then reports.
import type { SourceParser } from '../parse/parser';
import type { SyntaxNode, Range } from '../parse/syntax';
import type { FileReport, Finding, Precision } from '../report/types';
import type { ModelGraph } from '../report/graph';
import type { ModelCatalog } from '../catalog/modelCatalog';
import type { DType } from '../layers/layerSpec';
import type { HfConfigResolver } from '../catalog/hfCache';
import { Session } from './session';
import type { ImportOptions } from '../interpreter/python/imports/sourceModules';
import type { ModuleMemo } from '../frameworks/torch/moduleMemo';
import { syntaxFindings, inputFindings } from './findings';
import { malformedValueFindings } from './declaredInputs';
import { reduceLargeSource, type ReducedSource } from './largeSource';

/** Options for one analysis. */
export interface AnalyzeOptions {
  /** The file name shown in the report (and used to choose the language). */
  file: string;
  /** Input shapes overriding what the file itself builds (`--input`), one per model argument. */
  input?: number[][];
  /** Dtypes of those inputs (`--input 20,35:int64`), undefined where not given. */
  inputDtypes?: (DType | undefined)[];
  /** Batch size overriding dimension 0 of every input (`--batch`). */
  batch?: number;
  /** Precision for byte counts. */
  precision?: Precision;
  /** Interpreter step budget and wall-clock limit. */
  maxSteps?: number;
  maxMs?: number;
  /** Finds config.json files on disk for Hugging Face loads (local folders, the local HF cache); never the network. */
  configResolver?: HfConfigResolver;
  /** The analysed file's folder, for `from_pretrained("./local/dir")`. */
  baseDir?: string;
  /**
   * Where imports of Python source are found: the workspace (the user's own packages) and the
   * Python environment's site-packages. `file` should then be the file's path. Without it, imports
   * resolve to what the analyser models and everything else is opaque.
   */
  imports?: ImportOptions;
  /** Pretrained-checkpoint and dataset catalogs (the caller loads them; without one, hub loads stay unresolved). */
  catalog?: ModelCatalog;
}

/** Python files larger than this are analysed in part (largeSource.ts), with a message; other sources are refused. */
export const MAX_SOURCE_BYTES = 5 * 1024 * 1024;

/** Analyses one Python source text. Never throws for bad input: problems become findings. */
export function analyzeSource(parser: SourceParser, text: string, options: AnalyzeOptions): FileReport {
  const refused = inputFindings(text, MAX_SOURCE_BYTES);
  if (refused[0]?.code === 'too-large')
    return analyzeReduced(parser, reduceLargeSource(text, MAX_SOURCE_BYTES), options);
  if (refused.length) return { file: options.file, models: [], diagnostics: refused };
  const parsed = parser.parse(text, 'python');
  return analyzeTree(parser, parsed.root, text, options);
}

/** Analyses what is left of a large file (see largeSource.ts); its first finding says what was left out. */
function analyzeReduced(parser: SourceParser, reduced: ReducedSource, options: AnalyzeOptions): FileReport {
  const parsed = parser.parse(reduced.text, 'python');
  try {
    const report = analyzeTree(parser, parsed.root, reduced.text, options);
    report.diagnostics.unshift(reduced.finding);
    return report;
  } finally {
    parsed.tree.delete();
  }
}

/**
 * Analyses an already parsed tree (the language server keeps trees for incremental re-parse, and
 * a memo of module calls per document, which gives the same report faster).
 */
export function analyzeTree(
  parser: SourceParser,
  root: SyntaxNode,
  text: string,
  options: AnalyzeOptions,
  memo?: ModuleMemo,
): FileReport {
  return runSession(parser, root, text, options, { memo }).report;
}

/**
 * Analyses one Python source and also returns the dataflow graph of each traced root model (what
 * the profiler synthesises its ONNX graph from). Slower than `analyzeSource`: it keeps every tensor.
 */
export function analyzeWithGraphs(
  parser: SourceParser,
  text: string,
  options: AnalyzeOptions,
): { report: FileReport; graphs: ModelGraph[] } {
  const refused = inputFindings(text, MAX_SOURCE_BYTES);
  if (refused.length) return { report: { file: options.file, models: [], diagnostics: refused }, graphs: [] };
  const parsed = parser.parse(text, 'python');
  try {
    const { report, session } = runSession(parser, parsed.root, text, options, { dataflow: true });
    return { report, graphs: session.graphs(report.models) };
  } finally {
    parsed.tree.delete();
  }
}

function runSession(
  parser: SourceParser,
  root: SyntaxNode,
  text: string,
  options: AnalyzeOptions,
  extra: { memo?: ModuleMemo; dataflow?: boolean },
): { report: FileReport; session: Session } {
  const diagnostics: Finding[] = [...syntaxFindings(root), ...malformedValueFindings(text)];
  const session = new Session(parser, text, { ...options, ...extra });
  session.run(root);
  const models = session.reports(options.precision ?? 'fp32');
  diagnostics.push(...session.findings());
  const trainingRuns = session.trainingRuns(models);
  extra.memo?.detach();
  const report = { file: options.file, models, diagnostics, ...(trainingRuns.length ? { trainingRuns } : {}) };
  return { report, session };
}

export type { Range };
