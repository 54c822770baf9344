// torch.nn activation layers: elementwise functions whose output shape is the input's (GLU halves a
// dim). No MACs; their per-element FLOPs are in cost/op-costs.json. PReLU is the one with parameters.
import { type ArgSpec, type ArgValue, type LayerSpec, LayerArgError, ShapeError, intArg, showShape } from './layerSpec';
import { FACTORY_ARGS, firstInput, floatArg, intAtLeast, normDim, optFloatArg, requireRank, strArg } from './common';

type Args = Record<string, ArgValue>;

const INPLACE: ArgSpec = { name: 'inplace', default: false };

/** Builds an elementwise activation: `check` validates the bound arguments; `ranks` limits inputs. */
function activation(op: string, args: ArgSpec[] = [], check?: (a: Args) => void, ranks?: number[]): LayerSpec<Args> {
  return {
    op,
    args,
    configure: (a) => {
      check?.(a);
      return a;
    },
    parameters: () => [],
    forward(_c, inputs) {
      const x = firstInput(inputs, op);
      if (ranks) requireRank(x, ranks, op);
      return { output: { shape: [...x.shape], dtype: x.dtype }, macs: 0 };
    },
  };
}

/** Reads the float arguments `names`, rejecting non-numbers. */
const numbers =
  (...names: string[]) =>
  (a: Args) =>
    names.forEach((n) => floatArg(a, n));

/** torch.nn.ReLU(inplace). */
export const ReLU = activation('ReLU', [INPLACE]);
/** torch.nn.ReLU6(inplace). */
export const ReLU6 = activation('ReLU6', [INPLACE]);
/** torch.nn.LeakyReLU(negative_slope=0.01, inplace). */
export const LeakyReLU = activation(
  'LeakyReLU',
  [{ name: 'negative_slope', default: 0.01 }, INPLACE],
  numbers('negative_slope'),
);
/** torch.nn.RReLU(lower=1/8, upper=1/3, inplace) — counted at inference (a fixed slope). */
export const RReLU = activation(
  'RReLU',
  [{ name: 'lower', default: 1 / 8 }, { name: 'upper', default: 1 / 3 }, INPLACE],
  numbers('lower', 'upper'),
);
/** torch.nn.ELU(alpha=1.0, inplace). */
export const ELU = activation('ELU', [{ name: 'alpha', default: 1.0 }, INPLACE], numbers('alpha'));
/** torch.nn.SELU(inplace). */
export const SELU = activation('SELU', [INPLACE]);
/** torch.nn.CELU(alpha=1.0, inplace). */
export const CELU = activation('CELU', [{ name: 'alpha', default: 1.0 }, INPLACE], numbers('alpha'));
/** torch.nn.GELU(approximate='none' | 'tanh'). */
export const GELU = activation('GELU', [{ name: 'approximate', default: 'none' }], (a) =>
  strArg(a, 'approximate', ['none', 'tanh']),
);
/** torch.nn.SiLU(inplace). */
export const SiLU = activation('SiLU', [INPLACE]);
/** torch.nn.Mish(inplace). */
export const Mish = activation('Mish', [INPLACE]);
/** torch.nn.Hardswish(inplace). */
export const Hardswish = activation('Hardswish', [INPLACE]);
/** torch.nn.Hardsigmoid(inplace). */
export const Hardsigmoid = activation('Hardsigmoid', [INPLACE]);
/** torch.nn.Hardtanh(min_val=-1, max_val=1, inplace, min_value, max_value); needs max_val > min_val. */
export const Hardtanh = activation(
  'Hardtanh',
  [
    { name: 'min_val', default: -1.0 },
    { name: 'max_val', default: 1.0 },
    INPLACE,
    { name: 'min_value', default: null },
    { name: 'max_value', default: null },
  ],
  (a) => {
    const lo = optFloatArg(a, 'min_value') ?? floatArg(a, 'min_val');
    const hi = optFloatArg(a, 'max_value') ?? floatArg(a, 'max_val');
    if (!(hi > lo)) throw new LayerArgError(`Hardtanh: max_val (${hi}) must be greater than min_val (${lo})`);
  },
);
/** torch.nn.Sigmoid(). */
export const Sigmoid = activation('Sigmoid');
/** torch.nn.Tanh(). */
export const Tanh = activation('Tanh');
/** torch.nn.LogSigmoid(). */
export const LogSigmoid = activation('LogSigmoid');
/** torch.nn.Softplus(beta=1, threshold=20). */
export const Softplus = activation(
  'Softplus',
  [
    { name: 'beta', default: 1.0 },
    { name: 'threshold', default: 20.0 },
  ],
  numbers('beta', 'threshold'),
);
/** torch.nn.Softsign(). */
export const Softsign = activation('Softsign');
/** torch.nn.Tanhshrink(). */
export const Tanhshrink = activation('Tanhshrink');
/** torch.nn.Hardshrink(lambd=0.5). */
export const Hardshrink = activation('Hardshrink', [{ name: 'lambd', default: 0.5 }], numbers('lambd'));
/** torch.nn.Softshrink(lambd=0.5). */
export const Softshrink = activation('Softshrink', [{ name: 'lambd', default: 0.5 }], numbers('lambd'));
/** torch.nn.Threshold(threshold, value, inplace). */
export const Threshold = activation(
  'Threshold',
  [{ name: 'threshold', required: true }, { name: 'value', required: true }, INPLACE],
  numbers('threshold', 'value'),
);
/** torch.nn.Softmax2d(): softmax over channels of a (N, C, H, W) or (C, H, W) input. */
export const Softmax2d = activation('Softmax2d', [], undefined, [3, 4]);

