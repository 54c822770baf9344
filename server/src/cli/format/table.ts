// The human-readable report: one block per model with its totals per forward pass and per sample,
// the layers that dominate its energy, a per-layer table closed by a totals row, and its advice.
// Every number goes through ide/format.ts, the formatter the editor uses, so both read the same.
import type {
  Report,
  ModelReport,
  LayerReport,
  TrainingRunReport,
  FileReport,
  Precision,
  GenerationReport,
} from '../../core/report/types';
import { precisionText } from '../../ide/hints/precisionText';
import { samplesPerPass } from '../../core/report/totals';
import * as fmt from '../../ide/format';
import { topLayers } from '../../ide/hints/topLayers';
import type { AdviceItem } from '../../ide/advice/advice';

/** How much of each model the table shows. */
export interface TableOptions {
  /** How many of the layers that dominate energy to list above the table (0: none). */
  top: number;
  /** Advice per file, by the file's name, when `--advice` asked for it. */
  advice?: Map<string, AdviceItem[]>;
}

/** Renders the whole report as text tables. */
export function formatTable(report: Report, options: TableOptions = { top: 5 }): string {
  const out: string[] = [];
  const calibration = (report.assumptions?.profile as { calibrationFile?: string | null } | undefined)?.calibrationFile;
  const hw = report.hardware
    ? `${report.hardware.name} (${report.hardware.id}), ${report.precision}${calibration ? `, calibrated by ${calibration}` : ''}`
    : `no hardware profile, ${report.precision}`;
  const fallbacks = report.assumptions?.statedPrecisionFallbacks as Record<string, string> | undefined;
  for (const [stated, how] of Object.entries(fallbacks ?? {})) out.push(`note: ${stated} the code states: ${how}`);
  for (const file of report.files) {
    out.push(`${file.file}`);
    for (const d of file.diagnostics) out.push(`  ${d.severity} ${where(file, d.range.start, d.cell)} ${d.message}`);
    // Appended line by line: spreading a model's rows into push() overflows the stack past ~120k layers.
    for (const model of file.models) append(out, modelBlock(file, model, hw, options.top));
    if (file.models.length === 0) out.push('  no models found');
    for (const run of file.trainingRuns ?? []) append(out, trainingBlock(file, run, hw));
    const advice = options.advice?.get(file.file);
    if (advice) append(out, adviceBlock(file, advice));
  }
  return out.join('\n') + '\n';
}

/** "line 12" or, in a notebook, "cell 3, line 2": cells numbered from 1 top to bottom, as Jupyter and VS Code count them. */
export function where(_file: FileReport, position: { line: number; character?: number }, cell?: number): string {
  const column = position.character !== undefined ? `:${position.character + 1}` : '';
  return cell !== undefined
    ? `cell ${cell + 1}, line ${position.line + 1}${column}`
    : `line ${position.line + 1}${column}`;
}

function modelBlock(file: FileReport, m: ModelReport, hw: string, top: number): string[] {
  const t = m.totals;
  const samples = m.samplesPerPass ?? samplesPerPass(m);
  const input = m.input ? `  input ${fmt.shape(m.input.shape)} from ${m.input.source}` : '';
  const lines = [
    '',
    `  ${m.name}${m.root ? '' : ' (block)'}  [${m.framework}, ${where(file, { line: m.range.start.line }, m.cell)}]${input}`,
    `    ${fmt.params(t.params)} · ${fmt.count(t.macs, 'MACs')} · ${fmt.count(t.flops, 'FLOPs')} · weights ${fmt.bytes(t.weightBytes)} · activations ${fmt.bytes(t.activationBytes)} (per forward pass)`,
    `    on ${hw}: ${fmt.latency(t.latencyMs)} · ${fmt.energy(t.energyJ)} · ${fmt.grams(t.co2eG)} CO2e ${fmt.perPass(samples)}` +
      (samples > 1
        ? `; ${fmt.energy(t.energyPerSampleJ ?? null)} · ${fmt.grams(t.co2ePerSampleG ?? null)} CO2e per sample`
        : ''),
  ];
  if (m.precisionFromCode?.length) lines.push(`    precision: ${precisionText(m, precisionOf(hw))}`);
  const memory = (m as { memory?: { message?: string } }).memory?.message;
  if (memory) lines.push(`    memory: ${memory}`);
  if (m.provenance) lines.push(`    how: ${m.provenance}`);
  if (m.generation) lines.push(...generationLines(m.generation, hw));
  for (const u of m.unresolved)
    lines.push(`    unresolved (${where(file, { line: u.range.start.line }, u.cell)}): ${u.reason}`);
  if (m.root && m.layers.length) {
    if (top > 0) append(lines, topBlock(m, top));
    append(lines, layerTable(m));
  }
  return lines;
}

/** Appends `more` to `lines` without spreading it into arguments. */
function append(lines: string[], more: string[]): void {
  for (const line of more) lines.push(line);
}

/** The layers (by path, all their calls summed) that take the most of the model's energy. */
/** The report precision at the end of the "on <hardware>, <precision>" text. */
function precisionOf(hw: string): Precision {
  return hw.split(', ').pop() as Precision;
}

function topBlock(m: ModelReport, top: number): string[] {
  const rows = topLayers(m, top);
  if (!rows.length) return [];
  return [
    '',
    `    top ${rows.length} by energy:`,
    ...rows.map(
      (r) =>
        `      ${fmt.percent(r.share)}  ${r.path} (${r.op}${r.calls > 1 ? `, ${r.calls} calls` : ''}, line ${r.line + 1})  ${fmt.energy(r.energyJ)} · ${fmt.count(r.flops, 'FLOPs')}`,
    ),
  ];
}

