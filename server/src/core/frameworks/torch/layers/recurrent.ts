// torch.nn.RNN / LSTM / GRU and their single-step cells (RNNCell, LSTMCell, GRUCell): parameters as
// torch registers them, output and hidden-state shapes, MACs and the gates' elementwise FLOPs.
import {
  type ArgSpec,
  type ArgValue,
  type DType,
  type ForwardOut,
  type LayerSpec,
  type ParamTensor,
  type TensorInfo,
  LayerArgError,
  ShapeError,
  boolArg,
  showShape,
} from './layerSpec';
import { FACTORY_ARGS, firstInput, intAtLeast, probArg, strArg, tensorInput } from './common';

type RnnMode = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';

/** Gate blocks stacked in each weight matrix: RNN 1, GRU 3 (r, z, n), LSTM 4 (i, f, g, o). */
const GATES: Record<RnnMode, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

/**
 * Elementwise FLOPs of one cell step per hidden unit, using the op table's conventions
 * (sigmoid 4, tanh 5, relu 1, add/mul 1):
 * - RNN: ih + hh add (1) + tanh (5) or relu (1)                                  → 6 or 2
 * - LSTM: 4 ih + hh adds, 3 sigmoids (12), tanh(g) (5), c' = f·c + i·g (3), o·tanh(c') (6) → 30
 * - GRU: 2 ih + hh adds (r, z), 2 sigmoids (8), r·(hh_n) and + ih_n (2), tanh (5),
 *        h' = (1 − z)·n + z·h (4)                                                → 21
 * Bias adds come on top: 2 × gates per unit (b_ih and b_hh).
 */
function stepFlopsPerUnit(mode: RnnMode, bias: boolean): number {
  const base = { RNN_TANH: 6, RNN_RELU: 2, LSTM: 30, GRU: 21 }[mode];
  return base + (bias ? 2 * GATES[mode] : 0);
}

/** Reads nonlinearity for RNN / RNNCell. */
function rnnMode(v: ArgValue): RnnMode {
  if (v === 'tanh') return 'RNN_TANH';
  if (v === 'relu') return 'RNN_RELU';
  throw new LayerArgError(`Unknown nonlinearity '${String(v)}'. Select from 'tanh' or 'relu'.`);
}

/** A multi-layer recurrent module's configuration. */
export interface RnnConfig {
  op: string;
  mode: RnnMode;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bias: boolean;
  batchFirst: boolean;
  bidirectional: boolean;
  projSize: number;
}

const RNN_BASE_ARGS: ArgSpec[] = [
  { name: 'input_size', required: true },
  { name: 'hidden_size', required: true },
  { name: 'num_layers', default: 1 },
  { name: 'bias', default: true },
  { name: 'batch_first', default: false },
  { name: 'dropout', default: 0.0 },
  { name: 'bidirectional', default: false },
];

/**
 * Validates RNN / LSTM / GRU arguments. torch ≥ 2.2 takes RNN's nonlinearity as the 4th positional
 * (where 1.13 had bias); a string bound to `bias` is therefore read as the nonlinearity.
 */
function configureRnn(op: string, a: Record<string, ArgValue>): RnnConfig {
  const positionalNonlinearity = op === 'RNN' && typeof a.bias === 'string';
  const mode: RnnMode = op === 'RNN' ? rnnMode(positionalNonlinearity ? a.bias : a.nonlinearity) : (op as RnnMode);
  const hiddenSize = intAtLeast(a, 'hidden_size', 1);
  const projSize = op === 'LSTM' ? intAtLeast(a, 'proj_size', 0) : 0;
  if (projSize >= hiddenSize)
    throw new LayerArgError(`proj_size (${projSize}) has to be smaller than hidden_size (${hiddenSize})`);
  probArg(a, 'dropout');
  return {
    op,
    mode,
    hiddenSize,
    projSize,
    inputSize: intAtLeast(a, 'input_size', 0),
    numLayers: intAtLeast(a, 'num_layers', 1),
    bias: positionalNonlinearity || boolArg(a, 'bias'),
    batchFirst: boolArg(a, 'batch_first'),
    bidirectional: boolArg(a, 'bidirectional'),
  };
}

