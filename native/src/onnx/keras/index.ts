// Which emitter writes a Keras or TF.js layer call (both front ends share Keras's layers, op names and
// channels-last layouts), by the Keras class name the core records; ops between layers by their name.
import type { GraphFramework } from '../../../../server/src/core/report/graph';
import { type EmitContext, UnsupportedOp } from '../emit/context';
import { type KerasCall, configOf, innerCall, layerCall } from './call';
import { emitKerasConv } from './conv';
import {
  emitActivationLayer,
  emitDense,
  emitElu,
  emitEmbedding,
  emitIdentity,
  emitLeakyRelu,
  emitPermute,
  emitPrelu,
  emitRelu,
  emitRepeatVector,
  emitRescaling,
  emitReshapeLayer,
  emitSoftmaxLayer,
  emitThresholdedRelu,
} from './core';
import {
  emitCenterCrop,
  emitCropping,
  emitGlobalPool,
  emitPool,
  emitResizing,
  emitUpSampling,
  emitZeroPadding,
} from './spatial';
import { emitKerasBatchNorm, emitKerasGroupNorm, emitKerasLayerNorm, emitUnitNorm } from './norm';
import { emitConcatenate, emitDot, emitMerge } from './merge';
import { emitBidirectional, emitKerasRnn, type LayerRefConfig } from './recurrent';
import { emitDotAttention, emitMultiHeadAttention } from './attention';
import { emitKerasOp, isKerasOp } from './ops';

type Emitter = (call: KerasCall) => string[];

/** Layers that return their input at inference (dropout, noise, augmentation, masking). */
const IDENTITY = [
  'Dropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'SpatialDropout3D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
  'ActivityRegularization',
  'Identity',
  'Masking',
  'RandomFlip',
  'RandomRotation',
  'RandomZoom',
  'RandomTranslation',
  'RandomContrast',
  'RandomBrightness',
  'InputLayer',
];

const BY_NAME: Record<string, Emitter> = {
  Dense: emitDense,
  Embedding: emitEmbedding,
  Activation: emitActivationLayer,
  ReLU: emitRelu,
  LeakyReLU: emitLeakyRelu,
  ELU: emitElu,
  Softmax: emitSoftmaxLayer,
  PReLU: emitPrelu,
  ThresholdedReLU: emitThresholdedRelu,
  Flatten: emitReshapeLayer,
  Reshape: emitReshapeLayer,
  Permute: emitPermute,
  RepeatVector: emitRepeatVector,
  Rescaling: emitRescaling,
  Resizing: emitResizing,
  CenterCrop: emitCenterCrop,
  RandomCrop: emitCenterCrop,
  BatchNormalization: emitKerasBatchNorm,
  LayerNormalization: emitKerasLayerNorm,
  GroupNormalization: emitKerasGroupNorm,
  UnitNormalization: emitUnitNorm,
  Concatenate: emitConcatenate,
  Add: emitMerge,
  Subtract: emitMerge,
  Multiply: emitMerge,
  Average: emitMerge,
  Maximum: emitMerge,
  Minimum: emitMerge,
  Dot: emitDot,
  SimpleRNN: emitKerasRnn,
  LSTM: emitKerasRnn,
  GRU: emitKerasRnn,
  Bidirectional: emitBidirectional,
  TimeDistributed: emitTimeDistributed,
  MultiHeadAttention: emitMultiHeadAttention,
  Attention: emitDotAttention,
  AdditiveAttention: emitDotAttention,
  ...Object.fromEntries(IDENTITY.map((op) => [op, emitIdentity])),
};

const BY_PATTERN: [RegExp, Emitter][] = [
  [/^(Conv|DepthwiseConv|SeparableConv)[123]D(Transpose)?$/, emitKerasConv],
  [/^(Max|Average)Pooling[123]D$/, emitPool],
  [/^Global(Average|Max)Pooling[123]D$/, emitGlobalPool],
  [/^UpSampling[123]D$/, emitUpSampling],
  [/^ZeroPadding[123]D$/, emitZeroPadding],
  [/^Cropping[123]D$/, emitCropping],
];

function emitterOf(op: string): Emitter | undefined {
  return BY_NAME[op] ?? BY_PATTERN.find(([pattern]) => pattern.test(op))?.[1];
}

/** Writes one Keras / TF.js layer call or op; throws UnsupportedOp (with the reason) when there is no ONNX form. */
export function emitKerasLayer(ctx: EmitContext, framework: GraphFramework): void {
  const op = ctx.node.op;
  if (!ctx.node.layer) {
    if (isKerasOp(op)) return emitKerasOp(ctx, framework);
    throw new UnsupportedOp(`no ONNX form for the op '${op}' yet`);
  }
  const emitter = emitterOf(op);
  if (!emitter) throw new UnsupportedOp(`no ONNX form for the Keras layer ${op} yet`);
  const outputs = emitter(layerCall(ctx, framework));
  outputs.forEach((value, k) => ctx.output(k, value));
}

/** TimeDistributed(layer): the layer on (N·T, ...), its outputs unfolded back to (N, T, ...). */
function emitTimeDistributed(call: KerasCall): string[] {
  const ref = configOf<LayerRefConfig>(call).layer;
  const emitter = emitterOf(ref.op);
  if (!emitter) throw new UnsupportedOp(`TimeDistributed: no ONNX form for the Keras layer ${ref.op} yet`);
  const [n, t, ...rest] = call.inputShapes[0];
  const folded = call.op('Reshape', [call.inputs[0], call.ints([n * t, ...rest])], 'fold');
  const inner = innerCall(
    call,
    ref,
    {
      inputs: [folded],
      inputShapes: [[n * t, ...rest]],
      outputShapes: call.outputShapes.map(([a, b, ...others]) => [a * b, ...others]),
    },
    ref.name,
    ref.name,
  );
  return emitter(inner).map((y, k) => call.op('Reshape', [y, call.ints(call.outputShapes[k])], `unfold${k}`));
}
