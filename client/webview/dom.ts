// Safe DOM building for the panel: elements get text through text nodes only, and attributes from a
// short allowlist (no `on*` handlers, no `style`, no URLs), so nothing from user code can become markup.

/** Children: nodes, or strings that become text nodes; null and false are skipped. */
export type Child = Node | string | number | null | undefined | false;

const ALLOWED =
  /^(class|id|role|tabindex|type|value|title|placeholder|for|name|colspan|scope|disabled|selected|checked|aria-[a-z]+|data-[a-z-]+)$/;
const ALLOWED_SVG =
  /^(class|role|tabindex|viewBox|x|y|x1|x2|y1|y2|cx|cy|r|rx|ry|width|height|points|d|text-anchor|dominant-baseline|transform|preserveAspectRatio|focusable|aria-[a-z]+|data-[a-z-]+)$/;

/** An HTML element with allowlisted attributes and text-node children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  setAttributes(node, attributes, ALLOWED);
  append(node, children);
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element with allowlisted attributes and text-node children. */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  setAttributes(node, attributes, ALLOWED_SVG);
  append(node, children);
  return node;
}

/** Appends children, strings as text nodes. */
export function append(node: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(
      typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child,
    );
  }
}

/** Replaces every child of `node`. */
export function replaceChildren(node: Element, ...children: Child[]): void {
  while (node.firstChild) node.removeChild(node.firstChild);
  append(node, children);
}

function setAttributes(
  node: Element,
  attributes: Record<string, string | number | boolean | undefined>,
  allowed: RegExp,
): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (!allowed.test(name)) throw new Error(`attribute '${name}' is not allowed in the panel`);
    node.setAttribute(name, value === true ? '' : String(value));
  }
}
