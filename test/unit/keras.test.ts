// Keras / tf.keras: every fixture in test/fixtures/keras (written as the Keras docs write them) must
// give exactly the params model.summary() prints and the MACs computed by hand in its header; plus
// layer-formula checks, import styles, and bad input that must yield located reasons, not crashes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, repoRoot } from '../helpers/analyzer';
import type { FileReport, ModelReport } from '../../server/src/core/report/types';
import { KERAS_LAYERS, kerasOpCost } from '../../server/src/core/frameworks/keras';
import { opKind } from '../../server/src/core/opCosts/opCosts';

const dir = join(repoRoot, 'test', 'fixtures', 'keras');
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.py'))
  .sort()
  .map((f) => ({ name: f, source: readFileSync(join(dir, f), 'utf8') }));

const EXPECT = /^# expect: (\S+) params=(\d+) macs=(\d+)\s*$/gm;

function model(report: FileReport, name: string, root = true): ModelReport {
  const m = report.models.find((x) => x.name === name && x.root === root);
  assert.ok(
    m,
    `no ${root ? 'root' : 'block'} model ${name}; models: ${report.models.map((x) => `${x.name}${x.root ? '' : ' (block)'}`).join(', ')}`,
  );
  return m;
}

const layer = (m: ModelReport, path: string) => {
  const l = m.layers.find((x) => x.path === path);
  assert.ok(l, `no layer ${path} in ${m.name}: ${m.layers.map((x) => x.path).join(', ')}`);
  return l;
};

test('the Keras fixtures cover the documented model styles, each with expectations', () => {
  assert.ok(fixtures.length >= 6, `only ${fixtures.length} fixtures`);
  for (const f of fixtures) assert.ok([...f.source.matchAll(EXPECT)].length > 0, `${f.name} has no "# expect:" line`);
});

for (const f of fixtures) {
  test(`Keras fixture matches its hand-computed summary: ${f.name}`, async () => {
    const report = await analyze(f.source, { file: f.name });
    for (const [, name, params, macs] of f.source.matchAll(EXPECT)) {
      const m = model(report, name);
      assert.equal(m.framework, 'keras');
      const why = m.unresolved.map((u) => `line ${u.range.start.line + 1}: ${u.reason}`).join('; ');
      assert.equal(m.totals.params, Number(params), `${name} params (${why})`);
      assert.equal(m.totals.macs, Number(macs), `${name} MACs (${why})`);
      assert.ok(m.totals.flops !== null && m.totals.flops >= 2 * Number(macs), `${name} FLOPs`);
      assert.deepEqual(m.unresolved, [], `${name} should resolve fully`);
    }
    assert.deepEqual(
      report.diagnostics.filter((d) => d.severity === 'warning' || d.severity === 'error'),
      [],
      'no warnings',
    );
  });
}

const load = (name: string) => fixtures.find((f) => f.name === name)!.source;

test('MNIST convnet: Keras layer names, channels-last shapes and per-layer figures', async () => {
  const m = model(await analyze(load('mnist_convnet.py')), 'model');
  assert.deepEqual(
    m.layers.map((l) => l.path),
    ['conv2d', 'max_pooling2d', 'conv2d_1', 'max_pooling2d_1', 'flatten', 'dropout', 'dense'],
  );
  assert.deepEqual(layer(m, 'conv2d').outputShape, [1, 26, 26, 32]);
  assert.equal(layer(m, 'conv2d_1').params, 18496);
  assert.deepEqual(layer(m, 'flatten').outputShape, [1, 1600]);
  assert.equal(layer(m, 'dense').params, 16010);
  // FLOPs = 2 x MACs + bias add + activation: conv2d 2*194,688 + 21,632 (bias) + 21,632 (ReLU).
  assert.equal(layer(m, 'conv2d').flops, 2 * 194688 + 21632 + 21632);
  assert.deepEqual(m.input?.shape, [1, 28, 28, 1]);
  assert.match(m.input!.source, /keras\.Input\(shape=\(28, 28, 1\)\), line \d+/);
});

