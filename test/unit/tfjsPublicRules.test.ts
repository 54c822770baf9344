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

test("a custom layer's computeOutputShape() and call() feed an RNN's initialState; the model is exact", async () => {
  const r = await analyzeFiles({
    'm.js': `${TF}\nclass Last extends tf.layers.Layer {\n  computeOutputShape(s) { const o = s.slice(); o.splice(o.length - 2, 1); return o; }\n  call(x) { if (Array.isArray(x)) x = x[0]; tf.util.assert(x.shape.length === 3, 'rank'); return x.gather([x.shape[1] - 1], 1).squeeze([1]); }\n  static get className() { return 'Last'; }\n}\nconst x = tf.input({shape: [5, 3]});\nconst enc = tf.layers.lstm({units: 4, returnSequences: true}).apply(x);\nconst last = new Last({name: 'last'}).apply(enc);\nconst dec = tf.layers.lstm({units: 4}).apply(x, {initialState: [last, last]});\nconst model = tf.model({inputs: x, outputs: dec});\n`,
  });
  const m = model(r, 'model');
  assert.equal(m.totals.params, 2 * 4 * (4 * (3 + 4 + 1)), reasons(m));
  const last = m.layers.find((l) => l.path === 'last')!;
  assert.deepEqual([last.op, last.outputShape, last.params, last.macs], ['Last', [1, 4], 0, 0]);
  assert.ok(m.totals.macs !== null, reasons(m));
});

test('a custom layer: build() with addWeight() sizes its parameters, call() ops its MACs, static className its name', async () => {
  const r = await analyzeFiles({
    'm.js': `${TF}\nclass Affine extends tf.layers.Layer {\n  static className = 'Affine';\n  constructor(config) { super(config); this.units = config.units; }\n  build(inputShape) {\n    this.kernel = this.addWeight('kernel', [inputShape[inputShape.length - 1], this.units], 'float32', tf.initializers.glorotNormal({}));\n    this.bias = this.addWeight('bias', [this.units], 'float32', tf.initializers.zeros());\n  }\n  computeOutputShape(s) { return [s[0], this.units]; }\n  call(inputs) { return tf.tidy(() => tf.relu(tf.add(tf.matMul(inputs, this.kernel.read()), this.bias.read()))); }\n}\nconst model = tf.sequential();\nmodel.add(tf.layers.dense({units: 8, inputShape: [4]}));\nmodel.add(new Affine({units: 3}));\n`,
  });
  const m = model(r, 'model');
  const affine = m.layers[1];
  assert.equal(affine.path, 'affine_Affine1');
  assert.deepEqual([affine.outputShape, affine.params, affine.macs], [[1, 3], 8 * 3 + 3, 8 * 3]);
  assert.equal(affine.flops, 2 * 8 * 3 + 3 + 3, 'matMul, then the bias add and the relu, one FLOP per element each');
  assert.equal(m.totals.params, 4 * 8 + 8 + 8 * 3 + 3);
});

test("a custom layer's call() using an op that is not modelled: parameters and shape known, MACs unknown with the op", async () => {
  const r = await analyzeFiles({
    'm.js': `${TF}\nclass Odd extends tf.layers.Layer {\n  getClassName() { return 'Odd'; }\n  build(s) { this.w = this.addWeight('w', [s[1]], 'float32'); }\n  call(x) { return tf.fft(x).mul(this.w.read()); }\n}\nconst model = tf.sequential({layers: [tf.layers.dense({units: 5, inputShape: [2]}), new Odd()]});\n`,
  });
  const m = model(r, 'model');
  assert.equal(m.totals.params, 2 * 5 + 5 + 5);
  assert.equal(m.layers[1].op, 'Odd');
  assert.deepEqual(m.layers[1].outputShape, [1, 5]);
  assert.equal(m.totals.macs, null, 'never 0');
  assert.match(reasons(m), /line 5: odd_Odd1: Odd.call\(\): tf.fft: not modelled/);
});

