// LSP feature tests against the real server process: capabilities, inlay hints, hover, code lens,
// diagnostics, the wattlens/modelReport request and settings changes, on the ResNet-18 fixture.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestClient, fileUri, repoRoot } from './client';

const resnetText = readFileSync(join(repoRoot, 'test', 'fixtures', 'pytorch', 'resnet18.py'), 'utf8');
const resnet = fileUri('resnet18.py');
let client: TestClient;

before(async () => {
  client = await TestClient.start({});
  await client.open(resnet, resnetText);
});
after(async () => client.stop());

/** 0-based line of the first line containing `needle`. */
function lineOf(text: string, needle: string): number {
  const line = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(line >= 0, `no line contains ${needle}`);
  return line;
}

test('initialize answers the capabilities DESIGN.md fixes', () => {
  const caps = client.initResult.capabilities;
  assert.deepEqual(caps.textDocumentSync, { openClose: true, change: 2 });
  assert.ok(caps.inlayHintProvider);
  assert.ok(caps.hoverProvider);
  assert.ok(caps.codeLensProvider);
  assert.ok(caps.codeActionProvider);
  const selector = (
    caps.notebookDocumentSync as { notebookSelector: { notebook: string; cells: { language: string }[] }[] }
  ).notebookSelector[0];
  assert.equal(selector.notebook, 'jupyter-notebook');
  assert.deepEqual(
    selector.cells,
    [{ language: '*' }],
    'every cell, so that cells are numbered as the notebook shows them',
  );
});

test('inlay hints sit at the end of layer definition and call lines, with FLOPs, energy and share', async () => {
  const hints = await client.inlayHints(resnet);
  assert.ok(hints.length > 10, `got ${hints.length} hints`);
  const lines = resnetText.split('\n');
  for (const h of hints) {
    assert.equal(h.position.character, lines[h.position.line].length, 'hint at the end of its line');
    assert.match(String(h.label), /^(\?|[\d.]+ [kMGT]?FLOPs · [\d.]+ [mµn]?J( · (\d+|<1)%)?( · ×\d+)?)$/);
  }
  const conv1Def = lineOf(resnetText, 'self.conv1 = nn.Conv2d(3, self.inplanes');
  const conv1Call = lineOf(resnetText, 'x = self.conv1(x)');
  const label = (line: number) => String(hints.find((h) => h.position.line === line)?.label);
  assert.match(label(conv1Def), /^236 MFLOPs · [\d.]+ mJ · \d+%$/);
  assert.equal(label(conv1Call), label(conv1Def));
  const fc = label(lineOf(resnetText, 'self.fc = nn.Linear'));
  assert.match(fc, /^1\.02 MFLOPs/);
});

test('a range request only returns hints inside it', async () => {
  const hints = await client.inlayHints(resnet, { start: { line: 85, character: 0 }, end: { line: 95, character: 0 } });
  assert.ok(hints.length > 0);
  assert.ok(hints.every((h) => h.position.line >= 85 && h.position.line <= 95));
});

test('hover on a layer call shows a Markdown table with every figure and how it was obtained', async () => {
  const line = lineOf(resnetText, 'x = self.conv1(x)');
  const hover = await client.hover(resnet, line, 15);
  const md = (hover?.contents as { value: string }).value;
  for (const row of [
    'params',
    'MACs',
    'FLOPs',
    'output shape',
    'bytes',
    'latency',
    'energy',
    'bound',
    'precision',
    'hardware',
    'How obtained',
  ]) {
    assert.ok(md.includes(row), `hover lacks ${row}:\n${md}`);
  }
  assert.match(md, /9,408/);
  assert.match(md, /\[1, 64, 112, 112\]/);
  assert.match(md, /nvidia-t4/);
});

test('hover on a helper line lists every layer it builds; on the class line, the model totals', async () => {
  const helper = await client.hover(
    resnet,
    lineOf(resnetText, 'return nn.Conv2d(in_planes, out_planes, kernel_size=3'),
    8,
  );
  assert.match((helper?.contents as { value: string }).value, /16 layer calls on this line/);
  const model = await client.hover(resnet, lineOf(resnetText, 'class ResNet18'), 3);
  const md = (model?.contents as { value: string }).value;
  assert.match(md, /11,689,512/);
  assert.match(md, /1\.81 GMACs/);
  assert.equal(await client.hover(resnet, 0, 0), null);
});

test('code lens above the root model: size, cost on the profile, and Profile locally', async () => {
  const lenses = await client.codeLenses(resnet);
  assert.equal(lenses.length, 2);
  const classLine = lineOf(resnetText, 'class ResNet18');
  assert.ok(lenses.every((l) => l.range.start.line === classLine));
  assert.match(
    lenses[0].command!.title,
    /^ResNet18 · 1\.81 GMACs · 11\.7 M params · [\d.]+ mJ per forward pass \(batch of 1\) on nvidia-t4 \(fp32\)$/,
  );
  assert.equal(lenses[1].command!.title, 'Profile locally');
  assert.equal(lenses[1].command!.command, 'wattlens.profileModel');
  assert.deepEqual((lenses[1].command!.arguments![0] as { model: string }).model, 'ResNet18');
});

test('diagnostics are published, and ResNet-18 has no warnings', async () => {
  const diags = await client.diagnosticsFor(resnet);
  assert.ok(
    diags.every((d) => d.severity !== 1 && d.severity !== 2),
    JSON.stringify(diags),
  );
});

test('wattlens/modelReport returns the models as the CLI JSON has them, and reportChanged was sent', async () => {
  const models = (await client.conn.sendRequest('wattlens/modelReport', { uri: resnet })) as {
    name: string;
    root: boolean;
    totals: { params: number; energyJ: number };
  }[];
  const root = models.find((m) => m.root)!;
  assert.equal(root.name, 'ResNet18');
  assert.equal(root.totals.params, 11689512);
  assert.ok(root.totals.energyJ > 0);
  await client.waitFor(() => client.reportChanges.find((r) => r.uri === resnet), 'wattlens/reportChanged');
});

test('settings are pulled again on change: precision, inlay hint mode, batch size', async () => {
  await client.configure({ precision: 'fp16' });
  const fp16 = await poll(
    async () => (await client.codeLenses(resnet))[0]?.command?.title,
    (t) => /\(fp16\)$/.test(t ?? ''),
  );
  assert.match(fp16!, /on nvidia-t4 \(fp16\)$/);
  await client.configure({ inlayHints: { mode: 'off' } });
  assert.deepEqual(
    await poll(
      () => client.inlayHints(resnet),
      (h) => h.length === 0,
    ),
    [],
  );
  await client.configure({ inlayHints: { mode: 'totals' } });
  const totals = await poll(
    () => client.inlayHints(resnet),
    (h) => h.length === 1,
  );
  assert.equal(totals[0].position.line, lineOf(resnetText, 'class ResNet18'));
  assert.match(String(totals[0].label), /^1\.81 GMACs · [\d.]+ mJ$/);
  await client.configure({ batchSize: 8 });
  const batch = await poll(
    async () => (await client.codeLenses(resnet))[0]?.command?.title,
    (t) => /batch 8/.test(t ?? ''),
  );
  assert.match(batch!, /14\.5 GMACs/);
  await client.configure({});
});

/** Calls `get` until `ok` accepts its value (settings are applied asynchronously). */
async function poll<T>(get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}
