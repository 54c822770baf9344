// Expression evaluation for the TypeScript subset: literals, templates, arrays, objects, member
// access, calls, `new`, functions, operators, assignment and destructuring. Type syntax (as, !, <T>)
// is skipped, never checked.
import { field, type SyntaxNode } from '../../parse/syntax';
import {
  type JsValue,
  type JsScope,
  type ObjectV,
  UNDEFINED,
  NULL,
  num,
  str,
  bool,
  arr,
  unknown,
  truthy,
  typeOf,
  toPrimitive,
  fromPrimitive,
} from './values';
import { JsError } from './errors';
import type { EvaluatorHost } from './host';
import { awaited } from './promises';
import { callSuper, superMember } from './superCalls';
import { getMember, setMember, getIndex, setIndex, propertyKey } from './members';

/** Evaluates one expression node. */
export function evaluate(ip: EvaluatorHost, node: SyntaxNode, scope: JsScope): JsValue {
  ip.budget.step(node);
  if (node.isMissing) return unknown('this code does not parse (a token is missing)', node.range);
  switch (node.type) {
    case 'number':
      return num(Number(node.text.replace(/_/g, '')));
    case 'string':
      return str(stringValue(node));
    case 'template_string':
      return template(ip, node, scope);
    case 'true':
      return bool(true);
    case 'false':
      return bool(false);
    case 'null':
      return NULL;
    case 'undefined':
      return UNDEFINED;
    case 'identifier':
    case 'shorthand_property_identifier':
      return ip.lookup(node.text, scope, node.range);
    case 'this':
      return scope.lookup('this') ?? unknown('`this` outside a method is not analysed', node.range);
    case 'array':
      return arr(spreadItems(ip, node.children, scope));
    case 'object':
      return objectLiteral(ip, node, scope);
    case 'member_expression':
      return member(ip, node, scope).value;
    case 'subscript_expression':
      return subscript(ip, node, scope);
    case 'call_expression':
      return call(ip, node, scope);
    case 'new_expression':
      return construct(ip, node, scope);
    case 'arrow_function':
    case 'function_expression':
    case 'function':
    case 'generator_function':
      return ip.makeFunction(node, scope, field(node, 'name')?.text ?? '');
    case 'binary_expression':
      return binary(ip, node, scope);
    case 'unary_expression':
      return unary(ip, node, scope);
    case 'update_expression':
      return update(ip, node, scope);
    case 'assignment_expression': {
      const value = evaluate(ip, field(node, 'right')!, scope);
      ip.assignTarget(field(node, 'left')!, value, scope, false);
      return value;
    }
    case 'augmented_assignment_expression':
      return augmented(ip, node, scope);
    case 'parenthesized_expression':
    case 'sequence_expression': {
      let v: JsValue = UNDEFINED;
      for (const c of node.children) if (!isType(c)) v = evaluate(ip, c, scope);
      return v;
    }
    case 'ternary_expression': {
      const c = evaluate(ip, field(node, 'condition')!, scope);
      const t = truthy(c);
      if (t === null) return c;
      return evaluate(ip, field(node, t ? 'consequence' : 'alternative')!, scope);
    }
    case 'as_expression':
    case 'satisfies_expression':
    case 'non_null_expression':
    case 'instantiation_expression':
      return evaluate(ip, node.children[0], scope);
    case 'type_assertion':
      return evaluate(ip, node.children[node.children.length - 1], scope);
    case 'await_expression': {
      const e = node.children[node.children.length - 1];
      return e && e.type !== 'await' ? awaited(evaluate(ip, e, scope)) : UNDEFINED;
    }
    case 'regex':
      return unknown('regular expressions are not evaluated', node.range);
    case 'meta_property':
      return unknown(`${node.text} is a run-time value`, node.range);
    case 'comment':
      return UNDEFINED;
    case 'class':
      return unknown('class expressions are not analysed', node.range);
    case 'jsx_element':
    case 'jsx_self_closing_element':
    case 'jsx_fragment':
      return unknown('JSX is a view, not analysed', node.range);
    case 'ERROR':
      return unknown('this code does not parse', node.range);
    default:
      ip.report(node.range, `expression '${node.type}' is not analysed`);
      return unknown(`expression '${node.type}' is not analysed`, node.range);
  }
}

