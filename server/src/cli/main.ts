// The `wattlens` command line: analyze, profiles, check. It locates the grammars and profiles
// beside the bundle and passes their paths to the core, which never guesses them.
import { readFileSync } from 'node:fs';
import { join, resolve, extname } from 'node:path';
import { SourceParser } from '../core/parse/parser';
import { analyzeSource } from '../core/analysis/analyzeSource';
import { analyzeTypeScript } from '../core/analysis/analyzeTfjs';
import { parseNotebook, analyzeCells, NotebookError, type CellAnalyzeOptions } from '../core/analysis/notebook';
import type { Report, FileReport } from '../core/report/types';
import { loadModelCatalog, type ModelCatalog } from '../core/catalog/modelCatalog';
import {
  loadProfiles,
  getProfile,
  listProfiles,
  applyEnergy,
  compileBudgetSchema,
  readBudgetFile,
  checkBudget,
  withWorkspaceCalibration,
  type ProfileSet,
} from '../core/energy';
import { parseArgs, UsageError, type CliArgs } from './args';
import { expandInputs, type InputFile } from './inputs';
import { formatTable } from './format/table';
import { formatCsv } from './format/csv';
import { profileCommand } from './profile';

/** The profile used when --hardware is not given. */
export const DEFAULT_HARDWARE = 'nvidia-t4';

const HELP = `wattlens — energy-aware analysis of ML model code

usage:
  wattlens analyze FILE_OR_DIR... [--hardware ID] [--precision fp32|tf32|fp16|bf16|fp8|int8]
                           [--batch N] [--input 1,3,224,224] [--region FR] [--pue 1.2]
                           [--format table|json|csv]
  wattlens profiles        list hardware profiles with their key figures
  wattlens check --budget wattlens.budget.json FILE...
                           exit 1 when a model exceeds its energy / MACs / training budget
  wattlens profile FILE [--ep auto|cpu|cuda|webgpu] [--hardware ID] [--format table|json]
                           [--calibrate] [--model NAME] [--exact [--python PATH]] [--input ...]
                           [--batch N] [--timeout SECONDS] [--export-dir DIR | --no-export]
                           measure a .py / .ipynb model (or a .onnx file) with onnxruntime on this
                           machine: per-layer measured time and energy beside the estimate
`;

/** Where the bundle's data lives: dist/../grammars and dist/../profiles. */
function packageRoot(): string {
  return resolve(__dirname, '..');
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  switch (args.command) {
    case 'analyze':
      return analyzeCommand(args);
    case 'profiles':
      return profilesCommand();
    case 'check':
      return checkCommand(args);
    case 'profile':
      return profileCommand(args, packageRoot(), modelCatalog);
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return 0;
    default:
      throw new UsageError(`unknown command '${args.command}' (try: wattlens help)`);
  }
}

/** Reads, analyses and estimates every file; returns the report. */
async function buildReport(args: CliArgs, hardware: string | undefined): Promise<Report> {
  if (args.files.length === 0) throw new UsageError('no input files (usage: wattlens analyze FILE...)');
  const parser = await SourceParser.load(join(packageRoot(), 'grammars'));
  const files: FileReport[] = expandInputs(args.files).map((f) => analyzeInput(parser, f, args));
  const report: Report = { schema: 'wattlens.report/1', hardware: null, precision: args.precision, files };
  const profiles = loadProfiles({ profilesDir: join(packageRoot(), 'profiles'), workspaceDir: process.cwd() });
  reportProfileErrors(profiles);
  // A calibration that `wattlens profile --calibrate` wrote for this profile applies, and the report says so.
  const { profile } = withWorkspaceCalibration(getProfile(profiles, hardware ?? DEFAULT_HARDWARE), process.cwd());
  return applyEnergy(report, {
    profile,
    precision: args.precision,
    region: args.region,
    pue: args.pue,
    batch: args.batch,
  });
}

/**
 * One input: a file the user named must be readable (exit 2 otherwise); a file found while walking a
 * directory that cannot be read (a truncated notebook, say) is reported in its place and the rest go on.
 */
function analyzeInput(parser: SourceParser, input: InputFile, args: CliArgs): FileReport {
  try {
    return analyzeFile(parser, input.path, args);
  } catch (e) {
    if (!input.walked || !(e instanceof UsageError)) throw e;
    const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    return {
      file: input.path,
      models: [],
      diagnostics: [{ range, severity: 'error', code: 'unreadable', message: e.message }],
    };
  }
}

/** Extensions analysed as TensorFlow.js (TypeScript grammar; .tsx/.jsx with the TSX one). */
const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.jsx']);

