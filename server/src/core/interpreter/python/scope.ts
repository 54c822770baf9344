// Python name scopes: function locals chained to enclosing functions, module globals and builtins.
import type { Value } from './values';

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
