// Pretrained checkpoints with cheaper catalogued siblings: a diagnostic when a sibling is much cheaper
// at close quality on the same benchmark, and actions swapping the checkpoint for each sibling the loader can load.
import type { CatalogEntry, ModelCatalog, Quality } from '../../core/catalog/modelCatalog';
import { macsFor } from '../../core/catalog/modelCatalog';
import type { Range, SyntaxNode } from '../../core/parse/syntax';
import type { LayerReport, ModelReport } from '../../core/report/types';
import * as fmt from '../format';
import type { ActionItem, FindingItem } from '../items';
import { energyOfLayers, forwardSaving, modelEnergy, type View } from '../view';
import { checkpointRow, tableRows } from '../../core/catalog/layerTables';
import { bytesPerElement } from '../../core/report/precision';
import { priceText } from './advice';
import { loaderEdits } from './checkpointEdits';
import { findingsAt, overlaps } from '../syntax/ranges';

/** Diagnostic code of a checkpoint with a much cheaper sibling of close quality. */
export const CHEAPER_SIBLING = 'cheaper-checkpoint';

/** At most this share of the checkpoint's MACs makes a sibling "much cheaper". */
const MUCH_CHEAPER = 0.6;
/** At most this relative quality loss on the same benchmark makes it "close". */
const CLOSE_QUALITY = 0.05;

/** A catalogued sibling of a loaded checkpoint, compared with it. */
export interface SiblingOffer {
  model: ModelReport;
  entry: CatalogEntry;
  sibling: CatalogEntry;
  /** The catalog's note on the pair. */
  note: string;
  paramsRatio: number;
  macsRatio: number;
  /** Both qualities on the same metric and dataset, when the catalog has them. */
  quality?: { metric: string; before: number; after: number; close: boolean; sources: string[] };
  /** Energy per forward pass of the sibling's layers (as its load would report them), or why unknown. */
  energyAfter: number | string;
}

const byId = new WeakMap<ModelCatalog, Map<string, CatalogEntry>>();

/** The catalog entry behind a root hub report, if it resolved to one. */
export function entryOf(view: View, model: ModelReport): CatalogEntry | undefined {
  const catalog = view.catalog;
  const id = model.catalogId;
  return catalog && id && model.framework === 'hub' ? catalogEntry(catalog, id) : undefined;
}

/** A catalog entry by its id. */
export function catalogEntry(catalog: ModelCatalog, id: string): CatalogEntry | undefined {
  let map = byId.get(catalog);
  if (!map) {
    map = new Map(catalog.entries.map((e) => [e.id, e]));
    byId.set(catalog, map);
  }
  return map.get(id);
}

const offersCache = new WeakMap<View, SiblingOffer[]>();

/** Every catalogued sibling of every root hub checkpoint with known figures (found once per view). */
export function siblingOffers(view: View): SiblingOffer[] {
  let offers = offersCache.get(view);
  if (!offers) {
    offers = findOffers(view);
    offersCache.set(view, offers);
  }
  return offers;
}

function findOffers(view: View): SiblingOffer[] {
  const out: SiblingOffer[] = [];
  for (const model of view.file.models) {
    if (!model.root || model.totals.macs === null) continue;
    const entry = entryOf(view, model);
    if (!entry) continue;
    for (const { id, note } of entry.smallerSiblings) {
      const sibling = catalogEntry(view.catalog!, id);
      if (sibling) {
        const offer = compare(view, model, entry, sibling, note);
        if (offer) out.push(offer);
      }
    }
  }
  return out;
}

function compare(
  view: View,
  model: ModelReport,
  entry: CatalogEntry,
  sibling: CatalogEntry,
  note: string,
): SiblingOffer | undefined {
  const L = entry.typicalSequenceLength;
  const before = macsFor(entry, { batch: 1, sequenceLength: L });
  const after = macsFor(sibling, { batch: 1, sequenceLength: L });
  if (before.basis !== after.basis || !before.macs) return undefined;
  const paramsRatio = sibling.params / entry.params;
  const macsRatio = after.macs / before.macs;
  // The sibling is priced with the full energy model: the rows its load would report, costed like the model's.
  const energyAfter = energyOfLayers(view, siblingRows(view, model, sibling, after.macs));
  return {
    model,
    entry,
    sibling,
    note,
    paramsRatio,
    macsRatio,
    quality: qualityOf(model, entry, sibling),
    energyAfter,
  };
}

