// The CI budget gate behind `wattlens check --budget wattlens.budget.json`, as pure functions: parse
// and validate a budget file, compare a Report against it, and render a readable pass/fail table.
import Ajv, { type ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileReport, ModelReport, Precision, Report, TrainingRunReport } from '../report/types';
import { applyEnergy, samplesPerPass } from './applyEnergy';
import { energyContext, type EnergyContext } from './context';
import { nativePrecision } from './precision';
import { forwardAtBatch } from './trainingRunEnergy';
import { toKWh } from './carbon';
import { describeSchemaErrors } from './schemaErrors';
import { TRAINING_STEP_FACTOR } from './training';
import type { HardwareProfile } from './types';

/**
 * One budget line: a file (optionally one model in it) and its limits. Energy limits say their scope:
 * per sample (`maxEnergyPerSampleJ`, and `maxEnergyJ`, its older name) or per forward pass of the
 * batch the model is called on (`maxEnergyPerForwardPassJ`).
 */
export interface BudgetEntry {
  file: string;
  model?: string;
  profile?: string;
  precision?: Precision;
  /** Joules per sample; the older name of maxEnergyPerSampleJ. */
  maxEnergyJ?: number;
  maxEnergyPerSampleJ?: number;
  maxEnergyPerForwardPassJ?: number;
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
export type BudgetMetric = 'energyPerSampleJ' | 'energyPerForwardPassJ' | 'macs' | 'trainingKWh';

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

/** The gate's verdict: rows, overall pass, a text table for the terminal, and the same as JSON. */
export interface BudgetResult {
  passed: boolean;
  rows: BudgetRow[];
  table: string;
  json: { schema: 'wattlens.check/1'; passed: boolean; rows: BudgetRow[] };
}

/** What the command line changes about a check. */
export interface CheckOptions {
  /** Check only the entries of these files (as named on the command line); every entry when undefined. */
  files?: string[];
  /** A profile replacing the budget's and every entry's. */
  hardware?: string;
  /** The precision where neither the entry nor the budget names one; else the profile's native one. */
  precision?: Precision;
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
  return describeSchemaErrors(validate.errors ?? []).map(
    (fieldError) => new BudgetError(file, fieldError.field, fieldError.expected),
  );
}

/** Reads, parses and validates a budget file. */
export function readBudgetFile(file: string, validate: ValidateFunction): EnergyBudget {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new BudgetError(file, '', `valid JSON (${(error as Error).message})`);
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
  options: CheckOptions = {},
): BudgetResult {
  const entries = options.files
    ? budget.budgets.filter((entry) => options.files!.some((f) => samePath(f, entry.file)))
    : budget.budgets;
  const rows = entries.flatMap((entry) => checkEntry(report, budget, entry, resolveProfile, options));
  const passed = rows.length > 0 && rows.every((r) => r.status === 'pass');
  return { passed, rows, table: formatBudgetTable(rows), json: { schema: 'wattlens.check/1', passed, rows } };
}

function checkEntry(
  report: Report,
  budget: EnergyBudget,
  entry: BudgetEntry,
  resolve: (id: string) => HardwareProfile,
  options: CheckOptions,
): BudgetRow[] {
  const file = findFile(report, entry.file);
  const models = file ? pickModels(file, entry.model) : [];
  if (models.length === 0) return limitsOf(entry).map((limit) => missingRow(entry, limit.metric, limit.limit, file));
  const profileId = options.hardware ?? entry.profile ?? budget.profile;
  const profile = resolve(profileId);
  const precision = entry.precision ?? budget.precision ?? options.precision ?? nativePrecision(profile);
  const needsEnergy = limitsOf(entry).some((l) => l.metric !== 'macs');
  const estimated = needsEnergy
    ? estimate(file as FileReport, report.precision, profile, precision, budget)
    : (file as FileReport);
  const ctx = needsEnergy ? energyContext({ profile, precision, pue: budget.pue }, report.precision) : undefined;
  return models.flatMap((model) => {
    const est = estimated.models.find((x) => x.name === model.name) ?? model;
    const run = (file as FileReport).trainingRuns?.find(
      (trainingRun) => trainingRun.model === model.name && trainingRun.batchSize !== null,
    );
    return limitsOf(entry).map((limit) =>
      measureRow(
        entry,
        est,
        limit.metric,
        limit.limit,
        profile.id,
        precision,
        budget.pue ?? 1,
        ctx && run ? { run, ctx } : undefined,
      ),
    );
  });
}

/** Whether a path named on the command line and a budget entry's file are the same file (suffix match). */
function samePath(named: string, entry: string): boolean {
  const namedPath = normalise(named);
  const entryPath = normalise(entry);
  return namedPath === entryPath || namedPath.endsWith(`/${entryPath}`) || entryPath.endsWith(`/${namedPath}`);
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
  const perSample = entry.maxEnergyPerSampleJ ?? entry.maxEnergyJ;
  if (perSample !== undefined) out.push({ metric: 'energyPerSampleJ', limit: perSample });
  if (entry.maxEnergyPerForwardPassJ !== undefined)
    out.push({ metric: 'energyPerForwardPassJ', limit: entry.maxEnergyPerForwardPassJ });
  if (entry.maxMacs !== undefined) out.push({ metric: 'macs', limit: entry.maxMacs });
  if (entry.maxTrainingKWh !== undefined) out.push({ metric: 'trainingKWh', limit: entry.maxTrainingKWh });
  return out;
}

function measureRow(
  entry: BudgetEntry,
  model: ModelReport,
  metric: BudgetMetric,
  limit: number,
  profile: string,
  precision: Precision,
  pue: number,
  training?: { run: TrainingRunReport; ctx: EnergyContext },
): BudgetRow {
  const { actual, detail } = actualOf(entry, model, metric, pue, training);
  const onDevice = metric !== 'macs';
  const status = actual === null ? 'unknown' : actual <= limit ? 'pass' : 'fail';
  return {
    file: entry.file,
    model: model.name,
    metric,
    limit,
    actual,
    profile: onDevice ? profile : null,
    precision: onDevice ? precision : null,
    status,
    ...(detail ? { detail } : {}),
  };
}

/**
 * The figure a metric compares: J per sample or per forward pass, MACs per forward pass, or the kWh
 * (× PUE) of `trainingSteps` steps at the batch the file trains with (else the analysed batch). A model
 * whose trace stopped, or whose figure is unknown, has no figure: the row fails with the reason.
 */
function actualOf(
  entry: BudgetEntry,
  model: ModelReport,
  metric: BudgetMetric,
  pue: number,
  training?: { run: TrainingRunReport; ctx: EnergyContext },
): { actual: number | null; detail?: string } {
  const unknown = { actual: null, detail: unknownDetail(model) };
  if (model.unresolved.some((u) => /forward\(\) stopped/.test(u.reason))) return unknown;
  if (metric === 'macs') return model.totals.macs === null ? unknown : { actual: model.totals.macs };
  const energyJ = model.totals.energyJ;
  if (energyJ === null) return unknown;
  if (metric === 'energyPerSampleJ') return { actual: energyJ / samplesPerPass(model) };
  if (metric === 'energyPerForwardPassJ') return { actual: energyJ };
  const steps = entry.trainingSteps ?? 0;
  if (training) {
    const forward = forwardAtBatch(model, training.run.batchSize!, training.ctx);
    if (forward.energyJ === null) return unknown;
    return {
      actual: toKWh(forward.energyJ * TRAINING_STEP_FACTOR * steps) * pue,
      detail: `steps at batch ${training.run.batchSize} (the training run's)`,
    };
  }
  return {
    actual: toKWh(energyJ * TRAINING_STEP_FACTOR * steps) * pue,
    detail: `steps at batch ${samplesPerPass(model)} (the analysed forward pass; the file trains with no known batch)`,
  };
}

/** Why a model has no figure: its trace stopped, or the first unresolved reason. */
function unknownDetail(model: ModelReport): string {
  const stopped = model.unresolved.find((u) => /forward\(\) stopped/.test(u.reason));
  if (stopped) return `the forward pass stopped: ${stopped.reason}`;
  const first = model.unresolved[0];
  return first ? `unknown: ${first.reason}` : "could not be resolved statically (see the report's unresolved list)";
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
  return report.files.find((file) => {
    const have = normalise(file.file);
    return have === want || have.endsWith(`/${want}`) || want.endsWith(`/${have}`);
  });
}

function normalise(path: string): string {
  return path.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
}

function pickModels(file: FileReport, name?: string): ModelReport[] {
  return name ? file.models.filter((m) => m.name === name) : file.models.filter((m) => m.root);
}

const METRIC_LABEL: Record<BudgetMetric, string> = {
  energyPerSampleJ: 'energy per sample',
  energyPerForwardPassJ: 'energy per forward pass',
  macs: 'MACs per forward pass',
  trainingKWh: 'training steps',
};

/** A plain-text table of the rows and a closing verdict line, newline-terminated for the terminal. */
export function formatBudgetTable(rows: BudgetRow[]): string {
  const header = ['file', 'model', 'budget', 'limit', 'actual', 'on', 'result'];
  const body = rows.map((row) => [
    row.file,
    row.model ?? '-',
    METRIC_LABEL[row.metric],
    formatValue(row.metric, row.limit),
    row.actual === null ? '?' : formatValue(row.metric, row.actual),
    row.profile ? `${row.profile} ${row.precision}` : '-',
    row.status === 'pass'
      ? `pass${row.detail ? ` (${row.detail})` : ''}`
      : `FAIL (${row.status === 'fail' ? `${overBy(row)} over${row.detail ? `; ${row.detail}` : ''}` : (row.detail ?? row.status)})`,
  ]);
  const widths = header.map((heading, column) => Math.max(heading.length, ...body.map((b) => b[column].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const failed = rows.filter((r) => r.status !== 'pass').length;
  const verdict =
    rows.length === 0
      ? 'no budget entry matches the files named: nothing was checked (FAILED)'
      : failed === 0
        ? `all ${rows.length} budgets pass`
        : `${failed} of ${rows.length} budgets FAILED`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), '', verdict, ''].join('\n');
}

function overBy(row: BudgetRow): string {
  return `${(((row.actual as number) / row.limit - 1) * 100).toFixed(1)}%`;
}

/** A value with its unit, four significant digits (a budget compares close figures). */
export function formatValue(metric: BudgetMetric, value: number): string {
  if (metric === 'macs') return `${(value / 1e9).toPrecision(4)} GMACs`;
  if (metric === 'trainingKWh') return `${value.toPrecision(4)} kWh`;
  return value >= 0.1
    ? `${value.toPrecision(4)} J`
    : value >= 1e-4
      ? `${(value * 1e3).toPrecision(4)} mJ`
      : `${(value * 1e6).toPrecision(4)} µJ`;
}
