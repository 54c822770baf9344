// TensorFlow.js analysis: tutorial-style fixtures checked against their inline `// expect:` lines
// (hand-computed from the tfjs-layers weight shapes), per-layer numbers and names, each modelled
// layer on its own, and bad input (type errors, syntax errors, unknown layers, run-time options,
// unbounded loops) giving located reasons without crashing or hanging.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadParser, repoRoot } from '../helpers/analyzer';
import { analyzeTypeScript, type AnalyzeTsOptions } from '../../server/src/core/analysis/analyzeTfjs';
import type { FileReport, ModelReport } from '../../server/src/core/report/types';

const fixtures = join(repoRoot, 'test', 'fixtures', 'tfjs');

async function analyzeTs(text: string, options: Partial<AnalyzeTsOptions> = {}): Promise<FileReport> {
  const parser = await loadParser();
  // Speed is the benchmark's business (npm run bench), not an assertion that flakes on a busy machine.
  return analyzeTypeScript(parser, text, { file: 'model.ts', ...options });
}

function model(r: FileReport, name: string): ModelReport {
  const m = r.models.find((x) => x.name === name);
  assert.ok(m, `no model '${name}' among ${r.models.map((x) => x.name).join(', ')}`);
  return m!;
}

const messages = (r: FileReport) =>
  [...r.diagnostics.map((d) => d.message), ...r.models.flatMap((m) => m.unresolved.map((u) => u.reason))].join('\n');

/** `// expect: <name> params=<int> macs=<int>` lines of a fixture. */
function expectations(text: string): { name: string; params: number; macs: number }[] {
  return [...text.matchAll(/\/\/ expect: (\S+) params=(\d+) macs=(\d+)/g)].map((m) => ({
    name: m[1],
    params: Number(m[2]),
    macs: Number(m[3]),
  }));
}

for (const file of readdirSync(fixtures).filter((f) => /\.(ts|js)$/.test(f))) {
  test(`fixture ${file} matches its hand-computed params and MACs`, async () => {
    const text = readFileSync(join(fixtures, file), 'utf8');
    const expected = expectations(text);
    assert.ok(expected.length > 0, 'the fixture states its expectations');
    const r = await analyzeTs(text, { file });
    for (const e of expected) {
      const m = model(r, e.name);
      assert.equal(m.framework, 'tfjs');
      assert.equal(m.root, true);
      assert.deepEqual(m.unresolved, [], `${e.name}: ${m.unresolved.map((u) => u.reason).join('; ')}`);
      assert.equal(m.totals.params, e.params, `${e.name} params`);
      assert.equal(m.totals.macs, e.macs, `${e.name} MACs`);
      assert.equal(m.totals.weightBytes, e.params * 4);
      assert.equal(typeof m.totals.flops, 'number');
      assert.equal(
        m.layers.reduce((s, l) => s + (l.macs ?? NaN), 0),
        e.macs,
      );
    }
    assert.deepEqual(
      r.diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning'),
      [],
    );
  });
}

