// The expression half of the abstract interpreter: literals, names, operators, calls, attribute
// access, subscripts, comprehensions and assignment targets, with framework hooks for the rest.
import { field, fieldAll, type Range, type SyntaxNode } from '../../parse/syntax';
import {
  Scope,
  type Value,
  type FuncV,
  type ClassV,
  type CallSite,
  type DictV,
  NONE,
  TRUE,
  FALSE,
  int,
  float,
  str,
  bool,
  list,
  tuple,
  unknown,
  hashKey,
  isSequence,
  typeName,
} from './values';
import type { StepBudget } from '../stepBudget';
import { raise, PyError, orUnknown, UnknownIterable } from './errors';
import { bindArguments } from './callArgs';
import { arithmetic, compare, truthy, iterate, getItem, unary, display } from './operators';
import type { FrameworkHooks } from './hooks';
import { lookupClassAttr, mro } from './classes';
import { parseNumber, parseString } from './literals';
import { assignNamed, assignTarget, evalAssignment, evalAugmented } from './assignments';
import { isEnumClass, isNamedTuple, namedTupleInstance, namedTupleItems } from './pythonTypes';

const MAX_CALL_DEPTH = 120;

/** Literal values by node: loops and calls evaluate the same literals many times, and values are immutable. */
const literals = new WeakMap<SyntaxNode, Value>();

function literal(node: SyntaxNode, parse: (text: string, node: SyntaxNode) => Value): Value {
  let v = literals.get(node);
  if (v === undefined) literals.set(node, (v = parse(node.text, node)));
  return v;
}

const isInterpolation = (c: SyntaxNode) => c.type === 'interpolation';
const isKeywordArgument = (c: SyntaxNode) => c.type === 'keyword_argument' || c.type === 'dictionary_splat';

/** An empty keyword-argument map that refuses writes: callees only read the map they are given. */
class NoKeywordArguments extends Map<string, Value> {
  override set(): this {
    throw new Error('the shared empty keyword-argument map is read-only');
  }
}

/** Most calls pass no keyword arguments; sharing one empty map saves an allocation per call. */
const NO_KWARGS: Map<string, Value> = new NoKeywordArguments();

/** Evaluates expressions; the Interpreter subclass adds statements. */
export abstract class Evaluator {
  private depth = 0;
  /**
   * Set while a model is built or its forward traced: a statement that raises is reported and its
   * targets become Unknown, so one unmodelled call does not hide every layer after it.
   */
  tolerant = false;
  /** Classes every part of the module shares (torch.nn's, the Transformer prelude's). */
  readonly sharedClasses = new WeakSet<ClassV>();
  /** Set once code changes a shared class: parts of the module analysed apart could then differ. */
  changedShared = false;
  /** How many problems were reported so far (repeats included): construction compares it before and after. */
  problemEvents = 0;
  /** The last problem's reason, for the module whose construction it interrupted. */
  lastProblem: string | undefined;
  /** Set while code of an imported module (a workspace or library file) runs: its nodes are another file's. */
  inForeign: false | 'workspace' | 'library' = false;
  /**
   * While imported code runs: the call (or import) in the analysed file that led into it. Layers it
   * builds and calls, and problems it meets, are placed there, since the report's ranges are the
   * analysed file's.
   */
  anchorSite: CallSite | undefined;
  /**
   * Sizes the file states for values it leaves to data (`# wattlens: size=120`, `shape=(...)`), by
   * 0-based line: the one unknown number computed on that line takes the stated size.
   */
  stated = new Map<number, { size?: number; shape?: number[]; vocab?: number; value?: unknown }>();
  /** Lines of the calls of the file's functions now running, outermost first (where a builder was called). */
  readonly callLines: number[] = [];
  /** Lines of the calls whose arguments are being evaluated (a stated size goes to the outermost). */
  private readonly argumentLines: number[] = [];

  /** Where something at `range` shows in the analysed file: `range`, or in imported code the anchor's range. */
  visibleRange(range: Range): Range {
    return this.inForeign && this.anchorSite ? this.anchorSite.range : range;
  }
  /** Where user classes are constructed from an earlier run's results, when a memo is kept (torch/moduleMemo.ts). */
  instanceMemo?: {
    instantiate(cls: ClassV, args: Value[], kwargs: Map<string, Value>, site: CallSite, fresh: () => Value): Value;
  };

  constructor(
    readonly budget: StepBudget,
    readonly hooks: FrameworkHooks[],
    readonly builtins: Scope,
  ) {}

