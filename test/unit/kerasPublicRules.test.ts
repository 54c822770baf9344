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
