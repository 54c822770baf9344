// Imports of Python source: the user's own package (relative imports, __init__.py re-exports, a star
// import that hands out `nn`, a src/ layout put on sys.path), a module of the analysed file's own
// package, an installed library read from a site-packages folder, and the modelled fallback when a
// library is not installed. The workspace is built in memory, so each case states its files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, repoRoot } from '../helpers/analyzer';
import { diskFiles, type SourceFiles } from '../../server/src/core/interpreter/python/imports/moduleFinder';

/** Files held in memory, by absolute path. */
function memoryFiles(files: Record<string, string>): SourceFiles {
  return {
    read: (path) => files[path],
    isDirectory: (path) => Object.keys(files).some((f) => f.startsWith(`${path}/`)),
  };
}

const block = `import torch.nn as nn
class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
    def forward(self, x):
        return self.conv(x)
`;

test('the workspace fixture: a script importing its own package, as torch counts it', async () => {
  const file = join(repoRoot, 'test', 'fixtures', 'workspace', 'train.py');
  const text = readFileSync(file, 'utf8');
  const expected = /# expect: Net params=(\d+) macs=(\d+)/.exec(text)!;
  const report = await analyze(text, {
    file,
    imports: {
      files: diskFiles(),
      paths: { workspaceRoots: [join(repoRoot, 'test', 'fixtures', 'workspace')], libraryPaths: [] },
    },
  });
  const net = report.models.find((m) => m.root && m.name === 'Net')!;
  assert.equal(net.totals.params, Number(expected[1]));
  assert.equal(net.totals.macs, Number(expected[2]));
  // Shown where the script builds it, not at the class's line in another file.
  assert.equal(
    net.range.start.line,
    text.split('\n').findIndex((l) => l.startsWith('model = Net(')),
  );
});

test('relative imports, a star import that brings nn, and a module of the analysed file’s own package', async () => {
  const files = memoryFiles({
    '/ws/pkg/__init__.py': 'from .net import Net\n',
    '/ws/pkg/blocks.py': block,
    '/ws/pkg/net.py':
      'from .blocks import *\nfrom . import blocks\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.a = Block(4)\n        self.b = blocks.Block(4)\n    def forward(self, x):\n        return self.b(self.a(x))\n',
  });
  const imports = { files, paths: { workspaceRoots: ['/ws'], libraryPaths: [] } };
  const script = 'import torch\nfrom pkg import Net\nmodel = Net()\ny = model(torch.randn(1, 4, 8, 8))\n';
  const report = await analyze(script, { file: '/ws/run.py', imports });
  const net = report.models.find((m) => m.root)!;
  assert.equal(net.totals.params, 2 * (4 * 4 * 9 + 4));
  assert.equal(net.totals.macs, 2 * 8 * 8 * 4 * 4 * 9);
  // The package's own module analysed where it is: its relative imports resolve against its package.
  const inside = await analyze(
    'import torch\nfrom .blocks import Block\nm = Block(2)\ny = m(torch.randn(1, 2, 4, 4))\n',
    {
      file: '/ws/pkg/use.py',
      imports,
    },
  );
  assert.equal(inside.models.find((m) => m.root)!.totals.params, 2 * 2 * 9 + 2);
});

test('a library read from site-packages, and the modelled fallback when it is not installed', async () => {
  const library = memoryFiles({
    '/site/blocklib/__init__.py': 'from .layers import Block\n',
    '/site/blocklib/layers.py': block,
  });
  const script = 'import torch\nfrom blocklib import Block\nmodel = Block(3)\ny = model(torch.randn(1, 3, 8, 8))\n';
  const found = await analyze(script, {
    file: '/ws/run.py',
    imports: { files: library, paths: { workspaceRoots: ['/ws'], libraryPaths: ['/site'] } },
  });
  const model = found.models.find((m) => m.root)!;
  // A library's class is named by its variable, as torch's count names it.
  assert.equal(model.name, 'model');
  assert.equal(model.totals.params, 3 * 3 * 9 + 3);
  const missing = await analyze(script, {
    file: '/ws/run.py',
    imports: { files: memoryFiles({}), paths: { workspaceRoots: ['/ws'], libraryPaths: [] } },
  });
  assert.equal(missing.models.find((m) => m.root)?.totals.params ?? null, null);
});

test('a relative import outside any package and a missing module are unknown with their reason', async () => {
  const report = await analyze(
    'import torch\nfrom .nowhere import Net\nmodel = Net()\ny = model(torch.randn(1, 3))\n',
    {
      file: '/ws/run.py',
      imports: { files: memoryFiles({}), paths: { workspaceRoots: ['/ws'], libraryPaths: [] } },
    },
  );
  assert.equal(report.models.filter((m) => m.root && m.totals.params !== null).length, 0);
  assert.ok(
    report.diagnostics.some((d) => /nowhere/.test(d.message)),
    JSON.stringify(report.diagnostics),
  );
});
