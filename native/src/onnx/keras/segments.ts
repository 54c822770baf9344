// TensorFlow's segment reductions as graph networks use them (tf.math.unsorted_segment_sum / _mean,
// tf.math.segment_sum): rows of `data` added into `num_segments` rows by their segment id, with ONNX's
// ScatterND (reduction 'add', opset 16). The max form needs opset 18's ScatterND max: refused, saying so.
import type { GraphArg } from '../../../../server/src/core/report/graph';
import { type EmitContext, UnsupportedOp, tensorArg } from '../emit/context';

/** The segment reductions written here. */
export const SEGMENT_OPS = ['unsorted_segment_sum', 'unsorted_segment_mean', 'unsorted_segment_max', 'segment_sum'];

/** The segment ids as an (n, 1) int64 index tensor: a constant list, or a tensor of ids. */
function segmentIndices(ctx: EmitContext, ids: GraphArg | undefined, rows: number): string {
  const id = tensorArg(ids);
  if (id !== undefined) {
    if (ctx.tensor(id).shape?.length !== 1)
      throw new UnsupportedOp('segment ids of more than one axis are not synthesised');
    const cast = ctx.op('Cast', [ctx.value(id)], 'segment_ids', { to: { int: 7 } });
    return ctx.op('Reshape', [cast, ctx.ints([rows, 1])], 'segment_index');
  }
  if (Array.isArray(ids) && ids.length === rows && ids.every((i) => typeof i === 'number'))
    return ctx.ints(ids as number[], [rows, 1]);
  throw new UnsupportedOp('segment ids that are neither a tensor nor a list of numbers');
}

/** Writes one segment reduction; its output is (num_segments, ...data's other axes). */
export function emitSegmentOp(ctx: EmitContext): string {
  const op = ctx.node.op;
  if (op === 'unsorted_segment_max')
    throw new UnsupportedOp(
      `no ONNX form for '${op}' yet: it needs ScatterND's max reduction (opset 18; the synthesised graphs use opset 17)`,
    );
  const data = ctx.input(0);
  const shape = ctx.inputShape(0);
  const out = ctx.outputShape();
  const index = segmentIndices(ctx, ctx.arg('segment_ids', 1), shape[0]);
  const zeros = ctx.filled(out, 0);
  const sums = ctx.op('ScatterND', [zeros, index, data], undefined, { reduction: { string: 'add' } });
  if (op !== 'unsorted_segment_mean') return sums;
  // The mean divides by each segment's row count; an empty segment stays 0, as TensorFlow gives.
  const counted = ctx.op('ScatterND', [ctx.filled([out[0]], 0), index, ctx.filled([shape[0]], 1)], 'count', {
    reduction: { string: 'add' },
  });
  const count = ctx.op('Max', [counted, ctx.scalar(1)], 'count_at_least_one');
  const lifted = ctx.op('Reshape', [count, ctx.ints([out[0], ...out.slice(1).map(() => 1)])], 'count_shape');
  return ctx.op('Div', [sums, lifted], 'mean');
}
