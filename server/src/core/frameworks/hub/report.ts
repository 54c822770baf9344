// Reports for pretrained checkpoints: one `framework: 'hub'` model per load, with catalog totals, a
// single synthetic 'checkpoint' row so that the energy model can cost it, and its provenance.
import type { CodePrecision, LayerReport, ModelReport, ModelTotals, Precision, Unresolved } from '../../report/types';
import { autocastLowers, bytesPerElement } from '../../report/precision';
import { weightBytesOf } from '../../report/rows';
import { batchInput } from './figures';
import type { LoadedCheckpoint } from './runtime';
import { generationReport } from './generation';
import { checkpointRow, tableRows } from '../../catalog/layerTables';

/** Options for hub reports: the batch (`--batch`, default 1) and whether the load is a root. */
export interface HubReportOptions {
  precision: Precision;
  batch?: number;
  root?: (lc: LoadedCheckpoint) => boolean;
  /** The precision the code converted a loaded module to afterwards (`model.half()`), if any. */
  statedOf?: (m: LoadedCheckpoint['module']) => { precision: Precision; source: string } | undefined;
}

/** One report per distinct load site (a class that loads a backbone in __init__ is reported once). */
export function hubReports(loaded: LoadedCheckpoint[], options: HubReportOptions): ModelReport[] {
  const seen = new Set<string>();
  const out: ModelReport[] = [];
  for (const lc of loaded) {
    const key = `${lc.callRange.start.line}:${lc.callRange.start.character}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(hubReport(lc, options));
  }
  return out;
}

/** The report of one checkpoint load. */
export function hubReport(lc: LoadedCheckpoint, options: HubReportOptions): ModelReport {
  // --batch wins; else the batch the file calls the model on; else one sample.
  const called = options.batch === undefined ? lc.firstCall : undefined;
  const batch = options.batch ?? called?.batch ?? 1;
  // A load that states its dtype (torch_dtype=torch.float16), or a conversion after it (.half()), is
  // counted and estimated at it.
  const converted = options.statedOf?.(lc.module);
  const stated = converted?.precision ?? lc.request.precision;
  const statedSource = converted?.source ?? lc.request.precisionSource;
  const bytes = bytesPerElement(stated ?? options.precision);
  const f = lc.figures;
  const loadReason = lc.modifiedAfterLoad?.reason ?? f.reason;
  // The file's call at an input the catalog has no figures for: MACs unknown there; parameters do not depend on it.
  const callReason = loadReason ? undefined : lc.firstCall?.reason;
  const reason = loadReason ?? callReason;
  const reasonRange = lc.modifiedAfterLoad?.range ?? (callReason ? lc.firstCall!.range : lc.nameRange);
  const unresolved: Unresolved[] = reason ? [{ range: reasonRange, reason: `${lc.name}: ${reason}` }] : [];
  const known = !reason && f.params !== null && f.macsPerSample !== null;
  const statedFields = stated ? { precision: stated, precisionSource: statedSource } : {};
  const site = { name: lc.name, range: lc.nameRange, callRange: lc.callRange };
  const layers: LayerReport[] = !known
    ? []
    : f.layers
      ? tableRows(site, f.layers.table, batch, bytes, statedFields)
      : [
          checkpointRow(
            site,
            f.params!,
            batch * f.macsPerSample!,
            bytes,
            batchInput(f, batch)?.shape ?? null,
            statedFields,
          ),
        ];
  // Called under torch.autocast, the ops autocast lowers run at the region's precision (as written out).
  const region = lc.autocast;
  const rows = region ? layers.map((l) => underAutocast(l, region, bytes)) : layers;
  // A layer table carries the model's totals (parameters outside any layer included); else the catalog's.
  const table = known ? f.layers?.table : undefined;
  const macs = table ? table.totals[1] * batch + table.fixed[0] : known ? batch * f.macsPerSample! : null;
  const totals: ModelTotals = {
    params: known || (callReason && f.params !== null) ? f.params : null,
    macs,
    flops: table ? table.totals[2] * batch + table.fixed[1] : macs === null ? null : 2 * macs,
    weightBytes: table ? table.totals[3] * bytes : weightBytesOf(known || callReason ? f.params : null, bytes),
    // A catalog figure without a layer table says nothing about activations: unknown, never 0.
    activationBytes: table ? rows.reduce((sum, l) => sum + l.activationBytes!, 0) : null,
    latencyMs: null,
    energyJ: null,
    co2eG: null,
  };
  return {
    name: lc.name,
    framework: 'hub',
    root: options.root ? options.root(lc) : true,
    range: lc.nameRange,
    input: known ? inputOf(f, batch, called) : null,
    totals,
    layers: rows,
    unresolved,
    provenance: f.provenance + (batch !== 1 ? `; batch ${batch}` : ''),
    ...(rows.some((l) => l.precision) ? { precisionFromCode: precisionsOf(rows, statedSource ?? 'the load') } : {}),
    ...(f.entry ? { catalogId: f.entry.id } : {}),
    ...(lc.weights !== undefined ? { weights: lc.weights } : {}),
    ...(f.configFile ? { configFile: f.configFile } : {}),
    ...(lc.generations.length
      ? {
          generation: generationReport(
            lc.generations[0],
            reason ? undefined : f.shape,
            lc.load,
            reason ? `${lc.name}: ${reason}` : undefined,
          ),
        }
      : {}),
  };
}

/** The input a checkpoint is costed on: the file's call, when it has one, else the catalog's typical one. */
function inputOf(f: LoadedCheckpoint['figures'], batch: number, called: LoadedCheckpoint['firstCall']) {
  const input = batchInput(f, batch);
  if (!input || !called) return input;
  return { ...input, source: `the call, line ${called.range.start.line + 1}`, rule: 'call' as const };
}

/** A row of a checkpoint called under autocast: at the region's precision when autocast lowers its op (bytes rescaled). */
function underAutocast(
  row: LayerReport,
  region: { precision: Precision; source: string },
  countedAt: number,
): LayerReport {
  if (!autocastLowers(row.op)) return row;
  const scale = (bytes: number | null) =>
    bytes === null ? null : (bytes * bytesPerElement(region.precision)) / countedAt;
  return {
    ...row,
    precision: region.precision,
    precisionSource: region.source,
    weightBytes: scale(row.weightBytes),
    activationBytes: scale(row.activationBytes),
  };
}

/** The precisions the code states among a checkpoint's rows, each with where and how many rows. */
function precisionsOf(rows: LayerReport[], fallback: string): CodePrecision[] {
  const out = new Map<string, CodePrecision>();
  for (const row of rows) {
    if (!row.precision) continue;
    const source = row.precisionSource ?? fallback;
    const key = `${row.precision}|${source}`;
    const seen = out.get(key);
    if (seen) seen.layerCalls++;
    else out.set(key, { precision: row.precision, source, layerCalls: 1 });
  }
  return [...out.values()];
}
