// Unit tests of the built-in torch.nn layer specs: parameters, output shapes and MACs on hand-worked
// cases (cross-checked against torch 1.13's named_parameters, forward shapes and aten mm/conv counts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LAYER_SPECS } from '../../server/src/core/frameworks/torch/layers/index';
import {
  type ArgValue,
  type DType,
  type ForwardOut,
  type ForwardResult,
  type TensorInfo,
  LayerArgError,
  ShapeError,
  elementCount,
} from '../../server/src/core/frameworks/torch/layers/layerSpec';
import { OP_COSTS, elementwiseFlops, opKind } from '../../server/src/core/opCosts/opCosts';

/** Binds constructor arguments the way Python does: positionals in order, then keywords, then defaults. */
function bind(op: string, pos: ArgValue[], kw: Record<string, ArgValue>): Record<string, ArgValue> {
  const spec = LAYER_SPECS[op];
  assert.ok(spec, `no spec for ${op}`);
  if (spec.args[0]?.name === '*args') return {};
  const bound: Record<string, ArgValue> = {};
  spec.args.forEach((a, i) => {
    if (i < pos.length) bound[a.name] = pos[i];
    else if (a.name in kw) bound[a.name] = kw[a.name];
    else if (a.required) throw new Error(`${op}: missing ${a.name}`);
    else bound[a.name] = a.default ?? null;
  });
  for (const k of Object.keys(kw))
    assert.ok(
      spec.args.some((a) => a.name === k),
      `${op} has no argument ${k}`,
    );
  return bound;
}

/** A constructed layer: its configuration, parameter count and a forward helper. */
function layer(op: string, pos: ArgValue[] = [], kw: Record<string, ArgValue> = {}) {
  const spec = LAYER_SPECS[op];
  const config = spec.configure(bind(op, pos, kw));
  const params = spec.parameters(config);
  return {
    params: params.reduce((s, p) => s + elementCount(p.shape), 0),
    paramNames: params.map((p) => p.name),
    buffers: spec.buffers ? spec.buffers(config) : [],
    forward: (inputs: (number[] | TensorInfo)[], fkw: Record<string, ArgValue | TensorInfo> = {}): ForwardResult =>
      spec.forward(
        config,
        inputs.map((x) => (Array.isArray(x) ? t(x) : x)),
        fkw,
      ),
  };
}

const t = (shape: number[], dtype: DType = 'float32'): TensorInfo => ({ shape, dtype });
/** Output shapes, with tuples kept nested. */
const shapes = (o: ForwardOut): unknown => (o === null ? null : Array.isArray(o) ? o.map(shapes) : o.shape);

/** Asserts params, output shape(s) and MACs of one call. */
function check(
  op: string,
  pos: ArgValue[],
  kw: Record<string, ArgValue>,
  inputs: (number[] | TensorInfo)[],
  want: { params: number; out: unknown; macs: number },
  fkw: Record<string, ArgValue | TensorInfo> = {},
): ForwardResult {
  const l = layer(op, pos, kw);
  assert.equal(l.params, want.params, `${op} params`);
  const r = l.forward(inputs, fkw);
  assert.deepEqual(shapes(r.output), want.out, `${op} output shape`);
  assert.equal(r.macs, want.macs, `${op} MACs`);
  return r;
}

