// Shared plumbing of the differential tests: run count_torch.py (real PyTorch) in one batch, read
// a fixture's `# expect:` lines (per root, and per source line), and compare an analyser FileReport
// with torch's figures: totals, and which line each cost lands on.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { FileReport, LayerReport, ModelReport } from '../../server/src/core/report/types';
import { layerLines } from '../../server/src/ide/hints/layerIndex';

/** The Python that has torch (Debian's python3-torch); override with WATTLENS_PYTHON. */
export const python = process.env.WATTLENS_PYTHON ?? '/usr/bin/python3';
export const counterScript = join(__dirname, 'count_torch.py');

/** Relative tolerance on MACs; params must be identical. */
export const MAC_TOLERANCE = 0.01;

/** One root's expected figures (from torch, or from a fixture's header). */
export interface Expected {
  name: string;
  params: number;
  macs: number;
}

/** One root invocation as count_torch.py reports it. */
export interface TorchRoot extends Expected {
  className: string;
  variable: string | null;
  inputShapes: unknown[];
  ops: Record<string, number>;
  /** What lands on each 1-based source line (count_torch.py says how). */
  lines: Record<string, LineFigures>;
}

export interface TorchFile {
  file: string;
  roots: TorchRoot[];
  error?: string;
}

/** Either a path or an in-memory source under a display name. */
export type CounterItem = string | { file: string; source: string };

let torchCheck: string | null | undefined;

