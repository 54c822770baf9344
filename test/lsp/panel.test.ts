// The client's custom requests against the real server process: hardware profiles (workspace ones read
// only when the workspace is trusted, a broken one located), the panel report (figures that add up to the
// totals, CO2e by the totals' rule, roofline coordinates, every suggestion offered by textDocument/
// codeAction at its anchor under the same title), notebook cell sums, compare and exports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestClient, repoRoot } from './client';
import type {
  CellCost,
  CompareResult,
  ExportResult,
  HardwareProfilesResult,
  PanelReport,
} from '../../server/src/protocol';
import { CODECARBON_COLUMNS } from '../../server/src/ide/panel/export';

const model = readFileSync(join(repoRoot, 'test', 'e2e', 'workspace', 'model.py'), 'utf8');
const uri = 'file:///work/panel/model.py';
let workspace: string;
let client: TestClient;

before(async () => {
  workspace = mkdtempSync(join(tmpdir(), 'wattlens-panel-'));
  const profiles = join(workspace, '.wattlens', 'profiles');
  mkdirSync(profiles, { recursive: true });
  const t4 = JSON.parse(readFileSync(join(repoRoot, 'profiles', 'hardware', 'nvidia-t4.json'), 'utf8'));
  delete t4.$schema;
  writeFileSync(join(profiles, 'my-gpu.json'), JSON.stringify({ ...t4, id: 'my-gpu', name: 'My GPU' }));
  writeFileSync(
    join(profiles, 'broken.json'),
    JSON.stringify({ id: 'broken', name: 'Broken', kind: 'gpu', peak: { fp32: 'fast' } }),
  );
  client = await TestClient.start({}, { workspace });
  await client.open(uri, model);
});
after(async () => client.stop());

test('hardwareProfiles lists built-in and workspace profiles with figures, the settings in force, and a broken file located', async () => {
  const result: HardwareProfilesResult = await client.conn.sendRequest('wattlens/hardwareProfiles', {});
  const t4 = result.profiles.find((p) => p.id === 'nvidia-t4')!;
  assert.equal(t4.origin, 'builtin');
  assert.equal(t4.peakTflops.fp32, 8.1);
  assert.match(t4.figures, /^fp32 8\.1 TFLOP\/s · fp16 65 TFLOP\/s · int8 130 TOP\/s · 320 GB\/s · 16 GB · 70 W$/);
  assert.equal(result.profiles.find((p) => p.id === 'my-gpu')?.origin, 'workspace');
  assert.equal(result.profiles[0].origin, 'workspace', 'workspace profiles first');
  assert.ok(result.workspaceProfiles.enabled);
  assert.ok(
    result.problems.some((p) => p.includes('broken.json') && p.includes('peak.fp32')),
    result.problems.join('\n'),
  );
  assert.equal(result.current.hardware, 'nvidia-t4');
  assert.equal(result.current.hardwareName, 'NVIDIA T4 16GB');
  assert.ok(result.current.gridIntensity!.gramsPerKWh > 0);
  assert.match(result.current.gridIntensity!.text, /gCO2e\/kWh$/);
});

test('an untrusted workspace reads no workspace profile and says why', async () => {
  const untrusted = await TestClient.start({}, { workspace, initializationOptions: { workspaceTrusted: false } });
  try {
    const result: HardwareProfilesResult = await untrusted.conn.sendRequest('wattlens/hardwareProfiles', {});
    assert.equal(result.workspaceProfiles.enabled, false);
    assert.match(result.workspaceProfiles.reason!, /Restricted Mode/);
    assert.ok(!result.profiles.some((p) => p.origin === 'workspace'));
    assert.deepEqual(result.problems, []);
  } finally {
    await untrusted.stop();
  }
});

