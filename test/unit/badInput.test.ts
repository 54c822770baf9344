// Bad input never crashes or hangs the analysis: each case below yields a clear, located reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../helpers/analyzer';
import type { FileReport } from '../../server/src/core/report/types';

const messages = (r: FileReport) =>
  [...r.diagnostics.map((d) => d.message), ...r.models.flatMap((m) => m.unresolved.map((u) => u.reason))].join('\n');

/** Analyses `text`; how long the largest of these inputs takes is a benchmark figure (`npm run bench`), not a test. */
const analyzeTimed = analyze;

test('an empty file has no models and no errors', async () => {
  const r = await analyzeTimed('');
  assert.deepEqual(r.models, []);
  assert.deepEqual(r.diagnostics, []);
});

test('a syntax error is reported at its line; the rest of the file is still analysed', async () => {
  const r = await analyzeTimed(
    'import torch\nimport torch.nn as nn\nx = (1,\nm = nn.Linear(3, 4)\nm(torch.randn(1, 3))\n',
  );
  const syntax = r.diagnostics.find((d) => d.code === 'syntax');
  assert.ok(syntax, 'a syntax finding');
  assert.equal(syntax!.severity, 'error');
});

test('binary content is refused with a message', async () => {
  const r = await analyzeTimed('PK\u0003\u0004\u0000\u0000garbage');
  assert.match(messages(r), /binary/);
});

test('a file over 5 MB is analysed up to the limit, with a message', async () => {
  const r = await analyzeTimed('x = 1\n'.repeat(1_000_000));
  assert.match(messages(r), /over the 5 MB limit: everything from line 174763 on left out/);
});

test('an infinite loop exhausts the budget and is located', async () => {
  const r = await analyzeTimed('import torch.nn as nn\nwhile True:\n    x = 1\n');
  const d = r.diagnostics.find((x) => x.code === 'budget');
  assert.ok(d, messages(r));
  assert.equal(d!.range.start.line, 1);
});

test('unbounded recursion is stopped with a RecursionError at the call', async () => {
  const r = await analyzeTimed('def f(n):\n    return f(n + 1)\nf(0)\n');
  assert.match(messages(r), /RecursionError/);
});

test('a shape mismatch names both sizes, is a warning, and leaves MACs unknown', async () => {
  const r = await analyzeTimed(
    [
      'import torch',
      'import torch.nn as nn',
      'class Net(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.conv = nn.Conv2d(3, 8, 3)',
      '        self.fc = nn.Linear(512, 10)',
      '    def forward(self, x):',
      '        x = self.conv(x).view(1, -1)',
      '        return self.fc(x)',
      'Net()(torch.randn(1, 3, 18, 18))',
      '',
    ].join('\n'),
  );
  const d = r.diagnostics.find((x) => x.code === 'shape-mismatch');
  assert.ok(d, messages(r));
  assert.equal(d!.severity, 'warning');
  assert.match(d!.message, /512/);
  assert.match(d!.message, /2048/);
  assert.equal(d!.range.start.line, 9);
  assert.equal(r.models[0].totals.macs, null);
});

test('an unknown layer makes params and MACs unknown, never zero', async () => {
  const r = await analyzeTimed(
    [
      'import torch',
      'import torch.nn as nn',
      'from mylib import FancyLayer',
      'class Net(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.a = nn.Linear(4, 4)',
      '        self.b = FancyLayer(4)',
      '    def forward(self, x):',
      '        return self.b(self.a(x))',
      'Net()(torch.randn(2, 4))',
      '',
    ].join('\n'),
  );
  const net = r.models.find((m) => m.name === 'Net')!;
  assert.equal(net.totals.macs, null);
  assert.equal(net.totals.params, null);
  assert.match(messages(r), /mylib/);
});

test('a name that is never defined is reported where it is used', async () => {
  const r = await analyzeTimed(
    [
      'import torch',
      'import torch.nn as nn',
      'class Net(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.a = nn.Linear(4, WIDTH)',
      '    def forward(self, x):',
      '        return self.a(x)',
      'Net()(torch.randn(2, 4))',
      '',
    ].join('\n'),
  );
  const d = r.diagnostics.find((x) => /WIDTH/.test(x.message));
  assert.ok(d, messages(r));
  assert.equal(d!.range.start.line, 5);
  assert.equal(r.models.find((m) => m.name === 'Net')!.totals.params, null);
});

test('a model with no input anywhere gets the stated default of its first layer, marked as assumed', async () => {
  const r = await analyzeTimed('import torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 4))\n');
  const m = r.models.find((x) => x.name === 'model')!;
  assert.equal(m.totals.params, 20);
  assert.equal(m.totals.macs, 16);
  assert.equal(m.input?.rule, 'assumed');
  assert.match(m.input!.source, /^assumed: first layer Linear\(4, …\) → 1×4/);
});

test('a model whose first layer has no stated default says how to give an input', async () => {
  const r = await analyzeTimed('import torch.nn as nn\nmodel = nn.Sequential(nn.ReLU(), nn.Linear(4, 4))\n');
  const m = r.models.find((x) => x.name === 'model')!;
  assert.equal(m.totals.macs, null);
  assert.match(m.unresolved[0].reason, /wattlens: input/);
});

test('a huge loop of layer construction hits the time budget, not the machine', async () => {
  const r = await analyzeTimed(
    'import torch.nn as nn\nlayers = []\nfor i in range(10000000):\n    layers.append(nn.Linear(4, 4))\n',
  );
  assert.match(messages(r), /budget|time limit/);
});

test('half-typed code at every prefix of a model never throws', async () => {
  const src =
    'import torch\nimport torch.nn as nn\nclass N(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.l = nn.Linear(8, 2)\n    def forward(self, x):\n        return self.l(x)\nN()(torch.randn(1, 8))\n';
  for (let i = 0; i <= src.length; i += 3) await analyze(src.slice(0, i));
});

test('names assigned in a loop that could not run are unknown afterwards, not NameErrors', async () => {
  const r = await analyzeTimed(
    [
      'import torch',
      'import torch.nn as nn',
      'model = nn.Linear(4, 2)',
      'for x, y in some_loader:',
      '    loss = (model(x) - y).pow(2).mean()',
      'print(loss)',
      '',
    ].join('\n'),
  );
  assert.ok(!r.diagnostics.some((d) => /'loss' is not defined/.test(d.message)), messages(r));
  assert.match(messages(r), /some_loader/);
});

test('loss modules are called, not reported as models', async () => {
  const r = await analyzeTimed(
    [
      'import torch',
      'import torch.nn as nn',
      'model = nn.Linear(4, 2)',
      'criterion = nn.CrossEntropyLoss()',
      'out = model(torch.randn(8, 4))',
      'loss = criterion(out, torch.randint(0, 2, (8,)))',
      '',
    ].join('\n'),
  );
  assert.deepEqual(
    r.models.map((m) => m.name),
    ['model'],
  );
});
