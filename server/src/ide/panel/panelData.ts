// The profiling panel's figures, in source coordinates and free of any protocol: every model with each
// layer's figures, its CO2e and share of the model's energy, its roofline coordinates (arithmetic
// intensity, attained FLOP/s), the text every figure is shown as, the sums per notebook cell, and the
// device's roofs. lsp/ maps the ranges to documents and cells.
import type { Range } from '../../core/parse/syntax';
import type { LayerReport, ModelReport, Precision } from '../../core/report/types';
import { co2eGrams, peakOpsPerSecond, workOfLayer, type EnergyContext } from '../../core/energy';
import { contextAt, modelEnergy, primaryModels, type View } from '../view';
import * as fmt from '../format';
import type { Source } from '../sources';

/** A layer as the panel shows it (source coordinates). */
export interface PanelLayerItem {
  path: string;
  op: string;
  range: Range;
  callRange: Range | null;
  cell: number | null;
  params: number | null;
  macs: number | null;
  flops: number | null;
  latencyMs: number | null;
  energyJ: number | null;
  co2eG: number | null;
  share: number | null;
  bound: string | null;
  outputShape: number[] | null;
  intensity: number | null;
  attainedFlopsPerSecond: number | null;
  display: Record<
    'params' | 'macs' | 'flops' | 'latency' | 'energy' | 'co2e' | 'share' | 'output' | 'intensity' | 'attained',
    string
  >;
}

/** A model as the panel shows it (source coordinates). */
export interface PanelModelItem {
  report: ModelReport;
  display: Record<'params' | 'macs' | 'flops' | 'latency' | 'energy' | 'co2e', string>;
  scope: string;
  layers: PanelLayerItem[];
  generation: GenerationItem | null;
}

/** Per-token figures by phase of a generating model. */
export interface GenerationItem {
  summary: string;
  figures: { label: string; text: string }[];
  phases: { phase: string; macs: string; latency: string; energy: string; bound: string }[];
}

/** Sums of the layers one notebook cell defines; null with the reason when one of them is unknown. */
export interface CellSumItem {
  cell: number;
  layers: number;
  macs: number | null;
  energyJ: number | null;
  co2eG: number | null;
  note: string | null;
  display: Record<'macs' | 'energy' | 'co2e', string>;
}

/** The device's roofs at the chosen precision. */
export interface RooflineItem {
  precision: Precision;
  peakFlopsPerSecond: number | null;
  bandwidthBytesPerSecond: number | null;
  ridgeIntensity: number | null;
  display: Record<'peak' | 'bandwidth' | 'ridge', string>;
  note: string | null;
}

/** Everything the panel draws for one view. */
export interface PanelDataItem {
  models: PanelModelItem[];
  roofline: RooflineItem | null;
  energyNote: string | null;
}

/**
 * The panel's data: the models the file builds (its block classes instead when it builds none, as the
 * code lenses do). A root model's table already holds every layer of its blocks, so the blocks are not
 * repeated: that would double what a 2,700-layer model sends.
 */
export function panelData(view: View): PanelDataItem {
  const cached = cache.get(view);
  if (cached) return cached;
  const ctx = contextAt(view, view.settings.precision);
  const context = typeof ctx === 'string' ? null : ctx;
  const data = {
    models: primaryModels(view).map((m) => panelModel(view, m, context)),
    roofline: rooflineOf(view, typeof ctx === 'string' ? ctx : null),
    energyNote: view.energyNote,
  };
  cache.set(view, data);
  return data;
}

/** Data per view (one version of a document on one setup): the panel and the cell items share it. */
const cache = new WeakMap<View, PanelDataItem>();

