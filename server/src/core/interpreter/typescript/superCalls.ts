// How a class of the file reaches its base class: the hidden members that hold the base and its
// initialiser, and `super(...)` inside a constructor (kept apart so expressions need not import classes).
import { type JsValue, type JsScope, type NativeV, type Site, UNDEFINED } from './values';

/** Name of the hidden static member that initialises an instance: (self, args, missing?) → void. */
export const INIT = '\u0000init';
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
