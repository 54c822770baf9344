// Hovers: on a layer's definition or call, a Markdown table of what it costs (params, MACs, FLOPs,
// shapes, bytes, latency, energy, bound) with the precision, hardware and how it was obtained.
import type { LayerReport, ModelReport } from '../../core/report/types';
import type { Range } from '../../core/parse/syntax';
import * as fmt from '../format';
import type { HoverItem } from '../items';
import { contains, lineCosts, sum, unknownReason } from './layerIndex';
import { modelEnergy, primaryModels, type View } from '../view';
import { inUserTerms, lineText } from '../sources';
import { samplesPerPass } from '../../core/report/totals';
import { layerPrecisionText, precisionText } from './precisionText';
import { generationHover } from './generation';

const MAX_ROWS = 10;

/** The hover at a source position, if a layer or a model is there. */
export function hoverItem(view: View, line: number, character: number): HoverItem | undefined {
  const generation = generationHover(view, line);
  if (generation) return generation;
  const hit = layersAt(view, line, character);
  if (hit) return { range: hit.range, markdown: layersMarkdown(view, hit.model, hit.layers) };
  const model = view.file.models.find(
    (m) => m.range.start.line === line || (m.framework === 'hub' && contains(m.range, line, character)),
  );
  if (model) return { range: headerRange(view, model), markdown: modelMarkdown(view, model) };
  return undefined;
}

/** Layers whose definition or call contains the position, else those on its line. */
function layersAt(
  view: View,
  line: number,
  character: number,
): { model: ModelReport; layers: LayerReport[]; range: Range } | undefined {
  for (const model of primaryModels(view)) {
    const exact = model.layers.filter(
      (l) => contains(l.range, line, character) || (l.callRange && contains(l.callRange, line, character)),
    );
    if (exact.length) {
      const first = exact[0];
      const range = first.callRange && contains(first.callRange, line, character) ? first.callRange : first.range;
      return { model, layers: exact, range };
    }
  }
  const lineRange = { start: { line, character: 0 }, end: { line, character: lineText(view.source, line).length } };
  const cost = lineCosts(view).get(line);
  if (cost) return { model: cost.model, layers: cost.layers, range: lineRange };
  for (const model of primaryModels(view)) {
    const spanning = model.layers.filter((l) => spans(l.range, line) || (l.callRange && spans(l.callRange, line)));
    if (spanning.length) return { model, layers: spanning, range: lineRange };
  }
  return undefined;
}

function spans(range: Range, line: number): boolean {
  return range.start.line <= line && line <= range.end.line;
}

function headerRange(view: View, model: ModelReport): Range {
  const start = model.range.start;
  return { start, end: { line: start.line, character: lineText(view.source, start.line).length } };
}

function layersMarkdown(view: View, model: ModelReport, layers: LayerReport[]): string {
  return layers.length === 1 ? singleLayer(view, model, layers[0]) : manyLayers(view, model, layers);
}

function singleLayer(view: View, model: ModelReport, l: LayerReport): string {
  const share = shareOf(model, l.energyJ);
  const rows: [string, string][] = [
    ['params', l.params === null ? '?' : `${fmt.count(l.params, '')} (${l.params.toLocaleString('en-US')})`],
    ['MACs', fmt.count(l.macs, 'MACs')],
    ['FLOPs', fmt.count(l.flops, 'FLOPs')],
    ['input → output shape', `${fmt.shape(l.inputShape)} → ${fmt.shape(l.outputShape)}`],
    ['weight / activation bytes', `${fmt.bytes(l.weightBytes)} / ${fmt.bytes(l.activationBytes)}`],
    ['latency', fmt.latency(l.latencyMs)],
    [`energy ${passOf(view, model)}`, `${fmt.energy(l.energyJ)}${share}`],
    ['bound', l.bound ?? '?'],
    ...contextRows(view, model, l),
  ];
  const head = `**\`${l.path}\`** · ${l.op} · in **${model.name}**`;
  const unknown = l.flops === null ? `\n\n⚠ Cost unknown: ${inUserTerms(view.source, unknownReason(model, l))}` : '';
  return [head, table(['', ''], rows), provenance(view, model)].join('\n\n') + unknown;
}

