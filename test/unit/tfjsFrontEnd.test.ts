// The TF.js front end of the shared Keras layers: each tf.layers factory maps onto one Keras layer
// spec (camelCase options read as snake_case arguments in one place), so the same layer written in
// Keras and in TF.js costs the same; every factory has its op-cost entry, and a missing entry is
// unknown, never 0 FLOPs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, loadParser, repoRoot } from '../helpers/analyzer';
import { analyzeTypeScript } from '../../server/src/core/analysis/analyzeTfjs';
import { KERAS_LAYERS, kerasOpCost } from '../../server/src/core/frameworks/keras';
import { extraFlopsOf } from '../../server/src/core/frameworks/keras/layers/spec';
import { FACTORY_MAPPINGS, camelCase } from '../../server/src/core/frameworks/tfjs/layers/frontEnd';
import { layerFactories, layerSpec } from '../../server/src/core/frameworks/tfjs/layers';
import { opCost } from '../../server/src/core/opCosts/opCosts';

test('every tf.layers factory is computed by a Keras layer spec, except the two tfjs alone has', () => {
  for (const [factory, mapping] of Object.entries(FACTORY_MAPPINGS))
    assert.ok(KERAS_LAYERS[mapping.keras], `${factory} → ${mapping.keras} is not a Keras layer`);
  const own = layerFactories().filter((f) => !(f in FACTORY_MAPPINGS));
  assert.deepEqual(own.sort(), ['inputLayer', 'thresholdedReLU']);
});

test('every TF.js layer has its op-cost entry', () => {
  for (const factory of layerFactories()) {
    const spec = layerSpec(factory)!;
    if (spec.className === 'InputLayer') continue;
    const entry = spec.className === 'ThresholdedReLU' ? opCost('Threshold') : kerasOpCost(spec.className);
    assert.ok(entry, `no op-cost entry for tf.layers.${factory} (${spec.className})`);
  }
});

test('a missing op-cost entry is unknown FLOPs, never 0', () => {
  assert.equal(extraFlopsOf('NoSuchOp', { outputs: [[1, 4]], macs: 0 }, [[1, 4]]), null);
  // No TF.js source turns a missing entry into 0 any more.
  const dir = join(repoRoot, 'server', 'src', 'core', 'frameworks', 'tfjs');
  const sources = readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(join(dir, f), 'utf8'));
  for (const text of sources) assert.doesNotMatch(text, /(elementwiseFlops|opCost)\([^)]*\)\s*\?\?\s*0/);
});

test('option names are mapped in one place: snake_case Keras arguments read as camelCase tfjs options', () => {
  assert.equal(camelCase('kernel_size'), 'kernelSize');
  assert.equal(camelCase('recurrent_activation'), 'recurrentActivation');
  assert.equal(camelCase('units'), 'units');
});

/** The same layers written for Keras and for TF.js; each pair must give identical figures. */
const PAIRS: [string, string, number[]][] = [
  [
    'layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")',
    "conv2d({filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu'",
    [12, 12, 3],
  ],
  ['layers.Dense(16, activation="softmax")', "dense({units: 16, activation: 'softmax'", [10]],
  [
    'layers.LSTM(8, return_sequences=True, recurrent_activation="hard_sigmoid")',
    'lstm({units: 8, returnSequences: true',
    [5, 4],
  ],
  ['layers.GRU(6, reset_after=False, recurrent_activation="hard_sigmoid")', 'gru({units: 6', [5, 4]],
  ['layers.SeparableConv2D(4, 3)', 'separableConv2d({filters: 4, kernelSize: 3', [8, 8, 2]],
  ['layers.BatchNormalization()', 'batchNormalization({', [6, 3]],
  ['layers.MaxPooling2D(2)', 'maxPooling2d({poolSize: 2', [8, 8, 3]],
  ['layers.Embedding(100, 8)', 'embedding({inputDim: 100, outputDim: 8', [7]],
];

for (const [keras, tfjs, shape] of PAIRS) {
  test(`one implementation, two front ends: ${keras}`, async () => {
    const py = await analyze(
      `import keras\nfrom keras import layers\nmodel = keras.Sequential([keras.Input(shape=(${shape.join(', ')},)), ${keras}])\n`,
    );
    const ts = analyzeTypeScript(
      await loadParser(),
      `import * as tf from '@tensorflow/tfjs';\nconst model = tf.sequential();\nmodel.add(tf.layers.${tfjs}, inputShape: [${shape.join(', ')}]}));\n`,
      { file: 'model.ts' },
    );
    const [k, t] = [py.models[0].layers[0], ts.models[0].layers[0]];
    assert.deepEqual(
      [t.params, t.macs, t.flops, t.outputShape],
      [k.params, k.macs, k.flops, k.outputShape],
      `${tfjs} vs ${keras}`,
    );
    assert.ok(k.params !== null && k.macs !== null && k.flops !== null);
  });
}