  /** Executes a block of statements (implemented by the Interpreter). */
  abstract execBlock(block: SyntaxNode | undefined, scope: Scope): unknown;
  protected abstract callFunction(func: FuncV, args: Value[], kwargs: Map<string, Value>, site: CallSite): Value;
  abstract declareParams(node: SyntaxNode | undefined, scope: Scope): FuncV['params'];

  /** Evaluates one expression node to a value. */
  eval(node: SyntaxNode, scope: Scope): Value {
    this.budget.step(node);
    switch (node.type) {
      case 'identifier':
        return this.lookupName(node, scope);
      case 'integer':
      case 'float':
        return literal(node, parseNumber);
      case 'string':
        return node.children.some(isInterpolation)
          ? this.evalString(node, scope)
          : literal(node, (_t, n) => str(parseString(n)));
      case 'concatenated_string':
        return this.concatStrings(node, scope);
      case 'true':
        return TRUE;
      case 'false':
        return FALSE;
      case 'none':
        return NONE;
      case 'ellipsis':
        return unknown('Ellipsis', node.range);
      case 'parenthesized_expression':
        return this.eval(node.children[0], scope);
      case 'list':
      case 'set':
        return list(this.evalElements(node.children, scope));
      case 'tuple':
      case 'expression_list':
      case 'pattern_list':
        return tuple(this.evalElements(node.children, scope));
      case 'dictionary':
        return this.evalDict(node, scope);
      case 'binary_operator':
        return this.evalBinary(node, scope);
      case 'unary_operator':
        return this.evalUnary(node, scope);
      case 'not_operator':
        return this.negate(this.eval(field(node, 'argument')!, scope));
      case 'boolean_operator':
        return this.evalBoolean(node, scope);
      case 'comparison_operator':
        return this.evalComparison(node, scope);
      case 'conditional_expression':
        return this.evalConditional(node, scope);
      case 'call':
        return this.evalCall(node, scope);
      case 'attribute':
        return this.getAttr(this.eval(field(node, 'object')!, scope), field(node, 'attribute')!.text, node);
      case 'subscript':
        return this.evalSubscript(node, scope);
      case 'slice':
        return this.evalSlice(node, scope);
      case 'lambda':
        return this.evalLambda(node, scope);
      case 'list_comprehension':
      case 'set_comprehension':
        return orUnknown(() => list(this.comprehend(node, scope, (s) => this.eval(field(node, 'body')!, s))));
      case 'generator_expression':
        return orUnknown(() => tuple(this.comprehend(node, scope, (s) => this.eval(field(node, 'body')!, s))));
      case 'dictionary_comprehension':
        return orUnknown(() => this.dictComprehension(node, scope));
      case 'named_expression':
        return assignNamed(this, node, scope);
      case 'assignment':
        return evalAssignment(this, node, scope);
      case 'augmented_assignment':
        return evalAugmented(this, node, scope);
      case 'keyword_argument':
        return this.eval(field(node, 'value')!, scope);
      case 'await':
        return this.eval(node.children.at(-1)!, scope);
      case 'ERROR':
        return unknown('syntax error here', node.range);
      default:
        return unknown(`expression '${node.type}' is not analysed`, node.range);
    }
  }

  private lookupName(node: SyntaxNode, scope: Scope): Value {
    const v = scope.lookup(node.text) ?? this.builtins.lookup(node.text);
    if (v === undefined) raise('NameError', `name '${node.text}' is not defined`, node.range);
    return v;
  }

  private evalString(node: SyntaxNode, scope: Scope): Value {
    if (!node.children.some((c) => c.type === 'interpolation')) return str(parseString(node));
    const parts = node.children.map((c) => {
      if (c.type === 'string_content') return c.text;
      if (c.type !== 'interpolation') return '';
      const v = this.eval(field(c, 'expression')!, scope);
      return v.kind === 'unknown' || v.kind === 'tensor' ? '?' : display(v);
    });
    return str(parts.join(''));
  }

  private concatStrings(node: SyntaxNode, scope: Scope): Value {
    return str(node.children.map((c) => (this.evalString(c, scope) as { value: string }).value).join(''));
  }

  /** Evaluates list/tuple elements, expanding `*splat` entries. */
  private evalElements(nodes: SyntaxNode[], scope: Scope): Value[] {
    const out: Value[] = [];
    for (const n of nodes) {
      if (n.type === 'list_splat' || n.type === 'list_splat_pattern') {
        const v = this.eval(n.children.at(-1)!, scope);
        out.push(...this.iterateOrRaise(v, n));
      } else if (n.type === 'attribute' && field(n, 'object')?.type === 'list_splat') {
        out.push(...this.iterateOrRaise(this.splatAttribute(n, scope), n));
      } else if (n.type !== ':' && n.type !== 'comment') out.push(this.eval(n, scope));
    }
    return out;
  }

