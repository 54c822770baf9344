// The dataflow record behind the profiler's graph synthesis: each layer call's inputs link to the call,
// view or input that produced them, and recording it changes nothing in the report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadParser, repoRoot } from '../helpers/analyzer';
import { analyzeSource, analyzeWithGraphs } from '../../server/src/core/analysis/analyzeSource';
import { analyzeTypeScript, analyzeTypeScriptWithGraphs } from '../../server/src/core/analysis/analyzeTfjs';
import { analyzeCells, analyzeCellsWithGraphs, parseNotebook } from '../../server/src/core/analysis/notebook';
import type { ModelGraph, TensorSource } from '../../server/src/core/report/graph';

const RESIDUAL = `
import torch
import torch.nn as nn

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(8, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.head = nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        y = self.bn(self.conv(x))
        y = torch.relu(y + x)
        a, b = y.chunk(2, dim=1)
        z = torch.cat([b, a], dim=1)
        return self.head(z.view(z.size(0), -1)), a[:, 0]

model = Block()
out = model(torch.randn(2, 8, 4, 4))
`;

function source(graph: ModelGraph, id: number): TensorSource {
  return graph.tensors[id].source;
}

test('each input of a call links to the call, view or model input that produced it', async () => {
  const { graphs } = analyzeWithGraphs(await loadParser(), RESIDUAL, { file: 'block.py' });
  assert.equal(graphs.length, 1);
  const g = graphs[0];
  assert.deepEqual(
    g.nodes.map((n) => n.path),
    ['conv', 'bn', 'add', 'relu', 'cat', 'head'],
  );
  const [conv, bn, add, relu, cat, head] = g.nodes;
  assert.deepEqual(source(g, conv.inputs[0]), { kind: 'input', index: 0 });
  assert.deepEqual(source(g, bn.inputs[0]), { kind: 'call', node: 0, output: 0 });
  // The residual add reads the batch norm's output and the model input itself.
  assert.deepEqual(source(g, add.inputs[0]), { kind: 'call', node: 1, output: 0 });
  assert.deepEqual(source(g, add.inputs[1]), { kind: 'input', index: 0 });
  assert.deepEqual(source(g, relu.inputs[0]), { kind: 'call', node: 2, output: 0 });
  // torch.cat([b, a]) reads the two chunks, in that order, each a piece of relu's output.
  const [b, a] = cat.inputs.map((id) => source(g, id));
  assert.equal(b.kind === 'view' && b.via === 'chunk' && b.piece, 1);
  assert.equal(a.kind === 'view' && a.via === 'chunk' && a.piece, 0);
  assert.deepEqual(a.kind === 'view' && source(g, a.from), { kind: 'call', node: 3, output: 0 });
  const flat = source(g, head.inputs[0]);
  assert.ok(flat.kind === 'view' && flat.via === 'view', JSON.stringify(flat));
  assert.deepEqual(g.tensors[head.inputs[0]].shape, [2, 128]);
  // The layer's own constructor arguments and weights travel with the node.
  assert.equal(conv.layer?.args.padding, 1);
  assert.deepEqual(
    conv.layer?.parameters.map((p) => [p.name, p.shape]),
    [
      ['weight', [8, 8, 3, 3]],
      ['bias', [8]],
    ],
  );
  const buffers = bn.layer?.buffers.map((p) => p.name) ?? [];
  assert.ok(buffers.includes('running_mean') && buffers.includes('running_var'), buffers.join());
  assert.deepEqual(source(g, conv.layer!.parameters[0].tensor), { kind: 'parameter', name: 'conv.weight' });
  // The forward returns a tuple: both tensors are outputs, the second a slice of a chunk.
  assert.equal(g.outputs.length, 2);
  assert.deepEqual(source(g, g.outputs[0]), { kind: 'call', node: 5, output: 0 });
  const sliced = source(g, g.outputs[1]);
  assert.ok(sliced.kind === 'view' && sliced.via === 'getitem');
  assert.deepEqual(g.unusedParameters, []);
});

test('a functional op records its arguments: F.max_pool2d kernel, an einsum equation, F.layer_norm weights', async () => {
  const text = `
import torch
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(4))

    def forward(self, x):
        y = F.max_pool2d(x, 2)
        y = y.flatten(2)
        s = torch.einsum('bcl,bdl->bcd', y, y)
        return F.layer_norm(s, (4,), self.w)

out = Net()(torch.randn(1, 4, 8, 8))
`;
  const { graphs } = analyzeWithGraphs(await loadParser(), text, { file: 'f.py' });
  const [pool, einsum, norm] = graphs[0].nodes;
  assert.equal(pool.kwargs?.kernel_size, 2);
  assert.deepEqual(einsum.args, ['bcl,bdl->bcd']);
  const weight = norm.args?.[2];
  assert.ok(weight && typeof weight === 'object' && 'tensor' in weight);
  assert.deepEqual(graphs[0].tensors[weight.tensor].source, { kind: 'parameter', name: 'w' });
});

