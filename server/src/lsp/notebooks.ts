// Notebook sources: the python code cells of a jupyter notebook concatenated in order into one
// text, with each cell's line offset remembered so that results map back to the cell's own URI.
import type { NotebookDocument } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Segment, Source } from './sources';

const CODE_CELL = 2;

/** Builds the analysable source of `notebook` from its python code cells. */
export function notebookSource(notebook: NotebookDocument, cellText: (uri: string) => TextDocument | undefined, version: number): Source {
  const parts: string[] = [];
  const segments: Segment[] = [];
  let line = 0;
  for (const cell of notebook.cells) {
    const doc = cellText(cell.document);
    if (cell.kind !== CODE_CELL || !doc || !isPython(doc.languageId)) continue;
    const text = withFinalNewline(neutraliseMagics(doc.getText()));
    const lineCount = countNewlines(text);
    segments.push({ uri: cell.document, firstLine: line, lineCount, version: doc.version });
    parts.push(text);
    line += lineCount;
  }
  return { key: notebook.uri, version, text: parts.join(''), segments, notebook: true, language: 'python' };
}

function isPython(languageId: string): boolean {
  return languageId === 'python' || languageId === 'ipython' || languageId === '';
}

/**
 * IPython magics (`%timeit`, `%%time`, `!pip install`) are not Python: turn each into a comment of
 * the same length so that columns stay put.
 */
export function neutraliseMagics(text: string): string {
  return text.replace(/^([ \t]*)[%!]/gm, '$1#');
}

function withFinalNewline(text: string): string {
  return text.endsWith('\n') ? text : text + '\n';
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}
