// Values of the TypeScript-subset evaluator: JS primitives, arrays, objects, functions, the tf
// namespace's objects (layers, symbolic tensors, models), and Unknown — a value with its reason.
import type { Range, SyntaxNode } from '../../parse/syntax';
import { type UnknownV, type BoolV, type StrV, unknown, str, bool } from '../python/values';

export { type UnknownV, type BoolV, type StrV, unknown, str, bool };

/** Every value the evaluator handles. */
export type JsValue =
  UndefinedV | NullV | BoolV | NumV | StrV | ArrayV | ObjectV | FnV | NativeV | NsV | LayerV | SymV | ModelV | UnknownV;

/** What the evaluator knows of a layer's spec; the framework that made it knows the rest. */
export interface LayerSpecHandle {
  readonly className: string;
  readonly multiInput?: boolean;
}

/** JS primitives (booleans and strings reuse the Python interpreter's BoolV / StrV). */
export interface UndefinedV {
  kind: 'undefined';
}
export interface NullV {
  kind: 'null';
}
export interface NumV {
  kind: 'num';
  value: number;
}
/** A JS array: mutable, shared by reference. */
export interface ArrayV {
  kind: 'array';
  items: JsValue[];
}
/** A plain JS object; `ranges` remembers where each property's value was written (for located reasons). */
export interface ObjectV {
  kind: 'object';
  props: Map<string, JsValue>;
  ranges: Map<string, Range>;
  /** `get name()` accessors of its class, run when the property is read. */
  getters?: Map<string, FnV>;
}

/** A user function (declaration, expression, arrow or object method). */
export interface FnV {
  kind: 'fn';
  name: string;
  /** The formal_parameters node, or a single identifier for `x => ...`. */
  params: SyntaxNode | undefined;
  /** A statement_block, or an expression for concise arrow bodies. */
  body: SyntaxNode;
  closure: JsScope;
  range: Range;
  isArrow: boolean;
  /** Set for functions of an imported module: that module's text (their nodes are another file's). */
  foreignText?: string;
}

/** Everything a native function sees of its call site. */
export interface Site {
  range: Range;
}

/** A function implemented in TypeScript (Math.floor, tf.sequential, an array's push, ...). */
export interface NativeV {
  kind: 'native';
  name: string;
  call: (args: JsValue[], site: Site, thisArg: JsValue | undefined) => JsValue;
  /** Set for `new`-able natives (Array, Error); called instead of `call` by `new`. */
  construct?: (args: JsValue[], site: Site) => JsValue;
  /** Static members (Number.isInteger, Array.from, Object.keys). */
  attrs?: Map<string, JsValue>;
  /** Set for a member a framework base class gives an instance: a method of the file's class replaces it. */
  inherited?: boolean;
}

/** A module namespace (`tf`, `Math`); with `opaque` set, missing attributes are Unknown for that reason. */
export interface NsV {
  kind: 'ns';
  name: string;
  attrs: Map<string, JsValue>;
  opaque?: string;
  /** Resolves attributes created on demand (tf.layers.<factory>). */
  resolve?: (name: string) => JsValue | undefined;
}

/** A tf.layers layer: its factory, tfjs class and name, configuration, and why it is unknown when it is. */
export interface LayerV {
  kind: 'layer';
  id: number;
  /** The tf.layers factory that made it (`conv2d`). */
  factory: string;
  /** The tfjs class name (`Conv2D`), shown as the op. */
  className: string;
  /** The name tfjs gives it (`conv2d_Conv2D1`) or the `name` option. */
  name: string;
  /** The layer's spec, opaque to the evaluator: frameworks/tfjs reads it as its TfLayerSpec. */
  spec: LayerSpecHandle | null;
  config: unknown;
  /** The Keras constructor arguments its options mapped onto (opaque here: frameworks/tfjs sets them). */
  args?: Record<string, unknown>;
  /** Where `tf.layers.x(...)` is called. */
  range: Range;
  /** The batch input shape its options declare (inputShape / batchInputShape / inputDim / inputLength). */
  declaredInput: (number | null)[] | null;
  /** Why its configuration is not known (an option that is not static, an unknown layer). */
  reason?: string;
  reasonRange?: Range;
  /** Parameters, fixed the first time the layer is built. */
  params?: number | null;
  /** Why its inputShape (or batchInputShape) is not known statically, when it is not. */
  inputUnknown?: string;
  /** For a custom layer (a class of the file extending tf.layers.Layer): the instance its methods see as `this`. */
  instance?: ObjectV;
}