test('transformer block: MultiHeadAttention weights, block reports of the custom layers', async () => {
  const report = await analyze(load('transformer_text_classification.py'));
  const m = model(report, 'model');
  const att = layer(m, 'transformer_block.att');
  assert.equal(att.op, 'MultiHeadAttention');
  assert.equal(att.params, 8416);
  assert.equal(att.macs, 6758400);
  assert.equal(layer(m, 'transformer_block.ffn.dense').params, 1056);
  const block = model(report, 'TransformerBlock', false);
  assert.equal(block.totals.params, 10656);
  assert.equal(block.totals.macs, 6758400 + 409600);
  assert.equal(model(report, 'TokenAndPositionEmbedding', false).totals.params, 646400);
});

test('Bidirectional doubles the wrapped LSTM; None sequence length leaves MACs unresolved with a reason', async () => {
  const source = load('bidirectional_lstm_imdb.py');
  const m = model(await analyze(source), 'model');
  assert.equal(layer(m, 'bidirectional').params, 98816);
  assert.deepEqual(layer(m, 'bidirectional').outputShape, [1, 200, 128]);
  const bare = model(await analyze(source.replace('# wattlens: input=(1, 200)\n', '')), 'model');
  assert.equal(bare.totals.params, 2757761, 'params do not depend on the sequence length');
  assert.equal(bare.totals.macs, null);
  assert.ok(
    bare.unresolved.some((u) => /None/.test(u.reason) && /wattlens: input/.test(u.reason)),
    JSON.stringify(bare.unresolved),
  );
});

test('multi-input model: declared shapes go to each keras.Input in order', async () => {
  const m = model(await analyze(load('functional_multi_input.py')), 'model');
  assert.deepEqual(layer(m, 'lstm').inputShape, [1, 10, 64]);
  assert.deepEqual(layer(m, 'lstm_1').inputShape, [1, 100, 64]);
  assert.deepEqual(layer(m, 'concatenate').outputShape, [1, 172]);
  assert.equal(layer(m, 'department').params, 692);
});

test('subclassed model: attribute paths, and an input from model.build or a call', async () => {
  const m = model(await analyze(load('subclassed_model.py')), 'MyModel');
  assert.deepEqual(
    m.layers.map((l) => l.path),
    ['conv1', 'flatten', 'd1', 'd2'],
  );
  assert.match(m.input!.source, /wattlens: input comment/);
  const src = (input: string) => `
import tensorflow as tf
from tensorflow import keras

class MLP(keras.Model):
    def __init__(self, hidden=64, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(hidden, activation="relu")
        self.out = keras.layers.Dense(10)
        self.unused = keras.layers.Dense(5)

    def call(self, inputs, training=False):
        return self.out(self.hidden(inputs))

model = MLP()
${input}
`;
  for (const input of [
    'model.build((None, 784))',
    'y = model(tf.zeros((1, 784)))',
    'y = model(tf.random.normal((1, 784)), training=True)',
  ]) {
    const r = model(await analyze(src(input)), 'MLP');
    assert.equal(r.totals.params, 784 * 64 + 64 + 64 * 10 + 10, input);
    assert.equal(r.totals.macs, 784 * 64 + 64 * 10, input);
    assert.equal(layer(r, 'unused').params, 0, 'a layer call() never uses stays unbuilt, as in Keras');
    assert.deepEqual(r.input?.shape, [1, 784]);
  }
  const none = model(await analyze(src('')), 'MLP');
  assert.equal(none.totals.params, null);
  assert.match(none.unresolved[0].reason, /no input shape for MLP/);
});

test('custom layers: add_weight in build(), ops.matmul costed inside call()', async () => {
  const report = await analyze(load('custom_layers.py'));
  const m = model(report, 'MLPBlock');
  assert.equal(layer(m, 'linear_1.matmul').macs, 3 * 64 * 32);
  assert.deepEqual(m.input?.shape, [3, 64]);
  assert.equal(model(report, 'Linear', false).totals.params, 2080);
});

