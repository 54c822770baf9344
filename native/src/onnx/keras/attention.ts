// Keras MultiHeadAttention as MatMul + Softmax: the query, key and value projections with Keras's
// (features, heads, head size) kernels, scaled dot-product attention per head, the output projection
// with its (heads, head size, features) kernel. Attention masks are not applied (the same work).
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

/** MultiHeadAttention(query, value, key=value); a second output, the scores, when they are returned. */
export function emitMultiHeadAttention(call: KerasCall): string[] {
  const c = configOf<MhaConfig>(call);
  const [qShape, vShape] = call.inputShapes;
  const kShape = call.inputShapes[2] ?? vShape;
  if ([qShape, vShape, kShape].some((s) => s.length !== 3))
    throw new UnsupportedOp('MultiHeadAttention over more than one sequence axis is not synthesised');
  const [q, v] = call.inputs;
  const k = call.inputs[2] ?? v;
  const query = project(call, q, qShape, 'query', c.heads, c.keyDim);
  const key = project(call, k, kShape, 'key', c.heads, c.keyDim);
  const value = project(call, v, vShape, 'value', c.heads, c.valueDim);
  const scaled = call.op('Mul', [query, call.scalar(1 / Math.sqrt(c.keyDim))], 'scale');
  const keyT = call.op('Transpose', [key], 'key_t', { perm: { ints: [0, 1, 3, 2] } });
  const scores = call.op('Softmax', [call.op('MatMul', [scaled, keyT], 'scores')], 'softmax', { axis: { int: -1 } });
  const weighted = call.op('MatMul', [scores, value], 'weighted');
  const [n, t] = qShape;
  const joined = call.op(
    'Reshape',
    [
      call.op('Transpose', [weighted], 'heads_last', { perm: { ints: [0, 2, 1, 3] } }),
      call.ints([n, t, c.heads * c.valueDim]),
    ],
    'join_heads',
  );
  const outWidth = (c.outputShape ?? [qShape[2]]).reduce((a, b) => a * b, 1);
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
  if (c.outputShape && c.outputShape.length > 1)
    y = call.op('Reshape', [y, call.ints(call.outputShapes[0])], 'output_shape');
  return call.outputShapes.length > 1 ? [y, scores] : [y];
}
