// A plain-JavaScript mirror of a tree-sitter tree: the interpreter walks these objects many
// times (loops, calls), and reading plain objects is far cheaper than crossing into wasm per node.
import type { Node as TsNode, TreeCursor } from 'web-tree-sitter';

/** A 0-based line/character position, as LSP uses. */
export interface Position {
  line: number;
  character: number;
}
/** A half-open source range, as LSP uses. */
export interface Range {
  start: Position;
  end: Position;
}

/** One syntax node: its type, named children, the field each child sits in, and leaf text. */
export interface SyntaxNode {
  type: string;
  readonly range: Range;
  readonly startIndex: number;
  readonly endIndex: number;
  children: SyntaxNode[];
  /** Field name of each child, parallel to `children` (null where the child has none). */
  fields: (string | null)[];
  /** Source text of the node; kept for leaves and small nodes the interpreter reads as text. */
  text: string;
  hasError: boolean;
  isMissing: boolean;
}

/**
 * How far a top-level statement's subtree has moved since it was mirrored. Every node of the
 * subtree shares one anchor, so the language server moves a reused statement in O(1) instead of
 * visiting its nodes on every keystroke.
 */
export interface Anchor {
  lines: number;
  chars: number;
}

/**
 * A mirrored node. Positions are stored as numbers relative to the anchor; the Range object is
 * built on first use (most nodes' ranges are never read) and rebuilt after the anchor moves, so
 * reports of an earlier version keep the range objects they were given.
 */
class MirrorNode implements SyntaxNode {
  private cachedRange: Range | undefined = undefined;
  private cachedLines = 0;

  constructor(
    public type: string,
    public children: SyntaxNode[],
    public fields: (string | null)[],
    public text: string,
    public hasError: boolean,
    public isMissing: boolean,
    readonly anchor: Anchor,
    private readonly start: number,
    private readonly end: number,
    private readonly startLine: number,
    private readonly startColumn: number,
    private readonly endLine: number,
    private readonly endColumn: number,
  ) {}

  get startIndex(): number {
    return this.start + this.anchor.chars;
  }

  get endIndex(): number {
    return this.end + this.anchor.chars;
  }

  /** The public view, so a dump or a comparison of two mirrors shows positions, not storage. */
  toJSON(): object {
    const { type, range, startIndex, endIndex, children, fields, text, hasError, isMissing } = this;
    return { type, range, startIndex, endIndex, children, fields, text, hasError, isMissing };
  }

  get range(): Range {
    const lines = this.anchor.lines;
    if (this.cachedRange === undefined || this.cachedLines !== lines) {
      this.cachedRange = {
        start: { line: this.startLine + lines, character: this.startColumn },
        end: { line: this.endLine + lines, character: this.endColumn },
      };
      this.cachedLines = lines;
    }
    return this.cachedRange;
  }
}

/**
 * Moves a mirrored subtree by `lines` lines and `chars` characters of offset. Only a subtree that
 * owns its anchor (a top-level statement, as mirrored by `mirrorTree`) can be moved; returns false otherwise.
 */
export function moveMirror(node: SyntaxNode, lines: number, chars: number): boolean {
  if (!(node instanceof MirrorNode) || !ownsAnchor(node)) return false;
  node.anchor.lines += lines;
  node.anchor.chars += chars;
  return true;
}

const anchorOwners = new WeakMap<Anchor, SyntaxNode>();

function ownsAnchor(node: MirrorNode): boolean {
  return anchorOwners.get(node.anchor) === node;
}

/** A plain node built outside a mirror walk (the module node the language server reassembles). */
export function plainNode(
  type: string,
  range: Range,
  startIndex: number,
  endIndex: number,
  children: SyntaxNode[],
  text: string,
  hasError: boolean,
  isMissing: boolean,
): SyntaxNode {
  return { type, range, startIndex, endIndex, children, fields: children.map(() => null), text, hasError, isMissing };
}

/** The first child in field `name`, or undefined. */
export function field(node: SyntaxNode, name: string): SyntaxNode | undefined {
  const index = node.fields.indexOf(name);
  return index >= 0 ? node.children[index] : undefined;
}

/** Every child in field `name`, in order. */
export function fieldAll(node: SyntaxNode, name: string): SyntaxNode[] {
  return node.children.filter((_, i) => node.fields[i] === name);
}

/**
 * Converts a tree-sitter node (and everything below it) into plain SyntaxNode objects. A module's
 * top-level statements (or `root` itself, when it is not a module) each get their own anchor.
 */
export function mirrorTree(root: TsNode, source: string): SyntaxNode {
  const cursor = root.walk();
  const language = root.tree.language;
  try {
    const ctx = { source, lines: lineStarts(source), types: language.types, fields: language.fields };
    if (root.type === 'module') return mirrorAt(cursor, ctx, null);
    const anchor = newAnchor();
    const node = mirrorAt(cursor, ctx, anchor);
    anchorOwners.set(anchor, node);
    return node;
  } finally {
    cursor.delete();
  }
}

