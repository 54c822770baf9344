// torch.nn.Embedding and EmbeddingBag: lookup tables fed integer index tensors; no MACs (a gather),
// EmbeddingBag adds its bag reduction as elementwise work.
import {
  type ArgValue,
  type LayerSpec,
  type TensorInfo,
  LayerArgError,
  ShapeError,
  boolArg,
  elementCount,
  showShape,
} from './layerSpec';
import { FACTORY_ARGS, firstInput, intAtLeast, optIntArg, strArg, tensorInput } from './common';

interface EmbeddingConfig {
  num: number;
  dim: number;
  paddingIdx: number | null;
}
interface EmbeddingBagConfig extends EmbeddingConfig {
  mode: string;
  includeLastOffset: boolean;
}

/** Validates num_embeddings, embedding_dim and padding_idx ∈ [−num, num). */
function configureTable(a: Record<string, ArgValue>): EmbeddingConfig {
  const num = intAtLeast(a, 'num_embeddings', 0);
  const dim = intAtLeast(a, 'embedding_dim', 0);
  const paddingIdx = optIntArg(a, 'padding_idx');
  if (paddingIdx !== null && (paddingIdx < -num || paddingIdx >= num)) {
    throw new LayerArgError(`padding_idx must be within num_embeddings (${num}), got ${paddingIdx}`);
  }
  return { num, dim, paddingIdx };
}

/** Throws unless `x` holds integer indices, as torch's embedding kernels require. */
function requireIndices(x: TensorInfo, op: string): void {
  if (x.dtype !== 'int64' && x.dtype !== 'int32') {
    throw new ShapeError(
      `${op} expects an integer (Long or Int) index tensor but got ${x.dtype} of shape ${showShape(x.shape)}`,
    );
  }
}

const weightOf = (c: EmbeddingConfig) => [{ name: 'weight', shape: [c.num, c.dim] }];

/** Embedding: output shape = input shape + [embedding_dim]; a pure gather (0 MACs, 0 FLOPs). */
export const Embedding: LayerSpec<EmbeddingConfig> = {
  op: 'Embedding',
  args: [
    { name: 'num_embeddings', required: true },
    { name: 'embedding_dim', required: true },
    { name: 'padding_idx', default: null },
    { name: 'max_norm', default: null },
    { name: 'norm_type', default: 2.0 },
    { name: 'scale_grad_by_freq', default: false },
    { name: 'sparse', default: false },
    { name: '_weight', default: null },
    { name: '_freeze', default: false },
    ...FACTORY_ARGS,
  ],
  configure: configureTable,
  parameters: weightOf,
  forward(c, inputs) {
    const x = firstInput(inputs, 'Embedding');
    requireIndices(x, 'Embedding');
    return { output: { shape: [...x.shape, c.dim], dtype: 'float32' }, macs: 0, extraFlops: 0 };
  },
};

/**
 * EmbeddingBag: a 2-D input (B, N) gives (B, dim); a 1-D input needs `offsets` and gives
 * (len(offsets) [− 1 with include_last_offset], dim). FLOPs: one add (or comparison, for max) per
 * gathered value, plus one divide per output value for mode='mean'.
 */
export const EmbeddingBag: LayerSpec<EmbeddingBagConfig> = {
  op: 'EmbeddingBag',
  args: [
    { name: 'num_embeddings', required: true },
    { name: 'embedding_dim', required: true },
    { name: 'max_norm', default: null },
    { name: 'norm_type', default: 2.0 },
    { name: 'scale_grad_by_freq', default: false },
    { name: 'mode', default: 'mean' },
    { name: 'sparse', default: false },
    { name: '_weight', default: null },
    { name: 'include_last_offset', default: false },
    { name: 'padding_idx', default: null },
    ...FACTORY_ARGS,
  ],
  configure: (a) => ({
    ...configureTable(a),
    mode: strArg(a, 'mode', ['sum', 'mean', 'max']),
    includeLastOffset: boolArg(a, 'include_last_offset'),
  }),
  parameters: weightOf,
  forward(c, inputs, kwargs) {
    const x = firstInput(inputs, 'EmbeddingBag');
    requireIndices(x, 'EmbeddingBag');
    const bags = bagCount(c, x, tensorInput(inputs, kwargs, 1, 'offsets'));
    const shape = [bags, c.dim];
    const extraFlops = elementCount(x.shape) * c.dim + (c.mode === 'mean' ? elementCount(shape) : 0);
    return { output: { shape, dtype: 'float32' }, macs: 0, extraFlops };
  },
};

/** Number of bags an EmbeddingBag input describes. */
function bagCount(c: EmbeddingBagConfig, x: TensorInfo, offsets: TensorInfo | undefined): number {
  if (x.shape.length === 2) {
    if (offsets) throw new ShapeError('EmbeddingBag: offsets has to be None if input is 2D');
    return x.shape[0];
  }
  if (x.shape.length !== 1) {
    throw new ShapeError(
      `EmbeddingBag expects a 1-D or 2-D input but got a ${x.shape.length}-D input of shape ${showShape(x.shape)}`,
    );
  }
  if (!offsets || offsets.shape.length !== 1) {
    throw new ShapeError('EmbeddingBag: a 1-D input needs a 1-D offsets tensor');
  }
  return offsets.shape[0] - (c.includeLastOffset ? 1 : 0);
}
