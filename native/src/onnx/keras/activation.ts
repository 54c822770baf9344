// Keras activations by name (the `activation=` of a layer, an Activation layer, keras.activations.*)
// as ONNX ops, with the definitions each front end uses: Keras 3's hard_sigmoid is relu6(x + 3) / 6 and
// its gelu the tanh approximation; TF.js's hardSigmoid is 0.2·x + 0.5 and its gelu exact.
import type { GraphFramework } from '../../../../server/src/core/report/graph';
import { UnsupportedOp } from '../emit/context';
import type { KerasCall } from './call';

type Apply = (call: KerasCall, x: string, part: string, options: ActivationOptions) => string;

/** Per-call settings: the axis of softmax, gelu's approximation when stated. */
export interface ActivationOptions {
  axis?: number;
  approximate?: boolean;
  negativeSlope?: number;
}

const unary =
  (opType: string, attributes: Record<string, { float: number }> = {}): Apply =>
  (call, x, part) =>
    call.op(opType, [x], part || undefined, attributes);

const clip =
  (low: number, high: number): Apply =>
  (call, x, part) =>
    call.op('Clip', [x, call.scalar(low), call.scalar(high)], part);

/** The name of a second node of an activation: `activation_half`, or `half` for an Activation layer's own. */
const sub = (part: string, name: string) => (part ? `${part}_${name}` : name);

const times = (call: KerasCall, x: string, gate: string, part: string) => call.op('Mul', [x, gate], sub(part, 'mul'));

/** The gelu Keras 3 uses by default (approximate=True) or the exact one (TF.js, approximate=False). */
function gelu(call: KerasCall, x: string, part: string, options: ActivationOptions): string {
  const approximate = options.approximate ?? call.framework === 'keras';
  const half = call.op('Mul', [x, call.scalar(0.5)], sub(part, 'half'));
  if (!approximate) {
    const erf = call.op('Erf', [call.op('Div', [x, call.scalar(Math.SQRT2)], sub(part, 'div'))], sub(part, 'erf'));
    return call.op('Mul', [half, call.op('Add', [erf, call.scalar(1)], sub(part, 'one_plus'))], part);
  }
  const cube = call.op('Mul', [x, call.op('Mul', [x, x], sub(part, 'square'))], sub(part, 'cube'));
  const inner = call.op('Add', [x, call.op('Mul', [cube, call.scalar(0.044715)], sub(part, 'c'))], sub(part, 'inner'));
  const t = call.op(
    'Tanh',
    [call.op('Mul', [inner, call.scalar(Math.sqrt(2 / Math.PI))], sub(part, 'scale'))],
    sub(part, 'tanh'),
  );
  return call.op('Mul', [half, call.op('Add', [t, call.scalar(1)], sub(part, 'one_plus'))], part);
}

/** sparse_plus: 0 below -1, (x + 1)² / 4 between -1 and 1, x above 1. */
function sparsePlus(call: KerasCall, x: string, part: string): string {
  const shifted = call.op('Add', [x, call.scalar(1)], sub(part, 'shift'));
  const quarter = call.op(
    'Mul',
    [call.op('Mul', [shifted, shifted], sub(part, 'square')), call.scalar(0.25)],
    sub(part, 'quarter'),
  );
  const low = call.op(
    'Where',
    [call.op('LessOrEqual', [x, call.scalar(-1)], sub(part, 'low')), call.scalar(0), quarter],
    sub(part, 'below'),
  );
  return call.op('Where', [call.op('GreaterOrEqual', [x, call.scalar(1)], sub(part, 'high')), x, low], part);
}

/** glu(x, axis): the first half of x along the axis times the sigmoid of the second half. */
function glu(call: KerasCall, x: string, part: string, options: ActivationOptions): string {
  // The halves are cut from the shape of x, known here only when x is the call's own input.
  if (call.className !== 'glu' && call.className !== 'Activation')
    throw new UnsupportedOp(`${call.className}: the glu activation of a layer is not synthesised`);
  const shape = call.inputShapes[0];
  const axis = (options.axis ?? -1) < 0 ? shape.length + (options.axis ?? -1) : options.axis!;
  const half = shape[axis] / 2;
  const slice = (from: number, to: number, name: string) =>
    call.op('Slice', [x, call.ints([from]), call.ints([to]), call.ints([axis])], sub(part, name));
  const gate = call.op('Sigmoid', [slice(half, 2 * half, 'gate')], sub(part, 'sigmoid'));
  return call.op('Mul', [slice(0, half, 'value'), gate], part);
}