test('a custom layer whose build() reads an unknown size, or whose call() applies tf.layers, stays honest', async () => {
  const r = await analyzeFiles({
    'm.js': `${TF}\nclass Proj extends tf.layers.Layer {\n  constructor(c) { super(c); this.n = c.n; this.inner = tf.layers.dense({units: 6}); }\n  build(s) { this.w = this.addWeight('w', [s[1], this.n]); }\n  computeOutputShape(s) { return [s[0], 6]; }\n  call(x) { return this.inner.apply(x); }\n}\nconst a = tf.sequential({layers: [tf.layers.dense({units: 4, inputShape: [2]}), new Proj({n: 3})]});\nconst b = tf.sequential({layers: [tf.layers.dense({units: 4, inputShape: [2]}), new Proj({n: JSON.parse(localStorage.getItem('n'))})]});\n`,
  });
  // The dense inside call() runs (its MACs count) but, as in tfjs, is not one of the model's layers.
  const a = model(r, 'a');
  assert.equal(a.totals.params, 2 * 4 + 4 + 4 * 3);
  assert.equal(a.layers.length, 2);
  assert.equal(a.layers[1].macs, 4 * 6);
  const b = model(r, 'b');
  assert.equal(b.totals.params, null);
  assert.match(reasons(b), /addWeight\('w'\)/);
});

test('a builder method reached only under an undecidable condition is still analysed and reported', async () => {
  const r = await analyzeFiles({
    'm.js': `${TF}\nclass Policy {\n  constructor(sizes) {\n    if (sizes instanceof tf.LayersModel) this.net = sizes;\n    else this.create(sizes);\n  }\n  create(sizes) {\n    this.net = tf.sequential();\n    this.net.add(tf.layers.dense({units: 1, inputShape: [4]}));\n  }\n}\nconst p = new Policy(document.getElementById('s').value);\n`,
  });
  assert.ok(r.models.length >= 1, 'the model is reported');
  assert.equal(r.models[0].totals.params, 5);
});

