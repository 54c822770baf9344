// An unknown anywhere in a model makes its totals unknown, with the reason and the line: the cases
// public model code hit (an unknown nn.Sequential entry, a parameter initialised in place, a model
// called on a failed model's output, layers whose constructor arguments are unknown).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../helpers/analyzer';
import type { FileReport } from '../../server/src/core/report/types';

const root = (r: FileReport, name: string) => r.models.find((m) => m.root && m.name === name)!;

test('an unknown nn.Sequential entry keeps its place and stops the figures after it', async () => {
  const report = await analyze(`
import torch
import torch.nn as nn
import mystery
model = nn.Sequential(nn.Conv2d(3, 8, 3), mystery.Block(8), nn.Conv2d(8, 8, 3))
y = model(torch.randn(1, 3, 32, 32))
`);
  const model = root(report, 'model');
  assert.equal(model.totals.macs, null);
  assert.equal(model.totals.params, null);
  assert.match(model.unresolved[0].reason, /container entry is unknown.*mystery/);
  assert.equal(model.unresolved[0].range.start.line, 4);
  assert.deepEqual(
    model.layers.map((l) => l.path),
    ['0', '1.?', '2'],
  );
  assert.equal(model.layers[2].macs, null, 'the layer after the unknown entry never sees a made-up input');
});

test('nn.Parameter(torch.empty(...).normal_()) keeps its parameters', async () => {
  const report = await analyze(`
import torch
import torch.nn as nn
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.pos = nn.Parameter(torch.empty(1, 197, 768).normal_(std=0.02))
        self.scale = nn.Parameter(torch.zeros(768).uniform_(-1, 1))
        self.fc = nn.Linear(768, 10)
    def forward(self, x):
        return self.fc(x + self.pos) * 1.0
m = M()
y = m(torch.randn(1, 197, 768))
`);
  assert.equal(root(report, 'M').totals.params, 197 * 768 + 768 + 768 * 10 + 10);
});

test('a model called on a failed model output is unknown with the upstream reason, never 0', async () => {
  const report = await analyze(`
import torch
import torch.nn as nn
import mystery
class G(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = mystery.Thing(3)
    def forward(self, x):
        return self.a(x)
class D(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(nn.Conv2d(3, 8, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(8, 1, 4, 1, 0))
    def forward(self, x):
        return self.main(x)
fake = G()(torch.randn(1, 100, 1, 1))
score = D()(fake)
`);
  const d = root(report, 'D');
  assert.equal(d.totals.macs, null);
  assert.match(d.unresolved[0].reason, /mystery/);
  for (const layer of d.layers) assert.notEqual(layer.macs, 0, `${layer.path} shows 0 MACs it did not derive`);
});

test('a layer whose constructor arguments are unknown shows unknown parameters, not 0', async () => {
  const report = await analyze(`
import torch
import torch.nn as nn
import mystery
class D(nn.Module):
    def __init__(self, n=mystery.width):
        super().__init__()
        self.fc = nn.Linear(n, 1)
        self.conv = nn.Conv2d(n, 3, 3)
    def forward(self, x):
        return self.fc(x)
d = D()
s = d(torch.randn(1, 16))
`);
  const d = root(report, 'D');
  assert.equal(d.totals.params, null);
  for (const layer of d.layers) assert.equal(layer.params, null, `${layer.path} params`);
});
