// The one number formatter (ide/format.ts) the CLI, the editor and the panel share: figures read
// as a person would write them, and the CLI prints exactly what the formatter gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as fmt from '../../server/src/ide/format';
import { repoRoot } from '../helpers/analyzer';

test('durations use the unit a person would: 4 s is "4 s", never "0.00 h"; 5109371420 ms is days', () => {
  assert.equal(fmt.hours(4 / 3600), '4 s');
  assert.equal(fmt.latency(5109371420), '59.1 days');
  assert.equal(fmt.latency(0.035), '35 µs');
  assert.equal(fmt.latency(1.234), '1.23 ms');
  assert.equal(fmt.latency(125_000), '2.08 min');
  assert.equal(fmt.latency(3 * 3.6e6), '3 h');
  assert.equal(fmt.latency(3 * 365.25 * 24 * 3.6e6), '3 years');
});

test('counts keep three significant digits with SI prefixes up to Z, then powers of ten', () => {
  assert.equal(fmt.count(6654464e12, 'MACs'), '6.65 EMACs');
  assert.equal(fmt.count(1.814073344e9, 'MACs'), '1.81 GMACs');
  assert.equal(fmt.count(3.2e25, 'FLOPs'), '3.2e25 FLOPs');
  assert.equal(fmt.count(null, 'MACs'), '? MACs');
  assert.equal(fmt.params(55), '55 params');
  assert.equal(fmt.params(25_557_032), '25.6 M params');
  assert.equal(fmt.amount(null), '?');
});

test('grams, joules and kWh scale to readable units', () => {
  assert.equal(fmt.grams(1500), '1.5 kg');
  assert.equal(fmt.grams(2.5e6), '2.5 t');
  assert.equal(fmt.grams(1.6e-5), '16 µg');
  assert.equal(fmt.energy(0.971), '971 mJ');
  assert.equal(fmt.energy(3.2e6), '3.2 MJ');
  assert.equal(fmt.kwh(0.004), '4 Wh');
  assert.equal(fmt.kwh(12.3), '12.3 kWh');
});

test('a figure with its scope: per forward pass (batch of N), and per sample when N > 1', () => {
  assert.equal(fmt.energyScopes(0.971, 8), '971 mJ per forward pass (batch of 8), 121 mJ per sample');
  assert.equal(fmt.energyScopes(0.0523, 1), '52.3 mJ per forward pass (batch of 1)');
  assert.equal(fmt.energyScopes(null, 4), '? J per forward pass (batch of 4), ? J per sample');
});

test('the CLI table prints totals with the editor formatter: the same text for the same number', () => {
  const fixture = join(repoRoot, 'test', 'fixtures', 'pytorch', 'resnet18.py');
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [join(repoRoot, 'bin', 'wattlens.js'), ...args], { encoding: 'utf8', cwd: repoRoot });
  const json = JSON.parse(run('analyze', fixture, '--format', 'json', '--region', 'FR').stdout);
  const model = json.files[0].models.find((m: { name: string }) => m.name === 'ResNet18');
  const table = run('analyze', fixture, '--region', 'FR').stdout;
  const t = model.totals;
  assert.ok(
    table.includes(`${fmt.energy(t.energyJ)} · ${fmt.grams(t.co2eG)} CO2e per forward pass (batch of 1)`),
    table,
  );
  assert.ok(table.includes(fmt.latency(t.latencyMs)));
  assert.ok(!/\d\.\d\d g\b|\d+\.00 /.test(table), 'no fixed two-decimal figures');
});

test('messages read like sentences, not like the program: no "Linear: Linear expects", no "from as called in"', async () => {
  const { analyze } = await import('../helpers/analyzer');
  const file = await analyze(
    [
      'import torch',
      'import torch.nn as nn',
      'class Block(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.fc = nn.Linear(10, 5)',
      '    def forward(self, x):',
      '        return self.fc(x)',
      'class Net(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.block = Block()',
      '    def forward(self, x):',
      '        return self.block(x)',
      'model = Net()',
      'y = model(torch.randn(8, 12))',
    ].join('\n'),
  );
  const warning = file.diagnostics.find((d) => d.code === 'shape-mismatch')!;
  assert.equal(warning.message, 'Linear expects 10 input features but got 12 (input shape (8, 12))');
  const block = file.models.find((m) => m.name === 'Block')!;
  assert.equal(block.input?.source, 'its first call, Net.block');
});
