// Module-level builder functions a file defines and never calls (`def resnet50(**kwargs): return
// ResNet(...)`, the normal shape of a model zoo's file): which of them a reader would call with no
// argument to get a model. Pure syntax over the function values; the session runs the chosen ones.
import type { SyntaxNode } from '../parse/syntax';
import type { FuncV, Scope } from '../interpreter/python/values';

/**
 * The functions of `scope` defined in this file that need no argument, return a value, and are
 * called nowhere in `text` (a function the file calls already builds what it builds there).
 */
export function uncalledBuilders(scope: Scope, text: string): FuncV[] {
  const out: FuncV[] = [];
  for (const [name, v] of scope.vars) {
    if (v.kind !== 'func' || v.isLambda || v.owner || v.name !== name) continue;
    // A decorated builder (torchvision's `@register_model() @handle_legacy_interface(...)`) is a
    // library's wrapper around the file's own function: the file's function is what it defines.
    const own = ownFunction(v);
    if (!own) continue;
    const needsNothing = (f: FuncV) =>
      f.params.every((p) => p.default !== undefined || p.kind === 'varargs' || p.kind === 'kwargs');
    if (!needsNothing(v) || !needsNothing(own) || !returnsValue(own.body) || calledIn(text, name)) continue;
    out.push(v);
  }
  return out;
}

/** The file's own function under library wrappers (functools.wraps chains), if it is the file's. */
function ownFunction(f: FuncV): FuncV | undefined {
  let current: FuncV = f;
  for (let depth = 0; current.foreign && depth < 8; depth++) {
    if (current.wrapped?.kind !== 'func') return undefined;
    current = current.wrapped;
  }
  return current.foreign ? undefined : current;
}

/** Whether the text calls `name` anywhere but its own `def` line. */
function calledIn(text: string, name: string): boolean {
  const calls = text.match(new RegExp(`(?<![\\w.])${name}\\s*\\(`, 'g'))?.length ?? 0;
  const defs = text.match(new RegExp(`\\bdef\\s+${name}\\s*\\(`, 'g'))?.length ?? 0;
  return calls > defs;
}

/** Whether a function body has a `return <value>` of its own (nested functions and classes aside). */
function returnsValue(body: SyntaxNode): boolean {
  for (const child of body.children) {
    if (child.type === 'function_definition' || child.type === 'class_definition') continue;
    if (child.type === 'return_statement' && child.children.some((c) => c.type !== 'return')) return true;
    if (returnsValue(child)) return true;
  }
  return false;
}