/** Type-only children (annotations, type arguments) that evaluation skips. */
function isType(n: SyntaxNode): boolean {
  return n.type === 'type_annotation' || n.type === 'type_arguments' || n.type === 'comment';
}

/** The value of a string literal: fragments plus decoded escape sequences. */
export function stringValue(node: SyntaxNode): string {
  return node.children.map((c) => (c.type === 'escape_sequence' ? unescape(c.text) : c.text)).join('');
}

function unescape(seq: string): string {
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', 0: '\0' };
  const c = seq[1];
  if (c in simple) return simple[c];
  if (c === 'x') return String.fromCharCode(parseInt(seq.slice(2), 16));
  if (c === 'u') return String.fromCodePoint(parseInt(seq.slice(2).replace(/[{}]/g, ''), 16));
  return seq.slice(1);
}

function template(ip: EvaluatorHost, node: SyntaxNode, scope: JsScope): JsValue {
  let out = '';
  for (const c of node.children) {
    if (c.type === 'template_substitution') {
      const v = evaluate(ip, c.children[0], scope);
      const s = toJsString(v);
      if (s === null) return v.kind === 'unknown' ? v : unknown(`${describeShort(v)} in a template string`, c.range);
      out += s;
    } else out += c.type === 'escape_sequence' ? unescape(c.text) : c.text;
  }
  return str(out);
}

/** JS ToString of a primitive or array; null for values we do not stringify. */
export function toJsString(v: JsValue): string | null {
  const p = toPrimitive(v);
  if (p !== null && typeof p === 'object') return v.kind === 'object' ? '[object Object]' : null;
  return String(p);
}

function describeShort(v: JsValue): string {
  return v.kind;
}

/** Evaluates list items, expanding `...spread` of arrays (Unknown spreads make one Unknown item). */
export function spreadItems(ip: EvaluatorHost, nodes: SyntaxNode[], scope: JsScope): JsValue[] {
  const out: JsValue[] = [];
  for (const n of nodes) {
    if (n.type === 'comment') continue;
    if (n.type === 'spread_element') {
      const v = evaluate(ip, n.children[n.children.length - 1], scope);
      if (v.kind === 'array') out.push(...v.items);
      else if (v.kind === 'str') out.push(...[...v.value].map(str));
      else out.push(v.kind === 'unknown' ? v : unknown(`cannot spread ${v.kind}`, n.range));
    } else out.push(evaluate(ip, n, scope));
  }
  return out;
}

function objectLiteral(ip: EvaluatorHost, node: SyntaxNode, scope: JsScope): ObjectV {
  const o: ObjectV = { kind: 'object', props: new Map(), ranges: new Map() };
  for (const c of node.children) {
    if (c.type === 'pair') {
      const key = objectKey(ip, field(c, 'key')!, scope);
      const valueNode = field(c, 'value')!;
      const v = evaluate(ip, valueNode, scope);
      if (v.kind === 'fn' && !v.name) v.name = key;
      o.props.set(key, v);
      o.ranges.set(key, valueNode.range);
    } else if (c.type === 'shorthand_property_identifier') {
      o.props.set(c.text, ip.lookup(c.text, scope, c.range));
      o.ranges.set(c.text, c.range);
    } else if (c.type === 'spread_element') {
      const v = evaluate(ip, c.children[c.children.length - 1], scope);
      if (v.kind === 'object')
        for (const [k, x] of v.props) {
          o.props.set(k, x);
          const r = v.ranges.get(k);
          if (r) o.ranges.set(k, r);
        }
      else if (v.kind === 'array') v.items.forEach((x, i) => o.props.set(String(i), x));
      else if (v.kind === 'unknown') o.props.set(`...${c.range.start.line}:${c.range.start.character}`, v);
    } else if (c.type === 'method_definition') {
      const name = objectKey(ip, field(c, 'name')!, scope);
      o.props.set(name, ip.makeFunction(c, scope, name));
    }
  }
  return o;
}

