// The statement half of the abstract interpreter: executes a Python module's statements
// (assignments, control flow, definitions, imports) over the values in values.ts.
import { field, fieldAll, type SyntaxNode, type Range } from '../../parse/syntax';
import {
  Scope,
  type Value,
  type FuncV,
  type ClassV,
  type ParamDecl,
  type CallSite,
  NONE,
  str,
  unknown,
  hashKey,
} from './values';
import { StepBudget, StepBudgetExceeded } from '../stepBudget';
import { PyError, raise } from './errors';
import { truthy, display } from './operators';
import { Evaluator } from './evaluate';
import type { BuiltinHost, FrameworkHooks } from './hooks';
import { plainMethod } from './stdlib';
import { isEnumClass, makeDataclass, makeEnumMembers } from './pythonTypes';

/** What a statement tells its enclosing block to do next. */
export type Signal = undefined | { type: 'break' } | { type: 'continue' } | { type: 'return'; value: Value };

/** A reason the analysis could not evaluate something, located in the source. */
export interface Problem {
  range: Range;
  reason: string;
  severity: 'warning' | 'information';
}

/** Resolves `import x` / `from x import y` to namespaces; returns undefined for unknown modules. */
export type ModuleResolver = (dotted: string, scope: Scope, site: CallSite) => Value | undefined;

/** Executes Python statements; expressions are delegated to the Evaluator. */
export class Interpreter extends Evaluator implements BuiltinHost {
  readonly problems: Problem[] = [];
  private readonly reported = new Set<string>();

  private resolveModule: ModuleResolver = () => undefined;

  constructor(budget: StepBudget, hooks: FrameworkHooks[]) {
    super(budget, hooks, new Scope(null));
  }

  /** Installs the builtins scope and the import resolver (they need the interpreter as host). */
  configure(builtins: Scope, resolveModule: ModuleResolver): void {
    for (const [k, v] of builtins.vars) this.builtins.vars.set(k, v);
    this.resolveModule = resolveModule;
  }

  /** len() of any value: plain containers, then framework objects. */
  length(v: Value): number | undefined {
    if (v.kind === 'list' || v.kind === 'tuple') return v.items.length;
    if (v.kind === 'dict') return v.entries.size;
    if (v.kind === 'str') return v.value.length;
    for (const h of this.hooks) {
      const n = h.length?.(v);
      if (n !== undefined) return n;
    }
    return undefined;
  }

  /** copy.deepcopy: frameworks copy their objects; plain containers are copied structurally. */
  deepCopy(v: Value): Value {
    for (const h of this.hooks) {
      const r = h.deepCopy?.(v);
      if (r !== undefined) return r;
    }
    if (v.kind === 'list' || v.kind === 'tuple') return { kind: v.kind, items: v.items.map((x) => this.deepCopy(x)) };
    if (v.kind === 'dict')
      return {
        kind: 'dict',
        entries: new Map([...v.entries].map(([k, e]) => [k, { key: e.key, value: this.deepCopy(e.value) }])),
      };
    return v;
  }

  /** Methods of plain values. */
  protected builtinMethod(obj: Value, name: string): Value | undefined {
    return plainMethod(obj, name, this);
  }

  /**
   * Runs a whole module; problems are collected, never thrown (except budget exhaustion).
   * `afterStatement` is told the position of each top-level statement once it has run.
   */
  runModule(root: SyntaxNode, scope: Scope, afterStatement?: (position: number) => void): void {
    const statements = root.children;
    for (let i = 0; i < statements.length; i++) {
      const ok = this.execTopLevel(statements[i], scope);
      afterStatement?.(i);
      if (!ok) return;
    }
  }

  /** Runs one module-level statement, recording anything it raises; false once the budget is spent. */
  private execTopLevel(stmt: SyntaxNode, scope: Scope): boolean {
    try {
      this.exec(stmt, scope);
      return true;
    } catch (e) {
      if (e instanceof StepBudgetExceeded) {
        this.report(e.range ?? stmt.range, e.message, 'warning');
        return false;
      }
      this.reportError(e, stmt.range);
      return true;
    }
  }