test('import styles: keras, tf.keras, tensorflow.keras, tf_keras and from-imports', async () => {
  const styles = [
    'import keras\nL = keras.layers\nS = keras.Sequential',
    'import tensorflow as tf\nL = tf.keras.layers\nS = tf.keras.Sequential',
    'from tensorflow import keras\nL = keras.layers\nS = keras.models.Sequential',
    'import tensorflow.keras.layers as L\nfrom tensorflow.keras.models import Sequential as S',
    'from keras import layers as L\nfrom keras import Sequential as S',
    'import tf_keras\nL = tf_keras.layers\nS = tf_keras.Sequential',
  ];
  for (const head of styles) {
    const r = await analyze(`${head}\nnet = S([L.Dense(32, activation="relu", input_shape=(16,)), L.Dense(4)])\n`);
    const m = model(r, 'net');
    assert.equal(m.totals.params, 16 * 32 + 32 + 32 * 4 + 4, head);
    assert.equal(m.totals.macs, 16 * 32 + 32 * 4, head);
  }
  const direct = await analyze(
    'from tensorflow.keras.layers import Dense, Conv2D, Input\nfrom tensorflow.keras.models import Model\n' +
      'i = Input((8, 8, 3))\no = Dense(2)(Conv2D(4, 3)(i))\nm = Model(i, o)\n',
  );
  assert.equal(model(direct, 'm').totals.params, 3 * 3 * 3 * 4 + 4 + 4 * 2 + 2);
});

/** Builds a one-layer functional model on `input` and returns its report. */
async function oneLayer(layerSrc: string, input: string): Promise<ModelReport> {
  const r = await analyze(
    `import keras\nfrom keras import layers\ni = keras.Input(shape=${input})\no = ${layerSrc}(i)\nm = keras.Model(i, o)\n`,
  );
  const warnings = r.diagnostics.filter((d) => d.severity !== 'hint' && d.severity !== 'information');
  assert.deepEqual(warnings, [], layerSrc);
  return model(r, 'm');
}

