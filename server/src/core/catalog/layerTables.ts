// Per-layer tables of catalogued architectures (profiles/models/layers/*.json): the work each layer
// of one sample does, read from the architecture's own source, so that a catalogued load is costed
// layer by layer exactly as the same network written out (activations and per-layer overheads included).
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * One layer: [path, op, params, MACs, FLOPs, weight elements, activation elements, fixed], MACs, FLOPs
 * and activations per sample; `fixed` ([MACs, FLOPs, activation elements], absent: none) is the work
 * that does not grow with the batch (a position embedding read once per call, Swin's attention mask).
 */
export type LayerRow = [string, string, number, number, number, number, number, [number, number, number]?];

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
