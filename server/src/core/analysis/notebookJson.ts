// Reading .ipynb JSON: the notebook's cells (nbformat 4) and, when the JSON is malformed or
// truncated, one clear error saying where it broke (line and column), found by a small scanner.

/** One notebook cell: its position in the notebook, its kind and its source text. */
export interface NotebookCell {
  index: number;
  kind: 'code' | 'markdown' | 'raw' | string;
  source: string;
}

/** A parsed notebook: its cells in order, the kernel language and the format version. */
export interface ParsedNotebook {
  cells: NotebookCell[];
  language: string;
  nbformat: number | null;
}

/** A notebook that cannot be read, with where (1-based line and column) when the JSON itself is broken. */
export class NotebookError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = 'NotebookError';
  }
}

/** Parses .ipynb text; throws NotebookError with a located, one-line reason. */
export function parseNotebook(json: string, file: string): ParsedNotebook {
  let doc: unknown;
  try {
    doc = JSON.parse(json.charCodeAt(0) === 0xfeff ? json.slice(1) : json);
  } catch {
    throw jsonError(json, file);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw new NotebookError(`${file}: not a notebook: the JSON is not an object`);
  const nb = doc as Record<string, unknown>;
  const nbformat = typeof nb.nbformat === 'number' ? nb.nbformat : null;
  if ('worksheets' in nb || (nbformat !== null && nbformat < 4)) {
    throw new NotebookError(
      `${file}: nbformat ${nbformat ?? 3} notebooks are not supported: convert it with 'jupyter nbconvert --to notebook --nbformat 4'`,
    );
  }
  if (!Array.isArray(nb.cells)) throw new NotebookError(`${file}: not an nbformat 4 notebook: it has no "cells" list`);
  const cells = nb.cells.map((c, index) => readCell(c, index, file));
  return { cells, language: kernelLanguage(nb.metadata), nbformat };
}

function readCell(c: unknown, index: number, file: string): NotebookCell {
  if (!c || typeof c !== 'object' || Array.isArray(c))
    throw new NotebookError(`${file}: cell ${index + 1} is not an object`);
  const cell = c as Record<string, unknown>;
  if (typeof cell.cell_type !== 'string') throw new NotebookError(`${file}: cell ${index + 1} has no "cell_type"`);
  const src = cell.source ?? '';
  let source: string;
  if (typeof src === 'string') source = src;
  else if (Array.isArray(src) && src.every((s) => typeof s === 'string')) source = src.join('');
  else
    throw new NotebookError(`${file}: cell ${index + 1} has a "source" that is neither a string nor a list of strings`);
  return { index, kind: cell.cell_type, source };
}

function kernelLanguage(metadata: unknown): string {
  const m = (metadata ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const lang = m.kernelspec?.language ?? m.language_info?.name;
  return typeof lang === 'string' ? lang.toLowerCase() : 'python';
}

/** The NotebookError for text that JSON.parse rejected: where it broke, or that it ends too early. */
function jsonError(text: string, file: string): NotebookError {
  const { offset, expected } = scanJson(text);
  const { line, column } = lineColumn(text, offset);
  if (offset >= text.length) {
    return new NotebookError(
      `${file}: not a valid notebook: the JSON ends at line ${line}, column ${column} before it is complete (the file looks truncated)`,
      line,
      column,
    );
  }
  const found = JSON.stringify(text[offset]);
  return new NotebookError(
    `${file}: not a valid notebook: malformed JSON at line ${line}, column ${column}: expected ${expected}, found ${found}`,
    line,
    column,
  );
}

/** 1-based line and column of a string offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** Scans JSON and returns the offset of the first error and what was expected there. */
export function scanJson(text: string): { offset: number; expected: string } {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i])) i++;
  };
  const fail = (expected: string): never => {
    throw { offset: i, expected };
  };
  const literal = (word: string) => {
    for (const ch of word) {
      if (text[i] !== ch) fail(`'${word}'`);
      i++;
    }
  };
  const string = () => {
    if (text[i] !== '"') fail('a string');
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text[i] < ' ') fail('a closing quote (a raw control character is not allowed in a JSON string)');
      i++;
    }
    if (i >= text.length) fail('a closing quote');
    i++;
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
    if (!m) fail('a value');
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{')
      return container('}', () => {
        string();
        ws();
        if (text[i] !== ':') fail("':'");
        i++;
        value();
      });
    if (ch === '[') return container(']', value);
    if (ch === '"') return string();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    return number();
  };
  const container = (close: string, item: () => void) => {
    i++;
    ws();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      ws();
      item();
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === close) {
        i++;
        return;
      }
      fail(`',' or '${close}'`);
    }
  };
  try {
    value();
    ws();
    if (i < text.length) fail('the end of the file');
  } catch (e) {
    if (typeof e === 'object' && e && 'offset' in e) return e as { offset: number; expected: string };
    if (e instanceof RangeError) return { offset: i, expected: 'less deeply nested JSON' };
    throw e;
  }
  return { offset: text.length, expected: 'valid JSON' };
}