test('layer formulas: params as model.summary() counts them, MACs by the torch conventions', async () => {
  const cases: [string, string, number, number, number[]][] = [
    // [layer, input shape, params, MACs, output shape]
    ['layers.Conv2D(8, 3, strides=2, padding="same")', '(9, 9, 4)', 3 * 3 * 4 * 8 + 8, 5 * 5 * 8 * 36, [1, 5, 5, 8]],
    ['layers.Conv2D(8, (1, 3), use_bias=False, groups=2)', '(5, 5, 4)', 1 * 3 * 2 * 8, 5 * 3 * 8 * 6, [1, 5, 3, 8]],
    ['layers.Conv1D(6, 3, padding="causal", dilation_rate=2)', '(10, 4)', 3 * 4 * 6 + 6, 10 * 6 * 12, [1, 10, 6]],
    ['layers.Conv3D(2, 3)', '(5, 5, 5, 1)', 27 * 2 + 2, 27 * 2 * 27, [1, 3, 3, 3, 2]],
    ['layers.Conv2DTranspose(4, 3, strides=2)', '(5, 5, 2)', 3 * 3 * 4 * 2 + 4, 5 * 5 * 2 * 9 * 4, [1, 11, 11, 4]],
    ['layers.DepthwiseConv2D(3, depth_multiplier=2)', '(6, 6, 3)', 3 * 3 * 3 * 2 + 3 * 2, 4 * 4 * 6 * 9, [1, 4, 4, 6]],
    [
      'layers.SeparableConv2D(5, 3, padding="same")',
      '(4, 4, 3)',
      3 * 3 * 3 + 3 * 5 + 5,
      4 * 4 * 3 * 9 + 4 * 4 * 5 * 3,
      [1, 4, 4, 5],
    ],
    ['layers.BatchNormalization()', '(4, 4, 6)', 4 * 6, 0, [1, 4, 4, 6]],
    ['layers.BatchNormalization(center=False)', '(6,)', 3 * 6, 0, [1, 6]],
    ['layers.LayerNormalization()', '(7, 12)', 2 * 12, 0, [1, 7, 12]],
    ['layers.Embedding(50, 8)', '(7,)', 400, 0, [1, 7, 8]],
    ['layers.SimpleRNN(4, return_sequences=True)', '(5, 3)', 4 * (3 + 4) + 4, 5 * 4 * 7, [1, 5, 4]],
    ['layers.LSTM(4)', '(5, 3)', 4 * (4 * (3 + 4) + 4), 5 * 4 * 4 * 7, [1, 4]],
    ['layers.GRU(4)', '(5, 3)', 3 * (4 * (3 + 4) + 2 * 4), 5 * 3 * 4 * 7, [1, 4]],
    ['layers.GRU(4, reset_after=False)', '(5, 3)', 3 * (4 * (3 + 4) + 4), 5 * 3 * 4 * 7, [1, 4]],
    ['layers.Bidirectional(layers.GRU(4), merge_mode="sum")', '(5, 3)', 2 * 3 * (4 * 7 + 8), 2 * 5 * 3 * 4 * 7, [1, 4]],
    ['layers.TimeDistributed(layers.Dense(3))', '(5, 4)', 4 * 3 + 3, 5 * 4 * 3, [1, 5, 3]],
    ['layers.MaxPooling2D(2)', '(5, 5, 3)', 0, 0, [1, 2, 2, 3]],
    ['layers.AveragePooling2D(2, padding="same")', '(5, 5, 3)', 0, 0, [1, 3, 3, 3]],
    ['layers.MaxPooling1D()', '(9, 3)', 0, 0, [1, 4, 3]],
    ['layers.AveragePooling1D(3, strides=1)', '(9, 3)', 0, 0, [1, 7, 3]],
    ['layers.GlobalAveragePooling1D()', '(9, 3)', 0, 0, [1, 3]],
    ['layers.GlobalMaxPooling2D()', '(4, 4, 3)', 0, 0, [1, 3]],
    ['layers.Flatten()', '(4, 4, 3)', 0, 0, [1, 48]],
    ['layers.Reshape((-1, 4))', '(4, 4, 3)', 0, 0, [1, 12, 4]],
    ['layers.Dense(5, use_bias=False)', '(3, 7)', 35, 3 * 5 * 7, [1, 3, 5]],
    ['layers.Activation("gelu")', '(6,)', 0, 0, [1, 6]],
    ['layers.ReLU()', '(6,)', 0, 0, [1, 6]],
    ['layers.Dropout(0.5)', '(6,)', 0, 0, [1, 6]],
    ['layers.PReLU(shared_axes=[1, 2])', '(4, 4, 3)', 3, 0, [1, 4, 4, 3]],
    ['layers.UpSampling2D(2)', '(3, 3, 2)', 0, 0, [1, 6, 6, 2]],
    ['layers.ZeroPadding2D(1)', '(3, 3, 2)', 0, 0, [1, 5, 5, 2]],
  ];
  for (const [src, input, params, macs, out] of cases) {
    const m = await oneLayer(src, input);
    assert.equal(m.totals.params, params, `${src} params`);
    assert.equal(m.totals.macs, macs, `${src} MACs`);
    assert.deepEqual(m.layers.at(-1)!.outputShape, out, `${src} output`);
  }
});

test('MultiHeadAttention with value_dim, output_shape and separate key/value widths', async () => {
  const r = await analyze(`import keras
from keras import layers
q = keras.Input(shape=(4, 8))
v = keras.Input(shape=(6, 10))
k = keras.Input(shape=(6, 12))
o = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=5, output_shape=7)(q, v, key=k)
m = keras.Model([q, v, k], o)
`);
  const m = model(r, 'm');
  const h = 2;
  // query 8*2*3 + 2*3, key 12*2*3 + 2*3, value 10*2*5 + 2*5, output 2*5*7 + 7
  assert.equal(m.totals.params, 8 * h * 3 + h * 3 + (12 * h * 3 + h * 3) + (10 * h * 5 + h * 5) + (h * 5 * 7 + 7));
  assert.equal(
    m.totals.macs,
    4 * 8 * h * 3 + 6 * 12 * h * 3 + 6 * 10 * h * 5 + 4 * 6 * h * 3 + 4 * 6 * h * 5 + 4 * h * 5 * 7,
  );
  assert.deepEqual(m.layers[0].outputShape, [1, 4, 7]);
});