/**
 * torch's implicit softmax dim for dim=None (deprecated but still accepted): 0 for 0-, 1- and 3-D
 * inputs, else 1.
 */
function legacySoftmaxDim(rank: number): number {
  return rank === 0 || rank === 1 || rank === 3 ? 0 : 1;
}

/** Softmax / LogSoftmax / Softmin(dim=None): validates dim against the input rank. */
function softmaxSpec(op: string): LayerSpec<{ dim: number | null }> {
  return {
    op,
    args: [{ name: 'dim', default: null }],
    configure: (a) => ({ dim: a.dim === null ? null : intArg(a, 'dim') }),
    parameters: () => [],
    forward(c, inputs) {
      const x = firstInput(inputs, op);
      normDim(c.dim ?? legacySoftmaxDim(x.shape.length), x.shape.length, op);
      return { output: { shape: [...x.shape], dtype: x.dtype }, macs: 0 };
    },
  };
}

/** torch.nn.Softmax(dim). */
export const Softmax = softmaxSpec('Softmax');
/** torch.nn.LogSoftmax(dim). */
export const LogSoftmax = softmaxSpec('LogSoftmax');
/** torch.nn.Softmin(dim). */
export const Softmin = softmaxSpec('Softmin');

/** PReLU(num_parameters=1, init=0.25): a learnt slope per channel (dim 1; a 0-D or 1-D input has 1 channel). */
export const PReLU: LayerSpec<{ num: number }> = {
  op: 'PReLU',
  args: [{ name: 'num_parameters', default: 1 }, { name: 'init', default: 0.25 }, ...FACTORY_ARGS],
  configure: (a) => {
    floatArg(a, 'init');
    return { num: intAtLeast(a, 'num_parameters', 1) };
  },
  parameters: (c) => [{ name: 'weight', shape: [c.num] }],
  forward(c, inputs) {
    const x = firstInput(inputs, 'PReLU');
    const channels = x.shape.length >= 2 ? x.shape[1] : 1;
    if (c.num > 1 && channels !== c.num) {
      throw new ShapeError(
        `PReLU: mismatch of parameter numbers and input channel size. Found parameter numbers = ${c.num} and channel size = ${channels} (input shape ${showShape(x.shape)})`,
      );
    }
    return { output: { shape: [...x.shape], dtype: x.dtype }, macs: 0 };
  },
};

/** GLU(dim=-1): a ⊗ σ(b) over the two halves of `dim`, which must be even; output halves it. */
export const GLU: LayerSpec<{ dim: number }> = {
  op: 'GLU',
  args: [{ name: 'dim', default: -1 }],
  configure: (a) => ({ dim: intArg(a, 'dim') }),
  parameters: () => [],
  forward(c, inputs) {
    const x = firstInput(inputs, 'GLU');
    const dim = normDim(c.dim, x.shape.length, 'GLU');
    if (x.shape[dim] % 2 !== 0) {
      throw new ShapeError(`GLU: halving dimension must be even, but dimension ${dim} is size ${x.shape[dim]}`);
    }
    const shape = x.shape.map((d, i) => (i === dim ? d / 2 : d));
    return { output: { shape, dtype: x.dtype }, macs: 0 };
  },
};
