// Binds call arguments to a Python function's declared parameters (defaults, keywords,
// *args and **kwargs), raising TypeError the way Python does.
import { type Value, type ParamDecl, type DictV, tuple, str, hashKey } from './values';
import { raise } from './errors';

/** Returns the local bindings for a call of a function with `params`. */
export function bindArguments(
  fname: string,
  params: ParamDecl[],
  args: Value[],
  kwargs: Map<string, Value>,
): Map<string, Value> {
  const bound = new Map<string, Value>();
  const positional = params.filter((p) => p.kind === 'positional');
  const varargs = params.find((p) => p.kind === 'varargs');
  const varkw = params.find((p) => p.kind === 'kwargs');
  args.slice(0, positional.length).forEach((a, i) => bound.set(positional[i].name, a));
  if (args.length > positional.length) {
    if (!varargs)
      raise('TypeError', `${fname}() takes ${positional.length} positional arguments but ${args.length} were given`);
    bound.set(varargs.name, tuple(args.slice(positional.length)));
  } else if (varargs) bound.set(varargs.name, tuple([]));
  const extra: DictV = { kind: 'dict', entries: new Map() };
  for (const [name, value] of kwargs) {
    const decl = params.find((p) => p.name === name && (p.kind === 'positional' || p.kind === 'keywordOnly'));
    if (decl) {
      if (bound.has(name)) raise('TypeError', `${fname}() got multiple values for argument '${name}'`);
      bound.set(name, value);
    } else if (varkw) extra.entries.set(hashKey(str(name)), { key: str(name), value });
    else raise('TypeError', `${fname}() got an unexpected keyword argument '${name}'`);
  }
  if (varkw) bound.set(varkw.name, extra);
  for (const p of params) {
    if (bound.has(p.name)) continue;
    if (p.default !== undefined) bound.set(p.name, p.default);
    else if (p.kind === 'positional' || p.kind === 'keywordOnly')
      raise('TypeError', `${fname}() missing required argument '${p.name}'`);
  }
  return bound;
}
