// Keras attention layers as MatMul + Softmax. MultiHeadAttention: the query, key and value projections
// with Keras's (features, heads, head size) kernels, scaled dot-product attention per head over every
// position (an image's H·W positions too, Keras's default attention axes), the output projection with its
// (heads, head size, features) kernel. Attention and AdditiveAttention: Keras's dot, concat and additive
// scores. Attention masks are not applied (the same work).
import { UnsupportedOp } from '../emit/context';
import { type KerasCall, configOf } from './call';

interface MhaConfig {
  heads: number;
  keyDim: number;
  valueDim: number;
  bias: boolean;
  outputShape: number[] | null;
}

/** One projection: (N, T, d) · (d, heads·size) + bias, split into heads: (N, heads, T, size). */
function project(call: KerasCall, x: string, shape: number[], name: string, heads: number, size: number): string {
  const [n, t, d] = shape;
  const kernel = call.op('Reshape', [call.weight(`${name}/kernel`), call.ints([d, heads * size])], `${name}_kernel`);
  let y = call.op('MatMul', [x, kernel], name);
  if (call.hasWeight(`${name}/bias`)) {
    const bias = call.op('Reshape', [call.weight(`${name}/bias`), call.ints([heads * size])], `${name}_bias`);
    y = call.op('Add', [y, bias], `${name}_add_bias`);
  }
  const split = call.op('Reshape', [y, call.ints([n, t, heads, size])], `${name}_heads`);
  return call.op('Transpose', [split], `${name}_heads_first`, { perm: { ints: [0, 2, 1, 3] } });
}

/** (N, ...positions, d) as (N, positions, d): Keras attends over every axis between batch and features. */
function sequence(call: KerasCall, x: string, shape: number[], name: string): { value: string; shape: number[] } {
  if (shape.length === 3) return { value: x, shape };
  const flat = [shape[0], shape.slice(1, -1).reduce((a, b) => a * b, 1), shape[shape.length - 1]];
  return { value: call.op('Reshape', [x, call.ints(flat)], `${name}_positions`), shape: flat };
}

/** MultiHeadAttention(query, value, key=value); a second output, the scores, when they are returned. */
export function emitMultiHeadAttention(call: KerasCall): string[] {
  const c = configOf<MhaConfig>(call);
  const [qShape0, vShape0] = call.inputShapes;
  const kShape0 = call.inputShapes[2] ?? vShape0;
  if ([qShape0, vShape0, kShape0].some((s) => s.length < 3))
    throw new UnsupportedOp('MultiHeadAttention on a tensor without a sequence axis is not synthesised');
  const q = sequence(call, call.inputs[0], qShape0, 'query');
  const v = sequence(call, call.inputs[1], vShape0, 'value');
  const k = call.inputs[2] ? sequence(call, call.inputs[2], kShape0, 'key') : v;
  const query = project(call, q.value, q.shape, 'query', c.heads, c.keyDim);
  const key = project(call, k.value, k.shape, 'key', c.heads, c.keyDim);
  const value = project(call, v.value, v.shape, 'value', c.heads, c.valueDim);
  const scaled = call.op('Mul', [query, call.scalar(1 / Math.sqrt(c.keyDim))], 'scale');
  const keyT = call.op('Transpose', [key], 'key_t', { perm: { ints: [0, 1, 3, 2] } });
  const scores = call.op('Softmax', [call.op('MatMul', [scaled, keyT], 'scores')], 'softmax', { axis: { int: -1 } });
  const weighted = call.op('MatMul', [scores, value], 'weighted');
  const [n, t] = q.shape;
  const joined = call.op(
    'Reshape',
    [
      call.op('Transpose', [weighted], 'heads_last', { perm: { ints: [0, 2, 1, 3] } }),
      call.ints([n, t, c.heads * c.valueDim]),
    ],
    'join_heads',
  );
  const outWidth = (c.outputShape ?? [q.shape[2]]).reduce((a, b) => a * b, 1);
  const kernel = call.op(
    'Reshape',
    [call.weight('attention_output/kernel'), call.ints([c.heads * c.valueDim, outWidth])],
    'output_kernel',
  );
  let y = call.op('MatMul', [joined, kernel], 'output');
  if (call.hasWeight('attention_output/bias'))
    y = call.op(
      'Add',
      [y, call.op('Reshape', [call.weight('attention_output/bias'), call.ints([outWidth])], 'output_bias')],
      'output_add_bias',
    );
  if ((c.outputShape && c.outputShape.length > 1) || qShape0.length > 3)
    y = call.op('Reshape', [y, call.ints(call.outputShapes[0])], 'output_shape');
  return call.outputShapes.length > 1 ? [y, scores] : [y];
}

interface DotAttentionConfig {
  op: string;
  scale: boolean;
  concat: boolean;
}

/**
 * Attention (Luong) and AdditiveAttention (Bahdanau) on [query, value] or [query, value, key], as
 * keras/src/layers/attention computes them: dot scores q·kᵀ (times `scale` with use_scale), or concat /
 * additive scores Σ tanh(q + k) over the features (`scale` inside the tanh for Attention's concat mode,
 * outside it per feature for AdditiveAttention, then `concat_score_weight`); softmax over the keys; the
 * weights times the value. Masks are not applied (the same work); dropout is the identity at inference.
 */
export function emitDotAttention(call: KerasCall): string[] {
  const c = configOf<DotAttentionConfig>(call);
  if (call.inputs.length < 2 || call.inputShapes.some((s) => s.length !== 3))
    throw new UnsupportedOp(`${call.className} on other than (batch, steps, features) tensors is not synthesised`);
  const [q, v] = call.inputs;
  const k = call.inputs[2] ?? v;
  let scores: string;
  if (call.className === 'Attention' && !c.concat) {
    const keyT = call.op('Transpose', [k], 'key_t', { perm: { ints: [0, 2, 1] } });
    scores = call.op('MatMul', [q, keyT], 'scores');
    if (c.scale) scores = call.op('Mul', [scores, call.weight('scale')], 'scale');
  } else {
    // (N, Tq, 1, d) + (N, 1, Tv, d) → (N, Tq, Tv, d), summed over d after the tanh.
    const lifted = call.op('Unsqueeze', [q, call.ints([2])], 'query_lifted');
    const keyLifted = call.op('Unsqueeze', [k, call.ints([1])], 'key_lifted');
    let sum = call.op('Add', [lifted, keyLifted], 'pairs');
    const additive = call.className === 'AdditiveAttention';
    if (c.scale && !additive) sum = call.op('Mul', [sum, call.weight('scale')], 'scale');
    let squashed = call.op('Tanh', [sum], 'tanh');
    if (c.scale && additive) squashed = call.op('Mul', [squashed, call.weight('scale')], 'scale');
    scores = call.op('ReduceSum', [squashed, call.ints([-1])], 'scores', { keepdims: { int: 0 } });
    if (c.concat) scores = call.op('Mul', [scores, call.weight('concat_score_weight')], 'concat_score_weight');
  }
  const weights = call.op('Softmax', [scores], 'softmax', { axis: { int: -1 } });
  const y = call.op('MatMul', [weights, v], 'weighted');
  return call.outputShapes.length > 1 ? [y, weights] : [y];
}
