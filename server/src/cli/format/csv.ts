// The report as CSV for spreadsheets: one row per layer call and one `total` row per model, with
// energy and CO2e per forward pass (and per sample on the total row). Numbers are raw, unrounded:
// a spreadsheet formats them; unknown is an empty cell, never 0.
import type { LayerReport, ModelReport, Report } from '../../core/report/types';
import { samplesPerPass } from '../../core/report/totals';

const COLUMNS = [
  'file',
  'model',
  'root',
  'row',
  'path',
  'op',
  'cell',
  'line',
  'params',
  'macs',
  'flops',
  'weightBytes',
  'activationBytes',
  'inputShape',
  'outputShape',
  'latencyMs',
  'energyJ',
  'co2eG',
  'bound',
  'samplesPerPass',
  'energyPerSampleJ',
  'co2ePerSampleG',
];

/** Renders layer rows and model totals as CSV (RFC 4180 quoting). */
export function formatCsv(report: Report): string {
  const rows = [COLUMNS.join(',')];
  for (const f of report.files) {
    for (const m of f.models) {
      for (const l of m.layers) rows.push(line([f.file, m.name, m.root, 'layer', ...layerCells(m, l)]));
      rows.push(line([f.file, m.name, m.root, 'total', ...totalCells(m)]));
    }
  }
  return rows.join('\n') + '\n';
}

function layerCells(m: ModelReport, l: LayerReport): unknown[] {
  return [
    l.path,
    l.op,
    cellNumber(l.cell ?? m.cell),
    (l.callRange ?? l.range).start.line + 1,
    l.params,
    l.macs,
    l.flops,
    l.weightBytes,
    l.activationBytes,
    l.inputShape?.join('x'),
    l.outputShape?.join('x'),
    l.latencyMs,
    l.energyJ,
    co2eOf(m, l.energyJ),
    l.bound,
    '',
    '',
    '',
  ];
}

function totalCells(m: ModelReport): unknown[] {
  const t = m.totals;
  return [
    '',
    '',
    cellNumber(m.cell),
    m.range.start.line + 1,
    t.params,
    t.macs,
    t.flops,
    t.weightBytes,
    t.activationBytes,
    m.input?.shape.join('x'),
    '',
    t.latencyMs,
    t.energyJ,
    t.co2eG,
    '',
    m.samplesPerPass ?? samplesPerPass(m),
    t.energyPerSampleJ,
    t.co2ePerSampleG,
  ];
}

/** A layer's CO2e: the model's grams per joule (one intensity and PUE for the report) times its energy. */
function co2eOf(m: ModelReport, energyJ: number | null): number | null {
  const { co2eG, energyJ: total } = m.totals;
  if (energyJ === null || co2eG === null || !total) return null;
  return (energyJ * co2eG) / total;
}

/** Cells numbered from 1, as Jupyter counts them top to bottom (the report's `cell` is a 0-based index). */
function cellNumber(cell: number | undefined): number | string {
  return cell === undefined ? '' : cell + 1;
}

function line(cells: unknown[]): string {
  return cells.map(cell).join(',');
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
