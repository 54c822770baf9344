// Keras recurrent layers (SimpleRNN, LSTM, GRU) and Bidirectional as ONNX's fused RNN / LSTM / GRU:
// Keras's kernels (features, gates·units) transposed to ONNX's (gates·units, features), LSTM's gate
// columns reordered from Keras's i, f, c, o to ONNX's i, o, f, c, GRU's reset_after=True as ONNX's
// linear_before_reset=1 with Keras's two bias rows (reset_after=False: one bias, the recurrent one zero),
// and the configured activations (TF.js's hard_sigmoid gates among them).
import type { PlainValue } from '../../../../server/src/core/report/graph';
import { UnsupportedOp } from '../emit/context';
import { recurrentActivation } from './activation';
import { type KerasCall, configOf, innerCall, onlyShape } from './call';

/** The core's RnnConfig (frameworks/keras/layers/recurrent.ts). */
interface RnnConfig {
  op: 'SimpleRNN' | 'LSTM' | 'GRU';
  units: number;
  bias: boolean;
  resetAfter: boolean;
  returnSequences: boolean;
  returnState: boolean;
  goBackwards: boolean;
  activation: string | null;
  recurrentActivation: string | null;
}

const GATES = { SimpleRNN: 1, LSTM: 4, GRU: 3 } as const;
const ONNX_OP = { SimpleRNN: 'RNN', LSTM: 'LSTM', GRU: 'GRU' } as const;
/** Keras's LSTM gate columns are i, f, c, o; ONNX's LSTM takes i, o, f, c. GRU's z, r, h agree. */
const LSTM_ORDER = [0, 3, 1, 2];

/** One direction of a fused node: the layer's call (for its weights) and configuration. */
interface Direction {
  call: KerasCall;
  config: RnnConfig;
}

/** A Keras weight with its gate blocks (along `axis`) put in ONNX's order. */
function reordered(d: Direction, value: string, axis: number, part: string): string {
  if (d.config.op !== 'LSTM') return value;
  const u = d.config.units;
  const pieces = d.call.ops('Split', [value, d.call.ints([u, u, u, u])], 4, `${part}_gates`, { axis: { int: axis } });
  return d.call.op(
    'Concat',
    LSTM_ORDER.map((i) => pieces[i]),
    `${part}_onnx_order`,
    { axis: { int: axis } },
  );
}

/** W, R and B of one direction in ONNX's layout, each with the leading direction axis of size 1. */
function onnxWeights(d: Direction): { w: string; r: string; b: string | undefined } {
  const { call, config } = d;
  const lift = (v: string, part: string) => call.op('Unsqueeze', [v, call.ints([0])], part);
  const transposed = (name: string) =>
    lift(
      call.op('Transpose', [reordered(d, call.weight(name), 1, name)], `${name}_t`, { perm: { ints: [1, 0] } }),
      `${name}_onnx`,
    );
  const w = transposed('kernel');
  const r = transposed('recurrent_kernel');
  if (!config.bias) return { w, r, b: undefined };
  const size = GATES[config.op] * config.units;
  if (config.op === 'GRU' && config.resetAfter) {
    // Keras's two rows are the input bias and the recurrent bias: ONNX's [Wb, Rb].
    return { w, r, b: call.op('Reshape', [call.weight('bias'), call.ints([1, 2 * size])], 'bias_onnx') };
  }
  const input = reordered(d, call.weight('bias'), 0, 'bias');
  const both = call.op('Concat', [input, call.filled([size], 0)], 'bias_and_zero_recurrent', { axis: { int: 0 } });
  return { w, r, b: lift(both, 'bias_onnx') };
}

/** The ONNX activations of every direction, in the order the op takes them, with their alphas and betas. */
function activations(
  directions: Direction[],
  framework: KerasCall['framework'],
): Record<string, { strings: string[] } | { floats: number[] }> {
  const names: string[] = [];
  const alphas: number[] = [];
  const betas: number[] = [];
  for (const { config } of directions) {
    const gate = config.op === 'SimpleRNN' ? [] : [config.recurrentActivation];
    const cell = config.op === 'LSTM' ? [config.activation, config.activation] : [config.activation];
    for (const name of [...gate, ...cell]) {
      const a = recurrentActivation(name, framework);
      names.push(a.name);
      if (a.alpha !== undefined) alphas.push(a.alpha);
      if (a.beta !== undefined) betas.push(a.beta);
    }
  }
  return {
    activations: { strings: names },
    ...(alphas.length ? { activation_alpha: { floats: alphas } } : {}),
    ...(betas.length ? { activation_beta: { floats: betas } } : {}),
  };
}

/** The fused node over the time-major input; returns Y [T, D, N, u], Y_h [D, N, u] and (LSTM) Y_c. */
function fused(call: KerasCall, directions: Direction[], timeMajor: string, direction: string): string[] {
  const first = directions[0].config;
  const weights = directions.map(onnxWeights);
  const stack = (values: string[], part: string) =>
    values.length === 1 ? values[0] : call.op('Concat', values, part, { axis: { int: 0 } });
  const w = stack(
    weights.map((x) => x.w),
    'W',
  );
  const r = stack(
    weights.map((x) => x.r),
    'R',
  );
  const biases = weights.map((x) => x.b);
  const b = biases.every((x) => x !== undefined) ? stack(biases as string[], 'B') : biases.some((x) => x) ? null : '';
  if (b === null) throw new UnsupportedOp('Bidirectional with a bias in one direction only is not synthesised');
  const attributes = {
    hidden_size: { int: first.units },
    direction: { string: direction },
    ...activations(directions, call.framework),
    ...(first.op === 'GRU' ? { linear_before_reset: { int: first.resetAfter ? 1 : 0 } } : {}),
  };
  const inputs = b ? [timeMajor, w, r, b] : [timeMajor, w, r];
  return call.ops(ONNX_OP[first.op], inputs, first.op === 'LSTM' ? 3 : 2, undefined, attributes);
}

