// Converting Python call arguments into what Keras layer specs read: positional/keyword binding in
// Keras's order, activations given as functions, wrapped layers, and shapes with None dimensions.
import type { Value, CallSite } from '../../interpreter/python/values';
import { toArgValue } from '../torch/modules';
import { type KerasLayerSpec, type KArg, type Shape, BASE_KWARGS, IGNORED_KWARG, LayerArgError } from './layers/spec';
import { ACTIVATION_PREFIX } from './layers/activations';
import type { InputDecl } from './objects';
import type { KerasHost } from './host';

/** Binds a layer constructor's arguments to its spec; throws LayerArgError as Keras would raise. */
export function bindLayerArgs(
  rt: KerasHost,
  spec: KerasLayerSpec<unknown>,
  args: Value[],
  kwargs: Map<string, Value>,
): Record<string, KArg> {
  const bound: Record<string, KArg> = {};
  if (args.length > spec.args.length)
    throw new LayerArgError(
      `${spec.op}() takes ${spec.args.length} positional arguments but ${args.length} were given`,
    );
  args.forEach((a, i) => (bound[spec.args[i].name] = convert(rt, spec.args[i].name, a)));
  for (const [k, v] of kwargs) {
    if (spec.args.some((a) => a.name === k)) {
      if (k in bound) throw new LayerArgError(`${spec.op}() got multiple values for argument '${k}'`);
      bound[k] = convert(rt, k, v);
    } else if (!BASE_KWARGS.has(k) && !IGNORED_KWARG.test(k)) {
      throw new LayerArgError(`Unrecognized keyword arguments passed to ${spec.op}: {'${k}': ...}`);
    }
  }
  for (const a of spec.args) {
    if (a.name in bound) continue;
    if (a.required)
      throw new LayerArgError(`${spec.op}.__init__() missing 1 required positional argument: '${a.name}'`);
    bound[a.name] = a.default ?? null;
  }
  return bound;
}

function convert(rt: KerasHost, name: string, v: Value): KArg {
  if (IGNORED_KWARG.test(name)) return null;
  if (name === 'activation' || name === 'recurrent_activation') return activationArg(v);
  if (name === 'layer' || name === 'backward_layer') return layerRef(rt, v, name);
  return toArgValue(v, name);
}

/** An activation given as a name, a Keras/TF activation function, or an arbitrary callable. */
function activationArg(v: Value): KArg {
  if (v.kind === 'none') return null;
  if (v.kind === 'str') return v.value;
  if (v.kind === 'builtin' && v.name.startsWith(ACTIVATION_PREFIX)) return v.name;
  return '<callable>';
}

/** A built-in layer passed to a wrapper (Bidirectional, TimeDistributed). */
function layerRef(rt: KerasHost, v: Value, name: string): KArg {
  const st = rt.objects.get(v);
  if (!st) {
    if (v.kind === 'none') return null;
    throw new LayerArgError(
      `\`${name}\` must be a Keras layer, got ${v.kind === 'unknown' ? `an unknown value (${v.reason})` : v.kind}`,
    );
  }
  if (st.unresolved) throw new LayerArgError(`the wrapped layer is not understood: ${st.unresolved}`);
  if (st.kind !== 'leaf' || !st.spec)
    throw new LayerArgError(`wrapping a ${st.kind} layer (${st.name}) is not modelled`);
  return { kind: 'layerRef', spec: st.spec, config: st.config, name: st.name };
}

/**
 * Reads a shape such as `(28, 28, 1)`, `(None, 784)` or a list of them. With `withBatch`, a
 * shape is taken to include the batch (None → `batch`); unknown dims are NaN.
 */
export function shapeFromValue(v: Value | undefined, batch: number, withBatch = true): Shape[] | undefined {
  if (!v || (v.kind !== 'tuple' && v.kind !== 'list')) return undefined;
  if (v.items.length && v.items.every((x) => x.kind === 'tuple' || x.kind === 'list')) {
    const all = v.items.map((x) => shapeFromValue(x, batch, withBatch)?.[0]);
    return all.every((s): s is Shape => !!s) ? all : undefined;
  }
  const dims = v.items.map((x, i) =>
    x.kind === 'int' ? x.value : x.kind === 'none' && i === 0 && withBatch ? batch : NaN,
  );
  return [dims];
}

/** An input shape declared on a layer: input_shape=, batch_input_shape= or input_dim= (batch 1 unless --batch). */
export function declaredInputOf(
  kw: Map<string, Value>,
  name: string,
  site: CallSite,
  batch = 1,
): InputDecl | undefined {
  const line = site.range.start.line;
  const shape = kw.get('input_shape');
  if (shape && (shape.kind === 'tuple' || shape.kind === 'list')) {
    const dims = shapeFromValue(shape, batch, false)?.[0];
    if (dims) return { shapes: [[batch, ...dims]], source: `input_shape= on ${name}, line ${line + 1}`, line };
  }
  const full = kw.get('batch_input_shape') ?? kw.get('batch_shape');
  const fullDims = shapeFromValue(full, batch)?.[0];
  if (fullDims) return { shapes: [fullDims], source: `batch_input_shape= on ${name}, line ${line + 1}`, line };
  const dim = kw.get('input_dim');
  if (dim?.kind === 'int')
    return { shapes: [[batch, dim.value]], source: `input_dim= on ${name}, line ${line + 1}`, line };
  return undefined;
}
