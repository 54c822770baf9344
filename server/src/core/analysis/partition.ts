// Splits a module's top-level statements into groups that share no module-level name, so an edit
// re-runs only its own group (see groupAnalysis.ts). Anything that could couple groups another way
// (global state, reflection, training or hub machinery) keeps the file whole.
import type { SyntaxNode } from '../parse/syntax';
import { field } from '../parse/syntax';

/** Top-level statements by index into `root.children`: imports run with every group. */
export interface ModulePartition {
  imports: number[];
  /** Each group's statement indexes in source order; groups ordered by their first statement. */
  groups: number[][];
}

/** A partition, or why the file must be analysed as one piece. */
export type PartitionResult =
  { partition: ModulePartition; whole?: undefined } | { whole: string; partition?: undefined };

/** What one top-level statement binds and reads at module level, and anything that forbids splitting. */
export interface StatementFacts {
  kind: 'import' | 'code' | 'inert';
  /** Names the statement may bind in the module scope (over-approximated for compound statements). */
  binds: string[];
  /** Names the statement (or code it defines) may read from the module scope. */
  reads: string[];
  /** Attribute roots the statement assigns through or passes to setattr/delattr (`torch.x = ...`). */
  mutates: string[];
  /** Calls of names like `set_default_dtype` on some object: global-state setters when the object is an import. */
  setterRoots: string[];
  barrier?: string;
}

/**
 * Modules that keep state of their own across statements (a framework's global graph or session) or
 * reach the interpreter by reflection: importing one keeps the file whole. Any other module — torch,
 * the standard library's pure modules, the user's own package, a library read from its source — is
 * run with every group and its values treated as immutable (a statement changing one keeps the file whole).
 */
const STATEFUL_IMPORTS =
  /^(keras|tensorflow|tf_keras|tensorflowjs|jax|flax|sys|builtins|importlib|ctypes|multiprocessing|threading|gc|inspect)(\.|$)/;