const ACTIVATIONS: Record<string, Apply> = {
  relu: unary('Relu'),
  relu6: clip(0, 6),
  leaky_relu: (call, x, part, o) => call.op('LeakyRelu', [x], part, { alpha: { float: o.negativeSlope ?? 0.2 } }),
  elu: unary('Elu', { alpha: { float: 1 } }),
  selu: unary('Selu'),
  celu: unary('Celu', { alpha: { float: 1 } }),
  gelu,
  silu: (call, x, part) => times(call, x, call.op('Sigmoid', [x], sub(part, 'sigmoid')), part),
  swish: (call, x, part) => times(call, x, call.op('Sigmoid', [x], sub(part, 'sigmoid')), part),
  mish: (call, x, part) =>
    times(call, x, call.op('Tanh', [call.op('Softplus', [x], sub(part, 'softplus'))], sub(part, 'tanh')), part),
  sigmoid: unary('Sigmoid'),
  hard_sigmoid: (call, x, part) =>
    call.op('HardSigmoid', [x], part, {
      alpha: { float: call.framework === 'tfjs' ? 0.2 : 1 / 6 },
      beta: { float: 0.5 },
    }),
  hard_silu: unary('HardSwish'),
  hard_swish: unary('HardSwish'),
  tanh: unary('Tanh'),
  softmax: (call, x, part, o) => call.op('Softmax', [x], part, { axis: { int: o.axis ?? -1 } }),
  log_softmax: (call, x, part, o) => call.op('LogSoftmax', [x], part, { axis: { int: o.axis ?? -1 } }),
  softplus: unary('Softplus'),
  softsign: unary('Softsign'),
  exponential: unary('Exp'),
  tanh_shrink: (call, x, part) => call.op('Sub', [x, call.op('Tanh', [x], sub(part, 'tanh'))], part),
  hard_tanh: clip(-1, 1),
  log_sigmoid: (call, x, part) => call.op('Log', [call.op('Sigmoid', [x], sub(part, 'sigmoid'))], part),
  sparse_plus: sparsePlus,
  squareplus: (call, x, part) => {
    // (x + √(x² + b)) / 2 with Keras's default b = 4.
    const root = call.op(
      'Sqrt',
      [call.op('Add', [call.op('Mul', [x, x], sub(part, 'square')), call.scalar(4)], sub(part, 'plus_b'))],
      sub(part, 'sqrt'),
    );
    return call.op('Mul', [call.op('Add', [x, root], sub(part, 'sum')), call.scalar(0.5)], part);
  },
  glu,
};

/** Whether `name` is an activation this module writes. */
export function isKerasActivation(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(ACTIVATIONS, name) || name === 'linear';
}

/** Applies the activation `name` (null or 'linear': none) to x. */
export function applyActivation(
  call: KerasCall,
  x: string,
  name: string | null | undefined,
  part = 'activation',
  options: ActivationOptions = {},
): string {
  if (!name || name === 'linear') return x;
  if (name === '<callable>')
    throw new UnsupportedOp(`${call.className}: its activation is a Python function, whose operations are not known`);
  const apply = Object.prototype.hasOwnProperty.call(ACTIVATIONS, name) ? ACTIVATIONS[name] : undefined;
  if (!apply) throw new UnsupportedOp(`${call.className}: no ONNX form for the activation '${name}' yet`);
  return apply(call, x, part, options);
}

/** The ONNX recurrent-op activation of a Keras activation, with its alpha and beta where it takes them. */
export function recurrentActivation(
  name: string | null,
  framework: GraphFramework,
): { name: string; alpha?: number; beta?: number } {
  switch (name) {
    case 'sigmoid':
      return { name: 'Sigmoid' };
    case 'tanh':
      return { name: 'Tanh' };
    case 'relu':
      return { name: 'Relu' };
    case 'hard_sigmoid':
      return { name: 'HardSigmoid', alpha: framework === 'tfjs' ? 0.2 : 1 / 6, beta: 0.5 };
    case 'softsign':
      return { name: 'Softsign' };
    case 'softplus':
      return { name: 'Softplus' };
    case 'elu':
      return { name: 'Elu', alpha: 1 };
    case null:
    case 'linear':
      return { name: 'Affine', alpha: 1, beta: 0 };
    default:
      throw new UnsupportedOp(`the recurrent activation '${name}' has no form in ONNX's fused recurrent ops`);
  }
}
