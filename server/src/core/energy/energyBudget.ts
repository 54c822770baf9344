// The CI budget gate behind `wattlens check --budget wattlens.budget.json`, as pure functions: parse
// and validate a budget file, compare a Report against it, and render a readable pass/fail table.
import Ajv, { type ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileReport, ModelReport, Precision, Report } from '../report/types';
import { applyEnergy, samplesPerPass } from './applyEnergy';
import { toKWh } from './carbon';
import { describeSchemaErrors } from './schemaErrors';
import { TRAINING_STEP_FACTOR } from './training';
import type { HardwareProfile } from './types';

/** One budget line: a file (optionally one model in it) and its limits. */
export interface BudgetEntry {
  file: string;
  model?: string;
  profile?: string;
  precision?: Precision;
  maxEnergyJ?: number;
  maxMacs?: number;
  maxTrainingKWh?: number;
  trainingSteps?: number;
}

/** A whole budget file (profiles/budget.schema.json). */
export interface EnergyBudget {
  schema?: 'wattlens.budget/1';
  profile: string;
  precision?: Precision;
  region?: string;
  pue?: number;
  budgets: BudgetEntry[];
}

/** A budget file that does not fit the schema; `message` names the file and field. */
export class BudgetError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly expected: string,
  ) {
    super(`${file}: ${field || '(root)'}: ${expected}`);
    this.name = 'BudgetError';
  }
}

/** Which limit a row checks. */
export type BudgetMetric = 'energyJ' | 'macs' | 'trainingKWh';

/** One checked limit for one model. */
export interface BudgetRow {
  file: string;
  model: string | null;
  metric: BudgetMetric;
  limit: number;
  actual: number | null;
  profile: string | null;
  precision: Precision | null;
  /** unknown: the figure could not be resolved; missing: no such file/model in the report. Both fail. */
  status: 'pass' | 'fail' | 'unknown' | 'missing';
  detail?: string;
}

/** The gate's verdict: rows, overall pass, and a text table for the terminal. */
export interface BudgetResult {
  passed: boolean;
  rows: BudgetRow[];
  table: string;
}

/** Compiles profiles/budget.schema.json from the given `profiles/` folder. */
export function compileBudgetSchema(profilesDir: string): ValidateFunction {
  const schema = JSON.parse(readFileSync(join(profilesDir, 'budget.schema.json'), 'utf8'));
  return new Ajv({ allErrors: true, verbose: true }).compile(schema);
}

/** Validates parsed budget JSON; throws the first BudgetError (all of them are in `errors` of the thrown list). */
export function parseBudget(data: unknown, file: string, validate: ValidateFunction): EnergyBudget {
  const errors = budgetErrors(data, file, validate);
  if (errors.length > 0) throw errors[0];
  return data as EnergyBudget;
}

/** Every schema error of a budget document (empty when it is valid). */
export function budgetErrors(data: unknown, file: string, validate: ValidateFunction): BudgetError[] {
  if (validate(data)) return [];
  return describeSchemaErrors(validate.errors ?? []).map((e) => new BudgetError(file, e.field, e.expected));
}

/** Reads, parses and validates a budget file. */
export function readBudgetFile(file: string, validate: ValidateFunction): EnergyBudget {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new BudgetError(file, '', `valid JSON (${(e as Error).message})`);
  }
  return parseBudget(data, file, validate);
}

/**
 * Checks a report (counts only are needed; energy is recomputed on each entry's profile) against
 * a budget. `resolveProfile` maps an id to a profile and throws UnknownProfileError for others.
 */
export function checkBudget(
  report: Report,
  budget: EnergyBudget,
  resolveProfile: (id: string) => HardwareProfile,
): BudgetResult {
  const rows = budget.budgets.flatMap((entry) => checkEntry(report, budget, entry, resolveProfile));
  const passed = rows.every((r) => r.status === 'pass');
  return { passed, rows, table: formatBudgetTable(rows) };
}

function checkEntry(
  report: Report,
  budget: EnergyBudget,
  entry: BudgetEntry,
  resolve: (id: string) => HardwareProfile,
): BudgetRow[] {
  const file = findFile(report, entry.file);
  const models = file ? pickModels(file, entry.model) : [];
  if (models.length === 0) return limitsOf(entry).map((l) => missingRow(entry, l.metric, l.limit, file));
  const profileId = entry.profile ?? budget.profile;
  const precision = entry.precision ?? budget.precision ?? 'fp32';
  const needsEnergy = entry.maxEnergyJ !== undefined || entry.maxTrainingKWh !== undefined;
  const estimated = needsEnergy
    ? estimate(file as FileReport, report.precision, resolve(profileId), precision, budget)
    : (file as FileReport);
  return models.flatMap((m) => {
    const est = estimated.models.find((x) => x.name === m.name) ?? m;
    return limitsOf(entry).map((l) => measureRow(entry, est, l.metric, l.limit, profileId, precision, budget.pue ?? 1));
  });
}