test('functional API details: shared layers count once, Lambda and x + y become graph nodes, --batch scales', async () => {
  const src = `import keras
from keras import layers
a = keras.Input(shape=(16,))
b = keras.Input(shape=(16,))
shared = layers.Dense(8)
x = shared(a) + shared(b)
x = layers.Lambda(lambda t: t * 2.0)(x)
m = keras.Model(inputs=[a, b], outputs=x)
`;
  const m = model(await analyze(src), 'm');
  assert.equal(m.totals.params, 16 * 8 + 8);
  assert.equal(m.totals.macs, 2 * 16 * 8);
  assert.deepEqual(
    m.layers.map((l) => l.op),
    ['Dense', 'Dense', 'add', 'mul'],
  );
  const batched = model(await analyze(src, { batch: 4 }), 'm');
  assert.equal(batched.totals.macs, 4 * 2 * 16 * 8);
  assert.deepEqual(batched.input?.shape, [4, 16]);
});

test('bad Keras code: located reasons, no crash', async () => {
  const mismatch = await analyze(`import keras
from keras import layers
a = keras.Input(shape=(4, 4, 3))
b = keras.Input(shape=(5, 5, 3))
x = layers.Concatenate()([a, b])
y = layers.Dense(2)(x)
m = keras.Model([a, b], y)
`);
  const warn = mismatch.diagnostics.find((d) => d.code === 'shape-mismatch' || /Concatenate/.test(d.message));
  assert.ok(warn, JSON.stringify(mismatch.diagnostics));
  assert.equal(warn.range.start.line, 4);
  assert.equal(model(mismatch, 'm').totals.macs, null);

  const unknownArg = await analyze(
    'import keras\nm = keras.Sequential([keras.layers.Dense(4, input_shape=(3,), kernal_size=3)])\n',
  );
  const u = model(unknownArg, 'm');
  assert.equal(u.totals.params, null);
  assert.ok(
    u.unresolved.some((x) => /kernal_size/.test(x.reason)),
    JSON.stringify(u.unresolved),
  );

  const noInput = await analyze(
    'import keras\nm = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(2)])\nm.compile(optimizer="adam")\n',
  );
  assert.equal(model(noInput, 'm').totals.params, null);
  assert.match(model(noInput, 'm').unresolved[0].reason, /no input shape/);

  const callable = await analyze(
    'import keras\nimport tensorflow as tf\nm = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation=lambda x: x), keras.layers.Dense(2, activation=tf.nn.relu)])\n',
  );
  const c = model(callable, 'm');
  assert.equal(c.totals.params, 3 * 4 + 4 + 4 * 2 + 2);
  assert.equal(c.totals.macs, 12 + 8);
  assert.equal(c.layers[0].flops, null, 'a Python function as activation: FLOPs unknown');
  assert.equal(c.layers[1].flops, 2 * 8 + 2 + 2, 'tf.nn.relu is recognised');

  const hub = await analyze(
    'import keras\nimport tensorflow_hub as hub\nm = keras.Sequential([keras.Input((3,)), hub.KerasLayer("https://tfhub.dev/x"), keras.layers.Dense(2)])\n',
  );
  assert.equal(model(hub, 'm').totals.params, null);
});

test('op-cost table: every Keras layer has an entry (keras.-prefixed where torch has the name)', () => {
  for (const [name, spec] of Object.entries(KERAS_LAYERS)) {
    assert.equal(spec.op, name);
    const cost = kerasOpCost(name);
    assert.ok(cost, `op-costs.json lacks ${name} / keras.${name}`);
    assert.ok(opKind(`keras.${name}`) ?? opKind(name));
  }
  assert.equal(kerasOpCost('LSTM')!.flopsPerElement, 34, 'Keras LSTM: one bias per gate');
  assert.equal(kerasOpCost('Dense')!.kind, 'linear');
});
