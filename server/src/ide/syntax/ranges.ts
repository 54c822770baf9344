// Range helpers the features share: line overlap (actions apply to the whole line the cursor is on),
// empty ranges at an offset, a node's first line, and the findings an action fixes.
import type { Range } from '../../core/parse/syntax';
import type { FindingItem } from '../items';
import { lineText, positionAt, type Source } from '../sources';

/** Whether two ranges share a line (actions are offered for the whole line the cursor is on). */
export function overlaps(a: Range, b: Range): boolean {
  return a.start.line <= b.end.line && b.start.line <= a.end.line;
}

/** The empty range at a source offset. */
export function pointAt(source: Source, offset: number): Range {
  const p = positionAt(source, offset);
  return { start: p, end: p };
}

/** From the start of `range` to the end of its first line (where a multi-line construct is flagged). */
export function firstLineOf(source: Source, range: Range): Range {
  const end =
    range.start.line === range.end.line
      ? range.end
      : { line: range.start.line, character: lineText(source, range.start.line).length };
  return { start: range.start, end };
}

/** The findings with `code` that start where `range` starts. */
export function findingsAt(findings: FindingItem[], code: string, range: Range): FindingItem[] {
  return findings.filter(
    (f) =>
      f.code === code && f.range.start.line === range.start.line && f.range.start.character === range.start.character,
  );
}
