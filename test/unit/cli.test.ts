// The CLI as users and other programs meet it: the DESIGN.md JSON contract, formats, exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { repoRoot } from '../helpers/analyzer';

const cli = join(repoRoot, 'bin', 'wattlens.js');
const resnet18 = join(repoRoot, 'test', 'fixtures', 'pytorch', 'resnet18.py');

function run(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: repoRoot });
}

test('analyze --format json follows wattlens.report/1', () => {
  const r = run('analyze', resnet18, '--format', 'json', '--hardware', 'nvidia-t4');
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.schema, 'wattlens.report/1');
  assert.deepEqual(report.hardware.id, 'nvidia-t4');
  const model = report.files[0].models.find((m: { name: string }) => m.name === 'ResNet18');
  assert.equal(model.root, true);
  assert.equal(model.framework, 'pytorch');
  assert.equal(model.totals.params, 11689512);
  assert.equal(model.totals.macs, 1814073344);
  assert.deepEqual(model.input.shape, [1, 3, 224, 224]);
  assert.match(model.input.source, /torch\.randn, line \d+/);
  for (const key of ['flops', 'weightBytes', 'activationBytes', 'latencyMs', 'energyJ', 'co2eG'])
    assert.equal(typeof model.totals[key], 'number', key);
  const conv = model.layers.find((l: { path: string }) => l.path === 'layer1.0.conv1');
  assert.equal(conv.op, 'Conv2d');
  assert.equal(conv.params, 36864);
  assert.equal(conv.macs, 115605504);
  assert.deepEqual(conv.outputShape, [1, 64, 56, 56]);
  assert.ok(['compute', 'memory', 'overhead'].includes(conv.bound));
  assert.equal(typeof conv.range.start.line, 'number');
  assert.ok(Array.isArray(model.unresolved));
  const block = report.files[0].models.find((m: { name: string }) => m.name === 'BasicBlock');
  assert.equal(block.root, false);
});

test('--batch scales the input and the MACs', () => {
  const r = run('analyze', resnet18, '--format', 'json', '--batch', '4');
  const model = JSON.parse(r.stdout).files[0].models[0];
  assert.deepEqual(model.input.shape, [4, 3, 224, 224]);
  assert.equal(model.totals.macs, 4 * 1814073344);
});

test('--input overrides the tensor the file builds', () => {
  const r = run('analyze', resnet18, '--format', 'json', '--input', '1,3,112,112');
  const model = JSON.parse(r.stdout).files[0].models[0];
  assert.deepEqual(model.input.shape, [1, 3, 112, 112]);
  assert.equal(model.input.source, '--input');
});

test('csv has one row per layer and table prints totals', () => {
  const csv = run('analyze', resnet18, '--format', 'csv');
  assert.equal(csv.status, 0);
  assert.match(csv.stdout.split('\n')[0], /^file,model,root,row,path,op/);
  const table = run('analyze', resnet18);
  assert.match(table.stdout, /11\.7 M params · 1\.81 GMACs/);
});

test('bad usage exits 2 with a one-line reason', () => {
  const cases: [string[], RegExp][] = [
    [['analyze'], /no input files/],
    [['analyze', 'missing.py'], /no such file/],
    [['analyze', resnet18, '--precision', 'fp64'], /--precision must be one of/],
    [['analyze', resnet18, '--hardware', 'nope'], /nope/],
    [['analyze', resnet18, '--batch', '0'], /positive integer/],
    [['analyze', join(repoRoot, 'docs')], /no \.py, \.ipynb, \.ts or \.js files/],
    [['frobnicate'], /unknown command/],
  ];
  for (const [args, message] of cases) {
    const r = run(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test('a file with a syntax error still exits 0 and reports it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wattlens-cli-'));
  const file = join(dir, 'broken.py');
  writeFileSync(file, 'import torch\nclass Net(nn.Module:\n');
  const r = run('analyze', file, '--format', 'json');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).files[0].diagnostics[0].code, 'syntax');
});

test('a precision the device lacks is refused, naming the ones it has', () => {
  const r = run('analyze', resnet18, '--hardware', 'nvidia-t4', '--precision', 'fp8');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /fp8 is not available on nvidia-t4.*supported: fp32, fp16, int8/);
});

test('check exits 1 with a readable table when a model is over budget, 0 when within', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wattlens-budget-'));
  const budget = (maxEnergyJ: number) => {
    const file = join(dir, `budget-${maxEnergyJ}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        schema: 'wattlens.budget/1',
        profile: 'nvidia-t4',
        precision: 'int8',
        budgets: [{ file: 'test/fixtures/pytorch/resnet18.py', model: 'ResNet18', maxEnergyJ, maxMacs: 2e9 }],
      }),
    );
    return file;
  };
  const over = run('check', '--budget', budget(0.001));
  assert.equal(over.status, 1, over.stderr);
  assert.match(over.stdout, /ResNet18.*FAIL/);
  const within = run('check', '--budget', budget(10));
  assert.equal(within.status, 0, within.stdout + within.stderr);
  assert.match(within.stdout, /pass/);
});

test('a malformed budget file names the field that is wrong (exit 2)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wattlens-budget-'));
  const file = join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify({ profile: 'nvidia-t4', budgets: [{ file: 'x.py', maxEnergyJ: -1 }] }));
  const r = run('check', '--budget', file);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /maxEnergyJ/);
});

test('a directory is walked for model files (dependency and build folders skipped)', () => {
  const r = run('analyze', join(repoRoot, 'examples'), '--format', 'json');
  assert.equal(r.status, 0, r.stderr);
  const files = JSON.parse(r.stdout).files.map((f: { file: string }) => f.file);
  assert.deepEqual(files, [join(repoRoot, 'examples', 'resnet50.py')]);
});

test('in a directory walk an unreadable notebook is reported in its place and the other files are analysed', () => {
  const r = run('analyze', join(repoRoot, 'test', 'fixtures', 'notebooks'), '--format', 'json');
  assert.equal(r.status, 0, r.stderr);
  const files = JSON.parse(r.stdout).files as { file: string; diagnostics: { code: string }[]; models: unknown[] }[];
  const truncated = files.find((f) => f.file.endsWith('truncated.ipynb'))!;
  assert.equal(truncated.diagnostics[0].code, 'unreadable');
  assert.ok(files.some((f) => f.models.length > 0));
  const named = run('analyze', join(repoRoot, 'test', 'fixtures', 'notebooks', 'truncated.ipynb'));
  assert.equal(named.status, 2);
});
