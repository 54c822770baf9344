// Bad inputs real code can hold: 10,000 nested parentheses, `while True` inside forward(), and a
// model of more than 120,000 layer rows — each a located message through the CLI, exit 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/analyzer';

const cli = join(repoRoot, 'bin', 'wattlens.js');
const folder = mkdtempSync(join(tmpdir(), 'wattlens-bad-'));

function analyzeFile(name: string, text: string) {
  const file = join(folder, name);
  writeFileSync(file, text);
  return spawnSync(process.execPath, [cli, 'analyze', file, '--python', 'none'], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
    timeout: 300_000,
  });
}

test('10,000 nested parentheses: a located message, exit 0', () => {
  const r = analyzeFile('parens.py', `x = ${'('.repeat(10_000)}1${')'.repeat(10_000)}\n`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /error line 1:\d+ nesting too deep/);
});

test('while True inside forward(): the step budget stops it at the loop, exit 0', () => {
  const r = analyzeFile(
    'loop.py',
    'import torch\nimport torch.nn as nn\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(4, 4)\n    def forward(self, x):\n        while True:\n            x = self.fc(x)\n        return x\ny = M()(torch.randn(1, 4))\n',
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /warning line 8:9 analysis budget exhausted/);
  assert.match(r.stdout, /20 params · \? MACs · \? FLOPs/);
});

test('more than 120,000 layer rows print as a table, exit 0', () => {
  const r = analyzeFile(
    'rows.py',
    'import torch\nimport torch.nn as nn\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.layers = nn.ModuleList([nn.ReLU() for _ in range(125000)])\n    def forward(self, x):\n        for l in self.layers:\n            x = l(x)\n        return x\ny = M()(torch.randn(1, 4))\n',
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /layers\.124999 +ReLU/);
});
