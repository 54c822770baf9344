// Keras merge layers on a list of tensors: Concatenate (Concat), Add / Multiply / Average / Maximum /
// Minimum (ONNX's variadic Sum, Mul, Mean, Max, Min), Subtract, and Dot (an Einsum over the two axes).
import { UnsupportedOp } from '../emit/context';
import { type KerasCall, configOf } from './call';

const VARIADIC: Record<string, string> = { Add: 'Sum', Average: 'Mean', Maximum: 'Max', Minimum: 'Min' };

/** Concatenate(axis). */
export function emitConcatenate(call: KerasCall): string[] {
  const axis = typeof call.config === 'number' ? call.config : -1;
  return [call.op('Concat', call.inputs, undefined, { axis: { int: axis } })];
}

/** The elementwise merges. */
export function emitMerge(call: KerasCall): string[] {
  if (call.className === 'Subtract') return [call.op('Sub', call.inputs)];
  if (call.className === 'Multiply') {
    let y = call.inputs[0];
    call.inputs.slice(1).forEach((x, i) => (y = call.op('Mul', [y, x], i ? `mul${i}` : undefined)));
    return [y];
  }
  return [call.op(VARIADIC[call.className], call.inputs)];
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** Dot(axes, normalize): the batched dot product of two tensors along one axis each, as an Einsum. */
export function emitDot(call: KerasCall): string[] {
  const c = configOf<{ axes: [number, number]; normalize: boolean }>(call);
  const [xs, ys] = call.inputShapes;
  if (call.inputs.length !== 2) throw new UnsupportedOp('Dot of other than two tensors');
  const ax = c.axes[0] < 0 ? c.axes[0] + xs.length : c.axes[0];
  const ay = c.axes[1] < 0 ? c.axes[1] + ys.length : c.axes[1];
  // The batch letter, then distinct letters for x's axes and y's, the contracted pair sharing one.
  const xLetters = xs.map((_, i) => (i === 0 ? 'a' : LETTERS[i + 1]));
  const yLetters = ys.map((_, i) => (i === 0 ? 'a' : i === ay ? xLetters[ax] : LETTERS[xs.length + i + 1]));
  const out = [...xLetters.filter((_, i) => i !== ax), ...yLetters.filter((_, i) => i !== 0 && i !== ay)];
  let [x, y] = call.inputs;
  if (c.normalize) {
    x = call.op('LpNormalization', [x], 'normalize_x', { axis: { int: ax }, p: { int: 2 } });
    y = call.op('LpNormalization', [y], 'normalize_y', { axis: { int: ay }, p: { int: 2 } });
  }
  const product = call.op('Einsum', [x, y], undefined, {
    equation: { string: `${xLetters.join('')},${yLetters.join('')}->${out.join('')}` },
  });
  // A result with only the batch axis left is (N, 1) in Keras.
  return [out.length === 1 ? call.op('Reshape', [product, call.ints(call.outputShapes[0])], 'shape') : product];
}