test('MNIST convnet: layers named as tfjs names them, per-layer params, shapes and ranges', async () => {
  const text = readFileSync(join(fixtures, 'mnist_convnet.ts'), 'utf8');
  const m = model(await analyzeTs(text, { file: 'mnist_convnet.ts' }), 'createConvModel.model');
  assert.deepEqual(
    m.layers.map((l) => l.path),
    [
      'conv2d_Conv2D1',
      'max_pooling2d_MaxPooling2D1',
      'conv2d_Conv2D2',
      'max_pooling2d_MaxPooling2D2',
      'conv2d_Conv2D3',
      'flatten_Flatten1',
      'dense_Dense1',
      'dense_Dense2',
    ],
  );
  assert.deepEqual(
    m.layers.map((l) => l.op),
    ['Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Conv2D', 'Flatten', 'Dense', 'Dense'],
  );
  assert.deepEqual(
    m.layers.map((l) => l.params),
    [160, 0, 4640, 0, 9248, 0, 18496, 650],
  );
  assert.deepEqual(
    m.layers.map((l) => l.outputShape),
    [
      [1, 26, 26, 16],
      [1, 13, 13, 16],
      [1, 11, 11, 32],
      [1, 5, 5, 32],
      [1, 3, 3, 32],
      [1, 288],
      [1, 64],
      [1, 10],
    ],
  );
  assert.deepEqual(m.input, {
    shape: [1, 28, 28, 1],
    dtype: 'float32',
    source: `inputShape of conv2d_Conv2D1, line ${lineOf(text, 'model.add(tf.layers.conv2d({\n    inputShape') + 1}`,
  });
  const conv = m.layers[0];
  assert.equal(conv.range.start.line, lineOf(text, 'model.add(tf.layers.conv2d({\n    inputShape'));
  assert.equal(conv.callRange!.start.line, conv.range.start.line, 'callRange: the model.add(...) call');
  assert.equal(m.range.start.line, lineOf(text, 'const model = tf.sequential();'));
  assert.ok(m.range.end.line >= lineOf(text, "model.add(tf.layers.dense({units: 10, activation: 'softmax'}));"));
  // Dense 288→64 with relu: 2 × MACs + 64 bias adds + 64 relu.
  assert.equal(m.layers[6].flops, 2 * 18432 + 64 + 64);
  assert.equal(m.layers[6].activationBytes, (288 + 64) * 4);
  assert.match(m.provenance!, /createConvModel\(\) is never called in this file/);
});

function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, needle);
  return text.slice(0, i).split('\n').length - 1;
}

test('functional models list their InputLayers and span from tf.input to tf.model', async () => {
  const text = readFileSync(join(fixtures, 'functional_concat.ts'), 'utf8');
  const m = model(await analyzeTs(text), 'model');
  assert.deepEqual(
    m.layers.map((l) => `${l.path}:${l.op}:${l.params}`),
    [
      'input1:InputLayer:0',
      'input2:InputLayer:0',
      'dense_Dense1:Dense:44',
      'dense_Dense2:Dense:168',
      'concatenate_Concatenate1:Concatenate:0',
      'dense_Dense3:Dense:39',
    ],
  );
  assert.deepEqual(m.layers[4].outputShape, [1, 12]);
  assert.equal(m.range.start.line, lineOf(text, 'const input1'));
  assert.equal(m.range.end.line, lineOf(text, 'const model = tf.model'));
  assert.equal(model(await analyzeTs(text), 'classifier').layers[0].path, 'image');
});

/** A one-layer sequential model around `layer` (a tf.layers call with its inputShape). */
async function single(layer: string, options: Partial<AnalyzeTsOptions> = {}) {
  const r = await analyzeTs(
    `import * as tf from '@tensorflow/tfjs';\nconst model = tf.sequential();\nmodel.add(tf.layers.${layer});\n`,
    options,
  );
  const m = model(r, 'model');
  assert.deepEqual(m.unresolved, [], messages(r));
  return m.layers[m.layers.length - 1];
}

