// Keras core layers: Dense (MatMul with Keras's (in, units) kernel as it is), Embedding (Gather),
// the activation layers, the reshaping layers (Flatten, Reshape, Permute, RepeatVector), Rescaling, and
// the layers that are the identity at inference (Dropout and noise, Masking, random augmentation).
import { UnsupportedOp } from '../emit/context';
import { applyActivation } from './activation';
import { type KerasCall, configOf, numberOf, onlyShape } from './call';

/** Dense: x·kernel + bias, then the activation (Gemm for a 2-D input). */
export function emitDense(call: KerasCall): string[] {
  const c = configOf<{ units: number; act: string | null; bias: boolean }>(call);
  const x = call.inputs[0];
  const kernel = call.weight('kernel');
  let y: string;
  if (onlyShape(call).length === 2) y = call.op('Gemm', c.bias ? [x, kernel, call.weight('bias')] : [x, kernel]);
  else {
    y = call.op('MatMul', [x, kernel]);
    if (c.bias) y = call.op('Add', [y, call.weight('bias')], 'bias');
  }
  return [applyActivation(call, y, c.act)];
}

/** Embedding: rows of the (input_dim, output_dim) table gathered by the (integer) input. */
export function emitEmbedding(call: KerasCall): string[] {
  const c = configOf<{ inputDim: number }>(call);
  call.indicesBelow(0, c.inputDim);
  const type = call.inputType(0);
  // Keras casts a float input to integers; ONNX's Gather takes int32 or int64 indices.
  const indices =
    type === 'int64' || type === 'int32'
      ? call.inputs[0]
      : call.op('Cast', [call.inputs[0]], 'indices', { to: { int: 7 } });
  return [call.op('Gather', [call.weight('embeddings'), indices], undefined, { axis: { int: 0 } })];
}

/** Activation(name). */
export function emitActivationLayer(call: KerasCall): string[] {
  const c = configOf<{ act: string | null }>(call);
  const x = call.inputs[0];
  const y = applyActivation(call, x, c.act, '');
  return [y === x ? call.op('Identity', [x]) : y];
}

/** ReLU(max_value, negative_slope, threshold). */
export function emitRelu(call: KerasCall): string[] {
  const max = call.args.max_value;
  const slope = numberOf(call.args.negative_slope, 0);
  const threshold = numberOf(call.args.threshold, 0);
  const x = call.inputs[0];
  let y: string;
  if (threshold !== 0) {
    // f(x) = x for x >= threshold, slope · (x − threshold) below it.
    const below = call.op('Mul', [call.op('Sub', [x, call.scalar(threshold)], 'shift'), call.scalar(slope)], 'below');
    y = call.op('Where', [call.op('GreaterOrEqual', [x, call.scalar(threshold)], 'above'), x, below]);
  } else y = slope === 0 ? call.op('Relu', [x]) : call.op('LeakyRelu', [x], undefined, { alpha: { float: slope } });
  if (typeof max === 'number') y = call.op('Min', [y, call.scalar(max)], 'max_value');
  return [y];
}

/** LeakyReLU(negative_slope) (TF.js: alpha). */
export function emitLeakyRelu(call: KerasCall): string[] {
  const slope = numberOf(call.args.alpha, numberOf(call.args.negative_slope, 0.3));
  return [call.op('LeakyRelu', [call.inputs[0]], undefined, { alpha: { float: slope } })];
}

/** ELU(alpha). */
export function emitElu(call: KerasCall): string[] {
  return [call.op('Elu', [call.inputs[0]], undefined, { alpha: { float: numberOf(call.args.alpha, 1) } })];
}

/** Softmax(axis). */
export function emitSoftmaxLayer(call: KerasCall): string[] {
  const axis = call.args.axis;
  if (Array.isArray(axis)) throw new UnsupportedOp('Softmax over several axes is not synthesised');
  return [call.op('Softmax', [call.inputs[0]], undefined, { axis: { int: numberOf(axis, -1) } })];
}

/** PReLU: one learned slope per element (shared axes of size 1 broadcast). */
export function emitPrelu(call: KerasCall): string[] {
  return [call.op('PRelu', [call.inputs[0], call.weight('alpha')])];
}

/** TF.js's thresholdedReLU(theta): x where x > theta, else 0. */
export function emitThresholdedRelu(call: KerasCall): string[] {
  const theta = numberOf(call.args.theta, 1);
  return [call.op('ThresholdedRelu', [call.inputs[0]], undefined, { alpha: { float: theta } })];
}

/** Flatten (channels_first inputs are moved to channels-last first, as Keras does) and Reshape. */
export function emitReshapeLayer(call: KerasCall): string[] {
  let x = call.inputs[0];
  const shape = onlyShape(call);
  if (call.className === 'Flatten' && call.args.data_format === 'channels_first' && shape.length > 2) {
    const perm = [0, ...Array.from({ length: shape.length - 2 }, (_, i) => i + 2), 1];
    x = call.op('Transpose', [x], 'channels_last', { perm: { ints: perm } });
  }
  return [call.op('Reshape', [x, call.ints(call.outputShapes[0])])];
}

/** Permute(dims): dims are 1-based over the axes after the batch. */
export function emitPermute(call: KerasCall): string[] {
  const dims = call.config;
  if (!Array.isArray(dims)) throw new UnsupportedOp('Permute: its dims were not recorded');
  return [call.op('Transpose', [call.inputs[0]], undefined, { perm: { ints: [0, ...(dims as number[])] } })];
}

/** RepeatVector(n): (N, F) → (N, n, F). */
export function emitRepeatVector(call: KerasCall): string[] {
  const lifted = call.op('Unsqueeze', [call.inputs[0], call.ints([1])], 'unsqueeze');
  return [call.op('Expand', [lifted, call.ints(call.outputShapes[0])])];
}

/** Rescaling(scale, offset): x · scale + offset. */
export function emitRescaling(call: KerasCall): string[] {
  const scale = call.args.scale;
  const offset = call.args.offset;
  if (typeof scale !== 'number' || (offset !== undefined && offset !== null && typeof offset !== 'number'))
    throw new UnsupportedOp('Rescaling with a per-channel scale or offset is not synthesised');
  const scaled = call.op('Mul', [call.inputs[0], call.scalar(scale)]);
  return [call.op('Add', [scaled, call.scalar(numberOf(offset, 0))], 'offset')];
}

/** Layers that return their input at inference. */
export function emitIdentity(call: KerasCall): string[] {
  if (call.className === 'Masking')
    call.note('Masking passes its input on; the masks it makes are not applied downstream');
  return [call.op('Identity', [call.inputs[0]])];
}
