// Small readers over the Python syntax mirror for the language server's own checks: walking with
// ancestors, node text, callee names, statements that own whole lines, and indentation.
import type { SyntaxNode } from '../../core/parse/syntax';
import { field } from '../../core/parse/syntax';
import { lineText, type Source } from '../sources';

/** Visits every node depth-first with its ancestors (outermost first); return false to skip children. */
export function walk(root: SyntaxNode, visit: (node: SyntaxNode, ancestors: SyntaxNode[]) => boolean | void): void {
  const ancestors: SyntaxNode[] = [];
  const step = (node: SyntaxNode): void => {
    if (visit(node, ancestors) === false) return;
    ancestors.push(node);
    for (const child of node.children) step(child);
    ancestors.pop();
  };
  step(root);
}

/** The source text of a node (the mirror keeps text only for small nodes). */
export function textOf(source: Source, node: SyntaxNode): string {
  return source.text.slice(node.startIndex, node.endIndex);
}

/** "nn.Conv2d", "model", "self.conv" for a call node; '' when the callee is not a dotted name. */
export function calleeName(source: Source, call: SyntaxNode): string {
  const fn = field(call, 'function');
  if (!fn || (fn.type !== 'identifier' && fn.type !== 'attribute')) return '';
  return textOf(source, fn).replace(/\s+/g, '');
}

/** Statement kinds that can be moved into a `with` block as they are. */
const SIMPLE_STATEMENTS = new Set(['expression_statement', 'return_statement']);

/** The innermost ancestor that is a whole simple statement inside a block or the module, if any. */
export function enclosingStatement(ancestors: SyntaxNode[], node: SyntaxNode): SyntaxNode | undefined {
  const chain = [...ancestors, node];
  for (let i = chain.length - 1; i > 0; i--) {
    const parent = chain[i - 1];
    if (parent.type === 'block' || parent.type === 'module')
      return SIMPLE_STATEMENTS.has(chain[i].type) ? chain[i] : undefined;
  }
  return undefined;
}

/** Whether `node` starts its line (only whitespace before it), so its lines can be re-indented. */
export function startsLine(source: Source, node: SyntaxNode): boolean {
  const line = lineText(source, node.range.start.line);
  return line.slice(0, node.range.start.character).trim() === '';
}

/** The leading whitespace of a source line. */
export function indentOf(source: Source, line: number): string {
  return /^[ \t]*/.exec(lineText(source, line))![0];
}

/** One level of indentation as the file writes it (a tab, or its smallest space step; 4 by default). */
export function indentUnit(source: Source, root: SyntaxNode): string {
  let best = '';
  walk(root, (node) => {
    if (best || node.type !== 'block') return;
    const indent = indentOf(source, node.range.start.line);
    if (indent.includes('\t')) best = '\t';
    else if (indent.length > 0) best = ' '.repeat(Math.min(indent.length, 8));
    return false;
  });
  return best || '    ';
}

/** Lines inside [from, to] that begin inside a multi-line string (their text must not be re-indented). */
export function linesInsideStrings(root: SyntaxNode, from: number, to: number): Set<number> {
  const out = new Set<number>();
  walk(root, (node) => {
    if (node.range.end.line < from || node.range.start.line > to) return false;
    if (node.type === 'string' && node.range.end.line > node.range.start.line) {
      for (let l = node.range.start.line + 1; l <= node.range.end.line; l++) out.add(l);
      return false;
    }
    return true;
  });
  return out;
}

/** Every node of `type`, indexed by its exact range, for repeated lookups. */
export function nodesByRange(root: SyntaxNode, type: string): Map<string, SyntaxNode> {
  const out = new Map<string, SyntaxNode>();
  walk(root, (node) => {
    if (node.type === type) out.set(rangeKey(node.range), node);
  });
  return out;
}

/** A string key for a range. */
export function rangeKey(r: SyntaxNode['range']): string {
  return `${r.start.line}:${r.start.character}:${r.end.line}:${r.end.character}`;
}
