// The human-readable report: one block per model with its totals and a per-layer table.
import type { Report, ModelReport, LayerReport } from '../../core/report/types';
import { si, bytes, ms, joules, grams } from './numbers';

/** Renders the whole report as text tables. */
export function formatTable(report: Report): string {
  const out: string[] = [];
  const hw = report.hardware ? `${report.hardware.name} (${report.hardware.id}), ${report.precision}` : `no hardware profile, ${report.precision}`;
  for (const file of report.files) {
    out.push(`${file.file}`);
    for (const d of file.diagnostics) out.push(`  ${d.severity} ${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`);
    for (const model of file.models) out.push(...modelBlock(model, hw));
    if (file.models.length === 0) out.push('  no models found');
  }
  return out.join('\n') + '\n';
}

function modelBlock(m: ModelReport, hw: string): string[] {
  const t = m.totals;
  const lines = [
    '',
    `  ${m.name}${m.root ? '' : ' (block)'}  [${m.framework}, line ${m.range.start.line + 1}]${m.input ? `  input ${JSON.stringify(m.input.shape)} from ${m.input.source}` : ''}`,
    `    params ${si(t.params)} · ${si(t.macs, 'MACs')} · ${si(t.flops, 'FLOPs')} · weights ${bytes(t.weightBytes)} · activations ${bytes(t.activationBytes)}`,
    `    on ${hw}: ${ms(t.latencyMs)} · ${joules(t.energyJ)} · ${grams(t.co2eG)} CO2e per inference`,
  ];
  if (m.provenance) lines.push(`    how: ${m.provenance}`);
  for (const u of m.unresolved) lines.push(`    unresolved (line ${u.range.start.line + 1}): ${u.reason}`);
  if (m.root && m.layers.length) lines.push(...layerTable(m.layers));
  return lines;
}

function layerTable(layers: LayerReport[]): string[] {
  const header = ['path', 'op', 'line', 'params', 'MACs', 'FLOPs', 'output', 'latency', 'energy', 'bound'];
  const rows = layers.map((l) => [
    l.path, l.op, String((l.callRange ?? l.range).start.line + 1), si(l.params), si(l.macs), si(l.flops),
    l.outputShape ? `[${l.outputShape.join(',')}]` : '-', ms(l.latencyMs), joules(l.energyJ), l.bound ?? '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => '    ' + r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return ['', fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)];
}
