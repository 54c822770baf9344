// Which emitter writes a layer call, by the op name the core records (torch's class name for modules,
// the method or function name for ops).
import { type EmitContext, UnsupportedOp } from './context';
import { emitConv, emitConvTranspose } from './conv';
import { emitBilinear, emitEmbedding, emitEmbeddingBag, emitLinear, emitMatmul } from './dense';
import { emitBatchNorm, emitGroupNorm, emitInstanceNorm, emitLayerNorm, emitLocalResponseNorm } from './norm';
import { emitActivation, emitGlu, emitPrelu, emitSoftmax, isActivation } from './activation';
import {
  emitAdaptivePool,
  emitChannelShuffle,
  emitPad,
  emitPixelShuffle,
  emitPool,
  emitReshapeLayer,
  emitUpsample,
} from './pooling';
import {
  emitArithmetic,
  emitCat,
  emitMaskedFill,
  emitReduction,
  emitStack,
  isArithmetic,
  isReduction,
} from './tensorOps';
import { emitCell, emitRecurrent } from './recurrent';
import { emitMultiheadAttention, emitScaledDotProduct } from './attention';

type Emitter = (ctx: EmitContext) => void;

const BY_NAME: Record<string, Emitter> = {
  Linear: emitLinear,
  Bilinear: emitBilinear,
  matmul: emitMatmul,
  Embedding: emitEmbedding,
  EmbeddingBag: emitEmbeddingBag,
  LayerNorm: emitLayerNorm,
  GroupNorm: emitGroupNorm,
  LocalResponseNorm: emitLocalResponseNorm,
  PReLU: emitPrelu,
  GLU: emitGlu,
  Upsample: emitUpsample,
  UpsamplingNearest2d: emitUpsample,
  UpsamplingBilinear2d: emitUpsample,
  PixelShuffle: emitPixelShuffle,
  PixelUnshuffle: emitPixelShuffle,
  ChannelShuffle: emitChannelShuffle,
  pad: emitPad,
  Flatten: emitReshapeLayer,
  Unflatten: emitReshapeLayer,
  cat: emitCat,
  stack: emitStack,
  masked_fill: emitMaskedFill,
  LSTM: emitRecurrent,
  GRU: emitRecurrent,
  RNN: emitRecurrent,
  LSTMCell: emitCell,
  GRUCell: emitCell,
  RNNCell: emitCell,
  MultiheadAttention: emitMultiheadAttention,
  scaled_dot_product_attention: emitScaledDotProduct,
};

const BY_PATTERN: [RegExp, Emitter][] = [
  [/^Conv[123]d$/, emitConv],
  [/^ConvTranspose[123]d$/, emitConvTranspose],
  [/^(Sync)?BatchNorm([123]d)?$/, emitBatchNorm],
  [/^InstanceNorm[123]d$/, emitInstanceNorm],
  [/^(Max|Avg|LP)Pool[123]d$/, emitPool],
  [/^Adaptive(Max|Avg)Pool[123]d$/, emitAdaptivePool],
  [/^(Zero|Constant|Reflection|Replication|Circular)Pad[123]d$/, emitPad],
  [/^(Softmax|LogSoftmax|Softmin|Softmax2d|log_softmax)$/, emitSoftmax],
];

/** Writes one layer call; throws UnsupportedOp (with the reason) for an op with no ONNX form here. */
export function emitLayer(ctx: EmitContext, op: string): void {
  if (op === '?') throw new UnsupportedOp('an unresolved call has no architecture to synthesise');
  if (op === 'checkpoint')
    throw new UnsupportedOp('a pretrained checkpoint has no architecture here (use the exact export with torch)');
  // Elementwise names that also reduce (x.max(dim), x.logsumexp(dim)) are reductions when the shape changes.
  if (isReduction(ctx)) return emitReduction(ctx);
  if (op === 'softmax') return emitSoftmax(ctx);
  if (isArithmetic(op)) return emitArithmetic(ctx);
  if (isActivation(op)) return emitActivation(ctx);
  const emitter = BY_NAME[op] ?? BY_PATTERN.find(([pattern]) => pattern.test(op))?.[1];
  if (!emitter) throw new UnsupportedOp(`no ONNX form for '${op}' yet`);
  emitter(ctx);
}
