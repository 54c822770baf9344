// A module tree captured as plain data, free of any one analysis run: it can be rebuilt with the
// classes of a later run, and compared with a live tree. The memo of module calls (moduleMemo.ts) keeps these.
import type { Range } from '../../parse/syntax';
import type { ClassV, ModuleV, TensorV, Value } from '../../interpreter/python/values';
import type { ArgValue } from './layers/layerSpec';
import { newModule } from './modules';

/**
 * How a template names a class: `builtin:Name` for a built-in class by its registry name, `user:Name@line`
 * for a user class by its top-level statement, and a class without methods (made up for nested parameters) as itself.
 */
export type ClassRef = string | ClassV;

/**
 * One module of a template; children refer to other nodes by index and parameters to the template's
 * parameters by index, so shared submodules and tied weights stay shared.
 */
interface TemplateNode {
  cls: ClassRef;
  range: Range;
  spec: ModuleV['spec'];
  config: unknown;
  layerArgs: Record<string, ArgValue> | undefined;
  unresolved: string | undefined;
  params: [string, number][];
  buffers: [string, TensorV][];
  attrs: [string, Value][];
  children: [string, number][];
}

/** A captured module tree: nodes in depth-first order, the root first, and its distinct parameters. */
export interface ModuleTemplate {
  nodes: TemplateNode[];
  params: TensorV[];
}

/** Converts between classes and ClassRefs for one run. */
export interface ClassTable {
  /** The ref of a class, or undefined when modules of it cannot be captured. */
  refOf(cls: ClassV): ClassRef | undefined;
  /** This run's class for a ref, or undefined when it has none. */
  classOf(ref: ClassRef): ClassV | undefined;
}

/**
 * Captures `root`'s tree, or undefined when some part of it belongs to one run (a method, a list, a
 * user object) or it has more than `limit` modules.
 */
export function captureTemplate(root: ModuleV, classes: ClassTable, limit = Infinity): ModuleTemplate | undefined {
  const nodes: TemplateNode[] = [];
  const index = new Map<ModuleV, number>();
  const params = new Map<TensorV, number>();
  const paramIndex = (p: TensorV) => params.get(p) ?? (params.set(p, params.size), params.size - 1);
  const visit = (m: ModuleV): number | undefined => {
    const known = index.get(m);
    if (known !== undefined) return known;
    if (nodes.length >= limit) return undefined;
    const cls = classes.refOf(m.cls);
    const attrs = [...m.attrs];
    if (!cls || !attrs.every(([, v]) => isPlainValue(v))) return undefined;
    const at = nodes.length;
    index.set(m, at);
    const node: TemplateNode = {
      cls,
      range: m.range,
      spec: m.spec,
      config: m.config,
      layerArgs: m.layerArgs,
      unresolved: m.unresolved,
      params: [...m.params].map(([k, p]) => [k, paramIndex(p)]),
      buffers: [...m.buffers],
      attrs,
      children: [],
    };
    nodes.push(node);
    for (const [name, child] of m.children) {
      const c = visit(child);
      if (c === undefined) return undefined;
      node.children.push([name, c]);
    }
    return at;
  };
  // Torch tensors are never changed in place, so the template keeps the tree's own tensor objects:
  // a tree taken over from an earlier analysis then matches them by identity, without comparing shapes.
  return visit(root) === undefined ? undefined : { nodes, params: [...params.keys()] };
}

/**
 * A fresh module tree from a template, with this run's classes; parameters are new objects, as after
 * construction (returned too, by template index, so the tree can be taken over by identity later).
 */
export function rebuildTemplate(
  template: ModuleTemplate,
  classes: ClassTable,
): { root: ModuleV; params: TensorV[] } | undefined {
  const built: ModuleV[] = [];
  const params = template.params.map((p) => ({ ...p }));
  for (const node of template.nodes) {
    const cls = classes.classOf(node.cls);
    if (!cls) return undefined;
    const m = newModule(cls, node.range);
    if (node.spec) m.spec = node.spec;
    if (node.config !== undefined) m.config = node.config;
    if (node.layerArgs) m.layerArgs = node.layerArgs;
    if (node.unresolved !== undefined) m.unresolved = node.unresolved;
    for (const [k, p] of node.params) m.params.set(k, params[p]);
    for (const [k, b] of node.buffers) m.buffers.set(k, { ...b });
    for (const [k, v] of node.attrs) m.attrs.set(k, v);
    built.push(m);
  }
  template.nodes.forEach((node, i) => node.children.forEach(([name, c]) => built[i].children.set(name, built[c])));
  return { root: built[0], params };
}

