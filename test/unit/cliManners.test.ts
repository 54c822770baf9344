// The CLI as a new user meets it (issue 13): usage and --version, help per command, one vocabulary for
// per forward pass and per sample, a totals row and the layers that dominate, CSV with totals and CO2e,
// the editor's advice, bad files reported in place, workspace profiles, one PUE rule, profile ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { repoRoot } from '../helpers/analyzer';
import { normaliseSettings } from '../../server/src/ide/settings';

const cli = join(repoRoot, 'bin', 'wattlens.js');
const resnet18 = join(repoRoot, 'test', 'fixtures', 'pytorch', 'resnet18.py');
const example = join(repoRoot, 'examples', 'resnet50.py');

function run(args: string[], cwd = repoRoot) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd });
}

test('wattlens with no arguments prints the usage on stderr and exits 2; --version and --help answer', () => {
  const bare = run([]);
  assert.equal(bare.status, 2);
  assert.match(bare.stderr, /usage:\n\s+wattlens analyze/);
  const version = run(['--version']);
  assert.equal(version.status, 0);
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  assert.equal(version.stdout.trim(), `wattlens ${pkg.version}`);
  const help = run(['analyze', '--help']);
  assert.equal(help.status, 0, help.stderr);
  for (const option of ['--hardware', '--precision', '--batch', '--pue', '--top', '--advice', '--format'])
    assert.ok(help.stdout.includes(option), option);
  assert.match(run(['check', '-h']).stdout, /--budget FILE/);
});

test('totals say their scope: per forward pass (batch of 4) and per sample, in the table and the JSON', () => {
  const json = JSON.parse(run(['analyze', resnet18, '--batch', '4', '--format', 'json']).stdout);
  const model = json.files[0].models.find((m: { name: string }) => m.name === 'ResNet18');
  assert.equal(model.samplesPerPass, 4);
  assert.ok(Math.abs(model.totals.energyPerSampleJ * 4 - model.totals.energyJ) < 1e-12);
  assert.ok(Math.abs(model.totals.co2ePerSampleG * 4 - model.totals.co2eG) < 1e-15);
  const table = run(['analyze', resnet18, '--batch', '4']).stdout;
  assert.match(table, /CO2e per forward pass \(batch of 4\); [\d.]+ mJ · [\d.]+ µg CO2e per sample/);
  assert.ok(!/per inference/.test(table));
});

test('the table closes with a totals row and lists the layers that dominate energy (--top)', () => {
  const table = run(['analyze', resnet18]).stdout;
  assert.match(table, /^\s+total \(\d+ calls\)\s+11\.7 M\s+1\.81 G\s+/m);
  const top = /top 5 by energy:\n((?:\s+\d+%.*\n){5})/.exec(table);
  assert.ok(top, table);
  const shares = top[1]
    .trim()
    .split('\n')
    .map((l) => Number(/(\d+)%/.exec(l)![1]));
  assert.deepEqual(
    shares,
    [...shares].sort((a, b) => b - a),
    'heaviest first',
  );
  assert.ok(!/top \d+ by energy/.test(run(['analyze', resnet18, '--top', '0']).stdout));
});

test('CSV has a total row per model and CO2e columns; layer CO2e sums to the total', () => {
  const csv = run(['analyze', resnet18, '--format', 'csv', '--batch', '2']).stdout.trim().split('\n');
  const header = csv[0].split(',');
  const col = (name: string) => header.indexOf(name);
  for (const name of ['row', 'co2eG', 'samplesPerPass', 'energyPerSampleJ', 'co2ePerSampleG'])
    assert.ok(col(name) >= 0, name);
  const rows = csv.slice(1).map((l) => l.split(','));
  const resnet = rows.filter((r) => r[col('model')] === 'ResNet18');
  const total = resnet.find((r) => r[col('row')] === 'total')!;
  assert.ok(total, 'a total row');
  assert.equal(total[col('samplesPerPass')], '2');
  const layerCo2 = resnet.filter((r) => r[col('row')] === 'layer').reduce((s, r) => s + Number(r[col('co2eG')]), 0);
  assert.ok(Math.abs(layerCo2 / Number(total[col('co2eG')]) - 1) < 1e-9);
});

