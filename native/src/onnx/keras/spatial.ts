// Keras spatial layers on channels-last inputs: Max/AveragePooling (ONNX's pools on channels-first,
// TensorFlow's 'same' padding), global pooling (a reduction over the spatial axes), UpSampling (Resize),
// ZeroPadding (Pad), Cropping and CenterCrop (Slice), Resizing (Resize).
import { UnsupportedOp } from '../emit/context';
import {
  type KerasCall,
  configOf,
  onlyShape,
  samePads,
  shapeChannelsFirst,
  toChannelsFirst,
  toChannelsLast,
} from './call';

/** Max/AveragePooling1D-3D; Keras's average over a 'same' window counts only the real elements, as ONNX's default. */
export function emitPool(call: KerasCall): string[] {
  const c = configOf<{ nd: number; pool: number[]; strides: number[]; padding: string; first: boolean }>(call);
  const rank = c.nd + 2;
  const inFirst = shapeChannelsFirst(onlyShape(call), c.first);
  const outFirst = shapeChannelsFirst(call.outputShapes[0], c.first);
  const pads = samePads(c.padding, inFirst.slice(2), outFirst.slice(2), c.pool, c.strides);
  const x = toChannelsFirst(call, call.inputs[0], rank, c.first);
  const y = call.op(call.className.startsWith('Max') ? 'MaxPool' : 'AveragePool', [x], undefined, {
    kernel_shape: { ints: c.pool },
    strides: { ints: c.strides },
    pads: { ints: [...pads.begin, ...pads.end] },
  });
  return [toChannelsLast(call, y, rank, c.first)];
}

/** GlobalAverage/MaxPooling1D-3D: the mean or max over every spatial axis. */
export function emitGlobalPool(call: KerasCall): string[] {
  const c = configOf<{ first: boolean; keepdims: boolean }>(call);
  const rank = onlyShape(call).length;
  const axes = c.first ? range(rank - 2, 2) : range(rank - 2, 1);
  const opType = call.className.startsWith('GlobalMax') ? 'ReduceMax' : 'ReduceMean';
  return [
    call.op(opType, [call.inputs[0]], undefined, { axes: { ints: axes }, keepdims: { int: c.keepdims ? 1 : 0 } }),
  ];
}

/** UpSampling1D-3D: each element repeated `size` times (nearest), or bilinear for UpSampling2D(interpolation=). */
export function emitUpSampling(call: KerasCall): string[] {
  const c = configOf<{ size: number[]; first: boolean }>(call);
  const rank = onlyShape(call).length;
  const linear = call.args.interpolation === 'bilinear';
  if (call.args.interpolation !== undefined && call.args.interpolation !== 'nearest' && !linear)
    throw new UnsupportedOp(`${call.className}: interpolation '${String(call.args.interpolation)}' is not synthesised`);
  const x = toChannelsFirst(call, call.inputs[0], rank, c.first);
  const y = call.op('Resize', [x, '', call.floats([1, 1, ...c.size])], undefined, {
    mode: { string: linear ? 'linear' : 'nearest' },
    coordinate_transformation_mode: { string: linear ? 'half_pixel' : 'asymmetric' },
    nearest_mode: { string: 'floor' },
  });
  return [toChannelsLast(call, y, rank, c.first)];
}

/** ZeroPadding1D-3D: zeros before and after each spatial axis. */
export function emitZeroPadding(call: KerasCall): string[] {
  const c = configOf<{ p: [number, number][]; first: boolean }>(call);
  const rank = onlyShape(call).length;
  const begin = Array(rank).fill(0);
  const end = Array(rank).fill(0);
  c.p.forEach(([b, e], i) => {
    const axis = c.first ? i + 2 : i + 1;
    begin[axis] = b;
    end[axis] = e;
  });
  return [call.op('Pad', [call.inputs[0], call.ints([...begin, ...end])])];
}

/** Cropping1D-3D: a Slice of each spatial axis. */
export function emitCropping(call: KerasCall): string[] {
  const c = configOf<{ p: [number, number][]; first: boolean }>(call);
  const shape = onlyShape(call);
  const axes = c.p.map((_, i) => (c.first ? i + 2 : i + 1));
  const starts = c.p.map(([b]) => b);
  const ends = c.p.map(([, e], i) => shape[axes[i]] - e);
  return [call.op('Slice', [call.inputs[0], call.ints(starts), call.ints(ends), call.ints(axes)])];
}

/** CenterCrop / RandomCrop (at inference, a centred crop): the middle (height, width) of the image. */
export function emitCenterCrop(call: KerasCall): string[] {
  const shape = onlyShape(call);
  const out = call.outputShapes[0];
  const axes = [shape.length - 3, shape.length - 2];
  if (axes.some((a) => out[a] > shape[a])) return emitResizing(call);
  const starts = axes.map((a) => Math.floor((shape[a] - out[a]) / 2));
  const ends = axes.map((a, i) => starts[i] + out[a]);
  return [call.op('Slice', [call.inputs[0], call.ints(starts), call.ints(ends), call.ints(axes)])];
}

/** Resizing(height, width): an image resize to the output size (bilinear unless stated). */
export function emitResizing(call: KerasCall): string[] {
  const shape = onlyShape(call);
  const rank = shape.length;
  const interpolation = call.args.interpolation ?? 'bilinear';
  const mode = interpolation === 'nearest' ? 'nearest' : 'linear';
  if (mode === 'linear' && interpolation !== 'bilinear')
    call.note(`${call.className}: '${String(interpolation)}' interpolation is computed as bilinear`);
  const x = call.op('Transpose', [call.inputs[0]], 'to_channels_first', {
    perm: { ints: [...range(rank - 3), rank - 1, rank - 3, rank - 2] },
  });
  const outFirst = [
    ...call.outputShapes[0].slice(0, rank - 3),
    shape[rank - 1],
    ...call.outputShapes[0].slice(rank - 3, rank - 1),
  ];
  const y = call.op('Resize', [x, '', '', call.ints(outFirst)], undefined, {
    mode: { string: mode },
    coordinate_transformation_mode: { string: 'half_pixel' },
  });
  return [
    call.op('Transpose', [y], 'to_channels_last', {
      perm: { ints: [...range(rank - 3), rank - 2, rank - 1, rank - 3] },
    }),
  ];
}

function range(n: number, from = 0): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}
