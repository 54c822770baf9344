// The rules the public-code corpus asks of Keras analysis, each on a few lines of its own: names as
// Keras gives them, a failure inside a model is unknown (never a smaller model), an unknown argument
// that changes the architecture is unknown (never the default's figure), unknowns flow on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { analyze, repoRoot } from '../helpers/analyzer';
import { loadModelCatalog } from '../../server/src/core/catalog/modelCatalog';
import type { FileReport, ModelReport } from '../../server/src/core/report/types';

const catalog = loadModelCatalog(join(repoRoot, 'profiles', 'models'), join(repoRoot, 'profiles', 'datasets.json'));

function model(r: FileReport, name: string): ModelReport {
  const m = r.models.find((x) => x.name === name);
  assert.ok(m, `no model ${name}: ${r.models.map((x) => x.name).join(', ')}`);
  return m;
}

const reasons = (m: ModelReport) => m.unresolved.map((u) => `line ${u.range.start.line + 1}: ${u.reason}`).join('\n');

test('a layer named with name= draws no automatic name: the next Dense is dense_1', async () => {
  const r = await analyze(
    [
      'import keras',
      'from keras import layers',
      'a = keras.Input(shape=(4,))',
      'x = layers.Dense(3)(a)',
      'x = layers.Dense(2, name="z")(x)',
      'b = keras.Input(shape=(2,))',
      'y = layers.Dense(5)(b)',
      'second = keras.Model(b, y)',
    ].join('\n'),
  );
  assert.deepEqual(
    model(r, 'second').layers.map((l) => l.path),
    ['dense_1'],
  );
});

test('a layer whose call() raises makes the model unknown at that line, never a model without it', async () => {
  const r = await analyze(
    [
      'import keras',
      'from keras import layers',
      'class Block(layers.Layer):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.dense = layers.Dense(64)',
      '    def call(self, x):',
      '        y = self.dense(x) + undefined_name',
      '        return y',
      'inputs = keras.Input(shape=(8,))',
      'x = Block()(inputs)',
      'outputs = layers.Dense(2)(x)',
      'model = keras.Model(inputs, outputs)',
    ].join('\n'),
  );
  const m = model(r, 'model');
  assert.equal(m.totals.params, null, 'not the 18 params of the last Dense alone');
  assert.equal(m.totals.macs, null);
  assert.match(reasons(m), /NameError: name 'undefined_name' is not defined \(line 8\)/);
});

test('keras.applications with an unknown classes= is unknown; a stated classes= resizes the head', async () => {
  const unknownClasses = await analyze(
    'import keras\nimport os\nn = len(os.listdir("data"))\nmodel = keras.applications.EfficientNetB0(weights=None, classes=n)\n',
    { catalog },
  );
  const m = unknownClasses.models[0];
  assert.equal(m.totals.params, null, 'not the ImageNet head (5,330,571)');
  assert.match(reasons(m), /classes= is not known statically/);
  const stated = await analyze('import keras\nmodel = keras.applications.EfficientNetB0(weights=None, classes=120)\n', {
    catalog,
  });
  // keras.io's fine-tuning example prints Total params: 4,203,291 for 120 classes.
  assert.equal(stated.models[0].totals.params, 4203291);
});

test('# wattlens: size=N states the unknown number of its line: an assignment, or a layer argument', async () => {
  const src = (a: string, b: string) =>
    [
      'import keras, os',
      'from keras import layers',
      `n = len(os.listdir("classes"))${a}`,
      'inputs = keras.Input(shape=(8,))',
      `x = layers.Dense(n)(inputs)`,
      `outputs = layers.Dense(len(os.listdir("more")), activation="softmax")(x)${b}`,
      'model = keras.Model(inputs, outputs)',
    ].join('\n');
  const unstated = model(await analyze(src('', '')), 'model');
  assert.equal(unstated.totals.params, null);
  assert.match(reasons(unstated), /units is unknown/);
  const stated = model(await analyze(src('  # wattlens: size=5', '  # wattlens: size=3')), 'model');
  assert.equal(stated.totals.params, 8 * 5 + 5 + 5 * 3 + 3);
});