/** The file report re-estimated on the entry's profile and precision (its bytes were counted at `countedAt`). */
function estimate(
  file: FileReport,
  countedAt: Precision,
  profile: HardwareProfile,
  precision: Precision,
  budget: EnergyBudget,
): FileReport {
  const one: Report = { schema: 'wattlens.report/1', hardware: null, precision: countedAt, files: [file] };
  return applyEnergy(one, { profile, precision, region: budget.region, pue: budget.pue }).files[0];
}

function limitsOf(entry: BudgetEntry): { metric: BudgetMetric; limit: number }[] {
  const out: { metric: BudgetMetric; limit: number }[] = [];
  if (entry.maxEnergyJ !== undefined) out.push({ metric: 'energyJ', limit: entry.maxEnergyJ });
  if (entry.maxMacs !== undefined) out.push({ metric: 'macs', limit: entry.maxMacs });
  if (entry.maxTrainingKWh !== undefined) out.push({ metric: 'trainingKWh', limit: entry.maxTrainingKWh });
  return out;
}

function measureRow(
  entry: BudgetEntry,
  m: ModelReport,
  metric: BudgetMetric,
  limit: number,
  profile: string,
  precision: Precision,
  pue: number,
): BudgetRow {
  const actual = actualOf(entry, m, metric, pue);
  const onDevice = metric !== 'macs';
  const status = actual === null ? 'unknown' : actual <= limit ? 'pass' : 'fail';
  return {
    file: entry.file,
    model: m.name,
    metric,
    limit,
    actual,
    profile: onDevice ? profile : null,
    precision: onDevice ? precision : null,
    status,
    ...(actual === null ? { detail: "could not be resolved statically (see the report's unresolved list)" } : {}),
  };
}

/** The figure a metric compares: J per inference (per sample), MACs per pass, or training-run kWh × PUE. */
function actualOf(entry: BudgetEntry, m: ModelReport, metric: BudgetMetric, pue: number): number | null {
  if (metric === 'macs') return m.totals.macs;
  const e = m.totals.energyJ;
  if (e === null) return null;
  if (metric === 'energyJ') return e / samplesPerPass(m);
  return toKWh(e * TRAINING_STEP_FACTOR * (entry.trainingSteps ?? 0)) * pue;
}

function missingRow(entry: BudgetEntry, metric: BudgetMetric, limit: number, file: FileReport | undefined): BudgetRow {
  const detail = file
    ? `no model ${entry.model ? `named ${entry.model}` : 'instantiated (root)'} in the file`
    : 'file not in the report';
  return {
    file: entry.file,
    model: entry.model ?? null,
    metric,
    limit,
    actual: null,
    profile: null,
    precision: null,
    status: 'missing',
    detail,
  };
}

/** The report's file whose path equals or ends with the budget's path (separators normalised). */
function findFile(report: Report, path: string): FileReport | undefined {
  const want = normalise(path);
  return report.files.find((f) => {
    const have = normalise(f.file);
    return have === want || have.endsWith(`/${want}`) || want.endsWith(`/${have}`);
  });
}

function normalise(p: string): string {
  return p.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
}

function pickModels(file: FileReport, name?: string): ModelReport[] {
  return name ? file.models.filter((m) => m.name === name) : file.models.filter((m) => m.root);
}

const METRIC_LABEL: Record<BudgetMetric, string> = {
  energyJ: 'energy / inference',
  macs: 'MACs / pass',
  trainingKWh: 'training run',
};

/** A plain-text table of the rows and a closing verdict line, newline-terminated for the terminal. */
export function formatBudgetTable(rows: BudgetRow[]): string {
  const header = ['file', 'model', 'budget', 'limit', 'actual', 'on', 'result'];
  const body = rows.map((r) => [
    r.file,
    r.model ?? '-',
    METRIC_LABEL[r.metric],
    formatValue(r.metric, r.limit),
    r.actual === null ? '?' : formatValue(r.metric, r.actual),
    r.profile ? `${r.profile} ${r.precision}` : '-',
    r.status === 'pass' ? 'pass' : `FAIL (${r.status === 'fail' ? `${overBy(r)} over` : (r.detail ?? r.status)})`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const failed = rows.filter((r) => r.status !== 'pass').length;
  const verdict = failed === 0 ? `all ${rows.length} budgets pass` : `${failed} of ${rows.length} budgets FAILED`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), '', verdict, ''].join('\n');
}

function overBy(r: BudgetRow): string {
  return `${(((r.actual as number) / r.limit - 1) * 100).toFixed(1)}%`;
}

/** A value with its unit, short and precise enough for a terminal. */
export function formatValue(metric: BudgetMetric, v: number): string {
  if (metric === 'macs') return `${(v / 1e9).toPrecision(4)} G`;
  if (metric === 'trainingKWh') return `${v.toPrecision(4)} kWh`;
  return v >= 0.1 ? `${v.toPrecision(4)} J` : `${(v * 1e3).toPrecision(4)} mJ`;
}
