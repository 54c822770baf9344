// A plain-JavaScript mirror of a tree-sitter tree: the interpreter walks these objects many
// times (loops, calls), and reading plain objects is far cheaper than crossing into wasm per node.
import type { Node as TsNode, TreeCursor } from 'web-tree-sitter';

/** A 0-based line/character position, as LSP uses. */
export interface Position { line: number; character: number }
/** A half-open source range, as LSP uses. */
export interface Range { start: Position; end: Position }

/** One syntax node: its type, named children, the field each child sits in, and leaf text. */
export interface SyntaxNode {
  type: string;
  range: Range;
  startIndex: number;
  endIndex: number;
  children: SyntaxNode[];
  /** Field name of each child, parallel to `children` (null where the child has none). */
  fields: (string | null)[];
  /** Source text of the node; kept for leaves and small nodes the interpreter reads as text. */
  text: string;
  hasError: boolean;
  isMissing: boolean;
}

/** The first child in field `name`, or undefined. */
export function field(node: SyntaxNode, name: string): SyntaxNode | undefined {
  const i = node.fields.indexOf(name);
  return i >= 0 ? node.children[i] : undefined;
}

/** Every child in field `name`, in order. */
export function fieldAll(node: SyntaxNode, name: string): SyntaxNode[] {
  return node.children.filter((_, i) => node.fields[i] === name);
}

/** Converts a tree-sitter node (and everything below it) into plain SyntaxNode objects. */
export function mirrorTree(root: TsNode, source: string): SyntaxNode {
  const cursor = root.walk();
  try {
    return mirrorAt(cursor, source);
  } finally {
    cursor.delete();
  }
}

function mirrorAt(cursor: TreeCursor, source: string): SyntaxNode {
  const start = cursor.startPosition;
  const end = cursor.endPosition;
  const startIndex = cursor.startIndex;
  const endIndex = cursor.endIndex;
  const node: SyntaxNode = {
    type: cursor.nodeType,
    range: { start: { line: start.row, character: start.column }, end: { line: end.row, character: end.column } },
    startIndex,
    endIndex,
    children: [],
    fields: [],
    text: '',
    hasError: cursor.nodeType === 'ERROR',
    isMissing: cursor.nodeIsMissing,
  };
  if (cursor.gotoFirstChild()) {
    do {
      if (!cursor.nodeIsNamed && !isOperatorToken(cursor.nodeType) && !cursor.nodeIsMissing) continue;
      const fieldName = cursor.currentFieldName;
      const child = mirrorAt(cursor, source);
      if (child.hasError || child.isMissing) node.hasError = true;
      node.children.push(child);
      node.fields.push(fieldName);
    } while (cursor.gotoNextSibling());
    cursor.gotoParent();
  }
  node.text = sliceText(source, startIndex, endIndex, node.children.length === 0 || node.type === 'string_content');
  return node;
}

/**
 * Anonymous tokens the interpreter needs (operators in binary/unary/comparison nodes); other
 * punctuation is dropped to keep the mirror small.
 */
function isOperatorToken(type: string): boolean {
  return OPERATOR_TOKENS.has(type);
}

const OPERATOR_TOKENS = new Set([
  '+', '-', '*', '/', '//', '%', '**', '@', '<<', '>>', '&', '|', '^', '~',
  '<', '>', '<=', '>=', '==', '!=', 'in', 'not', 'is', 'and', 'or', 'not in', 'is not', ':',
  '+=', '-=', '*=', '/=', '//=', '%=', '**=', '@=', '&=', '|=', '^=', '>>=', '<<=',
  '=', '===', '!==', '&&', '||', '??', '...', '!', 'async', 'await', 'const', 'let', 'var', 'new',
]);

const MAX_KEPT_TEXT = 200;

/**
 * web-tree-sitter parses a JavaScript string as UTF-16, so its indexes and columns are UTF-16 code
 * units: the same units as JavaScript string indexes and LSP character positions. The mirror keeps
 * text only for leaves (and string contents) and short nodes.
 */
function sliceText(source: string, start: number, end: number, isLeaf: boolean): string {
  if (!isLeaf && end - start > MAX_KEPT_TEXT) return '';
  return source.slice(start, end);
}
