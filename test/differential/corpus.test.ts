// Differential corpus: every model in test/fixtures/pytorch and examples/ must be analysed to torch's own figures
// (params identical, MACs within 1%), as written in its `# expect:` header by write_expectations.py, and
// in test/fixtures/pytorch each cost must land on the line torch puts it on (the `# expect:` comment at
// the end of the line). When torch is importable, both are also checked against a live torch run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { analyze, repoRoot } from '../helpers/analyzer';
import {
  compareLines,
  compareReport,
  countWithTorch,
  parseExpectations,
  parseLineExpectations,
  torchUnavailable,
  type LineFigures,
  type TorchRoot,
} from './harness';

// The README's example models are part of the corpus too, so what a new user runs first is checked.
const corpusDirs = [join(repoRoot, 'test', 'fixtures', 'pytorch'), join(repoRoot, 'examples')];
const fixtures = corpusDirs
  .flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.py'))
      .map((f) => join(dir, f)),
  )
  .sort()
  .map((path) => {
    const source = readFileSync(path, 'utf8');
    const rel = relative(repoRoot, path);
    const lines = parseLineExpectations(source);
    return { path, rel, source, expected: parseExpectations(source), lines, perLine: rel.startsWith('test/') };
  });

test('the corpus has at least 28 models, each with torch expectations', () => {
  assert.ok(fixtures.length >= 28, `only ${fixtures.length} fixtures`);
  for (const f of fixtures) assert.ok(f.expected.length > 0, `${f.rel} has no "# expect:" line`);
});

test('every fixture of test/fixtures/pytorch carries per-line expectations', () => {
  for (const f of fixtures.filter((f) => f.perLine))
    assert.ok(f.lines.size > 0, `${f.rel} has no per-line expectation`);
  assert.ok(fixtures.filter((f) => f.perLine).reduce((sum, f) => sum + f.lines.size, 0) >= 400);
});

for (const f of fixtures) {
  test(`analyser matches torch: ${f.rel}`, async () => {
    const report = await analyze(f.source, { file: f.rel });
    const problems = compareReport(report, f.expected);
    if (f.perLine) problems.push(...compareLines(report, f.expected, f.lines));
    assert.deepEqual(problems, [], `${f.rel}:\n  ${problems.join('\n  ')}`);
  });
}

const noTorch = torchUnavailable();
test('inline expectations equal a live torch count', { skip: noTorch ?? false }, () => {
  const live = countWithTorch(fixtures.map((f) => f.path));
  const drift: string[] = [];
  live.forEach((result, i) => {
    const f = fixtures[i];
    if (result.error) drift.push(`${f.rel}: torch failed: ${result.error}`);
    const now = result.roots.map((r) => `${r.name} params=${r.params} macs=${r.macs}`);
    const written = f.expected.map((e) => `${e.name} params=${e.params} macs=${e.macs}`);
    if (now.join('\n') !== written.join('\n'))
      drift.push(`${f.rel}: header [${written.join('; ')}] but torch [${now.join('; ')}]`);
    if (f.perLine && !sameLines(result.roots, f.lines)) drift.push(`${f.rel}: per-line expectations differ from torch`);
  });
  assert.deepEqual(
    drift,
    [],
    `stale expectations (rerun test/differential/write_expectations.py):\n  ${drift.join('\n  ')}`,
  );
});

/** Whether torch's per-line figures (a line owned by the first root on it, lines with nothing left out) are those written. */
function sameLines(roots: TorchRoot[], written: Map<number, LineFigures>): boolean {
  const live = new Map<number, LineFigures>();
  for (const root of roots)
    for (const [line, figures] of Object.entries(root.lines))
      if (!live.has(Number(line) - 1)) live.set(Number(line) - 1, figures);
  const nonEmpty = [...live].filter(([, f]) => f.macs || f.params || f.calls);
  return (
    nonEmpty.length === written.size &&
    nonEmpty.every(([line, f]) => {
      const w = written.get(line);
      return w && w.macs === f.macs && w.params === f.params && w.calls === f.calls;
    })
  );
}
