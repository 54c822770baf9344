// Turns one runner result into the profile's rows: the model's median latency and spread, its energy
// per forward pass, each layer's measured time beside its estimate, and energy apportioned by time.
import type { ModelReport } from '../../../server/src/core/report/types';
import type { ProfiledLayer, ProfiledModel } from '../../../server/src/core/report/profile';
import type { Attribution } from '../runner/attribution';
import type { RunnerResult } from '../runner/protocol';
import { median, quantile } from '../runner/trace';

/** The measured energy per forward pass, or the estimate's stand-in: measured time × modelled power. */
export interface PassEnergy {
  energyJ: number | null;
  energyAboveIdleJ: number | null;
}

/** Energy per forward pass from the runner's window (null when no meter gave one). */
export function passEnergy(result: RunnerResult): PassEnergy {
  const e = result.energy;
  if (!e) return { energyJ: null, energyAboveIdleJ: null };
  const runs = result.runsMs.length;
  return {
    energyJ: e.energyJ / runs,
    energyAboveIdleJ: e.idleW === null ? null : (e.energyJ - e.idleW * e.seconds) / runs,
  };
}

/** What a model's rows are built from. */
export interface ModelMeasurement {
  name: string;
  graph: ProfiledModel['graph'];
  graphSource: string;
  report: ModelReport | null;
  input: number[][];
  result: RunnerResult;
  attribution: Attribution;
  /** Layer rows when there is no analysis (a user's .onnx: one row per node). */
  onnxRows?: { path: string; op: string }[];
  /** The energy per pass when no meter measured it (measured time × modelled power), with no idle split. */
  modelledEnergyJ?: number | null;
  notes: string[];
}

/** Builds one profiled model. */
export function profiledModel(m: ModelMeasurement): ProfiledModel {
  const runs = m.result.runsMs;
  const latencyMs = median(runs);
  const measuredEnergy = passEnergy(m.result);
  const energyJ = measuredEnergy.energyJ ?? m.modelledEnergyJ ?? null;
  const layersUs = m.attribution.layers.reduce((a, l) => a + l.measuredUs, 0);
  const layers = m.report ? reportLayers(m, energyJ, layersUs) : onnxLayers(m, energyJ, layersUs);
  const estimated = m.report ? { latencyMs: m.report.totals.latencyMs, energyJ: m.report.totals.energyJ } : null;
  const unprofiled = median(runs);
  return {
    name: m.name,
    graph: m.graph,
    graphSource: m.graphSource,
    range: m.report?.range ?? null,
    input: m.input,
    measured: {
      latencyMs,
      energyJ,
      energyAboveIdleJ: measuredEnergy.energyAboveIdleJ,
      runs: runs.length,
      spread: latencyMs > 0 ? (quantile(runs, 0.9) - quantile(runs, 0.1)) / latencyMs : 0,
      p10Ms: quantile(runs, 0.1),
      p90Ms: quantile(runs, 0.9),
      layersMs: layersUs / 1000,
      viewsMs: m.attribution.viewsUs / 1000,
      unattributedMs: m.attribution.unattributedUs / 1000,
      profilerOverhead: unprofiled > 0 ? median(m.result.profiledRunsMs) / unprofiled : 0,
    },
    estimated,
    ratio: {
      latency: ratio(estimated?.latencyMs ?? null, latencyMs),
      energy: ratio(estimated?.energyJ ?? null, energyJ),
    },
    layers,
    notes: m.notes,
  };
}

function ratio(estimate: number | null, measured: number | null): number | null {
  return estimate === null || measured === null || !(measured > 0) ? null : estimate / measured;
}

/** One row per layer row of the analysis, measured beside estimated. */
function reportLayers(m: ModelMeasurement, energyJ: number | null, layersUs: number): ProfiledLayer[] {
  const byIndex = new Map(m.attribution.layers.map((l) => [l.index, l]));
  return m.report!.layers.map((row, index) => {
    const time = byIndex.get(index);
    const measuredMs = time ? time.measuredUs / 1000 : null;
    return {
      path: row.path,
      op: row.op,
      range: row.callRange ?? row.range,
      measuredMs,
      estimatedMs: row.latencyMs,
      energyJ: share(energyJ, time?.measuredUs, layersUs),
      fused: time?.fused ?? false,
      ratio: ratio(row.latencyMs, measuredMs),
      flops: row.flops,
      ...(row.cell !== undefined ? { cell: row.cell } : {}),
    };
  });
}

/** One row per node of a user's .onnx (no analysis: no estimate, no source line). */
function onnxLayers(m: ModelMeasurement, energyJ: number | null, layersUs: number): ProfiledLayer[] {
  const byIndex = new Map(m.attribution.layers.map((l) => [l.index, l]));
  return (m.onnxRows ?? []).map((row, index) => {
    const time = byIndex.get(index);
    return {
      path: row.path,
      op: row.op,
      range: null,
      measuredMs: time ? time.measuredUs / 1000 : null,
      estimatedMs: null,
      energyJ: share(energyJ, time?.measuredUs, layersUs),
      fused: time?.fused ?? false,
      ratio: null,
      flops: null,
    };
  });
}

function share(total: number | null, part: number | undefined, whole: number): number | null {
  if (total === null || part === undefined || !(whole > 0)) return null;
  return (total * part) / whole;
}
