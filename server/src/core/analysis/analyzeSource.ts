// Entry point of the analysis core: source text in, a FileReport (models, layers, costs) out.
import type { SourceParser } from '../parse/parser';
import type { FileReport, Precision } from '../report/types';

/** Options for one analysis. */
export interface AnalyzeOptions {
  /** The file name shown in the report (and used to choose the language). */
  file: string;
  /** Input shapes overriding what the file itself builds (`--input`), one per model argument. */
  input?: number[][];
  /** Batch size overriding dimension 0 of every input (`--batch`). */
  batch?: number;
  /** Precision for byte counts. */
  precision?: Precision;
  /** Interpreter step budget and wall-clock limit. */
  maxSteps?: number;
  maxMs?: number;
}

/** Analyses one source text. (Being implemented.) */
export function analyzeSource(_parser: SourceParser, _text: string, options: AnalyzeOptions): FileReport {
  return { file: options.file, models: [], diagnostics: [] };
}
