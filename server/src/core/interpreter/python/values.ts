// The values of the abstract interpreter: Python constants and containers, functions, classes,
// torch modules and symbolic tensors, and Unknown — a value we could not work out, with why; and the
// name scopes that hold them (a function's closure is a Scope, so the two live in one file).
import type { Range } from '../../parse/syntax';
import type { SyntaxNode } from '../../parse/syntax';
import type { ArgValue, DType, LayerSpec } from '../../layers/layerSpec';

export type Value =
  | NoneV
  | BoolV
  | IntV
  | FloatV
  | StrV
  | ListV
  | TupleV
  | DictV
  | SliceV
  | FuncV
  | BoundV
  | BuiltinV
  | ClassV
  | InstanceV
  | NamespaceV
  | ModuleV
  | TensorV
  | UnknownV
  | SuperV
  | PropertyV;

export interface NoneV {
  kind: 'none';
}
export interface BoolV {
  kind: 'bool';
  value: boolean;
}
export interface IntV {
  kind: 'int';
  value: number;
}
export interface FloatV {
  kind: 'float';
  value: number;
}
export interface StrV {
  kind: 'str';
  value: string;
}
export interface ListV {
  kind: 'list';
  items: Value[];
}
export interface TupleV {
  kind: 'tuple';
  items: Value[];
}
export interface DictV {
  kind: 'dict';
  entries: Map<string, { key: Value; value: Value }>;
}
export interface SliceV {
  kind: 'slice';
  start: Value;
  stop: Value;
  step: Value;
}

/** One declared parameter of a Python function. */
export interface ParamDecl {
  name: string;
  kind: 'positional' | 'varargs' | 'kwargs' | 'keywordOnly';
  default?: Value;
}

/** A user-defined function or method (body evaluated on each call). */
export interface FuncV {
  kind: 'func';
  name: string;
  params: ParamDecl[];
  body: SyntaxNode;
  closure: Scope;
  range: Range;
  /** The class whose body defined it, for zero-argument super(). */
  owner?: ClassV;
  /** For lambdas: the body is an expression, not a block. */
  isLambda?: boolean;
  /** The function a functools.wraps wrapper stands for (inspect.signature follows it). */
  wrapped?: Value;
  /** Defined in an imported module (a workspace or library file), not the analysed file. */
  foreign?: 'workspace' | 'library';
}

/** A function bound to its first argument (a method looked up on an object). */
export interface BoundV {
  kind: 'bound';
  self: Value;
  func: FuncV | BuiltinV;
}

/** Everything a builtin sees when called. */
export interface CallSite {
  range: Range;
}

/** A function implemented in TypeScript (len, torch.randn, nn.Conv2d's constructor, ...). */
export interface BuiltinV {
  kind: 'builtin';
  name: string;
  call: (args: Value[], kwargs: Map<string, Value>, site: CallSite) => Value;
}

/** A class: user-defined (with a body namespace) or a built-in torch class marker. */
export interface ClassV {
  kind: 'class';
  name: string;
  bases: ClassV[];
  attrs: Map<string, Value>;
  range: Range;
  /** For built-in classes: which torch class this is (nn.Module, nn.Sequential, a layer). */
  builtin?: 'Module' | 'Sequential' | 'ModuleList' | 'ModuleDict' | 'ParameterList' | 'layer' | 'object';
  spec?: LayerSpec<unknown>;
  /** A loss module (nn.CrossEntropyLoss, ...): called in training code, never a model of its own. */
  isLoss?: boolean;
  /** The class given as `metaclass=`: its methods are looked up on the class after its own. */
  metaclass?: ClassV;
  /** Defined in an imported module (a workspace or library file), not the analysed file. */
  foreign?: 'workspace' | 'library';
}

/** An instance of a plain (non-Module) user class. */
export interface InstanceV {
  kind: 'instance';
  cls: ClassV;
  attrs: Map<string, Value>;
}

/** A Python module namespace such as `torch`, `torch.nn`, `math`, or an unmodelled import. */
export interface NamespaceV {
  kind: 'namespace';
  name: string;
  attrs: Map<string, Value>;
  /** When set, attributes not in `attrs` are Unknown with this reason instead of an error. */
  opaque?: string;
}

/** A torch.nn.Module instance: a built-in layer, a container, or an instance of a user subclass. */
export interface ModuleV {
  kind: 'module';
  id: number;
  cls: ClassV;
  /** For built-in leaf layers: the spec and its configuration. */
  spec?: LayerSpec<unknown>;
  config?: unknown;
  children: Map<string, ModuleV>;
  params: Map<string, TensorV>;
  buffers: Map<string, TensorV>;
  attrs: Map<string, Value>;
  /** A built-in layer's bound constructor arguments, read as attributes when `attrs` lacks them. */
  layerArgs?: Record<string, ArgValue>;
  /** Where it was constructed. */
  range: Range;
  /** Why the layer's configuration is unknown, when it is. */
  unresolved?: string;
  /** Why its construction may have left layers out (a statement of its __init__ failed or was skipped). */
  incomplete?: string;
}

/** A symbolic tensor: its shape (null when unknown) and dtype; parameters carry an identity. */
export interface TensorV {
  kind: 'tensor';
  shape: number[] | null;
  dtype: DType;
  /** Set on nn.Parameter tensors; shared parameters are the same object. */
  isParam?: boolean;
  /** Why the shape is unknown, when it is. */
  reason?: string;
  /** Where the tensor was built (`torch.randn, line 62`), for input provenance. */
  origin?: string;
  /** The elements of a small tensor built from known numbers (row-major), see torch/tensorValues.ts. */
  values?: number[];
}