test('panelReport: layers add up to the totals, CO2e follows the totals rule, roofline points lie under the roofs', async () => {
  const report: PanelReport = await client.conn.sendRequest('wattlens/panelReport', { uri });
  assert.equal(report.uri, uri);
  assert.equal(report.notebook, false);
  const net = report.models.find((m) => m.name === 'SmallNet')!;
  assert.ok(net.root);
  assert.equal(net.layers.length, 8);
  const sum = (pick: (l: (typeof net.layers)[number]) => number | null) => net.layers.reduce((s, l) => s + pick(l)!, 0);
  assert.ok(Math.abs(sum((l) => l.energyJ) - net.totals.energyJ!) <= 1e-12 * net.totals.energyJ!);
  assert.ok(Math.abs(sum((l) => l.co2eG) - net.totals.co2eG!) <= 1e-9 * net.totals.co2eG!);
  assert.ok(Math.abs(sum((l) => l.share) - 1) < 1e-9);
  assert.equal(net.scope, 'per forward pass (batch of 8)');
  const roof = report.roofline!;
  assert.equal(roof.peakFlopsPerSecond, 8.1e12);
  assert.equal(roof.bandwidthBytesPerSecond, 320e9);
  for (const l of net.layers) {
    if (l.intensity === null) continue;
    const attainable = Math.min(roof.peakFlopsPerSecond!, l.intensity * roof.bandwidthBytesPerSecond!);
    assert.ok(l.attainedFlopsPerSecond! <= attainable * (1 + 1e-9), `${l.path} lies under the roof`);
  }
  const conv2 = net.layers.find((l) => l.path === 'conv2')!;
  assert.deepEqual(conv2.location, {
    uri,
    range: { start: { line: 11, character: 21 }, end: { line: 11, character: 64 } },
  });
  assert.equal(conv2.callLocation?.range.start.line, 18);
  assert.equal(conv2.display.macs, '604 MMACs');
  assert.equal(report.measured, null);
  assert.match(report.measuredNote, /Profile Model Locally/);
});

test('panelReport: findings, then every action with its saving, each offered at its anchor under the same title', async () => {
  const report: PanelReport = await client.conn.sendRequest('wattlens/panelReport', { uri });
  const actions = report.advice.filter((a) => a.type === 'action');
  const findings = report.advice.filter((a) => a.type === 'finding');
  assert.ok(actions.length >= 3, actions.map((a) => a.title).join('\n'));
  assert.ok(
    findings.some((f) => f.kind === 'conv-bias' || /bias/.test(f.title)),
    findings.map((f) => f.title).join('\n'),
  );
  assert.ok(findings.every((f) => f.anchor === null));
  const bias = actions.find((a) => /bias=False/.test(a.title))!;
  assert.equal(bias.kind, 'conv-bias-false');
  assert.equal(bias.location.uri, uri);
  assert.equal(bias.location.range.start.line, 9, 'where the edit lands: the conv1 line');
  const autocast = actions.find((a) => a.kind === 'autocast')!;
  assert.ok(autocast.saving && autocast.saving.after! < autocast.saving.before!);
  assert.match(autocast.change!, /^−\d+% energy$/);
  assert.ok(autocast.detail!.includes(autocast.change!.replace(' energy', '')));
  assert.equal(new Set(actions.map((a) => a.title)).size, actions.length, 'each once');
  for (const item of actions) {
    const offered = await client.codeActions(item.anchor!.uri, item.anchor!.range);
    assert.ok(
      offered.some((a) => a.title === item.title),
      `offered: ${item.title}`,
    );
  }
});

test('compareReport: ratios B / A from both sides; a precision the profile lacks is unknown with its reason', async () => {
  const result: CompareResult = await client.conn.sendRequest('wattlens/compareReport', {
    uri,
    model: 'SmallNet',
    a: { hardware: 'nvidia-t4', precision: 'fp32' },
    b: { hardware: 'nvidia-h100-sxm', precision: 'bf16' },
  });
  assert.ok(result.a.energyJ! > result.b.energyJ!);
  assert.equal(result.ratios.energy, result.b.energyJ! / result.a.energyJ!);
  const report: PanelReport = await client.conn.sendRequest('wattlens/panelReport', { uri });
  assert.equal(
    result.a.energyJ,
    report.models.find((m) => m.name === 'SmallNet')!.totals.energyJ,
    'side A is the editor figure',
  );
  const lacking: CompareResult = await client.conn.sendRequest('wattlens/compareReport', {
    uri,
    model: 'SmallNet',
    a: { hardware: 'nvidia-t4', precision: 'fp32' },
    b: { hardware: 'nvidia-t4', precision: 'bf16' },
  });
  assert.equal(lacking.b.energyJ, null);
  assert.equal(lacking.ratios.energy, null);
  assert.match(lacking.b.note!, /bf16/);
  const missing: CompareResult | null = await client.conn.sendRequest('wattlens/compareReport', {
    uri,
    model: 'NoSuchModel',
    a: { hardware: 'nvidia-t4', precision: 'fp32' },
    b: { hardware: 'nvidia-t4', precision: 'fp16' },
  });
  assert.equal(missing, null);
  const unknownProfile: CompareResult = await client.conn.sendRequest('wattlens/compareReport', {
    uri,
    model: 'SmallNet',
    a: { hardware: 'nvidia-t4', precision: 'fp32' },
    b: { hardware: 'no-such-gpu', precision: 'fp32' },
  });
  assert.match(unknownProfile.b.note!, /no hardware profile 'no-such-gpu'/);
});

