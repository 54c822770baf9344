// The panel's compare view: one model's totals re-estimated on two profile/precision setups with the same
// energy model the editor uses, side by side, and the ratios B / A (null when either side is unknown).
import type { ModelReport, Precision } from '../../core/report/types';
import { energyContext, estimateModel, type LoadedProfile } from '../../core/energy';
import type { View } from '../view';
import * as fmt from '../format';

/** A profile id and a precision. */
export interface Setup {
  hardware: string;
  precision: Precision;
}

/** One side's totals, or why they are unknown. */
export interface CompareSideItem {
  setup: Setup;
  hardwareName: string | null;
  latencyMs: number | null;
  energyJ: number | null;
  co2eG: number | null;
  bound: Record<string, number>;
  display: Record<'latency' | 'energy' | 'co2e', string>;
  note: string | null;
}

/** Both sides and their ratios. */
export interface CompareItem {
  model: string;
  a: CompareSideItem;
  b: CompareSideItem;
  ratios: { latency: number | null; energy: number | null; co2e: number | null };
  display: Record<'latency' | 'energy' | 'co2e', string>;
}

/** Compares the model named `name` on two setups; undefined when the view has no such model. */
export function compareModel(
  view: View,
  name: string,
  a: Setup,
  b: Setup,
  profileOf: (id: string) => LoadedProfile | undefined,
): CompareItem | undefined {
  const model =
    view.file.models.find((m) => m.name === name && m.root) ?? view.file.models.find((m) => m.name === name);
  if (!model) return undefined;
  const left = side(view, model, a, profileOf);
  const right = side(view, model, b, profileOf);
  const ratio = (x: number | null, y: number | null) => (x === null || y === null || x === 0 ? null : y / x);
  const ratios = {
    latency: ratio(left.latencyMs, right.latencyMs),
    energy: ratio(left.energyJ, right.energyJ),
    co2e: ratio(left.co2eG, right.co2eG),
  };
  const text = (r: number | null) => (r === null ? '?' : `${fmt.count(r, '').trim()}×`);
  return {
    model: model.name,
    a: left,
    b: right,
    ratios,
    display: { latency: text(ratios.latency), energy: text(ratios.energy), co2e: text(ratios.co2e) },
  };
}

function side(
  view: View,
  model: ModelReport,
  setup: Setup,
  profileOf: (id: string) => LoadedProfile | undefined,
): CompareSideItem {
  const unknown = (note: string, hardwareName: string | null = null): CompareSideItem => ({
    setup,
    hardwareName,
    latencyMs: null,
    energyJ: null,
    co2eG: null,
    bound: {},
    display: { latency: fmt.latency(null), energy: fmt.energy(null), co2e: fmt.grams(null) },
    note,
  });
  const profile = profileOf(setup.hardware);
  if (!profile) return unknown(`no hardware profile '${setup.hardware}' is loaded`);
  let estimated: ModelReport;
  try {
    const ctx = energyContext(
      {
        profile,
        precision: setup.precision,
        region: view.settings.region,
        pue: view.settings.pue,
        batch: view.settings.batchSize ?? undefined,
      },
      view.analysis.options.precision,
    );
    estimated = estimateModel(model, ctx);
  } catch (e) {
    return unknown(`${setup.hardware} at ${setup.precision}: ${(e as Error).message}`, profile.name);
  }
  const bound: Record<string, number> = {};
  for (const l of estimated.layers) if (l.bound) bound[l.bound] = (bound[l.bound] ?? 0) + 1;
  const t = estimated.totals;
  const why = t.energyJ === null ? (model.unresolved[0]?.reason ?? `${profile.id} gives no energy figure`) : null;
  return {
    setup,
    hardwareName: profile.name,
    latencyMs: t.latencyMs,
    energyJ: t.energyJ,
    co2eG: t.co2eG,
    bound,
    display: { latency: fmt.latency(t.latencyMs), energy: fmt.energy(t.energyJ), co2e: fmt.grams(t.co2eG) },
    note: why,
  };
}
