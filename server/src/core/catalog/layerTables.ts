// Per-layer tables of catalogued architectures (profiles/models/layers/*.json): the work each layer
// of one sample does, read from the architecture's own source, so that a catalogued load is costed
// layer by layer exactly as the same network written out (activations and per-layer overheads included).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LayerReport } from '../report/types';

/**
 * One layer: [path, op, params, MACs, FLOPs, weight elements, activation elements, fixed, output],
 * MACs, FLOPs and activations per sample; `fixed` ([MACs, FLOPs, activation elements], null or absent:
 * none) is the work that does not grow with the batch (a position embedding read once per call, Swin's
 * attention mask); `output` is the output shape after the batch dimension (absent: not batch-led).
 */
export type LayerRow = [
  string,
  string,
  number,
  number,
  number,
  number,
  number,
  ([number, number, number] | null)?,
  number[]?,
];

/**
 * The layers of one architecture at its typical input, and the model's totals [params, MACs, FLOPs,
 * weight elements, activation elements] per sample plus its `fixed` [MACs, FLOPs, activation elements]:
 * parameters a module holds outside any layer (ViT's class token) count in the totals but in no row.
 */
export interface LayerTable {
  input: number[];
  totals: [number, number, number, number, number];
  fixed: [number, number, number];
  rows: LayerRow[];
}

/** Tables by catalog entry id, with the source they were read from. */
export interface LayerTables {
  source: string;
  tables: Map<string, LayerTable>;
}

/** Loads every `*.json` of `folder` (absent folder: no tables). */
export function loadLayerTables(folder: string): LayerTables[] {
  if (!fs.existsSync(folder)) return [];
  return fs
    .readdirSync(folder)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => {
      const data = JSON.parse(fs.readFileSync(path.join(folder, name), 'utf8')) as {
        source: string;
        tables: Record<string, LayerTable>;
      };
      return { source: data.source, tables: new Map(Object.entries(data.tables)) };
    });
}

/** Where a checkpoint's rows are placed: its name, the literal (or call) naming it, and the load call. */
export interface RowSite {
  name: string;
  range: LayerReport['range'];
  callRange: LayerReport['range'];
}

/** The single synthetic row of a checkpoint the catalog knows only by its totals (FLOPs = 2 × MACs, weights only). */
export function checkpointRow(
  site: RowSite,
  params: number,
  macs: number,
  bytes: number,
  inputShape: number[] | null,
  stated: Partial<LayerReport>,
): LayerReport {
  return {
    path: site.name,
    op: 'checkpoint',
    range: site.range,
    callRange: site.callRange,
    params,
    macs,
    flops: 2 * macs,
    weightBytes: params * bytes,
    activationBytes: 0,
    inputShape,
    outputShape: null,
    latencyMs: null,
    energyJ: null,
    bound: null,
    ...stated,
  };
}

/** One layer of a table at a batch: its work and activation elements for that many samples. */
export interface TableLayer {
  path: string;
  op: string;
  params: number;
  macs: number;
  flops: number;
  weightElements: number;
  activationElements: number;
  /** The output shape at this batch, or null where the table has none. */
  outputShape: number[] | null;
}

/** A table's layers at `batch`: work and activations per sample scale with it, weights and fixed work do not. */
export function tableLayers(table: LayerTable, batch: number): TableLayer[] {
  return table.rows.map(([path, op, params, macs, flops, weights, activations, fixed, output]) => ({
    path,
    op,
    params,
    macs: macs * batch + (fixed?.[0] ?? 0),
    flops: flops * batch + (fixed?.[1] ?? 0),
    weightElements: weights,
    activationElements: activations * batch + (fixed?.[2] ?? 0),
    outputShape: output ? [batch, ...output] : null,
  }));
}

/** The report rows of a checkpoint whose architecture the catalog has layer by layer, at `bytes` per element. */
export function tableRows(
  site: RowSite,
  table: LayerTable,
  batch: number,
  bytes: number,
  stated: Partial<LayerReport>,
): LayerReport[] {
  return tableLayers(table, batch).map((layer) => ({
    path: `${site.name}.${layer.path}`,
    op: layer.op,
    range: site.range,
    callRange: site.callRange,
    params: layer.params,
    macs: layer.macs,
    flops: layer.flops,
    weightBytes: layer.weightElements * bytes,
    activationBytes: layer.activationElements * bytes,
    inputShape: null,
    outputShape: layer.outputShape,
    latencyMs: null,
    energyJ: null,
    bound: null,
    ...stated,
  }));
}
