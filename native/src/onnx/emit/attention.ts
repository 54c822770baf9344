// Attention: nn.MultiheadAttention as torch computes it (input projections, per-head scaled dot
// products, softmax, output projection, head-averaged weights when asked), and F.scaled_dot_product_attention.
import { type EmitContext, UnsupportedOp, intArg, tensorArg } from './context';

/** nn.MultiheadAttention(query, key, value): outputs (attn_output, attn_weights averaged over heads). */
export function emitMultiheadAttention(ctx: EmitContext): void {
  const embed = intArg(ctx.arg('embed_dim'));
  const heads = intArg(ctx.arg('num_heads'));
  const batchFirst = ctx.arg('batch_first') === true;
  if (ctx.arg('add_bias_kv') === true || ctx.arg('add_zero_attn') === true)
    throw new UnsupportedOp('MultiheadAttention with add_bias_kv / add_zero_attn is not synthesised');
  const q = ctx.inputShape(0);
  const unbatched = q.length === 2;
  const headDim = embed / heads;
  // Sequence-major [L, N, E] as torch computes it; batch_first and unbatched inputs are brought there first.
  const toSeqMajor = (i: number, part: string) => {
    const v = ctx.input(Math.min(i, ctx.inputCount - 1));
    if (unbatched) return ctx.op('Unsqueeze', [v, ctx.ints([1])], part);
    return batchFirst ? ctx.op('Transpose', [v], part, { perm: { ints: [1, 0, 2] } }) : v;
  };
  const [query, key, value] = [toSeqMajor(0, 'q_in'), toSeqMajor(1, 'k_in'), toSeqMajor(2, 'v_in')];
  const shapeOf = (i: number) => {
    const s = ctx.inputShape(Math.min(i, ctx.inputCount - 1));
    return unbatched ? [s[0], 1] : batchFirst ? [s[1], s[0]] : [s[0], s[1]];
  };
  const [L, N] = shapeOf(0);
  const [S] = shapeOf(1);
  const projected = projections(ctx, [query, key, value], embed);
  const heads3 = (v: string, length: number, part: string) =>
    ctx.op(
      'Transpose',
      [ctx.op('Reshape', [v, ctx.ints([length, N * heads, headDim])], `${part}_heads`)],
      `${part}_t`,
      { perm: { ints: [1, 0, 2] } },
    );
  const qh = heads3(projected[0], L, 'q');
  const kh = heads3(projected[1], S, 'k');
  const vh = heads3(projected[2], S, 'v');
  const scaled = ctx.op('Mul', [qh, ctx.scalar(1 / Math.sqrt(headDim))], 'scale');
  const kt = ctx.op('Transpose', [kh], 'k_tt', { perm: { ints: [0, 2, 1] } });
  const scores = ctx.op('MatMul', [scaled, kt], 'scores');
  const weights = ctx.op('Softmax', [scores], 'softmax', { axis: { int: -1 } });
  const context = ctx.op('MatMul', [weights, vh], 'context');
  const merged = ctx.op(
    'Reshape',
    [ctx.op('Transpose', [context], 'context_t', { perm: { ints: [1, 0, 2] } }), ctx.ints([L, N, embed])],
    'merge',
  );
  const outWeight = ctx.op('Transpose', [ctx.weight('out_proj.weight')], 'out_w_t', { perm: { ints: [1, 0] } });
  let out = ctx.op('MatMul', [merged, outWeight], 'out_proj');
  if (ctx.hasWeight('out_proj.bias'))
    out = ctx.op('Add', [out, ctx.weight('out_proj.bias', { bound: 0.1 })], 'out_bias');
  if (unbatched) out = ctx.op('Squeeze', [out, ctx.ints([1])], 'unbatch');
  else if (batchFirst) out = ctx.op('Transpose', [out], 'batch_major', { perm: { ints: [1, 0, 2] } });
  ctx.output(0, out);
  if (ctx.node.outputs.length > 1) {
    const perHead = ctx.op('Reshape', [weights, ctx.ints([N, heads, L, S])], 'weights_heads');
    let averaged = ctx.op('ReduceMean', [perHead], 'weights_mean', { axes: { ints: [1] }, keepdims: { int: 0 } });
    if (unbatched) averaged = ctx.op('Squeeze', [averaged, ctx.ints([0])], 'weights_unbatch');
    ctx.output(1, averaged);
  }
}

