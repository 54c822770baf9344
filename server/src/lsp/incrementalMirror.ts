// Rebuilds the plain SyntaxNode mirror after an incremental parse by re-mirroring only the
// top-level statements whose text changed; unchanged ones are reused, shifted to their new place.
import type { Tree, Node as TsNode } from 'web-tree-sitter';
import { mirrorTree, type SyntaxNode } from '../core/parse/syntax';

/** The previous mirror and the text it was built from. */
export interface PreviousMirror {
  root: SyntaxNode;
  text: string;
}

/** The mirror of `tree` for `text`, reusing the statements of `previous` that did not change. */
export function mirrorIncrementally(tree: Tree, text: string, previous: PreviousMirror | null): SyntaxNode {
  const rootNode = tree.rootNode;
  if (!previous) return mirrorTree(rootNode, text);
  const tops = rootNode.children;
  if (tops.some((c) => !c || !c.isNamed)) return mirrorTree(rootNode, text);
  const reusable = indexByText(previous);
  const children = tops.map((c) => reuse(c!, text, reusable) ?? mirrorTree(c!, text));
  return rootMirror(rootNode, text, children);
}

function indexByText(previous: PreviousMirror): Map<string, SyntaxNode[]> {
  const map = new Map<string, SyntaxNode[]>();
  for (const node of previous.root.children) {
    if (node.hasError) continue;
    const key = previous.text.slice(node.startIndex, node.endIndex);
    const list = map.get(key);
    if (list) list.push(node);
    else map.set(key, [node]);
  }
  return map;
}

/** The old mirror of a statement with the same text, type and column, moved to the new position. */
function reuse(node: TsNode, text: string, reusable: Map<string, SyntaxNode[]>): SyntaxNode | undefined {
  const candidates = reusable.get(text.slice(node.startIndex, node.endIndex));
  if (!candidates?.length || node.hasError) return undefined;
  const start = node.startPosition;
  const index = candidates.findIndex((old) => old.type === node.type && old.range.start.character === start.column);
  if (index < 0) return undefined;
  const [old] = candidates.splice(index, 1);
  shift(old, start.row - old.range.start.line, node.startIndex - old.startIndex);
  return old;
}

/**
 * Moves a subtree by `lines` lines and `chars` characters of offset, in place. Ranges get new
 * objects (cached reports of the previous version still point at the old ones); when only the
 * offsets move — typing within a line — no range is touched, so a keystroke allocates nothing here.
 */
function shift(node: SyntaxNode, lines: number, chars: number): void {
  if (lines === 0 && chars === 0) return;
  const stack = [node];
  while (stack.length) {
    const n = stack.pop()!;
    n.startIndex += chars;
    n.endIndex += chars;
    if (lines !== 0) n.range = { start: { line: n.range.start.line + lines, character: n.range.start.character }, end: { line: n.range.end.line + lines, character: n.range.end.character } };
    for (const c of n.children) stack.push(c);
  }
}

const MAX_KEPT_TEXT = 200;

/** The module node over `children`, as mirrorTree would build it. */
function rootMirror(root: TsNode, text: string, children: SyntaxNode[]): SyntaxNode {
  const { startIndex, endIndex, startPosition: s, endPosition: e } = root;
  const keepText = children.length === 0 || endIndex - startIndex <= MAX_KEPT_TEXT;
  return {
    type: root.type,
    range: { start: { line: s.row, character: s.column }, end: { line: e.row, character: e.column } },
    startIndex, endIndex, children, fields: children.map(() => null),
    text: keepText ? text.slice(startIndex, endIndex) : '',
    hasError: root.type === 'ERROR' || children.some((c) => c.hasError || c.isMissing),
    isMissing: root.isMissing,
  };
}