function panelModel(view: View, model: ModelReport, ctx: EnergyContext | null): PanelModelItem {
  const energy = modelEnergy(model);
  const total = model.totals.energyJ === null ? null : energy;
  const batch = view.settings.batchSize ?? model.input?.shape[0] ?? null;
  const t = model.totals;
  return {
    report: model,
    display: {
      params: fmt.params(t.params).replace(/ ?params$/, '') || '?',
      macs: fmt.count(t.macs, 'MACs'),
      flops: fmt.count(t.flops, 'FLOPs'),
      latency: fmt.latency(t.latencyMs),
      energy: fmt.energy(t.energyJ),
      co2e: fmt.grams(t.co2eG),
    },
    scope: batch === null ? 'per forward pass' : `per forward pass (batch of ${batch})`,
    layers: model.layers.map((l) => panelLayer(l, total, ctx, cellOf(view.source, l.range.start.line))),
    generation: generationOf(model),
  };
}

/** One layer's figures and their text; CO2e by the same function as the model's total. */
export function panelLayer(
  layer: LayerReport,
  modelEnergyJ: number | null,
  ctx: EnergyContext | null,
  cell: number | null,
): PanelLayerItem {
  const co2eG = layer.energyJ === null || !ctx ? null : co2eGrams(layer.energyJ, ctx.intensity, ctx.pue);
  const share = layer.energyJ === null || !modelEnergyJ ? null : layer.energyJ / modelEnergyJ;
  const work = ctx ? workOfLayer(layer, ctx.precision, ctx.bytesCountedAt) : null;
  const intensity = work && work.bytes > 0 && work.flops > 0 ? work.flops / work.bytes : null;
  const attained = work && layer.latencyMs && work.flops > 0 ? work.flops / (layer.latencyMs / 1e3) : null;
  return {
    path: layer.path,
    op: layer.op,
    range: layer.range,
    callRange: layer.callRange,
    cell,
    params: layer.params,
    macs: layer.macs,
    flops: layer.flops,
    latencyMs: layer.latencyMs,
    energyJ: layer.energyJ,
    co2eG,
    share,
    bound: layer.bound,
    outputShape: layer.outputShape,
    intensity,
    attainedFlopsPerSecond: attained,
    display: {
      params: layer.params === null ? '?' : fmt.count(layer.params, '').trim(),
      macs: fmt.count(layer.macs, 'MACs'),
      flops: fmt.count(layer.flops, 'FLOPs'),
      latency: fmt.latency(layer.latencyMs),
      energy: fmt.energy(layer.energyJ),
      co2e: fmt.grams(co2eG),
      share: share === null ? '?' : fmt.percent(share),
      output: fmt.shape(layer.outputShape),
      intensity: intensity === null ? '?' : `${fmt.count(intensity, 'FLOP/B')}`,
      attained: fmt.count(attained, 'FLOP/s'),
    },
  };
}

/**
 * The notebook cell holding a source line — its 0-based index among all the notebook's cells, as the
 * report's `cell` counts them (Jupyter's cell N + 1) —; null for a text document.
 */
export function cellOf(source: Source, line: number): number | null {
  if (!source.notebook) return null;
  const index = source.segments.findIndex((s) => line >= s.firstLine && line < s.firstLine + s.lineCount);
  return index < 0 ? null : (source.segments[index].cell ?? index);
}

/** The roofs: the profile's nominal dense peak at the precision and its memory bandwidth. */
function rooflineOf(view: View, why: string | null): RooflineItem | null {
  if (!view.profile) return null;
  const precision = view.settings.precision;
  let peak: number | null = null;
  let note = why;
  try {
    peak = peakOpsPerSecond(view.profile, precision);
  } catch (e) {
    note = (e as Error).message;
  }
  const bandwidthGBps = view.profile.memory.bandwidthGBps?.value ?? null;
  const bandwidth = bandwidthGBps === null ? null : bandwidthGBps * 1e9;
  if (bandwidth === null && !note) note = `${view.profile.id} has no memory bandwidth figure`;
  const ridge = peak !== null && bandwidth ? peak / bandwidth : null;
  return {
    precision,
    peakFlopsPerSecond: peak,
    bandwidthBytesPerSecond: bandwidth,
    ridgeIntensity: ridge,
    display: {
      peak: fmt.count(peak, precision === 'int8' ? 'OP/s' : 'FLOP/s'),
      bandwidth: fmt.count(bandwidth, 'B/s'),
      ridge: ridge === null ? '?' : fmt.count(ridge, 'FLOP/B'),
    },
    note,
  };
}

