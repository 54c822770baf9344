// The memo of module calls (what the language server keeps per document) must never change a report:
// after every edit, an analysis that reuses earlier runs' constructions and forward passes gives exactly
// what a fresh analysis gives. Checked on the corpus, on edits typed into a deep model, and on code
// written to trip it up (mutated classes, tied weights, trees changed after construction).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadParser, repoRoot } from '../helpers/analyzer';
import { analyzeTree } from '../../server/src/core/analysis/analyzeSource';
import { memoClasses } from '../../server/src/core/analysis/memoClasses';
import { ModuleMemo } from '../../server/src/core/frameworks/torch/moduleMemo';
import { syntheticModel } from '../bench/lsp';

const OPTIONS = { file: 'model.py' };

/** Analyses each text in turn with one memo, checking each report against a fresh analysis; returns the memo. */
async function assertMemoInvisible(texts: string[], label: string): Promise<ModuleMemo> {
  const parser = await loadParser();
  const memo = new ModuleMemo();
  texts.forEach((text, step) => {
    const { root, tree } = parser.parse(text, 'python');
    try {
      memo.nextAnalysis();
      const withMemo = JSON.stringify(analyzeTree(parser, root, text, OPTIONS, memo));
      const fresh = JSON.stringify(analyzeTree(parser, root, text, OPTIONS));
      assert.equal(withMemo, fresh, `${label}, step ${step}: the memo changed the report`);
    } finally {
      tree.delete();
    }
  });
  return memo;
}

/** The text with `insert` typed one character at a time at the first occurrence of `at` after line `fromLine`: every intermediate text. */
function typed(text: string, at: string, insert: string, fromLine = 0): string[] {
  const offset = text.indexOf(at, text.split('\n').slice(0, fromLine).join('\n').length);
  assert.ok(offset >= 0, `no "${at}" in the text`);
  return Array.from(
    { length: insert.length },
    (_, i) => text.slice(0, offset) + insert.slice(0, i + 1) + text.slice(offset),
  );
}

test('corpus: three analyses with one memo each equal a fresh analysis', async () => {
  const files = ['test/fixtures/pytorch', 'examples'].flatMap((d) =>
    readdirSync(join(repoRoot, d))
      .filter((f) => f.endsWith('.py'))
      .map((f) => join(repoRoot, d, f)),
  );
  let hits = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    hits += (await assertMemoInvisible([text, text, text], file)).stats.hits;
  }
  // Many corpus models build blocks from the same class and arguments, and the second analysis adopts the first's trees.
  assert.ok(hits > 100, `only ${hits} memo hits over the corpus`);
});

test('typing arguments into one block of a deep model: every keystroke equals a fresh analysis', async () => {
  const text = syntheticModel(1200);
  // Keystrokes pass through NameErrors (`e`, `ep`), syntax errors (`eps=`) and changed layer configurations.
  const edits = typed(text, ')\n        self.conv2', ', eps=1e-3, momentum=0.2', 600);
  const memo = await assertMemoInvisible([text, ...edits, text], 'typing into a block');
  assert.ok(memo.stats.hits > 20 * edits.length, `the memo was hardly used: ${JSON.stringify(memo.stats)}`);
});

test("an edit that changes a block's output shape reaches every block after it", async () => {
  const text = `import torch
import torch.nn as nn

class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return torch.relu(self.conv(x))


class Down(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        return self.pool(x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(Block(8), Down(8), Block(8), Block(8))

    def forward(self, x):
        return self.body(x)


net = Net()
y = net(torch.randn(1, 8, 32, 32))
`;
  await assertMemoInvisible(
    [
      text,
      text.replace('nn.MaxPool2d(2)', 'nn.MaxPool2d(4)'),
      text.replace('nn.MaxPool2d(2)', 'nn.MaxPool2d(1)'),
      text,
    ],
    'output shape',
  );
});

