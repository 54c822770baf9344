// Sources over the size limit are reduced rather than refused: their largest top-level statements
// (generated weight tables, embedded data) and, if still too large, everything past the limit are
// left out, line numbers kept, and the report says so. Top-level statements are found by a small
// scanner (brackets, strings, comments) so that no huge syntax tree is ever built.
import type { Finding } from '../report/types';

/** A top-level statement of the text, by UTF-16 offsets and 0-based first line. */
interface Chunk {
  start: number;
  end: number;
  line: number;
}

/** A statement larger than this is left out of a large file first. */
export const MAX_STATEMENT_CHARS = 256 * 1024;

/** What is analysed in place of a large text, and the finding that explains it. */
export interface ReducedSource {
  /** The kept statements verbatim and every left-out line as an empty line, so positions still match. */
  text: string;
  finding: Finding;
}

const ZERO = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/**
 * How much of a large file is analysed: parsing and mirroring cost grows with the code kept, and
 * 1 MB of dense code is already a few seconds, so a large file keeps less than the limit allows.
 */
export const REDUCED_SOURCE_CHARS = 1024 * 1024;

/**
 * Reduces `text` (over `limitBytes`, the size the message names) to at most `keepChars`: first
 * without statements over MAX_STATEMENT_CHARS, then, if needed, without every statement past that.
 */
export function reduceLargeSource(text: string, limitBytes: number, keepChars = REDUCED_SOURCE_CHARS): ReducedSource {
  const chunks = topLevelChunks(text);
  const huge = new Set(chunks.filter((c) => c.end - c.start > MAX_STATEMENT_CHARS));
  let kept = chunks.filter((c) => !huge.has(c));
  let cutLine: number | undefined;
  if (kept.reduce((n, c) => n + (c.end - c.start), 0) > keepChars) {
    let total = 0;
    const cut = kept.findIndex((c) => (total += c.end - c.start) > keepChars);
    cutLine = kept[cut].line;
    kept = kept.slice(0, cut);
  }
  return { text: rebuild(text, chunks, new Set(kept)), finding: reducedFinding(text, limitBytes, [...huge], cutLine) };
}

function reducedFinding(text: string, maxBytes: number, huge: Chunk[], cutLine: number | undefined): Finding {
  const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
  const parts: string[] = [];
  if (huge.length) {
    const listed = huge
      .slice(0, 3)
      .map((c) => `line ${c.line + 1}, ${mb(c.end - c.start)}`)
      .join('; ');
    parts.push(
      `${huge.length} statement${huge.length === 1 ? '' : 's'} over ${MAX_STATEMENT_CHARS / 1024} KB left out (${listed}${huge.length > 3 ? '; ...' : ''})`,
    );
  }
  if (cutLine !== undefined) parts.push(`everything from line ${cutLine + 1} on left out`);
  const message =
    `file is ${mb(Buffer.byteLength(text, 'utf8'))}, over the ${maxBytes / 1048576} MB limit: ${parts.join(', and ')}; ` +
    'the figures cover the rest (the editor shows model totals only)';
  return { range: ZERO, severity: 'warning', code: 'large-file', message };
}

/** The text with the chunks not in `kept` replaced by their line breaks. */
function rebuild(text: string, chunks: Chunk[], kept: Set<Chunk>): string {
  const out: string[] = [];
  let at = 0;
  for (const c of chunks) {
    out.push(text.slice(at, c.start));
    out.push(kept.has(c) ? text.slice(c.start, c.end) : '\n'.repeat(countLines(text, c.start, c.end)));
    at = c.end;
  }
  out.push(text.slice(at));
  return out.join('');
}

function countLines(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', start); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Lines that continue the statement before them even at column 0. */
const CONTINUATION = /^(else|elif|except|finally)\b/;
const DEFINITION = /^(def|class|async)\b|^@/;

/**
 * Top-level statements: each starts on a line that begins at column 0 outside brackets, strings
 * and continuations, and runs to the next one (decorators stay with their definition, `else:` and
 * friends with their `if`). Lines before the first statement belong to no chunk.
 */
export function topLevelChunks(text: string): Chunk[] {
  const chunks: Chunk[] = [];
  const scan = new Scanner(text);
  let decoratorsOnly = false;
  let line = 0;
  for (let at = 0; at < text.length; line++) {
    const next = text.indexOf('\n', at);
    const end = next < 0 ? text.length : next + 1;
    const head = text.slice(at, Math.min(end, at + 16));
    const starts =
      scan.atTopLevel() &&
      /^[^\s#]/.test(head) &&
      !CONTINUATION.test(head) &&
      !(decoratorsOnly && DEFINITION.test(head));
    if (starts) chunks.push({ start: at, end, line });
    else if (chunks.length) chunks[chunks.length - 1].end = end;
    if (starts || (decoratorsOnly && DEFINITION.test(head))) decoratorsOnly = head.startsWith('@');
    scan.feed(at, end);
    at = end;
  }
  return chunks;
}

/** Tracks bracket depth, open strings and backslash continuations across lines. */
class Scanner {
  private depth = 0;
  private quote: string | null = null;
  private continued = false;

  constructor(private readonly text: string) {}

  /** True when the next line starts outside any bracket, string or continuation. */
  atTopLevel(): boolean {
    return this.depth === 0 && this.quote === null && !this.continued;
  }

  /** Consumes the characters of one line. */
  feed(start: number, end: number): void {
    const t = this.text;
    this.continued = false;
    for (let i = start; i < end; i++) {
      const ch = t[i];
      if (this.quote) {
        if (ch === '\\') i++;
        else if (t.startsWith(this.quote, i)) {
          i += this.quote.length - 1;
          this.quote = null;
        }
        continue;
      }
      if (ch === '#') break;
      if (ch === '"' || ch === "'") this.quote = t.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
      if (this.quote && this.quote.length === 3) i += 2;
      else if (ch === '(' || ch === '[' || ch === '{') this.depth++;
      else if ((ch === ')' || ch === ']' || ch === '}') && this.depth > 0) this.depth--;
      else if (ch === '\\' && (t[i + 1] === '\n' || (t[i + 1] === '\r' && t[i + 2] === '\n'))) this.continued = true;
    }
    // A single-quoted string cannot span lines (without a backslash): an unterminated one ends here.
    if (this.quote && this.quote.length === 1 && !this.continued) this.quote = null;
  }
}
