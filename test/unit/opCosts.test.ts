// The op-cost table checked like code: op-costs.json against its schema (a public source per entry),
// an entry for every torch.nn layer spec, Keras layer and TF.js factory, and a missing entry read as
// unknown FLOPs with a reason, never as 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { repoRoot, analyze } from '../helpers/analyzer';
import { elementwiseFlops, missingCostReason, OP_COSTS, opCost } from '../../server/src/core/opCosts/opCosts';
import { LAYER_SPECS } from '../../server/src/core/frameworks/torch/layers/index';
import { Tracer } from '../../server/src/core/frameworks/torch/tracer';
import { KERAS_LAYERS, KERAS_ALIASES } from '../../server/src/core/frameworks/keras/layers/index';
import { ACTIVATION_OPS as KERAS_ACTIVATIONS } from '../../server/src/core/frameworks/keras/layers/activations';
import { kerasOpCost, extraFlopsOf } from '../../server/src/core/frameworks/keras/layers/spec';
import { layerFactories, layerSpec } from '../../server/src/core/frameworks/tfjs/layers/index';
import { ACTIVATION_OPS as TFJS_ACTIVATIONS } from '../../server/src/core/frameworks/tfjs/layers/common';
import type { ModuleV } from '../../server/src/core/interpreter/python/values';

const opCostsDir = join(repoRoot, 'server', 'src', 'core', 'opCosts');
const readJson = (name: string) => JSON.parse(readFileSync(join(opCostsDir, name), 'utf8'));

test('op-costs.json validates against op-costs.schema.json', () => {
  const validate = new Ajv({ allErrors: true }).compile(readJson('op-costs.schema.json'));
  const ok = validate(readJson('op-costs.json'));
  assert.ok(ok, JSON.stringify(validate.errors, null, 2));
});

test('the schema rejects an entry without a public source, or with a local path for one', () => {
  const validate = new Ajv({ allErrors: true }).compile(readJson('op-costs.schema.json'));
  const entry = {
    kind: 'activation',
    flopsPerElement: 1,
    basis: 'output',
    doc: 'max(x, 0): 1 comparison per element.',
  };
  const table = (ops: object) => ({ description: 'a table of op costs for this test', ops });
  assert.equal(validate(table({ ReLU: { ...entry, source: 'https://pytorch.org/docs/stable/nn.html' } })), true);
  assert.equal(validate(table({ ReLU: entry })), false, 'source is required');
  assert.equal(validate(table({ ReLU: { ...entry, source: '/work/shared/reference/x.csv' } })), false);
  assert.equal(validate(table({ ReLU: { ...entry, source: 'http://example.com/page' } })), false, 'https only');
  assert.equal(validate(table({ ReLU: { ...entry, source: 'https://a.org/x', flopsPerElement: -1 } })), false);
  assert.equal(validate(table({ ReLU: { ...entry, source: 'https://a.org/x', extra: 1 } })), false);
});

test('every torch.nn layer spec has its op-cost entry', () => {
  const missing = Object.keys(LAYER_SPECS).filter((op) => !opCost(op));
  assert.deepEqual(missing, [], 'add these torch ops to op-costs.json');
});

test('every Keras layer, alias and activation has its op-cost entry', () => {
  const missing = [
    ...Object.keys(KERAS_LAYERS).filter((op) => !kerasOpCost(op)),
    ...Object.values(KERAS_ALIASES).filter((op) => !kerasOpCost(op)),
    ...Object.values(KERAS_ACTIVATIONS).filter((op): op is string => op !== null && !opCost(op)),
  ];
  assert.deepEqual(missing, [], 'add these Keras ops to op-costs.json');
});

/**
 * The torch-named entries TF.js layers price their work with (tfjs/layers/*.ts): pooling names are
 * built from the rank (`MaxPool${rank}d`), norms and bilinear upsampling are named in the code.
 */
const TFJS_TORCH_OPS = [
  ...[1, 2, 3].flatMap((rank) => [`MaxPool${rank}d`, `AvgPool${rank}d`]),
  ...[1, 2].flatMap((rank) => [`AdaptiveMaxPool${rank}d`, `AdaptiveAvgPool${rank}d`]),
  'BatchNorm2d',
  'LayerNorm',
  'UpsamplingBilinear2d',
  'ReLU',
  'LeakyReLU',
  'ELU',
  'Softmax',
  'Threshold',
];