  /**
   * `*x.shape` in a tuple: tree-sitter reads it as `(*x).shape`, an attribute of a splat. Python
   * means `*(x.shape)`: the attribute of the splatted expression, then splatted.
   */
  private splatAttribute(n: SyntaxNode, scope: Scope): Value {
    const splat = field(n, 'object')!;
    const inner = this.eval(splat.children.at(-1)!, scope);
    return this.getAttr(inner, field(n, 'attribute')!.text, n);
  }

  private evalDict(node: SyntaxNode, scope: Scope): Value {
    const dict: DictV = { kind: 'dict', entries: new Map() };
    for (const c of node.children) {
      if (c.type === 'pair') {
        const key = this.eval(field(c, 'key')!, scope);
        dict.entries.set(hashKey(key), { key, value: this.eval(field(c, 'value')!, scope) });
      } else if (c.type === 'dictionary_splat') {
        const other = this.eval(c.children.at(-1)!, scope);
        if (other.kind === 'dict') for (const [k, e] of other.entries) dict.entries.set(k, e);
      }
    }
    return dict;
  }

  private evalBinary(node: SyntaxNode, scope: Scope): Value {
    const a = this.eval(field(node, 'left')!, scope);
    const b = this.eval(field(node, 'right')!, scope);
    return this.binaryOp(field(node, 'operator')!.type, a, b, node);
  }

  /** Applies a binary operator, asking the frameworks first for their values (tensors). */
  binaryOp(op: string, a: Value, b: Value, site: CallSite): Value {
    for (const h of this.hooks) {
      const r = h.binary?.(op, a, b, site);
      if (r !== undefined) return r;
    }
    if (a.kind === 'unknown') return a;
    if (b.kind === 'unknown') return b;
    const r = arithmetic(op, a, b);
    if (r !== undefined) return r;
    return raise(
      'TypeError',
      `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`,
      site.range,
    );
  }

  /** Runs `obj.__iadd__(rhs)` (or the operator's other in-place method) when obj's class defines it. */
  inPlaceOp(op: string, obj: Value, rhs: Value, site: CallSite): Value | undefined {
    const name = IN_PLACE_METHODS[op];
    if (!name || (obj.kind !== 'module' && obj.kind !== 'instance')) return undefined;
    const method = lookupClassAttr(obj.cls, name);
    return method && this.callValue(this.bindAttr(obj, method, site), [rhs], new Map(), site);
  }

  private evalUnary(node: SyntaxNode, scope: Scope): Value {
    const v = this.eval(field(node, 'argument')!, scope);
    const op = field(node, 'operator')!.type;
    for (const h of this.hooks) {
      const r = h.unary?.(op, v, node);
      if (r !== undefined) return r;
    }
    if (v.kind === 'unknown') return v;
    return unary(op, v) ?? raise('TypeError', `bad operand type for unary ${op}: '${typeName(v)}'`, node.range);
  }

  private negate(v: Value): Value {
    const t = truthy(v);
    return t === null ? unknown('truth value of an unknown', undefined) : bool(!t);
  }

  private evalBoolean(node: SyntaxNode, scope: Scope): Value {
    const op = field(node, 'operator')!.type;
    const left = this.eval(field(node, 'left')!, scope);
    const t = truthy(left);
    if (t === null) return left.kind === 'unknown' ? left : unknown('truth value of a tensor', node.range);
    if ((op === 'and' && !t) || (op === 'or' && t)) return left;
    return this.eval(field(node, 'right')!, scope);
  }

  private evalComparison(node: SyntaxNode, scope: Scope): Value {
    const operands = node.children.filter((_, i) => node.fields[i] !== 'operators');
    const operators = fieldAll(node, 'operators');
    let left = this.eval(operands[0], scope);
    for (let i = 0; i < operators.length; i++) {
      const right = this.eval(operands[i + 1], scope);
      const r = this.compareValues(operators[i].type, left, right, node);
      if (r.kind !== 'bool' || !r.value) return r;
      left = right;
    }
    return TRUE;
  }

  private compareValues(op: string, a: Value, b: Value, node: SyntaxNode): Value {
    if (op === 'is' || op === 'is not') return bool(compare(op, a, b)!);
    for (const h of this.hooks) {
      const r = h.binary?.(op, a, b, node);
      if (r !== undefined) return r;
    }
    if (a.kind === 'unknown') return a;
    if (b.kind === 'unknown') return b;
    const r = compare(op, a, b);
    return r === undefined
      ? unknown(`cannot compare ${typeName(a)} ${op} ${typeName(b)} statically`, node.range)
      : bool(r);
  }