function analyzeFile(parser: SourceParser, file: string, args: CliArgs): FileReport {
  const ext = extname(file).toLowerCase();
  if (ext === '.ipynb')
    return analyzeNotebookFile(parser, file, {
      file,
      input: args.input,
      batch: args.batch,
      precision: args.precision,
      catalog: modelCatalog(),
    });
  if (TS_EXTENSIONS.has(ext)) {
    const language = ext === '.tsx' || ext === '.jsx' ? 'tsx' : 'typescript';
    return analyzeTypeScript(parser, readFileSync(file, 'utf8'), {
      file,
      input: args.input,
      batch: args.batch,
      precision: args.precision,
      language,
    });
  }
  if (ext !== '.py')
    throw new UsageError(
      `${file}: only Python (.py) and TypeScript/JavaScript (.ts, .tsx, .js, .mjs, .cjs) files are analysed so far`,
    );
  const text = readFileSync(file, 'utf8');
  return analyzeSource(parser, text, {
    file,
    input: args.input,
    batch: args.batch,
    precision: args.precision,
    catalog: modelCatalog(),
  });
}

/** A .ipynb file: its code cells analysed in order; a malformed notebook is a usage error (exit 2) with where it broke. */
function analyzeNotebookFile(parser: SourceParser, file: string, options: CellAnalyzeOptions): FileReport {
  try {
    const notebook = parseNotebook(readFileSync(file, 'utf8'), file);
    return analyzeCells(parser, notebook.cells, { ...options, language: notebook.language });
  } catch (e) {
    if (e instanceof NotebookError) throw new UsageError(e.message);
    throw e;
  }
}

let catalog: ModelCatalog | undefined;

/** The pretrained-checkpoint and dataset catalogs beside the bundle (profiles/models/, profiles/datasets.json), loaded once. */
function modelCatalog(): ModelCatalog {
  catalog ??= loadModelCatalog(
    join(packageRoot(), 'profiles', 'models'),
    join(packageRoot(), 'profiles', 'datasets.json'),
  );
  return catalog;
}

function reportProfileErrors(set: ProfileSet): void {
  for (const e of set.errors) process.stderr.write(`wattlens: ignoring profile ${e.message}\n`);
}

async function analyzeCommand(args: CliArgs): Promise<number> {
  const report = await buildReport(args, args.hardware);
  const out =
    args.format === 'json'
      ? JSON.stringify(report, null, 2) + '\n'
      : args.format === 'csv'
        ? formatCsv(report)
        : formatTable(report);
  process.stdout.write(out);
  return 0;
}

function profilesCommand(): number {
  const set = loadProfiles({ profilesDir: join(packageRoot(), 'profiles'), workspaceDir: process.cwd() });
  reportProfileErrors(set);
  for (const p of listProfiles(set)) {
    const peaks = Object.entries(p.peak ?? {})
      .map(([k, v]) => `${k} ${figure(v)} ${k === 'int8' ? 'TOPS' : 'TFLOP/s'}`)
      .join(', ');
    process.stdout.write(
      `${p.id.padEnd(26)} ${p.name}\n${''.padEnd(27)}${p.kind}; ${peaks}; memory ${figure(p.memory?.bandwidthGBps)} GB/s; max ${figure(p.power?.maxW)} W\n`,
    );
  }
  return 0;
}

/** A profile figure (a number or `{ value, source }`) as a plain number. */
function figure(v: unknown): string {
  const n =
    typeof v === 'number' ? v : v && typeof v === 'object' && 'value' in v ? (v as { value: number }).value : null;
  return n === null ? '?' : String(Number(n.toPrecision(4)));
}

async function checkCommand(args: CliArgs): Promise<number> {
  if (!args.budget) throw new UsageError('check needs --budget FILE');
  const budget = readBudgetFile(args.budget, compileBudgetSchema(join(packageRoot(), 'profiles')));
  const profiles = loadProfiles({ profilesDir: join(packageRoot(), 'profiles'), workspaceDir: process.cwd() });
  const files = args.files.length ? args.files : [...new Set(budget.budgets.map((b) => b.file))];
  const parser = await SourceParser.load(join(packageRoot(), 'grammars'));
  const counted = { ...args, precision: budget.precision ?? args.precision };
  const report: Report = {
    schema: 'wattlens.report/1',
    hardware: null,
    precision: counted.precision,
    files: expandInputs(files).map((f) => analyzeInput(parser, f, counted)),
  };
  const result = checkBudget(report, budget, (id) => getProfile(profiles, id));
  process.stdout.write(result.table);
  return result.passed ? 0 : 1;
}

/** Errors that describe the user's input (shown without a class name); anything else is a bug. */
const USER_ERRORS = new Set([
  'UnsupportedPrecisionError',
  'UnknownRegionError',
  'UnknownProfileError',
  'BudgetError',
  'ProfileError',
  'PueError',
  'RunnerError',
]);

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: Error) => {
    process.stderr.write(
      `wattlens: ${e instanceof UsageError || USER_ERRORS.has(e.name) ? '' : `${e.name}: `}${e.message}\n`,
    );
    process.exitCode = 2;
  },
);
