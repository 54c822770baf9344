// torch.nn.MultiheadAttention: its parameters (in-projection, out_proj child, bias_k/v), output and
// attention-weight shapes, the projections' and both batched matmuls' MACs, and softmax FLOPs.
import {
  type ArgValue,
  type LayerSpec,
  type ParamTensor,
  type TensorInfo,
  LayerArgError,
  ShapeError,
  boolArg,
  showShape,
} from './layerSpec';
import { FACTORY_ARGS, intAtLeast, isTensor, kwBool, optIntArg, probArg, tensorInput } from './common';

/** MultiheadAttention's validated configuration. */
export interface MhaConfig {
  embedDim: number;
  numHeads: number;
  bias: boolean;
  addBiasKv: boolean;
  addZeroAttn: boolean;
  kdim: number;
  vdim: number;
  batchFirst: boolean;
}

/** Softmax FLOPs per attention score (max, subtract, exp, sum, divide), as in the op table. */
const SOFTMAX_FLOPS = 5;

/** Parameters in torch's named_parameters() order: own tensors first, then out_proj's. */
function mhaParameters(c: MhaConfig): ParamTensor[] {
  const e = c.embedDim;
  const own: ParamTensor[] =
    c.kdim === e && c.vdim === e
      ? [{ name: 'in_proj_weight', shape: [3 * e, e] }]
      : [
          { name: 'q_proj_weight', shape: [e, e] },
          { name: 'k_proj_weight', shape: [e, c.kdim] },
          { name: 'v_proj_weight', shape: [e, c.vdim] },
        ];
  if (c.bias) own.push({ name: 'in_proj_bias', shape: [3 * e] });
  if (c.addBiasKv) own.push({ name: 'bias_k', shape: [1, 1, e] }, { name: 'bias_v', shape: [1, 1, e] });
  own.push({ name: 'out_proj.weight', shape: [e, e] });
  if (c.bias) own.push({ name: 'out_proj.bias', shape: [e] });
  return own;
}

/** Sequence length, batch (null when unbatched) and feature width of one of q / k / v. */
interface SeqView {
  seq: number;
  batch: number | null;
  width: number;
}

/** Reads (L, N, E), (N, L, E) with batch_first, or unbatched (L, E). */
function seqView(x: TensorInfo, batched: boolean, batchFirst: boolean, name: string): SeqView {
  const want = batched ? 3 : 2;
  if (x.shape.length !== want) {
    throw new ShapeError(
      `MultiheadAttention: expected ${name} to be ${want}-D like query, but got ${x.shape.length}-D ${showShape(x.shape)}`,
    );
  }
  const width = x.shape[want - 1];
  if (!batched) return { seq: x.shape[0], batch: null, width };
  return batchFirst ? { seq: x.shape[1], batch: x.shape[0], width } : { seq: x.shape[0], batch: x.shape[1], width };
}

/** Throws when a feature width differs from the one the layer was built for. */
function requireWidth(v: SeqView, expected: number, name: string): void {
  if (v.width !== expected) {
    throw new ShapeError(
      `MultiheadAttention: was expecting ${name} embedding dimension of ${expected}, but got ${v.width}`,
    );
  }
}

/** Checks query / key / value against each other and the layer; returns their views. */
function attentionViews(c: MhaConfig, q: TensorInfo, k: TensorInfo, v: TensorInfo) {
  if (q.shape.length !== 2 && q.shape.length !== 3) {
    throw new ShapeError(
      `MultiheadAttention: query should be unbatched 2-D or batched 3-D but got ${q.shape.length}-D ${showShape(q.shape)}`,
    );
  }
  const batched = q.shape.length === 3;
  const qv = seqView(q, batched, c.batchFirst, 'query');
  const kv = seqView(k, batched, c.batchFirst, 'key');
  const vv = seqView(v, batched, c.batchFirst, 'value');
  requireWidth(qv, c.embedDim, 'query');
  requireWidth(kv, c.kdim, 'key');
  requireWidth(vv, c.vdim, 'value');
  if (kv.seq !== vv.seq || kv.batch !== vv.batch) {
    throw new ShapeError(
      `MultiheadAttention: key shape ${showShape(k.shape)} does not match value shape ${showShape(v.shape)}`,
    );
  }
  if (kv.batch !== qv.batch) {
    throw new ShapeError(`MultiheadAttention: query batch ${qv.batch} does not match key batch ${kv.batch}`);
  }
  return { qv, kv };
}

