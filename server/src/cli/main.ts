// The `wattlens` command line: analyze, profiles, check. It locates the grammars and profiles
// beside the bundle and passes their paths to the core, which never guesses them; advice comes
// from the ide/ layer, the same list the editor shows.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve, extname } from 'node:path';
import { SourceParser } from '../core/parse/parser';
import { analyzeSource } from '../core/analysis/analyzeSource';
import { diskFiles, pythonEnvironment, type ImportOptions } from '../core/analysis/imports';
import { analyzeTypeScript } from '../core/analysis/analyzeTfjs';
import { parseNotebook, analyzeCells, NotebookError, type CellAnalyzeOptions } from '../core/analysis/notebook';
import type { Report, FileReport, Precision } from '../core/report/types';
import { loadModelCatalog, type ModelCatalog } from '../core/catalog/modelCatalog';
import { HfConfigResolver } from '../core/catalog/hfCache';
import {
  loadProfiles,
  getProfile,
  listProfiles,
  applyEnergy,
  compileBudgetSchema,
  readBudgetFile,
  checkBudget,
  resolvePrecision,
  withWorkspaceCalibration,
  type LoadedProfile,
  type ProfileSet,
} from '../core/energy';
import { parseArgs, UsageError, type CliArgs } from './args';
import { expandInputs, workspaceOf, type InputFile } from './inputs';
import { formatTable } from './format/table';
import { formatCsv } from './format/csv';
import { fileAdvice } from './advice';
import { memoryNeed, memoryOptionsOf } from '../core/energy/memoryFit';
import { memoryMessage } from '../ide/advice/memoryFit';
import { profileCommand } from './profile';
import type { AdviceItem } from '../ide/advice/advice';

/** The profile used when --hardware is not given. */
export const DEFAULT_HARDWARE = 'nvidia-t4';

const USAGE = `wattlens — energy-aware analysis of ML model code

usage:
  wattlens analyze FILE_OR_DIR... [options]   per-layer params, MACs, FLOPs, time, energy, CO2e
  wattlens check --budget wattlens.budget.json [FILE...] [--hardware ID] [--format table|json]
                                              exit 1 when a model exceeds its budget
  wattlens profiles                           list hardware profiles with their key figures
  wattlens profile FILE [--ep auto|cpu|cuda|webgpu] [--hardware ID] [--format table|json]
                   [--calibrate] [--model NAME] [--exact [--python PATH]] [--input ...]
                   [--batch N] [--timeout SECONDS] [--export-dir DIR | --no-export]
                                              measure a .py / .ipynb model (or a .onnx file) with
                                              onnxruntime on this machine, beside the estimate
  wattlens --version                          print the version

  wattlens COMMAND --help                     the options of a command
`;

const ANALYZE_HELP = `usage: wattlens analyze FILE_OR_DIR... [options]

Analyses PyTorch / Keras (.py), notebooks (.ipynb) and TF.js (.ts, .js) without running them.
Model totals are per forward pass (one call on the input, a batch of N samples) and per sample.

options:
  --hardware ID          hardware profile (default ${DEFAULT_HARDWARE}; ids are case-insensitive; see wattlens profiles)
  --precision P          fp32 | tf32 | fp16 | bf16 | fp8 | int8 where the code states none
                         (default: the device's native precision, fp32 where it has one)
  --batch N              batch size: the first dimension of every model input
  --input 1,3,224,224    input shape(s) overriding what the file builds
  --region CC            ISO 3166 country code for the grid's carbon intensity (default: world average)
  --pue X                facility power usage effectiveness, 1.0 to 5.0 (default 1.0)
  --python PATH|none     the Python whose installed libraries imports read from source (default:
                         WATTLENS_PYTHON, a .venv in the project, else python3 on PATH); none reads none.
                         Imports of the project's own modules are always followed.
  --format table|json|csv
  --top N                list the N layers that take the most energy per model (default 5, 0 for none)
  --advice               the advice the editor offers (diagnostics and code actions with their prices);
                         in the JSON report as "advice" per file
  -h, --help             this help
`;

const CHECK_HELP = `usage: wattlens check --budget wattlens.budget.json [FILE...] [options]

Checks each budget entry (only the entries of the files named, when files are named) and exits 1
when one fails. A model whose figure is unknown, or whose trace stopped, fails.

options:
  --budget FILE          the budget file (profiles/budget.schema.json)
  --hardware ID          check on this profile instead of the budget's own
  --format table|json    a table (default) or the rows as JSON
  -h, --help             this help
`;

