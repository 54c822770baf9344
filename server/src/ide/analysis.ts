// One source analysed, as the features see it: the core's report, the options it was made with and
// the syntax tree it came from.
import type { SyntaxNode } from '../core/parse/syntax';
import type { FileReport, Precision } from '../core/report/types';
import type { Source } from './sources';

/** What one analysis depends on besides the text. */
export interface AnalysisOptions {
  precision: Precision;
  batch: number | null;
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
