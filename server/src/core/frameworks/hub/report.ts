// Reports for pretrained checkpoints: one `framework: 'hub'` model per load, with catalog totals, a
// single synthetic 'checkpoint' row so that the energy model can cost it, and its provenance.
import type { LayerReport, ModelReport, ModelTotals, Precision, Unresolved } from '../../report/types';
import { bytesPerElement } from '../../report/precision';
import { weightBytesOf } from '../../report/rows';
import { batchInput } from './figures';
import type { LoadedCheckpoint } from './runtime';
import { generationReport } from './generation';

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
  const batch = options.batch ?? 1;
  // A load that states its dtype (torch_dtype=torch.float16), or a conversion after it (.half()), is
  // counted and estimated at it.
  const converted = options.statedOf?.(lc.module);
  const stated = converted?.precision ?? lc.request.precision;
  const statedSource = converted?.source ?? lc.request.precisionSource;
  const bytes = bytesPerElement(stated ?? options.precision);
  const f = lc.figures;
  const reason = lc.modifiedAfterLoad?.reason ?? f.reason;
  const unresolved: Unresolved[] = reason
    ? [{ range: lc.modifiedAfterLoad?.range ?? lc.nameRange, reason: `${lc.name}: ${reason}` }]
    : [];
  const known = !reason && f.params !== null && f.macsPerSample !== null;
  const macs = known ? batch * f.macsPerSample! : null;
  const params = known ? f.params : null;
  const totals: ModelTotals = {
    params,
    macs,
    flops: macs === null ? null : 2 * macs,
    weightBytes: weightBytesOf(params, bytes),
    activationBytes: null,
    latencyMs: null,
    energyJ: null,
    co2eG: null,
  };
  const layers: LayerReport[] = known
    ? [
        {
          path: lc.name,
          op: 'checkpoint',
          range: lc.nameRange,
          callRange: lc.callRange,
          params,
          macs,
          flops: 2 * macs!,
          weightBytes: params! * bytes,
          activationBytes: 0,
          inputShape: batchInput(f, batch)?.shape ?? null,
          outputShape: null,
          latencyMs: null,
          energyJ: null,
          bound: null,
          ...(stated ? { precision: stated, precisionSource: statedSource } : {}),
        },
      ]
    : [];
  return {
    name: lc.name,
    framework: 'hub',
    root: options.root ? options.root(lc) : true,
    range: lc.nameRange,
    input: known ? batchInput(f, batch) : null,
    totals,
    layers,
    unresolved,
    provenance: f.provenance + (batch !== 1 ? `; batch ${batch}` : ''),
    ...(stated && layers.length
      ? { precisionFromCode: [{ precision: stated, source: statedSource ?? 'the load', layerCalls: 1 }] }
      : {}),
    ...(f.entry ? { catalogId: f.entry.id } : {}),
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
