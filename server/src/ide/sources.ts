// What the server analyses: a Source is one Python text built from a text document or from a
// notebook's code cells in order; each Segment says which document owns which lines of it.
import type { Range } from '../core/parse/syntax';
import type { Finding } from '../core/report/types';

/** Lines [firstLine, firstLine + lineCount) of a source belong to document `uri`. */
export interface Segment {
  uri: string;
  firstLine: number;
  lineCount: number;
  /** The owning document's own version (cells have their own). */
  version: number;
  /** For a notebook cell: its 0-based index among all the notebook's cells (cell N + 1 as Jupyter counts them). */
  cell?: number;
}

/** Languages the server analyses: Python (PyTorch, Keras, notebooks) and TypeScript/JavaScript (TF.js). */
export type SourceLanguage = 'python' | 'typescript' | 'tsx';

/** One analysable text. */
export interface Source {
  /** The text document's URI, or the notebook's. */
  key: string;
  /** Bumped on every change to any part of it. */
  version: number;
  text: string;
  segments: Segment[];
  notebook: boolean;
  language: SourceLanguage;
  /** Findings about the source itself, found while building it (a notebook cell that does not parse, magics). */
  findings?: Finding[];
}

/** A range inside one owning document. */
export interface SegmentRange {
  segment: Segment;
  range: Range;
}

/** A source made of a single text document. */
export function textSource(uri: string, version: number, text: string, language: SourceLanguage = 'python'): Source {
  return {
    key: uri,
    version,
    text,
    notebook: false,
    language,
    segments: [{ uri, firstLine: 0, lineCount: Number.MAX_SAFE_INTEGER, version }],
  };
}

/** The segment owning source line `line`, if any. */
export function segmentAt(source: Source, line: number): Segment | undefined {
  return source.segments.find((s) => line >= s.firstLine && line < s.firstLine + s.lineCount);
}

/** The segment for document `uri`, if it is part of this source. */
export function segmentOf(source: Source, uri: string): Segment | undefined {
  return source.segments.find((s) => s.uri === uri);
}

/**
 * Maps a source range into the document that owns its start; a range running past the end of
 * that document is clipped to it. Returns undefined for lines no document owns.
 */
export function toSegmentRange(source: Source, range: Range): SegmentRange | undefined {
  const segment = segmentAt(source, range.start.line);
  if (!segment) return undefined;
  const last = segment.firstLine + segment.lineCount - 1;
  const end =
    range.end.line > last
      ? { line: last - segment.firstLine, character: Number.MAX_SAFE_INTEGER }
      : { line: range.end.line - segment.firstLine, character: range.end.character };
  return {
    segment,
    range: { start: { line: range.start.line - segment.firstLine, character: range.start.character }, end },
  };
}

/** Maps a position inside document `uri` to source coordinates. */
export function fromSegment(source: Source, uri: string, line: number): number | undefined {
  const segment = segmentOf(source, uri);
  return segment ? segment.firstLine + line : undefined;
}

const lineStartCache = new WeakMap<Source, number[]>();

/** Offsets at which each line of the source starts (cached per source). */
export function lineStarts(source: Source): number[] {
  let starts = lineStartCache.get(source);
  if (!starts) {
    starts = [0];
    const text = source.text;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
    lineStartCache.set(source, starts);
  }
  return starts;
}

/** The text of source line `line` without its line break ('' past the end). */
export function lineText(source: Source, line: number): string {
  const starts = lineStarts(source);
  if (line < 0 || line >= starts.length) return '';
  const end = line + 1 < starts.length ? starts[line + 1] - 1 : source.text.length;
  const text = source.text.slice(starts[line], end);
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

/** Number of lines in the source. */
export function lineCount(source: Source): number {
  return lineStarts(source).length;
}

/** The line/character of offset `offset` in the source. */
export function positionAt(source: Source, offset: number): { line: number; character: number } {
  const starts = lineStarts(source);
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: offset - starts[lo] };
}

/**
 * Text from the core about a source, in the user's terms: in a notebook, "line N" of the joined
 * program becomes "cell C, line L" (cells counted from 1 among all cells, as Jupyter shows them).
 */
export function inUserTerms(source: Source, text: string): string {
  if (!source.notebook) return text;
  return text.replace(/\bline (\d+)\b/g, (whole, n: string) => {
    const line = Number(n) - 1;
    const segment = segmentAt(source, line);
    if (!segment) return whole;
    const cell = segment.cell ?? source.segments.indexOf(segment);
    return `cell ${cell + 1}, line ${line - segment.firstLine + 1}`;
  });
}