test('recording the dataflow changes nothing in the report, over the whole corpus', async () => {
  const parser = await loadParser();
  const dirs = [join(repoRoot, 'test', 'fixtures', 'pytorch'), join(repoRoot, 'examples')];
  for (const dir of dirs) {
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.py'))) {
      const text = readFileSync(join(dir, name), 'utf8');
      const plain = analyzeSource(parser, text, { file: name });
      const { report, graphs } = analyzeWithGraphs(parser, text, { file: name });
      assert.deepEqual(report, plain, name);
      const traced = report.models.filter((m) => m.root && m.framework === 'pytorch' && m.input);
      assert.equal(graphs.length, traced.length, `${name}: one graph per traced root`);
      for (const g of graphs) {
        const model = report.models[g.modelIndex];
        assert.equal(model?.name, g.model, `${name}: graph ${g.model} points at its report`);
        assert.deepEqual(
          g.nodes.map((n) => n.path),
          model.layers.slice(0, g.nodes.length).map((l) => l.path),
          `${name}: node i is layer row i`,
        );
      }
    }
  }
});

const KERAS = `
import keras
from keras import layers, ops

class Scale(layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), name="scale")

    def call(self, x):
        return x * self.w

inputs = keras.Input(shape=(8, 8, 3))
x = layers.Conv2D(4, 3, padding="same")(inputs)
x = layers.BatchNormalization()(x)
shared = layers.Dense(4)
y = x + shared(x)
y = ops.reshape(y, (-1, 256))
y = Scale()(y)
a = shared(ops.reshape(y, (-1, 64, 4)))
outputs = layers.Dense(2)(ops.mean(a, axis=1))
model = keras.Model(inputs, outputs)
`;

test("a Keras trace links each row to the rows, views and inputs it read; weights are Keras's, shared layers share them", async () => {
  const { report, graphs } = analyzeWithGraphs(await loadParser(), KERAS, { file: 'k.py' });
  assert.equal(graphs.length, 1);
  const g = graphs[0];
  assert.equal(g.framework, 'keras');
  const model = report.models[g.modelIndex];
  assert.equal(model.name, 'model');
  assert.deepEqual(
    g.nodes.map((n) => [n.index, n.path, n.op]),
    model.layers.map((l, i) => [i, l.path, l.op]),
  );
  const [conv, bn, dense, add, scale, dense2, mean, head] = g.nodes;
  assert.deepEqual(source(g, conv.inputs[0]), { kind: 'input', index: 0 });
  assert.deepEqual(source(g, bn.inputs[0]), { kind: 'call', node: 0, output: 0 });
  assert.deepEqual(
    add.inputs.map((id) => source(g, id)),
    [
      { kind: 'call', node: 1, output: 0 },
      { kind: 'call', node: 2, output: 0 },
    ],
  );
  // ops.reshape derives a view (named as torch's record names the same movement); Scale's weight is a parameter.
  const reshaped = source(g, scale.inputs[0]);
  assert.ok(reshaped.kind === 'view' && reshaped.via === 'reshape', JSON.stringify(reshaped));
  assert.deepEqual(g.tensors[scale.inputs[0]].shape, [1, 256]);
  assert.deepEqual(source(g, scale.inputs[1]), { kind: 'parameter', name: 'scale/scale' });
  assert.equal(scale.op, 'mul');
  // The shared Dense: one set of weights for both calls, in Keras's (in, units) layout.
  assert.deepEqual(
    dense.layer?.parameters.map((p) => [p.name, p.shape]),
    [
      ['kernel', [4, 4]],
      ['bias', [4]],
    ],
  );
  assert.deepEqual(
    dense2.layer?.parameters.map((p) => p.tensor),
    dense.layer?.parameters.map((p) => p.tensor),
  );
  assert.deepEqual(source(g, dense.layer!.parameters[0].tensor), { kind: 'parameter', name: 'dense/kernel' });
  // Non-trainable weights are parameters too (summary() counts them); the bound arguments and the spec's configuration travel.
  assert.deepEqual(
    bn.layer?.parameters.map((p) => p.name),
    ['gamma', 'beta', 'moving_mean', 'moving_variance'],
  );
  assert.equal(conv.layer?.args.padding, 'same');
  assert.deepEqual((conv.layer?.config as Record<string, unknown>).kernel, [3, 3]);
  assert.equal(mean.op, 'mean');
  assert.equal(mean.kwargs?.axis, 1);
  assert.deepEqual(source(g, g.outputs[0]), { kind: 'call', node: 7, output: 0 });
  assert.equal(head.path, model.layers[7].path);
  assert.deepEqual(g.unusedParameters, []);
});