/** Asserts that `fn` throws `type` with a message containing every one of `parts`. */
function throwsWith(fn: () => unknown, type: typeof ShapeError | typeof LayerArgError, parts: string[]): void {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${e.name}: ${e.message}`);
    for (const p of parts) assert.ok(e.message.includes(p), `message "${e.message}" lacks "${p}"`);
    return true;
  });
}

test('Conv: ResNet conv1, depthwise, dilated grouped same-padding, 1-D, 3-D and unbatched', () => {
  // ResNet-18 conv1: out = floor((224 + 2·3 − 6 − 1)/2) + 1 = 112; params 64·3·7·7 = 9408;
  // MACs = 1·64·112·112 · 3·49 = 802816 · 147 = 118013952.
  check('Conv2d', [3, 64, 7, 2, 3], { bias: false }, [[1, 3, 224, 224]], {
    params: 9408,
    out: [1, 64, 112, 112],
    macs: 118013952,
  });
  // Depthwise 3×3: params 32·1·9 + 32 = 320; MACs = 32·56·56 · 1·9 = 903168.
  check('Conv2d', [32, 32, 3, 1, 1], { groups: 32 }, [[1, 32, 56, 56]], {
    params: 320,
    out: [1, 32, 56, 56],
    macs: 903168,
  });
  // 'same' keeps 15×17; params 32·(16/4)·9 + 32 = 1184; MACs = 2·32·255 · 4·9 = 587520.
  check('Conv2d', [16, 32, 3], { padding: 'same', dilation: 2, groups: 4 }, [[2, 16, 15, 17]], {
    params: 1184,
    out: [2, 32, 15, 17],
    macs: 587520,
  });
  // Unbatched (C, H, W), 'valid': H = floor((20 − 3)/2) + 1 = 9, W = 21 − 5 + 1 = 17;
  // params 32·16·15 + 32 = 7712; MACs = 32·9·17 · 16·15 = 1175040.
  check('Conv2d', [16, 32, [3, 5]], { stride: [2, 1], padding: 'valid' }, [[16, 20, 21]], {
    params: 7712,
    out: [32, 9, 17],
    macs: 1175040,
  });
  // L = floor((50 + 4 − 2·4 − 1)/3) + 1 = 16; params 8·4·5 + 8 = 168; MACs = 2·8·16 · 4·5 = 5120.
  check('Conv1d', [4, 8, 5], { stride: 3, padding: 2, dilation: 2 }, [[2, 4, 50]], {
    params: 168,
    out: [2, 8, 16],
    macs: 5120,
  });
  // Each dim floor((n + 2 − 3)/2) + 1: 8→4, 9→5, 10→5; params 6·2·27 + 6 = 330; MACs = 6·100 · 2·27 = 32400.
  check('Conv3d', [2, 6, 3], { stride: 2, padding: 1, padding_mode: 'reflect' }, [[1, 2, 8, 9, 10]], {
    params: 330,
    out: [1, 6, 4, 5, 5],
    macs: 32400,
  });
});

test('Conv: bias adds are the extra FLOPs', () => {
  // Conv2d(3, 8, 3) on 1×3×5×5 → 1×8×3×3: one bias add per output element = 72.
  const r = layer('Conv2d', [3, 8, 3]).forward([[1, 3, 5, 5]]);
  assert.equal(r.extraFlops, 72);
  assert.equal(layer('Conv2d', [3, 8, 3], { bias: false }).forward([[1, 3, 5, 5]]).extraFlops, 0);
});

test('ConvTranspose: output size, output_padding, groups, dilation and output_size', () => {
  // DCGAN-style up-conv: (16 − 1)·2 − 2·1 + (4 − 1) + 1 = 32; params 64·32·16 + 32 = 32800;
  // MACs = N·C_in·Π(in) · (C_out/g)·Π(k) = 64·256 · 32·16 = 8388608.
  check('ConvTranspose2d', [64, 32, 4, 2, 1], {}, [[1, 64, 16, 16]], {
    params: 32800,
    out: [1, 32, 32, 32],
    macs: 8388608,
  });
  // H = (7 − 1)·2 − 2 + 2 + 1 + 1 = 14, W = (9 − 1)·2 − 2 + 2 + 1 + 1 = 18; weight (8, 4/2, 3, 3) = 144 + bias 4;
  // MACs = 2·8·63 · 2·9 = 18144.
  check('ConvTranspose2d', [8, 4, 3], { stride: 2, padding: 1, output_padding: 1, groups: 2 }, [[2, 8, 7, 9]], {
    params: 148,
    out: [2, 4, 14, 18],
    macs: 18144,
  });
  // Positional (in, out, k, stride=3, padding=2, output_padding=1, groups=1, bias, dilation=2):
  // L = (11 − 1)·3 − 4 + 2·4 + 1 + 1 = 36; params 4·6·5 + 6 = 126; MACs = 3·4·11 · 6·5 = 3960.
  check('ConvTranspose1d', [4, 6, 5, 3, 2, 1, 1, true, 2], {}, [[3, 4, 11]], {
    params: 126,
    out: [3, 6, 36],
    macs: 3960,
  });
  // Unbatched: each dim (n − 1)·2 + 3: 5→11, 6→13, 7→15; MACs = 4·210 · 2·27 = 45360; params 4·2·27 + 2 = 218.
  check('ConvTranspose3d', [4, 2, 3], { stride: 2 }, [[4, 5, 6, 7]], {
    params: 218,
    out: [2, 11, 13, 15],
    macs: 45360,
  });
  // forward(x, output_size=[20, 20]): the minimum is (10 − 1)·2 − 2 + 2 + 1 = 19, 20 is within stride − 1 of it.
  const r = layer('ConvTranspose2d', [16, 8, 3, 2, 1]).forward([[1, 16, 10, 10]], { output_size: [20, 20] });
  assert.deepEqual(shapes(r.output), [1, 8, 20, 20]);
});

test('Conv: errors name both numbers', () => {
  // Conv2d(3, ...) fed 4 channels.
  throwsWith(() => layer('Conv2d', [3, 8, 3]).forward([[1, 4, 9, 9]]), ShapeError, ['3', '4']);
  throwsWith(() => layer('Conv2d', [3, 8, '3']), LayerArgError, ['kernel_size']);
  throwsWith(() => layer('Conv2d', [3, 8, [3, 3, 3]]), LayerArgError, ['kernel_size']);
  throwsWith(() => layer('Conv2d', [4, 6, 3], { groups: 4 }), LayerArgError, ['6', '4']);
  throwsWith(() => layer('Conv2d', [4, 4, 3, 2, 'same']), LayerArgError, ["'same'"]);
  throwsWith(() => layer('ConvTranspose2d', [4, 4, 3, 1, 0, 1]), LayerArgError, ['output padding']);
  throwsWith(() => layer('Conv2d', [3, 8, 5]).forward([[1, 3, 4, 4]]), ShapeError, ['too small']);
  throwsWith(() => layer('Conv2d', [3, 8, 3]).forward([[3, 9]]), ShapeError, ['3-D or 4-D', '2-D']);
});

test('Linear, Bilinear, Identity', () => {
  // 512·10 + 10 = 5130 params; MACs = 4·10 outputs · 512 = 20480.
  check('Linear', [512, 10], {}, [[4, 512]], { params: 5130, out: [4, 10], macs: 20480 });
  // No bias: 600 params; MACs = 2·3·30 · 20 = 3600.
  check('Linear', [20, 30, false], {}, [[2, 3, 20]], { params: 600, out: [2, 3, 30], macs: 3600 });
  // Bilinear weight (40, 20, 30) = 24000 + bias 40; MACs = 128·40·20·30 = 3072000.
  check(
    'Bilinear',
    [20, 30, 40],
    {},
    [
      [128, 20],
      [128, 30],
    ],
    { params: 24040, out: [128, 40], macs: 3072000 },
  );
  // Identity ignores every argument.
  check('Identity', [54], { unused_argument1: 0.1 }, [[2, 3]], { params: 0, out: [2, 3], macs: 0 });
  // Linear(512, 10) fed 2048 features names both.
  throwsWith(() => layer('Linear', [512, 10]).forward([[4, 2048]]), ShapeError, ['512', '2048']);
  throwsWith(
    () =>
      layer('Bilinear', [4, 5, 6]).forward([
        [2, 4],
        [3, 5],
      ]),
    ShapeError,
    ['(2, 4)', '(3, 5)'],
  );
});

test('Embedding and EmbeddingBag', () => {
  // 10000·300 = 3e6 params; output = input shape + [300].
  check('Embedding', [10000, 300], { padding_idx: 0 }, [t([4, 12], 'int64')], {
    params: 3_000_000,
    out: [4, 12, 300],
    macs: 0,
  });
  // 2-D input (B=8, N=5) → (8, 16); params 100·16 = 1600.
  check('EmbeddingBag', [100, 16], { mode: 'sum' }, [t([8, 5], 'int64')], { params: 1600, out: [8, 16], macs: 0 });
  // 1-D input with 8 offsets and include_last_offset → 7 bags.
  check('EmbeddingBag', [100, 16], { include_last_offset: true }, [t([40], 'int64'), t([8], 'int64')], {
    params: 1600,
    out: [7, 16],
    macs: 0,
  });
  throwsWith(() => layer('Embedding', [10, 3]).forward([[7]]), ShapeError, ['integer', 'float32']);
  throwsWith(() => layer('Embedding', [10, 3], { padding_idx: 10 }), LayerArgError, ['padding_idx']);
});

test('Norms: BatchNorm, InstanceNorm, LayerNorm, GroupNorm, LocalResponseNorm', () => {
  // BatchNorm2d(64): weight + bias = 128 params; buffers running_mean, running_var (64 each), num_batches_tracked.
  const bn = layer('BatchNorm2d', [64]);
  assert.equal(bn.params, 128);
  assert.deepEqual(
    bn.buffers.map((b) => [b.name, b.shape]),
    [
      ['running_mean', [64]],
      ['running_var', [64]],
      ['num_batches_tracked', []],
    ],
  );
  check('BatchNorm2d', [64], {}, [[2, 64, 7, 7]], { params: 128, out: [2, 64, 7, 7], macs: 0 });
  check('BatchNorm1d', [64], {}, [[32, 64]], { params: 128, out: [32, 64], macs: 0 });
  check('BatchNorm3d', [8], { affine: false }, [[1, 8, 2, 3, 4]], { params: 0, out: [1, 8, 2, 3, 4], macs: 0 });
  // InstanceNorm defaults: no affine, no running stats; unbatched (C, L) accepted.
  check('InstanceNorm1d', [8], {}, [[8, 20]], { params: 0, out: [8, 20], macs: 0 });
  check('InstanceNorm2d', [3], { affine: true }, [[2, 3, 9, 9]], { params: 6, out: [2, 3, 9, 9], macs: 0 });
  assert.equal(layer('InstanceNorm3d', [4], { track_running_stats: true }).buffers.length, 3);
  // LayerNorm(512): 2·512 = 1024; without bias (torch 2.1) 512; list shape without affine 0.
  check('LayerNorm', [512], {}, [[2, 10, 512]], { params: 1024, out: [2, 10, 512], macs: 0 });
  assert.equal(layer('LayerNorm', [512], { bias: false }).params, 512);
  check('LayerNorm', [[10, 20]], { elementwise_affine: false }, [[3, 10, 20]], {
    params: 0,
    out: [3, 10, 20],
    macs: 0,
  });
  // GroupNorm(8, 32): 2·32 = 64.
  check('GroupNorm', [8, 32], {}, [[2, 32, 16, 16]], { params: 64, out: [2, 32, 16, 16], macs: 0 });
  // LocalResponseNorm(5): (5 + 5) FLOPs per element · 2048 elements = 20480.
  assert.equal(layer('LocalResponseNorm', [5]).forward([[2, 16, 8, 8]]).extraFlops, 20480);
  throwsWith(() => layer('BatchNorm2d', [4]).forward([[2, 3, 9, 9]]), ShapeError, ['4', '3']);
  throwsWith(() => layer('BatchNorm2d', [4]).forward([[4, 9, 9]]), ShapeError, ['4-D', '3-D']);
  throwsWith(() => layer('LayerNorm', [512]).forward([[2, 10, 256]]), ShapeError, ['512', '256']);
  throwsWith(() => layer('GroupNorm', [3, 8]), LayerArgError, ['8', '3']);
  throwsWith(() => layer('GroupNorm', [2, 8]).forward([[2, 6, 4]]), ShapeError, ['8', '6']);
});

test('Recurrent: LSTM, projections, bidirectional GRU, RNN', () => {
  // LSTM(10, 20, 2): layer 0 = 80·10 + 80·20 + 2·80 = 2560, layer 1 = 80·20 + 80·20 + 160 = 3360 → 5920.
  // MACs = N·L · Σ 4·20·(in + 20) = 15 · (2400 + 3200) = 84000.
  const lstm = check('LSTM', [10, 20, 2], {}, [[5, 3, 10]], {
    params: 5920,
    out: [
      [5, 3, 20],
      [
        [2, 3, 20],
        [2, 3, 20],
      ],
    ],
    macs: 84000,
  });
  // Extra FLOPs: 15 steps · 2 layers · 20 units · (30 gate ops + 8 bias adds) = 22800.
  assert.equal(lstm.extraFlops, 22800);
  // LSTM(10, 20, proj_size=5): w_ih 80·10 + w_hh 80·5 + biases 160 + w_hr 5·20 = 1460; unbatched (L=7, 10):
  // output (7, 5), h_n (1, 5), c_n (1, 20); MACs = 7 · (80·(10 + 5) + 20·5) = 9100.
  check('LSTM', [10, 20], { proj_size: 5 }, [[7, 10]], {
    params: 1460,
    out: [
      [7, 5],
      [
        [1, 5],
        [1, 20],
      ],
    ],
    macs: 9100,
  });
  const proj = layer('LSTM', [10, 20], { proj_size: 5 });
  assert.deepEqual(proj.paramNames, ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0', 'weight_hr_l0']);
  // GRU(10, 20, 2, bidirectional): layer 0 per dir 60·10 + 60·20 + 120 = 1920, layer 1 per dir 60·40 + 60·20 + 120
  // = 3720 → 2·(1920 + 3720) = 11280. MACs = 15 · 2·(60·30 + 60·60) = 15 · 10800 = 162000.
  check('GRU', [10, 20, 2], { bidirectional: true }, [[5, 3, 10]], {
    params: 11280,
    out: [
      [5, 3, 40],
      [4, 3, 20],
    ],
    macs: 162000,
  });
  // RNN(10, 20): 20·10 + 20·20 + 40 = 640; MACs = 15 · 20·30 = 9000; extra = 15·20·(6 + 2) = 2400.
  const rnn = check('RNN', [10, 20], {}, [[5, 3, 10]], {
    params: 640,
    out: [
      [5, 3, 20],
      [1, 3, 20],
    ],
    macs: 9000,
  });
  assert.equal(rnn.extraFlops, 2400);
  // batch_first and bidirectional: input (N=3, L=5, 10) → output (3, 5, 40), h_n (4, 3, 20).
  check('RNN', [10, 20, 2], { nonlinearity: 'relu', batch_first: true, bidirectional: true }, [[3, 5, 10]], {
    params: 2 * 640 + 2 * (20 * 40 + 20 * 20 + 40),
    out: [
      [3, 5, 40],
      [4, 3, 20],
    ],
    macs: 15 * 2 * (20 * 30 + 20 * 60),
  });
  // torch ≥ 2.2 form RNN(10, 20, 1, 'relu'): the 4th positional is the nonlinearity (1 FLOP relu → 15·20·(2 + 2)).
  assert.equal(layer('RNN', [10, 20, 1, 'relu']).forward([[5, 3, 10]]).extraFlops, 1200);
  throwsWith(() => layer('RNN', [10, 20]).forward([[5, 3, 11]]), ShapeError, ['10', '11']);
  throwsWith(
    () =>
      layer('RNN', [10, 20]).forward([
        [5, 3, 10],
        [2, 3, 20],
      ]),
    ShapeError,
    ['(1, 3, 20)', '(2, 3, 20)'],
  );
  throwsWith(() => layer('LSTM', [10, 20], { proj_size: 20 }), LayerArgError, ['proj_size']);
});

test('Recurrent cells', () => {
  // LSTMCell(10, 20): 80·10 + 80·20 + 160 = 2560; MACs = 3 · 80·30 = 7200; returns (h', c').
  check('LSTMCell', [10, 20], {}, [[3, 10]], {
    params: 2560,
    out: [
      [3, 20],
      [3, 20],
    ],
    macs: 7200,
  });
  // GRUCell without bias, unbatched: 60·10 + 60·20 = 1800; MACs = 60·30 = 1800.
  check('GRUCell', [10, 20, false], {}, [[10]], { params: 1800, out: [20], macs: 1800 });
  // RNNCell(10, 20): 200 + 400 + 40 = 640; MACs = 3·20·30 = 1800.
  check('RNNCell', [10, 20], { nonlinearity: 'relu' }, [[3, 10]], { params: 640, out: [3, 20], macs: 1800 });
  throwsWith(() => layer('LSTMCell', [10, 20]).forward([[3, 11]]), ShapeError, ['10', '11']);
});

test('MultiheadAttention', () => {
  // MHA(512, 8): in_proj 3·512·512 + 1536, out_proj 512·512 + 512 → 1050624.
  // (L = S = 10, N = 2): projections 4 · 10·2·512² = 20971520; QKᵀ and AV 2 · 2·10·10·512 = 204800 → 21176320.
  check(
    'MultiheadAttention',
    [512, 8],
    {},
    [
      [10, 2, 512],
      [10, 2, 512],
      [10, 2, 512],
    ],
    {
      params: 1050624,
      out: [
        [10, 2, 512],
        [2, 10, 10],
      ],
      macs: 21176320,
    },
  );
  assert.deepEqual(layer('MultiheadAttention', [512, 8]).paramNames, [
    'in_proj_weight',
    'in_proj_bias',
    'out_proj.weight',
    'out_proj.bias',
  ]);
  // BERT-base layer (768, 12, batch_first) on (1, 128, 768): params 4·768² + 4·768 = 2362368;
  // MACs = 4·128·768² + 2·128·128·768 = 301989888 + 25165824 = 327155712.
  check(
    'MultiheadAttention',
    [768, 12],
    { batch_first: true },
    [
      [1, 128, 768],
      [1, 128, 768],
      [1, 128, 768],
    ],
    {
      params: 2362368,
      out: [
        [1, 128, 768],
        [1, 128, 128],
      ],
      macs: 327155712,
    },
  );
  // kdim=32, vdim=48: q 64·64 + k 64·32 + v 64·48 + in_proj_bias 192 + out 64·64 + 64 = 13568;
  // MACs = 5·2·64·64 + 7·2·64·32 + 7·2·64·48 + 2·(2·5·7·64) + 5·2·64·64
  //      = 40960 + 28672 + 43008 + 8960 + 40960 = 162560; per-head weights (2, 4, 5, 7).
  check(
    'MultiheadAttention',
    [64, 4],
    { batch_first: true, kdim: 32, vdim: 48 },
    [
      [2, 5, 64],
      [2, 7, 32],
      [2, 7, 48],
    ],
    {
      params: 13568,
      out: [
        [2, 5, 64],
        [2, 4, 5, 7],
      ],
      macs: 162560,
    },
    { average_attn_weights: false },
  );
  // bias_kv + zero_attn, unbatched: S' = 7 + 2 = 9; params 3·4096 + 192 + 4096 + 64 + 2·64 = 16768;
  // MACs = 5·4096 + 2·7·4096 + 2·5·9·64 + 5·4096 = 104064.
  check(
    'MultiheadAttention',
    [64, 4],
    { add_bias_kv: true, add_zero_attn: true },
    [
      [5, 64],
      [7, 64],
      [7, 64],
    ],
    {
      params: 16768,
      out: [
        [5, 64],
        [5, 9],
      ],
      macs: 104064,
    },
  );
  // need_weights=False gives None for the weights; no bias: 4·64² = 16384 params.
  check(
    'MultiheadAttention',
    [64, 4, 0.0, false],
    {},
    [
      [5, 2, 64],
      [6, 2, 64],
      [6, 2, 64],
    ],
    { params: 16384, out: [[5, 2, 64], null], macs: 5 * 2 * 4096 * 2 + 6 * 2 * 4096 * 2 + 2 * 2 * 5 * 6 * 64 },
    { need_weights: false },
  );
  throwsWith(() => layer('MultiheadAttention', [512, 7]), LayerArgError, ['512', '7']);
  throwsWith(
    () =>
      layer('MultiheadAttention', [512, 8]).forward([
        [10, 2, 256],
        [10, 2, 256],
        [10, 2, 256],
      ]),
    ShapeError,
    ['512', '256'],
  );
});

test('Pooling: fixed windows and the ceil_mode rule', () => {
  // ResNet max pool: floor((112 + 2 − 3)/2) + 1 = 56; FLOPs = 9 comparisons · 64·56·56 = 1806336.
  const r = check('MaxPool2d', [3, 2, 1], {}, [[1, 64, 112, 112]], { params: 0, out: [1, 64, 56, 56], macs: 0 });
  assert.equal(r.extraFlops, 1806336);
  // ceil_mode: ceil((8 − 3)/2) + 1 = 4, and the last window starts at 6 < 8, so it stays.
  check('MaxPool2d', [3, 2], { ceil_mode: true }, [[1, 3, 8, 8]], { params: 0, out: [1, 3, 4, 4], macs: 0 });
  // ceil((5 + 2 − 2)/2) + 1 = 4, but window 4 would start at 6 ≥ 5 + 1 (in the right pad): dropped → 3.
  check('MaxPool2d', [2, 2, 1], { ceil_mode: true }, [[1, 1, 5, 5]], { params: 0, out: [1, 1, 3, 3], macs: 0 });
  // Dilation 2: effective kernel 5, floor((20 − 5)/2) + 1 = 8; return_indices gives (out, int64 indices).
  const idx = layer('MaxPool1d', [3], { stride: 2, dilation: 2, return_indices: true }).forward([[2, 4, 20]]);
  assert.deepEqual(shapes(idx.output), [
    [2, 4, 8],
    [2, 4, 8],
  ]);
  assert.equal((idx.output as TensorInfo[])[1].dtype, 'int64');
  // Unbatched AvgPool2d(3, 2, 1, ceil): ceil((9 + 2 − 3)/2) + 1 = 5; (5 − 1)·2 = 8 < 10 keeps it.
  check('AvgPool2d', [3, 2, 1], { ceil_mode: true, count_include_pad: false, divisor_override: 2 }, [[3, 9, 9]], {
    params: 0,
    out: [3, 5, 5],
    macs: 0,
  });
  // AvgPool1d(3, 2, 1, ceil): ceil((10 + 2 − 3)/2) + 1 = 6; (6 − 1)·2 = 10 ≥ 10 + 1? no → 6.
  check('AvgPool1d', [3, 2, 1], { ceil_mode: true }, [[2, 3, 10]], { params: 0, out: [2, 3, 6], macs: 0 });
  // LPPool2d(2, 3, stride=2): floor((9 − 3)/2) + 1 = 4.
  check('LPPool2d', [2, 3], { stride: 2 }, [[1, 4, 9, 9]], { params: 0, out: [1, 4, 4, 4], macs: 0 });
  throwsWith(() => layer('MaxPool2d', [3, 1, 2]), LayerArgError, ['pad=2', 'kernel_size=3']);
  throwsWith(() => layer('MaxPool2d', [3, 2]).forward([[1, 1, 2, 2]]), ShapeError, ['too small']);
});

test('Pooling: adaptive', () => {
  // Global average pool: (2, 512, 7, 7) → (2, 512, 1, 1); FLOPs = window 7·7 per output = 2·512·49 = 50176.
  const r = check('AdaptiveAvgPool2d', [[1, 1]], {}, [[2, 512, 7, 7]], { params: 0, out: [2, 512, 1, 1], macs: 0 });
  assert.equal(r.extraFlops, 50176);
  // None keeps the input size.
  check('AdaptiveAvgPool2d', [[null, 3]], {}, [[1, 4, 10, 10]], { params: 0, out: [1, 4, 10, 3], macs: 0 });
  check('AdaptiveAvgPool1d', [5], {}, [[3, 17]], { params: 0, out: [3, 5], macs: 0 });
  const m = layer('AdaptiveMaxPool2d', [[3, 4], true]).forward([[1, 2, 10, 9]]);
  assert.deepEqual(shapes(m.output), [
    [1, 2, 3, 4],
    [1, 2, 3, 4],
  ]);
});

test('Shape layers: Flatten, Unflatten, Dropout, Upsample, PixelShuffle, padding', () => {
  check('Flatten', [], {}, [[2, 3, 4, 5]], { params: 0, out: [2, 60], macs: 0 });
  check('Flatten', [0, -2], {}, [[2, 3, 4, 5]], { params: 0, out: [24, 5], macs: 0 });
  // 12 = 2 · 6 (the −1 is inferred).
  check('Unflatten', [1, [2, -1]], {}, [[3, 12]], { params: 0, out: [3, 2, 6], macs: 0 });
  check('Dropout', [0.3], {}, [[4, 5]], { params: 0, out: [4, 5], macs: 0 });
  throwsWith(() => layer('Dropout', [1.5]), LayerArgError, ['1.5']);
  throwsWith(() => layer('Dropout1d').forward([[2, 3, 4, 5]]), ShapeError, ['4-D']);
  // Nearest ×2: 5 → 10, no FLOPs. Bilinear to (7, 9): 4 taps · 3·63 = 756 FLOPs.
  assert.equal(
    check('Upsample', [], { scale_factor: 2 }, [[1, 3, 5, 5]], { params: 0, out: [1, 3, 10, 10], macs: 0 }).extraFlops,
    0,
  );
  const up = check('Upsample', [], { size: [7, 9], mode: 'bilinear', align_corners: false }, [[1, 3, 5, 5]], {
    params: 0,
    out: [1, 3, 7, 9],
    macs: 0,
  });
  assert.equal(up.extraFlops, 756);
  // Linear ×1.5: floor(7 · 1.5) = 10.
  check('Upsample', [], { scale_factor: 1.5, mode: 'linear' }, [[2, 3, 7]], { params: 0, out: [2, 3, 10], macs: 0 });
  check('UpsamplingBilinear2d', [], { size: [8, 10] }, [[1, 2, 4, 5]], { params: 0, out: [1, 2, 8, 10], macs: 0 });
  throwsWith(() => layer('Upsample', [], { scale_factor: 2, mode: 'bilinear' }).forward([[1, 3, 5]]), ShapeError, [
    '4-D',
    '3-D',
  ]);
  // PixelShuffle(3): 18 / 9 = 2 channels, 4·3 × 5·3. PixelUnshuffle(2): 3·4 = 12 channels, 8/2 × 6/2.
  check('PixelShuffle', [3], {}, [[1, 18, 4, 5]], { params: 0, out: [1, 2, 12, 15], macs: 0 });
  check('PixelUnshuffle', [2], {}, [[1, 3, 8, 6]], { params: 0, out: [1, 12, 4, 3], macs: 0 });
  // ZeroPad2d((left 1, right 2, top 3, bottom 4)): W 5 + 3 = 8, H 5 + 7 = 12.
  check('ZeroPad2d', [[1, 2, 3, 4]], {}, [[1, 3, 5, 5]], { params: 0, out: [1, 3, 12, 8], macs: 0 });
  check('ReflectionPad2d', [2], {}, [[1, 3, 5, 5]], { params: 0, out: [1, 3, 9, 9], macs: 0 });
  check('ReplicationPad2d', [[1, 0, 2, 3]], {}, [[3, 4, 4]], { params: 0, out: [3, 9, 5], macs: 0 });
  throwsWith(() => layer('ReflectionPad2d', [3]).forward([[1, 1, 3, 3]]), ShapeError, ['(3, 3)']);
});

test('Activations keep the shape; PReLU has parameters; GLU halves its dim', () => {
  const elementwise = [
    'ReLU',
    'ReLU6',
    'LeakyReLU',
    'ELU',
    'SELU',
    'CELU',
    'GELU',
    'SiLU',
    'Mish',
    'Hardswish',
    'Hardsigmoid',
    'Hardtanh',
    'Sigmoid',
    'Tanh',
    'Softmax',
    'LogSoftmax',
    'Softmin',
    'Softplus',
    'Softsign',
    'Tanhshrink',
  ];
  for (const op of elementwise) check(op, [], {}, [[2, 3, 4]], { params: 0, out: [2, 3, 4], macs: 0 });
  check('Threshold', [0.1, 20], {}, [[2, 3]], { params: 0, out: [2, 3], macs: 0 });
  // PReLU(): 1 shared slope; PReLU(3): one per channel of dim 1.
  check('PReLU', [], {}, [[2, 3, 4]], { params: 1, out: [2, 3, 4], macs: 0 });
  check('PReLU', [3], {}, [[2, 3, 4]], { params: 3, out: [2, 3, 4], macs: 0 });
  throwsWith(() => layer('PReLU', [3]).forward([[2, 4, 5]]), ShapeError, ['3', '4']);
  // GLU(dim=-1) on (2, 6) → (2, 3); GLU(1) on (2, 6, 5) → (2, 3, 5).
  check('GLU', [], {}, [[2, 6]], { params: 0, out: [2, 3], macs: 0 });
  check('GLU', [1], {}, [[2, 6, 5]], { params: 0, out: [2, 3, 5], macs: 0 });
  throwsWith(() => layer('GLU').forward([[2, 5]]), ShapeError, ['5']);
  throwsWith(() => layer('Softmax', [3]).forward([[2, 3, 4]]), ShapeError, ['3']);
  throwsWith(() => layer('Hardtanh', [2, 1]), LayerArgError, ['max_val']);
  throwsWith(() => layer('GELU', [], { approximate: 'fast' }), LayerArgError, ['approximate']);
});

test('Op-cost table: every layer has an entry, every entry is complete', () => {
  for (const op of Object.keys(LAYER_SPECS)) {
    assert.ok(OP_COSTS[op], `op-costs.json lacks ${op}`);
    assert.equal(LAYER_SPECS[op].op, op);
  }
  const kinds = [
    'conv',
    'linear',
    'matmul',
    'recurrent',
    'attention',
    'norm',
    'activation',
    'pool',
    'embedding',
    'reshape',
    'dropout',
    'upsample',
    'elementwise',
  ];
  for (const [op, c] of Object.entries(OP_COSTS)) {
    assert.ok(kinds.includes(c.kind), `${op}: kind ${c.kind}`);
    assert.ok(typeof c.flopsPerElement === 'number' && c.flopsPerElement >= 0, `${op}: flopsPerElement`);
    assert.ok(c.basis === 'input' || c.basis === 'output', `${op}: basis`);
    assert.ok(typeof c.doc === 'string' && c.doc.length > 10, `${op}: doc`);
  }
  for (const op of [
    'matmul',
    'add',
    'sub',
    'mul',
    'div',
    'sigmoid',
    'tanh',
    'relu',
    'gelu',
    'softmax',
    'cat',
    'view',
  ]) {
    assert.ok(OP_COSTS[op], `op-costs.json lacks functional op ${op}`);
  }
});

test('elementwiseFlops and opKind read the table', () => {
  assert.equal(elementwiseFlops('ReLU', 100, 100), 100); // 1 comparison per output element
  assert.equal(elementwiseFlops('GELU', 10, 10), 80); // 8 per output element
  assert.equal(elementwiseFlops('BatchNorm2d', 50, 50), 100); // scale + shift
  assert.equal(elementwiseFlops('MaxPool2d', 400, 100), 400); // basis: input elements
  assert.equal(elementwiseFlops('no-such-op', 1, 1), null);
  assert.equal(opKind('Conv2d'), 'conv');
  assert.equal(opKind('view'), 'reshape');
  assert.equal(opKind('no-such-op'), null);
});