/** Hidden-state width seen by the next step and layer: proj_size when projecting, else hidden_size. */
const realHidden = (c: RnnConfig) => c.projSize || c.hiddenSize;
const directions = (c: RnnConfig) => (c.bidirectional ? 2 : 1);
/** Input width of layer `k`: input_size for layer 0, else the previous layer's output width. */
const layerInput = (c: RnnConfig, k: number) => (k === 0 ? c.inputSize : realHidden(c) * directions(c));

/** weight_ih_l{k}{_reverse}, weight_hh, bias_ih, bias_hh, weight_hr — torch's order. */
function rnnParameters(c: RnnConfig): ParamTensor[] {
  const g = GATES[c.mode] * c.hiddenSize;
  const params: ParamTensor[] = [];
  for (let k = 0; k < c.numLayers; k++) {
    for (const suffix of c.bidirectional ? ['', '_reverse'] : ['']) {
      const s = `_l${k}${suffix}`;
      params.push(
        { name: `weight_ih${s}`, shape: [g, layerInput(c, k)] },
        { name: `weight_hh${s}`, shape: [g, realHidden(c)] },
      );
      if (c.bias) params.push({ name: `bias_ih${s}`, shape: [g] }, { name: `bias_hh${s}`, shape: [g] });
      if (c.projSize) params.push({ name: `weight_hr${s}`, shape: [c.projSize, c.hiddenSize] });
    }
  }
  return params;
}

/** MACs of one time step for one batch element, summed over layers and directions. */
function stepMacs(c: RnnConfig): number {
  let macs = 0;
  for (let k = 0; k < c.numLayers; k++) {
    const cell = GATES[c.mode] * c.hiddenSize * (layerInput(c, k) + realHidden(c)) + c.projSize * c.hiddenSize;
    macs += cell * directions(c);
  }
  return macs;
}

/** Throws when a given initial state does not have the shape torch expects. */
function checkState(state: TensorInfo | undefined, expected: number[], op: string): void {
  if (state && showShape(state.shape) !== showShape(expected)) {
    throw new ShapeError(`${op}: expected hidden size ${showShape(expected)}, got ${showShape(state.shape)}`);
  }
}

/** Splits (L, N, H_in), (N, L, H_in) with batch_first, or unbatched (L, H_in). */
function sequenceDims(c: RnnConfig, x: TensorInfo): { seq: number; batch: number | null } {
  if (x.shape.length !== 2 && x.shape.length !== 3) {
    throw new ShapeError(
      `${c.op}: expected input to be 2-D (unbatched) or 3-D, got ${x.shape.length}-D ${showShape(x.shape)}`,
    );
  }
  const last = x.shape[x.shape.length - 1];
  if (last !== c.inputSize) {
    throw new ShapeError(`${c.op}: input.size(-1) must be equal to input_size. Expected ${c.inputSize}, got ${last}`);
  }
  if (x.shape.length === 2) return { seq: x.shape[0], batch: null };
  return c.batchFirst ? { seq: x.shape[1], batch: x.shape[0] } : { seq: x.shape[0], batch: x.shape[1] };
}

/** Forward of RNN / LSTM / GRU: [output, h_n] or, for LSTM, [output, [h_n, c_n]]. */
function rnnForward(c: RnnConfig, inputs: TensorInfo[], kwargs: Record<string, ArgValue | TensorInfo>) {
  const x = firstInput(inputs, c.op);
  const { seq, batch } = sequenceDims(c, x);
  const width = directions(c) * realHidden(c);
  const lead = batch === null ? [] : [batch];
  const outShape = batch === null ? [seq, width] : c.batchFirst ? [batch, seq, width] : [seq, batch, width];
  const stateRows = directions(c) * c.numLayers;
  const hShape = [stateRows, ...lead, realHidden(c)];
  const cShape = [stateRows, ...lead, c.hiddenSize];
  checkState(tensorInput(inputs, kwargs, 1, 'hx'), hShape, c.op);
  if (c.mode === 'LSTM') checkState(inputs[2], cShape, c.op);
  const t = (shape: number[]): TensorInfo => ({ shape, dtype: x.dtype });
  const hidden: ForwardOut = c.mode === 'LSTM' ? [t(hShape), t(cShape)] : t(hShape);
  const steps = seq * (batch ?? 1);
  const cellSteps = steps * directions(c) * c.numLayers;
  return {
    output: [t(outShape), hidden],
    macs: steps * stepMacs(c),
    extraFlops: cellSteps * c.hiddenSize * stepFlopsPerUnit(c.mode, c.bias),
  };
}