/** A symbolic tensor: a concrete shape with the batch first (null when unknown, with why). */
export interface SymV {
  kind: 'symbolic';
  id: number;
  shape: number[] | null;
  reason?: string;
  /** True when the batch dimension is the `null` of tfjs (we count it as --batch or 1). */
  nullBatch: boolean;
  /** The layer call that produced it; null for model inputs. */
  node: LayerCall | null;
  /** For model inputs: the input layer's name and where the shape came from. */
  input?: { name: string; source: string; range: Range };
  /**
   * A tensor with values at run time (inside a custom layer's call(), or one of its weights): its
   * shape is whole, batch included, and its ops are modelled and costed.
   */
  eager?: boolean;
  /** Set for a weight made by addWeight() (a LayerVariable: read() gives the tensor). */
  variable?: string;
}

/** One application of a layer (or an input placeholder) with its cost. */
export interface LayerCall {
  id: number;
  layer: LayerV | null;
  /** The layer name as reported (prefixed by the enclosing model for nested models). */
  path: string;
  op: string;
  inputs: SymV[];
  /** Tensors the call also depends on without being its inputs (an RNN's initialState). */
  dependsOn?: SymV[];
  /** Set when one of those is not known (a custom layer's output): the model's figures are unknown. */
  dependsOnUnknown?: boolean;
  outputs: SymV[];
  params: number | null;
  macs: number | null;
  flops: number | null;
  range: Range;
  callRange: Range | null;
  reason?: string;
  /** Where the cause of `reason` is (an option's value, a shape mismatch's call). */
  reasonRange?: Range;
}

/** A tf.sequential or tf.model. */
export interface ModelV {
  kind: 'model';
  id: number;
  /** Lines a `// wattlens: input=` comment may sit on (or just above): its construction and the calls that led to it. */
  statedLines?: number[];
  type: 'sequential' | 'functional';
  /** The name tfjs gives it (`sequential_1`) or its `name` option. */
  tfName: string;
  /** The variable it was first bound to, and the function that binding happened in. */
  varName?: string;
  fnName?: string;
  range: Range;
  /** Calls in execution order (for a sequential model: one per added layer). */
  calls: LayerCall[];
  inputs: SymV[];
  outputs: SymV[];
  /** Set when the model cannot be costed as a whole (no input shape, outputs not reached from inputs). */
  reasons: { range: Range; reason: string }[];
  /** Set when the model is applied inside another model. */
  nested: boolean;
  /** Set when it was built by a function the analysis called on its own (the file never calls it). */
  deferred?: string;
}

/** The `undefined` and `null` values. */
export const UNDEFINED: UndefinedV = { kind: 'undefined' };
export const NULL: NullV = { kind: 'null' };

/** A number value. */
export const num = (value: number): NumV => ({ kind: 'num', value });
/** An array value. */
export const arr = (items: JsValue[]): ArrayV => ({ kind: 'array', items });
/** An object value from plain entries. */
export function obj(entries: [string, JsValue][] = []): ObjectV {
  return { kind: 'object', props: new Map(entries), ranges: new Map() };
}
/** A native function value. */
export function native(name: string, call: NativeV['call'], construct?: NativeV['construct']): NativeV {
  return construct ? { kind: 'native', name, call, construct } : { kind: 'native', name, call };
}
/** A namespace value. */
export function ns(name: string, entries: [string, JsValue][], opaque?: string): NsV {
  return opaque ? { kind: 'ns', name, attrs: new Map(entries), opaque } : { kind: 'ns', name, attrs: new Map(entries) };
}

