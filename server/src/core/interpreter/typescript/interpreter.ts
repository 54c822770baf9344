// The evaluator for the TypeScript subset model code uses: statements, scopes and hoisting, calls
// and parameter binding, destructuring, imports, a step budget, and the functions a file defines
// but never calls (run afterwards with unknown arguments, so tutorial-style createModel() counts).
import { field, type SyntaxNode, type Range } from '../../parse/syntax';
import { type StepBudget, StepBudgetExceeded } from '../stepBudget';
import {
  type JsValue,
  type ObjectV,
  num,
  type FnV,
  type Site,
  JsScope,
  UNDEFINED,
  arr,
  obj,
  str,
  unknown,
  truthy,
  describe,
  fromPrimitive,
} from './values';
import { evaluate, assignMember, stringValue } from './expressions';
import { getMember } from './members';
import { execLoop, undecidable } from './loops';
import { JsError, JsThrow } from './errors';
import { promise } from './promises';
import { defineClass, type UserClass } from './classes';
import { execSwitch, execThrow, execTry, execImport, execExport } from './statements';
import type { EvaluatorHooks, EvaluatorHost, Signal } from './host';

/** A located problem met while evaluating. */
export interface Problem {
  range: Range;
  reason: string;
  severity: 'error' | 'warning' | 'information' | 'hint';
  code: string;
}

const MAX_CALL_DEPTH = 100;
/** Modules one analysis follows imports into at most. */
const MAX_MODULES = 32;

/** A module read for a relative import: a key naming it (its path), its parsed tree and its text. */
export interface LoadedModule {
  key: string;
  root: SyntaxNode;
  text: string;
}

/** The names a module exports and the local name (or 'default') each stands for. */
function exportedNames(root: SyntaxNode): [string, string][] {
  const out: [string, string][] = [];
  for (const n of root.children) {
    if (n.type !== 'export_statement') continue;
    const decl = field(n, 'declaration');
    if (decl) {
      const name = field(decl, 'name');
      if (name) out.push([name.text, name.text]);
      for (const d of decl.children.filter((c) => c.type === 'variable_declarator')) {
        const id = field(d, 'name');
        if (id?.type === 'identifier') out.push([id.text, id.text]);
      }
    }
    if (field(n, 'value') || n.children.some((c) => c.type === 'default')) out.push(['default', 'default']);
    for (const clause of n.children.filter((c) => c.type === 'export_clause'))
      for (const spec of clause.children.filter((c) => c.type === 'export_specifier')) {
        const name = field(spec, 'name')!.text;
        out.push([field(spec, 'alias')?.text ?? name, name]);
      }
  }
  return out;
}

/** Uncalled top-level functions beyond which the deferred run keeps source order (the ordering scans bodies). */
const MAX_ORDERED_DEFERRED = 200;

/** A stated literal as a value of the evaluator (objects and arrays fresh for each use). */
export function fromLiteral(v: unknown): JsValue {
  if (Array.isArray(v)) return arr(v.map(fromLiteral));
  if (v !== null && typeof v === 'object')
    return obj(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, fromLiteral(x)]));
  return fromPrimitive(v);
}

/** Evaluates one TypeScript file. */
export class TsInterpreter implements EvaluatorHost {
  readonly problems: Problem[] = [];
  /** The framework runtime the evaluated code builds models with (frameworks/tfjs/runtime.ts). */
  rt!: EvaluatorHooks;
  private readonly reported = new Set<string>();
  private depth = 0;
  private readonly called = new Set<FnV>();
  private readonly pending: { fn: FnV; why: string; param: (p: string) => string }[] = [];
  private readonly topLevel: FnV[] = [];
  private moduleScope: JsScope | null = null;