/** The proxy `super()` returns inside a method: attribute lookup starts after `owner` in the MRO. */
export interface SuperV {
  kind: 'super';
  self: Value;
  owner: ClassV;
}

/** A `@property` (or staticmethod/classmethod) wrapper stored in a class body. */
export interface PropertyV {
  kind: 'property';
  decorator: 'property' | 'staticmethod' | 'classmethod';
  func: FuncV;
}

/** A value the interpreter could not evaluate; carries the first reason and where. */
export interface UnknownV {
  kind: 'unknown';
  reason: string;
  range?: Range;
}

export const NONE: NoneV = { kind: 'none' };
export const TRUE: BoolV = { kind: 'bool', value: true };
export const FALSE: BoolV = { kind: 'bool', value: false };

/** Values are never mutated, so small ints (sizes, indexes, loop counters) are shared, not allocated. */
const SMALL_INTS: IntV[] = Array.from({ length: 4097 }, (_, i) => ({ kind: 'int', value: i - 1 }));

/** An int value. */
export const int = (value: number): IntV =>
  value >= -1 && value <= 4095 && Number.isInteger(value) ? SMALL_INTS[value + 1] : { kind: 'int', value };
/** A float value. */
export const float = (value: number): FloatV => ({ kind: 'float', value });
/** A str value. */
export const str = (value: string): StrV => ({ kind: 'str', value });
/** A bool value. */
export const bool = (value: boolean): BoolV => (value ? TRUE : FALSE);
/** A list value. */
export const list = (items: Value[]): ListV => ({ kind: 'list', items });
/** A tuple value. */
export const tuple = (items: Value[]): TupleV => ({ kind: 'tuple', items });
/** An Unknown value with its reason. */
export const unknown = (reason: string, range?: Range): UnknownV => ({ kind: 'unknown', reason, range });
/** A tensor value. */
export const tensor = (shape: number[] | null, dtype: DType = 'float32', reason?: string): TensorV =>
  reason ? { kind: 'tensor', shape, dtype, reason } : { kind: 'tensor', shape, dtype };

/** A builtin function value. */
export function builtin(name: string, call: BuiltinV['call']): BuiltinV {
  return { kind: 'builtin', name, call };
}

/** True for int, float and bool (bool is an int subclass in Python). */
export function isNumber(v: Value): v is IntV | FloatV | BoolV {
  return v.kind === 'int' || v.kind === 'float' || v.kind === 'bool';
}

/** The JS number of an int/float/bool value. */
export function numberOf(v: IntV | FloatV | BoolV): number {
  return v.kind === 'bool' ? (v.value ? 1 : 0) : v.value;
}

/** True for list and tuple. */
export function isSequence(v: Value): v is ListV | TupleV {
  return v.kind === 'list' || v.kind === 'tuple';
}

/** A stable key for dict entries and set-like lookups (hashable values only). */
export function hashKey(v: Value): string {
  switch (v.kind) {
    case 'none':
      return 'None';
    case 'bool':
      return v.value ? 'i1' : 'i0';
    case 'int':
    case 'float':
      return `i${v.value}`;
    case 'str':
      return `s${v.value}`;
    case 'tuple':
      return `t(${v.items.map(hashKey).join(',')})`;
    case 'module':
      return `m${v.id}`;
    case 'class':
      return `c${v.name}`;
    default:
      return `o${v.kind}`;
  }
}

/** The Python type name of a value, for messages. */
export function typeName(v: Value): string {
  switch (v.kind) {
    case 'none':
      return 'NoneType';
    case 'func':
    case 'bound':
    case 'builtin':
      return 'function';
    case 'namespace':
      return 'module';
    case 'module':
      return v.cls.name;
    case 'instance':
      return v.cls.name;
    case 'tensor':
      return 'Tensor';
    default:
      return v.kind;
  }
}

/** One scope level. `globals` is the module scope; `builtins` sits above every module scope. */
export class Scope {
  readonly vars = new Map<string, Value>();
  /** Names declared `global` or `nonlocal` in this (function) scope. */
  private redirects?: Map<string, Scope>;

  constructor(
    readonly parent: Scope | null,
    readonly isClassBody = false,
  ) {}

  /** Looks a name up through enclosing scopes (skipping class bodies, as Python does). */
  lookup(name: string): Value | undefined {
    const own = this.vars.get(name);
    if (own !== undefined) return own;
    const redirect = this.redirects?.get(name);
    if (redirect) return redirect.lookup(name);
    let scope = this.parent;
    while (scope) {
      if (!scope.isClassBody) {
        const v = scope.vars.get(name);
        if (v !== undefined) return v;
      }
      scope = scope.parent;
    }
    return undefined;
  }

  /** Binds a name in this scope, or where a global/nonlocal declaration sends it. */
  assign(name: string, value: Value): void {
    const target = this.redirects?.get(name);
    if (target) target.assign(name, value);
    else this.vars.set(name, value);
  }

  /** Removes a binding (`del x`). */
  delete(name: string): void {
    this.vars.delete(name);
  }

  /** Records a `global` (target = module scope) or `nonlocal` declaration. */
  redirect(name: string, target: Scope): void {
    (this.redirects ??= new Map()).set(name, target);
  }

  /** The outermost non-builtin scope (the module). */
  moduleScope(): Scope {
    let scope: Scope = this;
    while (scope.parent && scope.parent.parent) scope = scope.parent;
    return scope;
  }

  /** The nearest enclosing function scope that binds `name`, for `nonlocal`. */
  enclosingBinding(name: string): Scope | undefined {
    let scope = this.parent;
    while (scope && scope.parent) {
      if (!scope.isClassBody && scope.vars.has(name)) return scope;
      scope = scope.parent;
    }
    return undefined;
  }
}