test('trees changed after construction, tied weights, shared modules and stateful code are never replayed stale', async () => {
  const base = `import torch
import torch.nn as nn

class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.bn = nn.BatchNorm2d(c)

    def forward(self, x):
        return self.bn(self.conv(x))


class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(16, 16)
        self.b = nn.Linear(16, 16)
        self.b.weight = self.a.weight

    def forward(self, x):
        return self.b(self.a(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        shared = Block(8)
        self.blocks = nn.Sequential(Block(8), shared, shared, Block(8))
        self.tied = Tied()

    def forward(self, x):
        x = self.blocks(x)
        return self.tied(x.mean(dim=(2, 3)).repeat(1, 2))


net = Net()
`;
  const call = 'y = net(torch.randn(1, 8, 16, 16))\n';
  const mutated = `${base}net.blocks[0].conv = nn.Conv2d(8, 8, 5, padding=2)\n${call}`;
  const grown = `${base}net.blocks[3].extra = nn.Linear(4, 4)\n${call}`;
  const untied = base.replace('        self.b.weight = self.a.weight\n', '') + call;
  // Untied after construction, then that line deleted: the tree the memo kept is untied and must not be taken over.
  const untiedLater = `${base}net.tied.b.weight = nn.Parameter(torch.randn(16, 16))\n${call}`;
  await assertMemoInvisible(
    [base + call, mutated, base + call, grown, untied, base + call, untiedLater, base + call, base + call],
    'mutations',
  );
});

test('classes whose results depend on more than their text are not memoised, and stay correct', async () => {
  const text = (width: number) => `import torch
import torch.nn as nn

WIDTH = ${width}

class Uses(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(WIDTH, 4)

    def forward(self, x):
        return self.fc(x)


class Counted(nn.Module):
    made = 0

    def __init__(self):
        super().__init__()
        type(self).made += 1
        self.fc = nn.Linear(8, 8 * type(self).made)

    def forward(self, x):
        return self.fc(x)


class Lazy(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        self.seen = x.shape[-1]
        return self.fc(x)


Mutated = Lazy
a = Uses()
ya = a(torch.randn(2, WIDTH))
b = Counted()
c = Counted()
yc = c(torch.randn(2, 8))
d = Lazy()
yd = d(torch.randn(2, 8))
ye = d(torch.randn(2, 8))
`;
  await assertMemoInvisible([text(8), text(8), text(12), text(12), text(8)], 'impure classes');
});

test('eligibility: only classes whose behaviour follows from texts the key covers', async () => {
  const parser = await loadParser();
  const text = `import torch
import torch.nn as nn

SCALE = 2

def helper(c):
    return nn.Conv2d(c, c, 1)

def stateful(c, seen=[]):
    seen.append(c)
    return nn.Conv2d(c, c, 1)

class Pure(nn.Module):
    """Docstring."""
    expansion = 4

    def __init__(self, c):
        super(Pure, self).__init__()
        self.conv = helper(c)

    def forward(self, x):
        assert isinstance(self, Pure)
        return self.conv(x)

class ReadsGlobal(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(SCALE, 2)

class KeepsList(nn.Module):
    registry = []

class UsesStateful(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = stateful(4)

class Aliased(nn.Module):
    pass

class Outer(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = Pure(4)

alias = Aliased
`;
  const { root } = parser.parse(text, 'python');
  const eligible = [...memoClasses(root, text, new Map()).keys()].map((k) => k.split('@')[0]).sort();
  assert.deepEqual(eligible, ['Outer', 'Pure']);
  const outer = [...memoClasses(root, text, new Map())].find(([k]) => k.startsWith('Outer@'))![1];
  assert.ok(
    outer.key.some((k) => k.includes('class Pure')) && outer.key.some((k) => k.includes('def helper')),
    "a class's key covers what it reads",
  );
  assert.ok(
    outer.key.some((k) => k.includes('import torch.nn as nn')),
    'and the imports',
  );
  // Anything that could couple statements another way (here `global`) turns the memo off for the file.
  const coupled = `${text}\ndef g():\n    global SCALE\n    SCALE = 3\n`;
  assert.equal(memoClasses(parser.parse(coupled, 'python').root, coupled, new Map()).size, 0);
});

test('problems a memoised class reports are reported again on every analysis', async () => {
  const text = `import torch
import torch.nn as nn

class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 4)

    def forward(self, x):
        return self.fc(x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.head = Head()

    def forward(self, x):
        return self.head(self.conv(x).mean(dim=(2, 3)))


net = Net()
y = net(torch.randn(1, 3, 16, 16))
`;
  const edited = text.replace('nn.Conv2d(3, 8, 3)', 'nn.Conv2d(3, 8, 5)');
  await assertMemoInvisible([text, text, edited, edited, text], 'a shape mismatch inside a block');
  const parser = await loadParser();
  const report = analyzeTree(parser, parser.parse(text, 'python').root, text, OPTIONS);
  assert.ok(
    report.diagnostics.some((d) => d.code === 'shape-mismatch'),
    'the fixture does have a shape mismatch',
  );
});