test('// wattlens: value=<literal> states command-line arguments or a form field read on that line', async () => {
  const src = (comment: string) =>
    `${TF}\nimport {ArgumentParser} from 'argparse';\nfunction build(kind, vocab, dims) {\n  const model = tf.sequential();\n  if (kind === 'lstm') model.add(tf.layers.embedding({inputDim: vocab, outputDim: dims, inputLength: 20}));\n  model.add(tf.layers.dense({units: 1}));\n  return model;\n}\nfunction main() {\n  const args = new ArgumentParser({}).parseArgs();${comment}\n  const model = build(args.kind, args.vocab, args.dims);\n}\nif (require.main === module) main();\n`;
  const asWritten = await analyzeFiles({ 'm.js': src('') });
  assert.equal(asWritten.models.length, 1, 'build() runs once, from main(), not also on its own');
  assert.equal(asWritten.models[0].totals.params, null);
  assert.match(reasons(asWritten.models[0]), /ArgumentParser' is imported from 'argparse'/);
  const stated = await analyzeFiles({ 'm.js': src(" // wattlens: value={kind: 'lstm', vocab: 100, 'dims': 8}") });
  assert.equal(stated.models.length, 1);
  assert.equal(stated.models[0].totals.params, 100 * 8 + 8 + 1, reasons(stated.models[0]));
  const malformed = await analyzeFiles({ 'm.js': src(' // wattlens: value={kind: lstm}') });
  assert.ok(
    malformed.diagnostics.some(
      (d) => d.range.start.line === 9 && /value= ignored: 'lstm' is not a number/.test(d.message),
    ),
    malformed.diagnostics.map((d) => d.message).join('\n'),
  );
});

test("a form field's sizes stated as the one unknown argument of a call; instanceof decides on primitives and arrays", async () => {
  const src = (comment: string) =>
    `${TF}\nclass Policy {\n  constructor(sizes) {\n    if (sizes instanceof tf.LayersModel) this.net = sizes;\n    else this.create(sizes);\n  }\n  create(sizes) {\n    if (!Array.isArray(sizes)) sizes = [sizes];\n    this.net = tf.sequential();\n    sizes.forEach((units, i) => this.net.add(tf.layers.dense({units, inputShape: i === 0 ? [4] : undefined})));\n  }\n}\nconst parse = (text) => text.split(',').map((v) => Number.parseInt(v));\nconst p = new Policy(parse(document.getElementById('sizes').value));${comment}\n`;
  const asWritten = model(await analyzeFiles({ 'm.js': src('') }), 'this.net');
  assert.equal(asWritten.totals.params, null);
  for (const comment of [' // wattlens: value=[16, 8]', ' // wattlens: size=16']) {
    const m = model(await analyzeFiles({ 'm.js': src(comment) }), 'this.net');
    const expected = comment.includes('[') ? 4 * 16 + 16 + 16 * 8 + 8 : 4 * 16 + 16;
    assert.equal(m.totals.params, expected, `${comment}\n${reasons(m)}`);
  }
});

test("a functional model's layers are listed as tfjs's model.layers lists them: by depth, then as met from the outputs", async () => {
  // Real tfjs 4.22 lists this model's layers as input1 a1 a2 b1 cat (b1 was created first).
  const r = await analyzeFiles({
    'm.js': `${TF}\nconst x = tf.input({shape: [4]});\nconst b1 = tf.layers.dense({units: 3, name: 'b1'}).apply(x);\nconst a1 = tf.layers.dense({units: 5, name: 'a1'}).apply(x);\nconst a2 = tf.layers.dense({units: 2, name: 'a2'}).apply(a1);\nconst out = tf.layers.concatenate({name: 'cat'}).apply([a2, b1]);\nconst model = tf.model({inputs: x, outputs: out});\n`,
  });
  assert.deepEqual(
    model(r, 'model').layers.map((l) => l.path),
    ['input1', 'a1', 'a2', 'b1', 'cat'],
  );
});

test('super.build() / super.call() reach tf.layers.Layer or the base class; a static className is inherited', async () => {
  // Real tfjs 4.22 names the second layer scale_Scale1 and counts 3 parameters (12 in all).
  const r = await analyzeFiles({
    'm.js': `${TF}\nclass Scale extends tf.layers.Layer {\n  build(s) { this.s = this.addWeight('s', [s[1]], 'float32', tf.initializers.ones()); super.build(s); }\n  call(x) { return super.call(x).mul(this.s.read()); }\n  static get className() { return 'Scale'; }\n}\nclass Shifted extends Scale { call(x) { return super.call(x).add(1); } }\nconst model = tf.sequential({layers: [tf.layers.dense({units: 3, inputShape: [2]}), new Shifted({})]});\n`,
  });
  const m = model(r, 'model');
  assert.deepEqual(
    m.layers.map((l) => [l.path, l.params, l.outputShape]),
    [
      ['dense_Dense1', 9, [1, 3]],
      ['scale_Scale1', 3, [1, 3]],
    ],
  );
  assert.equal(m.layers[1].flops, 3 + 3, 'the mul and the add, one FLOP per element each');
  assert.deepEqual(r.diagnostics, []);
});

test('bad custom layers are located reasons, never a crash: a wrong computeOutputShape, self-application, a throwing build', async () => {
  const r = await analyzeFiles({
    'm.js': `${TF}\nclass A extends tf.layers.Layer { computeOutputShape() { return 'x'; } }\nclass B extends tf.layers.Layer { call(x) { return this.apply(x); } }\nclass C extends tf.layers.Layer { build() { throw new Error('boom'); } }\nconst mk = (l) => tf.sequential({layers: [tf.layers.dense({units: 2, inputShape: [3]}), l]});\nconst a = mk(new A());\nconst b = mk(new B());\nconst c = mk(new C());\n`,
  });
  assert.equal(model(r, 'a').totals.params, null);
  assert.match(
    reasons(model(r, 'a')),
    /line 6: a_A1: A.computeOutputShape\(\): the output shape is not known: it returned "x"/,
  );
  const b = model(r, 'b');
  assert.equal(b.totals.params, 8, 'B has no weights; only its cost is unknown');
  assert.equal(b.totals.macs, null);
  assert.match(reasons(b), /line 3: b_B1: B.call\(\) failed: RangeError: Maximum call stack size exceeded$/);
  assert.match(reasons(model(r, 'c')), /line 4: c_C1: C.build\(\) failed: Error: boom/);
});