test('--advice gives the editor advice for the README example, built by a factory (model = resnet50())', () => {
  const t4 = JSON.parse(run(['analyze', example, '--advice', '--format', 'json']).stdout);
  const advice = t4.files[0].advice as { kind: string; saving?: { device: string; before: number; after: number } }[];
  const autocast = advice.find((a) => a.kind === 'autocast');
  assert.ok(autocast, JSON.stringify(advice.map((a) => a.kind)));
  assert.equal(autocast.saving!.device, 'nvidia-t4');
  assert.ok(autocast.saving!.after < autocast.saving!.before);
  assert.ok(!advice.some((a) => a.kind === 'quantize-dynamic-int8'), 'dynamic int8 runs on CPU only: not on a T4');
  const cpu = JSON.parse(
    run(['analyze', example, '--advice', '--format', 'json', '--hardware', 'intel-xeon-8480']).stdout,
  );
  const quantize = cpu.files[0].advice.find((a: { kind: string }) => a.kind === 'quantize-dynamic-int8');
  assert.equal(quantize?.saving.device, 'intel-xeon-8480');
  const table = run(['analyze', example, '--advice']).stdout;
  assert.match(table, /advice \(\d+\):\n\s+- Run model\(\.\.\.\) under torch\.autocast/);
});

test('one bad file in a list is reported in its place, the rest analysed, exit 2; a symlink loop in a walk too', () => {
  const r = run(['analyze', resnet18, 'missing.py', example, '--format', 'json']);
  assert.equal(r.status, 2);
  const files = JSON.parse(r.stdout).files;
  assert.deepEqual(
    files.map((f: { file: string }) => f.file.split('/').pop()),
    ['resnet18.py', 'missing.py', 'resnet50.py'],
  );
  assert.equal(files[1].diagnostics[0].code, 'unreadable');
  assert.ok(files[2].models.length > 0);
  assert.match(r.stderr, /missing\.py: no such file/);
  const dir = mkdtempSync(join(tmpdir(), 'wattlens-loop-'));
  mkdirSync(join(dir, 'pkg'));
  copyFileSync(resnet18, join(dir, 'pkg', 'net.py'));
  symlinkSync(dir, join(dir, 'pkg', 'back'));
  const walked = run(['analyze', dir, '--format', 'json']);
  assert.equal(walked.status, 0, walked.stderr);
  const found = JSON.parse(walked.stdout).files;
  const loop = found.find((f: { file: string }) => f.file.endsWith('back'));
  assert.match(loop.diagnostics[0].message, /symlink loop/);
  assert.ok(found.some((f: { file: string; models: unknown[] }) => f.file.endsWith('net.py') && f.models.length));
});

test("workspace profiles are found from the file's workspace, not only the current directory", () => {
  const dir = mkdtempSync(join(tmpdir(), 'wattlens-ws-'));
  mkdirSync(join(dir, '.wattlens', 'profiles'), { recursive: true });
  const t4 = JSON.parse(readFileSync(join(repoRoot, 'profiles', 'hardware', 'nvidia-t4.json'), 'utf8'));
  t4.id = 'lab-gpu';
  t4.name = 'Our lab GPU';
  t4.$schema = undefined;
  writeFileSync(join(dir, '.wattlens', 'profiles', 'lab-gpu.json'), JSON.stringify(t4));
  mkdirSync(join(dir, 'src'));
  copyFileSync(resnet18, join(dir, 'src', 'net.py'));
  const r = run(['analyze', join(dir, 'src', 'net.py'), '--hardware', 'lab-gpu', '--format', 'json'], tmpdir());
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).hardware.id, 'lab-gpu');
});

test('--pue is checked by the rule the wattlens.pue setting uses', () => {
  for (const value of ['0.5', '7', 'abc']) {
    const r = run(['analyze', resnet18, '--pue', value]);
    assert.equal(r.status, 2, value);
    assert.match(r.stderr, /PUE must be a number from 1 to 5/);
    const { problems } = normaliseSettings({ pue: value });
    assert.match(problems[0], /wattlens\.pue: PUE must be a number from 1 to 5/);
  }
  assert.equal(run(['analyze', resnet18, '--pue', '1.4']).status, 0);
  assert.deepEqual(normaliseSettings({ pue: 1.4 }).problems, []);
});

test('profile ids are case-insensitive and a near miss gets "did you mean"', () => {
  const upper = run(['analyze', resnet18, '--hardware', 'NVIDIA-T4', '--format', 'json']);
  assert.equal(upper.status, 0, upper.stderr);
  assert.equal(JSON.parse(upper.stdout).hardware.id, 'nvidia-t4');
  const near = run(['analyze', resnet18, '--hardware', 'nvidia-a100']);
  assert.equal(near.status, 2);
  assert.match(near.stderr, /did you mean 'nvidia-a100-80gb'\?/);
  assert.equal(run(['analyze', resnet18, '--precision', 'FP16']).status, 0);
});