/**
 * The layers a load of `sibling` reports in place of `model`'s, at the model's batch and stated
 * precision: its source's layers when the model is costed layer by layer and the catalog has the
 * sibling's table (torchvision), else one checkpoint row of `macsPerSample` MACs per sample.
 */
function siblingRows(view: View, model: ModelReport, sibling: CatalogEntry, macsPerSample: number): LayerReport[] {
  const first = model.layers[0];
  const batch = model.samplesPerPass ?? model.input?.shape[0] ?? 1;
  const stated: Partial<LayerReport> = first?.precision
    ? { precision: first.precision, precisionSource: first.precisionSource }
    : {};
  const site = { name: sibling.id, range: model.range, callRange: first?.callRange ?? model.range };
  // Rows whose code states a precision are counted at it, as the load's own rows are.
  const bytes = bytesPerElement(first?.precision ?? view.analysis.options.precision);
  const table = first && first.op !== 'checkpoint' ? view.catalog?.layerTable(sibling.id) : undefined;
  if (table) return tableRows(site, table.table, batch, bytes, stated);
  return [checkpointRow(site, sibling.params, batch * macsPerSample, bytes, null, stated)];
}

/**
 * Both qualities on the same benchmark. For a torchvision load, the model's is that of the weights the
 * code loads (IMAGENET1K_V2 is 80.858% top-1 where V1 is 76.13%) and the sibling's that of the weights the
 * swap asks for (its DEFAULT); a load of no pretrained weights, or of weights not known, is not compared.
 */
function qualityOf(model: ModelReport, entry: CatalogEntry, sibling: CatalogEntry): SiblingOffer['quality'] {
  const a = loadedQuality(model, entry);
  const b = model.weights
    ? weightsQuality(sibling, sibling.weights?.default)
    : sibling.quality && { quality: sibling.quality, ref: sibling.sources.quality?.ref };
  if (!a || !b || a.quality.metric !== b.quality.metric || a.quality.dataset !== b.quality.dataset) return undefined;
  const [before, after] = [a.quality, b.quality];
  const loss = before.higherIsBetter
    ? (before.value - after.value) / before.value
    : (after.value - before.value) / before.value;
  const sources = [b.ref, a.ref].filter((s): s is string => !!s).map(shortRef);
  return {
    metric: before.metric + (a.weights ? ` (${b.weights} vs ${a.weights})` : ''),
    before: before.value,
    after: after.value,
    close: loss <= CLOSE_QUALITY,
    sources: [...new Set(sources)],
  };
}

interface WeightsQuality {
  quality: Quality;
  ref?: string;
  /** The torchvision weights the figure is for. */
  weights?: string;
}

/** The quality of what the code loads: the named torchvision weights, or the entry's published quality. */
function loadedQuality(model: ModelReport, entry: CatalogEntry): WeightsQuality | undefined {
  if (model.weights === undefined) return entry.quality && { quality: entry.quality, ref: entry.sources.quality?.ref };
  if (model.weights === null || model.weights === 'none') return undefined;
  return weightsQuality(entry, model.weights);
}

/** An entry's ImageNet-1k top-1 with the torchvision weights `name`, from the catalog's weights table. */
function weightsQuality(entry: CatalogEntry, name: string | undefined): WeightsQuality | undefined {
  const top1 = name === undefined ? undefined : entry.weights?.top1[name];
  if (top1 === undefined || !entry.quality) return undefined;
  return { quality: { ...entry.quality, value: top1 }, ref: entry.weights!.source, weights: name };
}