/** What every level of the walk needs; names come from the language's tables by id. */
interface MirrorContext {
  source: string;
  lines: number[];
  types: string[];
  fields: (string | null)[];
}

/**
 * Each cursor getter crosses into wasm, so the walk reads as few as it can: ids instead of names,
 * and positions computed from indexes with a line table rather than read per node. A null anchor
 * marks the module node: its own anchor is private and each child starts a new one.
 */
function mirrorAt(cursor: TreeCursor, ctx: MirrorContext, anchor: Anchor | null, depth = 0): SyntaxNode {
  const startIndex = cursor.startIndex;
  const endIndex = cursor.endIndex;
  // Nesting deeper than Python itself accepts is cut off here, so no walk over the tree can overflow the stack.
  const tooDeep = depth > MAX_NESTING;
  const type = tooDeep ? TOO_DEEP : (ctx.types[cursor.nodeTypeId] ?? 'ERROR');
  let hasError = type === 'ERROR' || tooDeep;
  const isMissing = startIndex === endIndex && cursor.nodeIsMissing;
  let children = NO_CHILDREN;
  let fields = NO_FIELDS;
  if (!tooDeep && cursor.gotoFirstChild()) {
    const kids: SyntaxNode[] = [];
    const names: (string | null)[] = [];
    do {
      if (!keptInMirror(ctx.types[cursor.nodeTypeId], cursor.nodeIsNamed, cursor.nodeIsMissing)) continue;
      const fieldName = ctx.fields[cursor.currentFieldId] ?? null;
      const childAnchor = anchor ?? newAnchor();
      const child = mirrorAt(cursor, ctx, childAnchor, depth + 1);
      if (!anchor) anchorOwners.set(childAnchor, child);
      if (child.hasError || child.isMissing) hasError = true;
      kids.push(child);
      names.push(fieldName);
    } while (cursor.gotoNextSibling());
    cursor.gotoParent();
    // Arrays grown by push keep spare capacity; exact-size copies keep a large file's mirror small.
    if (kids.length) {
      children = kids.slice();
      fields = names.slice();
    }
  }
  const text = sliceText(ctx.source, startIndex, endIndex, children.length === 0 || type === 'string_content');
  const start = positionAt(ctx.lines, startIndex);
  const end = positionAt(ctx.lines, endIndex);
  return new MirrorNode(
    type,
    children,
    fields,
    text,
    hasError,
    isMissing,
    anchor ?? newAnchor(),
    startIndex,
    endIndex,
    start.line,
    start.character,
    end.line,
    end.character,
  );
}

/**
 * How deep the mirror follows the tree. CPython refuses source nested past 200 parentheses
 * ("too many nested parentheses"); statements and blocks add a few levels around that.
 */
export const MAX_NESTING = 400;

/** The type of the node that stands for a subtree nested past MAX_NESTING. */
export const TOO_DEEP = 'nesting_too_deep';

function newAnchor(): Anchor {
  return { lines: 0, chars: 0 };
}

/** Shared by every leaf (nothing adds children to a mirror). */
const NO_CHILDREN: SyntaxNode[] = [];
const NO_FIELDS: (string | null)[] = [];

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
 * Whether a child appears in the mirror: named nodes, missing ones, and the anonymous tokens the
 * interpreter needs (operators in binary/unary/comparison nodes); other punctuation is dropped to
 * keep the mirror small.
 */
export function keptInMirror(type: string, named: boolean, missing: boolean): boolean {
  return named || missing || isOperatorToken(type);
}

function isOperatorToken(type: string): boolean {
  return OPERATOR_TOKENS.has(type);
}

const OPERATOR_TOKENS = new Set([
  '+',
  '-',
  '*',
  '/',
  '//',
  '%',
  '**',
  '@',
  '<<',
  '>>',
  '&',
  '|',
  '^',
  '~',
  '<',
  '>',
  '<=',
  '>=',
  '==',
  '!=',
  'in',
  'not',
  'is',
  'and',
  'or',
  'not in',
  'is not',
  ':',
  '+=',
  '-=',
  '*=',
  '/=',
  '//=',
  '%=',
  '**=',
  '@=',
  '&=',
  '|=',
  '^=',
  '>>=',
  '<<=',
  '=',
  '===',
  '!==',
  '&&',
  '||',
  '??',
  '...',
  '!',
  'async',
  'await',
  'const',
  'let',
  'var',
  'new',
]);

const MAX_KEPT_TEXT = 200;

/**
 * web-tree-sitter parses a JavaScript string as UTF-16, so its indexes and columns are UTF-16 code
 * units: the same units as JavaScript string indexes and LSP character positions. The mirror keeps
 * text only for leaves (and string contents) and short nodes.
 */
export function sliceText(source: string, start: number, end: number, isLeaf: boolean): string {
  if (!isLeaf && end - start > MAX_KEPT_TEXT) return '';
  return source.slice(start, end);
}
