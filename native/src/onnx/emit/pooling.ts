// Pooling (max, average, LP, adaptive), resampling (Upsample / F.interpolate as Resize), pixel
// shuffles, padding layers and F.pad, Flatten / Unflatten, channel shuffle.
import { type EmitContext, UnsupportedOp, intArg, numberArg, onnxPads, tupleArg } from './context';

/** MaxPool / AvgPool / LPPool 1d-3d, as modules or through F. */
export function emitPool(ctx: EmitContext): void {
  const op = ctx.node.op;
  const nd = ctx.inputShape(0).length - 2;
  const kernel = tupleArg(ctx.arg('kernel_size'), nd);
  const strideArg = ctx.arg('stride');
  const stride =
    strideArg === null || strideArg === undefined || (Array.isArray(strideArg) && strideArg.length === 0)
      ? kernel
      : tupleArg(strideArg, nd);
  const padding = tupleArg(ctx.arg('padding'), nd, 0);
  const attributes: Parameters<EmitContext['op']>[3] = {
    kernel_shape: { ints: kernel },
    strides: { ints: stride },
    pads: { ints: onnxPads(padding) },
    ceil_mode: { int: ctx.arg('ceil_mode') ? 1 : 0 },
  };
  let onnxOp: string;
  if (op.startsWith('Max')) {
    onnxOp = 'MaxPool';
    attributes.dilations = { ints: tupleArg(ctx.arg('dilation'), nd, 1) };
  } else if (op.startsWith('Avg')) {
    onnxOp = 'AveragePool';
    attributes.count_include_pad = { int: ctx.arg('count_include_pad') === false ? 0 : 1 };
    if (ctx.arg('divisor_override') != null)
      ctx.note(`${ctx.node.path}: divisor_override ignored (no ONNX equivalent)`);
  } else {
    onnxOp = 'LpPool';
    delete attributes.ceil_mode;
    attributes.p = { int: intArg(ctx.arg('norm_type'), 2) };
  }
  ctx.output(0, ctx.op(onnxOp, [ctx.input(0)], undefined, attributes));
}

/**
 * AdaptiveAvgPool / AdaptiveMaxPool: a global pool for output 1, else a fixed window when the input
 * divides evenly; torch's uneven windows become the nearest fixed window (noted), same output shape.
 */
export function emitAdaptivePool(ctx: EmitContext): void {
  const input = ctx.inputShape(0);
  const output = ctx.outputShape();
  const spatialIn = input.slice(2);
  const spatialOut = output.slice(2);
  const max = ctx.node.op.includes('Max');
  if (spatialOut.every((o) => o === 1)) {
    ctx.output(0, ctx.op(max ? 'GlobalMaxPool' : 'GlobalAveragePool', [ctx.input(0)]));
    return;
  }
  const stride = spatialIn.map((n, i) => Math.floor(n / spatialOut[i]));
  const kernel = spatialIn.map((n, i) => n - (spatialOut[i] - 1) * stride[i]);
  if (spatialIn.some((n, i) => n % spatialOut[i] !== 0))
    ctx.note(`${ctx.node.path}: adaptive windows of uneven size run as a fixed ${kernel.join('x')} window`);
  const y = ctx.op(max ? 'MaxPool' : 'AveragePool', [ctx.input(0)], undefined, {
    kernel_shape: { ints: kernel },
    strides: { ints: stride },
  });
  ctx.output(0, y);
}

/** nn.Upsample, UpsamplingNearest2d / Bilinear2d and F.interpolate: Resize to the core's output size. */
export function emitUpsample(ctx: EmitContext): void {
  const fixed =
    ctx.node.op === 'UpsamplingNearest2d' ? 'nearest' : ctx.node.op === 'UpsamplingBilinear2d' ? 'bilinear' : null;
  const mode = fixed ?? String(ctx.arg('mode') ?? 'nearest');
  const alignCorners = ctx.node.op === 'UpsamplingBilinear2d' || ctx.arg('align_corners') === true;
  const onnxMode = mode.includes('linear') ? 'linear' : mode === 'bicubic' ? 'cubic' : 'nearest';
  const attributes: Parameters<EmitContext['op']>[3] = { mode: { string: onnxMode } };
  if (onnxMode === 'nearest') {
    attributes.coordinate_transformation_mode = { string: 'asymmetric' };
    attributes.nearest_mode = { string: 'floor' };
  } else {
    attributes.coordinate_transformation_mode = { string: alignCorners ? 'align_corners' : 'pytorch_half_pixel' };
  }
  const sizes = ctx.ints(ctx.outputShape());
  ctx.output(0, ctx.op('Resize', [ctx.input(0), '', '', sizes], undefined, attributes));
}