const PROFILES_HELP = `usage: wattlens profiles

Lists the built-in hardware profiles and those of the workspace (.wattlens/profiles/*.json).
`;

/** Where the bundle's data lives: dist/../grammars and dist/../profiles. */
function packageRoot(): string {
  return resolve(__dirname, '..');
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-V' || argv[0] === 'version') return version();
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') return say(USAGE, 0);
  const args = parseArgs(argv);
  switch (args.command) {
    case 'usage':
      process.stderr.write(USAGE);
      return 2;
    case 'analyze':
      return args.help ? say(ANALYZE_HELP, 0) : analyzeCommand(args);
    case 'profiles':
      return args.help ? say(PROFILES_HELP, 0) : profilesCommand(args);
    case 'check':
      return args.help ? say(CHECK_HELP, 0) : checkCommand(args);
    case 'profile':
      return args.help ? say(USAGE, 0) : profileCommand(args, packageRoot(), modelCatalog);
    default:
      throw new UsageError(`unknown command '${args.command}' (try: wattlens --help)`);
  }
}

function say(text: string, code: number): number {
  process.stdout.write(text);
  return code;
}

function version(): number {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return say(`wattlens ${pkg.version}\n`, 0);
}

/** Profiles: the built-in ones and those of the workspace of the first input (else the current directory). */
function profileSet(files: string[]): ProfileSet {
  const workspaceDir = (files.length ? workspaceOf(files[0]) : undefined) ?? process.cwd();
  const set = loadProfiles({ profilesDir: join(packageRoot(), 'profiles'), workspaceDir });
  for (const error of set.errors) process.stderr.write(`wattlens: ignoring profile ${error.message}\n`);
  return set;
}

/**
 * The profile and precision a run uses, with a note when the precision was the device's native one.
 * A calibration that `wattlens profile --calibrate` wrote for the profile in the workspace applies.
 */
function target(
  args: CliArgs,
  profiles: ProfileSet,
): { profile: LoadedProfile; precision: Precision; note: string | null } {
  const workspaceDir = (args.files.length ? workspaceOf(args.files[0]) : undefined) ?? process.cwd();
  const { profile } = withWorkspaceCalibration(getProfile(profiles, args.hardware ?? DEFAULT_HARDWARE), workspaceDir);
  const { precision, note } = resolvePrecision(profile, args.precision);
  return { profile, precision, note };
}

/** Reads, analyses and estimates every file; returns the report and whether a named input was unusable. */
async function buildReport(
  args: CliArgs,
): Promise<{ report: Report; bad: boolean; advice?: Map<string, AdviceItem[]> }> {
  if (args.files.length === 0) throw new UsageError('no input files (usage: wattlens analyze FILE...)');
  const profiles = profileSet(args.files);
  const { profile, precision, note } = target(args, profiles);
  const inputs = expandInputs(args.files);
  const parser = await SourceParser.load(join(packageRoot(), 'grammars'));
  const counted = { ...args, precision };
  const files: FileReport[] = inputs.map((input) => analyzeInput(parser, input, counted));
  // A file named on the command line that cannot be read is bad usage (exit 2): alone, it is the one-line
  // message; in a list, it is reported in its place, the others are analysed, and the exit code says so.
  const failed = files.filter(
    (fileReport, index) => !inputs[index].walked && fileReport.diagnostics[0]?.code === 'unreadable',
  );
  if (failed.length && inputs.length === 1) throw new UsageError(failed[0].diagnostics[0].message);
  const report: Report = { schema: 'wattlens.report/1', hardware: null, precision, files };
  const estimated = applyEnergy(report, { profile, precision, region: args.region, pue: args.pue, batch: args.batch });
  if (note) estimated.assumptions = { ...estimated.assumptions, precisionChoice: note };
  addMemory(estimated, inputs, profile, precision);
  for (const unread of failed) process.stderr.write(`wattlens: ${unread.diagnostics[0].message}\n`);
  const bad = failed.length > 0;
  if (!args.advice) return { report: estimated, bad };
  const advice = new Map<string, AdviceItem[]>();
  const options = { profile, precision, region: args.region ?? null, pue: args.pue ?? 1, batch: args.batch ?? null };
  for (const [index, input] of inputs.entries())
    if (files[index].diagnostics[0]?.code !== 'unreadable')
      advice.set(
        input.path,
        fileAdvice(parser, input.path, { ...options, input: args.input, catalog: modelCatalog() }),
      );
  return { report: estimated, bad, advice };
}