  /** Records an exception as a located problem. */
  reportError(e: unknown, fallback: Range): void {
    if (e instanceof StepBudgetExceeded) throw e;
    if (e instanceof PyError) this.report(e.range ?? fallback, `${e.pyType}: ${e.message}`, 'information');
    else if (e instanceof RangeError) this.report(fallback, 'analysis gave up: nesting too deep', 'information');
    else this.report(fallback, `internal analysis error: ${(e as Error).message ?? String(e)}`, 'information');
  }

  /** Records a problem once per location and message (in imported code: at the anchor, in the analysed file). */
  report(range: Range, reason: string, severity: Problem['severity'] = 'information'): void {
    if (this.inForeign && this.anchorSite) range = this.anchorSite.range;
    this.problemEvents++;
    this.lastProblem = reason;
    const key = `${range.start.line}:${range.start.character}:${reason}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.problems.push({ range, reason, severity });
  }

  /** Executes a block's statements in order, stopping at break/continue/return. */
  execBlock(block: SyntaxNode | undefined, scope: Scope): Signal {
    if (!block) return undefined;
    for (const stmt of block.children) {
      const signal = this.exec(stmt, scope);
      if (signal) return signal;
    }
    return undefined;
  }

  /** Executes one statement. */
  exec(node: SyntaxNode, scope: Scope): Signal {
    this.budget.step(node);
    switch (node.type) {
      case 'expression_statement':
        return this.execExpressionStatement(node, scope);
      case 'if_statement':
        return this.execIf(node, scope);
      case 'for_statement':
        return this.execFor(node, scope);
      case 'while_statement':
        return this.execWhile(node, scope);
      case 'function_definition':
        return this.defineFunction(node, scope, []);
      case 'class_definition':
        return this.defineClass(node, scope, []);
      case 'decorated_definition':
        return this.execDecorated(node, scope);
      case 'return_statement':
        return { type: 'return', value: node.children[0] ? this.eval(node.children[0], scope) : NONE };
      case 'pass_statement':
      case 'comment':
        return undefined;
      case 'break_statement':
        return { type: 'break' };
      case 'continue_statement':
        return { type: 'continue' };
      case 'import_statement':
      case 'import_from_statement':
      case 'future_import_statement':
        return this.execImport(node, scope);
      case 'with_statement':
        return this.execWith(node, scope);
      case 'try_statement':
        return this.execTry(node, scope);
      case 'raise_statement':
        return this.execRaise(node, scope);
      case 'assert_statement':
      case 'print_statement':
      case 'type_alias_statement':
        return undefined;
      case 'global_statement':
        return this.declare(node, scope, () => scope.moduleScope());
      case 'nonlocal_statement':
        return this.declare(node, scope, (n) => scope.enclosingBinding(n));
      case 'delete_statement':
        return this.execDelete(node, scope);
      case 'block':
        return this.execBlock(node, scope);
      case 'ERROR':
        return this.syntaxError(node);
      default:
        return this.unsupported(node, `statement '${node.type}' is not analysed`);
    }
  }

  private syntaxError(_node: SyntaxNode): Signal {
    return undefined; // already a syntax finding of the file; the rest of the module still runs
  }

  private unsupported(node: SyntaxNode, reason: string): Signal {
    this.report(node.range, reason);
    return undefined;
  }

  private execExpressionStatement(node: SyntaxNode, scope: Scope): Signal {
    for (const child of node.children) {
      if (child.type === 'string') continue; // docstrings
      if (!this.tolerant) this.eval(child, scope);
      else this.evalTolerantly(child, scope);
    }
    return undefined;
  }

  private evalTolerantly(node: SyntaxNode, scope: Scope): void {
    try {
      this.eval(node, scope);
    } catch (e) {
      if (!(e instanceof PyError)) throw e;
      this.reportError(e, node.range);
      const left = node.type === 'assignment' || node.type === 'augmented_assignment' ? field(node, 'left') : undefined;
      if (left) this.assignUnknown(left, unknown(`${e.pyType}: ${e.message}`, e.range ?? node.range), scope);
    }
  }

  private assignUnknown(target: SyntaxNode, value: Value, scope: Scope): void {
    try {
      this.assignTarget(target, value, scope);
    } catch {
      // The target itself cannot be assigned (e.g. an attribute of an unknown object): leave it.
    }
  }

  private execIf(node: SyntaxNode, scope: Scope): Signal {
    const branches: [SyntaxNode | undefined, SyntaxNode | undefined][] = [
      [field(node, 'condition'), field(node, 'consequence')],
    ];
    for (const alt of fieldAll(node, 'alternative')) {
      if (alt.type === 'elif_clause') branches.push([field(alt, 'condition'), field(alt, 'consequence')]);
      else branches.push([undefined, field(alt, 'body')]);
    }
    for (const [condition, body] of branches) {
      if (!condition) return this.execBlock(body, scope);
      const value = this.eval(condition, scope);
      const t = truthy(value);
      if (t === null) return this.undecidable(condition, value, node, scope);
      if (t) return this.execBlock(body, scope);
    }
    return undefined;
  }

  private undecidable(condition: SyntaxNode, value: Value, skipped: SyntaxNode, scope: Scope): Signal {
    const why = value.kind === 'unknown' ? `: ${value.reason}` : '';
    const reason = `condition cannot be decided statically${why}; its branches are skipped`;
    this.report(condition.range, reason);
    this.bindSkipped(skipped, scope, reason);
    return undefined;
  }

  /** Evaluates a loop's iterable; if it raises, the loop's names become Unknown before the error goes on. */
  private evalOrSkip(expr: SyntaxNode, loop: SyntaxNode, scope: Scope): Value {
    try {
      return this.eval(expr, scope);
    } catch (e) {
      if (e instanceof PyError)
        this.bindSkipped(
          loop,
          scope,
          `the loop at line ${loop.range.start.line + 1} was skipped (${e.pyType}: ${e.message})`,
        );
      throw e;
    }
  }

  /**
   * Names a skipped block would have assigned become Unknown (with the reason), so a later use reads
   * as "unknown because…" instead of a NameError the real program would never raise.
   */
  private bindSkipped(block: SyntaxNode, scope: Scope, reason: string): void {
    for (const name of assignedNames(block)) {
      if (scope.lookup(name) === undefined) scope.assign(name, unknown(reason, block.range));
    }
  }

  /**
   * A loop over data the analysis cannot see runs an unknown number of times: every name its body
   * assigns and every list or dict it appends to becomes Unknown, rather than keeping the value it
   * had before the loop (`n = 0` counted up in the loop is not 0; `pairs = []` filled in it is not empty).
   */
  private forgetSkippedLoop(loop: SyntaxNode, scope: Scope, reason: string): void {
    const body = field(loop, 'body') ?? loop;
    for (const name of [...assignedNames(body), ...mutatedNames(body)]) scope.assign(name, unknown(reason, loop.range));
    this.bindSkipped(loop, scope, reason);
  }

  private execFor(node: SyntaxNode, scope: Scope): Signal {
    const left = field(node, 'left')!;
    const iterable = this.evalOrSkip(field(node, 'right')!, node, scope);
    const items = this.iterateValue(iterable, { range: field(node, 'right')!.range });
    if (!items) {
      const reason = `cannot iterate over ${display(iterable)} statically; loop skipped`;
      this.forgetSkippedLoop(node, scope, `${reason} (line ${node.range.start.line + 1})`);
      return this.unsupported(node, reason);
    }
    for (const item of items) {
      this.budget.step(node);
      this.assignTarget(left, item, scope);
      const signal = this.execBlock(field(node, 'body'), scope);
      if (signal?.type === 'break') return undefined;
      if (signal?.type === 'return') return signal;
    }
    return this.execElse(node, scope);
  }

  /** Runs a loop's `else:` block (reached when the loop ends without break). */
  private execElse(loop: SyntaxNode, scope: Scope): Signal {
    const alternative = field(loop, 'alternative');
    return alternative ? this.execBlock(field(alternative, 'body'), scope) : undefined;
  }

  private execWhile(node: SyntaxNode, scope: Scope): Signal {
    try {
      return this.runWhile(node, scope);
    } catch (e) {
      // A `while True:` that never ends is shown at the loop, whichever statement of it spent the last step.
      if (e instanceof StepBudgetExceeded && !e.atLoop) {
        e.atLoop = true;
        e.range = node.range;
      }
      throw e;
    }
  }

  private runWhile(node: SyntaxNode, scope: Scope): Signal {
    const condition = field(node, 'condition')!;
    for (;;) {
      this.budget.step(node);
      const value = this.eval(condition, scope);
      const t = truthy(value);
      if (t === null) return this.undecidable(condition, value, node, scope);
      if (!t) return this.execElse(node, scope);
      const signal = this.execBlock(field(node, 'body'), scope);
      if (signal?.type === 'break') return undefined;
      if (signal?.type === 'return') return signal;
    }
  }

  private execDecorated(node: SyntaxNode, scope: Scope): Signal {
    // A decorator node is `@` then its expression: the expression is the first child that is not the token.
    const decorators = node.children
      .filter((c) => c.type === 'decorator')
      .map((d) => d.children.find((c) => c.type !== '@' && c.type !== 'comment')!)
      .filter(Boolean);
    const definition = field(node, 'definition')!;
    if (definition.type === 'class_definition') return this.defineClass(definition, scope, decorators);
    return this.defineFunction(definition, scope, decorators);
  }

  /** Defines a function, then applies its decorators bottom-up, as Python does. */
  private defineFunction(node: SyntaxNode, scope: Scope, decorators: SyntaxNode[]): Signal {
    const name = field(node, 'name')!.text;
    const func: FuncV = {
      kind: 'func',
      name,
      params: this.declareParams(field(node, 'parameters'), scope),
      body: field(node, 'body')!,
      closure: scope,
      range: node.range,
      ...(this.inForeign ? { foreign: this.inForeign } : {}),
    };
    let value: Value = func;
    for (const d of [...decorators].reverse()) value = this.decorate(value, d, scope);
    scope.assign(name, value);
    return undefined;
  }

  /**
   * Applies one decorator. staticmethod, classmethod and property wrap the function; decorators that
   * only change how a function runs (no_grad, jit, caches, abstractmethod) leave it as it is; any
   * other decorator is evaluated and called with the function, as Python runs it.
   */
  private decorate(value: Value, decorator: SyntaxNode, scope: Scope): Value {
    const name = decorator.text.replace(/\(.*$/s, '').replace(/\s+/g, '');
    const wrapper = /(^|\.)cached_property$/.test(name) ? 'property' : name;
    if ((wrapper === 'staticmethod' || wrapper === 'classmethod' || wrapper === 'property') && value.kind === 'func')
      return { kind: 'property', decorator: wrapper, func: value };
    if (/\.(setter|getter|deleter)$/.test(name)) {
      const owner = scope.lookup(name.split('.')[0]);
      return owner?.kind === 'property' ? owner : value;
    }
    if (TRANSPARENT_DECORATOR.test(name)) return value;
    const d = this.eval(decorator, scope);
    if (d.kind === 'unknown') return unknown(`decorator @${name} is not known: ${d.reason}`, decorator.range);
    return this.callValue(d, [value], new Map(), decorator);
  }

  /** Evaluates a parameter list's defaults (at definition time, as Python does). */
  declareParams(node: SyntaxNode | undefined, scope: Scope): ParamDecl[] {
    const params: ParamDecl[] = [];
    let keywordOnly = false;
    for (const p of node?.children ?? []) {
      const decl = this.declareParam(p, scope, keywordOnly);
      if (p.type === 'keyword_separator' || p.type === 'list_splat_pattern') keywordOnly = true;
      if (decl) params.push(decl);
    }
    return params;
  }

  private declareParam(p: SyntaxNode, scope: Scope, keywordOnly: boolean): ParamDecl | undefined {
    const kind = keywordOnly ? 'keywordOnly' : 'positional';
    switch (p.type) {
      case 'identifier':
        return { name: p.text, kind };
      case 'typed_parameter': {
        const inner = p.children[0];
        if (inner.type === 'list_splat_pattern') return { name: inner.children.at(-1)!.text, kind: 'varargs' };
        if (inner.type === 'dictionary_splat_pattern') return { name: inner.children.at(-1)!.text, kind: 'kwargs' };
        return { name: inner.text, kind };
      }
      case 'default_parameter':
      case 'typed_default_parameter':
        return { name: field(p, 'name')!.text, kind, default: this.eval(field(p, 'value')!, scope) };
      case 'list_splat_pattern':
        return { name: p.children.at(-1)!.text, kind: 'varargs' };
      case 'dictionary_splat_pattern':
        return { name: p.children.at(-1)!.text, kind: 'kwargs' };
      default:
        return undefined;
    }
  }

  /** Defines a class: evaluates bases, then runs the body in its own namespace. */
  private defineClass(node: SyntaxNode, scope: Scope, decorators: SyntaxNode[]): Signal {
    const name = field(node, 'name')!.text;
    const bases: ClassV[] = [];
    let metaclass: ClassV | undefined;
    for (const arg of field(node, 'superclasses')?.children ?? []) {
      if (arg.type === 'keyword_argument') {
        if (field(arg, 'name')?.text === 'metaclass') {
          const meta = this.eval(field(arg, 'value')!, scope);
          if (meta.kind === 'class') metaclass = meta;
        }
        continue;
      }
      const base = this.eval(arg, scope);
      if (base.kind === 'class') bases.push(base);
      else if (base.kind === 'unknown') this.report(arg.range, `base class ${arg.text} is not known: ${base.reason}`);
    }
    const cls: ClassV = {
      kind: 'class',
      name,
      bases,
      attrs: new Map(),
      range: node.range,
      ...(this.inForeign ? { foreign: this.inForeign } : {}),
      ...(metaclass ? { metaclass } : {}),
    };
    const body = new Scope(scope, true);
    this.execBlock(field(node, 'body'), body);
    body.vars.set('__annotations__', classAnnotations(field(node, 'body')));
    const module = scope.moduleScope().vars.get('__name__');
    if (module?.kind === 'str') body.vars.set('__module__', module);
    for (const [k, v] of body.vars) {
      if (v.kind === 'func') v.owner = cls;
      if (v.kind === 'property') v.func.owner = cls;
      cls.attrs.set(k, v);
    }
    if (bases.some((b) => isEnumClass(b))) makeEnumMembers(this, cls);
    scope.assign(name, decorators.length ? this.decorateClass(cls, decorators, scope) : cls);
    return undefined;
  }

  /** Applies class decorators bottom-up: @dataclass (with its options) is modelled, others are called. */
  private decorateClass(cls: ClassV, decorators: SyntaxNode[], scope: Scope): Value {
    let value: Value = cls;
    for (const d of [...decorators].reverse()) {
      const name = d.text.replace(/\(.*$/s, '').replace(/\s+/g, '');
      if (/(^|\.)dataclass$/.test(name) && value.kind === 'class') {
        const options = d.type === 'call' ? this.keywordArguments(d, scope) : new Map<string, Value>();
        value = makeDataclass(this, value, options);
      } else if (!TRANSPARENT_DECORATOR.test(name)) value = this.decorate(value, d, scope);
    }
    return value;
  }

  /** The keyword arguments of a call node, evaluated. */
  private keywordArguments(call: SyntaxNode, scope: Scope): Map<string, Value> {
    const out = new Map<string, Value>();
    for (const a of field(call, 'arguments')?.children ?? [])
      if (a.type === 'keyword_argument') out.set(field(a, 'name')!.text, this.eval(field(a, 'value')!, scope));
    return out;
  }

  private execImport(node: SyntaxNode, scope: Scope): Signal {
    if (node.type === 'future_import_statement') return undefined;
    if (node.type === 'import_statement') {
      for (const item of node.children) this.importName(item, scope);
      return undefined;
    }
    const moduleNode = field(node, 'module_name')!;
    const module = this.importModule(moduleNode.text, moduleNode, scope);
    for (const item of fieldAll(node, 'name')) this.importFrom(module, moduleNode.text, item, scope);
    if (node.children.some((c) => c.type === 'wildcard_import')) this.importStar(module, scope);
    return undefined;
  }

  private importName(item: SyntaxNode, scope: Scope): void {
    if (item.type === 'aliased_import') {
      const dotted = field(item, 'name')!.text;
      scope.assign(field(item, 'alias')!.text, this.importModule(dotted, item, scope));
    } else if (item.type === 'dotted_name') {
      // `import a.b.c` loads each package down the chain, makes each an attribute of its parent, binds `a`.
      const parts = item.text.split('.');
      const top = this.importModule(parts[0], item, scope);
      let parent = top;
      for (let i = 1; i < parts.length; i++) {
        const child = this.importModule(parts.slice(0, i + 1).join('.'), item, scope);
        if (parent.kind === 'namespace' && !parent.attrs.has(parts[i])) parent.attrs.set(parts[i], child);
        parent = child;
      }
      scope.assign(parts[0], top);
    }
  }

  /** `from m import name`: a submodule of that name if there is one, else the module's attribute. */
  private importFrom(module: Value, moduleName: string, item: SyntaxNode, scope: Scope): void {
    const nameNode = item.type === 'aliased_import' ? field(item, 'name')! : item;
    const alias = item.type === 'aliased_import' ? field(item, 'alias')!.text : nameNode.text;
    const joined = /^\.+$/.test(moduleName) ? `${moduleName}${nameNode.text}` : `${moduleName}.${nameNode.text}`;
    // As Python: the module's own attribute first, then a submodule of that name. An unmodelled module's
    // names are unknown values, not stand-in modules (`from torch.hub import load_state_dict_from_url`
    // must be callable); what is set on it explicitly is real.
    const own = module.kind === 'namespace' ? module.attrs.get(nameNode.text) : undefined;
    const sub = own ?? this.resolveModule(joined, scope, item);
    const placeholder = module.kind === 'namespace' && module.opaque && sub?.kind === 'namespace' && sub.opaque;
    scope.assign(alias, sub && !placeholder ? sub : this.getAttr(module, nameNode.text, item));
  }

  /** `from m import *`: the names in `__all__`, else every name not starting with an underscore. */
  private importStar(module: Value, scope: Scope): void {
    if (module.kind !== 'namespace') return;
    const all = module.attrs.get('__all__');
    if (all && (all.kind === 'list' || all.kind === 'tuple')) {
      for (const name of all.items)
        if (name.kind === 'str')
          scope.assign(
            name.value,
            module.attrs.get(name.value) ?? unknown(`${module.name}.${name.value} is not defined`),
          );
      return;
    }
    for (const [k, v] of module.attrs) if (!k.startsWith('_')) scope.assign(k, v);
  }

  /** The namespace for a dotted module name; unknown modules become opaque namespaces. */
  private importModule(dotted: string, site: CallSite, scope: Scope): Value {
    const resolved = this.resolveModule(dotted, scope, site);
    if (resolved) return resolved;
    if (dotted.startsWith('.')) {
      const reason = `relative import ${dotted} is not found next to this file`;
      this.report(site.range, reason);
      return { kind: 'namespace', name: dotted, attrs: new Map(), opaque: reason };
    }
    return { kind: 'namespace', name: dotted, attrs: new Map(), opaque: `module ${dotted} is not modelled` };
  }

  /** Runs a `with` block; a framework context manager (torch.autocast) is entered for the block and left after it. */
  private execWith(node: SyntaxNode, scope: Scope): Signal {
    const clause = node.children.find((c) => c.type === 'with_clause');
    const exits: (() => void)[] = [];
    try {
      for (const item of clause?.children ?? []) {
        const value = field(item, 'value') ?? item.children[0];
        if (value?.type === 'as_pattern') {
          const v = this.eval(value.children[0], scope);
          this.enterContext(v, value, exits);
          const target = field(value, 'alias') ?? value.children.at(-1)!;
          this.assignTarget(target.type === 'as_pattern_target' ? target.children[0] : target, v, scope);
        } else if (value) this.enterContext(this.eval(value, scope), value, exits);
      }
      return this.execBlock(field(node, 'body'), scope);
    } finally {
      for (const exit of exits.reverse()) exit();
    }
  }

  /** Lets the frameworks enter a context manager; what they return to leave it is kept in `exits`. */
  private enterContext(value: Value, node: SyntaxNode, exits: (() => void)[]): void {
    for (const h of this.hooks) {
      const exit = h.enterContext?.(value, { range: node.range });
      if (exit) {
        exits.push(exit);
        return;
      }
    }
  }

  private execTry(node: SyntaxNode, scope: Scope): Signal {
    let signal: Signal;
    try {
      signal = this.execBlock(field(node, 'body'), scope);
      const elseClause = node.children.find((c) => c.type === 'else_clause');
      if (!signal && elseClause) signal = this.execBlock(field(elseClause, 'body'), scope);
    } catch (e) {
      if (!(e instanceof PyError)) throw e;
      signal = this.handleException(node, e, scope);
    } finally {
      const fin = node.children.find((c) => c.type === 'finally_clause');
      if (fin)
        this.execBlock(
          fin.children.find((c) => c.type === 'block'),
          scope,
        );
    }
    return signal;
  }

  private handleException(node: SyntaxNode, e: PyError, scope: Scope): Signal {
    const handler = node.children.find((c) => c.type === 'except_clause' || c.type === 'except_group_clause');
    if (!handler) throw e;
    const value = field(handler, 'value');
    const alias = value?.type === 'as_pattern' ? field(value, 'alias') : undefined;
    if (alias) this.assignTarget(alias.children[0] ?? alias, str(e.message), scope);
    return this.execBlock(
      handler.children.find((c) => c.type === 'block'),
      scope,
    );
  }

  private execRaise(node: SyntaxNode, _scope: Scope): Signal {
    const exc = node.children[0];
    const text = exc ? exc.text.slice(0, 120) : 're-raise';
    raise('Exception', `the analysed code raises ${text}`, node.range);
  }

  private declare(node: SyntaxNode, scope: Scope, target: (name: string) => Scope | undefined): Signal {
    for (const id of node.children.filter((c) => c.type === 'identifier')) {
      const t = target(id.text);
      if (t && t !== scope) scope.redirect(id.text, t);
    }
    return undefined;
  }

  /** `del name`, `del d[key]` / `del xs[i]`, `del obj.attr` (and several at once). */
  private execDelete(node: SyntaxNode, scope: Scope): Signal {
    const targets = node.children.flatMap((t) => (t.type === 'expression_list' ? t.children : [t]));
    for (const target of targets) {
      if (target.type === 'identifier') scope.delete(target.text);
      else if (target.type === 'subscript') this.deleteItem(target, scope);
      else if (target.type === 'attribute') {
        const obj = this.eval(field(target, 'object')!, scope);
        const name = field(target, 'attribute')!.text;
        if (obj.kind === 'instance') obj.attrs.delete(name);
        else if (obj.kind === 'module')
          [obj.children, obj.params, obj.buffers, obj.attrs].forEach((m) => m.delete(name));
      }
    }
    return undefined;
  }

  private deleteItem(target: SyntaxNode, scope: Scope): void {
    const obj = this.eval(field(target, 'value')!, scope);
    const index = this.eval(fieldAll(target, 'subscript')[0], scope);
    if (obj.kind === 'dict') {
      if (!obj.entries.delete(hashKey(index))) raise('KeyError', display(index), target.range);
    } else if (obj.kind === 'list' && index.kind === 'int') {
      const at = index.value < 0 ? index.value + obj.items.length : index.value;
      if (at < 0 || at >= obj.items.length) raise('IndexError', 'list assignment index out of range', target.range);
      obj.items.splice(at, 1);
    } else if (obj.kind === 'module' && index.kind === 'str') obj.children.delete(index.value);
    else if (obj.kind === 'module' && index.kind === 'int') obj.children.delete([...obj.children.keys()][index.value]);
  }

  /**
   * Calls a user-defined function with bound arguments, returning its result. Crossing between the
   * analysed file and imported code moves the anchor: imported code is placed at the call that entered it.
   */
  protected callFunction(func: FuncV, args: Value[], kwargs: Map<string, Value>, site: CallSite): Value {
    // Where the file's own builders are called (a `# wattlens: input=` above `model = build(...)`).
    const ownLine = !this.inForeign;
    if (ownLine) this.callLines.push(site.range.start.line);
    try {
      return this.enterFunction(func, args, kwargs, site);
    } finally {
      if (ownLine) this.callLines.pop();
    }
  }