/** nn.PixelShuffle (DepthToSpace, CRD order as torch) and PixelUnshuffle (SpaceToDepth). */
export function emitPixelShuffle(ctx: EmitContext): void {
  const up = ctx.node.op === 'PixelShuffle';
  const factor = intArg(ctx.arg(up ? 'upscale_factor' : 'downscale_factor'));
  if (ctx.inputShape(0).length !== 4)
    throw new UnsupportedOp(`${ctx.node.op} on a tensor of rank ${ctx.inputShape(0).length}`);
  if (!up) ctx.note(`${ctx.node.path}: SpaceToDepth orders channels differently from torch (same shape and work)`);
  const y = ctx.op(up ? 'DepthToSpace' : 'SpaceToDepth', [ctx.input(0)], undefined, {
    blocksize: { int: factor },
    ...(up ? { mode: { string: 'CRD' } } : {}),
  });
  ctx.output(0, y);
}

/** nn.ChannelShuffle: reshape to groups, swap, reshape back. */
export function emitChannelShuffle(ctx: EmitContext): void {
  const shape = ctx.inputShape(0);
  const groups = intArg(ctx.arg('groups'));
  const grouped = ctx.op('Reshape', [ctx.input(0), ctx.ints([shape[0], groups, shape[1] / groups, ...shape.slice(2)])]);
  const perm = [0, 2, 1, ...shape.slice(2).map((_, i) => i + 3)];
  const swapped = ctx.op('Transpose', [grouped], 'swap', { perm: { ints: perm } });
  ctx.output(0, ctx.op('Reshape', [swapped, ctx.ints(shape)], 'back'));
}

/** Padding layers (ZeroPad2d, ReflectionPad1d, ...) and F.pad: Pad with torch's last-dimension-first pads. */
export function emitPad(ctx: EmitContext): void {
  const shape = ctx.inputShape(0);
  const op = ctx.node.op;
  const nd = ctx.node.layer ? Number(op.match(/(\d)d$/)?.[1] ?? 1) : undefined;
  const raw = ctx.node.layer ? ctx.arg('padding') : ctx.arg('pad', 1);
  const pairs = ctx.node.layer ? torchPadsOf(raw, nd!) : (raw as number[]);
  if (!Array.isArray(pairs) || pairs.some((p) => typeof p !== 'number'))
    throw new UnsupportedOp(`${op}: padding ${JSON.stringify(raw)} was not recorded`);
  const begin = shape.map(() => 0);
  const end = shape.map(() => 0);
  for (let i = 0; i < pairs.length / 2; i++) {
    begin[shape.length - 1 - i] = pairs[2 * i];
    end[shape.length - 1 - i] = pairs[2 * i + 1];
  }
  const modeArg = ctx.node.layer
    ? op.startsWith('Reflection')
      ? 'reflect'
      : op.startsWith('Replication')
        ? 'replicate'
        : op.startsWith('Circular')
          ? 'circular'
          : 'constant'
    : String(ctx.arg('mode', 2) ?? 'constant');
  const mode = modeArg === 'reflect' ? 'reflect' : modeArg === 'replicate' ? 'edge' : 'constant';
  if (modeArg === 'circular') ctx.note(`${ctx.node.path}: circular padding run as constant padding`);
  const value = numberArg(ctx.node.layer ? ctx.arg('value') : ctx.arg('value', 3), 0);
  const inputs = [ctx.input(0), ctx.ints(onnxPads(begin, end))];
  if (mode === 'constant') inputs.push(ctx.scalar(value));
  ctx.output(0, ctx.op('Pad', inputs, undefined, { mode: { string: mode } }));
}

/** A padding layer's `padding` argument as torch's flat (left, right, top, bottom, ...) list. */
function torchPadsOf(raw: unknown, nd: number): number[] {
  if (typeof raw === 'number') return Array(2 * nd).fill(raw);
  return raw as number[];
}

/** nn.Flatten, nn.Unflatten: a Reshape to the core's output shape. */
export function emitReshapeLayer(ctx: EmitContext): void {
  ctx.output(0, ctx.op('Reshape', [ctx.input(0), ctx.ints(ctx.outputShape())]));
}
