// Which top-level classes a run may take from the memo of module calls (frameworks/torch/moduleMemo.ts):
// those whose behaviour follows from their own text and the text of the classes, functions and
// imports they read, and that no other statement can change. Everything else always runs.
import type { SyntaxNode } from '../parse/syntax';
import { field } from '../parse/syntax';
import { couplingReason, statementFacts, statementKey, type StatementFacts } from './partition';
import type { MemoClass } from '../frameworks/torch/moduleMemo';

export type { MemoClass };

/** Memoisable classes by `name@line` of their statement; empty when anything could couple statements. */
export function memoClasses(
  module: SyntaxNode,
  text: string,
  declared: Map<number, number[][]>,
): Map<string, MemoClass> {
  const out = new Map<string, MemoClass>();
  const statements = module.children;
  if (statements.some((s) => s.hasError && isImport(s))) return out;
  const facts = statements.map((s) => statementFacts(s, text));
  if (couplingReason(facts, text)) return out;
  const { imported, binders } = bindings(facts);
  const eligible = candidates(statements, text, facts, binders, imported);
  excludeBadReferences(statements, text, facts, eligible);
  dropImpure(facts, eligible, binders);
  const importKeys = statements.flatMap((s, i) =>
    facts[i].kind === 'import' ? [statementKey(s, text, declared)] : [],
  );
  for (const [name, i] of eligible) {
    if (statements[i].type !== 'class_definition') continue;
    const closure = closureOf(i, facts, eligible);
    const names = [
      ...new Set(closure.flatMap((j) => facts[j].reads.filter((r) => eligible.has(r) || imported.has(r)))),
    ];
    const key = [...importKeys, ...closure.map((j) => statementKey(statements[j], text, declared))];
    out.set(`${name}@${statements[i].range.start.line}`, { key, names });
  }
  return out;
}

function isImport(s: SyntaxNode): boolean {
  return s.type === 'import_statement' || s.type === 'import_from_statement' || s.type === 'future_import_statement';
}

/** Names bound by imports, and for each name the code statements that bind it. */
function bindings(facts: StatementFacts[]): { imported: Set<string>; binders: Map<string, number[]> } {
  const imported = new Set<string>();
  const binders = new Map<string, number[]>();
  facts.forEach((f, i) => {
    for (const name of f.binds) {
      if (f.kind === 'import') imported.add(name);
      else if (binders.has(name)) binders.get(name)!.push(i);
      else binders.set(name, [i]);
    }
  });
  return { imported, binders };
}

/** Class and function statements bound once, by themselves, whose bodies keep no state of their own. */
function candidates(
  statements: SyntaxNode[],
  text: string,
  facts: StatementFacts[],
  binders: Map<string, number[]>,
  imported: Set<string>,
): Map<string, number> {
  const out = new Map<string, number>();
  statements.forEach((s, i) => {
    const name = traitsOf(s, text).stateless;
    if (name && !imported.has(name) && binders.get(name)?.length === 1 && !facts[i].barrier) out.set(name, i);
  });
  return out;
}

/** What a statement's own text says, worked out once per syntax node (the language server reuses unchanged ones). */
interface StatementTraits {
  /** The name a class or function statement defines, when its text keeps no state of its own. */
  stateless?: string;
  /** Names the statement uses other than by calling, subclassing, `super(Name, ...)` or `isinstance(x, Name)`. */
  otherUses: Set<string>;
}

const traitsCache = new WeakMap<SyntaxNode, StatementTraits>();

function traitsOf(s: SyntaxNode, text: string): StatementTraits {
  let traits = traitsCache.get(s);
  if (!traits) {
    traits = { stateless: statelessName(s, s.text || text.slice(s.startIndex, s.endIndex)), otherUses: otherUses(s) };
    traitsCache.set(s, traits);
  }
  return traits;
}

function statelessName(s: SyntaxNode, source: string): string | undefined {
  if (s.type !== 'class_definition' && s.type !== 'function_definition') return undefined;
  const name = field(s, 'name')?.text;
  if (!name || s.hasError || STATEFUL_TEXT.test(source) || !literalDefaults(s)) return undefined;
  return s.type === 'function_definition' || plainClassBody(s) ? name : undefined;
}

