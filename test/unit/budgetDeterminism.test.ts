// The step budget decides what is analysed, so figures do not depend on the machine's load: a trace
// the budget stops gives null totals with the reason (never the partial sum of what ran), and the
// last-resort time guard makes every figure unknown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../helpers/analyzer';

const deepModel = `
import torch
import torch.nn as nn

class Deep(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(64, 64) for _ in range(2000)])

    def forward(self, x):
        for layer in self.layers:
            x = torch.relu(layer(x))
        return x

model = Deep()
y = model(torch.randn(8, 64))
`;

test('a trace the step budget stops has null MACs with the reason, not a partial sum', async () => {
  const full = await analyze(deepModel);
  const complete = full.models.find((m) => m.root)!;
  assert.equal(complete.totals.macs, 2000 * 8 * 64 * 64);
  const cut = await analyze(deepModel, { maxSteps: 20_000 });
  const root = cut.models.find((m) => m.root)!;
  assert.equal(root.totals.macs, null);
  assert.equal(root.totals.flops, null);
  assert.ok(
    root.unresolved.some((u) => /budget exhausted/.test(u.reason)),
    JSON.stringify(root.unresolved),
  );
});

test('the same step budget gives the same figures every time', async () => {
  const runs = await Promise.all([1, 2, 3].map(() => analyze(deepModel, { maxSteps: 20_000 })));
  const figures = runs.map((r) => JSON.stringify(r.models.map((m) => m.totals)));
  assert.equal(new Set(figures).size, 1);
});

test('the last-resort time guard leaves every figure unknown, with its reason', async () => {
  // Stopped while building (nothing is bound yet) or while tracing: either way no figure is shown.
  const report = await analyze(deepModel.replace('y = model(', '# wattlens: input=(8, 64)\ny = model('), {
    maxMs: 0,
  });
  for (const m of report.models) {
    assert.deepEqual(
      Object.values(m.totals),
      Object.values(m.totals).map(() => null),
    );
    assert.match(m.unresolved[0].reason, /time guard/);
  }
  assert.ok(report.diagnostics.some((d) => /time guard/.test(d.message)));
});
