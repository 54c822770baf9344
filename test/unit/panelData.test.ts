// The panel's figures that the LSP tests do not reach: per-cell sums never partial (a cell with an
// unknown layer has null sums and the reason), and the CodeCarbon CSV leaving unknowns empty.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellSums, generationOf, type PanelDataItem, type PanelLayerItem } from '../../server/src/ide/panel/panelData';
import { CODECARBON_COLUMNS, codeCarbonCsv } from '../../server/src/ide/panel/export';
import type { FileReport, ModelReport } from '../../server/src/core/report/types';

const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };

function layer(path: string, cell: number, macs: number | null, energyJ: number | null): PanelLayerItem {
  const text = {
    params: '',
    macs: '',
    flops: '',
    latency: '',
    energy: '',
    co2e: '',
    share: '',
    output: '',
    intensity: '',
    attained: '',
  };
  return {
    path,
    op: 'Linear',
    range,
    callRange: null,
    cell,
    params: 1,
    macs,
    flops: macs,
    latencyMs: 1,
    energyJ,
    co2eG: energyJ,
    share: null,
    bound: 'compute',
    outputShape: [1],
    intensity: 1,
    attainedFlopsPerSecond: 1,
    display: text,
  };
}

function data(layers: PanelLayerItem[]): PanelDataItem {
  const report = { name: 'M', root: true } as ModelReport;
  const display = { params: '', macs: '', flops: '', latency: '', energy: '', co2e: '' };
  return { models: [{ report, display, scope: '', layers, generation: null }], roofline: null, energyNote: null };
}

test('a cell sums its layers; one unknown layer makes its sums null with the reason, never a partial sum', () => {
  const sums = cellSums(
    data([layer('a', 0, 10, 1), layer('b', 0, 20, 2), layer('c', 1, 5, null), layer('d', 1, 7, 3)]),
    [0, 1, 2],
    'no power figure',
  );
  assert.deepEqual(
    sums.map((s) => [s.cell, s.layers, s.macs, s.energyJ]),
    [
      [0, 2, 30, 3],
      [1, 2, 12, null],
      [2, 0, 0, 0],
    ],
  );
  assert.match(sums[1].note!, /^c \(Linear\): no power figure$/);
  assert.equal(sums[1].display.energy, '? J');
  assert.equal(sums[2].display.energy, '—', 'a cell without layers shows a dash');
});

test('the CodeCarbon CSV leaves what is unknown empty, never 0', () => {
  const model = {
    name: 'Unknown',
    framework: 'pytorch',
    root: true,
    range,
    input: null,
    totals: {
      params: 10,
      macs: null,
      flops: null,
      weightBytes: null,
      activationBytes: null,
      latencyMs: null,
      energyJ: null,
      co2eG: null,
    },
    layers: [],
    unresolved: [],
  } as ModelReport;
  const file: FileReport = { file: 'x.py', models: [model], diagnostics: [] };
  const csv = codeCarbonCsv(file, { project: 'x.py', runId: 'r', timestamp: '2025-01-01T00:00:00', ctx: null });
  const [header, row] = csv.trim().split('\n');
  assert.equal(header.split(',').length, CODECARBON_COLUMNS.length);
  const fields = Object.fromEntries(header.split(',').map((c, i) => [c, row.split(',')[i]]));
  for (const column of ['duration', 'emissions', 'emissions_rate', 'gpu_energy', 'energy_consumed', 'pue'])
    assert.equal(fields[column], '', column);
  assert.equal(fields.experiment_id, 'Unknown');
});

test("a generating model's figures (DESIGN.md's `generation`) are laid out by phase with their texts; absent, none", () => {
  const generation = {
    batch: 1,
    promptTokens: 128,
    newTokens: 256,
    source: 'generate(max_new_tokens=256), line 12',
    prefill: { macs: 1.6e10, latencyMs: 12.5, energyJ: 0.9, bound: 'compute' },
    decode: { macs: 3.2e10, latencyMs: 2048, energyJ: 41.5, bound: 'memory' },
    kvCacheBytes: 50331648,
    timeToFirstTokenMs: 12.5,
    timePerOutputTokenMs: 8,
    tokensPerSecond: 125,
    energyPerOutputTokenJ: 0.162,
    energyJ: 42.4,
  };
  const item = generationOf({ name: 'gpt2', generation } as unknown as ModelReport)!;
  assert.equal(item.summary, '128 prompt + 256 new tokens, batch 1 (generate(max_new_tokens=256), line 12)');
  assert.deepEqual(
    item.phases.map((p) => [p.phase, p.macs, p.latency, p.energy, p.bound]),
    [
      ['Prefill', '16 GMACs', '12.5 ms', '900 mJ', 'compute'],
      ['Decode', '32 GMACs', '2.05 s', '41.5 J', 'memory'],
    ],
  );
  const figures = Object.fromEntries(item.figures.map((f) => [f.label, f.text]));
  assert.equal(figures['Time to first token'], '12.5 ms');
  assert.equal(figures['Energy per output token'], '162 mJ');
  assert.equal(figures['KV cache'], '48 MiB');
  assert.equal(generationOf({ name: 'cnn' } as ModelReport), null);
  const partial = generationOf({ name: 'x', generation: { newTokens: 4 } } as unknown as ModelReport)!;
  assert.equal(partial.phases[0].energy, '? J', 'unknown stays unknown');
});