/**
 * Takes over a tree handed out by an earlier run: points its modules at this run's classes. False when
 * the tree has changed since its template was captured (its parameters must be the very objects it
 * was handed out with, `params` by template index: one tied to another tree since is not taken over),
 * or `claim` refuses one of its modules (already part of another tree in this run). It must not be
 * used then (some classes may already be re-pointed).
 */
export function adoptTree(
  root: ModuleV,
  template: ModuleTemplate,
  params: TensorV[],
  classes: ClassTable,
  claim: (m: ModuleV) => boolean,
): boolean {
  const adopted = new Map<ModuleV, number>();
  const binding = new ParamBinding(params, true);
  const visit = (m: ModuleV, at: number): boolean => {
    const seen = adopted.get(m);
    if (seen !== undefined) return seen === at;
    if (at !== adopted.size || !claim(m)) return false;
    adopted.set(m, at);
    const node = template.nodes[at];
    const cls = classes.classOf(node.cls);
    if (!cls) return false;
    m.cls = cls;
    return sameNode(m, node, cls, binding) && sameChildren(m, node, visit);
  };
  return visit(root, 0) && adopted.size === template.nodes.length;
}

/**
 * The live modules matching a template node by node (depth-first, as captured), or undefined when
 * `root`'s tree differs from it in any way a forward pass could observe.
 */
export function matchTemplate(root: ModuleV, template: ModuleTemplate, classes: ClassTable): ModuleV[] | undefined {
  const live: ModuleV[] = [];
  const index = new Map<ModuleV, number>();
  const params = new ParamBinding(template.params);
  const visit = (m: ModuleV, at: number): boolean => {
    const seen = index.get(m);
    if (seen !== undefined) return seen === at;
    if (at !== live.length) return false;
    const node = template.nodes[at];
    index.set(m, at);
    live.push(m);
    return sameNode(m, node, classes.classOf(node.cls), params) && sameChildren(m, node, visit);
  };
  return visit(root, 0) && live.length === template.nodes.length ? live : undefined;
}

/**
 * Which live parameter stands for which template parameter: tied weights must be tied in both, and
 * only those. With `identical`, each live parameter must be the template's own object.
 */
class ParamBinding {
  // An array, not a map: a block has a few dozen parameters, and this runs for every block on every keystroke.
  private readonly byIndex: TensorV[] = [];

  constructor(
    private readonly expected: TensorV[],
    private readonly identical = false,
  ) {}

  /** Binds `live` to template parameter `index`; false if either is already bound to another, or they differ. */
  bind(live: TensorV, index: number): boolean {
    const prior = this.byIndex[index];
    if (prior !== undefined) return prior === live;
    const same = live === this.expected[index] || (!this.identical && sameTensor(live, this.expected[index]));
    if (!same || this.byIndex.includes(live)) return false;
    this.byIndex[index] = live;
    return true;
  }
}

/** The node's own fields (not its children) against a live module, whose class must be `cls`. */
function sameNode(m: ModuleV, node: TemplateNode, cls: ClassV | undefined, params: ParamBinding): boolean {
  return (
    m.cls === cls &&
    sameRange(m.range, node.range) &&
    m.spec === node.spec &&
    m.unresolved === node.unresolved &&
    (m.layerArgs === node.layerArgs || sameArgs(m.layerArgs, node.layerArgs)) &&
    (m.config === node.config || JSON.stringify(m.config) === JSON.stringify(node.config)) &&
    sameParams(m.params, node.params, params) &&
    sameTensors(m.buffers, node.buffers) &&
    sameAttrs(m.attrs, node.attrs)
  );
}

/** The children in name and order, each checked by `visit` against its node. */
function sameChildren(m: ModuleV, node: TemplateNode, visit: (child: ModuleV, at: number) => boolean): boolean {
  if (m.children.size !== node.children.length) return false;
  let k = 0;
  for (const name of m.children.keys()) {
    const [expected, at] = node.children[k++];
    if (name !== expected || !visit(m.children.get(name)!, at)) return false;
  }
  return true;
}

function sameRange(a: Range, b: Range): boolean {
  if (a === b) return true;
  return (
    a.start.line === b.start.line &&
    a.start.character === b.start.character &&
    a.end.line === b.end.line &&
    a.end.character === b.end.character
  );
}

function sameArgs(a: Record<string, ArgValue> | undefined, b: Record<string, ArgValue> | undefined): boolean {
  return !!a && !!b && JSON.stringify(a) === JSON.stringify(b);
}

function sameParams(live: Map<string, TensorV>, captured: [string, number][], params: ParamBinding): boolean {
  if (live.size !== captured.length) return false;
  let k = 0;
  for (const name of live.keys()) {
    const [expected, index] = captured[k++];
    if (name !== expected || !params.bind(live.get(name)!, index)) return false;
  }
  return true;
}

