// Turns LSP content changes into tree-sitter edits, applying them one by one so each is measured
// against the text it edits. web-tree-sitter counts in UTF-16 code units, as LSP does.
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver';
import type { TextEdit as TreeEdit } from '../core/parse/parser';

/** The edits made by a batch of changes, or `full` when the whole text was replaced. */
export interface AppliedChanges {
  edits: TreeEdit[];
  full: boolean;
}

/** Applies `changes` to `doc` in order (mutating it; `inspect` sees each change first) and returns the matching tree-sitter edits. */
export function applyChanges(
  doc: TextDocument,
  changes: TextDocumentContentChangeEvent[],
  version: number,
  inspect?: (doc: TextDocument, change: TextDocumentContentChangeEvent) => void,
): AppliedChanges {
  const edits: TreeEdit[] = [];
  let full = false;
  for (const change of changes) {
    inspect?.(doc, change);
    if ('range' in change) edits.push(treeEdit(doc, change.range, change.text));
    else full = true;
    TextDocument.update(doc, [change], version);
  }
  return { edits: full ? [] : edits, full };
}

/** The tree-sitter edit for replacing `range` of `doc` (before the change) with `text`. */
export function treeEdit(doc: TextDocument, range: { start: Pos; end: Pos }, text: string): TreeEdit {
  const startIndex = doc.offsetAt(range.start);
  const oldEndIndex = Math.max(startIndex, doc.offsetAt(range.end));
  const start = doc.positionAt(startIndex);
  const end = doc.positionAt(oldEndIndex);
  const startPosition = { row: start.line, column: start.character };
  return {
    startIndex,
    oldEndIndex,
    newEndIndex: startIndex + text.length,
    startPosition,
    oldEndPosition: { row: end.line, column: end.character },
    newEndPosition: endAfter(startPosition, text),
  };
}

interface Pos {
  line: number;
  character: number;
}

/** Where inserted `text` ends when it starts at `start`. */
function endAfter(start: { row: number; column: number }, text: string): { row: number; column: number } {
  const lastBreak = text.lastIndexOf('\n');
  if (lastBreak < 0) return { row: start.row, column: start.column + text.length };
  let rows = 0;
  for (let i = 0; i <= lastBreak; i++) if (text.charCodeAt(i) === 10) rows++;
  return { row: start.row + rows, column: text.length - lastBreak - 1 };
}
