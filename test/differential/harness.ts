// Shared plumbing of the differential tests: run count_torch.py (real PyTorch) in one batch, read
// a fixture's `# expect:` lines, and compare an analyser FileReport with torch's figures.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { FileReport } from '../../server/src/core/report/types';

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

/**
 * Problems (empty when it agrees) between the analyser's root models and the expected roots:
 * each expected root must be a `root: true` model of that name with identical params and MACs
 * within MAC_TOLERANCE.
 */
export function compareReport(report: FileReport, expected: Expected[]): string[] {
  const roots = report.models.filter((m) => m.root);
  const problems: string[] = [];
  const used = new Set<object>();
  for (const want of expected) {
    // Roots of the same name (two instances of one class) are matched in the order they ran.
    const got = roots.find((m) => m.name === want.name && !used.has(m));
    if (got) used.add(got);
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