const LAYER_CASES: [string, number, number, number[]][] = [
  // [layer call, params, MACs, output shape] — params from tfjs-layers' weight shapes.
  ['dense({units: 6, inputShape: [5, 4]})', 4 * 6 + 6, 5 * 6 * 4, [1, 5, 6]],
  ['dense({units: 2, inputShape: [4], useBias: false})', 8, 8, [1, 2]],
  [
    "conv1d({filters: 4, kernelSize: 3, padding: 'causal', inputShape: [10, 2]})",
    3 * 2 * 4 + 4,
    10 * 4 * 6,
    [1, 10, 4],
  ],
  [
    "conv2d({filters: 4, kernelSize: 3, strides: 2, padding: 'same', inputShape: [7, 7, 3]})",
    3 * 3 * 3 * 4 + 4,
    4 * 4 * 4 * 27,
    [1, 4, 4, 4],
  ],
  [
    'conv2d({filters: 4, kernelSize: [3, 1], dilationRate: 2, inputShape: [9, 9, 1]})',
    3 * 1 * 1 * 4 + 4,
    5 * 9 * 4 * 3,
    [1, 5, 9, 4],
  ],
  [
    "conv2dTranspose({filters: 8, kernelSize: 3, strides: 2, padding: 'same', inputShape: [7, 7, 16]})",
    3 * 3 * 8 * 16 + 8,
    7 * 7 * 16 * 8 * 9,
    [1, 14, 14, 8],
  ],
  [
    'conv2dTranspose({filters: 8, kernelSize: 3, strides: 2, inputShape: [7, 7, 16]})',
    3 * 3 * 8 * 16 + 8,
    7 * 7 * 16 * 8 * 9,
    [1, 15, 15, 8],
  ],
  [
    'depthwiseConv2d({kernelSize: 3, depthMultiplier: 2, inputShape: [8, 8, 4]})',
    3 * 3 * 4 * 2 + 8,
    6 * 6 * 8 * 9,
    [1, 6, 6, 8],
  ],
  [
    "separableConv2d({filters: 16, kernelSize: 3, padding: 'same', inputShape: [8, 8, 4]})",
    3 * 3 * 4 + 4 * 16 + 16,
    8 * 8 * 4 * 9 + 8 * 8 * 16 * 4,
    [1, 8, 8, 16],
  ],
  ['maxPooling1d({poolSize: 2, inputShape: [10, 3]})', 0, 0, [1, 5, 3]],
  ["averagePooling2d({poolSize: 3, strides: 2, padding: 'same', inputShape: [7, 7, 3]})", 0, 0, [1, 4, 4, 3]],
  ['globalAveragePooling2d({inputShape: [7, 7, 3]})', 0, 0, [1, 3]],
  ['globalAveragePooling1d({inputShape: [7, 3]})', 0, 0, [1, 3]],
  ['batchNormalization({inputShape: [10]})', 4 * 10, 0, [1, 10]],
  ['layerNormalization({inputShape: [10, 16]})', 2 * 16, 0, [1, 10, 16]],
  ['embedding({inputDim: 1000, outputDim: 16, inputLength: 12})', 16000, 0, [1, 12, 16]],
  ['simpleRNN({units: 8, inputShape: [5, 4]})', 8 * (4 + 8) + 8, 5 * 8 * 12, [1, 8]],
  ['lstm({units: 8, inputShape: [5, 4], returnSequences: true})', 4 * (8 * 12 + 8), 5 * 4 * 8 * 12, [1, 5, 8]],
  // tfjs's GRU is reset_after=false only: 3·(units·(in+units)+units), one bias per gate.
  ['gru({units: 8, inputShape: [5, 4]})', 3 * (8 * 12 + 8), 5 * 3 * 8 * 12, [1, 8]],
  [
    "bidirectional({layer: tf.layers.gru({units: 4}), mergeMode: 'sum', inputShape: [6, 3]})",
    2 * 3 * (4 * 7 + 4),
    2 * 6 * 3 * 4 * 7,
    [1, 4],
  ],
  ['timeDistributed({layer: tf.layers.dense({units: 3}), inputShape: [5, 4]})', 15, 5 * 12, [1, 5, 3]],
  ['reshape({targetShape: [2, -1], inputShape: [12]})', 0, 0, [1, 2, 6]],
  ['permute({dims: [2, 1], inputShape: [3, 5]})', 0, 0, [1, 5, 3]],
  ['repeatVector({n: 4, inputShape: [3]})', 0, 0, [1, 4, 3]],
  ['zeroPadding2d({padding: 1, inputShape: [4, 4, 1]})', 0, 0, [1, 6, 6, 1]],
  ['upSampling2d({size: [2, 2], inputShape: [4, 4, 1]})', 0, 0, [1, 8, 8, 1]],
  ["activation({activation: 'relu', inputShape: [10]})", 0, 0, [1, 10]],
];

for (const [layer, params, macs, shape] of LAYER_CASES) {
  test(`tf.layers.${layer}`, async () => {
    const l = await single(layer);
    assert.equal(l.params, params, 'params');
    assert.equal(l.macs, macs, 'MACs');
    assert.deepEqual(l.outputShape, shape, 'output shape');
  });
}