/** A source reference cut to its first clause: "Sanh et al. 2019, DistilBERT, arXiv:1910.01108, Table 1". */
export function shortRef(ref: string): string {
  const first = ref
    .split(';')[0]
    .replace(/\s*\(model card README\.md\).*$/, ' model card')
    .replace(/\s+\(.*$/, '')
    .trim();
  return first.length <= 100 ? first : `${first.slice(0, 99).replace(/\s+\S*$/, '')}…`;
}

/** "−39% params, −50% MACs, GLUE dev macro-score 77 vs 79.5 [source]", or the catalog's note when no shared benchmark. */
export function deltas(offer: SiblingOffer): string {
  const size = `${fmt.saving(1, offer.paramsRatio)} params, ${fmt.saving(1, offer.macsRatio)} MACs`;
  const q = offer.quality;
  if (q) return `${size}, ${q.metric} ${q.after} vs ${q.before} [${q.sources.join('; ')}]`;
  if (offer.model.weights === 'none')
    return `${size}; the code loads no pretrained weights, so quality is not compared`;
  if (offer.model.weights === null)
    return `${size}; the weights loaded are not known statically, so quality is not compared`;
  return `${size}; ${offer.note}`;
}

/**
 * Information diagnostics on checkpoints with a sibling that needs at most 60% of the MACs within 5%
 * of the quality on the same benchmark: one per checkpoint, naming the cheapest such sibling.
 */
export function checkpointFindings(view: View): FindingItem[] {
  const byModel = new Map<ModelReport, SiblingOffer[]>();
  for (const offer of siblingOffers(view)) {
    if (offer.quality?.close && offer.macsRatio <= MUCH_CHEAPER)
      byModel.set(offer.model, [...(byModel.get(offer.model) ?? []), offer]);
  }
  const out: FindingItem[] = [];
  for (const [model, offers] of byModel) {
    const [best, ...others] = offers.sort((a, b) => a.macsRatio - b.macsRatio);
    const { entry, sibling } = best;
    const q = best.quality!;
    const before = modelEnergy(model);
    const energy =
      before !== null && typeof best.energyAfter === 'number'
        ? `; ${fmt.saving(before, best.energyAfter)} energy per forward pass on ${view.profile?.id} (${fmt.energy(before)} → ${fmt.energy(best.energyAfter)})`
        : '';
    const also = others.length
      ? ` Also close: ${others.map((o) => `\`${o.sibling.id}\` (${fmt.saving(1, o.macsRatio)} MACs, ${o.quality!.after})`).join(', ')}.`
      : '';
    out.push({
      range: model.range,
      severity: 'information',
      code: CHEAPER_SIBLING,
      message:
        `\`${entry.id}\` has a much cheaper sibling of close quality, \`${sibling.id}\`: ${fmt.amount(sibling.params)} vs ${fmt.params(entry.params)} ` +
        `(${fmt.saving(1, best.paramsRatio)}), ${fmt.saving(1, best.macsRatio)} MACs, ${q.metric} ${q.after} vs ${q.before}${energy}. ` +
        `Sources: ${figureSources(sibling)}; quality ${q.sources.join(' and ')}.${also}`,
    });
  }
  return out;
}

/** "params and MACs: <ref> (confirmed)" for an entry, with equal references said once. */
function figureSources(e: CatalogEntry): string {
  const refs = new Map<string, string[]>();
  for (const key of ['params', 'macs']) {
    const s = e.sources[key];
    if (!s) continue;
    const ref = `${shortRef(s.ref)} (${s.confidence})`;
    refs.set(ref, [...(refs.get(ref) ?? []), key === 'macs' ? 'MACs' : key]);
  }
  return (
    [...refs].map(([ref, keys]) => `${e.id} ${keys.join(' and ')}: ${ref}`).join(', ') || `${e.id}: no source recorded`
  );
}

/** Actions replacing a checkpoint with each sibling its loader can load, priced on the profile. */
export function checkpointActions(view: View, root: SyntaxNode, range: Range, findings: FindingItem[]): ActionItem[] {
  const out: ActionItem[] = [];
  for (const offer of siblingOffers(view)) {
    const call = offer.model.layers[0]?.callRange;
    if (!overlaps(offer.model.range, range) && !(call && overlaps(call, range))) continue;
    const edits = loaderEdits(view, root, offer.model, offer.entry, offer.sibling);
    if (!edits) continue;
    const saving = forwardSaving(view, offer.model, offer.energyAfter);
    out.push({
      title: `Use ${edits.name} (${deltas(offer)}) (${priceText(saving)})`,
      kind: offer.quality?.close ? 'quickfix' : 'refactor.rewrite',
      advice: 'smaller-checkpoint',
      saving,
      edits: edits.edits,
      fixes: offer.quality?.close ? findingsAt(findings, CHEAPER_SIBLING, offer.model.range) : undefined,
    });
  }
  return out;
}
