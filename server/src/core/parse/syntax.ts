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
  const language = root.tree.language;
  try {
    return mirrorAt(cursor, { source, lines: lineStarts(source), types: language.types, fields: language.fields });
  } finally {
    cursor.delete();
  }
}

/** What every level of the walk needs; names come from the language's tables by id. */
interface MirrorContext { source: string; lines: number[]; types: string[]; fields: (string | null)[] }

/**
 * Each cursor getter crosses into wasm, so the walk reads as few as it can: ids instead of names,
 * and positions computed from indexes with a line table rather than read per node.
 */
function mirrorAt(cursor: TreeCursor, ctx: MirrorContext): SyntaxNode {
  const startIndex = cursor.startIndex;
  const endIndex = cursor.endIndex;
  const type = ctx.types[cursor.nodeTypeId] ?? 'ERROR';
  const node: SyntaxNode = {
    type,
    range: { start: positionAt(ctx.lines, startIndex), end: positionAt(ctx.lines, endIndex) },
    startIndex,
    endIndex,
    children: [],
    fields: [],
    text: '',
    hasError: type === 'ERROR',
    isMissing: startIndex === endIndex && cursor.nodeIsMissing,
  };
  if (cursor.gotoFirstChild()) {
    do {
      if (!cursor.nodeIsNamed && !isOperatorToken(ctx.types[cursor.nodeTypeId]) && !cursor.nodeIsMissing) continue;
      const fieldName = ctx.fields[cursor.currentFieldId] ?? null;
      const child = mirrorAt(cursor, ctx);
      if (child.hasError || child.isMissing) node.hasError = true;
      node.children.push(child);
      node.fields.push(fieldName);
    } while (cursor.gotoNextSibling());
    cursor.gotoParent();
  }
  node.text = sliceText(ctx.source, startIndex, endIndex, node.children.length === 0 || type === 'string_content');
  return node;
}

let lineCache: { source: string; starts: number[] } | undefined;

/** Offsets where each line starts (cached for the last source: the LSP mirrors many statements of one text). */
function lineStarts(source: string): number[] {
  if (lineCache?.source === source) return lineCache.starts;
  const starts = [0];
  for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  lineCache = { source, starts };
  return starts;
}

/** The line/character of a UTF-16 offset, by binary search over line starts. */
function positionAt(lines: number[], index: number): Position {
  let lo = 0;
  let hi = lines.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lines[mid] <= index) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: index - lines[lo] };
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
