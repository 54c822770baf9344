// The report as CSV: one row per layer, with its file and model, for spreadsheets.
import type { Report } from '../../core/report/types';

const COLUMNS = [
  'file',
  'model',
  'root',
  'path',
  'op',
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
  'bound',
];

/** Renders layer rows as CSV (RFC 4180 quoting). */
export function formatCsv(report: Report): string {
  const rows = [COLUMNS.join(',')];
  for (const f of report.files) {
    for (const m of f.models) {
      for (const l of m.layers) {
        rows.push(
          [
            f.file,
            m.name,
            m.root,
            l.path,
            l.op,
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
            l.bound,
          ]
            .map(cell)
            .join(','),
        );
      }
    }
  }
  return rows.join('\n') + '\n';
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
