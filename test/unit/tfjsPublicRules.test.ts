// The rules the public-code corpus asks of TF.js analysis, each on a few lines of its own: constants
// and builders imported from sibling modules, sizes stated by `// wattlens:` comments, getters,
// custom layers feeding an RNN's initialState, and builder methods reached only under a condition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadParser } from '../helpers/analyzer';
import { analyzeTypeScript } from '../../server/src/core/analysis/analyzeTfjs';
import type { FileReport, ModelReport } from '../../server/src/core/report/types';

/** Writes the files into a fresh folder and analyses the first as it sits there. */
async function analyzeFiles(files: Record<string, string>, options = {}): Promise<FileReport> {
  const dir = mkdtempSync(join(tmpdir(), 'wattlens-tfjs-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const [entry] = Object.keys(files);
  return analyzeTypeScript(await loadParser(), files[entry], { file: join(dir, entry), ...options });
}

function model(r: FileReport, name: string): ModelReport {
  const m = r.models.find((x) => x.name === name);
  assert.ok(m, `no model ${name}: ${r.models.map((x) => x.name).join(', ')}`);
  return m;
}

const reasons = (m: ModelReport) => m.unresolved.map((u) => `line ${u.range.start.line + 1}: ${u.reason}`).join('\n');
const TF = "import * as tf from '@tensorflow/tfjs';";

test("a constant imported from a sibling module sizes the model (import {IMAGE_H} from './data')", async () => {
  const r = await analyzeFiles({
    'index.js': `${TF}\nimport {IMAGE_H, IMAGE_W} from './data';\nconst model = tf.sequential();\nmodel.add(tf.layers.flatten({inputShape: [IMAGE_H, IMAGE_W, 1]}));\nmodel.add(tf.layers.dense({units: 10}));\n`,
    'data.js': 'export const IMAGE_H = 28;\nexport const IMAGE_W = 28;\n',
  });
  assert.equal(model(r, 'model').totals.params, 784 * 10 + 10);
});

test('a builder imported from another file, called with arguments set here, is built and placed at the call', async () => {
  const r = await analyzeFiles({
    'agent.js': `import {build} from './net';\nclass Game { get size() { return 9; } }\nconst g = new Game();\nconst net = build(g.size, 3);\n`,
    'net.js': `${TF}\nexport function build(w, actions) {\n  const model = tf.sequential();\n  model.add(tf.layers.dense({units: actions, inputShape: [w]}));\n  return model;\n}\n`,
  });
  const m = model(r, 'net');
  assert.equal(m.totals.params, 9 * 3 + 3, reasons(m));
  assert.equal(m.layers[0].range.start.line, 3, 'the layer is placed at the call in the analysed file');
});

test('a file that cannot be read leaves the imported names unknown, with the reason', async () => {
  const r = await analyzeFiles({
    'index.js': `${TF}\nimport {N} from './missing';\nconst model = tf.sequential();\nmodel.add(tf.layers.dense({units: N, inputShape: [4]}));\n`,
  });
  const m = model(r, 'model');
  assert.equal(m.totals.params, null);
  assert.match(reasons(m), /imported from '\.\/missing', which is not analysed/);
});

test('// wattlens: input= and size= state what the data decides', async () => {
  const src = (a: string, b: string) =>
    `${TF}\nconst rows = JSON.parse(localStorage.getItem('x'));\nconst classes = rows.length;${b}\n${a}\nconst model = tf.sequential();\nmodel.add(tf.layers.dense({units: classes, inputShape: [rows[0].length]}));\n`;
  const unknownModel = model(await analyzeFiles({ 'm.js': src('', '') }), 'model');
  assert.equal(unknownModel.totals.params, null);
  const stated = model(
    await analyzeFiles({ 'm.js': src('// wattlens: input=(1, 4)', ' // wattlens: size=3') }),
    'model',
  );
  assert.equal(stated.totals.params, 4 * 3 + 3, reasons(stated));
});

test("an RNN's initialState from a custom layer makes the model unknown; the layer stays in the model", async () => {
  const r = await analyzeFiles({
    'm.js': `${TF}\nclass Last extends tf.layers.Layer {}\nconst x = tf.input({shape: [5, 3]});\nconst enc = tf.layers.lstm({units: 4, returnSequences: true}).apply(x);\nconst last = new Last({}).apply(enc);\nconst dec = tf.layers.lstm({units: 4}).apply(x, {initialState: [last, last]});\nconst model = tf.model({inputs: x, outputs: dec});\n`,
  });
  const m = model(r, 'model');
  assert.equal(m.totals.params, null, 'not the two LSTMs alone');
  assert.match(reasons(m), /initialState is not known: Last is a custom layer/);
});

test('a builder method reached only under an undecidable condition is still analysed and reported', async () => {
  const r = await analyzeFiles({
    'm.js': `${TF}\nclass Policy {\n  constructor(sizes) {\n    if (sizes instanceof tf.LayersModel) this.net = sizes;\n    else this.create(sizes);\n  }\n  create(sizes) {\n    this.net = tf.sequential();\n    this.net.add(tf.layers.dense({units: 1, inputShape: [4]}));\n  }\n}\nconst p = new Policy(document.getElementById('s').value);\n`,
  });
  assert.ok(r.models.length >= 1, 'the model is reported');
  assert.equal(r.models[0].totals.params, 5);
});
