// The human table of `wattlens profile`: how the model ran (provider, device, meter and why), then
// per model the measured latency and energy beside the estimate, and per layer measured vs estimated.
import type { ProfileReport, ProfiledLayer, ProfiledModel } from '../../core/report/profile';
import { energy as joules, latency as ms } from '../../ide/format';

/** Formats a profile report for the terminal. */
export function formatProfileTable(report: ProfileReport): string {
  const lines: string[] = [];
  lines.push(`wattlens profile ${report.file}`);
  lines.push(...runLines(report));
  for (const model of report.models) lines.push('', ...modelLines(model));
  for (const skipped of report.unprofiled) lines.push('', `${skipped.name}: not profiled: ${skipped.error}`);
  if (report.exports) {
    const { trace, netron, onnx } = report.exports;
    lines.push('');
    if (trace) lines.push(`trace (open in https://ui.perfetto.dev or chrome://tracing): ${trace}`);
    if (onnx) lines.push(`graph that ran: ${onnx}`);
    if (netron) lines.push(`Netron attachment (open the graph in Netron, then drop this file on it): ${netron}`);
  }
  if (report.calibration) {
    const c = report.calibration;
    lines.push(
      '',
      `calibration written to ${c.file}: computeFraction ${fixed(c.factors.computeFraction, 3)}, memoryFraction ${fixed(c.factors.memoryFraction, 3)}, energyScale ${fixed(c.factors.energyScale, 3)}; mean latency error ${percent(c.latencyErrorBefore)} → ${percent(c.latencyErrorAfter)}`,
      ...c.warnings.map((w) => `  warning: ${w}`),
    );
  }
  for (const note of report.notes) lines.push(`note: ${note}`);
  return lines.join('\n') + '\n';
}

function runLines(report: ProfileReport): string[] {
  const lines: string[] = [];
  const others = report.providers.filter((p) => p.status !== 'used');
  lines.push(
    `execution provider: ${report.executionProvider ?? 'none'} (${report.executionProviderReason}), onnxruntime ${report.onnxruntime ?? '?'}`,
  );
  for (const p of others) lines.push(`  ${p.name}: ${p.status}: ${p.reason}`);
  if (report.device) lines.push(`device: ${report.device}`);
  if (report.hardware) {
    const calibrated = report.hardware.calibrationFile ? `, calibrated by ${report.hardware.calibrationFile}` : '';
    lines.push(`estimate on: ${report.hardware.id} at fp32 (${report.hardware.why}${calibrated})`);
  }
  const m = report.meter;
  lines.push(
    `energy: ${m.kind === 'estimate' ? 'estimated' : m.kind}: ${m.source || 'none'}${m.idleW !== null ? `; idle ${fixed(m.idleW, 1)} W measured just before` : ''}`,
  );
  for (const r of m.reasons) lines.push(`  ${r.kind}: not used: ${r.reason}`);
  for (const w of m.warnings) lines.push(`  warning: ${w}`);
  return lines;
}

function modelLines(model: ProfiledModel): string[] {
  const m = model.measured;
  const inputs = model.input.map((s) => s.join('×')).join(', ');
  const lines = [
    `${model.name} (${model.graph} graph; input ${inputs})`,
    `  ${model.graphSource}`,
    `  measured: ${ms(m.latencyMs)} per forward pass (median of ${m.runs} runs; p10 ${ms(m.p10Ms)}, p90 ${ms(m.p90Ms)}, spread ${percent(m.spread)})` +
      (m.energyJ !== null ? `, ${joules(m.energyJ)} per forward pass` : '') +
      (m.energyAboveIdleJ !== null ? ` (${joules(m.energyAboveIdleJ)} above idle)` : ''),
  ];
  if (model.estimated)
    lines.push(
      `  estimated: ${model.estimated.latencyMs === null ? 'unknown' : ms(model.estimated.latencyMs)}` +
        (model.estimated.energyJ !== null ? `, ${joules(model.estimated.energyJ)}` : '') +
        `; estimate ÷ measured: time ${ratio(model.ratio.latency)}` +
        (model.ratio.energy !== null ? `, energy ${ratio(model.ratio.energy)}` : ''),
    );
  lines.push(
    `  kernels ${ms(m.layersMs)} in layers + ${ms(m.viewsMs)} in views between layers + ${ms(m.unattributedMs)} unattributed; onnxruntime's profiler made runs ${ratio(m.profilerOverhead)} as long`,
  );
  lines.push('', ...layerTable(model.layers));
  for (const note of model.notes) lines.push(`  note: ${note}`);
  return lines;
}

function layerTable(layers: ProfiledLayer[]): string[] {
  const header = ['line', 'layer', 'op', 'measured ms', 'estimated ms', 'est÷meas', 'energy J', ''];
  const rows = layers.map((l) => [
    l.range ? `${l.cell !== undefined ? `[${l.cell}] ` : ''}${l.range.start.line + 1}` : '',
    l.path,
    l.op,
    l.measuredMs === null ? '—' : fixed(l.measuredMs, 3),
    l.estimatedMs === null ? '—' : fixed(l.estimatedMs, 3),
    l.ratio === null ? '—' : fixed(l.ratio, 2),
    l.energyJ === null ? '—' : l.energyJ.toPrecision(3),
    l.fused ? 'fused' : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const right = new Set([3, 4, 5, 6]);
  const format = (cells: string[]) =>
    '  ' +
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [format(header), ...rows.map(format)];
}

function fixed(x: number, digits: number): string {
  return x.toFixed(digits);
}

function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function ratio(x: number | null): string {
  return x === null ? '—' : `${x.toFixed(2)}×`;
}