  private evalConditional(node: SyntaxNode, scope: Scope): Value {
    const [whenTrue, condition, whenFalse] = node.children;
    const c = this.eval(condition, scope);
    const t = truthy(c);
    if (t === null) return unknown(`condition ${condition.text} cannot be decided statically`, condition.range);
    return this.eval(t ? whenTrue : whenFalse, scope);
  }

  private evalCall(node: SyntaxNode, scope: Scope): Value {
    const fnNode = field(node, 'function')!;
    const argsNode = field(node, 'arguments')!;
    if (fnNode.type === 'identifier' && fnNode.text === 'super' && argsNode.children.length === 0)
      return this.zeroArgSuper(scope, node);
    const callee = this.eval(fnNode, scope);
    const site: CallSite = this.inForeign && this.anchorSite ? this.anchorSite : node;
    if (argsNode.type === 'generator_expression')
      return this.callValue(callee, [this.eval(argsNode, scope)], NO_KWARGS, site);
    const args: Value[] = [];
    const kwargs = argsNode.children.some(isKeywordArgument) ? new Map<string, Value>() : NO_KWARGS;
    if (!this.stated.size) {
      for (const a of argsNode.children) this.collectArgument(a, scope, args, kwargs);
      return this.callValue(callee, args, kwargs, site);
    }
    this.argumentLines.push(node.range.start.line);
    try {
      for (const a of argsNode.children) this.collectArgument(a, scope, args, kwargs);
    } finally {
      this.argumentLines.pop();
    }
    if (callee.kind === 'class' || callee.kind === 'func' || callee.kind === 'bound')
      this.applyStatedSize(node, args, kwargs);
    return this.callValue(callee, args, kwargs, site);
  }

  /**
   * `# wattlens: size=N` on a call's line: the call's one unknown argument is N. Only the outermost
   * call of the line takes it (in `Dense(len(names))` the size is Dense's, not len's), and only a
   * class or a function of the file (a builtin such as len() takes no size: the assignment does).
   */
  private applyStatedSize(node: SyntaxNode, args: Value[], kwargs: Map<string, Value>): void {
    const line = node.range.start.line;
    const stated = this.stated.get(line);
    const size =
      stated?.value !== undefined
        ? fromLiteral(stated.value)
        : stated?.size !== undefined
          ? int(stated.size)
          : undefined;
    if (size === undefined || this.argumentLines.includes(line)) return;
    const unknownArgs = args.filter((a) => a.kind === 'unknown').length;
    const unknownKw = [...kwargs.entries()].filter(([, v]) => v.kind === 'unknown');
    if (unknownArgs + unknownKw.length !== 1) return;
    const i = args.findIndex((a) => a.kind === 'unknown');
    if (i >= 0) args[i] = size;
    else kwargs.set(unknownKw[0][0], size);
  }

  /** A value stated by `# wattlens: size=` / `shape=` for an unknown computed on `line`, else the value. */
  statedValue(value: Value, line: number): Value {
    if (value.kind !== 'unknown') return value;
    const stated = this.stated.get(line);
    if (stated?.value !== undefined) return fromLiteral(stated.value);
    if (stated?.size !== undefined) return int(stated.size);
    if (stated?.shape)
      return {
        kind: 'tensor',
        shape: stated.shape,
        dtype: 'float32',
        origin: `# wattlens: shape=(${stated.shape.join(', ')}), line ${line + 1}`,
      };
    return value;
  }

  private zeroArgSuper(scope: Scope, node: SyntaxNode): Value {
    const owner = scope.lookup('__class__');
    const self = scope.lookup('__self__');
    if (owner?.kind !== 'class' || !self)
      return raise('RuntimeError', 'super(): no arguments outside a method', node.range);
    return { kind: 'super', self, owner };
  }

  private collectArgument(a: SyntaxNode, scope: Scope, args: Value[], kwargs: Map<string, Value>): void {
    if (a.type === 'keyword_argument') kwargs.set(field(a, 'name')!.text, this.eval(field(a, 'value')!, scope));
    else if (a.type === 'list_splat') args.push(...this.iterateOrRaise(this.eval(a.children.at(-1)!, scope), a));
    else if (a.type === 'dictionary_splat') this.spreadKwargs(this.eval(a.children.at(-1)!, scope), kwargs, a);
    else if (a.type !== 'comment') args.push(this.eval(a, scope));
  }

