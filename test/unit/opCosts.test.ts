// The op-cost table checked like code: op-costs.json against its schema (a public source per entry),
// an entry for every torch.nn layer spec, Keras layer and TF.js factory, and a missing entry read as
// unknown FLOPs with a reason, never as 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
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
import { TFJS_ACTIVATIONS } from '../../server/src/core/frameworks/tfjs/layers/frontEnd';
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

test('every TF.js factory and activation has its op-cost entry (TF.js layers are the Keras layers)', () => {
  const factories = layerFactories();
  assert.ok(factories.length >= 50, `only ${factories.length} factories`);
  const missing = [
    ...factories.map((factory) => layerSpec(factory)!.className).filter((name) => !kerasOpCost(name)),
    ...Object.values(TFJS_ACTIVATIONS).filter((keras) => {
      const op = KERAS_ACTIVATIONS[keras];
      return op === undefined || (op !== null && !opCost(op));
    }),
  ];
  assert.deepEqual(missing, [], 'add these TF.js ops to op-costs.json');
});

test('every op name the framework code prices by name has an entry', () => {
  // `elementwiseFlops('Threshold', ...)`, `opCost('LayerNorm')`: a literal name the table lacks would be unknown FLOPs.
  const root = join(repoRoot, 'server', 'src', 'core', 'frameworks');
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
  const named = files.flatMap((file) =>
    [
      ...readFileSync(join(root, file), 'utf8').matchAll(/\b(?:elementwiseFlops|opCost|kerasOpCost)\(\s*'([^']+)'/g),
    ].map((m) => ({ file, op: m[1], keras: m[0].startsWith('kerasOpCost') })),
  );
  assert.ok(named.length >= 1, 'the scan finds the named ops');
  const missing = named.filter(({ op, keras }) => !(keras ? kerasOpCost(op) : opCost(op)));
  assert.deepEqual(missing, []);
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
