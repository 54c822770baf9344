// Activations and softmax as ONNX ops (GELU, SiLU and Mish written out as opset 17 has them, which
// onnxruntime fuses back), Dropout and Identity as Identity (inference), PReLU with its slopes, GLU.
import { type EmitContext, intArg, normDim, numberArg } from './context';

type Unary = (ctx: EmitContext, x: string) => string;

const simple =
  (opType: string, attributes: (ctx: EmitContext) => Record<string, { float: number }> = () => ({})): Unary =>
  (ctx, x) =>
    ctx.op(opType, [x], undefined, attributes(ctx));

/** Clip between fixed bounds, or bounds read from named arguments (a tensor method's are positional: 0, 1). */
const clip =
  (low: number | null, high: number | null, lowArg?: string, highArg?: string): Unary =>
  (ctx, x) => {
    const read = (name: string | undefined, position: number, fallback: number | null) => {
      const v = name ? ctx.arg(name, position) : undefined;
      return typeof v === 'number' ? v : fallback;
    };
    const min = read(lowArg, 0, low);
    const max = read(highArg, 1, high);
    return ctx.op('Clip', [x, min === null ? '' : ctx.scalar(min), max === null ? '' : ctx.scalar(max)]);
  };

/** x · sigmoid(x). */
const silu: Unary = (ctx, x) => ctx.op('Mul', [x, ctx.op('Sigmoid', [x], 'sigmoid')], 'mul');

/** GELU, exact (erf) or tanh-approximated, written as the torch exporter writes it for opset 17. */
const gelu: Unary = (ctx, x) => {
  if (ctx.arg('approximate', 1) === 'tanh') {
    const cube = ctx.op('Mul', [x, ctx.op('Mul', [x, x], 'square')], 'cube');
    const inner = ctx.op('Mul', [ctx.op('Add', [x, ctx.op('Mul', [cube, ctx.scalar(0.044715)], 'c')], 'sum')], 'inner');
    const t = ctx.op('Tanh', [ctx.op('Mul', [inner, ctx.scalar(Math.sqrt(2 / Math.PI))], 'scale')], 'tanh');
    const half = ctx.op('Mul', [x, ctx.scalar(0.5)], 'half');
    return ctx.op('Mul', [half, ctx.op('Add', [t, ctx.scalar(1)], 'one_plus')], 'mul');
  }
  const erf = ctx.op('Erf', [ctx.op('Div', [x, ctx.scalar(Math.SQRT2)], 'div')], 'erf');
  const half = ctx.op('Mul', [x, ctx.scalar(0.5)], 'half');
  return ctx.op('Mul', [half, ctx.op('Add', [erf, ctx.scalar(1)], 'one_plus')], 'mul');
};

/** x · tanh(softplus(x)). */
const mish: Unary = (ctx, x) =>
  ctx.op('Mul', [x, ctx.op('Tanh', [ctx.op('Softplus', [x], 'softplus')], 'tanh')], 'mul');

/** softplus(βx)/β (the threshold's linear region changes nothing measurable). */
const softplus: Unary = (ctx, x) => {
  const beta = numberArg(ctx.arg('beta', 1), 1);
  if (beta === 1) return ctx.op('Softplus', [x]);
  const scaled = ctx.op('Softplus', [ctx.op('Mul', [x, ctx.scalar(beta)], 'scale')]);
  return ctx.op('Div', [scaled, ctx.scalar(beta)], 'unscale');
};