  private spreadKwargs(v: Value, kwargs: Map<string, Value>, node: SyntaxNode): void {
    if (v.kind !== 'dict') raise('TypeError', `argument after ** must be a mapping, not ${typeName(v)}`, node.range);
    for (const { key, value } of v.entries.values()) kwargs.set(key.kind === 'str' ? key.value : display(key), value);
  }

  /** Calls any callable value. */
  callValue(callee: Value, args: Value[], kwargs: Map<string, Value>, site: CallSite): Value {
    switch (callee.kind) {
      case 'func':
        return this.callFunction(callee, args, kwargs, site);
      case 'builtin':
        return orUnknown(() => callee.call(args, kwargs, site));
      case 'bound':
        return this.callValue(callee.func, [callee.self, ...args], kwargs, site);
      case 'class':
        return orUnknown(() => this.instantiate(callee, args, kwargs, site));
    }
    for (const h of this.hooks) {
      const r = h.call?.(callee, args, kwargs, site);
      if (r !== undefined) return r;
    }
    if (callee.kind === 'unknown') return callee;
    if (callee.kind === 'instance') {
      const call = lookupClassAttr(callee.cls, '__call__');
      if (call) return this.callValue(this.bindAttr(callee, call), args, kwargs, site);
    }
    return raise('TypeError', `'${typeName(callee)}' object is not callable`, site.range);
  }

  /** Runs `body` in a fresh local scope bound to the call's arguments, guarding recursion depth. */
  protected invokeUser(
    func: FuncV,
    args: Value[],
    kwargs: Map<string, Value>,
    site: CallSite,
    body: (scope: Scope) => Value,
  ): Value {
    if (this.depth >= MAX_CALL_DEPTH)
      raise('RecursionError', `maximum recursion depth reached in ${func.name}()`, site.range);
    const local = new Scope(func.closure);
    for (const [k, v] of bindArguments(func.name, func.params, args, kwargs)) local.vars.set(k, v);
    if (func.owner) {
      local.vars.set('__class__', func.owner);
      if (args.length) local.vars.set('__self__', args[0]);
    }
    this.depth++;
    try {
      return body(local);
    } finally {
      this.depth--;
    }
  }

  /** Creates an instance of a class and runs its __init__. */
  instantiate(cls: ClassV, args: Value[], kwargs: Map<string, Value>, site: CallSite): Value {
    if (this.instanceMemo && !cls.builtin)
      return this.instanceMemo.instantiate(cls, args, kwargs, site, () => this.construct(cls, args, kwargs, site));
    return this.construct(cls, args, kwargs, site);
  }

  private construct(cls: ClassV, args: Value[], kwargs: Map<string, Value>, site: CallSite): Value {
    if (cls.builtin && cls.attrs.has('__new__')) return this.callValue(cls.attrs.get('__new__')!, args, kwargs, site);
    if (isNamedTuple(cls)) return namedTupleInstance(cls, args, kwargs, site);
    let self: Value | undefined;
    for (const h of this.hooks) if ((self = h.instantiate?.(cls, site))) break;
    self ??= { kind: 'instance', cls, attrs: new Map() };
    const init = lookupClassAttr(cls, '__init__');
    if (!init) return self;
    const wasTolerant = this.tolerant;
    this.tolerant ||= self.kind === 'module';
    const problemsBefore = this.problemEvents;
    try {
      this.callValue(this.bindAttr(self, init), args, kwargs, site);
    } finally {
      this.tolerant = wasTolerant;
    }
    // A module whose construction skipped a statement or a branch may lack layers: its parameters
    // (and what its forward does) are then unknown, never the partial tree's.
    if (self.kind === 'module' && this.problemEvents > problemsBefore && !self.incomplete)
      self.incomplete = this.lastProblem ?? 'its construction met a problem';
    return self;
  }

  /** Reads `obj.name`: frameworks first, then instance and class attributes, then namespaces. */
  getAttr(obj: Value, name: string, site: CallSite): Value {
    const dunder = name.startsWith('__') ? typeDunder(obj, name) : undefined;
    if (dunder) return dunder;
    for (const h of this.hooks) {
      const r = h.getAttr?.(obj, name, site);
      if (r !== undefined) return r;
    }
    switch (obj.kind) {
      case 'unknown':
        return obj;
      case 'namespace':
        return this.namespaceAttr(obj, name, site);
      case 'instance':
        return this.instanceAttr(obj, name, site);
      case 'class':
        return this.classAttr(obj, name, site);
      case 'super':
        return this.superAttr(obj, name, site);
    }
    const method = this.builtinMethod(obj, name, site);
    if (method) return method;
    return raise('AttributeError', `'${typeName(obj)}' object has no attribute '${name}'`, site.range);
  }

