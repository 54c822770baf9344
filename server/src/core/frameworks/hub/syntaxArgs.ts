// Finds the syntax of a call the interpreter is running (by its range) and one of its arguments,
// so that a checkpoint's report can point at the string literal that names it.
import { field, type Range, type SyntaxNode } from '../../parse/syntax';

const contains = (outer: Range, inner: Range): boolean =>
  (outer.start.line < inner.start.line ||
    (outer.start.line === inner.start.line && outer.start.character <= inner.start.character)) &&
  (outer.end.line > inner.end.line ||
    (outer.end.line === inner.end.line && outer.end.character >= inner.end.character));

const same = (a: Range, b: Range): boolean =>
  a.start.line === b.start.line &&
  a.start.character === b.start.character &&
  a.end.line === b.end.line &&
  a.end.character === b.end.character;

/** The innermost node of `type` whose range is exactly `range`, or undefined. */
export function nodeAt(root: SyntaxNode, range: Range, type: string): SyntaxNode | undefined {
  let node: SyntaxNode | undefined = root;
  let found: SyntaxNode | undefined;
  while (node) {
    if (node.type === type && same(node.range, range)) found = node;
    node = node.children.find((c) => contains(c.range, range));
  }
  return found;
}

/** The `call` node at exactly `range`. */
export function callNodeAt(root: SyntaxNode, range: Range): SyntaxNode | undefined {
  return nodeAt(root, range, 'call');
}

/** A call's argument: the keyword argument `kw` (its value), else the positional one at `pos`. */
export function argumentNode(call: SyntaxNode, pos?: number, kw?: string): SyntaxNode | undefined {
  const args = field(call, 'arguments')?.children ?? [];
  if (kw) {
    const k = args.find((a) => a.type === 'keyword_argument' && field(a, 'name')?.text === kw);
    if (k) return field(k, 'value');
  }
  if (pos === undefined) return undefined;
  return args.filter(
    (a) =>
      a.type !== 'keyword_argument' && a.type !== 'comment' && a.type !== 'list_splat' && a.type !== 'dictionary_splat',
  )[pos];
}

/** Every node below `root` (pre-order), not descending into nested function or class definitions when `flat`. */
export function descendants(root: SyntaxNode, flat = false): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const visit = (n: SyntaxNode) => {
    for (const c of n.children) {
      out.push(c);
      if (flat && (c.type === 'function_definition' || c.type === 'class_definition')) continue;
      visit(c);
    }
  };
  visit(root);
  return out;
}

/** The nodes of one `type` below `root` (pre-order), without building the list of every node. */
export function descendantsOfType(root: SyntaxNode, type: string, flat = false): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const visit = (n: SyntaxNode) => {
    for (const c of n.children) {
      if (c.type === type) out.push(c);
      if (flat && (c.type === 'function_definition' || c.type === 'class_definition')) continue;
      if (c.children.length) visit(c);
    }
  };
  visit(root);
  return out;
}

/** The chain of nodes from `root` down to the innermost node containing `range`. */
export function pathTo(root: SyntaxNode, range: Range): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  let node: SyntaxNode | undefined = root;
  while (node) {
    out.push(node);
    node = node.children.find((c) => contains(c.range, range));
  }
  return out;
}

export { contains as rangeContains, same as sameRange };
