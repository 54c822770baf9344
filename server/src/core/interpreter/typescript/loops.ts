// Loops (for, for...of, for...in, while, do) and conditions the analysis cannot decide: skipped
// code leaves what it would have changed Unknown (variables, arrays of layers) and marks models it
// would have added layers to, so no total is silently low.
import { field, type SyntaxNode } from '../../parse/syntax';
import { type JsValue, type ModelV, JsScope, str, num, unknown, truthy, describe } from './values';
import { evaluate } from './expressions';
import { JsError } from './errors';
import type { EvaluatorHost, Signal } from './host';

/** Runs a for / for-in / for-of / while / do statement. */
export function execLoop(ip: EvaluatorHost, node: SyntaxNode, scope: JsScope): Signal {
  switch (node.type) {
    case 'for_statement':
      return forLoop(ip, node, scope);
    case 'for_in_statement':
      return forIn(ip, node, scope);
    case 'while_statement':
      return whileLoop(ip, node, scope, false);
    default:
      return whileLoop(ip, node, scope, true);
  }
}

/** The outcome of one pass through a loop body: keep going, stop, or return from the function. */
function runBody(ip: EvaluatorHost, body: SyntaxNode, scope: JsScope): 'next' | 'stop' | Signal {
  const signal = ip.exec(body, scope);
  if (signal?.type === 'break') return 'stop';
  if (signal?.type === 'return') return signal;
  return 'next';
}

/** Evaluates a loop condition node (absent or empty: true). */
function condition(ip: EvaluatorHost, node: SyntaxNode | undefined, scope: JsScope): JsValue | null {
  if (!node || node.type === 'empty_statement') return null;
  const expr = node.type === 'expression_statement' ? node.children[0] : node;
  return evaluate(ip, expr, scope);
}

function forLoop(ip: EvaluatorHost, node: SyntaxNode, scope: JsScope): Signal {
  const loopScope = new JsScope(scope);
  const init = field(node, 'initializer');
  if (init) {
    if (
      init.type === 'lexical_declaration' ||
      init.type === 'variable_declaration' ||
      init.type === 'expression_statement'
    )
      ip.exec(init, loopScope);
    else if (init.type !== 'empty_statement') evaluate(ip, init, loopScope);
  }
  const condNode = field(node, 'condition');
  const body = field(node, 'body')!;
  const increment = field(node, 'increment');
  for (;;) {
    ip.budget.step(node);
    const c = condition(ip, condNode, loopScope);
    if (c) {
      const t = truthy(c);
      if (t === null) {
        undecidable(ip, condNode!, c, [body], loopScope, 'loop');
        return undefined;
      }
      if (!t) return undefined;
    }
    const r = runBody(ip, body, new JsScope(loopScope));
    if (r === 'stop') return undefined;
    if (r !== 'next') return r;
    if (increment) evaluate(ip, increment, loopScope);
  }
}

function forIn(ip: EvaluatorHost, node: SyntaxNode, scope: JsScope): Signal {
  const left = field(node, 'left')!;
  const rightNode = field(node, 'right')!;
  const body = field(node, 'body')!;
  const declares = !!field(node, 'kind');
  const isIn = node.children.some((c) => c.type === 'in');
  const right = evaluate(ip, rightNode, scope);
  let items: JsValue[] | null = null;
  if (right.kind === 'unknown') {
    undecidable(ip, rightNode, right, [body], scope, 'iteration');
    return undefined;
  }
  if (isIn) {
    if (right.kind === 'object') items = [...right.props.keys()].filter((k) => !k.startsWith('\u0000')).map(str);
    else if (right.kind === 'array') items = right.items.map((_, i) => str(String(i)));
    else items = [];
  } else if (right.kind === 'str') items = [...right.value].map(str);
  else if (right.kind !== 'array')
    throw new JsError('TypeError', `${describe(right)} is not iterable`, rightNode.range);
  const live = right.kind === 'array' && !isIn ? right.items : items!;
  for (let i = 0; i < live.length; i++) {
    ip.budget.step(node);
    const iterScope = new JsScope(scope);
    ip.assignTarget(left, live[i], declares ? iterScope : scope, declares);
    const r = runBody(ip, body, iterScope);
    if (r === 'stop') return undefined;
    if (r !== 'next') return r;
  }
  return undefined;
}

