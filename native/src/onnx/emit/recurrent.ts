// Recurrent layers: LSTM / GRU / RNN as ONNX's fused LSTM / GRU / RNN, one node per layer (both
// directions in one), the weights built from torch's per-layer tensors; an LSTM with proj_size as a
// Scan over one step's MatMuls; LSTMCell / GRUCell / RNNCell as one step of the same ops.
import { OnnxGraph } from '../onnxGraph';
import { type EmitContext, intArg } from './context';

type Kind = 'LSTM' | 'GRU' | 'RNN';

/** nn.LSTM / nn.GRU / nn.RNN over a whole sequence. */
export function emitRecurrent(ctx: EmitContext): void {
  const kind = ctx.node.op as Kind;
  const hidden = intArg(ctx.arg('hidden_size'));
  const layers = intArg(ctx.arg('num_layers'), 1);
  const directions = ctx.arg('bidirectional') ? 2 : 1;
  const batchFirst = ctx.arg('batch_first') === true;
  const projection = kind === 'LSTM' ? intArg(ctx.arg('proj_size'), 0) : 0;
  const inputShape = ctx.inputShape(0);
  const unbatched = inputShape.length === 2;
  let x = ctx.input(0);
  if (unbatched) x = ctx.op('Unsqueeze', [x, ctx.ints([1])], 'batch');
  else if (batchFirst) x = ctx.op('Transpose', [x], 'time_major', { perm: { ints: [1, 0, 2] } });
  const finals: string[][] = [[], []];
  for (let layer = 0; layer < layers; layer++) {
    const step =
      projection > 0
        ? projectedLayer(ctx, x, layer, directions, hidden, projection)
        : fusedLayer(ctx, kind, x, layer, directions, hidden);
    x = step.sequence;
    step.finals.forEach((f, i) => finals[i].push(f));
  }
  let output = x;
  if (unbatched) output = ctx.op('Squeeze', [output, ctx.ints([1])], 'unbatch');
  else if (batchFirst) output = ctx.op('Transpose', [output], 'batch_major', { perm: { ints: [1, 0, 2] } });
  ctx.output(0, output);
  const stateCount = kind === 'LSTM' ? 2 : 1;
  for (let s = 0; s < stateCount; s++) {
    let state = finals[s].length > 1 ? ctx.op('Concat', finals[s], `state${s}`, { axis: { int: 0 } }) : finals[s][0];
    if (unbatched) state = ctx.op('Squeeze', [state, ctx.ints([1])], `state${s}_unbatch`);
    ctx.output(1 + s, state);
  }
}

/** One layer of ONNX LSTM / GRU / RNN; returns the sequence [seq, batch, D·H] and the final states [D, batch, H]. */
function fusedLayer(
  ctx: EmitContext,
  kind: Kind,
  x: string,
  layer: number,
  directions: number,
  hidden: number,
): { sequence: string; finals: string[] } {
  const suffixes = directions === 2 ? ['', '_reverse'] : [''];
  const stack = (name: string) =>
    concatDirections(
      ctx,
      suffixes.map((s) => ctx.weight(`${name}_l${layer}${s}`)),
      `${name}_l${layer}`,
    );
  const inputs = [x, stack('weight_ih'), stack('weight_hh')];
  if (ctx.hasWeight(`bias_ih_l${layer}`)) {
    const biases = suffixes.map((s) =>
      ctx.op(
        'Concat',
        [ctx.weight(`bias_ih_l${layer}${s}`, { bound: 0.1 }), ctx.weight(`bias_hh_l${layer}${s}`, { bound: 0.1 })],
        `bias_l${layer}${s}`,
        { axis: { int: 0 } },
      ),
    );
    inputs.push(concatDirections(ctx, biases, `bias_l${layer}`));
  }
  const attributes: Parameters<EmitContext['op']>[3] = {
    hidden_size: { int: hidden },
    direction: { string: directions === 2 ? 'bidirectional' : 'forward' },
  };
  if (kind === 'GRU') attributes.linear_before_reset = { int: 1 };
  if (kind === 'RNN') {
    const act = ctx.arg('nonlinearity') === 'relu' ? 'Relu' : 'Tanh';
    attributes.activations = { strings: Array(directions).fill(act) };
  }
  const outputs = ctx.ops(kind, inputs, kind === 'LSTM' ? 3 : 2, `l${layer}`, attributes);
  // Y is [seq, D, batch, H]: torch's layout is [seq, batch, D·H].
  const shape = ctx.inputShape(0);
  const seq = shape.length === 2 ? shape[0] : ctx.arg('batch_first') === true ? shape[1] : shape[0];
  const batch = shape.length === 2 ? 1 : ctx.arg('batch_first') === true ? shape[0] : shape[1];
  const swapped = ctx.op('Transpose', [outputs[0]], `l${layer}_y`, { perm: { ints: [0, 2, 1, 3] } });
  const sequence = ctx.op('Reshape', [swapped, ctx.ints([seq, batch, directions * hidden])], `l${layer}_seq`);
  return { sequence, finals: outputs.slice(1) };
}

