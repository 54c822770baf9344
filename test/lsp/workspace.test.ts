// Cross-file analysis through the language server: a script at the root of a workspace laid out
// like a repository (test/fixtures/workspace) imports its own package; the server follows the
// imports, and when an imported file is edited (as an open document), it analyses the script again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TestClient, repoRoot } from './client';

const workspace = join(repoRoot, 'test', 'fixtures', 'workspace');
const uriOf = (relative: string) => pathToFileURL(join(workspace, relative)).href;
const train = uriOf('train.py');
const heads = uriOf('models/heads.py');
const trainText = readFileSync(join(workspace, 'train.py'), 'utf8');
const headsText = readFileSync(join(workspace, 'models', 'heads.py'), 'utf8');
/** What torch counts for train.py (its `# expect:` line). */
const torchParams = Number(/params=(\d+)/.exec(trainText)![1]);
let client: TestClient;

interface Model {
  name: string;
  root: boolean;
  totals: { params: number | null; macs: number | null };
}

async function netOf(version: number): Promise<Model> {
  await client.waitFor(
    () => client.reportChanges.find((r) => r.uri === train && r.version === version),
    'reportChanged',
  );
  const models = (await client.conn.sendRequest('wattlens/modelReport', { uri: train })) as Model[];
  const net = models.find((m) => m.root && m.name === 'Net');
  assert.ok(net, `no Net in ${JSON.stringify(models.map((m) => m.name))}`);
  return net;
}

before(async () => {
  client = await TestClient.start({}, { workspace });
  await client.open(train, trainText);
});
after(async () => client.stop());

test('a script that imports its own package is analysed through its imports, to torch figures', async () => {
  const net = await netOf(1);
  assert.equal(net.totals.params, torchParams);
  assert.ok(net.totals.macs! > 0);
});

test('editing an imported file re-analyses the script that imports it', async () => {
  await client.open(heads, headsText);
  const edited = headsText.replace(
    'nn.Linear(in_channels, num_classes)',
    'nn.Linear(in_channels, num_classes, bias=False)',
  );
  assert.notEqual(edited, headsText);
  const before = client.reportChanges.filter((r) => r.uri === train).length;
  await client.change(heads, 2, [{ text: edited }]);
  await client.waitFor(
    () => client.reportChanges.filter((r) => r.uri === train).length > before,
    'train.py analysed again after its import changed',
  );
  const models = (await client.conn.sendRequest('wattlens/modelReport', { uri: train })) as Model[];
  const net = models.find((m) => m.root && m.name === 'Net')!;
  // The head's bias (num_classes = 100) is gone.
  assert.equal(net.totals.params, torchParams - 100);
});