/** The q, k, v input projections: one MatMul when query, key and value are one tensor, else three. */
function projections(ctx: EmitContext, inputs: string[], embed: number): string[] {
  const bias = ctx.hasWeight('in_proj_bias') ? ctx.weight('in_proj_bias', { bound: 0.1 }) : undefined;
  const same = ctx.node.inputs.length === 1 || ctx.node.inputs.every((id) => id === ctx.node.inputs[0]);
  if (ctx.hasWeight('in_proj_weight')) {
    const w = ctx.weight('in_proj_weight');
    if (same) {
      const wt = ctx.op('Transpose', [w], 'in_w_t', { perm: { ints: [1, 0] } });
      let qkv = ctx.op('MatMul', [inputs[0], wt], 'in_proj');
      if (bias) qkv = ctx.op('Add', [qkv, bias], 'in_bias');
      return ctx.ops('Split', [qkv, ctx.ints([embed, embed, embed])], 3, 'qkv', { axis: { int: -1 } });
    }
    const rows = ctx.ops('Split', [w, ctx.ints([embed, embed, embed])], 3, 'in_w', { axis: { int: 0 } });
    const biases = bias
      ? ctx.ops('Split', [bias, ctx.ints([embed, embed, embed])], 3, 'in_b', { axis: { int: 0 } })
      : [];
    return inputs.map((x, i) => project(ctx, x, rows[i], biases[i], 'qkv'[i]));
  }
  const biases = bias ? ctx.ops('Split', [bias, ctx.ints([embed, embed, embed])], 3, 'in_b', { axis: { int: 0 } }) : [];
  return inputs.map((x, i) => project(ctx, x, ctx.weight(`${'qkv'[i]}_proj_weight`), biases[i], 'qkv'[i]));
}

function project(ctx: EmitContext, x: string, weight: string, bias: string | undefined, name: string): string {
  const wt = ctx.op('Transpose', [weight], `${name}_w_t`, { perm: { ints: [1, 0] } });
  const y = ctx.op('MatMul', [x, wt], `${name}_proj`);
  return bias ? ctx.op('Add', [y, bias], `${name}_bias`) : y;
}

/** F.scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal, scale). */
export function emitScaledDotProduct(ctx: EmitContext): void {
  const q = ctx.inputShape(0);
  const k = ctx.inputShape(1);
  const headDim = q[q.length - 1];
  const scaleArg = ctx.arg('scale', 6);
  const scale = typeof scaleArg === 'number' ? scaleArg : 1 / Math.sqrt(headDim);
  const rank = k.length;
  const perm = [...k.slice(0, -2).map((_, i) => i), rank - 1, rank - 2];
  const kt = ctx.op('Transpose', [ctx.input(1)], 'k_t', { perm: { ints: perm } });
  let scores = ctx.op('MatMul', [ctx.op('Mul', [ctx.input(0), ctx.scalar(scale)], 'scale'), kt], 'scores');
  const maskId = tensorArg(ctx.arg('attn_mask', 3));
  const L = q[q.length - 2];
  const S = k[k.length - 2];
  if (maskId !== undefined) {
    const mask = ctx.value(maskId);
    scores =
      ctx.tensor(maskId).dtype === 'bool'
        ? ctx.op('Where', [mask, scores, ctx.scalar(-1e9)], 'mask')
        : ctx.op('Add', [scores, mask], 'mask');
  } else if (ctx.arg('is_causal', 5) === true) {
    const causal: number[] = [];
    for (let i = 0; i < L; i++) for (let j = 0; j < S; j++) causal.push(j > i ? -1e9 : 0);
    scores = ctx.op(
      'Add',
      [scores, ctx.graph.initializer(`${ctx.node.path}.causal_mask`, [L, S], 'constant', { values: causal })],
      'causal',
    );
  }
  const weights = ctx.op('Softmax', [scores], 'softmax', { axis: { int: -1 } });
  ctx.output(0, ctx.op('MatMul', [weights, ctx.input(2)], 'context'));
}
