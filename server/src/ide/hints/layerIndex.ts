// Which layers sit on which source line: each layer at the last line of its definition and of its
// call, grouped per line and per model, so hints and hovers can sum what a line costs.
import type { LayerReport, ModelReport } from '../../core/report/types';
import type { Range } from '../../core/parse/syntax';
import { modelEnergy, primaryModels, type View } from '../view';
import { sumOrNull, sumOfField } from '../../core/report/totals';

/** The layers one line defines or calls, within one model. */
export interface LineCost {
  line: number;
  model: ModelReport;
  layers: LayerReport[];
  flops: number | null;
  macs: number | null;
  energyJ: number | null;
  /** This line's share of the model's energy, when both are known. */
  share: number | null;
}

const cache = new WeakMap<View['file'], Map<number, LineCost>>();

/** Line → what the layers on it cost (the first model that uses a line owns it); cached per report. */
export function lineCosts(view: View): Map<number, LineCost> {
  let map = cache.get(view.file);
  if (!map) {
    map = buildLineCosts(view);
    cache.set(view.file, map);
  }
  return map;
}

function buildLineCosts(view: View): Map<number, LineCost> {
  const groups = new Map<number, { model: ModelReport; layers: LayerReport[] }>();
  for (const model of primaryModels(view)) {
    for (const layer of model.layers) {
      addToLine(groups, layer.range.end.line, model, layer);
      const call = layer.callRange?.end.line;
      if (call !== undefined && call !== layer.range.end.line) addToLine(groups, call, model, layer);
    }
  }
  const out = new Map<number, LineCost>();
  for (const [line, { model, layers }] of groups) out.set(line, summarise(line, model, layers));
  return out;
}

/**
 * Adds a layer to a line's group; a line belongs to the first model that puts a layer on it. (A row
 * reaches a line at most once: its definition and call lines are added only when they differ.)
 */
function addToLine(
  groups: Map<number, { model: ModelReport; layers: LayerReport[] }>,
  line: number,
  model: ModelReport,
  layer: LayerReport,
): void {
  const group = groups.get(line);
  if (!group) groups.set(line, { model, layers: [layer] });
  else if (group.model === model) group.layers.push(layer);
}

/** The lines a layer's hint goes on: the end of its definition and, if elsewhere, of its call. */
export function layerLines(layer: LayerReport): number[] {
  const def = layer.range.end.line;
  const call = layer.callRange?.end.line;
  return call === undefined || call === def ? [def] : [def, call];
}

function summarise(line: number, model: ModelReport, layers: LayerReport[]): LineCost {
  const energyJ = sumOfField(layers, 'energyJ');
  const total = modelEnergy(model);
  return {
    line,
    model,
    layers,
    flops: sumOfField(layers, 'flops'),
    macs: sumOfField(layers, 'macs'),
    energyJ,
    share: energyJ !== null && total ? energyJ / total : null,
  };
}

/** The sum, or null when any term is unknown (the core's rule for totals). */
export const sum = sumOrNull;

/** Why a layer's cost is unknown: the model's unresolved entries touching its lines, else a general reason. */
export function unknownReason(model: ModelReport, layer: LayerReport): string {
  const near = model.unresolved.filter(
    (entry) => touches(entry.range, layer.range) || (layer.callRange && touches(entry.range, layer.callRange)),
  );
  const reasons = [...new Set((near.length ? near : model.unresolved).map((u) => u.reason))];
  return reasons.length
    ? reasons.slice(0, 3).join('; ')
    : `the cost of ${layer.path} (${layer.op}) could not be resolved`;
}

function touches(first: Range, second: Range): boolean {
  return first.start.line <= second.end.line && second.start.line <= first.end.line;
}

/** Whether `pos` lies inside `range` (end inclusive, as a cursor at the end still points at it). */
export function contains(range: Range, line: number, character: number): boolean {
  if (line < range.start.line || line > range.end.line) return false;
  if (line === range.start.line && character < range.start.character) return false;
  if (line === range.end.line && character > range.end.character) return false;
  return true;
}
