// Large files: top-level statements are found without a syntax tree, the largest are left out with
// line numbers kept, and the report says what was left out; the models in the rest are still costed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, repoRoot } from '../helpers/analyzer';
import { topLevelChunks, reduceLargeSource, MAX_STATEMENT_CHARS } from '../../server/src/core/analysis/largeSource';

test('top-level statements: brackets, strings, decorators, else-branches and continuations stay whole', () => {
  const text = [
    '# header',
    'import torch',
    '@dec',
    '@dec2(a=[1,',
    '  2])',
    'def f(x):',
    '    s = """',
    'class Fake:',
    '"""',
    '    return x',
    'x = [1, 2,',
    '3]',
    'if x:',
    '    pass',
    'else:',
    "    y = 'a # not a comment'",
    'a = 1 + \\',
    '2',
    'class A:',
    '    pass',
    '',
  ].join('\n');
  const chunks = topLevelChunks(text).map((c) => [c.line, text.slice(c.start, c.end).split('\n')[0]]);
  assert.deepEqual(chunks, [
    [1, 'import torch'],
    [2, '@dec'],
    [10, 'x = [1, 2,'],
    [12, 'if x:'],
    [16, 'a = 1 + \\'],
    [18, 'class A:'],
  ]);
});

test('a huge statement is left out, line numbers kept, and the finding names it', () => {
  const table = `W = [${'0.5, '.repeat(MAX_STATEMENT_CHARS / 4)}]\n`;
  const text = `import torch\n${table}y = 2\n`;
  const reduced = reduceLargeSource(text, 100_000);
  assert.equal(reduced.text, 'import torch\n\ny = 2\n');
  assert.equal(reduced.finding.code, 'large-file');
  assert.match(reduced.finding.message, /1 statement over 256 KB left out \(line 2, 0\.3 MB\)/);
});

test('a model after a 6 MB weight table is still costed, on its own lines', async () => {
  const resnet = readFileSync(join(repoRoot, 'test', 'fixtures', 'pytorch', 'resnet18.py'), 'utf8');
  const table = `WEIGHTS = [\n${'    0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0,\n'.repeat(130_000)}]\n`;
  const text = `import torch\n${table}${resnet}`;
  assert.ok(text.length > 5 * 1024 * 1024);
  const r = await analyze(text);
  assert.equal(r.diagnostics[0].code, 'large-file');
  const model = r.models.find((m) => m.root);
  assert.ok(model, r.diagnostics.map((d) => d.message).join('\n'));
  assert.equal(model.totals.params, 11_689_512);
  const classLine = text.split('\n').findIndex((l) => l.startsWith(`class ${model.name}(`));
  assert.equal(model.range.start.line, classLine);
});
