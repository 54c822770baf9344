// A class that needs constructor arguments, in a file that never builds it, gets the figures of the
// open document that imports and builds it; without one it keeps the reason, naming the arguments.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TestClient } from './client';

const workspace = mkdtempSync(join(tmpdir(), 'wattlens-built-elsewhere-'));
const modelsUri = pathToFileURL(join(workspace, 'models.py')).href;
const trainUri = pathToFileURL(join(workspace, 'train.py')).href;
const modelsText = `import torch.nn as nn


class Net(nn.Module):
    def __init__(self, width, classes=10):
        super().__init__()
        self.conv = nn.Conv2d(3, width, 3)
        self.fc = nn.Linear(width, classes)

    def forward(self, x):
        return self.fc(self.conv(x).mean((2, 3)))
`;
const trainText = `import torch
from models import Net

model = Net(16)
y = model(torch.randn(1, 3, 32, 32))
`;
let client: TestClient;

interface Model {
  name: string;
  root: boolean;
  provenance?: string;
  totals: { params: number | null; macs: number | null };
  unresolved: { reason: string }[];
}

const reportOf = async (uri: string) => (await client.conn.sendRequest('wattlens/modelReport', { uri })) as Model[];

before(async () => {
  writeFileSync(join(workspace, 'models.py'), modelsText);
  writeFileSync(join(workspace, 'train.py'), trainText);
  client = await TestClient.start({}, { workspace });
});
after(async () => client?.stop());

test('alone, a class that needs arguments names them', async () => {
  await client.open(modelsUri, modelsText);
  await client.waitFor(() => client.reportChanges.find((r) => r.uri === modelsUri), 'models.py analysed');
  const net = (await reportOf(modelsUri)).find((m) => m.name === 'Net')!;
  assert.equal(net.totals.params, null);
  assert.match(net.unresolved[0].reason, /needs arguments to be built \(width\)/);
});

test('with an open document that builds it, the class shows that model figures and says where from', async () => {
  const before = client.reportChanges.filter((r) => r.uri === modelsUri).length;
  await client.open(trainUri, trainText);
  await client.waitFor(
    () => client.reportChanges.filter((r) => r.uri === modelsUri).length > before,
    'models.py analysed again',
  );
  const built = (await reportOf(trainUri)).find((m) => m.root && m.name === 'Net')!;
  const net = (await reportOf(modelsUri)).find((m) => m.name === 'Net')!;
  assert.equal(built.totals.params, 3 * 16 * 9 + 16 + 16 * 10 + 10);
  assert.deepEqual(net.totals, built.totals);
  assert.match(net.provenance!, /as train\.py line 4 builds it/);
});