/**
 * Each root model's memory need on the profile (weights, activations, KV cache, training state) in
 * the JSON (`memory`), and the editor's warning text when it does not fit (`memory.message`).
 */
function addMemory(report: Report, inputs: InputFile[], profile: LoadedProfile, precision: Precision): void {
  report.files.forEach((file, i) => {
    let text: string | undefined;
    try {
      text = readFileSync(inputs[i].path, 'utf8');
    } catch {
      text = undefined;
    }
    for (const model of file.models.filter((m) => m.root)) {
      const need = memoryNeed(model, profile, memoryOptionsOf(model, file, precision, modelCatalog(), text));
      if (need.totalBytes === null) continue;
      const message = memoryMessage(model, need, profile, precision);
      Object.assign(model, { memory: { ...need, ...(message ? { message } : {}) } });
    }
  });
}

/** One input: a file that cannot be read (or a walk's problem) is reported in its place and the rest go on. */
function analyzeInput(parser: SourceParser, input: InputFile, args: CliArgs & { precision: Precision }): FileReport {
  const unreadable = (message: string): FileReport => {
    const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    return { file: input.path, models: [], diagnostics: [{ range, severity: 'error', code: 'unreadable', message }] };
  };
  if (input.problem) return unreadable(`${input.path}: ${input.problem}`);
  try {
    return analyzeFile(parser, input.path, args);
  } catch (error) {
    if (error instanceof UsageError) return unreadable(error.message);
    const code = (error as NodeJS.ErrnoException).code;
    if (code) return unreadable(`${input.path}: cannot be read (${code})`);
    throw error;
  }
}

/** Extensions analysed as TensorFlow.js (TypeScript grammar; .tsx/.jsx with the TSX one). */
const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.jsx']);

function analyzeFile(parser: SourceParser, file: string, args: CliArgs & { precision: Precision }): FileReport {
  const ext = extname(file).toLowerCase();
  const common = {
    file,
    input: args.input,
    inputDtypes: args.inputDtypes,
    batch: args.batch,
    precision: args.precision,
    configResolver,
    baseDir: dirname(resolve(file)),
  };
  if (ext === '.ipynb') return analyzeNotebookFile(parser, file, { ...common, catalog: modelCatalog() });
  if (TS_EXTENSIONS.has(ext)) {
    const language = ext === '.tsx' || ext === '.jsx' ? 'tsx' : 'typescript';
    return analyzeTypeScript(parser, readFileSync(file, 'utf8'), { ...common, language });
  }
  if (ext !== '.py')
    throw new UsageError(
      `${file}: only Python (.py), notebooks (.ipynb) and TypeScript/JavaScript (.ts, .tsx, .js, .mjs, .cjs) are analysed`,
    );
  return analyzeSource(parser, readFileSync(file, 'utf8'), {
    ...common,
    catalog: modelCatalog(),
    imports: importsFor(file, args),
  });
}

/**
 * Where a script's imports are found: its project (the nearest folder above it with .git,
 * pyproject.toml, setup.py or setup.cfg, else its own folder, with `src/`) and the site-packages
 * of `--python` (else WATTLENS_PYTHON, a .venv in the project, or python3 on PATH); `--python none`
 * reads no installed library, which then comes from the catalog.
 */
function importsFor(file: string, args: CliArgs): ImportOptions {
  const root = projectRoot(resolve(file));
  const python = args.python ?? process.env.WATTLENS_PYTHON;
  const libraryPaths = python === 'none' ? [] : pythonEnvironment(python, [root]).libraryPaths;
  return { files: diskFiles(), paths: { workspaceRoots: [root], libraryPaths }, scriptPath: resolve(file) };
}

function projectRoot(file: string): string {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (['.git', 'pyproject.toml', 'setup.py', 'setup.cfg'].some((m) => existsSync(join(dir, m)))) return dir;
    if (dirname(dir) === dir) return dirname(file);
  }
}