/** forward(query, key, value, key_padding_mask, need_weights, attn_mask, average_attn_weights, is_causal). */
function mhaForward(c: MhaConfig, inputs: TensorInfo[], kwargs: Record<string, ArgValue | TensorInfo>) {
  const q = tensorInput(inputs, kwargs, 0, 'query');
  const k = tensorInput(inputs, kwargs, 1, 'key');
  const v = tensorInput(inputs, kwargs, 2, 'value');
  if (!q || !k || !v) throw new ShapeError('MultiheadAttention needs query, key and value tensors');
  const { qv, kv } = attentionViews(c, q, k, v);
  const [e, h] = [c.embedDim, c.numHeads];
  const [l, s, n] = [qv.seq, kv.seq, qv.batch ?? 1];
  const sKeys = s + (c.addBiasKv ? 1 : 0) + (c.addZeroAttn ? 1 : 0);
  checkAttnMask(kwargs.attn_mask, l, sKeys, n * h);
  const lead = qv.batch === null ? [] : [qv.batch];
  const outShape = qv.batch === null ? [l, e] : c.batchFirst ? [qv.batch, l, e] : [l, qv.batch, e];
  const needWeights = kwBool(kwargs, 'need_weights', true);
  const average = kwBool(kwargs, 'average_attn_weights', true);
  const weights: TensorInfo | null = needWeights
    ? { shape: average ? [...lead, l, sKeys] : [...lead, h, l, sKeys], dtype: q.dtype }
    : null;
  const macs = l * n * e * e + s * n * e * c.kdim + s * n * e * c.vdim + 2 * n * l * sKeys * e + l * n * e * e;
  const scores = n * h * l * sKeys;
  const biasAdds = c.bias ? (2 * l + 2 * s) * n * e : 0;
  const extraFlops = SOFTMAX_FLOPS * scores + l * n * e + biasAdds + (needWeights && average ? scores : 0);
  return { output: [{ shape: outShape, dtype: q.dtype }, weights], macs, extraFlops };
}

/** Throws when a tensor attn_mask is neither (L, S') nor (N·heads, L, S'). */
function checkAttnMask(mask: ArgValue | TensorInfo | undefined, l: number, s: number, nh: number): void {
  if (!isTensor(mask)) return;
  const ok2 = mask.shape.length === 2 && mask.shape[0] === l && mask.shape[1] === s;
  const ok3 = mask.shape.length === 3 && mask.shape[0] === nh && mask.shape[1] === l && mask.shape[2] === s;
  if (!ok2 && !ok3) {
    throw new ShapeError(
      `MultiheadAttention: attn_mask of shape ${showShape(mask.shape)} should be (${l}, ${s}) or (${nh}, ${l}, ${s})`,
    );
  }
}

/**
 * MultiheadAttention(embed_dim, num_heads, ...). MACs = L·N·E² (q proj) + S·N·E·kdim (k) +
 * S·N·E·vdim (v) + 2·N·L·S'·E (QKᵀ and AV) + L·N·E² (out proj), S' = S (+1 bias_kv) (+1 zero_attn).
 * Extra FLOPs: softmax (5 per score), the 1/√d scaling of q, in/out projection bias adds, and
 * averaging the weights over heads when they are returned averaged.
 */
export const MultiheadAttention: LayerSpec<MhaConfig> = {
  op: 'MultiheadAttention',
  args: [
    { name: 'embed_dim', required: true },
    { name: 'num_heads', required: true },
    { name: 'dropout', default: 0.0 },
    { name: 'bias', default: true },
    { name: 'add_bias_kv', default: false },
    { name: 'add_zero_attn', default: false },
    { name: 'kdim', default: null },
    { name: 'vdim', default: null },
    { name: 'batch_first', default: false },
    ...FACTORY_ARGS,
  ],
  configure(a) {
    const embedDim = intAtLeast(a, 'embed_dim', 1);
    const numHeads = intAtLeast(a, 'num_heads', 1);
    if (embedDim % numHeads !== 0) {
      throw new LayerArgError(`embed_dim (${embedDim}) must be divisible by num_heads (${numHeads})`);
    }
    probArg(a, 'dropout');
    return {
      embedDim,
      numHeads,
      bias: boolArg(a, 'bias'),
      addBiasKv: boolArg(a, 'add_bias_kv'),
      addZeroAttn: boolArg(a, 'add_zero_attn'),
      kdim: optIntArg(a, 'kdim') ?? embedDim,
      vdim: optIntArg(a, 'vdim') ?? embedDim,
      batchFirst: boolArg(a, 'batch_first'),
    };
  },
  parameters: mhaParameters,
  forward: mhaForward,
};