  private readonly classes: UserClass[] = [];
  private readonly classRanges = new Map<UserClass, Range>();
  /**
   * While code of an imported module runs: where the analysed file entered it (the import, or the call
   * of one of its functions). Problems, layers and models it produces are placed there, since the
   * report's ranges are the analysed file's.
   */
  anchor: Range | undefined;
  /** Reads a module a relative import names (set by the analysis; without it imports are not followed). */
  loadModule?: (specifier: string, fromKey: string) => LoadedModule | undefined;
  private readonly modules = new Map<string, ObjectV>();
  /** The text of the module whose top level runs now, when it is an imported one. */
  private foreignText: string | undefined;
  private moduleKey = '';
  private source: string;

  constructor(
    readonly budget: StepBudget,
    source = '',
  ) {
    this.source = source;
  }

  /** The original source between two UTF-16 offsets (modifiers the syntax mirror drops). */
  sourceText(start: number, end: number): string {
    return this.source.slice(start, end);
  }

  /** Records a problem once per location and message. */
  report(range: Range, reason: string, severity: Problem['severity'] = 'information', code = 'unresolved'): void {
    range = this.anchor ?? range;
    const key = `${range.start.line}:${range.start.character}:${reason}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.problems.push({ range, reason, severity, code });
  }

  /** Runs the program's statements; false when the budget ran out. */
  runProgram(root: SyntaxNode, scope: JsScope): boolean {
    this.moduleScope = scope;
    this.hoist(root.children, scope);
    for (const stmt of root.children) if (!this.guarded(stmt.range, () => this.exec(stmt, scope))) return false;
    return true;
  }

  /**
   * Runs what the file defines but does not run itself: callbacks handed to code we cannot see
   * (event handlers, ui hooks) first, then top-level functions never called, each once, with
   * Unknown arguments (defaults still apply). Models they build are marked as such.
   */
  runDeferred(): void {
    for (;;) {
      const cb = this.pending.shift();
      const fn = cb?.fn ?? this.nextUncalled();
      if (fn) {
        if (this.called.has(fn)) continue;
        const why = cb?.why ?? `${fn.name}() is never called in this file; it was analysed with unknown arguments`;
        const param =
          cb?.param ??
          ((p: string) => `parameter '${p}' of ${fn.name}(): the file never calls it, so its arguments are unknown`);
        if (!this.deferredRun(fn.range, why, () => this.callFunction(fn, [], undefined, { range: fn.range }, param)))
          return;
        continue;
      }
      const cls = this.classes.find((c) => !c.constructed);
      if (!cls) {
        const uncalled = this.classes.find((c) => !c.layerClass && c.methodFns.some((m) => !this.called.has(m)));
        if (!uncalled) return;
        if (!this.deferredRun(this.classRange(uncalled), '', () => this.callUncalledMethods(uncalled))) return;
        continue;
      }
      if (
        !this.deferredRun(
          this.classRange(cls),
          `class ${cls.value.name} is never instantiated in this file; it was analysed with unknown arguments`,
          () => this.constructAndCall(cls),
        )
      )
        return;
    }
  }

  /**
   * The next top-level function nobody called, callers first: one that another uncalled function
   * calls waits for it (run from main(), buildModel gets main's arguments, not unknown ones).
   */
  private nextUncalled(): FnV | undefined {
    const uncalled = this.topLevel.filter((f) => !this.called.has(f));
    if (uncalled.length > MAX_ORDERED_DEFERRED) return uncalled[0];
    const calledBy = (f: FnV, g: FnV) => f !== g && !!f.name && this.namesIn(g).has(f.name);
    return uncalled.find((f) => !uncalled.some((g) => calledBy(f, g))) ?? uncalled[0];
  }

  private readonly bodyNames = new Map<FnV, Set<string>>();

  /** The identifiers a function's body mentions (read once per function). */
  private namesIn(fn: FnV): Set<string> {
    let names = this.bodyNames.get(fn);
    if (!names) {
      const text = (fn.foreignText ?? this.mainText ?? this.source).slice(fn.body.startIndex, fn.body.endIndex);
      names = new Set(text.match(/[A-Za-z_$][\w$]*/g) ?? []);
      this.bodyNames.set(fn, names);
    }
    return names;
  }

  private deferredRun(range: Range, why: string, f: () => unknown): boolean {
    this.rt.deferred = why;
    try {
      return this.guarded(range, f);
    } finally {
      this.rt.deferred = undefined;
    }
  }

  private classRange(cls: UserClass): Range {
    return this.classRanges.get(cls) ?? ZERO;
  }

  /**
   * Runs each method of a class the file instantiates but never calls (a builder method reached only
   * under a condition the analysis cannot decide), on an instance whose fields it sets itself.
   */
  private callUncalledMethods(cls: UserClass): void {
    const self = obj(cls.methods.map((name, i) => [name, cls.methodFns[i]]));
    for (const [i, m] of cls.methodFns.entries()) {
      if (this.called.has(m)) continue;
      const name = cls.methods[i];
      this.rt.deferred = `${cls.value.name}.${name}() is never called where the analysis can follow; it was analysed with unknown arguments`;
      this.guarded(m.range, () =>
        this.callFunction(
          m,
          [],
          self,
          { range: m.range },
          (p) => `parameter '${p}' of ${cls.value.name}.${name}(): its arguments are not known statically`,
        ),
      );
    }
  }

  /** Builds an instance of a class nobody instantiates, then calls each method nobody called. */
  private constructAndCall(cls: UserClass): void {
    const range = this.classRange(cls);
    const missing = (p: string) =>
      `parameter '${p}' of ${cls.value.name}: the file never instantiates it, so its arguments are unknown`;
    const self = cls.construct([], { range }, missing);
    if (self.kind !== 'object') return;
    for (const name of cls.methods) {
      const m = self.props.get(name);
      if (m?.kind !== 'fn' || this.called.has(m)) continue;
      this.guarded(m.range, () =>
        this.callFunction(
          m,
          [],
          self,
          { range: m.range },
          (p) =>
            `parameter '${p}' of ${cls.value.name}.${name}(): the file never calls it, so its arguments are unknown`,
        ),
      );
    }
  }

  /** Runs `f`, turning anything it throws into a located problem; false once the budget is spent. */
  private guarded(range: Range, f: () => unknown): boolean {
    try {
      f();
      return true;
    } catch (e) {
      if (e instanceof StepBudgetExceeded) {
        this.report(e.range ?? range, e.message, 'warning', 'budget');
        return false;
      }
      this.reportError(e, range);
      return true;
    }
  }

  /** Records an exception of the analysed code (or of the analysis itself) as a located problem. */
  reportError(e: unknown, fallback: Range): void {
    if (e instanceof StepBudgetExceeded) throw e;
    if (e instanceof JsThrow) this.report(e.range, `uncaught exception: ${e.text}`);
    else if (e instanceof JsError) this.report(e.range ?? fallback, `${e.jsType}: ${e.message}`);
    else if (e instanceof RangeError) this.report(fallback, 'analysis gave up: nesting too deep');
    else this.report(fallback, `internal analysis error: ${(e as Error)?.message ?? String(e)}`);
  }

  /** A name's value; names the file never defines are Unknown (browser globals, other modules). */
  lookup(name: string, scope: JsScope, range: Range): JsValue {
    const v = scope.lookup(name);
    if (!v) return unknown(`'${name}' is not defined in this file`, range);
    return v.kind === 'unknown' && !v.range ? { ...v, range } : v;
  }

  /** Creates a function value for a declaration, expression, arrow or method node. */
  makeFunction(node: SyntaxNode, scope: JsScope, name: string): FnV {
    const fn: FnV = {
      kind: 'fn',
      name,
      params: field(node, 'parameters') ?? field(node, 'parameter'),
      body: field(node, 'body')!,
      closure: scope,
      range: node.range,
      isArrow: node.type === 'arrow_function',
      ...(this.foreignText !== undefined ? { foreignText: this.foreignText } : {}),
    };
    if (node.children.some((c) => c.type === 'async')) (fn as FnV & { isAsync?: boolean }).isAsync = true;
    return fn;
  }

  /** Calls any value; calling an Unknown runs its function arguments later, as callbacks. */
  callValue(fn: JsValue, args: JsValue[], self: JsValue | undefined, site: Site, text: string): JsValue {
    switch (fn.kind) {
      case 'fn':
        return this.callFunction(fn, args, self, site);
      case 'native':
        return fn.call(args, this.anchor ? { ...site, range: this.anchor } : site, self);
      case 'unknown':
        this.deferCallbacks(args, site, text);
        return fn;
      default:
        throw new JsError('TypeError', `${text} is not a function (it is ${describe(fn)})`, site.range);
    }
  }

  /** Queues function arguments handed to code the analysis cannot see. */
  deferCallbacks(args: JsValue[], _site: Site, callee: string): void {
    for (const a of args) {
      if (a.kind !== 'fn' || this.called.has(a)) continue;
      this.pending.push({
        fn: a,
        why: `built in a callback passed to ${callee}, analysed as if it ran`,
        param: (p) => `parameter '${p}' of a callback passed to ${callee}: supplied at run time`,
      });
    }
  }

  /** Calls a user function: binds parameters, runs the body, returns its value. */
  callFunction(
    fn: FnV,
    args: JsValue[],
    self: JsValue | undefined,
    site: Site,
    missing?: (param: string) => string,
  ): JsValue {
    if (this.depth >= MAX_CALL_DEPTH) throw new JsError('RangeError', 'Maximum call stack size exceeded', site.range);
    this.called.add(fn);
    // Crossing between the analysed file and an imported module moves the anchor and the source text.
    const saved = { anchor: this.anchor, source: this.source };
    this.mainText ??= this.source;
    const ownCall = this.anchor === undefined;
    if (ownCall) this.callLines.push(site.range.start.line);
    this.anchor = fn.foreignText !== undefined ? (this.anchor ?? site.range) : undefined;
    this.source = fn.foreignText ?? this.mainText;
    const scope = new JsScope(fn.closure, fn.name || '(anonymous)');
    if (!fn.isArrow) scope.declare('this', self ?? UNDEFINED);
    this.depth++;
    try {
      this.bindParams(fn, args, scope, missing);
      let result: JsValue;
      if (fn.body.type === 'statement_block') {
        const signal = this.execStatements(fn.body.children, scope);
        result = signal?.type === 'return' ? signal.value : UNDEFINED;
      } else result = evaluate(this, fn.body, scope);
      return (fn as FnV & { isAsync?: boolean }).isAsync ? promise(this, result) : result;
    } finally {
      this.depth--;
      if (ownCall) this.callLines.pop();
      this.anchor = saved.anchor;
      this.source = saved.source;
    }
  }

  private mainText: string | undefined;

  /**
   * `import {IMAGE_H} from './data'`: runs the sibling module once (its top level anchored at the
   * import) and returns its exports; undefined when it cannot be read (then the names stay unknown).
   */
  importFile(specifier: string, at: Range): ObjectV | undefined {
    if (!this.loadModule || !/^\.{1,2}\//.test(specifier)) return undefined;
    const loaded = this.loadModule(specifier, this.moduleKey);
    if (!loaded) return undefined;
    const cached = this.modules.get(loaded.key);
    if (cached) return cached;
    if (this.modules.size >= MAX_MODULES) return undefined;
    const exports = obj([]);
    this.modules.set(loaded.key, exports);
    const saved = { anchor: this.anchor, source: this.source, text: this.foreignText, key: this.moduleKey };
    this.mainText ??= this.source;
    this.anchor ??= at;
    this.source = loaded.text;
    this.foreignText = loaded.text;
    this.moduleKey = loaded.key;
    try {
      const scope = new JsScope(this.moduleScope?.parent ?? null, '');
      this.hoist(loaded.root.children, scope);
      for (const stmt of loaded.root.children) this.guarded(stmt.range, () => this.exec(stmt, scope));
      for (const [name, local] of exportedNames(loaded.root)) {
        const v = local === 'default' ? this.defaultExports.get(loaded.key) : scope.lookup(local);
        if (v) exports.props.set(name, v);
      }
    } finally {
      this.anchor = saved.anchor;
      this.source = saved.source;
      this.foreignText = saved.text;
      this.moduleKey = saved.key;
    }
    return exports;
  }

  /** Sizes and values stated by `// wattlens: size=N` / `value=<literal>` comments of the analysed file, by 0-based line. */
  stated = new Map<number, { size?: number; value?: unknown }>();
  /** Lines of the analysed file's calls of its own functions now running, outermost first. */
  readonly callLines: number[] = [];
  private readonly argumentLines: number[] = [];

  /** The value a `size=` or `value=` comment states on `line` of the analysed file (not inside an imported module). */
  private statedOn(line: number): JsValue | undefined {
    if (this.anchor) return undefined;
    const stated = this.stated.get(line);
    if (stated?.value !== undefined) return fromLiteral(stated.value);
    return stated?.size !== undefined ? num(stated.size) : undefined;
  }

  /** A `// wattlens: size=N` (or `value=`) value for an unknown value declared on `line` of the analysed file. */
  statedValue(value: JsValue, line: number): JsValue {
    const stated = value.kind === 'unknown' ? this.statedOn(line) : undefined;
    return stated ?? value;
  }

  /**
   * Evaluates a call's arguments; with `// wattlens: size=N` (or `value=`) on the line of the outermost
   * call of the file's own functions or classes there, its one unknown argument is that value.
   */
  statedArguments(node: SyntaxNode, evalArgs: () => JsValue[], ownCallee: boolean): JsValue[] {
    const line = node.range.start.line;
    if (this.anchor || !this.stated.has(line)) return evalArgs();
    this.argumentLines.push(line);
    let args: JsValue[];
    try {
      args = evalArgs();
    } finally {
      this.argumentLines.pop();
    }
    const unknowns = args.filter((a) => a.kind === 'unknown');
    const stated = this.statedOn(line);
    if (!stated || !ownCallee || this.argumentLines.includes(line) || unknowns.length !== 1) return args;
    return args.map((a) => (a.kind === 'unknown' ? stated : a));
  }

  /** `export default <value>` of the module being imported, by module key. */
  readonly defaultExports = new Map<string, JsValue>();

  /** The key of the module whose top level runs now ('' for the analysed file). */
  get currentModule(): string {
    return this.moduleKey;
  }

  private bindParams(fn: FnV, args: JsValue[], scope: JsScope, missing?: (param: string) => string): void {
    const params = fn.params;
    if (!params) return;
    const absent = (p: SyntaxNode) => (missing ? unknown(missing(p.text), p.range) : UNDEFINED);
    if (params.type === 'identifier') {
      scope.declare(params.text, args[0] ?? absent(params));
      return;
    }
    let k = 0;
    for (const p of params.children) {
      if (p.type === 'comment') continue;
      let pattern = p;
      let dflt: SyntaxNode | undefined;
      if (p.type === 'required_parameter' || p.type === 'optional_parameter') {
        pattern = field(p, 'pattern') ?? p.children[0];
        dflt = field(p, 'value');
      } else if (p.type === 'assignment_pattern') {
        pattern = field(p, 'left')!;
        dflt = field(p, 'right');
      }
      if (!pattern || pattern.type === 'this') continue;
      if (pattern.type === 'rest_pattern') {
        this.assignTarget(pattern, arr(args.slice(k)), scope, true);
        k = args.length;
        continue;
      }
      let v = args[k++];
      if ((v === undefined || v.kind === 'undefined') && dflt) v = evaluate(this, dflt, scope);
      this.assignTarget(pattern, v ?? absent(pattern), scope, true);
    }
  }

  /** Binds `value` to an assignment or declaration target: a name, `a.b`, `a[i]`, or a pattern. */
  assignTarget(target: SyntaxNode, value: JsValue, scope: JsScope, declare: boolean): void {
    switch (target.type) {
      case 'identifier':
      case 'shorthand_property_identifier_pattern':
      case 'shorthand_property_identifier':
        if (declare) scope.declare(target.text, value);
        else scope.assign(target.text, value);
        this.named(target.text, value, scope);
        return;
      case 'member_expression':
      case 'subscript_expression':
        assignMember(this, target, value, scope);
        if (value.kind === 'model')
          this.rt.nameModel(value, target.text || field(target, 'property')?.text || 'model', scope.functionName());
        return;
      case 'parenthesized_expression':
      case 'non_null_expression':
      case 'as_expression':
        this.assignTarget(target.children[0], value, scope, declare);
        return;
      case 'rest_pattern':
        this.assignTarget(target.children[target.children.length - 1], value, scope, declare);
        return;
      case 'assignment_pattern':
      case 'object_assignment_pattern': {
        const v = value.kind === 'undefined' ? evaluate(this, field(target, 'right')!, scope) : value;
        this.assignTarget(field(target, 'left')!, v, scope, declare);
        return;
      }
      case 'array_pattern':
        return this.destructureArray(target, value, scope, declare);
      case 'object_pattern':
        return this.destructureObject(target, value, scope, declare);
      default:
        this.report(target.range, `assignment to '${target.type}' is not analysed`);
    }
  }

  /** Gives anonymous functions and models the name of the variable they are first bound to. */
  private named(name: string, value: JsValue, scope: JsScope): void {
    if (value.kind === 'fn' && !value.name) value.name = name;
    if (value.kind === 'model') this.rt.nameModel(value, name, scope.functionName());
  }

  private destructureArray(target: SyntaxNode, value: JsValue, scope: JsScope, declare: boolean): void {
    let items: JsValue[] | null = null;
    if (value.kind === 'array') items = value.items;
    else if (value.kind === 'str') items = [...value.value].map(str);
    else if (value.kind !== 'unknown')
      throw new JsError('TypeError', `${describe(value)} is not iterable`, target.range);
    let i = 0;
    for (const el of target.children) {
      if (el.type === 'comment') continue;
      if (el.type === 'rest_pattern') this.assignTarget(el, items ? arr(items.slice(i)) : value, scope, declare);
      else this.assignTarget(el, items ? (items[i] ?? UNDEFINED) : value, scope, declare);
      i++;
    }
  }

  private destructureObject(target: SyntaxNode, value: JsValue, scope: JsScope, declare: boolean): void {
    const site = { range: target.range };
    const taken = new Set<string>();
    const prop = (key: string) => {
      taken.add(key);
      return value.kind === 'unknown' ? value : getMember(this, value, key, site);
    };
    for (const el of target.children) {
      if (el.type === 'shorthand_property_identifier_pattern') this.assignTarget(el, prop(el.text), scope, declare);
      else if (el.type === 'object_assignment_pattern') {
        const left = field(el, 'left')!;
        this.assignTarget(el, prop(left.text), scope, declare);
      } else if (el.type === 'pair_pattern') {
        const key = field(el, 'key')!;
        const name =
          key.type === 'string'
            ? stringValue(key)
            : key.type === 'computed_property_name'
              ? String(evaluate(this, key.children[0], scope).kind)
              : key.text;
        this.assignTarget(field(el, 'value')!, prop(name), scope, declare);
      } else if (el.type === 'rest_pattern') {
        const rest = obj(value.kind === 'object' ? [...value.props].filter(([k]) => !taken.has(k)) : []);
        this.assignTarget(el, value.kind === 'unknown' ? value : rest, scope, declare);
      }
    }
  }

  /** Remembers a function value bound at module level, for the deferred run. */
  noteTopLevel(v: JsValue, scope: JsScope): void {
    if (v.kind === 'fn' && scope === this.moduleScope && !this.topLevel.includes(v)) this.topLevel.push(v);
  }

  /** Declares the block's function declarations before its statements run (JS hoisting). */
  private hoist(nodes: SyntaxNode[], scope: JsScope): void {
    for (let n of nodes) {
      if (n.type === 'export_statement') n = field(n, 'declaration') ?? n;
      if (n.type !== 'function_declaration' && n.type !== 'generator_function_declaration') continue;
      const name = field(n, 'name')?.text ?? '';
      const fn = this.makeFunction(n, scope, name);
      scope.declare(name, fn);
      if (scope === this.moduleScope) this.topLevel.push(fn);
    }
  }

  /** Runs statements in order, stopping at break / continue / return. */
  execStatements(nodes: SyntaxNode[], scope: JsScope): Signal {
    this.hoist(nodes, scope);
    for (const stmt of nodes) {
      const signal = this.exec(stmt, scope);
      if (signal) return signal;
    }
    return undefined;
  }

  /** Executes one statement. */
  exec(node: SyntaxNode, scope: JsScope): Signal {
    this.budget.step(node);
    switch (node.type) {
      case 'expression_statement':
        for (const c of node.children) evaluate(this, c, scope);
        return undefined;
      case 'lexical_declaration':
      case 'variable_declaration':
        return this.declare(node, scope);
      case 'statement_block':
        return this.execStatements(node.children, new JsScope(scope));
      case 'if_statement':
        return this.execIf(node, scope);
      case 'for_statement':
      case 'for_in_statement':
      case 'while_statement':
      case 'do_statement':
        return execLoop(this, node, scope);
      case 'switch_statement':
        return execSwitch(this, node, scope);
      case 'return_statement': {
        const e = node.children.find((c) => c.type !== 'comment');
        return { type: 'return', value: e ? evaluate(this, e, scope) : UNDEFINED };
      }
      case 'break_statement':
        return { type: 'break' };
      case 'continue_statement':
        return { type: 'continue' };
      case 'throw_statement':
        return execThrow(this, node, scope);
      case 'try_statement':
        return execTry(this, node, scope);
      case 'import_statement':
        return execImport(this, node, scope);
      case 'export_statement':
        return execExport(this, node, scope);
      case 'class_declaration':
      case 'abstract_class_declaration': {
        const cls = defineClass(this, node, scope);
        scope.declare(field(node, 'name')?.text ?? '', cls.value);
        if (scope === this.moduleScope) {
          this.classes.push(cls);
          this.classRanges.set(cls, node.range);
        }
        return undefined;
      }
      case 'enum_declaration': {
        const name = field(node, 'name')?.text ?? '';
        scope.declare(name, unknown(`${name}: enums are not analysed`, node.range));
        return undefined;
      }
      case 'labeled_statement':
        return this.exec(field(node, 'body') ?? node.children[node.children.length - 1], scope);
      case 'function_declaration':
      case 'generator_function_declaration':
      case 'empty_statement':
      case 'comment':
      case 'function_signature':
      case 'import_alias':
      case 'decorator':
      case 'type_alias_declaration':
      case 'interface_declaration':
      case 'ambient_declaration':
      case 'module':
      case 'internal_module':
      case 'debugger_statement':
      case 'hash_bang_line':
      case 'ERROR':
        return undefined;
      default:
        this.report(node.range, `statement '${node.type}' is not analysed`);
        return undefined;
    }
  }

  private declare(node: SyntaxNode, scope: JsScope): Signal {
    for (const d of node.children) {
      if (d.type !== 'variable_declarator') continue;
      const valueNode = field(d, 'value');
      const name = field(d, 'name')!;
      const value = valueNode ? this.statedValue(evaluate(this, valueNode, scope), d.range.start.line) : UNDEFINED;
      this.assignTarget(name, value, scope, true);
      this.noteTopLevel(value, scope);
    }
    return undefined;
  }

  private execIf(node: SyntaxNode, scope: JsScope): Signal {
    const condition = field(node, 'condition')!;
    const then = field(node, 'consequence')!;
    const alt = field(node, 'alternative');
    const elseStmt = alt ? alt.children.find((c) => c.type !== 'comment') : undefined;
    const value = evaluate(this, condition, scope);
    const t = truthy(value);
    if (t === null) {
      undecidable(this, condition, value, [then, ...(elseStmt ? [elseStmt] : [])], scope);
      return undefined;
    }
    if (t) return this.exec(then, scope);
    return elseStmt ? this.exec(elseStmt, scope) : undefined;
  }
}

const ZERO: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
