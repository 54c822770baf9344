// The parser loads grammars from the folder passed in, mirrors trees, and re-parses incrementally.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadParser, repoRoot } from '../helpers/analyzer';

test('grammar versions are recorded beside the wasm files and match the installed packages', () => {
  const versions = JSON.parse(readFileSync(join(repoRoot, 'grammars', 'versions.json'), 'utf8'));
  for (const entry of Object.values(versions) as { package: string; version: string }[]) {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'node_modules', entry.package, 'package.json'), 'utf8'));
    assert.equal(entry.version, pkg.version);
  }
});

test('an edit re-parses incrementally to the same tree as a fresh parse', async () => {
  const parser = await loadParser();
  const before = 'import torch.nn as nn\nlayer = nn.Linear(4, 8)\n';
  const after = 'import torch.nn as nn\nlayer = nn.Linear(16, 8)\n';
  const old = parser.parse(before, 'python');
  const start = before.indexOf('4,');
  const next = parser.reparse(old, after, {
    startIndex: start,
    oldEndIndex: start + 1,
    newEndIndex: start + 2,
    startPosition: { row: 1, column: 18 },
    oldEndPosition: { row: 1, column: 19 },
    newEndPosition: { row: 1, column: 20 },
  });
  const fresh = parser.parse(after, 'python');
  assert.equal(JSON.stringify(next.root), JSON.stringify(fresh.root));
  assert.equal(next.tree.rootNode.hasError, false);
});

test('TypeScript parses with its own grammar', async () => {
  const parser = await loadParser();
  const r = parser.parse('const model = tf.sequential();\n', 'typescript');
  assert.equal(r.root.type, 'program');
});

test('non-ASCII text keeps names and columns right (indexes are UTF-16 units, as LSP positions are)', async () => {
  const parser = await loadParser();
  const src = '# modèle · 😀\nréseau = 1\n';
  const r = parser.parse(src, 'python');
  const assignment = r.root.children[1].children[0];
  const name = assignment.children[0];
  assert.equal(name.text, 'réseau');
  assert.deepEqual(name.range.start, { line: 1, character: 0 });
  assert.equal(assignment.children.at(-1)!.range.start.character, 'réseau = '.length);
});
