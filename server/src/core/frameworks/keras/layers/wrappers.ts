// keras.layers wrappers around another built-in layer: Bidirectional (a forward and a backward
// copy, outputs merged) and TimeDistributed (the inner layer applied to every time step).
import {
  type KerasLayerSpec,
  type KArg,
  type LayerRef,
  type Shape,
  type KForward,
  choice,
  only,
  requireMinRank,
  elems,
  extraFlopsOf,
  LayerArgError,
  ShapeError,
} from './spec';

const isRef = (v: KArg | undefined): v is LayerRef =>
  !!v && typeof v === 'object' && !Array.isArray(v) && (v as LayerRef).kind === 'layerRef';

function layerArg(a: Record<string, KArg>, name: string, op: string): LayerRef {
  const v = a[name];
  if (!isRef(v))
    throw new LayerArgError(`${op}: \`${name}\` must be a built-in Keras layer instance, got ${JSON.stringify(v)}`);
  return v;
}

interface BiConfig {
  fwd: LayerRef;
  bwd: LayerRef;
  merge: string | null;
}

/** Bidirectional(layer, merge_mode): two copies of the RNN; concat doubles the feature width. */
const Bidirectional: KerasLayerSpec<BiConfig> = {
  op: 'Bidirectional',
  args: [
    { name: 'layer', required: true },
    { name: 'merge_mode', default: 'concat' },
    { name: 'weights', default: null },
    { name: 'backward_layer', default: null },
  ],
  configure: (a) => {
    const fwd = layerArg(a, 'layer', 'Bidirectional');
    if (!['SimpleRNN', 'LSTM', 'GRU'].includes(fwd.spec.op))
      throw new LayerArgError(`Bidirectional: wrapping ${fwd.spec.op} is not modelled (only SimpleRNN, LSTM, GRU)`);
    const bwd = a.backward_layer === null ? fwd : layerArg(a, 'backward_layer', 'Bidirectional');
    return { fwd, bwd, merge: a.merge_mode === null ? null : choice(a, 'merge_mode', ['sum', 'mul', 'concat', 'ave']) };
  },
  build: (c, inputs) => [
    ...c.fwd.spec.build(c.fwd.config, inputs).map((w) => ({ ...w, name: `forward_${c.fwd.name}/${w.name}` })),
    ...c.bwd.spec.build(c.bwd.config, inputs).map((w) => ({ ...w, name: `backward_${c.bwd.name}/${w.name}` })),
  ],
  call: (c, inputs, kw): KForward => {
    const f = c.fwd.spec.call(c.fwd.config, inputs, kw);
    const b = c.bwd.spec.call(c.bwd.config, inputs, kw);
    const [fo, bo] = [f.outputs[0], b.outputs[0]];
    const states = [...f.outputs.slice(1), ...b.outputs.slice(1)];
    const [fe, be] = [extraFlopsOf(c.fwd.spec.op, f, inputs), extraFlopsOf(c.bwd.spec.op, b, inputs)];
    const extra = fe === null || be === null ? null : fe + be;
    if (c.merge === null)
      return { outputs: [fo, bo, ...states], multi: true, macs: f.macs + b.macs, extraFlops: extra };
    if (c.merge !== 'concat' && fo[fo.length - 1] !== bo[bo.length - 1])
      throw new ShapeError(`Bidirectional: merge_mode="${c.merge}" needs forward and backward outputs of equal width`);
    const out = c.merge === 'concat' ? [...fo.slice(0, -1), fo[fo.length - 1] + bo[bo.length - 1]] : fo;
    const mergeFlops = c.merge === 'concat' ? 0 : elems(fo) * (c.merge === 'ave' ? 2 : 1);
    return {
      outputs: [out, ...states],
      multi: states.length > 0,
      macs: f.macs + b.macs,
      extraFlops: extra === null ? null : extra + mergeFlops,
    };
  },
};

/** TimeDistributed(layer): the inner layer on (N·T, ...) — its weights once, its cost T times. */
const TimeDistributed: KerasLayerSpec<LayerRef> = {
  op: 'TimeDistributed',
  args: [{ name: 'layer', required: true }],
  configure: (a) => layerArg(a, 'layer', 'TimeDistributed'),
  build: (inner, [x]) => {
    requireMinRank('TimeDistributed', x, 3);
    return inner.spec
      .build(inner.config, [[x[0], ...x.slice(2)]])
      .map((w) => ({ ...w, name: `${inner.name}/${w.name}` }));
  },
  call: (inner, inputs, kw): KForward => {
    const x = only('TimeDistributed', inputs);
    requireMinRank('TimeDistributed', x, 3);
    const folded: Shape = [x[0] * x[1], ...x.slice(2)];
    const r = inner.spec.call(inner.config, [folded], kw);
    return {
      outputs: r.outputs.map((o) => [x[0], x[1], ...o.slice(1)]),
      multi: r.multi,
      macs: r.macs,
      extraFlops: extraFlopsOf(inner.spec.op, r, [folded]),
    };
  },
};

export const WRAPPER_LAYERS: KerasLayerSpec<any>[] = [Bidirectional, TimeDistributed];