test('devices without fp32 default to their native precision and say so; fp32 asked for is refused', () => {
  for (const [id, native] of [
    ['google-tpu-v5e', 'bf16'],
    ['apple-m2-ane', 'fp16'],
    ['intel-loihi2', 'int8'],
    ['qualcomm-hexagon-8gen3', 'int8'],
  ]) {
    const r = run(['analyze', resnet18, '--hardware', id, '--format', 'json']);
    assert.equal(r.status, 0, `${id}: ${r.stderr}`);
    const report = JSON.parse(r.stdout);
    assert.equal(report.precision, native, id);
    assert.match(report.assumptions.precisionChoice, new RegExp(`${native}: the native precision of ${id}`));
  }
  const asked = run(['analyze', resnet18, '--hardware', 'google-tpu-v5e', '--precision', 'fp32']);
  assert.equal(asked.status, 2);
  assert.match(asked.stderr, /precision fp32 is not available on google-tpu-v5e.*supported: bf16, int8/);
});

/** Writes a budget file in a temp folder and returns its path. */
function budgetFile(budgets: object[], extra: object = {}): string {
  const file = join(mkdtempSync(join(tmpdir(), 'wattlens-check-')), 'wattlens.budget.json');
  writeFileSync(file, JSON.stringify({ schema: 'wattlens.budget/1', profile: 'nvidia-t4', budgets, ...extra }));
  return file;
}

test('check with a file list checks only those entries; --format json and --hardware are honoured', () => {
  const budget = budgetFile([
    { file: 'test/fixtures/pytorch/resnet18.py', model: 'ResNet18', maxMacs: 2e9 },
    { file: 'test/fixtures/pytorch/vgg16.py', maxMacs: 1 },
  ]);
  const one = run(['check', '--budget', budget, 'test/fixtures/pytorch/resnet18.py']);
  assert.equal(one.status, 0, one.stdout + one.stderr);
  assert.ok(!/vgg16/.test(one.stdout), one.stdout);
  const json = run(['check', '--budget', budget, '--format', 'json']);
  assert.equal(json.status, 1);
  const result = JSON.parse(json.stdout);
  assert.equal(result.schema, 'wattlens.check/1');
  assert.equal(result.passed, false);
  assert.deepEqual(
    result.rows.map((r: { status: string }) => r.status),
    ['pass', 'fail'],
  );
  const energy = budgetFile([{ file: 'test/fixtures/pytorch/resnet18.py', maxEnergyPerForwardPassJ: 10 }]);
  const onH100 = JSON.parse(
    run(['check', '--budget', energy, '--hardware', 'nvidia-h100-sxm', '--format', 'json']).stdout,
  );
  assert.equal(onH100.rows[0].profile, 'nvidia-h100-sxm');
});

test('check: per sample and per forward pass are distinct limits; an unknown model or a stopped trace fails', () => {
  const both = budgetFile([
    {
      file: 'test/fixtures/pytorch/resnet18.py',
      model: 'ResNet18',
      maxEnergyPerSampleJ: 1,
      maxEnergyPerForwardPassJ: 1,
    },
  ]);
  const rows = JSON.parse(run(['check', '--budget', both, '--format', 'json']).stdout).rows;
  assert.deepEqual(
    rows.map((r: { metric: string }) => r.metric),
    ['energyPerSampleJ', 'energyPerForwardPassJ'],
  );
  const unknown = run([
    'check',
    '--budget',
    budgetFile([{ file: 'test/fixtures/pytorch/resnet18.py', model: 'Nope', maxMacs: 1e12 }]),
  ]);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stdout, /FAIL \(no model named Nope/);
  const dir = mkdtempSync(join(tmpdir(), 'wattlens-stopped-'));
  writeFileSync(
    join(dir, 'stopped.py'),
    [
      'import torch',
      'import torch.nn as nn',
      'class Net(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.fc = nn.Linear(4, 2)',
      '    def forward(self, x):',
      '        y = self.fc(x)',
      "        raise RuntimeError('stop')",
      'model = Net()',
      'out = model(torch.randn(1, 4))',
      '',
    ].join('\n'),
  );
  const stopped = budgetFile([{ file: join(dir, 'stopped.py'), maxMacs: 1e12 }]);
  const r = run(['check', '--budget', stopped]);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /FAIL \(the forward pass stopped/);
});

test('check: maxTrainingKWh counts steps at the batch the file trains with', () => {
  const file = 'test/fixtures/training/torch_tensordataset.py';
  const budget = budgetFile([{ file, maxTrainingKWh: 1000, trainingSteps: 100 }]);
  const row = JSON.parse(run(['check', '--budget', budget, '--format', 'json']).stdout).rows[0];
  assert.match(row.detail, /steps at batch 64 \(the training run's\)/);
  const report = JSON.parse(run(['analyze', file, '--format', 'json', '--batch', '64']).stdout);
  const model = report.files[0].models.find((m: { root: boolean }) => m.root);
  const expected = (model.totals.energyJ * 3 * 100) / 3.6e6;
  assert.ok(Math.abs(row.actual / expected - 1) < 0.01, `${row.actual} vs ${expected}`);
});