function manyLayers(view: View, model: ModelReport, layers: LayerReport[]): string {
  const header = ['layer', 'op', 'params', 'MACs', 'FLOPs', 'output', 'energy', 'bound'];
  const rows = layers
    .slice(0, MAX_ROWS)
    .map((l) => [
      `\`${l.path}\``,
      l.op,
      fmt.count(l.params, ''),
      fmt.count(l.macs, ''),
      fmt.count(l.flops, ''),
      fmt.shape(l.outputShape),
      fmt.energy(l.energyJ),
      l.bound ?? '?',
    ]);
  if (layers.length > MAX_ROWS) rows.push([`… ${layers.length - MAX_ROWS} more`, '', '', '', '', '', '', '']);
  const energy = sum(layers.map((l) => l.energyJ));
  rows.push([
    '**all**',
    `${layers.length} calls`,
    fmt.count(sum(layers.map((l) => l.params)), ''),
    fmt.count(sum(layers.map((l) => l.macs)), ''),
    fmt.count(sum(layers.map((l) => l.flops)), ''),
    '',
    `${fmt.energy(energy)}${shareOf(model, energy)}`,
    '',
  ]);
  const context = [[`energy`, passOf(view, model)], ...contextRows(view, model)]
    .map(([k, v]) => `${k}: ${v}`)
    .join(' · ');
  return [
    `**${layers.length} layer calls on this line** · in **${model.name}**`,
    table(header, rows),
    context,
    provenance(view, model),
  ].join('\n\n');
}

function modelMarkdown(view: View, m: ModelReport): string {
  const t = m.totals;
  const rows: [string, string][] = [
    ['params', t.params === null ? '?' : `${fmt.params(t.params)} (${t.params.toLocaleString('en-US')})`],
    ['MACs', fmt.count(t.macs, 'MACs')],
    ['FLOPs', fmt.count(t.flops, 'FLOPs')],
    [
      'input',
      m.input ? `${fmt.shape(m.input.shape)} ${m.input.dtype} (${inUserTerms(view.source, m.input.source)})` : '?',
    ],
    ['weight / activation bytes', `${fmt.bytes(t.weightBytes)} / ${fmt.bytes(t.activationBytes)}`],
    [`latency ${passOf(view, m)}`, fmt.latency(t.latencyMs)],
    [`energy ${passOf(view, m)}`, fmt.energy(modelEnergy(m))],
    ...(samplesOf(view, m) > 1
      ? [['energy per sample', fmt.energy(t.energyPerSampleJ ?? null)] as [string, string]]
      : []),
    [`CO₂e ${passOf(view, m)}`, fmt.grams(t.co2eG)],
    ...(samplesOf(view, m) > 1 ? [['CO₂e per sample', fmt.grams(t.co2ePerSampleG ?? null)] as [string, string]] : []),
    ['layers', String(m.layers.length)],
    ...contextRows(view, m),
  ];
  const unresolved = m.unresolved.length
    ? `\n\n⚠ ${m.unresolved.length} unresolved: ${m.unresolved
        .slice(0, 3)
        .map((u) => inUserTerms(view.source, u.reason))
        .join('; ')}`
    : '';
  return (
    [
      `**${m.name}** · ${m.framework}${m.root ? '' : ' · block (totals of its first instance)'}`,
      table(['', ''], rows),
      provenance(view, m),
    ].join('\n\n') + unresolved
  );
}

/** Samples one forward pass of the model processes. */
function samplesOf(view: View, model: ModelReport): number {
  return model.samplesPerPass ?? samplesPerPass(model, view.settings.batchSize);
}

/** "per forward pass (batch of 8)": the scope of a model's and a layer's figures. */
function passOf(view: View, model: ModelReport): string {
  return fmt.perPass(samplesOf(view, model));
}

function contextRows(view: View, model: ModelReport, layer?: LayerReport): [string, string][] {
  const p = view.profile;
  const setting = view.settings.precision;
  const precision = layer ? layerPrecisionText(layer, setting) : precisionText(model, setting);
  const note = view.settings.precisionNote ? ` (${view.settings.precisionNote})` : '';
  return [
    ['precision', `${precision}${precision === setting ? note : `; setting ${setting}${note}`}`],
    ['hardware', p ? `${p.name} (\`${p.id}\`${p.origin === 'workspace' ? ', workspace profile' : ''})` : 'none'],
  ];
}

function provenance(view: View, model: ModelReport): string {
  const how = inUserTerms(view.source, model.provenance ?? 'static analysis of the source (no code was run)');
  const energy = view.energyNote
    ? `energy unknown: ${view.energyNote}`
    : `latency and energy from the roofline and energy model on this profile${view.profile?.calibrationFile ? ', calibrated by a measured run' : ''}`;
  return `*How obtained: ${how}; ${energy}.*`;
}

function shareOf(model: ModelReport, energy: number | null): string {
  const total = modelEnergy(model);
  return energy !== null && total ? ` (${fmt.percent(energy / total)} of ${model.name})` : '';
}

function table(header: string[], rows: string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [`| ${header.map(esc).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.map(esc).join(' | ')} |`);
  return lines.join('\n');
}
