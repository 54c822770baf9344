// `wattlens profile` from the built CLI, as a user runs it: the README's ResNet-50 on the cpu provider
// with each layer's measured time on its source line beside the estimate; bad usage exits 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/analyzer';

const cli = join(repoRoot, 'bin', 'wattlens.js');
const workspace = mkdtempSync(join(tmpdir(), 'wattlens-profile-cli-'));
process.on('exit', () => rmSync(workspace, { recursive: true, force: true }));

function run(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: workspace, timeout: 600_000 });
}

test('wattlens profile examples/resnet50.py --ep cpu --format json: measured per layer, on source lines, beside the estimate', () => {
  const file = join(repoRoot, 'examples', 'resnet50.py');
  const exports = join(workspace, 'exports');
  const r = run('profile', file, '--ep', 'cpu', '--format', 'json', '--export-dir', exports);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.schema, 'wattlens.profile/1');
  assert.equal(report.executionProvider, 'cpu');
  assert.match(report.executionProviderReason, /--ep cpu/);
  assert.ok(['rapl', 'estimate'].includes(report.meter.kind));
  assert.equal(typeof report.meter.source, 'string');
  assert.ok('idleW' in report.meter);
  const [model] = report.models;
  assert.equal(model.name, 'ResNet');
  for (const key of ['latencyMs', 'energyJ', 'runs', 'spread']) assert.ok(key in model.measured, key);
  assert.ok(model.measured.runs >= 20);
  assert.equal(typeof model.estimated.latencyMs, 'number');
  const lines = readFileSync(file, 'utf8').split('\n');
  const conv = model.layers.find((l: { path: string }) => l.path === 'layer1.0.conv1');
  assert.equal(conv.op, 'Conv2d');
  assert.ok(conv.measuredMs > 0 && conv.estimatedMs > 0);
  assert.match(lines[conv.range.start.line], /self\.conv1\(/);
  for (const key of ['path', 'op', 'range', 'measuredMs', 'estimatedMs', 'energyJ', 'fused'])
    assert.ok(key in conv, key);
  const measured = model.layers.filter((l: { measuredMs: number | null }) => l.measuredMs !== null);
  assert.ok(measured.length >= 150, `${measured.length} of ${model.layers.length} layers measured`);
  // The exports: trace, graph and Netron attachment, where --export-dir says.
  for (const key of ['trace', 'onnx', 'netron']) assert.ok(report.exports[key].startsWith(exports), key);
});

test('wattlens profile test/fixtures/keras/mnist_convnet.py --ep cpu: a channels-last Keras CNN measured per layer, on its lines, beside the estimate', () => {
  const file = join(repoRoot, 'test', 'fixtures', 'keras', 'mnist_convnet.py');
  const lines = readFileSync(file, 'utf8').split('\n');
  const json = run('profile', file, '--ep', 'cpu', '--format', 'json', '--no-export');
  assert.equal(json.status, 0, json.stderr);
  const [model] = JSON.parse(json.stdout).models;
  assert.equal(model.graph, 'synthesized');
  assert.deepEqual(
    model.layers.map((l: { op: string }) => l.op),
    ['Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dropout', 'Dense'],
  );
  for (const layer of model.layers) {
    // Each row is on the line that builds its layer, with the estimate beside the measurement.
    assert.match(lines[layer.range.start.line], new RegExp(`layers\\.${layer.op}\\(`), layer.path);
    assert.ok(layer.estimatedMs > 0, layer.path);
    if (layer.op !== 'Dropout') assert.ok(layer.measuredMs > 0, `${layer.path} measured`);
  }
  const table = run('profile', file, '--ep', 'cpu', '--no-export');
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /line +layer +op +measured ms +estimated ms +est÷meas +energy J/);
  const convLine = lines.findIndex((l) => l.includes('layers.Conv2D(32')) + 1;
  assert.match(table.stdout, new RegExp(`\\n  ${convLine} +conv2d +Conv2D +\\d+\\.\\d+ +\\d+\\.\\d+ `));
});

test('the table names the provider, the meter and why, and every layer', () => {
  const text = `import torch\nimport torch.nn as nn\nnet = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 30 * 30, 10))\ny = net(torch.randn(2, 3, 32, 32))\n`;
  const file = join(workspace, 'seq.py');
  writeFileSync(file, text);
  const r = run('profile', file, '--ep', 'cpu', '--no-export');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /execution provider: cpu \(asked for with --ep cpu\), onnxruntime \d/);
  assert.match(r.stdout, /energy: (rapl|estimated): /);
  assert.match(r.stdout, /line +layer +op +measured ms +estimated ms +est÷meas +energy J/);
  for (const path of ['0 ', '1 ', '3 ']) assert.match(r.stdout, new RegExp(`\\n  4 +${path.trim()} `));
});

test('bad usage and bad files exit 2 with one line saying why', () => {
  const none = run('profile');
  assert.equal(none.status, 2);
  assert.match(none.stderr, /usage: wattlens profile FILE/);
  const ep = run('profile', 'x.py', '--ep', 'tpu');
  assert.equal(ep.status, 2);
  assert.match(ep.stderr, /--ep must be one of auto, cpu, cuda, webgpu, dml, coreml/);
  const bad = join(workspace, 'bad.onnx');
  writeFileSync(bad, 'this is not protobuf');
  const corrupt = run('profile', bad);
  assert.equal(corrupt.status, 2);
  assert.match(corrupt.stderr, /^wattlens: .*bad\.onnx/);
  assert.equal(corrupt.stderr.trim().split('\n').length, 1);
});