/** The input (N, T, F) as ONNX's recurrent ops take it: (T, N, F). */
function timeMajor(call: KerasCall): string {
  const shape = onlyShape(call);
  if (shape.length !== 3) throw new UnsupportedOp(`${call.className} on an input of rank ${shape.length}`);
  return call.op('Transpose', [call.inputs[0]], 'time_major', { perm: { ints: [1, 0, 2] } });
}

/** SimpleRNN / LSTM / GRU. */
export function emitKerasRnn(call: KerasCall): string[] {
  const c = configOf<RnnConfig>(call);
  const [y, yh, yc] = fused(call, [{ call, config: c }], timeMajor(call), c.goBackwards ? 'reverse' : 'forward');
  const squeeze = (v: string, axis: number, part: string) => call.op('Squeeze', [v, call.ints([axis])], part);
  let output: string;
  if (c.returnSequences) {
    let sequence = squeeze(y, 1, 'sequence');
    // Keras returns a backwards layer's outputs in the order it computed them: last position first.
    if (c.goBackwards)
      sequence = call.op(
        'Slice',
        [sequence, call.ints([-1]), call.ints([-(2 ** 62)]), call.ints([0]), call.ints([-1])],
        'reversed',
      );
    output = call.op('Transpose', [sequence], 'batch_major', { perm: { ints: [1, 0, 2] } });
  } else output = squeeze(yh, 0, 'last');
  if (!c.returnState) return [output];
  const states = [squeeze(yh, 0, 'state_h')];
  if (c.op === 'LSTM') states.push(squeeze(yc, 0, 'state_c'));
  return [output, ...states];
}

/** A layer reference in a wrapper's configuration. */
export interface LayerRefConfig {
  layer: { op: string; name: string; config: PlainValue };
}

/** Bidirectional(layer, merge_mode): one fused node running both directions, outputs merged. */
export function emitBidirectional(call: KerasCall): string[] {
  const c = configOf<{ fwd: LayerRefConfig; bwd: LayerRefConfig; merge: string | null }>(call);
  const [fwd, bwd] = [c.fwd.layer, c.bwd.layer];
  const shapes = { inputs: call.inputs, inputShapes: call.inputShapes, outputShapes: [] };
  const directions: Direction[] = [
    {
      call: innerCall(call, fwd, shapes, `forward_${fwd.name}`, 'forward'),
      config: fwd.config as unknown as RnnConfig,
    },
    {
      call: innerCall(call, bwd, shapes, `backward_${bwd.name}`, 'backward'),
      config: bwd.config as unknown as RnnConfig,
    },
  ];
  const [f, b] = directions.map((d) => d.config);
  if (f.op !== b.op || f.units !== b.units || f.returnSequences !== b.returnSequences || f.goBackwards)
    throw new UnsupportedOp('Bidirectional with a backward layer unlike its forward one is not synthesised');
  const [y, yh, yc] = fused(call, directions, timeMajor(call), 'bidirectional');
  const [n] = onlyShape(call);
  const t = onlyShape(call)[1];
  // Both directions side by side on axis `axis`: (N, T, 2, u) for sequences, (N, 2, u) for last outputs.
  const both = f.returnSequences
    ? call.op('Transpose', [y], 'batch_major', { perm: { ints: [2, 0, 1, 3] } })
    : call.op('Transpose', [yh], 'batch_major', { perm: { ints: [1, 0, 2] } });
  const axis = f.returnSequences ? 2 : 1;
  const lead = f.returnSequences ? [n, t] : [n];
  const outputs = merged(call, both, axis, lead, f.units, c.merge);
  if (!f.returnState) return outputs;
  const pick = (v: string, d: number, part: string) =>
    call.op('Gather', [v, call.ints([d], [])], part, { axis: { int: 0 } });
  const states =
    f.op === 'LSTM'
      ? [pick(yh, 0, 'forward_h'), pick(yc, 0, 'forward_c'), pick(yh, 1, 'backward_h'), pick(yc, 1, 'backward_c')]
      : [pick(yh, 0, 'forward_h'), pick(yh, 1, 'backward_h')];
  return [...outputs, ...states];
}

/** The merge of both directions along `axis`: concat, sum, mul, ave, or both returned (merge_mode=None). */
function merged(
  call: KerasCall,
  both: string,
  axis: number,
  lead: number[],
  units: number,
  mode: string | null,
): string[] {
  if (mode === 'concat') return [call.op('Reshape', [both, call.ints([...lead, 2 * units])], 'concat')];
  if (mode === 'sum' || mode === 'ave')
    return [
      call.op(mode === 'sum' ? 'ReduceSum' : 'ReduceMean', mode === 'sum' ? [both, call.ints([axis])] : [both], mode, {
        ...(mode === 'ave' ? { axes: { ints: [axis] } } : {}),
        keepdims: { int: 0 },
      }),
    ];
  const [a, b] = call.ops('Split', [both, call.ints([1, 1])], 2, 'directions', { axis: { int: axis } });
  const squeeze = (v: string, part: string) => call.op('Squeeze', [v, call.ints([axis])], part);
  if (mode === 'mul') return [squeeze(call.op('Mul', [a, b], 'mul'), 'merged')];
  return [squeeze(a, 'forward'), squeeze(b, 'backward')];
}
