// The ops a Keras model writes between layers (`x + y`, ops.matmul, keras.activations.relu, ops.mean,
// ops.concatenate, ...), as the core records them: the op's name and its arguments, tensors by id and
// Python numbers as they were written.
import type { GraphArg, GraphFramework } from '../../../../server/src/core/report/graph';
import { type EmitContext, UnsupportedOp, normDim, tensorArg } from '../emit/context';
import { applyActivation, isKerasActivation } from './activation';
import type { KerasCall } from './call';
import { SEGMENT_OPS, emitSegmentOp } from './segments';

const BINARY: Record<string, string> = {
  add: 'Add',
  sub: 'Sub',
  mul: 'Mul',
  div: 'Div',
  pow: 'Pow',
  maximum: 'Max',
  minimum: 'Min',
  compare: 'Greater',
  greater: 'Greater',
  greater_equal: 'GreaterOrEqual',
  less: 'Less',
  less_equal: 'LessOrEqual',
  equal: 'Equal',
  not_equal: 'Equal',
  logical_and: 'And',
  logical_or: 'Or',
};

const UNARY: Record<string, string> = {
  exp: 'Exp',
  log: 'Log',
  sqrt: 'Sqrt',
  abs: 'Abs',
  negative: 'Neg',
  erf: 'Erf',
  reciprocal: 'Reciprocal',
  sign: 'Sign',
};

const REDUCTIONS: Record<string, string> = {
  mean: 'ReduceMean',
  sum: 'ReduceSum',
  max: 'ReduceMax',
  min: 'ReduceMin',
  prod: 'ReduceProd',
};

/** Whether `op` is a Keras op row this module writes. */
export function isKerasOp(op: string): boolean {
  return (
    op in BINARY ||
    op in UNARY ||
    op in REDUCTIONS ||
    ['matmul', 'cat', 'std', 'var', 'argmax', 'argmin', 'square', 'rsqrt', 'clip', 'clip_by_value', 'where'].includes(
      op,
    ) ||
    ['l2_normalize', 'normalize'].includes(op) ||
    SEGMENT_OPS.includes(op) ||
    isKerasActivation(op)
  );
}

/** Writes one op row. */
export function emitKerasOp(ctx: EmitContext, framework: GraphFramework): void {
  const op = ctx.node.op;
  const args = ctx.node.args ?? [];
  if (op in BINARY) return ctx.output(0, binary(ctx, op, args));
  if (op === 'matmul') return ctx.output(0, ctx.op('MatMul', [operand(ctx, args[0]), operand(ctx, args[1])]));
  if (op === 'cat') return ctx.output(0, concatenate(ctx));
  if (op === 'where') {
    const condition = ctx.op('Cast', [operand(ctx, args[0])], 'condition', { to: { int: 9 } });
    return ctx.output(0, ctx.op('Where', [condition, operand(ctx, args[1]), operand(ctx, args[2])]));
  }
  if (SEGMENT_OPS.includes(op)) return ctx.output(0, emitSegmentOp(ctx));
  const x = ctx.input(0);
  if (op in UNARY) return ctx.output(0, ctx.op(UNARY[op], [x]));
  if (op === 'square') return ctx.output(0, ctx.op('Mul', [x, x]));
  if (op === 'rsqrt') return ctx.output(0, ctx.op('Reciprocal', [ctx.op('Sqrt', [x], 'sqrt')]));
  if (op === 'clip' || op === 'clip_by_value') {
    const low = numberArg(ctx.arg('x_min', 1) ?? ctx.arg('clip_value_min'));
    const high = numberArg(ctx.arg('x_max', 2) ?? ctx.arg('clip_value_max'));
    return ctx.output(
      0,
      ctx.op('Clip', [x, low === null ? '' : ctx.scalar(low), high === null ? '' : ctx.scalar(high)]),
    );
  }
  if (op === 'l2_normalize' || op === 'normalize') {
    const axis = numberArg(ctx.arg('axis', 1)) ?? -1;
    return ctx.output(0, ctx.op('LpNormalization', [x], undefined, { axis: { int: axis }, p: { int: 2 } }));
  }
  if (op in REDUCTIONS || ['std', 'var', 'argmax', 'argmin'].includes(op)) return ctx.output(0, reduction(ctx, op, x));
  if (isKerasActivation(op)) {
    const call = opCall(ctx, framework);
    const y = applyActivation(call, x, op, '', {
      axis: numberArg(ctx.arg('axis', 1)) ?? undefined,
      approximate: typeof ctx.arg('approximate', 1) === 'boolean' ? (ctx.arg('approximate', 1) as boolean) : undefined,
      negativeSlope: numberArg(ctx.arg('negative_slope', 1)) ?? undefined,
    });
    return ctx.output(0, y === x ? ctx.op('Identity', [x]) : y);
  }
  throw new UnsupportedOp(`no ONNX form for the op '${op}' yet`);
}

/** `a (op) b`; one operand alone is a negation (`-x` is recorded as a mul of one tensor). */
function binary(ctx: EmitContext, op: string, args: GraphArg[]): string {
  if (args.length === 1 && op === 'mul') return ctx.op('Neg', [operand(ctx, args[0])]);
  const type = typeOfOperands(ctx, args);
  const a = operand(ctx, args[0], type);
  const b = operand(ctx, args[1], type);
  if (op === 'compare') ctx.note('a comparison is computed as Greater (which comparison it was is not recorded)');
  const y = ctx.op(BINARY[op], [a, b]);
  return op === 'not_equal' ? ctx.op('Not', [y], 'not') : y;
}

