// Keras normalisation: BatchNormalization (inference form with the moving statistics, the normalised
// axis moved to ONNX's channel position), LayerNormalization (ONNX's, or RMS scaling written out),
// GroupNormalization over channels-last groups, UnitNormalization (an L2 norm).
import { UnsupportedOp } from '../emit/context';
import { type KerasCall, configOf, numberOf, onlyShape } from './call';

interface NormConfig {
  axes: number[];
  center: boolean;
  scale: boolean;
  rms?: boolean;
  groups?: number;
}

/** The normalised axes, non-negative and sorted. */
function axesOf(c: NormConfig, rank: number): number[] {
  return c.axes.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
}

/** BatchNormalization(axis): x moved so that axis is dimension 1, ONNX's BatchNormalization, moved back. */
export function emitKerasBatchNorm(call: KerasCall): string[] {
  const c = configOf<NormConfig>(call);
  const shape = onlyShape(call);
  const axes = axesOf(c, shape.length);
  if (axes.length !== 1) throw new UnsupportedOp('BatchNormalization over several axes is not synthesised');
  const axis = axes[0];
  const channels = shape[axis];
  const perm = [0, axis, ...shape.map((_, i) => i).filter((i) => i !== 0 && i !== axis)];
  const moved = axis === 1;
  const x = moved ? call.inputs[0] : call.op('Transpose', [call.inputs[0]], 'to_axis1', { perm: { ints: perm } });
  const inputs = [
    x,
    c.scale ? call.weight('gamma', 'ones') : call.filled([channels], 1),
    c.center ? call.weight('beta', 'zeros') : call.filled([channels], 0),
    call.weight('moving_mean', 'zeros'),
    call.weight('moving_variance', 'ones'),
  ];
  const y = call.op('BatchNormalization', inputs, undefined, { epsilon: { float: numberOf(call.args.epsilon, 1e-3) } });
  if (moved) return [y];
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return [call.op('Transpose', [y], 'from_axis1', { perm: { ints: inverse } })];
}

/** LayerNormalization over trailing axes (RMS scaling: x / √(mean(x²) + ε) · γ). */
export function emitKerasLayerNorm(call: KerasCall): string[] {
  const c = configOf<NormConfig>(call);
  const shape = onlyShape(call);
  const axes = axesOf(c, shape.length);
  if (axes.some((a, i) => a !== shape.length - axes.length + i))
    throw new UnsupportedOp('LayerNormalization over axes that are not the last ones is not synthesised');
  const epsilon = numberOf(call.args.epsilon, 1e-3);
  const paramShape = axes.map((a) => shape[a]);
  const x = call.inputs[0];
  if (c.rms) {
    const meanSquare = call.op('ReduceMean', [call.op('Mul', [x, x], 'square')], 'mean_square', {
      axes: { ints: axes },
      keepdims: { int: 1 },
    });
    const rms = call.op('Sqrt', [call.op('Add', [meanSquare, call.scalar(epsilon)], 'eps')], 'rms');
    return [call.op('Mul', [call.op('Div', [x, rms], 'normalise'), call.weight('gamma', 'ones')], 'scale')];
  }
  const gamma = c.scale ? call.weight('gamma', 'ones') : call.filled(paramShape, 1);
  const inputs = c.center ? [x, gamma, call.weight('beta', 'zeros')] : [x, gamma];
  return [call.op('LayerNormalization', inputs, undefined, { axis: { int: axes[0] }, epsilon: { float: epsilon } })];
}

/** GroupNormalization(groups) on channels-last: statistics over the spatial axes and each group's channels. */
export function emitKerasGroupNorm(call: KerasCall): string[] {
  const c = configOf<NormConfig>(call);
  const shape = onlyShape(call);
  const axes = axesOf(c, shape.length);
  if (axes.length !== 1 || axes[0] !== shape.length - 1)
    throw new UnsupportedOp('GroupNormalization on an axis other than the last is not synthesised');
  const groups = c.groups ?? 32;
  const channels = shape[shape.length - 1];
  const positions = shape.slice(1, -1).reduce((a, b) => a * b, 1);
  const grouped = call.op(
    'Reshape',
    [call.inputs[0], call.ints([shape[0], positions, groups, channels / groups])],
    'group',
  );
  const stats = { axes: { ints: [1, 3] }, keepdims: { int: 1 } };
  const mean = call.op('ReduceMean', [grouped], 'mean', stats);
  const centred = call.op('Sub', [grouped, mean], 'centre');
  const variance = call.op('ReduceMean', [call.op('Mul', [centred, centred], 'square')], 'variance', stats);
  const std = call.op(
    'Sqrt',
    [call.op('Add', [variance, call.scalar(numberOf(call.args.epsilon, 1e-3))], 'eps')],
    'std',
  );
  let y = call.op('Reshape', [call.op('Div', [centred, std], 'normalise'), call.ints(shape)], 'ungroup');
  if (c.scale) y = call.op('Mul', [y, call.weight('gamma', 'ones')], 'gamma');
  if (c.center) y = call.op('Add', [y, call.weight('beta', 'zeros')], 'beta');
  return [y];
}

/** UnitNormalization(axis): x / ‖x‖₂ along the axis. */
export function emitUnitNorm(call: KerasCall): string[] {
  const axis = call.args.axis;
  if (Array.isArray(axis)) throw new UnsupportedOp('UnitNormalization over several axes is not synthesised');
  return [
    call.op('LpNormalization', [call.inputs[0]], undefined, { axis: { int: numberOf(axis, -1) }, p: { int: 2 } }),
  ];
}
