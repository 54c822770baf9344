// Keras convolutions (Conv1D-3D, their transposes, depthwise and separable) on channels-last inputs:
// the input transposed to channels-first, ONNX's Conv / ConvTranspose with Keras's kernel transposed to
// ONNX's layout (both folded into constants or cancelled out when the session optimises), then back.
import { UnsupportedOp } from '../emit/context';
import { applyActivation } from './activation';
import {
  type KerasCall,
  configOf,
  onlyShape,
  samePads,
  shapeChannelsFirst,
  toChannelsFirst,
  toChannelsLast,
} from './call';

/** The core's ConvConfig (frameworks/keras/layers/conv.ts). */
interface ConvConfig {
  nd: number;
  kind: 'conv' | 'transpose' | 'depthwise' | 'separable';
  filters: number;
  kernel: number[];
  strides: number[];
  padding: string;
  dilation: number[];
  groups: number;
  depthMultiplier: number;
  act: string | null;
  bias: boolean;
  channelsFirst: boolean;
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/** Keras kernel (...k, a, b) → ONNX (b, a, ...k): Conv's (out, in/groups, k) and ConvTranspose's (in, out, k). */
function kernelOnnx(call: KerasCall, name: string, nd: number, part: string): string {
  return call.op('Transpose', [call.weight(name)], part, { perm: { ints: [nd + 1, nd, ...range(nd)] } });
}

/** A depthwise kernel (...k, in, multiplier) → ONNX (in·multiplier, 1, ...k) for a grouped Conv. */
function depthwiseOnnx(call: KerasCall, name: string, c: ConvConfig, cin: number): string {
  const moved = call.op('Transpose', [call.weight(name)], 'depthwise_kernel', {
    perm: { ints: [c.nd, c.nd + 1, ...range(c.nd)] },
  });
  return call.op('Reshape', [moved, call.ints([cin * c.depthMultiplier, 1, ...c.kernel])], 'depthwise_kernel_shape');
}

/** Any Keras convolution; returns its output (channels-last unless the layer is channels_first). */
export function emitKerasConv(call: KerasCall): string[] {
  const c = configOf<ConvConfig>(call);
  const rank = c.nd + 2;
  const inFirst = shapeChannelsFirst(onlyShape(call), c.channelsFirst);
  const outFirst = shapeChannelsFirst(call.outputShapes[0], c.channelsFirst);
  const cin = inFirst[1];
  const x = toChannelsFirst(call, call.inputs[0], rank, c.channelsFirst);
  const bias = c.bias ? [call.weight('bias')] : [];
  const common = { kernel_shape: { ints: c.kernel }, strides: { ints: c.strides }, dilations: { ints: c.dilation } };
  let y: string;
  if (c.kind === 'transpose') y = transposed(call, c, x, inFirst, outFirst, bias);
  else {
    const pads = samePads(c.padding, inFirst.slice(2), outFirst.slice(2), c.kernel, c.strides, c.dilation);
    const padAttr = { pads: { ints: [...pads.begin, ...pads.end] } };
    if (c.kind === 'conv') {
      const w = kernelOnnx(call, 'kernel', c.nd, 'kernel');
      y = call.op('Conv', [x, w, ...bias], undefined, { ...common, ...padAttr, group: { int: c.groups } });
    } else if (c.kind === 'depthwise') {
      const w = depthwiseOnnx(call, 'kernel', c, cin);
      y = call.op('Conv', [x, w, ...bias], undefined, { ...common, ...padAttr, group: { int: cin } });
    } else {
      const w = depthwiseOnnx(call, 'depthwise_kernel', c, cin);
      const depthwise = call.op('Conv', [x, w], undefined, { ...common, ...padAttr, group: { int: cin } });
      const pointwise = kernelOnnx(call, 'pointwise_kernel', c.nd, 'pointwise_kernel');
      y = call.op('Conv', [depthwise, pointwise, ...bias], 'pointwise', {
        kernel_shape: { ints: c.kernel.map(() => 1) },
      });
    }
  }
  return [applyActivation(call, toChannelsLast(call, y, rank, c.channelsFirst), c.act)];
}

/**
 * Conv*DTranspose: ONNX's output is stride·(in − 1) + span − pads + output_padding; the pads (or an
 * output padding) are chosen to give exactly the core's output size.
 */
function transposed(
  call: KerasCall,
  c: ConvConfig,
  x: string,
  inFirst: number[],
  outFirst: number[],
  bias: string[],
): string {
  const begin: number[] = [];
  const end: number[] = [];
  const outputPadding: number[] = [];
  inFirst.slice(2).forEach((size, i) => {
    const span = (c.kernel[i] - 1) * c.dilation[i] + 1;
    const total = c.strides[i] * (size - 1) + span - outFirst[2 + i];
    if (total >= 0) {
      begin.push(Math.floor(total / 2));
      end.push(total - Math.floor(total / 2));
      outputPadding.push(0);
    } else {
      begin.push(0);
      end.push(0);
      outputPadding.push(-total);
    }
  });
  if (outputPadding.some((p, i) => p >= Math.max(c.strides[i], c.dilation[i])))
    throw new UnsupportedOp(`${call.className}: its output size cannot be written as an ONNX ConvTranspose`);
  const w = kernelOnnx(call, 'kernel', c.nd, 'kernel');
  return call.op('ConvTranspose', [x, w, ...bias], undefined, {
    kernel_shape: { ints: c.kernel },
    strides: { ints: c.strides },
    dilations: { ints: c.dilation },
    pads: { ints: [...begin, ...end] },
    output_padding: { ints: outputPadding },
  });
}
