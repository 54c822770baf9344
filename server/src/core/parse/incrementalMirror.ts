// Rebuilds the plain SyntaxNode mirror after an incremental parse by re-mirroring only the
// top-level statements whose text changed; unchanged ones are reused, moved to their new place in O(1).
import type { Tree, Node as TsNode } from 'web-tree-sitter';
import { keptInMirror, mirrorTree, moveMirror, plainNode, sliceText, type SyntaxNode } from './syntax';

/** The previous mirror and the text it was built from. */
export interface PreviousMirror {
  root: SyntaxNode;
  text: string;
}

/** The mirror of `tree` for `text`, reusing the statements of `previous` that did not change. */
export function mirrorIncrementally(tree: Tree, text: string, previous: PreviousMirror | null): SyntaxNode {
  const rootNode = tree.rootNode;
  if (!previous) return mirrorTree(rootNode, text);
  // Error recovery can leave anonymous tokens at the top level; they are kept or dropped as a full
  // mirror would, so half-typed code does not force re-mirroring (and re-warming) the whole file.
  const tops = rootNode.children.filter(
    (child): child is TsNode => !!child && keptInMirror(child.type, child.isNamed, child.isMissing),
  );
  const reusable = indexByText(previous);
  const children = tops.map((child) => (child.isNamed && reuse(child, text, reusable)) || mirrorTree(child, text));
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
  const old = candidates[index];
  // Moving is O(1): the statement's nodes share one anchor. A node without one is re-mirrored.
  if (!moveMirror(old, start.row - old.range.start.line, node.startIndex - old.startIndex)) return undefined;
  candidates.splice(index, 1);
  return old;
}

/** The module node over `children`, as mirrorTree would build it. */
function rootMirror(root: TsNode, text: string, children: SyntaxNode[]): SyntaxNode {
  const { startIndex, endIndex, startPosition: startPoint, endPosition: endPoint } = root;
  const range = {
    start: { line: startPoint.row, character: startPoint.column },
    end: { line: endPoint.row, character: endPoint.column },
  };
  const hasError = root.type === 'ERROR' || children.some((c) => c.hasError || c.isMissing);
  return plainNode(
    root.type,
    range,
    startIndex,
    endIndex,
    children,
    sliceText(text, startIndex, endIndex, children.length === 0),
    hasError,
    root.isMissing,
  );
}
