// Notebook sources: the python code cells of a jupyter notebook joined in order by the core's
// joinCells (magics blanked, a broken cell isolated), each cell's lines mapped back to its own URI.
import type { NotebookDocument } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { SourceParser } from '../core/parse/parser';
import type { Finding } from '../core/report/types';
import { joinCells } from '../core/analysis/notebook';
import type { Segment, Source } from '../ide/sources';

const CODE_CELL = 2;

/** Builds the analysable source of `notebook` from its python code cells. */
export function notebookSource(
  parser: SourceParser,
  notebook: NotebookDocument,
  cellText: (uri: string) => TextDocument | undefined,
  version: number,
): Source {
  // Cells keep their index among all the notebook's cells (markdown included), as Jupyter and VS Code count them.
  const docs = notebook.cells.map((cell, index) => ({ cell, index, doc: cellText(cell.document) }));
  const python = docs.filter(({ cell, doc }) => cell.kind === CODE_CELL && doc && isPython(doc.languageId));
  const joined = joinCells(
    parser,
    python.map(({ doc, index }) => ({ index, kind: 'code', source: doc!.getText() })),
  );
  const byIndex = new Map(python.map((p) => [p.index, p]));
  const segments: Segment[] = joined.cells.map((c) => {
    const { cell, doc } = byIndex.get(c.index)!;
    return { uri: cell.document, firstLine: c.firstLine, lineCount: c.lineCount, version: doc!.version, cell: c.index };
  });
  const findings = joined.findings.map((f) =>
    inSource(
      f,
      segments.find((s) => s.cell === f.cell),
    ),
  );
  return { key: notebook.uri, version, text: joined.text, segments, notebook: true, language: 'python', findings };
}

function isPython(languageId: string): boolean {
  return languageId === 'python' || languageId === 'ipython' || languageId === '';
}

/** A cell-local finding moved to the joined source's lines (the server maps it back to the cell). */
function inSource(f: Finding, segment: Segment | undefined): Finding {
  const shift = segment?.firstLine ?? 0;
  const { cell: _cell, ...rest } = f;
  return {
    ...rest,
    range: {
      start: { line: f.range.start.line + shift, character: f.range.start.character },
      end: { line: f.range.end.line + shift, character: f.range.end.character },
    },
  };
}