  /** Methods of plain values (list.append, dict.items, str.format, ...), provided by a subclass. */
  protected abstract builtinMethod(obj: Value, name: string, site: CallSite): Value | undefined;

  private namespaceAttr(ns: Value & { kind: 'namespace' }, name: string, site: CallSite): Value {
    const v = ns.attrs.get(name);
    if (v) return v;
    if (ns.opaque) return unknown(`${ns.opaque} (${ns.name}.${name})`, site.range);
    return unknown(`${ns.name}.${name} is not modelled`, site.range);
  }

  private instanceAttr(obj: Value & { kind: 'instance' }, name: string, site: CallSite): Value {
    const own = obj.attrs.get(name);
    if (own) return own;
    const attr = lookupClassAttr(obj.cls, name);
    if (attr) return this.bindAttr(obj, attr, site);
    // Python calls __getattr__ when the ordinary lookup fails.
    const fallback = lookupClassAttr(obj.cls, '__getattr__');
    if (fallback) return this.callValue(this.bindAttr(obj, fallback, site), [str(name)], NO_KWARGS, site);
    return raise('AttributeError', `'${obj.cls.name}' object has no attribute '${name}'`, site.range);
  }

  private classAttr(cls: ClassV, name: string, site: CallSite): Value {
    const attr = lookupClassAttr(cls, name);
    // A metaclass's methods are the class's methods (EnumMeta subclasses add lookups this way).
    // The metaclass is inherited: a subclass of `class StrEnum(Enum, metaclass=StrEnumMeta)` has it too.
    const metaclass = attr ? undefined : mro(cls).find((base) => base.metaclass)?.metaclass;
    const meta = metaclass && lookupClassAttr(metaclass, name);
    if (meta) return meta.kind === 'func' ? { kind: 'bound', self: cls, func: meta } : meta;
    if (!attr) return raise('AttributeError', `type object '${cls.name}' has no attribute '${name}'`, site.range);
    if (attr.kind === 'property')
      return attr.decorator === 'classmethod' ? { kind: 'bound', self: cls, func: attr.func } : attr.func;
    return attr;
  }

  private superAttr(sup: Value & { kind: 'super' }, name: string, site: CallSite): Value {
    const self = sup.self;
    const order = mro(self.kind === 'module' || self.kind === 'instance' ? self.cls : sup.owner);
    const start = order.indexOf(sup.owner);
    for (const cls of order.slice(start + 1)) {
      const attr = cls.attrs.get(name);
      if (attr) return this.bindAttr(self, attr, site);
    }
    if (name === '__init__') return { kind: 'builtin', name: 'object.__init__', call: () => NONE };
    return raise('AttributeError', `'super' object has no attribute '${name}'`, site.range);
  }

  /** Binds a class attribute to an instance: functions become bound methods, properties are read. */
  bindAttr(self: Value, attr: Value, site?: CallSite): Value {
    if (attr.kind === 'func' || attr.kind === 'builtin') return { kind: 'bound', self, func: attr };
    if (attr.kind === 'property') {
      if (attr.decorator === 'staticmethod') return attr.func;
      if (attr.decorator === 'classmethod')
        return { kind: 'bound', self: (self as { cls: ClassV }).cls ?? self, func: attr.func };
      return this.callFunction(attr.func, [self], new Map(), site ?? { range: attr.func.range });
    }
    return attr;
  }

  /** Writes `obj.name = value`. */
  setAttr(obj: Value, name: string, value: Value, site: CallSite): void {
    for (const h of this.hooks) if (h.setAttr?.(obj, name, value, site)) return;
    if (obj.kind === 'instance') obj.attrs.set(name, value);
    else if (obj.kind === 'class') {
      if (obj.builtin !== undefined || this.sharedClasses.has(obj)) this.changedShared = true;
      obj.attrs.set(name, value);
    } else if (obj.kind !== 'unknown')
      raise('AttributeError', `cannot set attribute '${name}' on ${typeName(obj)}`, site.range);
  }

  private evalSubscript(node: SyntaxNode, scope: Scope): Value {
    const obj = this.eval(field(node, 'value')!, scope);
    const indexNodes = fieldAll(node, 'subscript');
    const indices = indexNodes.map((n) => this.eval(n, scope));
    const index = indices.length === 1 ? indices[0] : tuple(indices);
    return this.getItemValue(obj, index, node);
  }