test('# wattlens: value=<literal> states a configuration read at run time (a dict, a list, a string)', async () => {
  const src = (comment: string) =>
    [
      'import json',
      'import keras',
      'from keras import layers',
      `cfg = json.load(open("config.json"))${comment}`,
      'model = keras.Sequential([keras.Input((4,)), layers.Dense(cfg["units"]), layers.Dense(cfg["classes"])])',
    ].join('\n');
  assert.equal(model(await analyze(src('')), 'model').totals.params, null);
  const m = model(await analyze(src('  # wattlens: value={"units": 16, "classes": 3}')), 'model');
  assert.equal(m.totals.params, 4 * 16 + 16 + 16 * 3 + 3, reasons(m));
  const malformed = await analyze(src('  # wattlens: value={"units": 16'));
  assert.ok(
    malformed.diagnostics.some(
      (d) => d.range.start.line === 3 && /value= ignored: expected ',' or '}' at 'the end'/.test(d.message),
    ),
    malformed.diagnostics.map((d) => d.message).join('\n'),
  );
});

test('Input(shape=x_train.shape[1:]) is unknown until --input or a # wattlens: input= comment states it', async () => {
  const src = (comment: string) =>
    [
      'import numpy as np',
      'import keras',
      'from keras import layers',
      'x_train = np.load("x.npy")',
      'def build(shape):',
      '    inputs = keras.Input(shape=shape)',
      '    x = layers.Conv1D(filters=inputs.shape[-1], kernel_size=1)(inputs)',
      '    return keras.Model(inputs, x)',
      comment,
      'model = build(x_train.shape[1:])',
    ].join('\n');
  const unknownShape = model(await analyze(src('')), 'model');
  assert.equal(unknownShape.totals.params, null);
  assert.match(reasons(unknownShape), /comes from data/);
  const commented = model(await analyze(src('# wattlens: input=(1, 500, 3)')), 'model');
  assert.equal(commented.totals.params, 3 * 3 + 3);
  assert.equal(commented.totals.macs, 500 * 3 * 3);
  const flagged = model(await analyze(src(''), { input: [[1, 20, 4]] }), 'model');
  assert.equal(flagged.totals.params, 4 * 4 + 4);
});

test('# wattlens: shape=(...) states an array the file reads from data', async () => {
  const r = await analyze(
    [
      'import numpy as np',
      'import keras',
      'from keras import layers',
      'feats = np.load("f.npy")  # wattlens: shape=(100, 12)',
      'model = keras.Sequential([layers.Dense(4)])',
      'y = model(feats)',
    ].join('\n'),
  );
  assert.equal(model(r, 'model').totals.params, 12 * 4 + 4);
});

test('None dimensions flow through keras.ops.shape arithmetic as symbols: the model is reported', async () => {
  const src = [
    'import keras',
    'from keras import layers, ops',
    'class DepthToSpace(layers.Layer):',
    '    def call(self, x):',
    '        b, h, w, c = ops.shape(x)',
    '        x = ops.reshape(x, [b, h, w, 2, 2, c // 4])',
    '        return ops.reshape(x, [b, h * 2, w * 2, c // 4])',
    'inputs = keras.Input(shape=(None, None, 1))',
    'x = layers.Conv2D(4, 3, padding="same")(inputs)',
    'model = keras.Model(inputs, DepthToSpace()(x))',
  ];
  const m = model(await analyze(src.join('\n')), 'model');
  assert.equal(m.totals.params, 40, 'parameters do not depend on the None dims');
  assert.equal(m.totals.macs, null);
  const declared = [...src.slice(0, 7), '# wattlens: input=(1, 8, 8, 1)', ...src.slice(7)];
  const given = model(await analyze(declared.join('\n')), 'model');
  assert.equal(given.totals.macs, 8 * 8 * 4 * 9);
});

