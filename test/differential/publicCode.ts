// The public-code differential corpus: every torchvision model builder and torchvision's and
// torchaudio's source read from the installed packages, the public-style files of
// test/fixtures/public and the workspace fixture, each analysed the way the CLI analyses a file of
// a workspace, and classified against what real PyTorch counted: exact, unknown (null with a
// reason) or wrong. Shared by public.test.ts and measurePublic.ts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { analyze, repoRoot } from '../helpers/analyzer';
import { diskFiles } from '../../server/src/core/interpreter/python/imports/moduleFinder';
import type { FileReport, ModelReport } from '../../server/src/core/report/types';
import { MAC_TOLERANCE, parseExpectations, python, relativeError, type Expected } from './harness';
import { pythonEnvironment } from '../../server/src/core/interpreter/python/imports/pythonEnvironment';

/** One case: a source analysed as `file` (a real path: its folder is the script folder), and what torch counted. */
export interface PublicCase {
  id: string;
  file: string;
  source: string;
  expected: Expected[];
  /** Why torch itself could not count it (the case is then left out). */
  torchError?: string;
  workspaceRoot: string;
}

/** How the analyser did on one expected root. */
export type Outcome =
  | { kind: 'exact' }
  | { kind: 'unknown'; reason: string }
  | { kind: 'wrong'; detail: string }
  | { kind: 'missing'; detail: string };

interface LibraryCase {
  name: string;
  source: string;
  params: number | null;
  macs: number | null;
  error?: string;
}

/** The installed-library cases of `<package>.expected.json` (torchvision, torchaudio). */
export function libraryCases(pkg: 'torchvision' | 'torchaudio'): PublicCase[] {
  const path = join(__dirname, `${pkg}.expected.json`);
  if (!existsSync(path)) return [];
  const data = JSON.parse(readFileSync(path, 'utf8')) as { cases: LibraryCase[] };
  const folder = join(repoRoot, 'test', 'fixtures', 'public');
  return data.cases.map((c) => ({
    id: `${pkg}/${c.name}`,
    file: join(folder, `${pkg}_${c.name}.py`),
    source: c.source,
    expected: c.params === null || c.macs === null ? [] : [{ name: 'model', params: c.params, macs: c.macs }],
    torchError: c.error,
    workspaceRoot: folder,
  }));
}

/** The public-style files and the workspace script, with their `# expect:` lines. */
export function fileCases(): PublicCase[] {
  const publicDir = join(repoRoot, 'test', 'fixtures', 'public');
  const workspace = join(repoRoot, 'test', 'fixtures', 'workspace');
  const files = [
    ...readdirSync(publicDir)
      .filter((f) => f.endsWith('.py'))
      .sort()
      .map((f) => ({ file: join(publicDir, f), root: publicDir })),
    { file: join(workspace, 'train.py'), root: workspace },
  ];
  return files.map(({ file, root }) => {
    const source = readFileSync(file, 'utf8');
    return { id: relative(repoRoot, file), file, source, expected: parseExpectations(source), workspaceRoot: root };
  });
}

/** The library folders of the Python that has torch (WATTLENS_PYTHON, else /usr/bin/python3). */
export function libraryPaths(): string[] {
  return pythonEnvironment(python, []).libraryPaths;
}

/** Analyses a case as a file of its workspace, with the Python environment's libraries importable. */
export async function analyzeCase(c: PublicCase, libraries: string[]): Promise<FileReport> {
  return analyze(c.source, {
    file: c.file,
    imports: { files: diskFiles(), paths: { workspaceRoots: [c.workspaceRoot], libraryPaths: libraries } },
  });
}

/** Classifies the analyser's root of that name against torch's figures. */
export function classify(report: FileReport, expected: Expected, used: Set<ModelReport>): Outcome {
  const roots = report.models.filter((m) => m.root && !used.has(m));
  const got = roots.find((m) => m.name === expected.name) ?? (roots.length === 1 ? roots[0] : undefined);
  if (!got) {
    const names = report.models.filter((m) => m.root).map((m) => m.name);
    const why = report.diagnostics[0]?.message ?? 'no diagnostic';
    return { kind: 'missing', detail: `no root model ${expected.name} (roots: ${names.join(', ') || 'none'}; ${why})` };
  }
  used.add(got);
  const { params, macs } = got.totals;
  const reason = got.unresolved[0]
    ? `line ${got.unresolved[0].range.start.line + 1}: ${got.unresolved[0].reason}`
    : 'no reason given';
  if (params !== null && params !== expected.params)
    return { kind: 'wrong', detail: `params ${params} != torch ${expected.params}` };
  if (macs !== null && relativeError(macs, expected.macs) > MAC_TOLERANCE)
    return { kind: 'wrong', detail: `macs ${macs} != torch ${expected.macs}` };
  if (params === null || macs === null) {
    if (!got.unresolved.length) return { kind: 'wrong', detail: 'null totals without a reason' };
    return { kind: 'unknown', reason };
  }
  return { kind: 'exact' };
}

/** Every case's outcome (one per expected root), in a stable order. */
export async function measure(cases: PublicCase[], libraries: string[]): Promise<Map<string, Outcome>> {
  const out = new Map<string, Outcome>();
  for (const c of cases) {
    if (c.torchError || !c.expected.length) continue;
    const report = await analyzeCase(c, libraries);
    const used = new Set<ModelReport>();
    c.expected.forEach((e, i) => out.set(c.expected.length > 1 ? `${c.id}#${i}` : c.id, classify(report, e, used)));
  }
  return out;
}

/** Counts by kind. */
export function tally(outcomes: Map<string, Outcome>): Record<Outcome['kind'], number> {
  const counts = { exact: 0, unknown: 0, wrong: 0, missing: 0 };
  for (const o of outcomes.values()) counts[o.kind]++;
  return counts;
}
