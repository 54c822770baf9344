// keras.layers attention: MultiHeadAttention (query/key/value/output EinsumDense weights, the two
// batched matmuls, softmax) and the parameter-light dot-product Attention / AdditiveAttention.
import {
  type KerasLayerSpec,
  type KArgSpec,
  type Shape,
  type KWeight,
  posInt,
  boolOf,
  optInt,
  requireMinRank,
  knownDim,
  elems,
  showShape,
  LayerArgError,
  ShapeError,
} from './spec';

/** Softmax FLOPs per attention score (max, subtract, exp, sum, divide), as in the op table. */
const SOFTMAX_FLOPS = 5;

interface MhaConfig {
  heads: number;
  keyDim: number;
  valueDim: number;
  bias: boolean;
  outputShape: number[] | null;
}

const slots = (...ws: string[]): KArgSpec[] =>
  ws.flatMap((w) => [
    { name: `${w}_initializer`, default: null },
    { name: `${w}_regularizer`, default: null },
    { name: `${w}_constraint`, default: null },
  ]);

/** The (query, value, key) inputs, key defaulting to value; each (N, *T, d). */
function qvk(inputs: Shape[]): { q: Shape; v: Shape; k: Shape } {
  const [q, v, k] = inputs;
  if (!q || !v) throw new ShapeError('MultiHeadAttention needs a query and a value tensor');
  for (const [name, t] of [
    ['query', q],
    ['value', v],
    ['key', k ?? v],
  ] as const)
    requireMinRank(`MultiHeadAttention ${name}`, t, 3);
  return { q, v, k: k ?? v };
}

/** Sequence positions (the product of the axes between batch and features). */
const positions = (x: Shape) => elems(x.slice(1, -1));

const MultiHeadAttention: KerasLayerSpec<MhaConfig> = {
  op: 'MultiHeadAttention',
  inputs: 'attention',
  args: [
    { name: 'num_heads', required: true },
    { name: 'key_dim', required: true },
    { name: 'value_dim', default: null },
    { name: 'dropout', default: 0 },
    { name: 'use_bias', default: true },
    { name: 'output_shape', default: null },
    { name: 'attention_axes', default: null },
    ...slots('kernel', 'bias'),
    { name: 'flash_attention', default: null },
  ],
  configure: (a) => {
    if (a.attention_axes !== null) throw new LayerArgError('attention_axes other than the default are not modelled');
    const os = a.output_shape;
    const outputShape =
      os === null
        ? null
        : typeof os === 'number'
          ? [os]
          : Array.isArray(os) && os.every((d) => typeof d === 'number')
            ? (os as number[])
            : null;
    if (os !== null && !outputShape)
      throw new LayerArgError(`output_shape must be an int or a tuple of ints, got ${JSON.stringify(os)}`);
    const keyDim = posInt(a, 'key_dim');
    return {
      heads: posInt(a, 'num_heads'),
      keyDim,
      valueDim: optInt(a, 'value_dim') ?? keyDim,
      bias: boolOf(a, 'use_bias'),
      outputShape,
    };
  },
  build: (c, inputs) => {
    const { q, v, k } = qvk(inputs);
    const [dq, dv, dk] = [q, v, k].map((t, i) => knownDim('MultiHeadAttention', t, -1, ['query', 'value', 'key'][i]));
    const dout = c.outputShape ?? [dq];
    const w = (name: string, shape: number[]): KWeight => ({ name, shape, trainable: true });
    const proj = (name: string, din: number, dim: number) => [
      w(`${name}/kernel`, [din, c.heads, dim]),
      ...(c.bias ? [w(`${name}/bias`, [c.heads, dim])] : []),
    ];
    return [
      ...proj('query', dq, c.keyDim),
      ...proj('key', dk, c.keyDim),
      ...proj('value', dv, c.valueDim),
      w('attention_output/kernel', [c.heads, c.valueDim, ...dout]),
      ...(c.bias ? [w('attention_output/bias', dout)] : []),
    ];
  },
  call: (c, inputs, kw) => {
    const { q, v, k } = qvk(inputs);
    const n = q[0];
    const [tq, tv] = [positions(q), positions(v)];
    if (positions(k) !== tv && Number.isFinite(tv))
      throw new ShapeError(
        `MultiHeadAttention: key ${showShape(k)} and value ${showShape(v)} must have the same sequence shape`,
      );
    const [dq, dv, dk] = [q[q.length - 1], v[v.length - 1], k[k.length - 1]];
    const dout = elems(c.outputShape ?? [dq]);
    const h = c.heads;
    const macs =
      n *
      (tq * dq * h * c.keyDim +
        tv * dk * h * c.keyDim +
        tv * dv * h * c.valueDim +
        tq * tv * h * c.keyDim +
        tq * tv * h * c.valueDim +
        tq * h * c.valueDim * dout);
    const scores = n * h * tq * tv;
    const biasAdds = c.bias ? n * (tq * h * c.keyDim + tv * h * c.keyDim + tv * h * c.valueDim + tq * dout) : 0;
    const out = [...q.slice(0, -1), ...(c.outputShape ?? [dq])];
    const extraFlops = SOFTMAX_FLOPS * scores + n * tq * h * c.keyDim + biasAdds;
    if (kw.return_attention_scores === true) return { outputs: [out, [n, h, tq, tv]], multi: true, macs, extraFlops };
    return { outputs: [out], macs, extraFlops };
  },
};