test('masks: compute_mask and supports_masking pass a mask to the next layer’s call(mask=...)', async () => {
  const r = await analyze(
    [
      'import keras',
      'from keras import layers, ops',
      'class Embed(layers.Layer):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.e = layers.Embedding(100, 8)',
      '    def call(self, x):',
      '        return self.e(x)',
      '    def compute_mask(self, x, mask=None):',
      '        return ops.not_equal(x, 0)',
      'class Block(layers.Layer):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.d = layers.Dense(8)',
      '    def call(self, x, mask=None):',
      '        if mask is not None:',
      '            m = ops.cast(mask[:, None, :], "int32")',
      '        return self.d(x) * ops.cast(m, "float32")[:, 0, :, None]',
      'inputs = keras.Input(shape=(5,), dtype="int64")',
      'model = keras.Model(inputs, Block()(Embed()(inputs)))',
    ].join('\n'),
  );
  const m = model(r, 'model');
  assert.equal(m.totals.params, 800 + 72, reasons(m));
});

test('a loop over data the analysis cannot see leaves what it fills unknown, not empty or zero', async () => {
  const r = await analyze(
    [
      'import os',
      'import keras',
      'from keras import layers',
      'names = []',
      'count = 0',
      'for f in os.listdir("data"):',
      '    names.append(f)',
      '    count += 1',
      'model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(count)])',
    ].join('\n'),
  );
  const m = model(r, 'model');
  assert.equal(m.totals.params, null, 'not Dense(0)');
  assert.match(reasons(m), /loop skipped \(line 6\)/);
});

test('keras.ops maximum / sqrt / sum inside a Lambda with output_shape are costed', async () => {
  const r = await analyze(
    [
      'import keras',
      'from keras import layers, ops',
      'def dist(v):',
      '    x, y = v',
      '    s = ops.sum(ops.square(x - y), axis=1, keepdims=True)',
      '    return ops.sqrt(ops.maximum(s, keras.backend.epsilon()))',
      'a = keras.Input((10,))',
      'b = keras.Input((10,))',
      'out = layers.Lambda(dist, output_shape=(1,))([a, b])',
      'model = keras.Model([a, b], layers.Dense(1)(out))',
    ].join('\n'),
  );
  const m = model(r, 'model');
  assert.equal(m.totals.params, 2);
  assert.ok(m.totals.macs !== null && m.totals.flops !== null, reasons(m));
});

test('a Lambda whose function uses an op not modelled: output_shape= gives its output, its cost is unknown', async () => {
  const r = await analyze(
    [
      'import keras',
      'from keras import layers, ops',
      'a = keras.Input((10,))',
      'out = layers.Lambda(lambda v: ops.fft2(v), output_shape=(4,))(a)',
      'model = keras.Model(a, layers.Dense(1)(out))',
    ].join('\n'),
  );
  const m = model(r, 'model');
  assert.equal(m.totals.params, 4 + 1, 'the Dense after it is sized by output_shape');
  assert.equal(m.totals.macs, null, 'never 0');
  assert.match(reasons(m), /line 4: .*keras\.ops\.fft2.*output_shape given/);
});

test('sorted() and comprehensions over data keep the builder going: the model is reported, unknown', async () => {
  const r = await analyze(
    [
      'import os',
      'import keras',
      'from keras import layers',
      'labels = [f.split(".")[0] for f in os.listdir("captchas")]',
      'characters = sorted(set(c for label in labels for c in label))',
      'inputs = keras.Input(shape=(16,))',
      'outputs = layers.Dense(len(characters) + 1)(inputs)',
      'model = keras.Model(inputs, outputs)',
    ].join('\n'),
  );
  const m = model(r, 'model');
  assert.equal(m.totals.params, null);
  assert.match(reasons(m), /units is unknown/);
});

