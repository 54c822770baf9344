// tf.layers recurrent layers and wrappers: simpleRNN, lstm, gru, bidirectional, timeDistributed.
// Weights as tfjs-layers builds them (recurrent.ts): kernel [in, g·units], recurrentKernel
// [units, g·units], one bias [g·units]; g = 1 (SimpleRNN), 4 (LSTM), 3 (GRU). tfjs's GRU only
// supports resetAfter = false (it throws otherwise), unlike Keras's reset_after=True default.
// Recurrent activation defaults to hardSigmoid in tfjs (Keras: sigmoid).
import {
  type TfLayerSpec,
  type Shape,
  type LayerOptions,
  type BuildResult,
  OptionError,
  OptionUnknown,
  ShapeError,
  readActivation,
  activationPerElement,
  showShape,
  expectRank,
} from './common';

type Cell = 'SimpleRNN' | 'LSTM' | 'GRU';
const GATES: Record<Cell, number> = { SimpleRNN: 1, LSTM: 4, GRU: 3 };

interface RnnConfig {
  cell: Cell;
  units: number;
  returnSequences: boolean;
  returnState: boolean;
  useBias: boolean;
  activation: string | null;
  recurrentActivation: string | null;
}

function readRnn(o: LayerOptions, cell: Cell): RnnConfig {
  if (cell === 'GRU' && o.bool('resetAfter', false)) {
    throw new OptionError(
      'gru: GRUCell does not support reset_after parameter set to true (tfjs supports resetAfter: false only)',
      o.rangeOf('resetAfter'),
    );
  }
  return {
    cell,
    units: o.int('units'),
    returnSequences: o.bool('returnSequences', false),
    returnState: o.bool('returnState', false),
    useBias: o.bool('useBias', true),
    activation: readActivation(o, 'activation', 'tanh'),
    recurrentActivation: cell === 'SimpleRNN' ? null : readActivation(o, 'recurrentActivation', 'hardSigmoid'),
  };
}

/**
 * Elementwise FLOPs of one step per unit, following tfjs's cell code (add/mul 1, activations as the
 * op table prices them):
 * - SimpleRNN: x·K + h·R add (1), bias (1), activation.
 * - LSTM: 4 adds of x·K + h·R, 4 bias adds, 3 recurrent activations (i, f, o), 2 activations
 *   (g, c), c = f·c + i·g (3), h = o·act(c) (1).
 * - GRU: 3 bias adds, 2 adds and 2 recurrent activations (z, r), r·h (1), x_h + (r·h)·R_h (1),
 *   activation, h = z·h + (1 − z)·hh (5).
 */
function stepFlopsPerUnit(c: RnnConfig): number {
  const a = activationPerElement(c.activation);
  const r = activationPerElement(c.recurrentActivation);
  const b = c.useBias ? 1 : 0;
  switch (c.cell) {
    case 'SimpleRNN':
      return 1 + b + a;
    case 'LSTM':
      return 4 + 4 * b + 3 * r + 2 * a + 4;
    case 'GRU':
      return 3 * b + 2 + 2 * r + 2 + a + 5;
  }
}

function buildRnn(c: RnnConfig, x: Shape): BuildResult {
  expectRank(c.cell === 'SimpleRNN' ? 'simpleRNN' : c.cell.toLowerCase(), x, 3);
  const [batch, steps, inDim] = x;
  const g = GATES[c.cell];
  const params = g * (c.units * (inDim + c.units) + (c.useBias ? c.units : 0));
  const macs = batch * steps * g * c.units * (inDim + c.units);
  const flops = 2 * macs + batch * steps * c.units * stepFlopsPerUnit(c);
  const output = c.returnSequences ? [batch, steps, c.units] : [batch, c.units];
  const states = c.returnState ? Array.from({ length: c.cell === 'LSTM' ? 2 : 1 }, () => [batch, c.units]) : undefined;
  return states ? { output, extraOutputs: states, params, macs, flops } : { output, params, macs, flops };
}

function rnn(cell: Cell): TfLayerSpec<RnnConfig> {
  return { className: cell, configure: (o) => readRnn(o, cell), build: (c, [x]) => buildRnn(c, x) };
}

export const simpleRNN = rnn('SimpleRNN');
export const lstm = rnn('LSTM');
export const gru = rnn('GRU');

interface WrapperConfig {
  spec: TfLayerSpec<unknown>;
  config: unknown;
  name: string;
  mergeMode: string;
}

/** tf.layers.bidirectional({layer, mergeMode = 'concat'}): a forward and a backward copy of the RNN. */
export const bidirectional: TfLayerSpec<WrapperConfig> = {
  className: 'Bidirectional',
  configure(o) {
    const inner = o.layer('layer');
    if (!inner.spec || !['SimpleRNN', 'LSTM', 'GRU'].includes(inner.spec.className)) {
      throw new OptionError(
        `bidirectional: layer must be a recurrent layer (lstm, gru, simpleRNN), got ${inner.className}`,
        o.rangeOf('layer'),
      );
    }
    const mode = o.strOrNull('mergeMode', 'concat');
    if (mode === null)
      throw new OptionUnknown(
        'bidirectional: mergeMode null (two separate outputs) is not modelled',
        o.rangeOf('mergeMode'),
      );
    if (!['concat', 'sum', 'mul', 'ave'].includes(mode))
      throw new OptionError(`bidirectional: invalid mergeMode '${mode}'`, o.rangeOf('mergeMode'));
    if ((inner.config as RnnConfig).returnState)
      throw new OptionUnknown('bidirectional: returnState in the wrapped layer is not modelled', o.rangeOf('layer'));
    return { spec: inner.spec as TfLayerSpec, config: inner.config, name: inner.name, mergeMode: mode };
  },
  build(c, [x]) {
    const one = c.spec.build(c.config, [x]);
    const out = one.output;
    const elems = out.reduce((a, b) => a * b, 1);
    const output = c.mergeMode === 'concat' ? [...out.slice(0, -1), out[out.length - 1] * 2] : out;
    const mergeFlops = c.mergeMode === 'concat' ? 0 : c.mergeMode === 'ave' ? 2 * elems : elems;
    return { output, params: 2 * one.params, macs: 2 * one.macs, flops: 2 * one.flops + mergeFlops };
  },
};

/** tf.layers.timeDistributed({layer}): the wrapped layer applied to every step of [batch, steps, ...]. */
export const timeDistributed: TfLayerSpec<WrapperConfig> = {
  className: 'TimeDistributed',
  configure(o) {
    const inner = o.layer('layer');
    if (!inner.spec)
      throw new OptionError(
        `timeDistributed: the wrapped layer ${inner.className} is not modelled`,
        o.rangeOf('layer'),
      );
    return { spec: inner.spec as TfLayerSpec, config: inner.config, name: inner.name, mergeMode: '' };
  },
  build(c, [x]) {
    if (x.length < 3)
      throw new ShapeError(`timeDistributed expects an input of at least 3 dimensions, got ${showShape(x)}`);
    const steps = x[1];
    const one = c.spec.build(c.config, [[x[0], ...x.slice(2)]]);
    return {
      output: [x[0], steps, ...one.output.slice(1)],
      params: one.params,
      macs: one.macs * steps,
      flops: one.flops * steps,
    };
  },
};