test('a TF.js graph: functional nodes come after the InputLayer rows; a wrapped layer travels as its configuration', async () => {
  const text = `
import * as tf from '@tensorflow/tfjs';
const input = tf.input({shape: [20, 8]});
const seq = tf.layers.bidirectional({layer: tf.layers.lstm({units: 6}), mergeMode: 'concat'}).apply(input);
const out = tf.layers.dense({units: 3, activation: 'softmax'}).apply(seq);
const model = tf.model({inputs: input, outputs: out});
`;
  const { report, graphs } = analyzeTypeScriptWithGraphs(await loadParser(), text, { file: 'm.ts' });
  const g = graphs[0];
  assert.equal(g.framework, 'tfjs');
  const model = report.models[g.modelIndex];
  assert.equal(model.layers[0].op, 'InputLayer');
  assert.deepEqual(
    g.nodes.map((n) => [n.index, n.op]),
    [
      [1, 'Bidirectional'],
      [2, 'Dense'],
    ],
  );
  const [bi, dense] = g.nodes;
  assert.deepEqual(source(g, bi.inputs[0]), { kind: 'input', index: 0 });
  assert.deepEqual(source(g, dense.inputs[0]), { kind: 'call', node: 0, output: 0 });
  const fwd = (bi.layer?.config as { fwd: { layer: { op: string; config: Record<string, unknown> } } }).fwd.layer;
  assert.equal(fwd.op, 'LSTM');
  // TF.js's own defaults reach the configuration: hard_sigmoid gates.
  assert.equal(fwd.config.recurrentActivation, 'hard_sigmoid');
  assert.deepEqual(
    bi.layer?.parameters.map((p) => [p.name, p.shape]),
    [
      ['forward_lstm_LSTM1/kernel', [8, 24]],
      ['forward_lstm_LSTM1/recurrent_kernel', [6, 24]],
      ['forward_lstm_LSTM1/bias', [24]],
      ['backward_lstm_LSTM1/kernel', [8, 24]],
      ['backward_lstm_LSTM1/recurrent_kernel', [6, 24]],
      ['backward_lstm_LSTM1/bias', [24]],
    ],
  );
  assert.equal(dense.layer?.args.activation, 'softmax');
});

test('recording the dataflow changes nothing in Keras, TF.js and notebook reports, and every traced root has its graph', async () => {
  const parser = await loadParser();
  const fixtures = join(repoRoot, 'test', 'fixtures');
  const files = ['keras', 'tfjs', 'notebooks', 'keras-io', 'hub'].flatMap((dir) =>
    readdirSync(join(fixtures, dir)).map((name) => join(dir, name)),
  );
  let checked = 0;
  for (const name of files) {
    const text = readFileSync(join(fixtures, name), 'utf8');
    let plain, withGraphs;
    if (name.endsWith('.py')) {
      plain = analyzeSource(parser, text, { file: name });
      withGraphs = analyzeWithGraphs(parser, text, { file: name });
    } else if (/\.(ts|js)$/.test(name)) {
      plain = analyzeTypeScript(parser, text, { file: name });
      withGraphs = analyzeTypeScriptWithGraphs(parser, text, { file: name });
    } else if (name.endsWith('.ipynb')) {
      let notebook;
      try {
        notebook = parseNotebook(text, name);
      } catch {
        continue;
      }
      const options = { file: name, language: notebook.language };
      plain = analyzeCells(parser, notebook.cells, options);
      withGraphs = analyzeCellsWithGraphs(parser, notebook.cells, options);
    } else continue;
    const { report, graphs } = withGraphs;
    assert.deepEqual(report, plain, name);
    const traced = report.models.filter(
      (m) => m.root && (m.framework === 'keras' || m.framework === 'tfjs' || m.framework === 'pytorch') && m.input,
    );
    assert.equal(graphs.length, traced.length, `${name}: one graph per traced root`);
    for (const g of graphs) {
      const model = report.models[g.modelIndex];
      assert.equal(model?.name, g.model, `${name}: graph ${g.model} points at its report`);
      for (const n of g.nodes) assert.equal(model.layers[n.index].path, n.path, `${name}: node ${n.path} is its row`);
      checked++;
    }
  }
  assert.ok(checked >= 40, `${checked} graphs checked`);
});