/** null when torch imports, else the reason it does not (checked once per process). */
export function torchUnavailable(): string | null {
  if (torchCheck === undefined) {
    const r = spawnSync(python, ['-c', 'import torch; from torch.utils._python_dispatch import TorchDispatchMode'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    torchCheck =
      r.status === 0
        ? null
        : `torch is not importable by ${python} (${(r.error?.message ?? r.stderr ?? '').trim().split('\n').pop()}); ` +
          'install it with `apt-get install -y python3-torch` or point WATTLENS_PYTHON at a Python with torch';
  }
  return torchCheck;
}

/** Runs count_torch.py once over all items (one torch import) and returns its per-file results. */
export function countWithTorch(items: CounterItem[], timeoutMs = 600_000): TorchFile[] {
  const r = spawnSync(python, [counterScript], {
    input: JSON.stringify(items),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: timeoutMs,
    env: { ...process.env, OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '1' },
  });
  if (r.status !== 0) {
    throw new Error(`count_torch.py failed (status ${r.status}${r.error ? `, ${r.error.message}` : ''}):\n${r.stderr}`);
  }
  return JSON.parse(r.stdout) as TorchFile[];
}

const EXPECT_LINE = /^# expect: (\S+) params=(\d+) macs=(\d+)\s*$/gm;

/** The `# expect: <name> params=<int> macs=<int>` lines of a fixture, in order. */
export function parseExpectations(source: string): Expected[] {
  return [...source.matchAll(EXPECT_LINE)].map((m) => ({ name: m[1], params: Number(m[2]), macs: Number(m[3]) }));
}

/** Relative difference, 0 when both are 0. */
export function relativeError(actual: number, expected: number): number {
  if (expected === 0) return actual === 0 ? 0 : Infinity;
  return Math.abs(actual - expected) / Math.abs(expected);
}

/** The analyser's root model for each expected root, by name; roots of one name are matched in the order they ran. */
function matchRoots(report: FileReport, expected: Expected[]): (ModelReport | undefined)[] {
  const roots = report.models.filter((m) => m.root);
  const used = new Set<object>();
  return expected.map((want) => {
    const got = roots.find((m) => m.name === want.name && !used.has(m));
    if (got) used.add(got);
    return got;
  });
}

/**
 * Problems (empty when it agrees) between the analyser's root models and the expected roots:
 * each expected root must be a `root: true` model of that name with identical params and MACs
 * within MAC_TOLERANCE.
 */
export function compareReport(report: FileReport, expected: Expected[]): string[] {
  const roots = report.models.filter((m) => m.root);
  const matched = matchRoots(report, expected);
  const problems: string[] = [];
  for (const [i, want] of expected.entries()) {
    const got = matched[i];
    if (!got) {
      const names = roots.map((m) => m.name).join(', ') || 'none';
      problems.push(`${want.name}: no root model of that name (analyser roots: ${names})`);
      continue;
    }
    const { params, macs } = got.totals;
    const why = got.unresolved
      .slice(0, 3)
      .map((u) => `line ${u.range.start.line + 1}: ${u.reason}`)
      .join('; ');
    if (params !== want.params) {
      problems.push(
        `${want.name}: params ${params} != torch ${want.params}${params === null && why ? ` (${why})` : ''}`,
      );
    }
    if (macs === null || relativeError(macs, want.macs) > MAC_TOLERANCE) {
      const err =
        macs === null ? (why ? ` (${why})` : '') : ` (${(100 * relativeError(macs, want.macs)).toFixed(2)}% off)`;
      problems.push(`${want.name}: macs ${macs} != torch ${want.macs}${err}`);
    }
  }
  return problems;
}

/** What lands on one source line: the MACs and layer calls placed there, and the parameters of the layers built there. */
export interface LineFigures {
  macs: number | null;
  params: number | null;
  calls: number;
}

const LINE_EXPECT = /#\s*expect: macs=(\d+) params=(\d+) calls=(\d+)\s*$/;

/** A fixture's per-line expectations (`code  # expect: macs=<int> params=<int> calls=<int>`), by 0-based line. */
export function parseLineExpectations(source: string): Map<number, LineFigures> {
  const out = new Map<number, LineFigures>();
  source.split('\n').forEach((line, i) => {
    const m = line.trimStart().startsWith('#') ? null : LINE_EXPECT.exec(line);
    if (m) out.set(i, { macs: Number(m[1]), params: Number(m[2]), calls: Number(m[3]) });
  });
  return out;
}

/**
 * Where the analyser's costs land, by 0-based line, over `models` in order, by the rule the editor's
 * hints follow (layerLines: a row on the last line of its definition and of its call): MACs of the
 * rows placed on a line, calls of layers (rows with a call) placed there, and the parameters of the
 * layers defined there (once per layer path). A line belongs to the first model that places a row on it.
 */
export function lineFiguresOf(models: ModelReport[]): Map<number, LineFigures> {
  const owner = new Map<number, ModelReport>();
  const out = new Map<number, LineFigures>();
  const paramsCounted = new Set<string>();
  const add = (row: LayerReport, line: number, model: ModelReport) => {
    if (!owner.has(line)) owner.set(line, model);
    if (owner.get(line) !== model) return;
    const figures = out.get(line) ?? { macs: 0, params: 0, calls: 0 };
    figures.macs = figures.macs === null || row.macs === null ? null : figures.macs + row.macs;
    if (row.callRange) figures.calls++;
    const key = `${models.indexOf(model)}:${row.path}`;
    if (line === row.range.end.line && !paramsCounted.has(key)) {
      paramsCounted.add(key);
      figures.params = figures.params === null || row.params === null ? null : figures.params + row.params;
    }
    out.set(line, figures);
  };
  for (const model of models) for (const row of model.layers) for (const line of layerLines(row)) add(row, line, model);
  return out;
}

/**
 * Problems between the per-line expectations and where the analyser puts costs on the expected roots:
 * every expected line must carry the same params and calls and MACs within MAC_TOLERANCE, and every
 * line where the analyser puts MACs, parameters or layer calls must be expected.
 */
export function compareLines(report: FileReport, roots: Expected[], expected: Map<number, LineFigures>): string[] {
  const models = matchRoots(report, roots).filter((m): m is ModelReport => m !== undefined);
  const got = lineFiguresOf(models);
  const show = (f: LineFigures | undefined) => (f ? `macs=${f.macs} params=${f.params} calls=${f.calls}` : 'nothing');
  const problems: string[] = [];
  const lines = [...new Set([...expected.keys(), ...got.keys()])].sort((a, b) => a - b);
  for (const line of lines) {
    const want = expected.get(line);
    const have = got.get(line);
    const empty = !have || (have.macs === 0 && have.params === 0 && have.calls === 0);
    if (!want && empty) continue;
    const agrees =
      want &&
      have &&
      have.params === want.params &&
      have.calls === want.calls &&
      have.macs !== null &&
      relativeError(have.macs, want.macs!) <= MAC_TOLERANCE;
    if (!agrees) problems.push(`line ${line + 1}: torch puts ${show(want)}, the analyser ${show(have)}`);
  }
  return problems;
}