test('every TF.js factory has its op-cost entry (Keras names), and so does every op its layers price with', () => {
  const factories = layerFactories();
  assert.ok(factories.length >= 50, `only ${factories.length} factories`);
  const missing = [
    ...factories.map((factory) => layerSpec(factory)!.className).filter((name) => !kerasOpCost(name)),
    ...Object.values(TFJS_ACTIVATIONS).filter((op): op is string => op !== null && !opCost(op)),
    ...TFJS_TORCH_OPS.filter((op) => !opCost(op)),
  ];
  // TF.js still reads a missing entry as 0 in seven places (`elementwiseFlops(...) ?? 0`, issue #12
  // item 8, left to the Keras/TF.js unification): while it does, every op it reads must be here.
  assert.deepEqual(missing, [], 'add these TF.js ops to op-costs.json');
});

test('the TF.js ops listed above are the ones its layer files price with', () => {
  // A new `elementwiseFlops('Name', ...)` in tfjs/layers must be added to TFJS_TORCH_OPS (and the table).
  const dir = join(repoRoot, 'server', 'src', 'core', 'frameworks', 'tfjs', 'layers');
  const named = ['common.ts', 'conv.ts', 'core.ts', 'merge.ts', 'recurrent.ts'].flatMap((file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    return [
      ...[...text.matchAll(/elementwiseFlops\(\s*'([^']+)'/g)].map((m) => m[1]),
      ...[...text.matchAll(/activationLayer\('[^']+',\s*'([^']+)'\)/g)].map((m) => m[1]),
    ];
  });
  assert.ok(named.length >= 5, `found only ${named.join(', ')}`);
  assert.deepEqual(
    named.filter((op) => !TFJS_TORCH_OPS.includes(op)),
    [],
  );
});

test('a missing entry, or an unknown basis size, is unknown FLOPs (null), never 0', () => {
  assert.equal(elementwiseFlops('NoSuchOp', 10, 10), null);
  assert.equal(elementwiseFlops('MaxPool2d', null, 25), null, 'pooling counts its input: unknown input, unknown FLOPs');
  assert.equal(elementwiseFlops('ReLU', null, 25), 25, 'ReLU counts its output');
  assert.equal(elementwiseFlops('ReLU', 25, null), null);
  assert.match(missingCostReason('NoSuchOp'), /NoSuchOp/);
  assert.ok(Object.keys(OP_COSTS).length >= 200);
});

test('torch: a traced call of an op the table lacks has null FLOPs and says why', () => {
  const tracer = new Tracer();
  const root = { kind: 'module', cls: { name: 'Root' }, children: new Map() } as unknown as ModuleV;
  tracer.begin(root);
  tracer.enter(root);
  const range = { start: { line: 3, character: 4 }, end: { line: 3, character: 20 } };
  const tensor = { kind: 'tensor' as const, shape: [2, 8], dtype: 'float32' as const };
  tracer.record({ op: 'frobnicate', inputs: [tensor], output: tensor, macs: 0 }, range, null);
  tracer.record({ op: 'relu', inputs: [tensor], output: tensor, macs: 0 }, range, null);
  tracer.record({ op: 'mean', inputs: [{ ...tensor, shape: null }], output: tensor, macs: 0 }, range, null);
  const [missing, known, unknownInput] = tracer.calls;
  assert.equal(missing.flops, null);
  assert.equal(missing.reason, missingCostReason('frobnicate'));
  assert.equal(known.flops, 16);
  assert.equal(known.reason, undefined);
  assert.equal(unknownInput.flops, null, 'mean counts its input: unknown input size, unknown FLOPs (was 0)');
  assert.match(unknownInput.reason ?? '', /input/);
});

test('Keras: a spec with no op-cost entry gives null FLOPs, and the report says the entry is missing', async () => {
  const forward = { outputs: [[2, 4]], macs: 0 };
  assert.equal(extraFlopsOf('NoSuchKerasOp', forward, [[2, 4]]), null);
  assert.equal(extraFlopsOf('ReLU', forward, [[2, 4]]), 8);
  // Through the analyser: a layer whose entry is missing is unknown with the reason, and so are the totals.
  const original = KERAS_LAYERS.ReLU;
  const renamed = { ...original, op: 'UnpricedReLU' };
  (KERAS_LAYERS as Record<string, unknown>).ReLU = renamed;
  try {
    const report = await analyze(
      'import keras\nm = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.ReLU()])\n',
    );
    const model = report.models.find((m) => m.name === 'm')!;
    const row = model.layers.find((l) => l.op === 'UnpricedReLU')!;
    assert.equal(row.flops, null);
    assert.equal(model.totals.flops, null);
    assert.ok(
      model.unresolved.some((u) => u.reason.includes(missingCostReason('UnpricedReLU'))),
      JSON.stringify(model.unresolved),
    );
  } finally {
    (KERAS_LAYERS as Record<string, unknown>).ReLU = original;
  }
});