/** JS truthiness; null when it cannot be decided (Unknown). */
export function truthy(v: JsValue): boolean | null {
  switch (v.kind) {
    case 'undefined':
    case 'null':
      return false;
    case 'bool':
      return v.value;
    case 'num':
      return v.value !== 0 && !Number.isNaN(v.value);
    case 'str':
      return v.value !== '';
    case 'unknown':
      return null;
    default:
      return true;
  }
}

/** The `typeof` string of a value; null for Unknown. */
export function typeOf(v: JsValue): string | null {
  switch (v.kind) {
    case 'undefined':
      return 'undefined';
    case 'bool':
      return 'boolean';
    case 'num':
      return 'number';
    case 'str':
      return 'string';
    case 'fn':
    case 'native':
      return 'function';
    case 'unknown':
      return null;
    default:
      return 'object';
  }
}

/** A JS primitive for a primitive value (undefined for objects and Unknown). */
export function toPrimitive(v: JsValue): string | number | boolean | null | undefined | { none: true } {
  switch (v.kind) {
    case 'undefined':
      return undefined;
    case 'null':
      return null;
    case 'bool':
    case 'num':
    case 'str':
      return v.value;
    case 'array':
      return v.items
        .map((x) => {
          const p = toPrimitive(x);
          return p === null || p === undefined ? '' : typeof p === 'object' ? '[object]' : String(p);
        })
        .join(',');
    default:
      return { none: true };
  }
}

/** Wraps a JS primitive as a value. */
export function fromPrimitive(p: unknown): JsValue {
  if (p === undefined) return UNDEFINED;
  if (p === null) return NULL;
  if (typeof p === 'number') return num(p);
  if (typeof p === 'string') return str(p);
  if (typeof p === 'boolean') return bool(p);
  return unknown('a value the analysis does not model');
}

/** A short description of a value for messages. */
export function describe(v: JsValue): string {
  switch (v.kind) {
    case 'undefined':
      return 'undefined';
    case 'null':
      return 'null';
    case 'bool':
    case 'num':
      return String(v.value);
    case 'str':
      return JSON.stringify(v.value.length > 40 ? `${v.value.slice(0, 40)}…` : v.value);
    case 'array':
      return `an array of ${v.items.length}`;
    case 'object':
      return 'an object';
    case 'fn':
      return `function ${v.name || '(anonymous)'}`;
    case 'native':
      return `function ${v.name}`;
    case 'ns':
      return v.name;
    case 'layer':
      return `layer ${v.name}`;
    case 'symbolic':
      return `a symbolic tensor${v.shape ? ` [${v.shape.join(', ')}]` : ''}`;
    case 'model':
      return `model ${v.varName ?? v.tfName}`;
    case 'unknown':
      return `an unknown value (${v.reason})`;
  }
}

/** The name a model is shown under in messages. */
export function modelLabel(m: ModelV): string {
  return m.varName ?? m.tfName;
}

/** Name scopes: function bodies and blocks chained to their enclosing scope, up to the module. */
export class JsScope {
  readonly vars = new Map<string, JsValue>();

  constructor(
    readonly parent: JsScope | null,
    readonly fnName?: string,
  ) {}

  /** Looks a name up through enclosing scopes. */
  lookup(name: string): JsValue | undefined {
    for (let s: JsScope | null = this; s; s = s.parent) {
      const v = s.vars.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /** Declares a name in this scope (const / let / var / function / parameter). */
  declare(name: string, value: JsValue): void {
    this.vars.set(name, value);
  }

  /** Assigns to the nearest scope binding the name; an undeclared name lands in the module scope. */
  assign(name: string, value: JsValue): void {
    let s: JsScope = this;
    for (let cur: JsScope | null = this; cur; cur = cur.parent) {
      if (cur.vars.has(name)) {
        cur.vars.set(name, value);
        return;
      }
      s = cur;
    }
    s.vars.set(name, value);
  }

  /** The innermost enclosing function's name ('' at module level). */
  functionName(): string {
    for (let s: JsScope | null = this; s; s = s.parent) if (s.fnName !== undefined) return s.fnName;
    return '';
  }
}