const ACTIVATIONS: Record<string, Unary> = {
  ReLU: simple('Relu'),
  relu: simple('Relu'),
  ReLU6: clip(0, 6),
  Hardtanh: clip(-1, 1, 'min_val', 'max_val'),
  clamp: clip(null, null, 'min', 'max'),
  LeakyReLU: simple('LeakyRelu', (c) => ({ alpha: { float: numberArg(c.arg('negative_slope', 1), 0.01) } })),
  RReLU: simple('LeakyRelu', (c) => ({
    alpha: { float: (numberArg(c.arg('lower'), 1 / 8) + numberArg(c.arg('upper'), 1 / 3)) / 2 },
  })),
  ELU: simple('Elu', (c) => ({ alpha: { float: numberArg(c.arg('alpha', 1), 1) } })),
  CELU: simple('Celu', (c) => ({ alpha: { float: numberArg(c.arg('alpha', 1), 1) } })),
  SELU: simple('Selu'),
  GELU: gelu,
  SiLU: silu,
  Mish: mish,
  Hardswish: simple('HardSwish'),
  Hardsigmoid: simple('HardSigmoid', () => ({ alpha: { float: 1 / 6 }, beta: { float: 0.5 } })),
  Sigmoid: simple('Sigmoid'),
  sigmoid: simple('Sigmoid'),
  Tanh: simple('Tanh'),
  tanh: simple('Tanh'),
  LogSigmoid: (ctx, x) => ctx.op('Log', [ctx.op('Sigmoid', [x], 'sigmoid')], 'log'),
  Softplus: softplus,
  Softsign: simple('Softsign'),
  Tanhshrink: (ctx, x) => ctx.op('Sub', [x, ctx.op('Tanh', [x], 'tanh')], 'sub'),
  Hardshrink: simple('Shrink', (c) => ({ lambd: { float: numberArg(c.arg('lambd'), 0.5) } })),
  Softshrink: simple('Shrink', (c) => {
    const lambd = numberArg(c.arg('lambd'), 0.5);
    return { lambd: { float: lambd }, bias: { float: lambd } };
  }),
  Threshold: simple('ThresholdedRelu', (c) => ({ alpha: { float: numberArg(c.arg('threshold'), 0) } })),
  exp: simple('Exp'),
  log: simple('Log'),
  sqrt: simple('Sqrt'),
  abs: simple('Abs'),
  sin: simple('Sin'),
  cos: simple('Cos'),
  Dropout: simple('Identity'),
  Dropout1d: simple('Identity'),
  Dropout2d: simple('Identity'),
  Dropout3d: simple('Identity'),
  AlphaDropout: simple('Identity'),
  FeatureAlphaDropout: simple('Identity'),
  Identity: simple('Identity'),
};

/** Whether `op` is an activation this module writes. */
export function isActivation(op: string): boolean {
  return op in ACTIVATIONS;
}

/** An activation (or Dropout / Identity) applied to the node's first input. */
export function emitActivation(ctx: EmitContext): void {
  ctx.output(0, ACTIVATIONS[ctx.node.op](ctx, ctx.input(0)));
}

/** The dimension torch's softmax uses when `dim` is None (its legacy rule). */
function implicitSoftmaxDim(rank: number): number {
  return rank === 0 || rank === 1 || rank === 3 ? 0 : 1;
}

/** nn.Softmax / LogSoftmax / Softmin / Softmax2d, F.softmax and x.softmax(dim). */
export function emitSoftmax(ctx: EmitContext): void {
  const rank = ctx.inputShape(0).length;
  const op = ctx.node.op;
  const given = ctx.arg('dim', 0);
  const dim =
    op === 'Softmax2d' ? -3 : typeof given === 'number' ? given : ctx.node.layer ? implicitSoftmaxDim(rank) : -1;
  let x = ctx.input(0);
  if (op === 'Softmin') x = ctx.op('Neg', [x], 'neg');
  const onnxOp = op === 'LogSoftmax' || op === 'log_softmax' ? 'LogSoftmax' : 'Softmax';
  ctx.output(0, ctx.op(onnxOp, [x], undefined, { axis: { int: normDim(dim, rank) } }));
}

/** nn.PReLU: PRelu with one slope, or one per channel shaped to broadcast over dimension 1. */
export function emitPrelu(ctx: EmitContext): void {
  const shape = ctx.inputShape(0);
  let slope = ctx.weight('weight', { bound: 0.25 });
  const count = ctx.node.layer?.parameters.find((p) => p.name === 'weight')?.shape?.[0] ?? 1;
  if (count > 1 && shape.length > 2) {
    slope = ctx.op('Reshape', [slope, ctx.ints([count, ...shape.slice(2).map(() => 1)])], 'slope_shape');
  }
  ctx.output(0, ctx.op('PRelu', [ctx.input(0), slope]));
}

/** nn.GLU / F.glu: the first half times the sigmoid of the second, split along `dim`. */
export function emitGlu(ctx: EmitContext): void {
  const shape = ctx.inputShape(0);
  const axis = normDim(intArg(ctx.arg('dim', 1), -1), shape.length);
  const half = shape[axis] / 2;
  const [a, b] = ctx.ops('Split', [ctx.input(0), ctx.ints([half, half])], 2, 'split', { axis: { int: axis } });
  ctx.output(0, ctx.op('Mul', [a, ctx.op('Sigmoid', [b], 'sigmoid')], 'mul'));
}