test("exportReport: CodeCarbon's columns with the model's figures in its units, and the CLI's JSON", async () => {
  const csv: ExportResult = await client.conn.sendRequest('wattlens/exportReport', { uri, format: 'csv' });
  assert.equal(csv.fileName, 'model-emissions.csv');
  const [header, row, extra] = csv.content.trim().split('\n');
  assert.equal(header, CODECARBON_COLUMNS.join(','));
  assert.equal(extra, undefined, 'one row per root model');
  const fields = Object.fromEntries(header.split(',').map((c, i) => [c, row.split(',')[i]]));
  const report: PanelReport = await client.conn.sendRequest('wattlens/panelReport', { uri });
  const totals = report.models.find((m) => m.name === 'SmallNet')!.totals;
  assert.equal(fields.experiment_id, 'SmallNet');
  assert.equal(Number(fields.duration), totals.latencyMs! / 1e3);
  assert.equal(Number(fields.emissions), totals.co2eG! / 1e3);
  assert.equal(Number(fields.gpu_energy), totals.energyJ! / 3.6e6);
  assert.equal(fields.gpu_model, 'NVIDIA T4 16GB');
  assert.equal(fields.ram_power, '', 'what WattLens does not model stays empty, never 0');
  assert.match(fields.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  const json: ExportResult = await client.conn.sendRequest('wattlens/exportReport', { uri, format: 'json' });
  const parsed = JSON.parse(json.content);
  assert.equal(parsed.schema, 'wattlens.report/1');
  assert.equal(parsed.hardware.id, 'nvidia-t4');
  assert.equal(parsed.files[0].models[0].totals.energyJ, totals.energyJ);
});

test('cellCosts and the notebook panel: per-cell sums of the layers each cell defines, mapped to the cells', async () => {
  const notebook = 'file:///work/panel/nb.ipynb';
  const cells = [
    'vscode-notebook-cell:/work/panel/nb.ipynb#W0',
    'vscode-notebook-cell:/work/panel/nb.ipynb#W1',
    'vscode-notebook-cell:/work/panel/nb.ipynb#W2',
  ];
  const texts = [
    'import torch\nimport torch.nn as nn',
    'class Mlp(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc1 = nn.Linear(784, 256)\n        self.fc2 = nn.Linear(256, 10)\n\n    def forward(self, x):\n        return self.fc2(torch.relu(self.fc1(x)))',
    'model = Mlp()\nx = torch.randn(32, 784)\ny = model(x)',
  ];
  await client.conn.sendNotification('notebookDocument/didOpen', {
    notebookDocument: {
      uri: notebook,
      notebookType: 'jupyter-notebook',
      version: 1,
      cells: cells.map((document) => ({ kind: 2, document })),
    },
    cellTextDocuments: cells.map((c, i) => ({ uri: c, languageId: 'python', version: 1, text: texts[i] })),
  });
  const costs: CellCost[] = await client.conn.sendRequest('wattlens/cellCosts', { uri: notebook });
  assert.deepEqual(
    costs.map((c) => [c.cell, c.uri, c.layers]),
    [
      [0, cells[0], 0],
      [1, cells[1], 3],
      [2, cells[2], 0],
    ],
  );
  const report: PanelReport = await client.conn.sendRequest('wattlens/panelReport', { uri: notebook });
  assert.ok(report.notebook);
  const mlp = report.models.find((m) => m.root)!;
  assert.equal(costs[1].energyJ, mlp.totals.energyJ, 'all layers are in cell 2, so its sum is the model total');
  assert.equal(costs[1].macs, 784 * 256 * 32 + 256 * 10 * 32);
  assert.ok(mlp.layers.every((l) => l.location?.uri === cells[1] && l.cell === 1));
  assert.equal(mlp.layers.find((l) => l.path === 'fc1')!.location!.range.start.line, 3, 'cell-local lines');
  assert.deepEqual(
    await client.conn.sendRequest('wattlens/cellCosts', { uri: uri }),
    [],
    'no cells in a text document',
  );
});

test('the panel requests answer null for a document that is not open', async () => {
  assert.equal(await client.conn.sendRequest('wattlens/panelReport', { uri: 'file:///nowhere.py' }), null);
  assert.equal(
    await client.conn.sendRequest('wattlens/exportReport', { uri: 'file:///nowhere.py', format: 'csv' }),
    null,
  );
  assert.ok(client.alive);
});