/** A .ipynb file: its code cells analysed in order; a malformed notebook is reported with where it broke. */
function analyzeNotebookFile(parser: SourceParser, file: string, options: CellAnalyzeOptions): FileReport {
  try {
    const notebook = parseNotebook(readFileSync(file, 'utf8'), file);
    return analyzeCells(parser, notebook.cells, { ...options, language: notebook.language });
  } catch (error) {
    if (error instanceof NotebookError) throw new UsageError(error.message);
    throw error;
  }
}

let catalog: ModelCatalog | undefined;
/** config.json files found on disk for Hugging Face loads, read once per path and mtime. */
const configResolver = new HfConfigResolver();

/** The pretrained-checkpoint and dataset catalogs beside the bundle (profiles/models/, profiles/datasets.json), loaded once. */
export function modelCatalog(): ModelCatalog {
  catalog ??= loadModelCatalog(
    join(packageRoot(), 'profiles', 'models'),
    join(packageRoot(), 'profiles', 'datasets.json'),
  );
  return catalog;
}

async function analyzeCommand(args: CliArgs): Promise<number> {
  const { report, bad, advice } = await buildReport(args);
  const withAdvice = advice
    ? {
        ...report,
        files: report.files.map((fileReport) => ({ ...fileReport, advice: advice.get(fileReport.file) ?? [] })),
      }
    : report;
  const out =
    args.format === 'json'
      ? JSON.stringify(withAdvice, null, 2) + '\n'
      : args.format === 'csv'
        ? formatCsv(report)
        : formatTable(report, { top: args.top, advice });
  process.stdout.write(out);
  return bad ? 2 : 0;
}

function profilesCommand(args: CliArgs): number {
  const set = profileSet(args.files);
  for (const profile of listProfiles(set)) {
    const peaks = Object.entries(profile.peak ?? {})
      .map(([precision, peak]) => `${precision} ${figure(peak)} ${precision === 'int8' ? 'TOPS' : 'TFLOP/s'}`)
      .join(', ');
    process.stdout.write(
      `${profile.id.padEnd(26)} ${profile.name}\n${''.padEnd(27)}${profile.kind}; ${peaks}; memory ${figure(profile.memory?.bandwidthGBps)} GB/s; max ${figure(profile.power?.maxW)} W\n`,
    );
  }
  return 0;
}

/** A profile figure (a number or `{ value, source }`) as a plain number. */
function figure(value: unknown): string {
  const plain =
    typeof value === 'number'
      ? value
      : value && typeof value === 'object' && 'value' in value
        ? (value as { value: number }).value
        : null;
  return plain === null ? '?' : String(Number(plain.toPrecision(4)));
}

async function checkCommand(args: CliArgs): Promise<number> {
  if (!args.budget) throw new UsageError('check needs --budget FILE (try: wattlens check --help)');
  if (args.format === 'csv') throw new UsageError('check prints a table or JSON: --format table|json');
  const budget = readBudgetFile(args.budget, compileBudgetSchema(join(packageRoot(), 'profiles')));
  const profiles = profileSet(args.files.length ? args.files : [args.budget]);
  if (args.hardware) getProfile(profiles, args.hardware);
  const named = args.files.length ? expandInputs(args.files) : [];
  const files = named.length ? named.map((f) => f.path) : [...new Set(budget.budgets.map((b) => b.file))];
  const parser = await SourceParser.load(join(packageRoot(), 'grammars'));
  const precision = budget.precision ?? args.precision;
  const counted = (p: Precision) => ({ ...args, precision: p });
  const report: Report = {
    schema: 'wattlens.report/1',
    hardware: null,
    precision: precision ?? 'fp32',
    files: expandInputs(files).map((input) => analyzeInput(parser, input, counted(precision ?? 'fp32'))),
  };
  const result = checkBudget(report, budget, (id) => getProfile(profiles, id), {
    files: named.length ? named.map((f) => f.path) : undefined,
    hardware: args.hardware,
    precision: args.precision,
  });
  process.stdout.write(args.format === 'json' ? JSON.stringify(result.json, null, 2) + '\n' : result.table);
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
  (error: Error) => {
    process.stderr.write(
      `wattlens: ${error instanceof UsageError || USER_ERRORS.has(error.name) ? '' : `${error.name}: `}${error.message}\n`,
    );
    process.exitCode = 2;
  },
);
