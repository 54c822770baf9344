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
import { readActivation, activationFlops } from './activations';

/** Gates per cell. */
const GATES = { SimpleRNN: 1, LSTM: 4, GRU: 3 } as const;
type RnnOp = keyof typeof GATES;

/**
 * Elementwise FLOPs per unit per step, before bias adds, with the activations priced by the op table
 * (sigmoid 4, tanh 5, hard_sigmoid 3): SimpleRNN: x·W + h·U add (1) + activation; LSTM: 4 adds, 3
 * recurrent activations (i, f, o), 2 activations (g, c), c = f·c + i·g (3), o·act(c) (1); GRU: 2 adds,
 * 2 recurrent activations (z, r), r ⊙ (h·U_h) + x·W_h (2), activation, (1 − z)·n + z·h (4). With
 * Keras's defaults: 6, 30 and 21, the torch table's figures.
 */
function stepFlops(op: RnnOp, act: number, rec: number): number {
  if (op === 'SimpleRNN') return 1 + act;
  if (op === 'LSTM') return 4 + 3 * rec + 2 * act + 4;
  return 2 + 2 * rec + 2 + act + 4;
}

/** A recurrent layer's configuration. */
export interface RnnConfig {
  op: RnnOp;
  units: number;
  bias: boolean;
  resetAfter: boolean;
  returnSequences: boolean;
  returnState: boolean;
  /** Whether it runs over the sequence backwards (and returns the sequence in that order). */
  goBackwards: boolean;
  /** The activation and the recurrent (gate) activation by Keras name; null: linear or none. */
  activation: string | null;
  recurrentActivation: string | null;
  /** FLOPs per element of the activation and of the recurrent (gate) activation; null for a Python callable. */
  actFlops: number | null;
  recFlops: number | null;
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
      const act = readActivation(a.activation);
      const rec = op === 'SimpleRNN' ? null : readActivation(a.recurrent_activation);
      return {
        actFlops: activationFlops(act, 1),
        recFlops: activationFlops(rec, 1),
        op,
        units: posInt(a, 'units'),
        bias: boolOf(a, 'use_bias'),
        resetAfter: op === 'GRU' && boolOf(a, 'reset_after'),
        returnSequences: boolOf(a, 'return_sequences'),
        returnState: boolOf(a, 'return_state'),
        goBackwards: boolOf(a, 'go_backwards'),
        activation: act,
        recurrentActivation: rec,
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
        extraFlops:
          c.actFlops === null || c.recFlops === null
            ? null
            : steps * u * (stepFlops(op, c.actFlops, c.recFlops) + biasAdds),
      };
    },
  };
}

export const RECURRENT_LAYERS: KerasLayerSpec<RnnConfig>[] = [rnnSpec('SimpleRNN'), rnnSpec('LSTM'), rnnSpec('GRU')];
