// Code lenses above each root model: its size and cost on the current profile, per forward pass and
// per sample ("ResNet50 · 32.7 GMACs · 25.6 M params · 971 mJ per forward pass (batch of 8), 121 mJ per
// sample on nvidia-t4 (fp32)") and "Profile locally".
import type { ModelReport } from '../../core/report/types';
import * as fmt from '../format';
import { inUserTerms } from '../sources';
import { precisionText } from './precisionText';
import type { LensItem } from '../items';
import { modelEnergy, type View } from '../view';
import { samplesPerPass } from '../../core/report/totals';
import { generationLenses } from './generation';

/** Two lenses per root model. */
export function codeLensItems(view: View): LensItem[] {
  const out: LensItem[] = [];
  for (const model of view.file.models.filter((m) => m.root)) {
    const range = { start: model.range.start, end: model.range.start };
    out.push({ range, title: summaryTitle(view, model) });
    out.push({ range, title: 'Profile locally', profileModel: model.name });
  }
  out.push(...generationLenses(view));
  return out;
}

/** "ResNet18 · 1.81 GMACs · 11.7 M params · 52.3 mJ per forward pass (batch of 1) on nvidia-t4 (fp32)". */
export function summaryTitle(view: View, model: ModelReport): string {
  const samples = model.samplesPerPass ?? samplesPerPass(model, view.settings.batchSize);
  const hw = view.profile?.id ?? 'no profile';
  const parts = [
    model.name,
    fmt.count(model.totals.macs, 'MACs'),
    fmt.params(model.totals.params),
    `${fmt.energyScopes(modelEnergy(model), samples)} on ${hw} (${precisionText(model, view.settings.precision)})`,
  ];
  if (model.input?.rule === 'assumed') parts.push(`input assumed ${model.input.shape.join('×')}`);
  const why =
    model.totals.macs === null ? model.unresolved[0]?.reason : model.totals.energyJ === null ? view.energyNote : null;
  return parts.join(' · ') + (why ? ` — ${truncate(inUserTerms(view.source, why), 80)}` : '');
}

function truncate(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}
