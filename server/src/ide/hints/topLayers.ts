// The layers that dominate a model's energy: each path's calls summed, heaviest first, with their
// share of the model. The CLI's "top N" summary and the editor's hot-spot diagnostics both read this.
import type { ModelReport } from '../../core/report/types';

/** One module path with all its calls summed. */
export interface TopLayer {
  path: string;
  op: string;
  /** How many calls of this path the forward pass makes. */
  calls: number;
  /** 0-based line of its first call (or definition). */
  line: number;
  energyJ: number;
  flops: number | null;
  /** energyJ / the model's energy per forward pass. */
  share: number;
}

/**
 * The `limit` heaviest paths by energy, or none when the model's energy is unknown (a share of an
 * unknown total would be a partial sum shown as a whole).
 */
export function topLayers(model: ModelReport, limit: number): TopLayer[] {
  const total = model.totals.energyJ;
  if (!total || limit <= 0) return [];
  const byPath = new Map<string, TopLayer>();
  for (const layer of model.layers) {
    if (layer.energyJ === null) return [];
    const entry = byPath.get(layer.path);
    if (entry) {
      entry.calls++;
      entry.energyJ += layer.energyJ;
      entry.flops = entry.flops === null || layer.flops === null ? null : entry.flops + layer.flops;
    } else {
      byPath.set(layer.path, {
        path: layer.path,
        op: layer.op,
        calls: 1,
        line: (layer.callRange ?? layer.range).start.line,
        energyJ: layer.energyJ,
        flops: layer.flops,
        share: 0,
      });
    }
  }
  const rows = [...byPath.values()].sort((a, b) => b.energyJ - a.energyJ).slice(0, limit);
  for (const row of rows) row.share = row.energyJ / total;
  return rows;
}
