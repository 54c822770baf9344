// torch.nn.Linear, Bilinear and Identity: shape rules, parameters and MACs.
import {
  type LayerSpec, type TensorInfo, ShapeError, intArg, boolArg, numel, showShape,
} from '../layerSpec';

interface LinearConfig { inFeatures: number; outFeatures: number; bias: boolean }

/** y = x Wᵀ + b over the last dimension; MACs = output elements × in_features. */
export const Linear: LayerSpec<LinearConfig> = {
  op: 'Linear',
  args: [{ name: 'in_features', required: true }, { name: 'out_features', required: true }, { name: 'bias', default: true }],
  configure: (a) => ({ inFeatures: intArg(a, 'in_features'), outFeatures: intArg(a, 'out_features'), bias: boolArg(a, 'bias') }),
  parameters: (c) => [
    { name: 'weight', shape: [c.outFeatures, c.inFeatures] },
    ...(c.bias ? [{ name: 'bias', shape: [c.outFeatures] }] : []),
  ],
  forward(c, [x]) {
    requireLastDim(x, c.inFeatures, 'Linear');
    const shape = [...x.shape.slice(0, -1), c.outFeatures];
    const macs = numel(shape) * c.inFeatures;
    return { output: { shape, dtype: x.dtype }, macs, extraFlops: c.bias ? numel(shape) : 0 };
  },
};

/** Throws a ShapeError naming both sizes when the last dimension is not `expected`. */
export function requireLastDim(x: TensorInfo | undefined, expected: number, op: string): void {
  if (!x) throw new ShapeError(`${op} needs an input tensor`);
  const last = x.shape[x.shape.length - 1];
  if (x.shape.length === 0 || last !== expected) {
    throw new ShapeError(`${op} expects ${expected} input features but got ${last ?? 'a scalar'} (input shape ${showShape(x.shape)})`);
  }
}
