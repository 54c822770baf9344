// The panel's figures that the LSP tests do not reach: per-cell sums never partial (a cell with an
// unknown layer has null sums and the reason), and the CodeCarbon CSV leaving unknowns empty.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellSums, type PanelDataItem, type PanelLayerItem } from '../../server/src/ide/panel/panelData';
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