function concatDirections(ctx: EmitContext, tensors: string[], part: string): string {
  const axes = ctx.ints([0]);
  const lifted = tensors.map((t, i) => ctx.op('Unsqueeze', [t, axes], `${part}_d${i}`));
  return lifted.length === 1 ? lifted[0] : ctx.op('Concat', lifted, part, { axis: { int: 0 } });
}

/**
 * An LSTM layer with a projection (proj_size > 0), which ONNX's LSTM lacks: a Scan per direction whose
 * body is one step: gates = x·Wihᵀ + h·Whhᵀ + b, the cell update, then h = (o·tanh(c))·Whrᵀ.
 */
function projectedLayer(
  ctx: EmitContext,
  x: string,
  layer: number,
  directions: number,
  hidden: number,
  projection: number,
): { sequence: string; finals: string[] } {
  const shape = ctx.inputShape(0);
  const batch = shape.length === 2 ? 1 : ctx.arg('batch_first') === true ? shape[0] : shape[1];
  const sequences: string[] = [];
  const finals: string[][] = [[], []];
  for (let d = 0; d < directions; d++) {
    const s = d === 1 ? '_reverse' : '';
    const t = (name: string) =>
      ctx.op('Transpose', [ctx.weight(`${name}_l${layer}${s}`)], `${name}_l${layer}${s}_t`, { perm: { ints: [1, 0] } });
    const weights = { ih: t('weight_ih'), hh: t('weight_hh'), hr: t('weight_hr') };
    const bias = ctx.hasWeight(`bias_ih_l${layer}`)
      ? ctx.op(
          'Add',
          [ctx.weight(`bias_ih_l${layer}${s}`, { bound: 0.1 }), ctx.weight(`bias_hh_l${layer}${s}`, { bound: 0.1 })],
          `bias_l${layer}${s}`,
        )
      : undefined;
    const body = stepBody(ctx, `${ctx.node.path}/l${layer}${s}/step`, weights, bias, hidden);
    const [h, c, y] = ctx.ops(
      'Scan',
      [ctx.filled([batch, projection], 0), ctx.filled([batch, hidden], 0), x],
      3,
      `l${layer}${s}`,
      {
        body: { graph: body },
        num_scan_inputs: { int: 1 },
        scan_input_directions: { ints: [d] },
        scan_output_directions: { ints: [d] },
      },
    );
    sequences.push(y);
    finals[0].push(ctx.op('Unsqueeze', [h, ctx.ints([0])], `l${layer}${s}_h`));
    finals[1].push(ctx.op('Unsqueeze', [c, ctx.ints([0])], `l${layer}${s}_c`));
  }
  const sequence =
    sequences.length > 1 ? ctx.op('Concat', sequences, `l${layer}_seq`, { axis: { int: 2 } }) : sequences[0];
  const finalOf = (i: number) =>
    finals[i].length > 1 ? ctx.op('Concat', finals[i], `l${layer}_final${i}`, { axis: { int: 0 } }) : finals[i][0];
  return { sequence, finals: [finalOf(0), finalOf(1)] };
}

