// Exports of a document's report: CSV with the columns of CodeCarbon's emissions.csv (so dashboards that
// read CodeCarbon's files read WattLens's), one row per model and forward pass, and the
// `wattlens.report/1` JSON the CLI prints.
import type { FileReport, Precision, Report } from '../../core/report/types';
import { describeAssumptions, toKWh, type EnergyContext } from '../../core/energy';

/**
 * CodeCarbon's emissions.csv columns in its order (mlco2/codecarbon, codecarbon/output_methods/
 * emissions_data.py, `EmissionsData`). Units as CodeCarbon's: seconds, kg CO2e, kg/s, W, kWh.
 */
export const CODECARBON_COLUMNS = [
  'timestamp',
  'project_name',
  'run_id',
  'experiment_id',
  'duration',
  'emissions',
  'emissions_rate',
  'cpu_utilization_percent',
  'ram_utilization_percent',
  'ram_used_gb',
  'cpu_power',
  'gpu_power',
  'ram_power',
  'cpu_energy',
  'gpu_energy',
  'ram_energy',
  'energy_consumed',
  'water_consumed',
  'country_name',
  'country_iso_code',
  'region',
  'cloud_provider',
  'cloud_region',
  'os',
  'python_version',
  'codecarbon_version',
  'cpu_count',
  'cpu_model',
  'gpu_count',
  'gpu_model',
  'longitude',
  'latitude',
  'ram_total_size',
  'tracking_mode',
  'on_cloud',
  'pue',
  'wue',
] as const;

type Column = (typeof CODECARBON_COLUMNS)[number];

/** What a CSV export needs besides the models: where, when, and the energy model's context. */
export interface CsvContext {
  /** The document's file name (CodeCarbon's project_name). */
  project: string;
  /** An id for this export (CodeCarbon's run_id). */
  runId: string;
  /** `%Y-%m-%dT%H:%M:%S`, as CodeCarbon writes it. */
  timestamp: string;
  ctx: EnergyContext | null;
}

/**
 * One row per root model (or per block class when the file instantiates none): one forward pass on the
 * profile as a CodeCarbon run. Figures WattLens does not model (RAM, host CPU, location, software
 * versions) stay empty, never 0; a model whose energy is unknown has empty energy columns.
 */
export function codeCarbonCsv(file: FileReport, context: CsvContext): string {
  const roots = file.models.filter((m) => m.root);
  const models = roots.length ? roots : file.models;
  const lines = [CODECARBON_COLUMNS.join(',')];
  const device = context.ctx?.profile;
  const onCpu = device?.kind === 'cpu';
  for (const model of models) {
    const t = model.totals;
    const seconds = t.latencyMs === null ? null : t.latencyMs / 1e3;
    const chipKWh = t.energyJ === null ? null : toKWh(t.energyJ);
    const pue = context.ctx?.pue ?? null;
    const emissionsKg = t.co2eG === null ? null : t.co2eG / 1e3;
    const powerW = t.energyJ !== null && seconds ? t.energyJ / seconds : null;
    const row: Partial<Record<Column, string | number | null>> = {
      timestamp: context.timestamp,
      project_name: context.project,
      run_id: context.runId,
      experiment_id: model.name,
      duration: seconds,
      emissions: emissionsKg,
      emissions_rate: emissionsKg !== null && seconds ? emissionsKg / seconds : null,
      [onCpu ? 'cpu_power' : 'gpu_power']: powerW,
      [onCpu ? 'cpu_energy' : 'gpu_energy']: chipKWh,
      energy_consumed: chipKWh === null || pue === null ? null : chipKWh * pue,
      country_iso_code:
        context.ctx && /^[A-Z]{3}$/.test(context.ctx.intensity.region) ? context.ctx.intensity.region : null,
      [onCpu ? 'cpu_count' : 'gpu_count']: device ? 1 : null,
      [onCpu ? 'cpu_model' : 'gpu_model']: device?.name ?? null,
      tracking_mode: `wattlens static estimate of one forward pass on ${device?.id ?? 'no profile'} at ${context.ctx?.precision ?? '?'}`,
      pue,
    };
    lines.push(CODECARBON_COLUMNS.map((c) => csvField(row[c] ?? null)).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** The `wattlens.report/1` document for one file, as `wattlens analyze --format json` prints it. */
export function reportJson(file: FileReport, precision: Precision, ctx: EnergyContext | null): string {
  const report: Report = {
    schema: 'wattlens.report/1',
    hardware: ctx ? { id: ctx.profile.id, name: ctx.profile.name } : null,
    precision,
    ...(ctx ? { assumptions: describeAssumptions(ctx) } : {}),
    files: [file],
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** `%Y-%m-%dT%H:%M:%S` in UTC. */
export function codeCarbonTimestamp(date: Date): string {
  return date.toISOString().slice(0, 19);
}

/** A CSV field (RFC 4180 quoting); null is empty. */
function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
