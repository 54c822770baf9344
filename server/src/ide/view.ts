// The View every feature reads: an analysis with time and energy put on it for the current settings
// and hardware profile, and the what-if prices (core/energy/whatIf.ts) taken on the view's profile.
import type { FileReport, LayerReport, ModelReport, Precision, Report, TrainingRunReport } from '../core/report/types';
import { applyEnergy, energyContext, EstimateCache, type EnergyContext, type LoadedProfile } from '../core/energy';
import { estimateRun } from '../core/energy/trainingRunEnergy';
import {
  energyEdited as energyEditedInContext,
  energyOfLayers as energyOfLayersInContext,
  energyScaled as energyScaledInContext,
  energyWith as energyAtContext,
  modelEnergy,
  type LayerScale,
} from '../core/energy/whatIf';
import { samplesPerPass } from '../core/report/totals';
import type { ModelCatalog } from '../core/catalog/modelCatalog';
import type { Saving } from './items';
import type { Analysis } from './analysis';
import type { Settings } from './settings';
import type { Source } from './sources';

/** An analysis with energy applied: what inlay hints, hovers, lenses, diagnostics and actions read. */
export interface View {
  analysis: Analysis;
  source: Source;
  /** The report with latency/energy filled (or left null, with `energyNote` saying why). */
  file: FileReport;
  profile: LoadedProfile | null;
  settings: Settings;
  /** Why energy figures are missing, when they are (unsupported precision, no profile). */
  energyNote: string | null;
  /** The pretrained-checkpoint catalog, when one is loaded (sibling checkpoints, distillation students). */
  catalog?: ModelCatalog;
}

/** Rows estimated for earlier analyses: most rows of a report are the same objects after an edit (see moduleMemo.ts). */
const estimates = new EstimateCache();

/** Applies the energy model to `analysis`; problems leave energy null and are explained, never thrown. */
export function estimate(
  analysis: Analysis,
  profile: LoadedProfile | null,
  settings: Settings,
  catalog?: ModelCatalog,
): View {
  const base = { analysis, source: analysis.source, profile, settings, catalog };
  if (!profile) return { ...base, file: analysis.file, energyNote: 'no hardware profile is loaded' };
  const report: Report = {
    schema: 'wattlens.report/1',
    hardware: null,
    precision: analysis.options.precision,
    files: [analysis.file],
  };
  try {
    const done = applyEnergy(report, energyOptions(profile, settings, settings.precision), estimates);
    return { ...base, file: done.files[0], energyNote: null };
  } catch (e) {
    return { ...base, file: analysis.file, energyNote: (e as Error).message };
  }
}

export { modelEnergy, type LayerScale };

/** The root models of a view; when the file instantiates none, its block classes instead. */
export function primaryModels(view: View): ModelReport[] {
  const roots = view.file.models.filter((m) => m.root);
  return roots.length ? roots : view.file.models;
}

/** The energy model's context for the view's profile and settings at `precision`, or why there is none. */
export function contextAt(view: View, precision: Precision): EnergyContext | string {
  if (!view.profile) return 'no hardware profile is loaded';
  try {
    return energyContext(energyOptions(view.profile, view.settings, precision), view.analysis.options.precision);
  } catch (e) {
    return (e as Error).message;
  }
}

/** The model's energy on the view's profile if the layers `affected` picks ran at `precision`, or why not. */
export function energyWith(
  view: View,
  model: ModelReport,
  precision: Precision,
  affected?: (layer: LayerReport) => boolean,
): number | string {
  const context = contextAt(view, precision);
  return typeof context === 'string' ? context : energyAtContext(model, context, affected);
}

/** The model's energy at the view's precision with each layer's work scaled by `scale(layer)`, or why not. */
export function energyScaled(
  view: View,
  model: ModelReport,
  scale: (layer: LayerReport) => LayerScale | undefined,
): number | string {
  const context = contextAt(view, view.settings.precision);
  return typeof context === 'string' ? context : energyScaledInContext(model, context, scale);
}

/** The energy per forward pass on the view's profile and precision of a network made of `layers`, or why not. */
export function energyOfLayers(view: View, layers: LayerReport[]): number | string {
  const context = contextAt(view, view.settings.precision);
  return typeof context === 'string' ? context : energyOfLayersInContext(layers, context);
}

/** A training run re-estimated with the model at `precision` (one step's latency, the run's energy), or why not. */
export function runAt(view: View, run: TrainingRunReport, precision: Precision): TrainingRunReport | string {
  const context = contextAt(view, precision);
  return typeof context === 'string' ? context : estimateRun(run, view.file.models, context);
}

/** The model's energy on the view's precision with some layers replaced by `edit(layer)`, or why not. */
export function energyEdited(
  view: View,
  model: ModelReport,
  edit: (layer: LayerReport) => LayerReport | undefined,
): number | string {
  const context = contextAt(view, view.settings.precision);
  return typeof context === 'string' ? context : energyEditedInContext(model, context, edit);
}

/** A forward-pass saving of `model` on the view's profile: `after` a number, or the reason it is unknown. */
export function forwardSaving(
  view: View,
  model: ModelReport,
  after: number | string,
  extra: Partial<Saving> = {},
): Saving {
  const base: Saving = {
    scope: 'forward-pass',
    model: model.name,
    samples: model.samplesPerPass ?? samplesPerPass(model),
    device: view.profile?.id ?? 'no profile',
    before: null,
    after: null,
    ...extra,
  };
  const before = modelEnergy(model);
  if (before === null) return { ...base, reason: view.energyNote ?? `the energy of ${model.name} is unknown` };
  if (typeof after === 'string') return { ...base, before, reason: after };
  return { ...base, before, after };
}

/** The saving of running the layers `affected` picks at `precision` on the view's profile. */
export function savingAt(
  view: View,
  model: ModelReport,
  precision: Precision,
  affected?: (l: LayerReport) => boolean,
): Saving {
  return forwardSaving(view, model, energyWith(view, model, precision, affected), { precision });
}

function energyOptions(profile: LoadedProfile, settings: Settings, precision: Precision) {
  return { profile, precision, region: settings.region, pue: settings.pue, batch: settings.batchSize ?? undefined };
}