function whileLoop(ip: EvaluatorHost, node: SyntaxNode, scope: JsScope, bodyFirst: boolean): Signal {
  const condNode = field(node, 'condition')!;
  const body = field(node, 'body')!;
  for (let first = true; ; first = false) {
    ip.budget.step(node);
    if (!(bodyFirst && first)) {
      const c = condition(ip, condNode, scope) ?? num(1);
      const t = truthy(c);
      if (t === null) {
        undecidable(ip, condNode, c, [body], scope, 'loop');
        return undefined;
      }
      if (!t) return undefined;
    }
    const r = runBody(ip, body, new JsScope(scope));
    if (r === 'stop') return undefined;
    if (r !== 'next') return r;
  }
}

/** Nodes whose bodies run later (or never), so skipping them changes nothing now. */
const DEFERRED_BODIES = new Set([
  'arrow_function',
  'function_expression',
  'function',
  'function_declaration',
  'method_definition',
  'class_declaration',
]);
const ARRAY_MUTATORS = new Set(['push', 'unshift', 'splice', 'pop', 'shift', 'fill', 'reverse']);

/**
 * Reports a condition (or iterable) that cannot be decided and skips the code it guards. What that
 * code would have changed becomes Unknown: variables it assigns, arrays it pushes to, and models
 * it adds layers to are marked incomplete.
 */
export function undecidable(
  ip: EvaluatorHost,
  at: SyntaxNode,
  value: JsValue,
  skipped: SyntaxNode[],
  scope: JsScope,
  what: 'condition' | 'loop' | 'iteration' = 'condition',
): void {
  const reason = value.kind === 'unknown' ? value.reason : describe(value);
  const skippedWhat = what === 'condition' ? 'its branches are skipped' : 'the loop is skipped';
  ip.report(
    at.range,
    `${what === 'iteration' ? "the loop's iterable" : what === 'loop' ? 'loop condition' : 'condition'} cannot be decided statically: ${reason}; ${skippedWhat}`,
  );
  const line = at.range.start.line + 1;
  const why = `set under the ${what === 'condition' ? 'condition' : 'loop'} at line ${line}, which cannot be decided statically (${reason})`;
  const mark = (target: SyntaxNode | undefined) => {
    if (target?.type === 'identifier' && scope.lookup(target.text) !== undefined)
      scope.assign(target.text, unknown(why, target.range));
    // `this.count = ...` / `this.items.push(...)`: the property of that object is unknown too.
    const owner = target?.type === 'member_expression' ? field(target, 'object') : undefined;
    const prop = target?.type === 'member_expression' ? field(target, 'property')?.text : undefined;
    const holder = owner?.type === 'this' || owner?.type === 'identifier' ? scope.lookup(owner.text) : undefined;
    if (holder?.kind === 'object' && prop && holder.props.has(prop))
      holder.props.set(prop, unknown(why, target!.range));
  };
  const visit = (n: SyntaxNode) => {
    if (DEFERRED_BODIES.has(n.type)) return;
    if (n.type === 'assignment_expression' || n.type === 'augmented_assignment_expression') mark(field(n, 'left'));
    if (n.type === 'update_expression') mark(field(n, 'argument'));
    if (n.type === 'call_expression') {
      const f = field(n, 'function');
      const objNode = f?.type === 'member_expression' ? field(f, 'object') : undefined;
      const method = f?.type === 'member_expression' ? (field(f, 'property')?.text ?? '') : '';
      const target = objNode?.type === 'identifier' ? scope.lookup(objNode.text) : undefined;
      if (target?.kind === 'model' && method === 'add') {
        const lines = skippedAdds.get(target) ?? [];
        lines.push(n.range.start.line + 1);
        skippedAdds.set(target, lines);
      }
      if (target?.kind === 'array' && ARRAY_MUTATORS.has(method)) mark(objNode);
      if (objNode?.type === 'member_expression' && ARRAY_MUTATORS.has(method)) mark(objNode);
    }
    n.children.forEach(visit);
  };
  const skippedAdds = new Map<ModelV, number[]>();
  skipped.forEach(visit);
  for (const [model, lines] of skippedAdds) {
    const where =
      lines.length === 1
        ? `the layer added at line ${lines[0]} is`
        : `the layers added at lines ${lines.join(', ')} are`;
    model.reasons.push({
      range: at.range,
      reason: `${where} not counted: under the ${what === 'condition' ? 'condition' : 'loop'} at line ${line}, which cannot be decided statically (${reason})`,
    });
  }
}
