// Differential corpus: every model in test/fixtures/pytorch and examples/ must be analysed to torch's own figures
// (params identical, MACs within 1%), as written in its `# expect:` header by write_expectations.py.
// When torch is importable, the headers are also checked against a live torch run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { analyze, repoRoot } from '../helpers/analyzer';
import { compareReport, countWithTorch, parseExpectations, torchUnavailable } from './harness';

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
    return { path, rel: relative(repoRoot, path), source, expected: parseExpectations(source) };
  });

test('the corpus has at least 28 models, each with torch expectations', () => {
  assert.ok(fixtures.length >= 28, `only ${fixtures.length} fixtures`);
  for (const f of fixtures) assert.ok(f.expected.length > 0, `${f.rel} has no "# expect:" line`);
});

for (const f of fixtures) {
  test(`analyser matches torch: ${f.rel}`, async () => {
    const report = await analyze(f.source, { file: f.rel });
    const problems = compareReport(report, f.expected);
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
  });
  assert.deepEqual(
    drift,
    [],
    `stale expectations (rerun test/differential/write_expectations.py):\n  ${drift.join('\n  ')}`,
  );
});
