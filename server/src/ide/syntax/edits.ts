// Text edits that keep Python valid: wrapping whole statements in a `with` block (re-indenting
// their lines, never the inside of multi-line strings), inserting lines after a statement, `import torch`.
import type { SyntaxNode } from '../../core/parse/syntax';
import type { EditItem } from '../items';
import { indentOf, indentUnit, linesInsideStrings, startsLine, textOf } from './pySyntax';
import { lineCount, lineText, segmentAt, type Source } from '../sources';

/** Edits wrapping `node` (a statement that starts its line) in `header:`; undefined when it cannot. */
export function wrapInWith(source: Source, root: SyntaxNode, node: SyntaxNode, header: string): EditItem[] | undefined {
  return wrapStatementsInWith(source, root, node, node, [header]);
}

/**
 * Edits wrapping the statements from `first` to `last` (siblings in one block, `first` starting its
 * line) in a `with` block: `header` lines (the last one the `with ...:`) at `first`'s indentation.
 */
export function wrapStatementsInWith(
  source: Source,
  root: SyntaxNode,
  first: SyntaxNode,
  last: SyntaxNode,
  header: string[],
): EditItem[] | undefined {
  if (!startsLine(source, first)) return undefined;
  const from = first.range.start.line;
  const to = last.range.end.line;
  const indent = indentOf(source, from);
  const unit = indent.includes('\t') ? '\t' : indentUnit(source, root);
  const skip = linesInsideStrings(root, from, to);
  const edits: EditItem[] = [
    { range: at(from, 0), newText: `${header.map((h) => `${indent}${h}\n`).join('')}${unit}` },
  ];
  for (let line = from + 1; line <= to; line++) {
    if (skip.has(line) || lineText(source, line).trim() === '') continue;
    edits.push({ range: at(line, 0), newText: unit });
  }
  return edits;
}

/** An edit inserting `lines` (already without indentation) before the statement, at its indentation. */
export function insertBefore(source: Source, statement: SyntaxNode, lines: string[]): EditItem {
  const indent = indentOf(source, statement.range.start.line);
  return {
    range: at(statement.range.start.line, 0),
    newText: lines.map((l) => (l ? `${indent}${l}\n` : '\n')).join(''),
  };
}

/** An edit inserting `lines` (already without indentation) after the statement, at its indentation. */
export function insertAfter(source: Source, statement: SyntaxNode, lines: string[]): EditItem {
  const indent = indentOf(source, statement.range.start.line);
  const body = lines.map((l) => `${indent}${l}`).join('\n');
  const last = statement.range.end.line;
  const next = last + 1;
  if (next < lineCount(source) && segmentAt(source, next) === segmentAt(source, last))
    return { range: at(next, 0), newText: `${body}\n` };
  const end = { line: last, character: lineText(source, last).length };
  return { range: { start: end, end }, newText: `\n${body}` };
}

/** `import torch` before the first module-level import when the file does not bind the name `torch` yet. */
export function torchImport(source: Source, root: SyntaxNode): EditItem | undefined {
  return moduleImport(source, root, 'torch');
}

/** `import <module>` before the first module-level import when the file does not import that module yet. */
export function moduleImport(source: Source, root: SyntaxNode, module: string): EditItem | undefined {
  const imports = root.children.filter((n) => n.type === 'import_statement' || n.type === 'import_from_statement');
  if (imports.some((n) => n.type === 'import_statement' && binds(textOf(source, n), module))) return undefined;
  const first = imports.find((n) => !/^from\s+__future__/.test(textOf(source, n)));
  const afterFuture = imports.filter((n) => /^from\s+__future__/.test(textOf(source, n))).pop();
  const line = first ? first.range.start.line : afterFuture ? afterFuture.range.end.line + 1 : firstCodeLine(source);
  return { range: at(line, 0), newText: `import ${module}\n` };
}

/** Whether `import a, b.c` binds the top-level name of `module` (`import torch.nn` binds `torch`). */
function binds(importText: string, module: string): boolean {
  const top = module.split('.')[0];
  return importText
    .replace(/^import\s+/, '')
    .split(',')
    .some((name) => new RegExp(`^\\s*${top}(\\.\\w+)*\\s*$`).test(name));
}

/** The first line after a shebang or encoding line. */
function firstCodeLine(source: Source): number {
  let line = 0;
  while (line < 2 && /^#(!|.*coding[:=])/.test(lineText(source, line))) line++;
  return line;
}

function at(line: number, character: number): EditItem['range'] {
  return { start: { line, character }, end: { line, character } };
}
