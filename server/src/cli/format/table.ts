// The human-readable report: one block per model with its totals and a per-layer table.
import type { Report, ModelReport, LayerReport, TrainingRunReport } from '../../core/report/types';
import { si, bytes, ms, joules, grams } from './numbers';

/** Renders the whole report as text tables. */
export function formatTable(report: Report): string {
  const out: string[] = [];
  const calibration = (report.assumptions?.profile as { calibrationFile?: string | null } | undefined)?.calibrationFile;
  const hw = report.hardware
    ? `${report.hardware.name} (${report.hardware.id}), ${report.precision}${calibration ? `, calibrated by ${calibration}` : ''}`
    : `no hardware profile, ${report.precision}`;
  for (const file of report.files) {
    out.push(`${file.file}`);
    for (const d of file.diagnostics)
      out.push(`  ${d.severity} ${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`);
    for (const model of file.models) out.push(...modelBlock(model, hw));
    if (file.models.length === 0) out.push('  no models found');
    for (const run of file.trainingRuns ?? []) out.push(...trainingBlock(run, hw));
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
    l.path,
    l.op,
    String((l.callRange ?? l.range).start.line + 1),
    si(l.params),
    si(l.macs),
    si(l.flops),
    l.outputShape ? `[${l.outputShape.join(',')}]` : '-',
    ms(l.latencyMs),
    joules(l.energyJ),
    l.bound ?? '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) =>
    '    ' +
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return ['', fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)];
}

/** One training run: what is trained how long, MACs per step / run / 1,000 samples, and its energy. */
function trainingBlock(r: TrainingRunReport, hw: string): string[] {
  const n = (v: number | null) => (v === null ? '?' : v.toLocaleString('en-US'));
  const scope = r.energyScope === 'run' ? 'run' : 'per 1,000 samples';
  const kwh = r.kWh === null ? '?' : r.kWh >= 0.01 ? `${r.kWh.toFixed(2)} kWh` : `${(r.kWh * 1000).toFixed(3)} Wh`;
  return [
    '',
    `  training run [${r.kind}, line ${r.range.start.line + 1}]: ${r.model ?? '? model'} · ${n(r.epochs)} epochs × batch ${n(r.batchSize)} · ${n(r.datasetSize)} samples per epoch`,
    `    data: ${r.datasetSource}`,
    `    ${n(r.steps)} steps · ${si(r.macsPerStep, 'MACs')} per step · ${si(r.totalMacs, 'MACs')} in total · ${si(r.per1000SamplesMacs, 'MACs')} per 1,000 samples`,
    `    on ${hw}: ${ms(r.latencyMs)} per step · ${scope}: ${joules(r.energyJ)} · ${kwh} · ${grams(r.co2eG)} CO2e${r.hours !== null ? ` · ${r.hours.toFixed(2)} h` : ''}`,
    `    how: ${r.rule}`,
    ...r.unresolved.map((u) => `    unresolved (line ${u.range.start.line + 1}): ${u.reason}`),
  ];
}
