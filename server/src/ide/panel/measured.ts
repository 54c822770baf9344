// Estimate beside measured for the panel: the last local profile of a document (wattlens.profile/1) laid
// out with every figure's text, how the energy was obtained, and whether the code changed since.
import type { ProfileReport, ProfiledModel } from '../../core/report/profile';
import * as fmt from '../format';

/** The layers shown per model: the slowest by measured time. */
const TOP_LAYERS = 12;

/** One measured model's figures as text. */
export interface MeasuredModelItem {
  name: string;
  graph: string;
  estimated: { latency: string; energy: string };
  measured: { latency: string; energy: string; spread: string; runs: string };
  /** Estimate ÷ measurement ("0.04×"). */
  ratio: { latency: string; energy: string };
  layers: { path: string; op: string; measured: string; estimated: string; ratio: string; fused: boolean }[];
  notes: string[];
}

/** A document's measurement as the panel shows it. */
export interface MeasuredItem {
  summary: string;
  /** How the measured energy was obtained. */
  meter: string;
  /** The document changed since it was measured. */
  stale: boolean;
  measuredAt: string;
  models: MeasuredModelItem[];
  unprofiled: { name: string; error: string }[];
  notes: string[];
}

/** The measurement of version `measuredVersion`, looked at when the document is at `currentVersion`. */
export function measuredItem(
  report: ProfileReport,
  measuredVersion: number,
  currentVersion: number,
  at: Date,
): MeasuredItem {
  const provider = report.executionProvider ?? 'no execution provider';
  const runtime = report.onnxruntime ? `onnxruntime ${report.onnxruntime}` : 'onnxruntime';
  return {
    summary: `${runtime} on ${provider}${report.device ? ` (${report.device})` : ''}, estimate on ${report.hardware?.id ?? 'no profile'} at ${report.precision}`,
    meter: meterText(report),
    stale: measuredVersion !== currentVersion,
    measuredAt: at.toISOString(),
    models: report.models.map(modelItem),
    unprofiled: report.unprofiled.map((u) => ({ name: u.name, error: u.error })),
    notes: report.notes,
  };
}

function meterText(report: ProfileReport): string {
  const { kind, source } = report.meter;
  if (kind === 'estimate') {
    const why = report.meter.reasons.map((r) => `${r.kind}: ${r.reason}`).join('; ');
    return `energy = measured time × modelled power (no energy counter${why ? `: ${why}` : ''})`;
  }
  return `energy from ${kind === 'nvml' ? "NVML's total-energy counter" : kind === 'rapl' ? 'the RAPL counter' : "nvidia-smi's power readings"} (${source})`;
}

function modelItem(m: ProfiledModel): MeasuredModelItem {
  const ratio = (r: number | null) => (r === null ? '?' : `${fmt.count(r, '').trim()}×`);
  const layers = [...m.layers]
    .filter((l) => l.measuredMs !== null)
    .sort((a, b) => b.measuredMs! - a.measuredMs!)
    .slice(0, TOP_LAYERS)
    .map((l) => ({
      path: l.path,
      op: l.op,
      measured: fmt.latency(l.measuredMs),
      estimated: fmt.latency(l.estimatedMs),
      ratio: ratio(l.ratio),
      fused: l.fused,
    }));
  return {
    name: m.name,
    graph: m.graphSource,
    estimated: {
      latency: fmt.latency(m.estimated?.latencyMs ?? null),
      energy: fmt.energy(m.estimated?.energyJ ?? null),
    },
    measured: {
      latency: fmt.latency(m.measured.latencyMs),
      energy: fmt.energy(m.measured.energyJ),
      spread: `±${fmt.percent(m.measured.spread / 2)}`,
      runs: String(m.measured.runs),
    },
    ratio: { latency: ratio(m.ratio.latency), energy: ratio(m.ratio.energy) },
    layers,
    notes: m.notes,
  };
}