  private enterFunction(func: FuncV, args: Value[], kwargs: Map<string, Value>, site: CallSite): Value {
    const foreign = func.foreign ?? false;
    if (!!foreign === !!this.inForeign) return this.runFunction(func, args, kwargs, site);
    const [wasForeign, wasAnchor] = [this.inForeign, this.anchorSite];
    this.inForeign = foreign;
    this.anchorSite = foreign ? { range: site.range } : undefined;
    try {
      return this.runFunction(func, args, kwargs, site);
    } finally {
      this.inForeign = wasForeign;
      this.anchorSite = wasAnchor;
    }
  }

  private runFunction(func: FuncV, args: Value[], kwargs: Map<string, Value>, site: CallSite): Value {
    return this.invokeUser(func, args, kwargs, site, (local) => {
      if (func.isLambda) return this.eval(func.body, local);
      const signal = this.execBlock(func.body, local);
      return signal?.type === 'return' ? signal.value : NONE;
    });
  }

  /** Evaluates the value of an expression node, turning unexpected JS errors into Unknown. */
  evalSafely(node: SyntaxNode, scope: Scope): Value {
    try {
      return this.eval(node, scope);
    } catch (e) {
      if (e instanceof StepBudgetExceeded) throw e;
      this.reportError(e, node.range);
      return unknown(e instanceof Error ? e.message : String(e), node.range);
    }
  }
}