function objectKey(ip: EvaluatorHost, key: SyntaxNode, scope: JsScope): string {
  if (key.type === 'string') return stringValue(key);
  if (key.type === 'number') return String(Number(key.text));
  if (key.type === 'computed_property_name') {
    const v = evaluate(ip, key.children[0], scope);
    return propertyKey(v) ?? `[unknown ${key.range.start.line}:${key.range.start.character}]`;
  }
  return key.text;
}

/** Evaluates `a.b` (and `a?.b`), returning the object too so calls can bind `this`. */
function member(ip: EvaluatorHost, node: SyntaxNode, scope: JsScope): { value: JsValue; self: JsValue } {
  const objectNode = field(node, 'object')!;
  if (objectNode.type === 'as_expression' || objectNode.type === 'satisfies_expression') {
    // `x as a.b.C` parses as `(x as a.b).C` in tree-sitter-typescript; without parentheses the
    // property can only be part of the type, so the value is `x`.
    const value = evaluate(ip, objectNode, scope);
    return { value, self: value };
  }
  if (objectNode.type === 'super') return superMember(scope, field(node, 'property')!.text, node.range);
  const self = evaluate(ip, objectNode, scope);
  const name = field(node, 'property')!.text;
  if (field(node, 'optional_chain') && (self.kind === 'undefined' || self.kind === 'null'))
    return { value: UNDEFINED, self };
  return { value: getMember(ip, self, name, { range: node.range }), self };
}

function subscript(ip: EvaluatorHost, node: SyntaxNode, scope: JsScope): JsValue {
  const self = evaluate(ip, field(node, 'object')!, scope);
  const index = evaluate(ip, field(node, 'index')!, scope);
  if (field(node, 'optional_chain') && (self.kind === 'undefined' || self.kind === 'null')) return UNDEFINED;
  return getIndex(ip, self, index, { range: node.range });
}

function call(ip: EvaluatorHost, node: SyntaxNode, scope: JsScope): JsValue {
  const callee = field(node, 'function')!;
  const argsNode = field(node, 'arguments');
  if (!argsNode || argsNode.type === 'template_string') return unknown('tagged templates are not analysed', node.range);
  if (callee.type === 'super')
    return callSuper(spreadItems(ip, argsNode.children, scope), scope, { range: node.range });
  if (callee.type === 'import') return unknown('import(...) is not analysed', node.range);
  let fn: JsValue;
  let self: JsValue | undefined;
  if (callee.type === 'member_expression') ({ value: fn, self } = member(ip, callee, scope));
  else fn = evaluate(ip, callee, scope);
  if (field(node, 'optional_chain') && (fn.kind === 'undefined' || fn.kind === 'null')) return UNDEFINED;
  const args = ip.statedArguments(node, () => spreadItems(ip, argsNode.children, scope), fn.kind === 'fn');
  return ip.callValue(fn, args, self, { range: node.range }, callee.text || 'expression');
}

function construct(ip: EvaluatorHost, node: SyntaxNode, scope: JsScope): JsValue {
  const ctor = evaluate(ip, field(node, 'constructor')!, scope);
  const argsNode = field(node, 'arguments');
  const args = argsNode ? ip.statedArguments(node, () => spreadItems(ip, argsNode.children, scope), true) : [];
  const site = { range: node.range };
  if (ctor.kind === 'native') return ctor.construct ? ctor.construct(args, site) : ctor.call(args, site, undefined);
  if (ctor.kind === 'unknown') {
    ip.deferCallbacks(args, site, field(node, 'constructor')!.text);
    return ctor;
  }
  if (ctor.kind === 'fn') return unknown(`new ${ctor.name}(): constructor functions are not analysed`, node.range);
  throw new JsError('TypeError', `${field(node, 'constructor')!.text} is not a constructor`, node.range);
}

