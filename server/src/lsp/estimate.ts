// Puts time and energy on an analysis for the current settings and hardware profile (the View
// every feature reads), and re-runs the energy model at another precision to price code actions.
import type { FileReport, LayerReport, ModelReport, Precision, Report, TrainingRunReport } from '../core/report/types';
import {
  applyEnergy,
  energyContext,
  estimateLayer,
  EstimateCache,
  type EnergyContext,
  type LoadedProfile,
} from '../core/energy';
import { estimateRun } from '../core/energy/trainingRunEnergy';
import type { ModelCatalog } from '../core/catalog/modelCatalog';
import * as fmt from './format';
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
export function energyWith(
  view: View,
  model: ModelReport,
  precision: Precision,
  affected: (l: LayerReport) => boolean = () => true,
): number | string {
  const ctx = contextAt(view, precision);
  if (typeof ctx === 'string') return ctx;
  let sum = 0;
  for (const layer of model.layers) {
    const energy = affected(layer) ? estimateLayer(layer, ctx).energyJ : layer.energyJ;
    if (energy === null) return `the energy of ${layer.path} is unknown`;
    sum += energy;
  }
  return sum;
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

/** Factors on a layer's work: compute (MACs, FLOPs), weights (params, weight bytes), activations (default: compute). */
export interface LayerScale {
  compute: number;
  weights: number;
  activations?: number;
}

/**
 * The model's energy per forward pass at the current precision if each layer's work were scaled by
 * `scale(layer)` (undefined: unchanged), or why it is unknown.
 */
export function energyScaled(
  view: View,
  model: ModelReport,
  scale: (l: LayerReport) => LayerScale | undefined,
): number | string {
  const ctx = contextAt(view, view.settings.precision);
  if (typeof ctx === 'string') return ctx;
  let sum = 0;
  for (const layer of model.layers) {
    const k = scale(layer);
    const energy = k === undefined ? layer.energyJ : estimateLayer(scaleLayer(layer, k), ctx).energyJ;
    if (energy === null) return `the energy of ${layer.path} is unknown`;
    sum += energy;
  }
  return sum;
}

/** A layer with its work and parameters scaled. */
export function scaleLayer(layer: LayerReport, k: LayerScale): LayerReport {
  const times = (x: number | null, f: number) => (x === null ? null : x * f);
  return {
    ...layer,
    params: times(layer.params, k.weights),
    macs: times(layer.macs, k.compute),
    flops: times(layer.flops, k.compute),
    weightBytes: times(layer.weightBytes, k.weights),
    activationBytes: times(layer.activationBytes, k.activations ?? k.compute),
  };
}

/** A training run re-estimated with the model at `precision` (one step's latency, the run's energy), or why it cannot be. */
export function runAt(view: View, run: TrainingRunReport, precision: Precision): TrainingRunReport | string {
  const ctx = contextAt(view, precision);
  return typeof ctx === 'string' ? ctx : estimateRun(run, view.file.models, ctx);
}

/** "−58% energy on nvidia-t4" for running the layers `affected` picks at `precision`, or why it cannot be said. */
export function priceAt(
  view: View,
  model: ModelReport,
  precision: Precision,
  affected?: (l: LayerReport) => boolean,
): string {
  const before = modelEnergy(model);
  const after = energyWith(view, model, precision, affected);
  if (before === null || model.totals.energyJ === null)
    return `saving unknown: ${view.energyNote ?? "the model's energy is unknown"}`;
  if (typeof after === 'string') return `saving unknown: ${after}`;
  return `${fmt.saving(before, after)} energy on ${view.profile?.id}`;
}

function energyOptions(profile: LoadedProfile, settings: Settings, precision: Precision) {
  return { profile, precision, region: settings.region, pue: settings.pue, batch: settings.batchSize ?? undefined };
}
