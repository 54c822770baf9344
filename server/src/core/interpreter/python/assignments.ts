// Assignment in the abstract interpreter: `x = ...`, `a.b = ...`, `d[k] = ...`, unpacking with a
// starred target, `x += ...` (lists extend in place, as Python does) and the walrus operator.
import { field, fieldAll, type SyntaxNode } from '../../parse/syntax';
import { type Scope, type Value, type ListV, type CallSite, NONE, list, tuple, hashKey, typeName } from './values';
import type { FrameworkHooks } from './hooks';
import { raise } from './errors';

/** What assignment needs from the evaluator. */
export interface AssignHost {
  readonly hooks: FrameworkHooks[];
  eval(node: SyntaxNode, scope: Scope): Value;
  setAttr(obj: Value, name: string, value: Value, site: CallSite): void;
  binaryOp(op: string, a: Value, b: Value, site: CallSite): Value;
  /** `obj.__iadd__(rhs)` (and the other in-place operators) when the object's class defines it. */
  inPlaceOp(op: string, obj: Value, rhs: Value, site: CallSite): Value | undefined;
  iterateOrRaise(v: Value, node: SyntaxNode): Value[];
  /** The value a `# wattlens: size=` / `shape=` comment states for an unknown computed on a line. */
  statedValue(value: Value, line: number): Value;
}

/** `name := value`. */
export function assignNamed(ev: AssignHost, node: SyntaxNode, scope: Scope): Value {
  const v = ev.eval(field(node, 'value')!, scope);
  scope.assign(field(node, 'name')!.text, v);
  return v;
}

/** `target = value` (chained targets included); a bare annotation `x: int` assigns nothing. */
export function evalAssignment(ev: AssignHost, node: SyntaxNode, scope: Scope): Value {
  const right = field(node, 'right');
  if (!right) return NONE;
  const value = ev.statedValue(ev.eval(right, scope), node.range.start.line);
  assignTarget(ev, field(node, 'left')!, value, scope);
  return value;
}

/**
 * `target op= value`: lists extend in place, an object whose class defines the in-place operator
 * (`ModuleList.__iadd__`, a user class's `__iadd__`) runs it, everything else goes through the binary operator.
 */
export function evalAugmented(ev: AssignHost, node: SyntaxNode, scope: Scope): Value {
  const left = field(node, 'left')!;
  const op = field(node, 'operator')!.type.slice(0, -1);
  const current = ev.eval(left, scope);
  const rhs = ev.eval(field(node, 'right')!, scope);
  const value =
    current.kind === 'list' && op === '+'
      ? extendInPlace(ev, current, rhs, node)
      : (ev.inPlaceOp(op, current, rhs, node) ?? ev.binaryOp(op, current, rhs, node));
  assignTarget(ev, left, value, scope);
  return value;
}

function extendInPlace(ev: AssignHost, target: ListV, rhs: Value, node: SyntaxNode): Value {
  target.items.push(...ev.iterateOrRaise(rhs, node));
  return target;
}

/** Assigns a value to a target: a name, an attribute, a subscript, or a (nested) unpacking. */
export function assignTarget(ev: AssignHost, target: SyntaxNode, value: Value, scope: Scope): void {
  switch (target.type) {
    case 'identifier':
      scope.assign(target.text, value);
      return;
    case 'attribute':
      ev.setAttr(ev.eval(field(target, 'object')!, scope), field(target, 'attribute')!.text, value, target);
      return;
    case 'subscript':
      assignSubscript(ev, target, value, scope);
      return;
    case 'pattern_list':
    case 'tuple_pattern':
    case 'list_pattern':
    case 'tuple':
    case 'list':
    case 'expression_list':
      unpack(ev, target, value, scope);
      return;
    case 'parenthesized_expression':
      assignTarget(ev, target.children[0], value, scope);
      return;
    case 'assignment':
      assignTarget(ev, field(target, 'left')!, value, scope);
      assignTarget(ev, field(target, 'right')!, value, scope);
      return;
    default:
      raise('SyntaxError', `cannot assign to ${target.type}`, target.range);
  }
}

function assignSubscript(ev: AssignHost, target: SyntaxNode, value: Value, scope: Scope): void {
  const obj = ev.eval(field(target, 'value')!, scope);
  const idxNodes = fieldAll(target, 'subscript');
  const index = idxNodes.length === 1 ? ev.eval(idxNodes[0], scope) : tuple(idxNodes.map((n) => ev.eval(n, scope)));
  for (const h of ev.hooks) if (h.setItem?.(obj, index, value, target)) return;
  if (obj.kind === 'dict') obj.entries.set(hashKey(index), { key: index, value });
  else if (obj.kind === 'list' && index.kind === 'int')
    obj.items[index.value < 0 ? index.value + obj.items.length : index.value] = value;
  else if (obj.kind !== 'unknown' && obj.kind !== 'tensor')
    raise('TypeError', `'${typeName(obj)}' does not support item assignment`, target.range);
}

function unpack(ev: AssignHost, target: SyntaxNode, value: Value, scope: Scope): void {
  const targets = target.children.filter((c) => c.type !== ':' && c.type !== 'comment');
  const items = value.kind === 'unknown' ? targets.map(() => value) : ev.iterateOrRaise(value, target);
  const star = targets.findIndex((t) => t.type === 'list_splat_pattern');
  if (star < 0 && items.length !== targets.length) {
    raise('ValueError', `cannot unpack ${items.length} values into ${targets.length} targets`, target.range);
  }
  targets.forEach((t, i) => {
    if (star < 0 || i < star) assignTarget(ev, t, items[i], scope);
    else if (i === star)
      assignTarget(ev, t.children.at(-1)!, list(items.slice(star, items.length - (targets.length - star - 1))), scope);
    else assignTarget(ev, t, items[items.length - (targets.length - i)], scope);
  });
}
