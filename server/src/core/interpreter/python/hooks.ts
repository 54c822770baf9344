// The interfaces through which framework semantics (torch, keras) plug into the interpreter
// (attribute access, calls, operators and indexing on the objects a framework owns), and what the
// builtins and standard modules need from the interpreter.
import type { Value, ClassV, CallSite } from './values';

/** Framework behaviour for values the plain Python semantics do not cover. Each returns undefined to decline. */
export interface FrameworkHooks {
  getAttr?(obj: Value, name: string, site: CallSite): Value | undefined;
  setAttr?(obj: Value, name: string, value: Value, site: CallSite): boolean;
  call?(callee: Value, args: Value[], kwargs: Map<string, Value>, site: CallSite): Value | undefined;
  binary?(op: string, a: Value, b: Value, site: CallSite): Value | undefined;
  unary?(op: string, v: Value, site: CallSite): Value | undefined;
  getItem?(obj: Value, index: Value, site: CallSite): Value | undefined;
  setItem?(obj: Value, index: Value, value: Value, site: CallSite): boolean;
  iterate?(obj: Value, site: CallSite): Value[] | undefined;
  length?(obj: Value): number | undefined;
  /** A deep copy of a framework object (copy.deepcopy of a module). */
  deepCopy?(obj: Value): Value | undefined;
  /** Enters a framework context manager (`with torch.autocast(...)`): returns how to leave it, or undefined to decline. */
  enterContext?(value: Value, site: CallSite): (() => void) | undefined;
  /** Creates the bare instance for a class deriving from a framework class (before __init__). */
  instantiate?(cls: ClassV, site: CallSite): Value | undefined;
}

/** What builtins need from the interpreter. */
export interface BuiltinHost {
  callValue(callee: Value, args: Value[], kwargs: Map<string, Value>, site: CallSite): Value;
  iterateValue(v: Value, site: CallSite): Value[] | undefined;
  getAttr(obj: Value, name: string, site: CallSite): Value;
  setAttr(obj: Value, name: string, value: Value, site: CallSite): void;
  length(v: Value): number | undefined;
  deepCopy(v: Value): Value;
}
