// Inlay hints: at the end of each line that defines or calls layers, what they cost
// ("1.2 GFLOPs · 4.1 mJ · 18%" of the model's energy); `?` with the reason when unknown.
import * as fmt from '../format';
import type { HintItem } from '../items';
import { lineCosts, unknownReason, type LineCost } from './layerIndex';
import { modelEnergy, primaryModels, type View } from '../view';
import type { InlayHintsMode } from '../settings';
import { inUserTerms } from '../sources';
import { samplesPerPass } from '../../core/report/totals';
import type { ModelReport } from '../../core/report/types';
import { precisionText } from './precisionText';

/** Hints for source lines [fromLine, toLine] in the given mode. */
export function inlayHintItems(view: View, fromLine: number, toLine: number, mode: InlayHintsMode): HintItem[] {
  if (mode === 'off') return [];
  if (mode === 'totals') return totalsHints(view).filter((h) => h.line >= fromLine && h.line <= toLine);
  const out: HintItem[] = [];
  for (const cost of lineCosts(view).values()) {
    if (cost.line >= fromLine && cost.line <= toLine) out.push(layerHint(view, cost));
  }
  return out.sort((a, b) => a.line - b.line);
}

/** One hint per root model, on its class (or builder) line. */
function totalsHints(view: View): HintItem[] {
  return primaryModels(view)
    .filter((m) => m.root)
    .map((model) => ({
      line: model.range.start.line,
      label: [fmt.count(model.totals.macs, 'MACs'), fmt.energy(modelEnergy(model))].join(' · '),
      tooltip: `**${model.name}** ${fmt.perPass(model.samplesPerPass ?? samplesPerPass(model, view.settings.batchSize))}, ${assumption(view, model)}`,
    }));
}

function layerHint(view: View, cost: LineCost): HintItem {
  if (cost.flops === null) return unknownHint(view, cost);
  const parts = [fmt.count(cost.flops, 'FLOPs'), cost.energyJ === null ? '? J' : fmt.energy(cost.energyJ)];
  if (cost.share !== null) parts.push(fmt.percent(cost.share));
  if (cost.layers.length > 1) parts.push(`×${cost.layers.length}`);
  return { line: cost.line, label: parts.join(' · '), tooltip: tooltip(view, cost) };
}

function unknownHint(view: View, cost: LineCost): HintItem {
  const unknown = cost.layers.find((l) => l.flops === null) ?? cost.layers[0];
  return {
    line: cost.line,
    label: '?',
    tooltip: `Cost unknown: ${inUserTerms(view.source, unknownReason(cost.model, unknown))}`,
  };
}

function tooltip(view: View, cost: LineCost): string {
  const shown = cost.layers
    .slice(0, 6)
    .map((l) => `\`${l.path}\` ${l.op}`)
    .join(', ');
  const more = cost.layers.length > 6 ? ` and ${cost.layers.length - 6} more` : '';
  const lines = [
    `${shown}${more} in **${cost.model.name}**`,
    `${fmt.count(cost.macs, 'MACs')}, ${fmt.count(cost.flops, 'FLOPs')}, ${fmt.energy(cost.energyJ)} ${fmt.perPass(cost.model.samplesPerPass ?? samplesPerPass(cost.model, view.settings.batchSize))}` +
      (cost.share !== null ? `, ${fmt.percent(cost.share)} of the model's energy` : ''),
    assumption(view, cost.model),
  ];
  if (cost.energyJ === null)
    lines.push(`Energy unknown: ${view.energyNote ?? 'a layer on this line has no energy estimate'}`);
  return lines.join('\n\n');
}

/** "static estimate on nvidia-t4 (fp32)", with the precision the code states when it does. */
export function assumption(view: View, model?: ModelReport): string {
  const hw = view.profile ? view.profile.id : 'no profile';
  const precision = model ? precisionText(model, view.settings.precision) : view.settings.precision;
  return `static estimate on ${hw} (${precision}), no code was run`;
}