function sameTensors(live: Map<string, TensorV>, captured: [string, TensorV][]): boolean {
  if (live.size !== captured.length) return false;
  // Names in order first (insertion order is what named_parameters() yields), then each tensor.
  let k = 0;
  for (const name of live.keys()) if (name !== captured[k++][0]) return false;
  for (const [name, c] of captured) {
    const t = live.get(name)!;
    if (t !== c && !sameTensor(t, c)) return false;
  }
  return true;
}

/** Two symbolic tensors with the same shape, dtype and flags. */
export function sameTensor(a: TensorV, b: TensorV): boolean {
  return (
    a.dtype === b.dtype &&
    !!a.isParam === !!b.isParam &&
    a.reason === b.reason &&
    a.origin === b.origin &&
    sameShape(a.shape, b.shape)
  );
}

function sameShape(a: number[] | null, b: number[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function sameAttrs(live: Map<string, Value>, captured: [string, Value][]): boolean {
  if (live.size !== captured.length) return false;
  let k = 0;
  for (const name of live.keys()) if (name !== captured[k++][0]) return false;
  for (const [name, c] of captured) if (!samePlain(live.get(name)!, c)) return false;
  return true;
}

/** True for values no run can change or tell apart from a copy: None, numbers, strings, tensors, tuples of them. */
export function isPlainValue(v: Value): boolean {
  switch (v.kind) {
    case 'none':
    case 'bool':
    case 'int':
    case 'float':
    case 'str':
      return true;
    case 'tensor':
      return !v.isParam;
    case 'tuple':
      return v.items.every(isPlainValue);
    default:
      return false;
  }
}

/** Whether two plain values are equal (tensors by shape and dtype). */
export function samePlain(a: Value, b: Value): boolean {
  if (a === b) return true;
  switch (a.kind) {
    case 'none':
      return b.kind === 'none';
    case 'bool':
    case 'int':
    case 'float':
    case 'str':
      return b.kind === a.kind && b.value === a.value;
    case 'tensor':
      return b.kind === 'tensor' && sameTensor(a, b);
    case 'tuple':
      return (
        b.kind === 'tuple' && a.items.length === b.items.length && a.items.every((x, i) => samePlain(x, b.items[i]))
      );
    default:
      return false;
  }
}

/**
 * A string naming a plain value exactly (a memo key part), or undefined for other values. With
 * `reasons`, a tensor of unknown shape is named without its reason, which is pushed there instead: a
 * forward pass only carries that text along, so one entry serves every reason (see moduleMemo.ts).
 */
export function plainKey(v: Value, reasons?: string[]): string | undefined {
  switch (v.kind) {
    case 'none':
      return 'N';
    case 'bool':
      return v.value ? 'T' : 'F';
    case 'int':
      return `i${v.value}`;
    case 'float':
      return `f${v.value}`;
    case 'str':
      return JSON.stringify(v.value);
    case 'tensor':
      return tensorKey(v, reasons);
    case 'tuple': {
      const items = v.items.map((x) => plainKey(x, reasons));
      return items.every((k) => k !== undefined) ? `(${items.join(',')})` : undefined;
    }
    default:
      return undefined;
  }
}

function tensorKey(v: TensorV, reasons: string[] | undefined): string | undefined {
  if (v.isParam) return undefined;
  if (v.shape && v.reason === undefined) return `t${v.dtype}[${v.shape.join(',')}]${v.origin ?? ''}`;
  // The reason of an unknown shape changes as the user types (a NameError's text): only a placeholder can be reused.
  if (v.shape || !v.reason || !reasons || v.reason.includes(REASON)) return undefined;
  reasons.push(v.reason);
  return `t${v.dtype}[?]${v.origin ?? ''}`;
}

/** Stands for an input's reason in what the memo keeps. */
export const REASON = '\u0001reason\u0001';

/** `text` with `from` replaced by `to` everywhere (for putting reasons in and out of memo entries). */
export function swapText(text: string | undefined, from: string, to: string): string | undefined {
  return text === undefined || !text.includes(from) ? text : text.split(from).join(to);
}

/** A copy of a plain value with every tensor's reason passed through `swap`. */
export function swapReasons(v: Value, swap: (reason: string | undefined) => string | undefined): Value {
  if (v.kind === 'tensor') return { ...v, shape: v.shape ? [...v.shape] : null, reason: swap(v.reason) };
  if (v.kind === 'tuple') return { kind: 'tuple', items: v.items.map((x) => swapReasons(x, swap)) };
  return v;
}