/** The operator of a binary/unary/update node: its operator child, or read from its text. */
function operatorOf(node: SyntaxNode): string {
  const op = field(node, 'operator');
  if (op) return op.type;
  const m = /^(typeof|void|delete|instanceof)\b/.exec(node.text) ?? / (instanceof|in) /.exec(node.text);
  return m ? m[1] : '?';
}

function binary(ip: EvaluatorHost, node: SyntaxNode, scope: JsScope): JsValue {
  const op = operatorOf(node);
  const left = evaluate(ip, field(node, 'left')!, scope);
  if (op === '&&' || op === '||' || op === '??') {
    if (left.kind === 'unknown') return left;
    const t = op === '??' ? left.kind !== 'undefined' && left.kind !== 'null' : truthy(left)!;
    const keepLeft = op === '&&' ? !t : t;
    return keepLeft ? left : evaluate(ip, field(node, 'right')!, scope);
  }
  const right = evaluate(ip, field(node, 'right')!, scope);
  return binaryOp(op, left, right, node);
}

/** Applies a JS binary operator to two values, with JS's own semantics for primitives. */
export function binaryOp(op: string, a: JsValue, b: JsValue, node: SyntaxNode): JsValue {
  if (op === 'instanceof') return instanceOf(a, b, node);
  if (a.kind === 'unknown') return a;
  if (b.kind === 'unknown') return b;
  if (op === '===' || op === '!==') return bool(strictEquals(a, b) === (op === '==='));
  if (op === '==' || op === '!=') {
    const eq = (isNullish(a) && isNullish(b)) || strictEquals(a, b) || looseEquals(a, b);
    return bool(eq === (op === '=='));
  }
  if (op === 'in')
    return b.kind === 'object'
      ? bool(b.props.has(String(toPrimitive(a))))
      : unknown('`in` on a non-object', node.range);
  const x = primitiveOperand(a);
  const y = primitiveOperand(b);
  if (x === NO_PRIMITIVE || y === NO_PRIMITIVE)
    return unknown(`operator ${op} on ${a.kind} and ${b.kind} is not analysed`, node.range);
  const p = x as any;
  const q = y as any;
  switch (op) {
    case '+':
      return fromPrimitive(p + q);
    case '-':
      return num(p - q);
    case '*':
      return num(p * q);
    case '/':
      return num(p / q);
    case '%':
      return num(p % q);
    case '**':
      return num(p ** q);
    case '<':
      return bool(p < q);
    case '>':
      return bool(p > q);
    case '<=':
      return bool(p <= q);
    case '>=':
      return bool(p >= q);
    case '&':
      return num(p & q);
    case '|':
      return num(p | q);
    case '^':
      return num(p ^ q);
    case '<<':
      return num(p << q);
    case '>>':
      return num(p >> q);
    case '>>>':
      return num(p >>> q);
    default:
      return unknown(`operator ${op} is not analysed`, node.range);
  }
}

/**
 * `a instanceof B`: a primitive is never an instance; an array is an Array (and an Object) and no
 * other class's; tf models are tf.LayersModel (tf.Sequential only when sequential). Anything else is
 * Unknown (class identity of plain objects is not tracked).
 */
function instanceOf(a: JsValue, b: JsValue, node: SyntaxNode): JsValue {
  const primitive = ['undefined', 'null', 'bool', 'num', 'str'].includes(a.kind);
  if (primitive) return bool(false);
  if (a.kind === 'unknown') return a;
  if (b.kind === 'unknown') return b;
  const name = b.kind === 'native' ? b.name : '';
  if (a.kind === 'array' && b.kind === 'native') return bool(name === 'Array' || name === 'Object');
  if (a.kind === 'model' && b.kind === 'native' && name.startsWith('tf.'))
    return bool(name === 'tf.model' || (name === 'tf.sequential' && a.type === 'sequential'));
  return unknown(`instanceof on ${a.kind} is not analysed`, node.range);
}