  /** Reads `obj[index]`. */
  getItemValue(obj: Value, index: Value, site: CallSite): Value {
    for (const h of this.hooks) {
      const r = h.getItem?.(obj, index, site);
      if (r !== undefined) return r;
    }
    if (obj.kind === 'unknown') return obj;
    if (index.kind === 'unknown') return index;
    const items = namedTupleItems(obj);
    if (items) return this.getItemValue(tuple(items), index, site);
    if (obj.kind === 'instance') {
      const method = lookupClassAttr(obj.cls, '__getitem__');
      if (method) return this.callValue(this.bindAttr(obj, method, site), [index], NO_KWARGS, site);
    }
    const r = getItem(obj, index);
    if (r !== undefined) return r;
    if (obj.kind === 'class' && index.kind === 'str' && isEnumClass(obj)) {
      const member = obj.attrs.get(index.value);
      return member?.kind === 'instance' ? member : raise('KeyError', index.value, site.range);
    }
    if (obj.kind === 'class') return obj; // typing generics such as List[int]
    // Generic aliases of the built-in containers (`dict[str, int]`, `OrderedDict[str, Any]`) are the container.
    if (obj.kind === 'builtin' && GENERIC_CONTAINERS.has(obj.name)) return obj;
    return raise('TypeError', `'${typeName(obj)}' object is not subscriptable with ${display(index)}`, site.range);
  }

  private evalSlice(node: SyntaxNode, scope: Scope): Value {
    const parts: Value[] = [NONE, NONE, NONE];
    let slot = 0;
    for (const c of node.children) {
      if (c.type === ':') slot++;
      else parts[slot] = this.eval(c, scope);
    }
    return { kind: 'slice', start: parts[0], stop: parts[1], step: parts[2] };
  }

  private evalLambda(node: SyntaxNode, scope: Scope): Value {
    const func: FuncV = {
      kind: 'func',
      name: '<lambda>',
      params: this.declareParams(field(node, 'parameters'), scope),
      body: field(node, 'body')!,
      closure: scope,
      range: node.range,
      isLambda: true,
      ...(this.inForeign ? { foreign: this.inForeign } : {}),
    };
    return func;
  }

  /** Runs the for/if clauses of a comprehension, calling `produce` for each surviving binding. */
  private comprehend<T>(node: SyntaxNode, scope: Scope, produce: (s: Scope) => T): T[] {
    const clauses = node.children.filter((c) => c.type === 'for_in_clause' || c.type === 'if_clause');
    const out: T[] = [];
    const inner = new Scope(scope);
    const step = (i: number): void => {
      if (i === clauses.length) {
        out.push(produce(inner));
        return;
      }
      const clause = clauses[i];
      if (clause.type === 'if_clause') {
        if (truthy(this.eval(clause.children[0], inner))) step(i + 1);
        return;
      }
      const right = fieldAll(clause, 'right');
      const iterable = right.length === 1 ? this.eval(right[0], inner) : tuple(right.map((r) => this.eval(r, inner)));
      if (iterable.kind === 'unknown') throw new UnknownIterable(iterable);
      for (const item of this.iterateOrRaise(iterable, clause)) {
        this.budget.step(clause);
        this.assignTarget(field(clause, 'left')!, item, inner);
        step(i + 1);
      }
    };
    step(0);
    return out;
  }

  private dictComprehension(node: SyntaxNode, scope: Scope): Value {
    const dict: DictV = { kind: 'dict', entries: new Map() };
    const pair = field(node, 'body')!;
    this.comprehend(node, scope, (s) => {
      const key = this.eval(field(pair, 'key')!, s);
      dict.entries.set(hashKey(key), { key, value: this.eval(field(pair, 'value')!, s) });
    });
    return dict;
  }

  /** Assigns a value to a target: a name, an attribute, a subscript, or a (nested) unpacking. */
  assignTarget(target: SyntaxNode, value: Value, scope: Scope): void {
    assignTarget(this, target, value, scope);
  }

  /** The items of an iterable value (plain, or one a framework can iterate), or undefined. */
  iterateValue(v: Value, site: CallSite): Value[] | undefined {
    for (const h of this.hooks) {
      const r = h.iterate?.(v, site);
      if (r !== undefined) return r;
    }
    const items = namedTupleItems(v);
    if (items) return items;
    return iterate(v);
  }

  /** Like iterateValue, but raises TypeError for a non-iterable. */
  iterateOrRaise(v: Value, node: SyntaxNode): Value[] {
    const items = this.iterateValue(v, node);
    if (items) return items;
    if (v.kind === 'unknown') throw new PyError('ValueError', `cannot iterate: ${v.reason}`, node.range);
    return raise('TypeError', `'${typeName(v)}' object is not iterable`, node.range);
  }
}

export { isSequence, int, float };

