// The `activation=` argument of Keras layers: which names Keras accepts and what each costs per
// output element (read from the op-cost table through the matching torch activation).
import { opCost } from '../../../opCosts/opCosts';
import { LayerArgError, type KArg } from './spec';

/** Keras activation names → the op-costs.json entry that prices them (null: no work). */
export const ACTIVATION_OPS: Readonly<Record<string, string | null>> = {
  linear: null,
  relu: 'ReLU',
  relu6: 'ReLU6',
  leaky_relu: 'LeakyReLU',
  elu: 'ELU',
  selu: 'SELU',
  celu: 'CELU',
  gelu: 'GELU',
  silu: 'SiLU',
  swish: 'SiLU',
  mish: 'Mish',
  sigmoid: 'Sigmoid',
  hard_sigmoid: 'Hardsigmoid',
  hard_silu: 'Hardswish',
  hard_swish: 'Hardswish',
  tanh: 'Tanh',
  softmax: 'Softmax',
  log_softmax: 'LogSoftmax',
  softplus: 'Softplus',
  softsign: 'Softsign',
  exponential: 'keras.exponential',
  glu: 'GLU',
  sparse_plus: 'Softplus',
  squareplus: 'Softplus',
  tanh_shrink: 'Tanhshrink',
  hard_tanh: 'Hardtanh',
  log_sigmoid: 'LogSigmoid',
};

/** Marks a Python function value (keras.activations.relu, tf.nn.relu) that names an activation. */
export const ACTIVATION_PREFIX = 'activation:';

/** A configured activation: its name (null for none) or 'callable' for a Python function we cannot price. */
export type Activation = string | null;

/** Reads `activation=`: None, a name Keras knows, or an opaque callable (priced as unknown). */
export function readActivation(v: KArg | undefined): Activation {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string')
    throw new LayerArgError(`activation must be a string or a function, got ${JSON.stringify(v)}`);
  if (v === '<callable>') return v;
  const name = v.startsWith(ACTIVATION_PREFIX) ? v.slice(ACTIVATION_PREFIX.length) : v;
  if (!(name in ACTIVATION_OPS)) throw new LayerArgError(`Could not interpret activation function identifier: ${name}`);
  return ACTIVATION_OPS[name] === null ? null : name;
}

/** FLOPs of applying `act` to `outElems` elements; null when the activation is an unknown callable. */
export function activationFlops(act: Activation, outElems: number): number | null {
  if (act === null) return 0;
  if (act === '<callable>') return null;
  const op = ACTIVATION_OPS[act];
  const cost = op ? opCost(op) : undefined;
  return cost ? cost.flopsPerElement * outElems : null;
}

/** The bias-add plus activation FLOPs of a Dense/Conv-like layer. */
export function biasAndActivation(outElems: number, bias: boolean, act: Activation): number | null {
  const a = activationFlops(act, outElems);
  return a === null ? null : a + (bias ? outElems : 0);
}
