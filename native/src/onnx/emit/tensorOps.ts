// Ops between tensors the forward pass writes by hand: arithmetic with broadcasting, torch.cat /
// stack, reductions (mean, sum, max, var, norm, logsumexp) and masked_fill.
import { type EmitContext, UnsupportedOp, normDim, tensorArg } from './context';

const BINARY: Record<string, string> = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', pow: 'Pow' };

/** Whether `op` is an arithmetic op this module writes. */
export function isArithmetic(op: string): boolean {
  return op in BINARY;
}

/**
 * `a + b`, `x * 0.5`, `-x`: with two tensors, the op itself; with one, the scalar operand was not
 * recorded by the trace, so a constant stands in (1, or 2 for a power): same shape and work.
 */
export function emitArithmetic(ctx: EmitContext): void {
  const onnxOp = BINARY[ctx.node.op];
  const a = ctx.input(0);
  let b: string;
  if (ctx.inputCount >= 2) b = ctx.input(1);
  else {
    const type = ctx.tensor(ctx.node.inputs[0]).dtype;
    b = ctx.scalar(ctx.node.op === 'pow' ? 2 : 1, type);
  }
  ctx.output(0, ctx.op(onnxOp, [a, b]));
}

/** torch.cat: Concat along the one dimension where the output differs from the first input. */
export function emitCat(ctx: EmitContext): void {
  const out = ctx.outputShape();
  const first = ctx.inputShape(0);
  let axis = out.findIndex((d, i) => d !== first[i]);
  if (axis < 0) axis = normDim(typeof ctx.arg('dim', 1) === 'number' ? (ctx.arg('dim', 1) as number) : 0, out.length);
  const inputs = Array.from({ length: ctx.inputCount }, (_, i) => ctx.input(i));
  ctx.output(0, ctx.op('Concat', inputs, undefined, { axis: { int: axis } }));
}

/** torch.stack: each input unsqueezed at the new dimension, then Concat. */
export function emitStack(ctx: EmitContext): void {
  const out = ctx.outputShape();
  const first = ctx.inputShape(0);
  let axis = 0;
  for (let i = 0; i <= first.length; i++) {
    const candidate = [...first.slice(0, i), ctx.inputCount, ...first.slice(i)];
    if (candidate.every((d, j) => d === out[j])) {
      axis = i;
      break;
    }
  }
  const axes = ctx.ints([axis]);
  const inputs = Array.from({ length: ctx.inputCount }, (_, i) =>
    ctx.op('Unsqueeze', [ctx.input(i), axes], `unsqueeze${i}`),
  );
  ctx.output(0, ctx.op('Concat', inputs, 'concat', { axis: { int: axis } }));
}

const REDUCTIONS: Record<string, string> = {
  mean: 'ReduceMean',
  sum: 'ReduceSum',
  max: 'ReduceMax',
  norm: 'ReduceL2',
  softmax: 'ReduceLogSumExp',
};

/** Whether `op` (with this output shape) is a reduction this module writes. */
export function isReduction(ctx: EmitContext): boolean {
  const op = ctx.node.op;
  if (op === 'var') return true;
  if (!(op in REDUCTIONS)) return false;
  // 'max' and 'softmax' are also elementwise names: they reduce only when the shape changes.
  const input = ctx.inputShape(0);
  const output = ctx.outputShape();
  return op === 'mean' || op === 'sum' || op === 'norm' || input.join() !== output.join();
}

/** x.mean(dim, keepdim), x.sum(...), x.max(dim), x.var(...), x.norm(...), x.logsumexp(...). */
export function emitReduction(ctx: EmitContext): void {
  const input = ctx.inputShape(0);
  const output = ctx.outputShape();
  const { axes, keepdims } = reductionAxes(ctx, input, output);
  const x = ctx.input(0);
  const reduce = (opType: string, value: string, part?: string) =>
    opType === 'ReduceSum'
      ? ctx.op(opType, axes.length ? [value, ctx.ints(axes)] : [value], part, { keepdims: { int: keepdims } })
      : ctx.op(opType, [value], part, {
          ...(axes.length ? { axes: { ints: axes } } : {}),
          keepdims: { int: keepdims },
        });
  if (ctx.node.op === 'var') {
    // E[(x − E[x])²]: the mean is kept to broadcast against x.
    const mean = ctx.op('ReduceMean', [x], 'mean', {
      ...(axes.length ? { axes: { ints: axes } } : {}),
      keepdims: { int: 1 },
    });
    const centred = ctx.op('Sub', [x, mean], 'centre');
    ctx.output(0, reduce('ReduceMean', ctx.op('Mul', [centred, centred], 'square'), 'var'));
    return;
  }
  ctx.output(0, reduce(REDUCTIONS[ctx.node.op], x));
}

/** The reduced axes: from the recorded `dim` / `keepdim`, else from the shapes (all axes when the output is a scalar). */
function reductionAxes(ctx: EmitContext, input: number[], output: number[]): { axes: number[]; keepdims: number } {
  const dim = ctx.arg('dim', 0);
  const keep = ctx.arg('keepdim', 1);
  const keepdims = keep === true ? 1 : output.length === input.length && input.length > 0 ? 1 : 0;
  if (typeof dim === 'number') return { axes: [normDim(dim, input.length)], keepdims };
  if (Array.isArray(dim) && dim.every((d) => typeof d === 'number'))
    return { axes: (dim as number[]).map((d) => normDim(d, input.length)), keepdims };
  if (output.length === 0) return { axes: [], keepdims: 0 };
  if (keepdims) return { axes: input.flatMap((d, i) => (d !== output[i] ? [i] : [])), keepdims };
  // Dropped dimensions: match the output against the input left to right.
  const axes: number[] = [];
  let j = 0;
  input.forEach((d, i) => (j < output.length && output[j] === d ? j++ : axes.push(i)));
  return { axes, keepdims };
}

/** x.masked_fill(mask, value): Where(mask, value, x). */
export function emitMaskedFill(ctx: EmitContext): void {
  const maskId = tensorArg(ctx.arg('mask', 0));
  if (maskId === undefined) throw new UnsupportedOp('masked_fill: its mask was not recorded');
  const value = ctx.arg('value', 1);
  const fill = ctx.scalar(typeof value === 'number' && Number.isFinite(value) ? value : -1e9);
  let mask = ctx.value(maskId);
  if (ctx.tensor(maskId).dtype !== 'bool') mask = ctx.op('Cast', [mask], 'mask_bool', { to: { int: 9 } });
  ctx.output(0, ctx.op('Where', [mask, fill, ctx.input(0)]));
}