test('FLOPs: 2 × MACs plus bias and activation; LSTM gates priced with tfjs defaults (hardSigmoid)', async () => {
  const dense = await single("dense({units: 4, inputShape: [3], activation: 'relu'})");
  assert.equal(dense.flops, 2 * 12 + 4 + 4);
  const lstm = await single('lstm({units: 2, inputShape: [1, 1]})');
  // Per unit and step: 4 adds, 4 bias adds, 3 hardSigmoid (3 each), 2 tanh (5 each), c and h updates (4).
  assert.equal(lstm.flops, 2 * 24 + 2 * (4 + 4 + 9 + 10 + 4));
});

test('a name option names the layer; --batch scales the batch; --input supplies a missing input shape', async () => {
  assert.equal((await single("dense({units: 2, inputShape: [3], name: 'head'})")).path, 'head');
  const batched = await single('dense({units: 2, inputShape: [3]})', { batch: 8 });
  assert.deepEqual(batched.inputShape, [8, 3]);
  assert.equal(batched.macs, 8 * 6);
  const r = await analyzeTs(
    "import * as tf from '@tensorflow/tfjs';\nconst model = tf.sequential();\nmodel.add(tf.layers.dense({units: 2}));\n",
  );
  assert.equal(model(r, 'model').totals.macs, null);
  assert.match(messages(r), /needs an inputShape/);
  const given = await analyzeTs(
    "import * as tf from '@tensorflow/tfjs';\nconst model = tf.sequential();\nmodel.add(tf.layers.dense({units: 2}));\n",
    { input: [[1, 3]] },
  );
  assert.equal(model(given, 'model').totals.params, 8);
  assert.equal(model(given, 'model').input!.source, '--input');
});

test('a model built by a helper is named after the module-level variable it is assigned to', async () => {
  const r = await analyzeTs(
    [
      "const tf = require('@tensorflow/tfjs');",
      'const build = (units) => tf.sequential({layers: [tf.layers.dense({units, inputShape: [2]})]});',
      'const small = build(2);',
      'const large = build(64);',
    ].join('\n'),
  );
  assert.deepEqual(
    r.models.map((m) => `${m.name}:${m.totals.params}`),
    ['small:6', 'large:192'],
  );
});

test('classes: fields, constructor, super(), static factories; an uninstantiated class is analysed too', async () => {
  const r = await analyzeTs(
    [
      "import * as tf from '@tensorflow/tfjs';",
      'class Base { protected units = 16; constructor(public inputDim: number) {} head() { return tf.layers.dense({units: 1}); } }',
      'class Regressor extends Base {',
      '  model: tf.Sequential;',
      '  static create(dim: number) { return new Regressor(dim); }',
      '  constructor(dim: number) {',
      '    super(dim);',
      '    this.model = tf.sequential();',
      "    this.model.add(tf.layers.dense({units: this.units, inputShape: [dim], activation: 'relu'}));",
      '    this.model.add(this.head());',
      '  }',
      '}',
      'const r = Regressor.create(8);',
      'class Builder { build(units = 4) { const net = tf.sequential(); net.add(tf.layers.dense({units, inputShape: [2]})); return net; } }',
      'class Custom extends tf.layers.Layer { call(x) { return x; } }',
      'const m = tf.sequential({layers: [tf.layers.dense({units: 2, inputShape: [2]}), new Custom()]});',
    ].join('\n'),
  );
  assert.equal(model(r, 'this.model').totals.params, 8 * 16 + 16 + 16 + 1);
  assert.equal(model(r, 'net').totals.params, 2 * 4 + 4);
  assert.match(model(r, 'net').provenance!, /class Builder is never instantiated/);
  // A custom layer whose call() returns its input: no weights, no cost, the input's shape.
  const m = model(r, 'm');
  assert.equal(m.totals.params, 6);
  assert.deepEqual(
    m.layers.map((l) => [l.op, l.outputShape, l.macs]),
    [
      ['Dense', [1, 2], 4],
      ['Custom', [1, 2], 0],
    ],
  );
});

