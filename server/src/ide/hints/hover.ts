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
    (candidate) =>
      candidate.range.start.line === line ||
      (candidate.framework === 'hub' && contains(candidate.range, line, character)),
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
      (layer) =>
        contains(layer.range, line, character) || (layer.callRange && contains(layer.callRange, line, character)),
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
    const spanning = model.layers.filter(
      (layer) => spans(layer.range, line) || (layer.callRange && spans(layer.callRange, line)),
    );
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

function singleLayer(view: View, model: ModelReport, layer: LayerReport): string {
  const share = shareOf(model, layer.energyJ);
  const rows: [string, string][] = [
    [
      'params',
      layer.params === null ? '?' : `${fmt.count(layer.params, '')} (${layer.params.toLocaleString('en-US')})`,
    ],
    ['MACs', fmt.count(layer.macs, 'MACs')],
    ['FLOPs', fmt.count(layer.flops, 'FLOPs')],
    ['input → output shape', `${fmt.shape(layer.inputShape)} → ${fmt.shape(layer.outputShape)}`],
    ['weight / activation bytes', `${fmt.bytes(layer.weightBytes)} / ${fmt.bytes(layer.activationBytes)}`],
    ['latency', fmt.latency(layer.latencyMs)],
    [`energy ${passOf(view, model)}`, `${fmt.energy(layer.energyJ)}${share}`],
    ['bound', layer.bound ?? '?'],
    ...contextRows(view, model, layer),
  ];
  const head = `**\`${layer.path}\`** · ${layer.op} · in **${model.name}**`;
  const unknown =
    layer.flops === null ? `\n\n⚠ Cost unknown: ${inUserTerms(view.source, unknownReason(model, layer))}` : '';
  return [head, table(['', ''], rows), provenance(view, model)].join('\n\n') + unknown;
}

function manyLayers(view: View, model: ModelReport, layers: LayerReport[]): string {
  const header = ['layer', 'op', 'params', 'MACs', 'FLOPs', 'output', 'energy', 'bound'];
  const rows = layers
    .slice(0, MAX_ROWS)
    .map((layer) => [
      `\`${layer.path}\``,
      layer.op,
      fmt.count(layer.params, ''),
      fmt.count(layer.macs, ''),
      fmt.count(layer.flops, ''),
      fmt.shape(layer.outputShape),
      fmt.energy(layer.energyJ),
      layer.bound ?? '?',
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
    .map(([name, value]) => `${name}: ${value}`)
    .join(' · ');
  return [
    `**${layers.length} layer calls on this line** · in **${model.name}**`,
    table(header, rows),
    context,
    provenance(view, model),
  ].join('\n\n');
}

function modelMarkdown(view: View, model: ModelReport): string {
  const totals = model.totals;
  const rows: [string, string][] = [
    [
      'params',
      totals.params === null ? '?' : `${fmt.params(totals.params)} (${totals.params.toLocaleString('en-US')})`,
    ],
    ['MACs', fmt.count(totals.macs, 'MACs')],
    ['FLOPs', fmt.count(totals.flops, 'FLOPs')],
    [
      'input',
      model.input
        ? `${fmt.shape(model.input.shape)} ${model.input.dtype} (${inUserTerms(view.source, model.input.source)})`
        : '?',
    ],
    ['weight / activation bytes', `${fmt.bytes(totals.weightBytes)} / ${fmt.bytes(totals.activationBytes)}`],
    [`latency ${passOf(view, model)}`, fmt.latency(totals.latencyMs)],
    [`energy ${passOf(view, model)}`, fmt.energy(modelEnergy(model))],
    ...(samplesOf(view, model) > 1
      ? [['energy per sample', fmt.energy(totals.energyPerSampleJ ?? null)] as [string, string]]
      : []),
    [`CO₂e ${passOf(view, model)}`, fmt.grams(totals.co2eG)],
    ...(samplesOf(view, model) > 1
      ? [['CO₂e per sample', fmt.grams(totals.co2ePerSampleG ?? null)] as [string, string]]
      : []),
    ['layers', String(model.layers.length)],
    ...contextRows(view, model),
  ];
  const unresolved = model.unresolved.length
    ? `\n\n⚠ ${model.unresolved.length} unresolved: ${model.unresolved
        .slice(0, 3)
        .map((u) => inUserTerms(view.source, u.reason))
        .join('; ')}`
    : '';
  return (
    [
      `**${model.name}** · ${model.framework}${model.root ? '' : ' · block (totals of its first instance)'}`,
      table(['', ''], rows),
      provenance(view, model),
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
  const profile = view.profile;
  const setting = view.settings.precision;
  const precision = layer ? layerPrecisionText(layer, setting) : precisionText(model, setting);
  const note = view.settings.precisionNote ? ` (${view.settings.precisionNote})` : '';
  return [
    ['precision', `${precision}${precision === setting ? note : `; setting ${setting}${note}`}`],
    [
      'hardware',
      profile
        ? `${profile.name} (\`${profile.id}\`${profile.origin === 'workspace' ? ', workspace profile' : ''})`
        : 'none',
    ],
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
  for (const row of rows) lines.push(`| ${row.map(esc).join(' | ')} |`);
  return lines.join('\n');
}
