// Dense layers: Linear (Gemm on 2-D inputs, MatMul + Add otherwise), Bilinear (Einsum), matmul and
// einsum between tensors, Embedding / EmbeddingBag (Gather).
import { type EmitContext, UnsupportedOp, tensorArg } from './context';

/** nn.Linear and F.linear. */
export function emitLinear(ctx: EmitContext): void {
  const functional = !ctx.node.layer;
  const weightId = functional ? tensorArg(ctx.arg('weight', 1)) : undefined;
  if (functional && weightId === undefined) throw new UnsupportedOp('F.linear: its weight tensor was not recorded');
  const weight = weightId !== undefined ? ctx.value(weightId) : ctx.weight('weight');
  const biasId = functional ? tensorArg(ctx.arg('bias', 2)) : undefined;
  const bias = functional
    ? biasId !== undefined
      ? ctx.value(biasId)
      : undefined
    : ctx.hasWeight('bias')
      ? ctx.weight('bias', { bound: 0.1 })
      : undefined;
  const x = ctx.input(0);
  if (ctx.inputShape(0).length === 2) {
    ctx.output(0, ctx.op('Gemm', bias ? [x, weight, bias] : [x, weight], undefined, { transB: { int: 1 } }));
    return;
  }
  // The transpose of a weight is folded into a constant when the session loads.
  const transposed = ctx.op('Transpose', [weight], 'weight_t', { perm: { ints: [1, 0] } });
  const product = ctx.op('MatMul', [x, transposed], 'matmul');
  ctx.output(0, bias ? ctx.op('Add', [product, bias], 'bias') : product);
}

/** nn.Bilinear: y = x1ᵀ A x2 + b, as one Einsum over the leading dimensions. */
export function emitBilinear(ctx: EmitContext): void {
  const inputs = [ctx.input(0), ctx.weight('weight'), ctx.input(1)];
  const product = ctx.op('Einsum', inputs, undefined, { equation: { string: '...i,oij,...j->...o' } });
  ctx.output(0, ctx.hasWeight('bias') ? ctx.op('Add', [product, ctx.weight('bias', { bound: 0.1 })], 'bias') : product);
}

/** `a @ b`, torch.matmul / bmm / mm, and torch.einsum (recorded as matmul with its equation). */
export function emitMatmul(ctx: EmitContext): void {
  const equation = ctx.node.args?.[0];
  if (typeof equation === 'string') {
    const operands = Array.from({ length: ctx.inputCount }, (_, i) => ctx.input(i));
    ctx.output(0, ctx.op('Einsum', operands, undefined, { equation: { string: equation.replace(/\s/g, '') } }));
    return;
  }
  if (ctx.inputCount !== 2) throw new UnsupportedOp(`matmul with ${ctx.inputCount} recorded operands`);
  ctx.output(0, ctx.op('MatMul', [ctx.input(0), ctx.input(1)]));
}

/** nn.Embedding: a Gather of rows of the weight by the (int64) indices. */
export function emitEmbedding(ctx: EmitContext): void {
  const weight = ctx.weight('weight', { bound: 1 });
  ctx.output(0, ctx.op('Gather', [weight, ctx.input(0)], undefined, { axis: { int: 0 } }));
}

/** nn.EmbeddingBag on a 2-D batch of bags: Gather, then the bag's mean / sum / max. */
export function emitEmbeddingBag(ctx: EmitContext): void {
  if (ctx.inputShape(0).length !== 2)
    throw new UnsupportedOp('EmbeddingBag with 1-D input and offsets is not synthesised');
  const rows = ctx.op('Gather', [ctx.weight('weight', { bound: 1 }), ctx.input(0)], undefined, { axis: { int: 0 } });
  const mode = String(ctx.arg('mode') ?? 'mean');
  const reduce = mode === 'sum' ? 'ReduceSum' : mode === 'max' ? 'ReduceMax' : 'ReduceMean';
  const out =
    reduce === 'ReduceSum'
      ? ctx.op(reduce, [rows, ctx.ints([1])], 'reduce', { keepdims: { int: 0 } })
      : ctx.op(reduce, [rows], 'reduce', { axes: { ints: [1] }, keepdims: { int: 0 } });
  ctx.output(0, out);
}