/** Text that brings in analyses spanning statements (training loops, data, hub checkpoints). */
const WHOLE_FILE_TEXT =
  /\bhub\b|from_pretrained|\.backward\s*\(|\.step\s*\(|\.fit\s*\(|Trainer\b|DataLoader|Dataset\b|\bquantize_|\bsparsify_/;

/** Names whose use can reach the module scope or interpreter state by reflection. */
const REFLECTIVE = new Set([
  'globals',
  'locals',
  'vars',
  'exec',
  'eval',
  '__import__',
  '__builtins__',
  'builtins',
  'sys',
  'importlib',
]);

/** Method names that set process-wide state when called on a library (torch.set_default_dtype, ...). */
const GLOBAL_SETTER = /^(set_|use_|enable|disable)/;

/** Statement kinds that never bind or read anything. */
const INERT = new Set(['comment', 'pass_statement']);

/** Top-level statement kinds the partition understands; anything else keeps the file whole. */
const COMPOUND = new Set(['if_statement', 'for_statement', 'while_statement', 'with_statement', 'try_statement']);
const SIMPLE = new Set([
  'expression_statement',
  'assert_statement',
  'function_definition',
  'class_definition',
  'decorated_definition',
  'return_statement',
  'raise_statement',
]);

const factsCache = new WeakMap<SyntaxNode, StatementFacts>();

/**
 * Partitions `root`'s statements: two statements share a group when both mention a name some
 * statement binds at module level (import-only names excepted). Returns `whole` with a reason
 * when splitting could change the result.
 */
export function partitionModule(root: SyntaxNode, text: string): PartitionResult {
  const facts = root.children.map((s) => statementFacts(s, text));
  const whole = couplingReason(facts, text);
  if (whole) return { whole };
  return { partition: groupStatements(facts, new Set(facts.flatMap((f) => (f.kind === 'code' ? f.binds : [])))) };
}

/**
 * Why the statements with these facts could affect one another other than through module-level
 * names (global state, reflection, a library changed, training or hub machinery), or undefined.
 * Grouping and the memo of module calls (memoClasses.ts) both stop there.
 */
export function couplingReason(facts: StatementFacts[], text: string): string | undefined {
  const wholeText = WHOLE_FILE_TEXT.exec(text);
  if (wholeText) return `the file uses ${wholeText[0].trim()}, analysed across statements`;
  const barrier = facts.find((f) => f.barrier)?.barrier;
  if (barrier) return barrier;
  const imported = new Set(facts.flatMap((f) => (f.kind === 'import' ? f.binds : [])));
  const bound = new Set(facts.flatMap((f) => (f.kind === 'code' ? f.binds : [])));
  const touchesImport = facts.some(
    (f) => f.mutates.some((n) => imported.has(n) && !bound.has(n)) || f.setterRoots.some((n) => imported.has(n)),
  );
  return touchesImport ? 'a statement changes a library module or its global state' : undefined;
}

/** Union-find over statements linked by module-level names. */
function groupStatements(facts: StatementFacts[], bound: Set<string>): ModulePartition {
  const parent = facts.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const owner = new Map<string, number>();
  const imports: number[] = [];
  facts.forEach((f, i) => {
    if (f.kind === 'import') imports.push(i);
    if (f.kind !== 'code') return;
    for (const name of [...f.binds, ...f.reads]) {
      if (!bound.has(name)) continue;
      const first = owner.get(name);
      if (first === undefined) owner.set(name, i);
      else parent[find(i)] = find(first);
    }
  });
  const groups = new Map<number, number[]>();
  facts.forEach((f, i) => {
    if (f.kind !== 'code') return;
    const key = find(i);
    const list = groups.get(key);
    if (list) list.push(i);
    else groups.set(key, [i]);
  });
  return { imports, groups: [...groups.values()].sort((a, b) => a[0] - b[0]) };
}

/** The facts of one top-level statement (cached: the language server reuses unchanged statement nodes). */
export function statementFacts(stmt: SyntaxNode, text: string): StatementFacts {
  let facts = factsCache.get(stmt);
  if (!facts) {
    facts = computeFacts(stmt, text);
    factsCache.set(stmt, facts);
  }
  return facts;
}

function computeFacts(stmt: SyntaxNode, text: string): StatementFacts {
  const empty = { binds: [], reads: [], mutates: [], setterRoots: [] };
  if (INERT.has(stmt.type)) return { kind: 'inert', ...empty };
  // `sys.path.append("src")` only changes where imports are found: it runs with every group, as imports do.
  if (SYS_PATH_CHANGE.test(nodeText(stmt, text))) return { kind: 'import', ...empty };
  if (
    stmt.type === 'import_statement' ||
    stmt.type === 'import_from_statement' ||
    stmt.type === 'future_import_statement'
  )
    return importFacts(stmt, text);
  if (!SIMPLE.has(stmt.type) && !COMPOUND.has(stmt.type))
    return {
      kind: 'code',
      ...empty,
      barrier: `a top-level ${stmt.type.replace(/_/g, ' ')} is analysed with the whole file`,
    };
  const walk = new NameWalk();
  walk.statement(stmt, COMPOUND.has(stmt.type));
  // `x = torch.randn(1, 3, 224, 224)` reads nothing of the module: run it with every group, as imports
  // are, so that a model in any group can take it as its example input (inputRules.ts), as a whole run does.
  if (isExampleTensor(stmt, walk))
    return { kind: 'import', binds: [...walk.binds], reads: [], mutates: [], setterRoots: [] };
  return {
    kind: 'code',
    binds: [...walk.binds],
    reads: [...walk.reads],
    mutates: [...walk.mutates],
    setterRoots: [...walk.setterRoots],
    barrier: walk.barrier,
  };
}

/** A top-level `sys.path.append(...)` / `sys.path.insert(...)` statement. */
const SYS_PATH_CHANGE = /^sys\.path\.(append|insert)\s*\([^\n]*\)\s*$/;

/** `import sys` in a file that uses sys only to change sys.path (the script header of a repository). */
function onlyForPaths(stmt: SyntaxNode, text: string): boolean {
  if (stmt.type !== 'import_statement' || nodeText(stmt, text).trim() !== 'import sys') return false;
  const uses = text.match(/\bsys\.\w+/g) ?? [];
  return uses.length > 0 && uses.every((u) => u === 'sys.path');
}

const TENSOR_FACTORY = /^torch\.(randn|rand|zeros|ones|randint|tensor|empty|full)\s*\(/;

/** `name = torch.<factory>(literals)`: one name bound from a tensor factory that reads only `torch`. */
function isExampleTensor(stmt: SyntaxNode, walk: NameWalk): boolean {
  if (stmt.type !== 'expression_statement' || walk.binds.size !== 1 || walk.barrier) return false;
  if ([...walk.reads].some((n) => n !== 'torch' && !walk.binds.has(n)) || walk.mutates.size || walk.setterRoots.size)
    return false;
  const assignment = stmt.children[0];
  if (assignment?.type !== 'assignment') return false;
  const right = assignment.children[assignment.children.length - 1];
  return assignment.children[0]?.type === 'identifier' && right?.type === 'call' && TENSOR_FACTORY.test(right.text);
}

/** An import binds its aliases; importing anything outside the splittable set keeps the file whole. */
function importFacts(stmt: SyntaxNode, text: string): StatementFacts {
  const facts: StatementFacts = { kind: 'import', binds: [], reads: [], mutates: [], setterRoots: [] };
  const moduleName = field(stmt, 'module_name');
  const modules = moduleName ? [nodeText(moduleName, text)] : [];
  for (let i = 0; i < stmt.children.length; i++) {
    const child = stmt.children[i];
    if (stmt.fields[i] !== 'name') continue;
    const name = child.type === 'aliased_import' ? field(child, 'name')! : child;
    const alias = child.type === 'aliased_import' ? field(child, 'alias') : undefined;
    const dotted = nodeText(name, text);
    if (!moduleName) modules.push(dotted);
    facts.binds.push(alias ? nodeText(alias, text) : moduleName ? dotted : dotted.split('.')[0]);
  }
  if (stmt.children.some((c) => c.type === 'wildcard_import')) facts.barrier = 'a wildcard import';
  const stateful = modules.find((m) => STATEFUL_IMPORTS.test(m) && !(m === 'sys' && onlyForPaths(stmt, text)));
  if (stateful !== undefined && stmt.type !== 'future_import_statement') facts.barrier = `the file imports ${stateful}`;
  return facts;
}

/**
 * Walks a statement collecting module-level names: every identifier read outside a function, the
 * free names of functions (not their parameters or locals), and the names bound at module level.
 */
class NameWalk {
  readonly binds = new Set<string>();
  readonly reads = new Set<string>();
  readonly mutates = new Set<string>();
  readonly setterRoots = new Set<string>();
  barrier: string | undefined;
  /** Local names of the enclosing functions, innermost last. */
  private readonly scopes: Set<string>[] = [];

  /** A top-level statement; compound ones bind at module level whatever their blocks bind. */
  statement(stmt: SyntaxNode, compound: boolean): void {
    if (compound) localBindings(stmt, this.binds);
    this.visit(stmt, true);
  }

  private visit(node: SyntaxNode, atModule: boolean): void {
    switch (node.type) {
      case 'identifier':
        return this.read(node.text);
      case 'attribute':
        return this.attribute(node, atModule);
      case 'keyword_argument':
        return this.visitField(node, 'value', atModule);
      case 'function_definition':
        return this.functionDefinition(node, atModule);
      case 'lambda':
        return this.lambda(node, atModule);
      case 'class_definition':
        return this.classDefinition(node, atModule);
      case 'assignment':
      case 'augmented_assignment':
        return this.assignment(node, atModule);
      case 'global_statement':
      case 'nonlocal_statement':
        if (node.type === 'global_statement') this.barrier = 'a global statement';
        return;
      case 'call':
        return this.call(node, atModule);
      case 'named_expression': {
        const name = field(node, 'name');
        if (name && atModule) this.binds.add(name.text);
        return this.visitField(node, 'value', atModule);
      }
      case 'import_statement':
      case 'import_from_statement':
      case 'future_import_statement': {
        const nested = importFacts(node, '');
        if (nested.barrier) this.barrier = nested.barrier;
        return;
      }
      default:
        for (const c of node.children) this.visit(c, atModule);
    }
  }

  private visitField(node: SyntaxNode, name: string, atModule: boolean): void {
    const child = field(node, name);
    if (child) this.visit(child, atModule);
  }

  /** A free name: a module-level read unless some enclosing function binds it. */
  private read(name: string): void {
    if (REFLECTIVE.has(name)) this.barrier = `${name} reaches the module scope by reflection`;
    if (!this.scopes.some((s) => s.has(name))) this.reads.add(name);
  }

  /** `a.b.c`: only the root object is a name; the attribute names are not. */
  private attribute(node: SyntaxNode, atModule: boolean): void {
    const attr = field(node, 'attribute');
    if (attr?.text === '__dict__') this.barrier = '__dict__ reaches a namespace by reflection';
    this.visitField(node, 'object', atModule);
  }

  private call(node: SyntaxNode, atModule: boolean): void {
    const fn = field(node, 'function');
    const args = field(node, 'arguments');
    if (fn?.type === 'attribute' && GLOBAL_SETTER.test(field(fn, 'attribute')?.text ?? ''))
      this.addRoot(fn, this.setterRoots);
    if (fn?.type === 'identifier' && (fn.text === 'setattr' || fn.text === 'delattr') && args?.children[0])
      this.addRoot(args.children[0], this.mutates);
    for (const c of node.children) this.visit(c, atModule);
  }

  private assignment(node: SyntaxNode, atModule: boolean): void {
    const left = field(node, 'left');
    if (left) {
      this.targets(left, atModule);
      this.visit(left, atModule);
    }
    this.visitField(node, 'type', atModule);
    this.visitField(node, 'right', atModule);
  }

  /** Names an assignment target binds; attribute and subscript targets mutate their root object instead. */
  private targets(target: SyntaxNode, atModule: boolean): void {
    // Function locals were collected up front (localBindings); class-body names hide nothing from reads.
    if (target.type === 'identifier') {
      if (atModule) this.binds.add(target.text);
    } else if (target.type === 'attribute' || target.type === 'subscript') {
      this.addRoot(target, this.mutates);
    } else {
      for (const c of target.children) this.targets(c, atModule);
    }
  }

  private addRoot(node: SyntaxNode, into: Set<string>): void {
    let n: SyntaxNode | undefined = node;
    while (n && (n.type === 'attribute' || n.type === 'subscript' || n.type === 'call')) n = n.children[0];
    if (n?.type === 'identifier') into.add(n.text);
  }

  /** Decorators, defaults and annotations run in the enclosing scope; the body in its own. */
  private functionDefinition(node: SyntaxNode, atModule: boolean): void {
    const name = field(node, 'name');
    if (name && atModule) this.binds.add(name.text);
    const params = field(node, 'parameters');
    const locals = new Set<string>();
    if (params) this.parameters(params, locals, atModule);
    this.visitField(node, 'return_type', atModule);
    const body = field(node, 'body');
    if (body) localBindings(body, locals);
    this.scopes.push(locals);
    if (body) this.visit(body, false);
    this.scopes.pop();
  }

  private lambda(node: SyntaxNode, atModule: boolean): void {
    const locals = new Set<string>();
    const params = field(node, 'parameters');
    if (params) this.parameters(params, locals, atModule);
    this.scopes.push(locals);
    this.visitField(node, 'body', false);
    this.scopes.pop();
  }

  /** Parameter names become locals; default values and annotations are read outside. */
  private parameters(params: SyntaxNode, locals: Set<string>, atModule: boolean): void {
    for (const p of params.children) {
      if (p.type === 'identifier') locals.add(p.text);
      else {
        const name = field(p, 'name') ?? p.children.find((c) => c.type === 'identifier');
        if (name) locals.add(name.text);
        this.visitField(p, 'value', atModule);
        this.visitField(p, 'type', atModule);
      }
    }
  }

  /** A class body's names are class attributes: they hide nothing, so everything it mentions counts as read. */
  private classDefinition(node: SyntaxNode, atModule: boolean): void {
    const name = field(node, 'name');
    if (name && atModule) this.binds.add(name.text);
    this.visitField(node, 'superclasses', atModule);
    const body = field(node, 'body');
    if (body) for (const c of body.children) this.visit(c, false);
  }
}

/**
 * Every name a block binds without entering nested scopes (assignment and loop targets, with/except
 * aliases, walrus, nested definitions, imports): in a function Python makes them local to the whole body.
 */
function localBindings(body: SyntaxNode, locals: Set<string>): void {
  const visit = (n: SyntaxNode): void => {
    switch (n.type) {
      case 'function_definition':
      case 'class_definition': {
        const name = field(n, 'name');
        if (name) locals.add(name.text);
        return;
      }
      case 'lambda':
      case 'list_comprehension':
      case 'set_comprehension':
      case 'dictionary_comprehension':
      case 'generator_expression':
        return;
      case 'assignment':
      case 'augmented_assignment':
      case 'for_statement': {
        const left = field(n, 'left');
        if (left) bindingNames(left, locals);
        break;
      }
      case 'named_expression': {
        const name = field(n, 'name');
        if (name) locals.add(name.text);
        break;
      }
      case 'as_pattern_target':
      case 'delete_statement':
        bindingNames(n, locals);
        break;
      case 'except_clause':
        n.children
          .filter((c) => c.type === 'identifier')
          .slice(1)
          .forEach((c) => locals.add(c.text));
        break;
      case 'aliased_import': {
        const alias = field(n, 'alias');
        if (alias) locals.add(alias.text);
        return;
      }
      case 'import_statement':
      case 'import_from_statement':
        n.children.filter((c) => c.type === 'dotted_name').forEach((c) => locals.add(c.text.split('.')[0]));
        break;
    }
    for (const c of n.children) visit(c);
  };
  visit(body);
}

/** Identifiers in binding position in a target (not inside attributes or subscripts). */
function bindingNames(target: SyntaxNode, into: Set<string>): void {
  if (target.type === 'identifier') into.add(target.text);
  else if (target.type !== 'attribute' && target.type !== 'subscript')
    for (const c of target.children) bindingNames(c, into);
}

function nodeText(node: SyntaxNode, text: string): string {
  return node.text || text.slice(node.startIndex, node.endIndex);
}

/**
 * What a statement's results depend on besides the other statements of its group: its text, the
 * line it starts on (reports carry lines), and the `# wattlens: input=` comments near it. (A
 * statement without syntax errors parses the same wherever it stands; one with errors is never cached.)
 */
export function statementKey(stmt: SyntaxNode, text: string, declared: Map<number, number[][]>): string {
  const { start, end } = stmt.range;
  const inputs: string[] = [];
  for (let line = start.line - 2; line <= end.line; line++) {
    const shapes = declared.get(line);
    if (shapes) inputs.push(`${line}=${JSON.stringify(shapes)}`);
  }
  const near = inputs.join(';');
  // A syntax node's text never changes (the language server reuses a node only for identical text), so
  // its key string is built once per line and inputs: the memo's maps then hash each statement text once.
  const cached = keyCache.get(stmt);
  if (cached?.line === start.line && cached.inputs === near) return cached.key;
  const key = `${start.line}\u0000${text.slice(stmt.startIndex, stmt.endIndex)}\u0000${near}`;
  keyCache.set(stmt, { line: start.line, inputs: near, key });
  return key;
}

const keyCache = new WeakMap<SyntaxNode, { line: number; inputs: string; key: string }>();