test('byte counts follow the precision', async () => {
  const l = await single('dense({units: 2, inputShape: [3]})', { precision: 'fp16' });
  assert.equal(l.weightBytes, 8 * 2);
  assert.equal(l.activationBytes, (3 + 2) * 2);
});

test('TS with type errors is analysed as it would run (types are never checked)', async () => {
  const r = await analyzeTs(readFileSync(join(fixtures, 'type_errors.ts'), 'utf8'));
  assert.equal(model(r, 'model').totals.params, 2112);
  assert.deepEqual(r.diagnostics, []);
});

test('a syntax error is reported at its line; the rest of the file is still analysed', async () => {
  const r = await analyzeTs(
    [
      "import * as tf from '@tensorflow/tfjs';",
      'const model = tf.sequential();',
      'model.add(tf.layers.dense({units: 4, inputShape: [3]}));',
      'const broken = [1, 2;',
      'model.add(tf.layers.dense({units: 2}));',
    ].join('\n'),
  );
  const syntax = r.diagnostics.find((d) => d.code === 'syntax');
  assert.ok(syntax, messages(r));
  assert.equal(syntax!.severity, 'error');
  assert.equal(syntax!.range.start.line, 3);
  assert.equal(model(r, 'model').totals.params, 16 + 10);
});

test('an unknown layer is a row with unknown numbers and a located reason; totals become null', async () => {
  const r = await analyzeTs(
    [
      "import * as tf from '@tensorflow/tfjs';",
      'const model = tf.sequential();',
      'model.add(tf.layers.dense({units: 4, inputShape: [3]}));',
      'model.add(tf.layers.quantumDense({units: 4}));',
      'model.add(tf.layers.dense({units: 2}));',
    ].join('\n'),
  );
  const m = model(r, 'model');
  assert.deepEqual(
    m.layers.map((l) => l.op),
    ['Dense', 'quantumDense', 'Dense'],
  );
  assert.equal(m.layers[1].params, null);
  assert.equal(m.totals.params, null);
  assert.equal(m.totals.macs, null);
  const u = m.unresolved.find((x) => /tf\.layers\.quantumDense is not a layer WattLens models/.test(x.reason));
  assert.ok(u, messages(r));
  assert.equal(u!.range.start.line, 3);
});

test('a layer option read from process.argv is unknown, with the reason located where it is read', async () => {
  const r = await analyzeTs(
    [
      "import * as tf from '@tensorflow/tfjs-node';",
      'const units = parseInt(process.argv[2], 10);',
      'const model = tf.sequential();',
      'model.add(tf.layers.dense({units, inputShape: [4]}));',
      'model.add(tf.layers.dense({units: 1}));',
    ].join('\n'),
  );
  const m = model(r, 'model');
  assert.equal(m.totals.params, null);
  assert.equal(m.totals.macs, null);
  assert.deepEqual(
    m.layers.map((l) => l.params),
    [null, null],
  );
  const u = m.unresolved.find((x) => /units is not known statically: process\.argv/.test(x.reason));
  assert.ok(u, messages(r));
  assert.equal(u!.range.start.line, 1);
  assert.equal(m.unresolved.length, 1, 'the knock-on unknown of the next layer is not repeated');
});

test('layers added under a condition that cannot be decided make the totals null, not low', async () => {
  const r = await analyzeTs(
    [
      "import * as tf from '@tensorflow/tfjs';",
      'const model = tf.sequential();',
      'model.add(tf.layers.dense({units: 4, inputShape: [3]}));',
      "if (process.env.DEEP === '1') { model.add(tf.layers.dense({units: 4})); }",
      'model.add(tf.layers.dense({units: 2}));',
    ].join('\n'),
  );
  const m = model(r, 'model');
  assert.equal(m.totals.macs, null);
  assert.match(messages(r), /the layer added at line 4 is not counted/);
});

