// Statements beyond the core control flow: switch, throw, try/catch/finally, import and export.
import { field, type SyntaxNode } from '../../parse/syntax';
import { type JsValue, JsScope, UNDEFINED, obj, str, unknown, describe } from './values';
import { evaluate, stringValue } from './expressions';
import { getMember } from './members';
import { undecidable } from './loops';
import { JsError, JsThrow } from './errors';
import type { EvaluatorHost, Signal } from './host';

/** `switch`: strict-equality cases with fall-through; an undecidable discriminant skips them all. */
export function execSwitch(ip: EvaluatorHost, node: SyntaxNode, scope: JsScope): Signal {
  const value = evaluate(ip, field(node, 'value')!, scope);
  const cases =
    field(node, 'body')?.children.filter((c) => c.type === 'switch_case' || c.type === 'switch_default') ?? [];
  const inner = new JsScope(scope);
  let start = -1;
  for (let i = 0; i < cases.length && start < 0; i++) {
    const test = field(cases[i], 'value');
    if (!test) continue;
    const v = evaluate(ip, test, inner);
    if (value.kind === 'unknown' || v.kind === 'unknown') {
      undecidable(ip, field(node, 'value')!, value.kind === 'unknown' ? value : v, cases, scope);
      return undefined;
    }
    if (value.kind === v.kind && ('value' in value && 'value' in v ? value.value === v.value : value === v)) start = i;
  }
  if (start < 0) start = cases.findIndex((c) => c.type === 'switch_default');
  if (start < 0) return undefined;
  for (const c of cases.slice(start)) {
    const body = c.children.filter((_, i) => c.fields[i] !== 'value');
    const signal = ip.execStatements(body, inner);
    if (signal?.type === 'break') return undefined;
    if (signal) return signal;
  }
  return undefined;
}

/** `throw`: raises the value, described for the report should nothing catch it. */
export function execThrow(ip: EvaluatorHost, node: SyntaxNode, scope: JsScope): Signal {
  const value = evaluate(ip, node.children[0], scope);
  let text = describe(value);
  if (value.kind === 'object') {
    const msg = value.props.get('message');
    const name = value.props.get('name');
    text = `${name?.kind === 'str' ? name.value : 'Error'}: ${msg?.kind === 'str' ? msg.value : describe(msg ?? UNDEFINED)}`;
  }
  throw new JsThrow(value, node.range, text);
}

/** `try / catch / finally` over the analysed code's own exceptions (never the budget's). */
export function execTry(ip: EvaluatorHost, node: SyntaxNode, scope: JsScope): Signal {
  const handler = field(node, 'handler');
  const finalizer = field(node, 'finalizer');
  try {
    return ip.exec(field(node, 'body')!, scope);
  } catch (e) {
    if (!handler || !(e instanceof JsThrow || e instanceof JsError)) throw e;
    const inner = new JsScope(scope);
    const param = field(handler, 'parameter');
    const thrown =
      e instanceof JsThrow
        ? e.value
        : obj([
            ['name', str(e.jsType)],
            ['message', str(e.message)],
          ]);
    if (param) ip.assignTarget(param, thrown, inner, true);
    return ip.exec(field(handler, 'body')!, inner);
  } finally {
    if (finalizer) ip.exec(field(finalizer, 'body')!, scope);
  }
}

/** `import`: tfjs modules bind the tf namespace; relative ones the module's exports; anything else is Unknown, named by its source. */
export function execImport(ip: EvaluatorHost, node: SyntaxNode, scope: JsScope): Signal {
  if (/^import\s+type\b/.test(node.text)) return undefined;
  const sourceNode = field(node, 'source');
  const source = sourceNode ? stringValue(sourceNode) : '';
  const mod = ip.rt.importModule(source) ?? ip.importFile(source, node.range);
  const missing = (local: string) =>
    unknown(`'${local}' is imported from '${source}', which is not analysed`, node.range);
  const bind = (local: string, v: JsValue | undefined) => scope.declare(local, v ?? missing(local));
  for (const clause of node.children) {
    if (clause.type === 'import_require_clause') {
      const id = clause.children.find((c) => c.type === 'identifier');
      if (id) bind(id.text, mod);
    }
    if (clause.type !== 'import_clause') continue;
    for (const c of clause.children) {
      if (c.type === 'identifier') bind(c.text, mod);
      else if (c.type === 'namespace_import') {
        const id = c.children.find((x) => x.type === 'identifier');
        if (id) bind(id.text, mod);
      } else if (c.type === 'named_imports') {
        for (const spec of c.children.filter((x) => x.type === 'import_specifier')) {
          const name = field(spec, 'name')!;
          const local = field(spec, 'alias')?.text ?? name.text;
          bind(local, mod ? getMember(ip, mod, name.text, { range: spec.range }) : undefined);
        }
      }
    }
  }
  return undefined;
}

/** `export`: runs the exported declaration; an exported function counts as top-level. */
export function execExport(ip: EvaluatorHost, node: SyntaxNode, scope: JsScope): Signal {
  const decl = field(node, 'declaration');
  if (decl) return ip.exec(decl, scope);
  const value = field(node, 'value');
  if (value) {
    const v = evaluate(ip, value, scope);
    ip.noteTopLevel(v, scope);
    if (ip.currentModule) ip.defaultExports.set(ip.currentModule, v);
  }
  return undefined;
}
