// Command-line parsing for `wattlens`: the command, file arguments, --flags with values and switches,
// with a clear message (exit 2) for anything malformed. Values are checked by the rules the editor's
// settings use (precision names, the PUE range), so the CLI and the settings accept the same input.
import { parseInputSpec } from '../core/analysis/declaredInputs';
import type { InputDtype as DType } from '../core/analysis/declaredInputs';
import type { Precision } from '../core/report/types';
import { PRECISIONS } from '../core/report/precision';
import { pueProblem } from '../core/energy/carbon';

/** A usage error: printed as one line on stderr, exit code 2. */
export class UsageError extends Error {}

/** Parsed command line. */
export interface CliArgs {
  command: string;
  files: string[];
  format: 'table' | 'json' | 'csv';
  hardware?: string;
  /** The precision asked for; undefined: the device's native precision (fp32 where it has one). */
  precision?: Precision;
  batch?: number;
  input?: number[][];
  /** `--input` dtypes (`:int64`), one per shape, undefined where not given. */
  inputDtypes?: (DType | undefined)[];
  region?: string;
  pue?: number;
  budget?: string;
  /** How many of the layers that dominate energy the table lists per model (0: none). */
  top: number;
  /** Whether to print (and put in the JSON) the advice the editor offers. */
  advice: boolean;
  /** `--help` / `-h` after the command. */
  help: boolean;
  /** `wattlens profile`: execution provider, one model, exact export, calibration, limits, exports. */
  ep: 'auto' | 'cpu' | 'cuda' | 'webgpu' | 'dml' | 'coreml';
  model?: string;
  exact: boolean;
  python?: string;
  calibrate: boolean;
  timeoutSeconds?: number;
  exportDir?: string;
  noExport: boolean;
}

const FLAGS_WITH_VALUES = new Set([
  '--format',
  '--hardware',
  '--precision',
  '--batch',
  '--input',
  '--region',
  '--pue',
  '--budget',
  '--top',
  '--ep',
  '--model',
  '--python',
  '--timeout',
  '--export-dir',
]);
const SWITCHES = new Set(['--advice', '--help', '-h', '--calibrate', '--exact', '--no-export']);
const PROVIDERS = ['auto', 'cpu', 'cuda', 'webgpu', 'dml', 'coreml'];

/** Parses argv (without node and the script path); an empty argv is the command `usage`. */
export function parseArgs(argv: string[]): CliArgs {
  const [command = 'usage', ...rest] = argv;
  const flags = new Map<string, string>();
  const switches = new Set<string>();
  const files: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const argument = rest[i];
    if (SWITCHES.has(argument)) {
      switches.add(argument === '-h' ? '--help' : argument);
      continue;
    }
    const [name, inline] = argument.startsWith('--') ? argument.split(/=(.*)/s, 2) : [argument, undefined];
    if (!argument.startsWith('--')) files.push(argument);
    else if (SWITCHES.has(name)) throw new UsageError(`${name} takes no value`);
    else if (!FLAGS_WITH_VALUES.has(name))
      throw new UsageError(`unknown option ${name} (try: wattlens ${command} --help)`);
    else if (inline !== undefined) flags.set(name, inline);
    else if (i + 1 < rest.length) flags.set(name, rest[++i]);
    else throw new UsageError(`${name} needs a value`);
  }
  const precision = flags.get('--precision');
  return {
    command,
    files,
    format: oneOf(flags.get('--format') ?? 'table', ['table', 'json', 'csv'], '--format') as CliArgs['format'],
    hardware: flags.get('--hardware'),
    precision:
      precision === undefined
        ? undefined
        : (oneOf(precision.toLowerCase(), [...PRECISIONS], '--precision') as Precision),
    batch: positiveInt(flags.get('--batch'), '--batch'),
    input: flags.has('--input') ? inputSpec(flags.get('--input')!).shapes : undefined,
    inputDtypes: flags.has('--input') ? inputSpec(flags.get('--input')!).dtypes : undefined,
    region: flags.get('--region'),
    pue: flags.has('--pue') ? pue(flags.get('--pue')!) : undefined,
    budget: flags.get('--budget'),
    top: flags.has('--top') ? count(flags.get('--top')!, '--top') : 5,
    advice: switches.has('--advice'),
    help: switches.has('--help'),
    ep: oneOf(flags.get('--ep') ?? 'auto', PROVIDERS, '--ep') as CliArgs['ep'],
    model: flags.get('--model'),
    exact: switches.has('--exact'),
    python: flags.get('--python'),
    calibrate: switches.has('--calibrate'),
    timeoutSeconds: flags.has('--timeout') ? positiveNumber(flags.get('--timeout')!, '--timeout') : undefined,
    exportDir: flags.get('--export-dir'),
    noExport: switches.has('--no-export'),
  };
}

function oneOf(value: string, allowed: string[], flag: string): string {
  if (!allowed.includes(value)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}; got '${value}'`);
  return value;
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0)
    throw new UsageError(`${flag} must be a positive integer; got '${value}'`);
  return parsed;
}

function positiveNumber(value: string, flag: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0)
    throw new UsageError(`${flag} must be a positive number; got '${value}'`);
  return parsed;
}

function count(value: string, flag: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new UsageError(`${flag} must be a whole number (0 for none); got '${value}'`);
  return parsed;
}

/** --pue by the rule the wattlens.pue setting uses. */
function pue(value: string): number {
  const parsed = value.trim() === '' ? NaN : Number(value);
  const problem = pueProblem(parsed);
  if (problem) throw new UsageError(`--pue: ${problem.replace(/got .*$/, `got '${value}'`)}`);
  return parsed;
}

function inputSpec(value: string): { shapes: number[][]; dtypes: (DType | undefined)[] } {
  const spec = parseInputSpec(value);
  if (spec.error !== undefined)
    throw new UsageError(
      `--input must be a shape such as 1,3,224,224, 20,35:int64 or "(1,3,224,224),(1,77):int64"; got '${value}': ${spec.error}`,
    );
  return spec;
}