/**
 * Sums per notebook cell of the panel models' layers (the layers a cell defines, where its hints show);
 * a cell with an unknown layer gets null sums and the reason, never a partial sum.
 */
export function cellSums(data: PanelDataItem, cells: number[], energyNote: string | null): CellSumItem[] {
  const layers = data.models.flatMap((m) => m.layers);
  const byCell = new Map<number, PanelLayerItem[]>();
  for (const layer of layers) {
    if (layer.cell === null) continue;
    let list = byCell.get(layer.cell);
    if (!list) byCell.set(layer.cell, (list = []));
    list.push(layer);
  }
  const out: CellSumItem[] = [];
  for (const cell of cells) {
    const list = byCell.get(cell) ?? [];
    const sum = (pick: (l: PanelLayerItem) => number | null): number | null => {
      let total = 0;
      for (const l of list) {
        const v = pick(l);
        if (v === null) return null;
        total += v;
      }
      return total;
    };
    const macs = sum((l) => l.macs);
    const energyJ = sum((l) => l.energyJ);
    const co2eG = sum((l) => l.co2eG);
    const unknown = list.find((l) => l.energyJ === null || l.macs === null);
    out.push({
      cell,
      layers: list.length,
      macs,
      energyJ,
      co2eG,
      note: unknown
        ? `${unknown.path} (${unknown.op}): ${unknown.macs === null ? 'MACs unknown' : (energyNote ?? 'energy unknown')}`
        : null,
      // A cell that defines no layer costs nothing of the model: a dash, not a figure.
      display: list.length
        ? { macs: fmt.count(macs, 'MACs'), energy: fmt.energy(energyJ), co2e: fmt.grams(co2eG) }
        : { macs: '—', energy: '—', co2e: '—' },
    });
  }
  return out;
}

/** The report's `generation` (a model that generates text), laid out by phase; null when absent. */
export function generationOf(model: ModelReport): GenerationItem | null {
  const g = (model as ModelReport & { generation?: Record<string, unknown> }).generation;
  if (!g || typeof g !== 'object') return null;
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const phase = (name: string, p: unknown) => {
    const r = (p && typeof p === 'object' ? p : {}) as Record<string, unknown>;
    return {
      phase: name,
      macs: fmt.count(num(r.macs), 'MACs'),
      latency: fmt.latency(num(r.latencyMs)),
      energy: fmt.energy(num(r.energyJ)),
      bound: typeof r.bound === 'string' ? r.bound : '?',
    };
  };
  const tokensPerSecond = num(g.tokensPerSecond);
  return {
    summary:
      `${num(g.promptTokens) ?? '?'} prompt + ${num(g.newTokens) ?? '?'} new tokens, batch ${num(g.batch) ?? '?'}` +
      (typeof g.source === 'string' ? ` (${g.source})` : ''),
    figures: [
      { label: 'Time to first token', text: fmt.latency(num(g.timeToFirstTokenMs)) },
      { label: 'Time per output token', text: fmt.latency(num(g.timePerOutputTokenMs)) },
      { label: 'Tokens per second', text: tokensPerSecond === null ? '?' : fmt.count(tokensPerSecond, 'tok/s') },
      { label: 'Energy per output token', text: fmt.energy(num(g.energyPerOutputTokenJ)) },
      { label: 'KV cache', text: fmt.bytes(num(g.kvCacheBytes)) },
      { label: 'Energy of the generation', text: fmt.energy(num(g.energyJ)) },
    ],
    phases: [phase('Prefill', g.prefill), phase('Decode', g.decode)],
  };
}
