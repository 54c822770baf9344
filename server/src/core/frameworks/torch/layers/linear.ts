// torch.nn.Linear, Bilinear and Identity: shape rules, parameters and MACs.
import { type LayerSpec, type TensorInfo, ShapeError, intArg, boolArg, elementCount, showShape } from './layerSpec';
import { FACTORY_ARGS, firstInput, intAtLeast, tensorInput } from './common';

interface LinearConfig {
  inFeatures: number;
  outFeatures: number;
  bias: boolean;
}

/** y = x Wᵀ + b over the last dimension; MACs = output elements × in_features. */
export const Linear: LayerSpec<LinearConfig> = {
  op: 'Linear',
  args: [
    { name: 'in_features', required: true },
    { name: 'out_features', required: true },
    { name: 'bias', default: true },
    ...FACTORY_ARGS,
  ],
  configure: (a) => ({
    inFeatures: intArg(a, 'in_features'),
    outFeatures: intArg(a, 'out_features'),
    bias: boolArg(a, 'bias'),
  }),
  parameters: (c) => [
    { name: 'weight', shape: [c.outFeatures, c.inFeatures] },
    ...(c.bias ? [{ name: 'bias', shape: [c.outFeatures] }] : []),
  ],
  forward(c, [x]) {
    requireLastDim(x, c.inFeatures, 'Linear');
    const shape = [...x.shape.slice(0, -1), c.outFeatures];
    const macs = elementCount(shape) * c.inFeatures;
    return { output: { shape, dtype: x.dtype }, macs, extraFlops: c.bias ? elementCount(shape) : 0 };
  },
};

/** Throws a ShapeError naming both sizes when the last dimension is not `expected`. */
export function requireLastDim(x: TensorInfo | undefined, expected: number, op: string): void {
  if (!x) throw new ShapeError(`${op} needs an input tensor`);
  const last = x.shape[x.shape.length - 1];
  if (x.shape.length === 0 || last !== expected) {
    throw new ShapeError(
      `${op} expects ${expected} input features but got ${last ?? 'a scalar'} (input shape ${showShape(x.shape)})`,
    );
  }
}

interface BilinearConfig {
  in1: number;
  in2: number;
  outFeatures: number;
  bias: boolean;
}

/** y = x₁ᵀ A x₂ + b; MACs = N × out × in1 × in2 (N = product of the leading dims). */
export const Bilinear: LayerSpec<BilinearConfig> = {
  op: 'Bilinear',
  args: [
    { name: 'in1_features', required: true },
    { name: 'in2_features', required: true },
    { name: 'out_features', required: true },
    { name: 'bias', default: true },
    ...FACTORY_ARGS,
  ],
  configure: (a) => ({
    in1: intAtLeast(a, 'in1_features', 1),
    in2: intAtLeast(a, 'in2_features', 1),
    outFeatures: intAtLeast(a, 'out_features', 1),
    bias: boolArg(a, 'bias'),
  }),
  parameters: (c) => [
    { name: 'weight', shape: [c.outFeatures, c.in1, c.in2] },
    ...(c.bias ? [{ name: 'bias', shape: [c.outFeatures] }] : []),
  ],
  forward(c, inputs, kwargs) {
    const x1 = firstInput(inputs, 'Bilinear');
    const x2 = tensorInput(inputs, kwargs, 1, 'input2');
    if (!x2) throw new ShapeError('Bilinear needs two input tensors');
    requireLastDim(x1, c.in1, 'Bilinear');
    requireLastDim(x2, c.in2, 'Bilinear');
    const lead = x1.shape.slice(0, -1);
    if (showShape(lead) !== showShape(x2.shape.slice(0, -1))) {
      throw new ShapeError(
        `Bilinear inputs must match except in the last dim, got ${showShape(x1.shape)} and ${showShape(x2.shape)}`,
      );
    }
    const n = elementCount(lead);
    const shape = [...lead, c.outFeatures];
    return {
      output: { shape, dtype: x1.dtype },
      macs: n * c.outFeatures * c.in1 * c.in2,
      extraFlops: c.bias ? n * c.outFeatures : 0,
    };
  },
};

/**
 * A placeholder returning its input; torch's Identity(*args, **kwargs) ignores every argument,
 * so the spec declares the variadic markers `*args` and `**kwargs` for the binder.
 */
export const Identity: LayerSpec<Record<string, never>> = {
  op: 'Identity',
  args: [
    { name: '*args', default: [] },
    { name: '**kwargs', default: null },
  ],
  configure: () => ({}),
  parameters: () => [],
  forward: (_c, inputs) => ({ output: firstInput(inputs, 'Identity'), macs: 0 }),
};