const NO_PRIMITIVE = Symbol('no primitive');

function primitiveOperand(v: JsValue): unknown {
  const p = toPrimitive(v);
  if (p !== null && typeof p === 'object') return v.kind === 'object' ? '[object Object]' : NO_PRIMITIVE;
  return p;
}

const isNullish = (v: JsValue) => v.kind === 'undefined' || v.kind === 'null';

function strictEquals(a: JsValue, b: JsValue): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'num' || a.kind === 'str' || a.kind === 'bool') return a.value === (b as typeof a).value;
  if (a.kind === 'undefined' || a.kind === 'null') return true;
  return a === b;
}

function looseEquals(a: JsValue, b: JsValue): boolean {
  const x = toPrimitive(a);
  const y = toPrimitive(b);
  if ((x !== null && typeof x === 'object') || (y !== null && typeof y === 'object')) return false;

  return x == y;
}

function unary(ip: EvaluatorHost, node: SyntaxNode, scope: JsScope): JsValue {
  const op = operatorOf(node);
  const v = evaluate(ip, field(node, 'argument')!, scope);
  if (op === 'typeof') {
    const t = typeOf(v);
    return t === null ? v : str(t);
  }
  if (op === 'void') return UNDEFINED;
  if (op === 'delete') return bool(true);
  if (v.kind === 'unknown') return v;
  if (op === '!') return bool(!truthy(v));
  const p = primitiveOperand(v);
  if (p === NO_PRIMITIVE) return unknown(`operator ${op} on ${v.kind} is not analysed`, node.range);
  const x = p as any;
  switch (op) {
    case '-':
      return num(-x);
    case '+':
      return num(+x);
    case '~':
      return num(~x);
    default:
      return unknown(`operator ${op} is not analysed`, node.range);
  }
}

function update(ip: EvaluatorHost, node: SyntaxNode, scope: JsScope): JsValue {
  const target = field(node, 'argument')!;
  const old = evaluate(ip, target, scope);
  if (old.kind === 'unknown') {
    ip.assignTarget(target, old, scope, false);
    return old;
  }
  const before = Number(toPrimitive(old));
  const after = before + (node.text.includes('++') ? 1 : -1);
  ip.assignTarget(target, num(after), scope, false);
  return num(/^\s*(\+\+|--)/.test(node.text) ? after : before);
}

function augmented(ip: EvaluatorHost, node: SyntaxNode, scope: JsScope): JsValue {
  const target = field(node, 'left')!;
  const op = field(node, 'operator')?.type.slice(0, -1) ?? '+';
  const current = evaluate(ip, target, scope);
  let value: JsValue;
  if (op === '&&' || op === '||' || op === '??') {
    if (current.kind === 'unknown') return current;
    const t = op === '??' ? !isNullish(current) : truthy(current)!;
    if (op === '&&' ? !t : t) return current;
    value = evaluate(ip, field(node, 'right')!, scope);
  } else value = binaryOp(op, current, evaluate(ip, field(node, 'right')!, scope), node);
  ip.assignTarget(target, value, scope, false);
  return value;
}

/** Assigns to `a.b` / `a[i]` targets (identifiers and patterns are handled by the interpreter). */
export function assignMember(ip: EvaluatorHost, target: SyntaxNode, value: JsValue, scope: JsScope): void {
  const self = evaluate(ip, field(target, 'object')!, scope);
  const site = { range: target.range };
  if (target.type === 'member_expression') setMember(ip, self, field(target, 'property')!.text, value, site);
  else setIndex(ip, self, evaluate(ip, field(target, 'index')!, scope), value, site);
}
