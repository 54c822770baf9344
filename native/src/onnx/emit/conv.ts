// Convolutions as ONNX Conv / ConvTranspose: torch's kernel, stride, padding (numbers, 'same',
// 'valid', and the non-zero padding modes as an explicit Pad), dilation and groups.
import { type EmitContext, UnsupportedOp, intArg, onnxPads, tensorArg, tupleArg } from './context';

/** nn.Conv1d/2d/3d and F.conv1d/2d (weights passed in). */
export function emitConv(ctx: EmitContext): void {
  const nd = ctx.outputShape().length - 2;
  const functional = !ctx.node.layer;
  const weight = functional ? ctx.value(requiredTensor(ctx, 'weight', 1)) : ctx.weight('weight');
  const weightShape = functional ? ctx.tensor(requiredTensor(ctx, 'weight', 1)).shape! : weightShapeOf(ctx);
  const kernel = weightShape.slice(2);
  const stride = tupleArg(ctx.arg('stride', 3), nd, 1);
  const dilation = tupleArg(ctx.arg('dilation', 5), nd, 1);
  const groups = intArg(ctx.arg('groups', 6), 1);
  const padding = ctx.arg('padding', 4) ?? 0;
  const begin: number[] = [];
  const end: number[] = [];
  if (padding === 'same') {
    kernel.forEach((k, i) => {
      const total = dilation[i] * (k - 1);
      begin.push(Math.floor(total / 2));
      end.push(total - Math.floor(total / 2));
    });
  } else if (padding === 'valid') {
    begin.push(...Array(nd).fill(0));
    end.push(...Array(nd).fill(0));
  } else {
    const p = tupleArg(padding, nd, 0);
    begin.push(...p);
    end.push(...p);
  }
  let x = ctx.input(0);
  const mode = functional ? 'zeros' : String(ctx.arg('padding_mode') ?? 'zeros');
  if (mode !== 'zeros' && begin.some((p) => p > 0)) {
    x = explicitPad(ctx, x, begin, end, mode);
    begin.fill(0);
    end.fill(0);
  }
  const inputs = [x, weight];
  const bias = biasInput(ctx, functional);
  if (bias) inputs.push(bias);
  const y = ctx.op('Conv', inputs, undefined, {
    kernel_shape: { ints: kernel },
    strides: { ints: stride },
    dilations: { ints: dilation },
    pads: { ints: onnxPads(begin, end) },
    group: { int: groups },
  });
  ctx.output(0, y);
}

/** nn.ConvTranspose1d/2d/3d. */
export function emitConvTranspose(ctx: EmitContext): void {
  const nd = ctx.outputShape().length - 2;
  const weightShape = weightShapeOf(ctx);
  const kernel = weightShape.slice(2);
  const stride = tupleArg(ctx.arg('stride'), nd, 1);
  const padding = tupleArg(ctx.arg('padding'), nd, 0);
  const outputPadding = tupleArg(ctx.arg('output_padding'), nd, 0);
  const dilation = tupleArg(ctx.arg('dilation'), nd, 1);
  const inputs = [ctx.input(0), ctx.weight('weight')];
  if (ctx.hasWeight('bias')) inputs.push(ctx.weight('bias', { bound: 0.1 }));
  const y = ctx.op('ConvTranspose', inputs, undefined, {
    kernel_shape: { ints: kernel },
    strides: { ints: stride },
    dilations: { ints: dilation },
    pads: { ints: onnxPads(padding) },
    output_padding: { ints: outputPadding },
    group: { int: intArg(ctx.arg('groups'), 1) },
  });
  ctx.output(0, y);
}

function weightShapeOf(ctx: EmitContext): number[] {
  const shape = ctx.node.layer?.parameters.find((p) => p.name === 'weight')?.shape;
  if (!shape) throw new UnsupportedOp(`${ctx.node.op} has no weight of known shape`);
  return shape;
}

function requiredTensor(ctx: EmitContext, name: string, position: number): number {
  const id = tensorArg(ctx.arg(name, position));
  if (id === undefined) throw new UnsupportedOp(`${ctx.node.op}: its ${name} tensor was not recorded`);
  return id;
}

function biasInput(ctx: EmitContext, functional: boolean): string | undefined {
  if (!functional) return ctx.hasWeight('bias') ? ctx.weight('bias', { bound: 0.1 }) : undefined;
  const id = tensorArg(ctx.arg('bias', 2));
  return id === undefined ? undefined : ctx.value(id);
}

/** padding_mode 'reflect' / 'replicate' / 'circular': a Pad node before the convolution. */
function explicitPad(ctx: EmitContext, x: string, begin: number[], end: number[], mode: string): string {
  const onnxMode = mode === 'reflect' ? 'reflect' : mode === 'replicate' ? 'edge' : 'constant';
  if (mode === 'circular')
    ctx.note(`${ctx.node.path}: circular padding run as zero padding (opset 17 has no wrap mode)`);
  const pads = ctx.ints(onnxPads([0, 0, ...begin], [0, 0, ...end]));
  return ctx.op('Pad', [x, pads], 'pad', { mode: { string: onnxMode } });
}
