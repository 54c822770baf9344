// The wattlens.pythonPath setting: it names the interpreter whose site-packages the server reads
// installed libraries from. A script building torchvision's resnet18 gets torch's figures through the
// named Python (which has torchvision); naming one that does not exist says so and reads no library.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TestClient } from './client';
import { libraryPaths } from '../differential/publicCode';

const hasTorchvision = libraryPaths().some((dir) => existsSync(join(dir, 'torchvision', '__init__.py')));
const python = process.env.WATTLENS_PYTHON ?? '/usr/bin/python3';
const workspace = mkdtempSync(join(tmpdir(), 'wattlens-python-'));
const script = pathToFileURL(join(workspace, 'main.py')).href;
const text = `import torch
from torchvision.models import resnet18

model = resnet18()
y = model(torch.randn(1, 3, 224, 224))
`;
// What torch counts for resnet18 (test/differential/torchvision.expected.json).
const RESNET18_PARAMS = 11689512;
let client: TestClient;

interface Model {
  name: string;
  framework: string;
  root: boolean;
  totals: { params: number | null };
}

async function modelAfter(version: number, count: number): Promise<Model | undefined> {
  await client.waitFor(
    () => client.reportChanges.filter((r) => r.uri === script && r.version === version).length >= count,
    'reportChanged',
  );
  const models = (await client.conn.sendRequest('wattlens/modelReport', { uri: script })) as Model[];
  return models.find((m) => m.root);
}

before(async () => {
  writeFileSync(join(workspace, 'main.py'), text);
  client = await TestClient.start({ pythonPath: python }, { workspace });
  await client.open(script, text);
});
after(async () => client?.stop());

test(
  'wattlens.pythonPath names the Python whose installed torchvision is read',
  { skip: !hasTorchvision && 'torchvision is not installed' },
  async () => {
    const model = await modelAfter(1, 1);
    assert.equal(model?.framework, 'pytorch');
    assert.equal(model?.totals.params, RESNET18_PARAMS);
  },
);

test('a wattlens.pythonPath that does not exist is reported, and no installed library is read', async () => {
  const before = client.reportChanges.filter((r) => r.uri === script).length;
  await client.configure({ pythonPath: join(workspace, 'no-such-python') });
  await client.waitFor(
    () => client.messages.find((m) => /wattlens\.pythonPath: could not ask/.test(m.message)),
    'a message naming the setting',
  );
  await client.waitFor(
    () => client.reportChanges.filter((r) => r.uri === script).length > before,
    'the script analysed again',
  );
  const models = (await client.conn.sendRequest('wattlens/modelReport', { uri: script })) as Model[];
  const model = models.find((m) => m.root);
  // Without the library's source, torchvision.models.resnet18 comes from the catalog of checkpoints.
  assert.equal(model?.framework, 'hub', 'torchvision was still read from the old interpreter');
});