function layerTable(m: ModelReport): string[] {
  const header = ['path', 'op', 'line', 'params', 'MACs', 'FLOPs', 'output', 'latency', 'energy', 'bound'];
  const rows = m.layers.map((l: LayerReport) => [
    l.path,
    l.op,
    String((l.callRange ?? l.range).start.line + 1),
    fmt.amount(l.params),
    fmt.amount(l.macs),
    fmt.amount(l.flops),
    l.outputShape ? `[${l.outputShape.join(',')}]` : '-',
    fmt.latency(l.latencyMs),
    fmt.energy(l.energyJ),
    l.bound ?? '-',
  ]);
  const t = m.totals;
  const total = [
    `total (${m.layers.length} calls)`,
    '',
    '',
    fmt.amount(t.params),
    fmt.amount(t.macs),
    fmt.amount(t.flops),
    '',
    fmt.latency(t.latencyMs),
    fmt.energy(t.energyJ),
    '',
  ];
  const widths = header.map((h, i) =>
    rows.reduce((w, r) => Math.max(w, r[i].length), Math.max(h.length, total[i].length)),
  );
  const line = (r: string[]) =>
    '    ' +
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const rule = line(widths.map((w) => '-'.repeat(w)));
  const out = ['', line(header), rule];
  for (const r of rows) out.push(line(r));
  out.push(rule, line(total));
  return out;
}

/** One training run: what is trained how long, MACs per step / run / 1,000 samples, and its energy. */
function trainingBlock(file: FileReport, r: TrainingRunReport, hw: string): string[] {
  const scope = r.energyScope === 'run' ? 'run' : 'per 1,000 samples';
  return [
    '',
    `  training run [${r.kind}, ${where(file, { line: r.range.start.line }, r.cell)}]: ${r.model ?? '? model'} · ${fmt.exact(r.epochs)} epochs × batch ${fmt.exact(r.batchSize)} · ${fmt.exact(r.datasetSize)} samples per epoch`,
    `    data: ${r.datasetSource}`,
    `    ${fmt.exact(r.steps)} steps · ${fmt.count(r.macsPerStep, 'MACs')} per step · ${fmt.count(r.totalMacs, 'MACs')} in total · ${fmt.count(r.per1000SamplesMacs, 'MACs')} per 1,000 samples`,
    `    on ${hw}: ${fmt.latency(r.latencyMs)} per step · ${scope}: ${fmt.energy(r.energyJ)} · ${fmt.kwh(r.kWh)} · ${fmt.grams(r.co2eG)} CO2e${r.hours !== null ? ` · ${fmt.hours(r.hours)}` : ''}`,
    ...(r.precision ? [`    precision: ${r.precision} from the code (${r.precisionSource})`] : []),
    `    how: ${r.rule}`,
    ...r.unresolved.map((u) => `    unresolved (${where(file, { line: u.range.start.line }, u.cell)}): ${u.reason}`),
  ];
}

/** The advice the editor offers for the file: diagnostics and code actions, each with its price. */
function adviceBlock(file: FileReport, advice: AdviceItem[]): string[] {
  if (!advice.length) return ['', '  advice: none for this file on this profile'];
  const out = ['', `  advice (${advice.length}):`];
  for (const a of advice) {
    out.push(`    - ${a.title}  [${a.kind}, ${where(file, { line: a.range.start.line }, a.cell)}]`);
    if (a.detail && !a.title.includes(a.detail)) out.push(`      ${a.detail}`);
  }
  return out;
}

/** A generate call: the workload, each phase and the per-token figures. */
function generationLines(g: GenerationReport, hw: string): string[] {
  const n = (v: number | null) => (v === null ? '?' : v.toLocaleString('en-US'));
  const lines = [
    `    generates (line ${g.range.start.line + 1}${g.calls ? `, run ${g.calls} times` : ''}): batch ${n(g.batch)} × ${n(g.promptTokens)} prompt tokens → ${n(g.newTokens)} new tokens; ${g.numerics}`,
    `      from: ${g.source}`,
    ...(g.cache ? [`      context: ${g.cache.text}`] : []),
  ];
  if (g.reason) lines.push(`      unresolved: ${g.reason}`);
  if (g.energyJ === null && g.timeToFirstTokenMs === null) return lines;
  const phase = (name: string, p: GenerationReport['prefill']) =>
    `      ${name}: ${fmt.count(p.macs, 'MACs')} · ${fmt.latency(p.latencyMs)} · ${fmt.energy(p.energyJ)} · ${p.bound ?? '-'}-bound`;
  lines.push(
    phase('prefill', g.prefill),
    phase('decode ', g.decode),
    `      on ${hw.replace(/, \w+$/, '')}: time to first token ${fmt.latency(g.timeToFirstTokenMs)} · ${fmt.latency(g.timePerOutputTokenMs)}/output token · ${g.tokensPerSecond === null ? '?' : Math.round(g.tokensPerSecond).toLocaleString('en-US')} tokens/s · ${fmt.energy(g.energyPerOutputTokenJ)}/output token · ${fmt.energy(g.energyJ)} per call (${fmt.grams(g.co2eG)} CO2e) · ${g.cache?.kind === 'none' ? 'no KV cache' : `${g.cache?.kind === 'state' ? 'state passed back' : 'KV cache'} ${fmt.bytes(g.kvCacheBytes)}`}`,
  );
  return lines;
}
