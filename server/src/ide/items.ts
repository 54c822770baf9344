// Plain results of the features, in source coordinates (0-based lines and UTF-16 characters of the
// analysed text); convert.ts alone turns them into LSP types and maps notebook lines to cells.
import type { Range } from '../core/parse/syntax';

/** An inlay hint at the end of a source line. */
export interface HintItem {
  line: number;
  label: string;
  /** Markdown. */
  tooltip: string;
}

/** A hover: the range it covers and its Markdown. */
export interface HoverItem {
  range: Range;
  markdown: string;
}

/** A code lens: where and its title; `profileModel` makes it run the client's profiling command on that model. */
export interface LensItem {
  range: Range;
  title: string;
  profileModel?: string;
}

/** A diagnostic. */
export interface FindingItem {
  range: Range;
  severity: 'error' | 'warning' | 'information' | 'hint';
  message: string;
  code: string;
}

/** Replace `range` with `newText`. */
export interface EditItem {
  range: Range;
  newText: string;
}

/** A code action with its edit. */
export interface ActionItem {
  title: string;
  kind: 'quickfix' | 'refactor.rewrite';
  edits: EditItem[];
  /** Diagnostics this action fixes. */
  fixes?: FindingItem[];
  preferred?: boolean;
}