test('lookup layers: # wattlens: vocab=N, a vocabulary= list, or max_tokens= size what reads them', async () => {
  const src = (comment: string) =>
    [
      'import os',
      'import keras',
      'from keras import layers',
      'chars = sorted(os.listdir("x"))',
      comment,
      'lookup = layers.StringLookup(vocabulary=chars, mask_token=None)',
      'vectorizer = layers.TextVectorization(max_tokens=500, output_sequence_length=20)',
      'inputs = keras.Input(shape=(20,))',
      'x = layers.Embedding(vectorizer.vocabulary_size(), 4)(inputs)',
      'outputs = layers.Dense(len(lookup.get_vocabulary()) + 1)(x)',
      'model = keras.Model(inputs, outputs)',
    ].join('\n');
  const unknownVocab = model(await analyze(src('')), 'model');
  assert.equal(unknownVocab.totals.params, null);
  assert.match(reasons(unknownVocab), /vocabulary size of StringLookup at line 6 is not known/);
  const stated = model(await analyze(src('# wattlens: vocab=19')), 'model');
  assert.equal(stated.totals.params, 500 * 4 + 4 * 20 + 20);
});

test('a layer that returns one of its inputs keeps the layers before it in the model', async () => {
  const r = await analyze(
    [
      'import keras',
      'from keras import layers',
      'class Passthrough(layers.Layer):',
      '    def call(self, y_true, y_pred):',
      '        return y_pred',
      'image = keras.Input(shape=(8,))',
      'labels = keras.Input(shape=(None,))',
      'x = layers.Dense(4)(image)',
      'out = Passthrough()(labels, x)',
      'model = keras.Model([image, labels], out)',
    ].join('\n'),
  );
  assert.equal(model(r, 'model').totals.params, 36);
});

test('a Conv2D subclass calling self.convolution_op has the convolution’s weights and MACs', async () => {
  const r = await analyze(
    [
      'import tensorflow as tf',
      'from tensorflow import keras',
      'from tensorflow.keras import layers',
      'class StandardizedConv2D(layers.Conv2D):',
      '    def call(self, inputs):',
      '        mean, var = tf.nn.moments(self.kernel, axes=[0, 1, 2], keepdims=True)',
      '        return self.convolution_op(inputs, (self.kernel - mean) / tf.sqrt(var + 1e-10))',
      'inputs = keras.Input(shape=(32, 32, 3))',
      'model = keras.Model(inputs, StandardizedConv2D(8, 3)(inputs))',
    ].join('\n'),
  );
  const m = model(r, 'model');
  assert.equal(m.totals.params, 3 * 3 * 3 * 8 + 8);
  assert.equal(m.totals.macs, 30 * 30 * 8 * 27);
});

test('tf.image.extract_patches and keras.ops.image.extract_patches give the patch tensor', async () => {
  for (const call of [
    'tf.image.extract_patches(images=x, sizes=[1, 4, 4, 1], strides=[1, 4, 4, 1], rates=[1, 1, 1, 1], padding="VALID")',
    'keras.ops.image.extract_patches(x, size=4)',
  ]) {
    const r = await analyze(
      [
        'import tensorflow as tf',
        'import keras',
        'from keras import layers',
        'class Patches(layers.Layer):',
        '    def call(self, x):',
        `        p = ${call}`,
        '        return keras.ops.reshape(p, (-1, 64, p.shape[-1]))',
        'inputs = keras.Input(shape=(32, 32, 3))',
        'model = keras.Model(inputs, layers.Dense(16)(Patches()(inputs)))',
      ].join('\n'),
    );
    assert.equal(model(r, 'model').totals.params, 48 * 16 + 16, call);
  }
});

test('a model whose outputs cannot be formed has unknown MACs, never 0', async () => {
  const r = await analyze(
    [
      'import keras',
      'from keras import layers',
      'class Odd(layers.Conv2D):',
      '    def call(self, x):',
      '        return self.not_a_method(x)',
      'inputs = keras.Input(shape=(8, 8, 3))',
      'model = keras.Model(inputs, Odd(4, 3)(inputs))',
    ].join('\n'),
  );
  const m = model(r, 'model');
  assert.equal(m.totals.macs, null);
  assert.equal(m.totals.params, null);
});
