// Class semantics: method resolution order and attribute lookup through base classes.
import type { ClassV, Value } from './values';

/**
 * The method resolution order: the class, then its bases depth-first, each class once. A class's
 * bases never change after its definition, so the order is computed once per class (every
 * attribute lookup walks it); callers must not modify the returned array.
 */
export function mro(cls: ClassV): readonly ClassV[] {
  let order = mroCache.get(cls);
  if (!order) {
    order = computeMro(cls);
    mroCache.set(cls, order);
  }
  return order;
}

const mroCache = new WeakMap<ClassV, ClassV[]>();

function computeMro(cls: ClassV): ClassV[] {
  const out: ClassV[] = [];
  const visit = (c: ClassV) => {
    if (out.includes(c)) return;
    out.push(c);
    c.bases.forEach(visit);
  };
  visit(cls);
  return out;
}

/** Looks an attribute up along the MRO. */
export function lookupClassAttr(cls: ClassV, name: string): Value | undefined {
  for (const c of mro(cls)) {
    const v = c.attrs.get(name);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** True when `cls` is `base` or derives from it. */
export function isSubclass(cls: ClassV, base: ClassV): boolean {
  return mro(cls).includes(base);
}

/** The first built-in class in the MRO (nn.Module, nn.Sequential, a layer class), if any. */
export function builtinBase(cls: ClassV): ClassV | undefined {
  return mro(cls).find((c) => c.builtin !== undefined);
}
