// keras.layers recurrent layers: SimpleRNN, LSTM and GRU on (N, T, F) inputs. Keras keeps ONE bias
// vector per gate (GRU with reset_after=True keeps two), unlike torch's bias_ih + bias_hh.
import {
  type KerasLayerSpec,
  type KArgSpec,
  type KWeight,
  type KForward,
  posInt,
  boolOf,
  only,
  requireRank,
  knownDim,
} from './spec';
import { readActivation } from './activations';

/** Gates per cell. */
const GATES = { SimpleRNN: 1, LSTM: 4, GRU: 3 } as const;
type RnnOp = keyof typeof GATES;

/**
 * Elementwise FLOPs per unit per step, before bias adds: SimpleRNN: x·W + h·U add (1) + tanh (5);
 * LSTM: 4 adds, 3 sigmoids (12), 2 tanh (10), c = f·c + i·g (3), o·tanh(c) (1); GRU: 2 adds,
 * 2 sigmoids (8), r ⊙ (h·U_h) + x·W_h (2), tanh (5), (1 − z)·n + z·h (4) — the torch table's figures.
 */
const STEP_FLOPS: Record<RnnOp, number> = { SimpleRNN: 6, LSTM: 30, GRU: 21 };

/** A recurrent layer's configuration. */
export interface RnnConfig {
  op: RnnOp;
  units: number;
  bias: boolean;
  resetAfter: boolean;
  returnSequences: boolean;
  returnState: boolean;
}

const slots = (...ws: string[]): KArgSpec[] =>
  ws.flatMap((w) => [
    { name: `${w}_initializer`, default: null },
    { name: `${w}_regularizer`, default: null },
    { name: `${w}_constraint`, default: null },
  ]);

const TAIL: KArgSpec[] = [
  ...slots('kernel', 'recurrent', 'bias'),
  { name: 'unit_forget_bias', default: true },
  { name: 'dropout', default: 0 },
  { name: 'recurrent_dropout', default: 0 },
  { name: 'seed', default: null },
  { name: 'return_sequences', default: false },
  { name: 'return_state', default: false },
  { name: 'go_backwards', default: false },
  { name: 'stateful', default: false },
  { name: 'unroll', default: false },
  { name: 'reset_after', default: true },
  { name: 'use_cudnn', default: 'auto' },
  { name: 'time_major', default: false },
  { name: 'implementation', default: 2 },
];

function rnnSpec(op: RnnOp): KerasLayerSpec<RnnConfig> {
  const args: KArgSpec[] = [
    { name: 'units', required: true },
    { name: 'activation', default: 'tanh' },
    ...(op === 'SimpleRNN' ? [] : [{ name: 'recurrent_activation', default: 'sigmoid' }]),
    { name: 'use_bias', default: true },
    ...TAIL,
  ];
  return {
    op,
    args,
    configure: (a) => {
      readActivation(a.activation);
      if (op !== 'SimpleRNN') readActivation(a.recurrent_activation);
      return {
        op,
        units: posInt(a, 'units'),
        bias: boolOf(a, 'use_bias'),
        resetAfter: op === 'GRU' && boolOf(a, 'reset_after'),
        returnSequences: boolOf(a, 'return_sequences'),
        returnState: boolOf(a, 'return_state'),
      };
    },
    build: (c, [x]) => {
      requireRank(op, x, 3);
      const f = knownDim(op, x, -1, 'feature');
      const g = GATES[op] * c.units;
      const w = (name: string, shape: number[]): KWeight => ({ name, shape, trainable: true });
      const bias = c.bias ? [w('bias', c.resetAfter ? [2, g] : [g])] : [];
      return [w('kernel', [f, g]), w('recurrent_kernel', [c.units, g]), ...bias];
    },
    call: (c, inputs): KForward => {
      const x = only(op, inputs);
      requireRank(op, x, 3);
      const [n, t, f] = x;
      const u = c.units;
      const out = c.returnSequences ? [n, t, u] : [n, u];
      const states =
        op === 'LSTM'
          ? [
              [n, u],
              [n, u],
            ]
          : [[n, u]];
      const steps = n * t;
      const biasAdds = c.bias ? GATES[op] * (c.resetAfter ? 2 : 1) : 0;
      return {
        outputs: c.returnState ? [out, ...states] : [out],
        multi: c.returnState,
        macs: steps * GATES[op] * u * (f + u),
        extraFlops: steps * u * (STEP_FLOPS[op] + biasAdds),
      };
    },
  };
}

export const RECURRENT_LAYERS: KerasLayerSpec<RnnConfig>[] = [rnnSpec('SimpleRNN'), rnnSpec('LSTM'), rnnSpec('GRU')];