interface DotAttentionConfig {
  op: string;
  scale: boolean;
  concat: boolean;
}

/** Attention (Luong) and AdditiveAttention (Bahdanau): inputs [query, value] or [query, value, key]. */
function dotAttention(op: 'Attention' | 'AdditiveAttention'): KerasLayerSpec<DotAttentionConfig> {
  return {
    op,
    inputs: 'list',
    args: [
      { name: 'use_scale', default: op === 'AdditiveAttention' },
      ...(op === 'Attention' ? [{ name: 'score_mode', default: 'dot' }] : []),
      { name: 'dropout', default: 0 },
      { name: 'seed', default: null },
    ],
    configure: (a) => {
      if (op === 'Attention' && a.score_mode !== 'dot' && a.score_mode !== 'concat')
        throw new LayerArgError(
          `Invalid value for argument score_mode. Expected one of {'dot', 'concat'}. Received: score_mode=${JSON.stringify(a.score_mode)}`,
        );
      return { op, scale: boolOf(a, 'use_scale'), concat: a.score_mode === 'concat' };
    },
    build: (c, inputs) => {
      const weights: KWeight[] = [];
      if (c.scale)
        weights.push({
          name: 'scale',
          shape: op === 'AdditiveAttention' ? [knownDim(op, inputs[0], -1, 'feature')] : [],
          trainable: true,
        });
      if (c.concat) weights.push({ name: 'concat_score_weight', shape: [], trainable: true });
      return weights;
    },
    call: (c, inputs) => {
      if (inputs.length < 2 || inputs.length > 3)
        throw new ShapeError(
          `${op} layer must be called on a list of inputs, namely [query, value] or [query, value, key]. Received ${inputs.length} inputs`,
        );
      const [q, v] = inputs;
      const [n, tq, d] = [q[0], positions(q), q[q.length - 1]];
      const [tv, dv] = [positions(v), v[v.length - 1]];
      const scores = n * tq * tv;
      const additive = op === 'AdditiveAttention' || c.concat;
      return {
        outputs: [[...q.slice(0, -1), dv]],
        macs: (additive ? 0 : scores * d) + scores * dv,
        extraFlops: (additive ? scores * d * 8 : 0) + SOFTMAX_FLOPS * scores,
      };
    },
  };
}

export const ATTENTION_LAYERS: KerasLayerSpec<any>[] = [
  MultiHeadAttention,
  dotAttention('Attention'),
  dotAttention('AdditiveAttention'),
];