/** Text that reaches a class from its instances (`type(self).n += 1`, `self.__class__`). */
const STATEFUL_TEXT = /__class__|\btype\s*\(/;

/** Decorators that add no state of their own to a method. */
const PLAIN_DECORATOR =
  /^@\s*(staticmethod|classmethod|property|\w+\.setter|torch\.no_grad\(\)|torch\.inference_mode\(\))\s*$/;

/** A class body of docstrings, methods and attributes set to literals: nothing an instance could mutate. */
function plainClassBody(cls: SyntaxNode): boolean {
  const body = field(cls, 'body');
  return (
    !!body &&
    body.children.every((c) => {
      if (c.type === 'function_definition' || c.type === 'pass_statement' || c.type === 'comment') return true;
      if (c.type === 'decorated_definition')
        return c.children.filter((d) => d.type === 'decorator').every((d) => PLAIN_DECORATOR.test(d.text));
      if (c.type !== 'expression_statement' || c.children.length !== 1) return false;
      const e = c.children[0];
      return e.type === 'string' || (e.type === 'assignment' && !!field(e, 'right') && isLiteral(field(e, 'right')!));
    })
  );
}

/** Every function and lambda in the statement has literal default values (a list default keeps state between calls). */
function literalDefaults(stmt: SyntaxNode): boolean {
  const visit = (n: SyntaxNode): boolean => {
    if (n.type === 'default_parameter' || n.type === 'typed_default_parameter') {
      const value = field(n, 'value');
      if (value && !isLiteral(value)) return false;
    }
    return n.children.every(visit);
  };
  return visit(stmt);
}

const LITERALS = new Set([
  'integer',
  'float',
  'string',
  'true',
  'false',
  'none',
  'unary_operator',
  'concatenated_string',
]);

function isLiteral(n: SyntaxNode): boolean {
  if (LITERALS.has(n.type)) return true;
  const punctuation = (c: SyntaxNode) => c.type === '(' || c.type === ')' || c.type === ',';
  if (n.type === 'tuple' || n.type === 'parenthesized_expression')
    return n.children.every((c) => punctuation(c) || isLiteral(c));
  return false;
}

/**
 * Drops candidates that some statement mentions other than by calling them, subclassing them,
 * `super(Name, self)` or `isinstance(x, Name)`: any other use could change the class or function.
 */
function excludeBadReferences(
  statements: SyntaxNode[],
  text: string,
  facts: StatementFacts[],
  eligible: Map<string, number>,
): void {
  statements.forEach((s, i) => {
    if (!facts[i].reads.some((r) => eligible.has(r)) && !facts[i].mutates.some((r) => eligible.has(r))) return;
    for (const name of traitsOf(s, text).otherUses) eligible.delete(name);
  });
}

/** Every bare name `stmt` uses in a position other than the harmless ones. */
function otherUses(stmt: SyntaxNode): Set<string> {
  const bad = new Set<string>();
  const visit = (n: SyntaxNode, harmless: boolean, argsOf: string | undefined): void => {
    if (n.type === 'identifier') {
      if (!harmless) bad.add(n.text);
      return;
    }
    let position = 0;
    for (let k = 0; k < n.children.length; k++) {
      const c = n.children[k];
      const isArgument = n.type === 'argument_list' && c.type !== '(' && c.type !== ')' && c.type !== ',';
      visit(c, isArgument ? harmlessArgument(argsOf, position) : harmlessChild(n, k), argumentsOf(n, k));
      if (isArgument) position++;
    }
  };
  visit(stmt, false, undefined);
  return bad;
}

/** Whether child `k` of `n`, if a bare name, is used in a way that cannot change what it names. */
function harmlessChild(n: SyntaxNode, k: number): boolean {
  const role = n.fields[k];
  switch (n.type) {
    case 'call':
      return role === 'function';
    case 'attribute':
      return role === 'attribute';
    case 'keyword_argument':
      return role === 'name';
    case 'class_definition':
    case 'function_definition':
      return role === 'name';
    default:
      return false;
  }
}

/** For an argument list that is child `k` of `n`: `bases` in a class statement, else the callee's text. */
function argumentsOf(n: SyntaxNode, k: number): string | undefined {
  if (n.type === 'class_definition' && n.fields[k] === 'superclasses') return 'bases';
  if (n.type === 'call' && n.fields[k] === 'arguments') return field(n, 'function')?.text;
  return undefined;
}

/** Bases in a class statement, `super(Name, self)`, `isinstance(x, Name)` and `issubclass(C, Name)`. */
function harmlessArgument(argsOf: string | undefined, position: number): boolean {
  return (
    argsOf === 'bases' ||
    (argsOf === 'super' && position === 0) ||
    ((argsOf === 'isinstance' || argsOf === 'issubclass') && position === 1)
  );
}

/** Drops, until none is left to drop, candidates that read a module-level name bound by other code. */
function dropImpure(facts: StatementFacts[], eligible: Map<string, number>, binders: Map<string, number[]>): void {
  for (let changed = true; changed;) {
    changed = false;
    for (const [name, i] of eligible) {
      const impure =
        facts[i].reads.some((r) => binders.has(r) && !eligible.has(r)) ||
        facts[i].mutates.some((r) => binders.has(r) && r !== name);
      if (impure) {
        eligible.delete(name);
        changed = true;
      }
    }
  }
}

/** The statement and every eligible statement it reads, transitively, in source order. */
function closureOf(start: number, facts: StatementFacts[], eligible: Map<string, number>): number[] {
  const seen = new Set<number>([start]);
  const stack = [start];
  while (stack.length) {
    for (const r of facts[stack.pop()!].reads) {
      const j = eligible.get(r);
      if (j !== undefined && !seen.has(j)) {
        seen.add(j);
        stack.push(j);
      }
    }
  }
  return [...seen].sort((a, b) => a - b);
}
