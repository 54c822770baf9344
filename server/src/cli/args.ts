// Command-line parsing for `wattlens`: the command, file arguments and --flags, with a clear
// message (exit 2) for anything malformed.
import { parseShapes } from '../core/analysis/declaredInputs';
import type { Precision } from '../core/report/types';

/** A usage error: printed as one line on stderr, exit code 2. */
export class UsageError extends Error {}

/** Parsed command line. */
export interface CliArgs {
  command: string;
  files: string[];
  format: 'table' | 'json' | 'csv';
  hardware?: string;
  precision: Precision;
  batch?: number;
  input?: number[][];
  region?: string;
  pue?: number;
  budget?: string;
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
  '--ep',
  '--model',
  '--python',
  '--timeout',
  '--export-dir',
]);
const BOOLEAN_FLAGS = new Set(['--calibrate', '--exact', '--no-export']);
const PROVIDERS = ['auto', 'cpu', 'cuda', 'webgpu', 'dml', 'coreml'];
const PRECISIONS: Precision[] = ['fp32', 'tf32', 'fp16', 'bf16', 'fp8', 'int8'];

/** Parses argv (without node and the script path). */
export function parseArgs(argv: string[]): CliArgs {
  const [command = 'help', ...rest] = argv;
  const flags = new Map<string, string>();
  const files: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const [name, inline] = a.startsWith('--') ? a.split(/=(.*)/s, 2) : [a, undefined];
    if (!a.startsWith('--')) files.push(a);
    else if (BOOLEAN_FLAGS.has(name) && inline === undefined) flags.set(name, 'true');
    else if (!FLAGS_WITH_VALUES.has(name)) throw new UsageError(`unknown option ${name}`);
    else if (inline !== undefined) flags.set(name, inline);
    else if (i + 1 < rest.length) flags.set(name, rest[++i]);
    else throw new UsageError(`${name} needs a value`);
  }
  return {
    command,
    files,
    format: oneOf(flags.get('--format') ?? 'table', ['table', 'json', 'csv'], '--format') as CliArgs['format'],
    hardware: flags.get('--hardware'),
    precision: oneOf(flags.get('--precision') ?? 'fp32', PRECISIONS, '--precision') as Precision,
    batch: positiveInt(flags.get('--batch'), '--batch'),
    input: flags.has('--input') ? inputShapes(flags.get('--input')!) : undefined,
    region: flags.get('--region'),
    pue: flags.has('--pue') ? positiveNumber(flags.get('--pue')!, '--pue') : undefined,
    budget: flags.get('--budget'),
    ep: oneOf(flags.get('--ep') ?? 'auto', PROVIDERS, '--ep') as CliArgs['ep'],
    model: flags.get('--model'),
    exact: flags.has('--exact'),
    python: flags.get('--python'),
    calibrate: flags.has('--calibrate'),
    timeoutSeconds: flags.has('--timeout') ? positiveNumber(flags.get('--timeout')!, '--timeout') : undefined,
    exportDir: flags.get('--export-dir'),
    noExport: flags.has('--no-export'),
  };
}

function oneOf(value: string, allowed: string[], flag: string): string {
  if (!allowed.includes(value)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}; got '${value}'`);
  return value;
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive integer; got '${value}'`);
  return n;
}

function positiveNumber(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number; got '${value}'`);
  return n;
}

function inputShapes(value: string): number[][] {
  const shapes = parseShapes(value);
  if (!shapes) throw new UsageError(`--input must be a shape such as 1,3,224,224 or (1,10),(1,12); got '${value}'`);
  return shapes;
}