/**
 * Decorators that change how a function runs but not what it computes: autograd modes, TorchScript
 * and compilation markers, caches and abstract markers. The function stays as written.
 */
const TRANSPARENT_DECORATOR =
  /(^|\.)(no_grad|inference_mode|enable_grad|set_grad_enabled|autocast|jit\.\w+|script|script_method|unused|ignore|export|compile|lru_cache|cache|cached_property|abstractmethod|abstractproperty|override|final|overload|no_type_check|_disable_dynamo|disable)$/;

/** The names a class body annotates (`x: int = 3`, `y: float`), in order, as Python's `__annotations__`. */
function classAnnotations(body: SyntaxNode | undefined): Value {
  const entries = new Map<string, { key: Value; value: Value }>();
  for (const stmt of body?.children ?? []) {
    const assignment = stmt.type === 'expression_statement' ? stmt.children[0] : undefined;
    if (assignment?.type !== 'assignment') continue;
    const left = field(assignment, 'left');
    const type = field(assignment, 'type');
    if (left?.type === 'identifier' && type)
      entries.set(`s${left.text}`, { key: str(left.text), value: str(type.text) });
  }
  return { kind: 'dict', entries };
}

/** Names bound by assignments, loops, imports, `with … as` and definitions inside `block` (not nested scopes). */
function assignedNames(block: SyntaxNode): Set<string> {
  const names = new Set<string>();
  const targets = (t: SyntaxNode | undefined): void => {
    if (!t) return;
    if (t.type === 'identifier') names.add(t.text);
    else if (t.type !== 'attribute' && t.type !== 'subscript') t.children.forEach(targets);
  };
  const visit = (n: SyntaxNode): void => {
    if (
      n.type === 'assignment' ||
      n.type === 'augmented_assignment' ||
      n.type === 'for_statement' ||
      n.type === 'for_in_clause'
    )
      targets(field(n, 'left'));
    if (n.type === 'as_pattern_target') targets(n.children[0]);
    if (n.type === 'function_definition' || n.type === 'class_definition') {
      const name = field(n, 'name');
      if (name) names.add(name.text);
      return;
    }
    n.children.forEach(visit);
  };
  visit(block);
  return names;
}

/** Methods that change the list, dict or set they are called on. */
const MUTATORS = new Set(['append', 'extend', 'insert', 'update', 'add', 'pop', 'remove', 'setdefault', 'clear']);

/** Names a block changes in place: `x.append(...)`, `x[k] = ...`, `x += ...` on a name. */
function mutatedNames(block: SyntaxNode): Set<string> {
  const names = new Set<string>();
  const visit = (n: SyntaxNode): void => {
    if (n.type === 'call') {
      const fn = field(n, 'function');
      const obj = fn?.type === 'attribute' ? field(fn, 'object') : undefined;
      if (obj?.type === 'identifier' && MUTATORS.has(field(fn!, 'attribute')!.text)) names.add(obj.text);
    }
    if (n.type === 'assignment' || n.type === 'augmented_assignment') {
      const left = field(n, 'left');
      const obj = left?.type === 'subscript' ? field(left, 'value') : undefined;
      if (obj?.type === 'identifier') names.add(obj.text);
    }
    if (n.type === 'function_definition' || n.type === 'class_definition') return;
    n.children.forEach(visit);
  };
  visit(block);
  return names;
}