/** The element type of the op's first tensor operand (a Python number takes it). */
function typeOfOperands(ctx: EmitContext, args: GraphArg[]): string {
  for (const a of args) {
    const id = tensorArg(a);
    if (id !== undefined) return ctx.tensor(id).dtype;
  }
  return 'float32';
}

/** A recorded operand: a tensor's value, a Python number as a scalar, a nested list as a constant. */
function operand(ctx: EmitContext, a: GraphArg | undefined, type = 'float32'): string {
  const id = tensorArg(a);
  if (id !== undefined) return ctx.value(id);
  if (typeof a === 'number') return ctx.scalar(a, type === 'int32' || type === 'int64' ? type : 'float32');
  if (typeof a === 'boolean') return ctx.scalar(a ? 1 : 0, type);
  if (Array.isArray(a)) {
    const flat = (a as GraphArg[]).flat(Infinity as 1) as GraphArg[];
    if (flat.every((x) => typeof x === 'number')) return ctx.floats(flat as number[], shapeOfList(a));
  }
  throw new UnsupportedOp(`an operand ${JSON.stringify(a)} has no ONNX form`);
}

function shapeOfList(a: GraphArg): number[] {
  const shape: number[] = [];
  for (let v: GraphArg = a; Array.isArray(v); v = v[0]) shape.push(v.length);
  return shape;
}

function numberArg(v: GraphArg | undefined): number | null {
  return typeof v === 'number' ? v : null;
}

/** ops.concatenate / ops.stack (both recorded as `cat`): a stack when the output has one more axis. */
function concatenate(ctx: EmitContext): string {
  const out = ctx.outputShape();
  const first = ctx.inputShape(0);
  const values = Array.from({ length: ctx.inputCount }, (_, i) => ctx.input(i));
  const given = numberArg(ctx.arg('axis', 1));
  if (out.length === first.length + 1) {
    const axis = normDim(given ?? 0, out.length);
    const axes = ctx.ints([axis]);
    const lifted = values.map((v, i) => ctx.op('Unsqueeze', [v, axes], `unsqueeze${i}`));
    return ctx.op('Concat', lifted, 'stack', { axis: { int: axis } });
  }
  const axis = normDim(given ?? -1, out.length);
  return ctx.op('Concat', values, undefined, { axis: { int: axis } });
}

/** Reductions over `axis` (None: every axis), keepdims as given. */
function reduction(ctx: EmitContext, op: string, x: string): string {
  const rank = ctx.inputShape(0).length;
  const axisArg = ctx.arg('axis', 1);
  const axes =
    typeof axisArg === 'number'
      ? [normDim(axisArg, rank)]
      : Array.isArray(axisArg)
        ? (axisArg as number[]).map((a) => normDim(a, rank))
        : Array.from({ length: rank }, (_, i) => i);
  const keepdims = ctx.arg('keepdims', 2) === true ? 1 : 0;
  if (op === 'argmax' || op === 'argmin') {
    if (axes.length !== 1) throw new UnsupportedOp(`${op} over several axes`);
    return ctx.op(op === 'argmax' ? 'ArgMax' : 'ArgMin', [x], undefined, {
      axis: { int: axes[0] },
      keepdims: { int: keepdims },
    });
  }
  const reduce = (opType: string, value: string, keep: number, part?: string) =>
    opType === 'ReduceSum'
      ? ctx.op(opType, [value, ctx.ints(axes)], part, { keepdims: { int: keep } })
      : ctx.op(opType, [value], part, { axes: { ints: axes }, keepdims: { int: keep } });
  if (op === 'std' || op === 'var') {
    const mean = reduce('ReduceMean', x, 1, 'mean');
    const centred = ctx.op('Sub', [x, mean], 'centre');
    const variance = reduce(
      'ReduceMean',
      ctx.op('Mul', [centred, centred], 'square'),
      keepdims,
      op === 'var' ? undefined : 'var',
    );
    return op === 'var' ? variance : ctx.op('Sqrt', [variance], 'std');
  }
  return reduce(REDUCTIONS[op], x, keepdims);
}

/** A KerasCall for an op row (for the activations, which are written against one). */
function opCall(ctx: EmitContext, framework: GraphFramework): KerasCall {
  return {
    className: ctx.node.op,
    framework,
    config: null,
    args: {},
    inputs: [ctx.input(0)],
    inputShapes: [ctx.inputShape(0)],
    outputShapes: [ctx.outputShape()],
    weight: () => {
      throw new UnsupportedOp(`${ctx.node.op} has no weights`);
    },
    hasWeight: () => false,
    op: (opType, values, part, attributes) => ctx.op(opType, values, part, attributes),
    ops: (opType, values, outputs, part, attributes) => ctx.ops(opType, values, outputs, part, attributes),
    ints: (values, shape) => ctx.ints(values, shape),
    scalar: (value, type) => ctx.scalar(value, type),
    filled: (shape, value, type) => ctx.filled(shape, value, type),
    floats: (values) => ctx.floats(values),
    inputType: () => ctx.tensor(ctx.node.inputs[0]).dtype,
    note: (text) => ctx.note(text),
    indicesBelow: () => undefined,
  };
}
