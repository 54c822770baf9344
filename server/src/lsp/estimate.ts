// Puts time and energy on an analysis for the current settings and hardware profile (the View
// every feature reads), and re-runs the energy model at another precision to price code actions.
import type { FileReport, LayerReport, ModelReport, Precision, Report } from '../core/report/types';
import { applyEnergy, energyContext, estimateLayer, type LoadedProfile } from '../core/energy';
import type { Analysis } from './documents';
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
}

/** Applies the energy model to `analysis`; problems leave energy null and are explained, never thrown. */
export function estimate(analysis: Analysis, profile: LoadedProfile | null, settings: Settings): View {
  const base = { analysis, source: analysis.source, profile, settings };
  if (!profile) return { ...base, file: analysis.file, energyNote: 'no hardware profile is loaded' };
  const report: Report = { schema: 'wattlens.report/1', hardware: null, precision: analysis.options.precision, files: [analysis.file] };
  try {
    const done = applyEnergy(report, energyOptions(profile, settings, settings.precision));
    return { ...base, file: done.files[0], energyNote: null };
  } catch (e) {
    return { ...base, file: analysis.file, energyNote: (e as Error).message };
  }
}

/** The root models of a view; when the file instantiates none, its block classes instead. */
export function primaryModels(view: View): ModelReport[] {
  const roots = view.file.models.filter((m) => m.root);
  return roots.length ? roots : view.file.models;
}

const energyCache = new WeakMap<ModelReport, number | null>();

/** The model's energy per forward pass: its total, else the sum of the layers whose energy is known (cached). */
export function modelEnergy(model: ModelReport): number | null {
  if (model.totals.energyJ !== null) return model.totals.energyJ;
  if (energyCache.has(model)) return energyCache.get(model)!;
  let sum = 0;
  let known = false;
  for (const l of model.layers) {
    if (l.energyJ === null) continue;
    sum += l.energyJ;
    known = true;
  }
  const energy = known ? sum : null;
  energyCache.set(model, energy);
  return energy;
}

/**
 * The model's energy if the layers `affected` picks ran at `precision` (all layers when omitted),
 * or an explanation of why it cannot be estimated.
 */
export function energyWith(view: View, model: ModelReport, precision: Precision, affected: (l: LayerReport) => boolean = () => true): number | string {
  if (!view.profile) return 'no hardware profile is loaded';
  let ctx;
  try {
    ctx = energyContext(energyOptions(view.profile, view.settings, precision), view.analysis.options.precision);
  } catch (e) {
    return (e as Error).message;
  }
  let sum = 0;
  for (const layer of model.layers) {
    const energy = affected(layer) ? estimateLayer(layer, ctx).energyJ : layer.energyJ;
    if (energy === null) return `the energy of ${layer.path} is unknown`;
    sum += energy;
  }
  return sum;
}

function energyOptions(profile: LoadedProfile, settings: Settings, precision: Precision) {
  return { profile, precision, region: settings.region, pue: settings.pue, batch: settings.batchSize ?? undefined };
}
