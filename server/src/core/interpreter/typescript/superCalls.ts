// How a class of the file reaches its base class: the hidden members that hold the base and its
// initialiser, and `super(...)` inside a constructor (kept apart so expressions need not import classes).
import { type JsValue, type JsScope, type NativeV, type Site, type ObjectV, UNDEFINED, unknown } from './values';
import type { Range } from '../../parse/syntax';

/** Name of the hidden static member that initialises an instance: (self, args, missing?) → void. */
export const INIT = '\u0000init';
/** Name of the hidden static member marking a class whose instances are framework layers (it extends one). */
export const LAYER_CLASS = '\u0000layerClass';
/** Name of the hidden static member giving the class's `className` (its own static one, or inherited). */
export const CLASS_NAME = '\u0000className';
/** Name of the hidden static member holding a class's methods, inherited ones included, for `super.name`. */
export const PROTO = '\u0000proto';
/** Name under which a class body's scope holds the base class, for super(...). */
export const SUPER = '\u0000super';

/** Runs `super(...)` inside a constructor: the base class of the file initialises `this`. */
export function callSuper(args: JsValue[], scope: JsScope, site: Site): JsValue {
  const base = scope.lookup(SUPER);
  const self = scope.lookup('this');
  if (base?.kind === 'native' && base.attrs?.has(INIT) && self)
    (base.attrs.get(INIT) as NativeV).call([self, ...args], site, undefined);
  return UNDEFINED;
}

/** `super.name` inside a method: the base class's method (called with `this`), or Unknown when it has none. */
export function superMember(scope: JsScope, name: string, range: Range): { value: JsValue; self: JsValue } {
  const base = scope.lookup(SUPER);
  const self = scope.lookup('this') ?? UNDEFINED;
  const proto = base?.kind === 'native' ? (base.attrs?.get(PROTO) as ObjectV | undefined) : undefined;
  const value = proto?.props.get(name);
  return { value: value ?? unknown(`super.${name} is not analysed`, range), self };
}