test('Python-style option names and impossible shapes are warnings; GRU resetAfter:true is refused as tfjs does', async () => {
  const r = await analyzeTs(
    [
      "import * as tf from '@tensorflow/tfjs';",
      'const a = tf.sequential();',
      'a.add(tf.layers.conv2d({filters: 4, kernel_size: 3, kernelSize: 3, inputShape: [10]}));',
      'const b = tf.sequential({layers: [tf.layers.gru({units: 4, resetAfter: true, inputShape: [5, 2]})]});',
    ].join('\n'),
  );
  const codes = r.diagnostics.map((d) => `${d.code}:${d.range.start.line}`);
  assert.ok(codes.includes('tfjs-option:2'), codes.join(' '));
  assert.ok(codes.includes('shape-mismatch:2'), codes.join(' '));
  assert.ok(codes.includes('tfjs-option:3'), codes.join(' '));
  assert.match(messages(r), /did you mean 'kernelSize'/);
  assert.match(messages(r), /expected ndim=4, found ndim=2/);
  assert.equal(model(r, 'b').totals.params, null);
});

test('an infinite loop exhausts the budget, located at the loop, without hanging', async () => {
  const r = await analyzeTs("import * as tf from '@tensorflow/tfjs';\nlet i = 0;\nwhile (true) {\n  i++;\n}\n", {
    maxMs: 500,
  });
  const d = r.diagnostics.find((x) => x.code === 'budget');
  assert.ok(d, messages(r));
  assert.ok(d!.range.start.line >= 2 && d!.range.start.line <= 3);
});

test('a loop adding layers forever stops at the layer cap and marks the model incomplete', async () => {
  const r = await analyzeTs(
    "import * as tf from '@tensorflow/tfjs';\nconst model = tf.sequential();\nmodel.add(tf.layers.dense({units: 1, inputShape: [1]}));\nfor (;;) model.add(tf.layers.dense({units: 1}));\n",
  );
  assert.ok(
    r.diagnostics.some((d) => d.code === 'budget'),
    messages(r),
  );
  const m = model(r, 'model');
  assert.equal(m.totals.macs, null);
  assert.match(m.unresolved.map((u) => u.reason).join('\n'), /analysis stopped/);
});

test('unbounded recursion is a RangeError at the call; empty and binary files are handled', async () => {
  const r = await analyzeTs('function f(n: number): number { return f(n + 1); }\nf(0);\n');
  assert.match(messages(r), /RangeError: Maximum call stack size exceeded/);
  const empty = await analyzeTs('');
  assert.deepEqual(empty.models, []);
  assert.deepEqual(empty.diagnostics, []);
  assert.match(messages(await analyzeTs('PK\u0003\u0004\u0000garbage')), /binary/);
});

test('non-ASCII text before the code does not shift identifiers; .tsx with JSX parses', async () => {
  const r = await analyzeTs(
    "// 3×3 convolutions · ünïcode — ok\nimport * as tf from '@tensorflow/tfjs';\nconst modèle = tf.sequential({layers: [tf.layers.dense({units: 2, inputShape: [2], name: 'tête'})]});\n",
  );
  assert.equal(model(r, 'modèle').layers[0].path, 'tête');
  const tsx = await analyzeTs(
    "import * as tf from '@tensorflow/tfjs';\nconst model = tf.sequential({layers: [tf.layers.dense({units: 2, inputShape: [2]})]});\nexport const View = () => <div>{model.name}</div>;\n",
    { file: 'view.tsx' },
  );
  assert.equal(model(tsx, 'model').totals.params, 6);
  assert.deepEqual(
    tsx.diagnostics.filter((d) => d.code === 'syntax'),
    [],
  );
});

test('wattlens analyze routes .js/.ts files to the TF.js analysis', () => {
  const r = spawnSync(
    process.execPath,
    [join(repoRoot, 'bin', 'wattlens.js'), 'analyze', join(fixtures, 'mnist_node.js'), '--format', 'json'],
    { encoding: 'utf8', cwd: repoRoot },
  );
  assert.equal(r.status, 0, r.stderr);
  const m = JSON.parse(r.stdout).files[0].models[0];
  assert.equal(m.framework, 'tfjs');
  assert.equal(m.name, 'model');
  assert.equal(m.totals.params, 594922);
  assert.equal(typeof m.totals.energyJ, 'number');
});