/** The Scan body of one projected LSTM step; it reads the transposed weights from the outer graph. */
function stepBody(
  ctx: EmitContext,
  name: string,
  weights: { ih: string; hh: string; hr: string },
  bias: string | undefined,
  hidden: number,
): ReturnType<OnnxGraph['graph']> {
  const body = new OnnxGraph(name, 0);
  body.input('h_prev', null, 'float32');
  body.input('c_prev', null, 'float32');
  body.input('x_t', null, 'float32');
  let gates = body.op(
    'Add',
    [body.op('MatMul', ['x_t', weights.ih], 'xw'), body.op('MatMul', ['h_prev', weights.hh], 'hw')],
    'gates',
  );
  if (bias) gates = body.op('Add', [gates, bias], 'gates_b');
  const split = body.ints('split', [hidden, hidden, hidden, hidden]);
  const [i, f, g, o] = body.node('Split', [gates, split], 4, 'split', { axis: { int: 1 } });
  const c = body.op(
    'Add',
    [
      body.op('Mul', [body.op('Sigmoid', [f], 'f'), 'c_prev'], 'keep'),
      body.op('Mul', [body.op('Sigmoid', [i], 'i'), body.op('Tanh', [g], 'g')], 'write'),
    ],
    'c',
  );
  const full = body.op('Mul', [body.op('Sigmoid', [o], 'o'), body.op('Tanh', [c], 'tanh_c')], 'h_full');
  const h = body.op('MatMul', [full, weights.hr], 'h');
  const hOut = body.op('Identity', [h], 'h_state');
  const cOut = body.op('Identity', [c], 'c_state');
  const yOut = body.op('Identity', [h], 'y');
  body.output(hOut, null, 'float32');
  body.output(cOut, null, 'float32');
  body.output(yOut, null, 'float32');
  // The body's constants (the split sizes) travel with it.
  return body.graph();
}

/** nn.LSTMCell / GRUCell / RNNCell: one step of the fused op on a sequence of length 1. */
export function emitCell(ctx: EmitContext): void {
  const kind = ctx.node.op.replace('Cell', '') as Kind;
  const shape = ctx.inputShape(0);
  const unbatched = shape.length === 1;
  const hidden = intArg(ctx.arg('hidden_size'));
  const lift = (v: string, part: string) => ctx.op('Unsqueeze', [v, ctx.ints(unbatched ? [0, 1] : [0])], part);
  const inputs = [
    lift(ctx.input(0), 'x'),
    ctx.op('Unsqueeze', [ctx.weight('weight_ih'), ctx.ints([0])], 'w'),
    ctx.op('Unsqueeze', [ctx.weight('weight_hh'), ctx.ints([0])], 'r'),
  ];
  inputs.push(
    ctx.hasWeight('bias_ih')
      ? ctx.op(
          'Unsqueeze',
          [
            ctx.op('Concat', [ctx.weight('bias_ih', { bound: 0.1 }), ctx.weight('bias_hh', { bound: 0.1 })], 'bias', {
              axis: { int: 0 },
            }),
            ctx.ints([0]),
          ],
          'b',
        )
      : '',
  );
  inputs.push('');
  inputs.push(ctx.inputCount > 1 ? lift(ctx.input(1), 'h0') : '');
  const attributes: Parameters<EmitContext['op']>[3] = { hidden_size: { int: hidden } };
  if (kind === 'GRU') attributes.linear_before_reset = { int: 1 };
  if (kind === 'RNN') attributes.activations = { strings: [ctx.arg('nonlinearity') === 'relu' ? 'Relu' : 'Tanh'] };
  const outputs = ctx.ops(kind, trimOptional(inputs), kind === 'LSTM' ? 3 : 2, 'step', attributes);
  const drop = (v: string, part: string) => ctx.op('Squeeze', [v, ctx.ints(unbatched ? [0, 1] : [0])], part);
  ctx.output(0, drop(outputs[1], 'h'));
  if (kind === 'LSTM') ctx.output(1, drop(outputs[2], 'c'));
}

/** ONNX lets trailing optional inputs be left out; empty names in the middle stay. */
function trimOptional(inputs: string[]): string[] {
  const out = [...inputs];
  while (out.length && out[out.length - 1] === '') out.pop();
  return out;
}