/** Builds the spec of one multi-layer recurrent class. */
function rnnSpec(op: string, args: ArgSpec[]): LayerSpec<RnnConfig> {
  return { op, args, configure: (a) => configureRnn(op, a), parameters: rnnParameters, forward: rnnForward };
}

/** torch.nn.RNN; `nonlinearity` is read by keyword, or as the 4th positional as torch ≥ 2.2 allows. */
export const RNN = rnnSpec('RNN', [...RNN_BASE_ARGS, ...FACTORY_ARGS, { name: 'nonlinearity', default: 'tanh' }]);
/** torch.nn.LSTM, with optional projections (proj_size). */
export const LSTM = rnnSpec('LSTM', [...RNN_BASE_ARGS, { name: 'proj_size', default: 0 }, ...FACTORY_ARGS]);
/** torch.nn.GRU. */
export const GRU = rnnSpec('GRU', [...RNN_BASE_ARGS, ...FACTORY_ARGS]);

interface CellConfig {
  op: string;
  mode: RnnMode;
  inputSize: number;
  hiddenSize: number;
  bias: boolean;
}

/** Builds the spec of one single-step cell: input (N, in) or (in), optional hx (N, hidden). */
function cellSpec(op: string, fixedMode: RnnMode | null): LayerSpec<CellConfig> {
  const args: ArgSpec[] = [
    { name: 'input_size', required: true },
    { name: 'hidden_size', required: true },
    { name: 'bias', default: true },
    ...(fixedMode ? [] : [{ name: 'nonlinearity', default: 'tanh' }]),
    ...FACTORY_ARGS,
  ];
  return {
    op,
    args,
    configure: (a) => ({
      op,
      mode: fixedMode ?? rnnMode(strArg(a, 'nonlinearity')),
      inputSize: intAtLeast(a, 'input_size', 0),
      hiddenSize: intAtLeast(a, 'hidden_size', 1),
      bias: boolArg(a, 'bias'),
    }),
    parameters: (c) => {
      const g = GATES[c.mode] * c.hiddenSize;
      return [
        { name: 'weight_ih', shape: [g, c.inputSize] },
        { name: 'weight_hh', shape: [g, c.hiddenSize] },
        ...(c.bias
          ? [
              { name: 'bias_ih', shape: [g] },
              { name: 'bias_hh', shape: [g] },
            ]
          : []),
      ];
    },
    forward: cellForward,
  };
}

/** One cell step: h' (or [h', c'] for LSTMCell); MACs = N × gates × hidden × (in + hidden). */
function cellForward(c: CellConfig, inputs: TensorInfo[], kwargs: Record<string, ArgValue | TensorInfo>) {
  const x = firstInput(inputs, c.op);
  if (x.shape.length !== 1 && x.shape.length !== 2) {
    throw new ShapeError(`${c.op}: expected input to be 1-D or 2-D, got ${x.shape.length}-D ${showShape(x.shape)}`);
  }
  const last = x.shape[x.shape.length - 1];
  if (last !== c.inputSize) {
    throw new ShapeError(`${c.op}: input has inconsistent input_size: got ${last} expected ${c.inputSize}`);
  }
  const n = x.shape.length === 2 ? x.shape[0] : 1;
  const shape = x.shape.length === 2 ? [n, c.hiddenSize] : [c.hiddenSize];
  checkState(tensorInput(inputs, kwargs, 1, 'hx'), shape, c.op);
  const h: TensorInfo = { shape, dtype: x.dtype as DType };
  return {
    output: c.mode === 'LSTM' ? [h, { ...h, shape: [...shape] }] : h,
    macs: n * GATES[c.mode] * c.hiddenSize * (c.inputSize + c.hiddenSize),
    extraFlops: n * c.hiddenSize * stepFlopsPerUnit(c.mode, c.bias),
  };
}

/** torch.nn.RNNCell(input_size, hidden_size, bias, nonlinearity). */
export const RNNCell = cellSpec('RNNCell', null);
/** torch.nn.LSTMCell(input_size, hidden_size, bias); returns (h', c'). */
export const LSTMCell = cellSpec('LSTMCell', 'LSTM');
/** torch.nn.GRUCell(input_size, hidden_size, bias). */
export const GRUCell = cellSpec('GRUCell', 'GRU');