/**
 * `obj.__class__`, `cls.__name__` / `__qualname__` (weight-init code branches on class names), a
 * function's `__name__`, where a class or instance was defined (`__module__`), and an instance's
 * `__dict__` as a live view (`self.__dict__.update(kwargs)` sets attributes).
 */
/** Built-in container types that Python 3.9+ subscripts to a generic alias of themselves. */
const GENERIC_CONTAINERS = new Set(['list', 'dict', 'tuple', 'set', 'frozenset', 'type', 'OrderedDict', 'defaultdict']);

/** The method Python calls for `x op= y` before falling back to `x = x op y`. */
const IN_PLACE_METHODS: Record<string, string> = {
  '+': '__iadd__',
  '-': '__isub__',
  '*': '__imul__',
  '/': '__itruediv__',
  '//': '__ifloordiv__',
  '%': '__imod__',
  '@': '__imatmul__',
  '|': '__ior__',
  '&': '__iand__',
};

function typeDunder(obj: Value, name: string): Value | undefined {
  if (name === '__class__' && (obj.kind === 'module' || obj.kind === 'instance')) return obj.cls;
  if ((name === '__name__' || name === '__qualname__') && (obj.kind === 'class' || obj.kind === 'func'))
    return str(obj.name);
  if (name === '__name__' && obj.kind === 'builtin') return str(obj.name);
  if (name === '__module__' && obj.kind === 'func')
    return obj.closure.moduleScope().vars.get('__name__') ?? str('__main__');
  if (name === '__class__' && (obj.kind === 'func' || obj.kind === 'builtin' || obj.kind === 'bound'))
    return FUNCTION_CLASS;
  if (name === '__module__' && (obj.kind === 'class' || obj.kind === 'module' || obj.kind === 'instance')) {
    const cls = obj.kind === 'class' ? obj : obj.cls;
    return cls.attrs.get('__module__') ?? str(cls.builtin ? 'torch.nn' : '__main__');
  }
  if (name === '__dict__' && obj.kind === 'instance') return { kind: 'dict', entries: new AttributeEntries(obj.attrs) };
  return undefined;
}

/** The class of functions, for `fn.__class__` (torchvision's usage logging reads it). */
const FUNCTION_CLASS: ClassV = {
  kind: 'class',
  name: 'function',
  bases: [],
  attrs: new Map(),
  range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
  builtin: 'object',
};

/** Dict entries that read and write an object's attributes (the `__dict__` view). */
class AttributeEntries extends Map<string, { key: Value; value: Value }> {
  constructor(private readonly attrs: Map<string, Value>) {
    super();
  }
  override get(key: string) {
    const v = key.startsWith('s') ? this.attrs.get(key.slice(1)) : undefined;
    return v === undefined ? undefined : { key: str(key.slice(1)), value: v };
  }
  override has(key: string) {
    return key.startsWith('s') && this.attrs.has(key.slice(1));
  }
  override set(key: string, entry: { key: Value; value: Value }) {
    if (key.startsWith('s')) this.attrs.set(key.slice(1), entry.value);
    return this;
  }
  override delete(key: string) {
    return key.startsWith('s') && this.attrs.delete(key.slice(1));
  }
  override get size() {
    return this.attrs.size;
  }
  override *entries(): MapIterator<[string, { key: Value; value: Value }]> {
    for (const [k, v] of this.attrs) yield [`s${k}`, { key: str(k), value: v }];
  }
  override *keys(): MapIterator<string> {
    for (const k of this.attrs.keys()) yield `s${k}`;
  }
  override *values(): MapIterator<{ key: Value; value: Value }> {
    for (const [k, v] of this.attrs) yield { key: str(k), value: v };
  }
  override [Symbol.iterator]() {
    return this.entries();
  }
  override forEach(
    fn: (value: { key: Value; value: Value }, key: string, map: Map<string, { key: Value; value: Value }>) => void,
  ) {
    for (const [k, v] of this.entries()) fn(v, k, this);
  }
}

/** A `# wattlens: value=` literal as a Python value: numbers, strings, booleans, None, lists and dicts. */
function fromLiteral(v: unknown): Value {
  if (v === null) return NONE;
  if (typeof v === 'boolean') return v ? TRUE : FALSE;
  if (typeof v === 'number') return Number.isInteger(v) ? int(v) : float(v);
  if (typeof v === 'string') return str(v);
  if (Array.isArray(v)) return list(v.map(fromLiteral));
  const d: DictV = { kind: 'dict', entries: new Map() };
  for (const [k, x] of Object.entries(v as Record<string, unknown>))
    d.entries.set(hashKey(str(k)), { key: str(k), value: fromLiteral(x) });
  return d;
}
