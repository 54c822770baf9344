// Group-by-group analysis (what the language server runs on each edit) must give exactly the report
// of one whole run: checked on the corpus, on composed generated programs, and across edits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadParser, repoRoot } from '../helpers/analyzer';
import { analyzeTree } from '../../server/src/core/analysis/analyzeSource';
import { analyzeGrouped, GroupCache } from '../../server/src/core/analysis/groupAnalysis';
import { partitionModule } from '../../server/src/core/analysis/partition';
import type { FileReport } from '../../server/src/core/report/types';
import { generateProgram } from '../differential/generator';
import { syntheticModelsFile } from '../bench/synthetic';
import { diskFiles } from '../../server/src/core/interpreter/python/imports/moduleFinder';

const OPTIONS = { file: 'model.py' };

/**
 * Parses `text` and returns the whole run's report and the grouped one (undefined when the file stays
 * whole), the groups run one session each; `shared` is the same from one logged run shared out by group.
 */
async function bothWays(text: string) {
  const parser = await loadParser();
  const { root } = parser.parse(text, 'python');
  const grouped = analyzeGrouped(parser, root, text, OPTIONS, new GroupCache(), Infinity);
  const shared = analyzeGrouped(parser, root, text, OPTIONS, new GroupCache(), 0);
  return { whole: analyzeTree(parser, root, text, OPTIONS), grouped, shared };
}

/** Models must match in content and order; diagnostics as a set (clients sort them). */
function assertSameReport(grouped: FileReport, whole: FileReport, label: string): void {
  assert.equal(JSON.stringify(grouped.models), JSON.stringify(whole.models), `${label}: models differ`);
  const set = (r: FileReport) => r.diagnostics.map((d) => JSON.stringify(d)).sort();
  assert.deepEqual(set(grouped), set(whole), `${label}: diagnostics differ`);
  assert.equal(grouped.trainingRuns, whole.trainingRuns);
}

/** Renames a program's module-level names with a suffix, so several programs can share one file. */
function renamed(source: string, suffix: string): string {
  const names = new Set([...source.matchAll(/^(?:class|def)\s+(\w+)|^(\w+)\s*=/gm)].map((m) => m[1] ?? m[2]));
  // The generator also binds `x` and `out` inside top-level `with` and `if __name__ == "__main__":` blocks.
  names.add('out');
  names.add('x');
  let out = source;
  for (const name of names) out = out.replace(new RegExp(`\\b${name}\\b`, 'g'), `${name}${suffix}`);
  return out;
}

function corpusFiles(): string[] {
  const dirs = ['test/fixtures/pytorch', 'examples'];
  return dirs.flatMap((d) =>
    readdirSync(join(repoRoot, d))
      .filter((f) => f.endsWith('.py'))
      .map((f) => join(repoRoot, d, f)),
  );
}

test("corpus files composed four to a file split apart and give the whole run's report", async () => {
  const parser = await loadParser();
  const splittable = corpusFiles()
    .map((f) => readFileSync(f, 'utf8'))
    .filter((t) => partitionModule(parser.parse(t, 'python').root, t).partition);
  assert.ok(splittable.length >= 20, `only ${splittable.length} corpus files are splittable`);
  for (let i = 0; i < splittable.length; i += 4) {
    const text = splittable
      .slice(i, i + 4)
      .map((t, k) => renamed(t, `_${k}`))
      .join('\n\n');
    const { whole, grouped, shared } = await bothWays(text);
    assert.ok(grouped && shared && grouped.groups >= 2, `files ${i}..${i + 3} should split`);
    assertSameReport(grouped.report, whole, `files ${i}..${i + 3}`);
    assertSameReport(shared.report, whole, `files ${i}..${i + 3}, one run shared out`);
  }
});

test('a file of many independent models splits into one group per model and matches the whole run', async () => {
  const { text, models } = syntheticModelsFile(1500);
  const { whole, grouped, shared } = await bothWays(text);
  assert.ok(grouped && shared, 'the synthetic file should split');
  assert.equal(grouped.groups, models);
  assertSameReport(grouped.report, whole, 'synthetic');
  assertSameReport(shared.report, whole, 'synthetic, one run shared out');
});

test('composed generated programs (every family) split per program and match the whole run', async () => {
  for (let batch = 0; batch < 6; batch++) {
    const programs = Array.from({ length: 8 }, (_, i) => renamed(generateProgram(31 + batch, i).source, `_${i}`));
    const text = programs.join('\n\n');
    const { whole, grouped, shared } = await bothWays(text);
    assert.ok(grouped && shared, `batch ${batch} should split`);
    assert.ok(
      grouped.groups >= programs.length,
      `batch ${batch}: ${grouped.groups} groups for ${programs.length} programs`,
    );
    assertSameReport(grouped.report, whole, `batch ${batch}`);
    assertSameReport(shared.report, whole, `batch ${batch}, one run shared out`);
  }
});

test("after an edit only the edited group re-runs, and the merged report is still the whole run's", async () => {
  const parser = await loadParser();
  const { text } = syntheticModelsFile(800);
  const cache = new GroupCache();
  const first = analyzeGrouped(parser, parser.parse(text, 'python').root, text, OPTIONS, cache);
  assert.ok(first);
  assert.equal(first.rerun, first.groups);
  const edits: [string, (t: string) => string, (rerun: number, groups: number) => boolean][] = [
    ['a layer argument', (t) => t.replace('nn.BatchNorm2d(c)', 'nn.BatchNorm2d(c, eps=1e-3)'), (r) => r === 1],
    [
      'half-typed code',
      (t) => t.replace('self.fc = nn.Linear(width, classes)', 'self.fc = nn.Linear(width, classes, bias='),
      (r) => r >= 1,
    ],
    ['a name error', (t) => t.replace('nn.BatchNorm2d(c)', 'nn.BatchNorm2d(c, ep)'), (r) => r === 1],
    [
      'a declared input above a model',
      (t) =>
        t
          .replace('model3 = Net3()', '# wattlens: input=(2, 3, 16, 16)\nmodel3 = Net3()')
          .replace('out3 = model3(torch.randn(1, 3, 32, 32))\n', ''),
      (r, g) => r < g,
    ],
    ['a line inserted at the top', (t) => `# a new first line\n${t}`, (r, g) => r === g],
  ];
  for (const [label, edit, expectRerun] of edits) {
    const next = edit(text);
    assert.notEqual(next, text, label);
    const { root } = parser.parse(next, 'python');
    const grouped = analyzeGrouped(parser, root, next, OPTIONS, cache);
    assert.ok(grouped, `${label}: should still split`);
    assert.ok(
      expectRerun(grouped.rerun, grouped.groups),
      `${label}: ${grouped.rerun} of ${grouped.groups} groups re-ran`,
    );
    assertSameReport(grouped.report, analyzeTree(parser, root, next, OPTIONS), label);
    analyzeGrouped(parser, parser.parse(text, 'python').root, text, OPTIONS, cache);
  }
});

test('statements share a group through any module-level name, but not through function locals', async () => {
  const parser = await loadParser();
  const groupsOf = (src: string) => {
    const split = partitionModule(parser.parse(src, 'python').root, src);
    assert.ok(split.partition, split.whole);
    return split.partition.groups;
  };
  const header = 'import torch\nimport torch.nn as nn\n';
  // A config dict read in a default argument links the class to it; the local `x` in forward does not link to the global `x`.
  const src = `${header}cfg = {"w": 8}\nclass A(nn.Module):\n    def __init__(self, w=cfg["w"]):\n        super().__init__()\n        self.l = nn.Linear(w, w)\n    def forward(self, x):\n        return self.l(x)\nx = torch.randn(1, 8)\nclass B(nn.Module):\n    def forward(self, x):\n        y = x * 2\n        return y\n`;
  const groups = groupsOf(src);
  // `x = torch.randn(1, 8)` reads nothing of the module: it runs with every group, as imports do, so a
  // model in any group can take it as its example input (inputRules.ts).
  assert.equal(groups.length, 2, JSON.stringify(groups));
  assert.deepEqual(partitionModule(parser.parse(src, 'python').root, src).partition!.imports, [0, 1, 4]);
  // A function reading a global it does not assign is linked to that global's statement.
  const reads = `${header}scale = 2\ndef f(t):\n    return t * scale\nother = 3\n`;
  assert.equal(groupsOf(reads).length, 2);
  // A walrus at module level binds; so do names bound inside a top-level if block.
  const walrus = `${header}if (n := 4) > 2:\n    m = nn.Linear(n, n)\ny = m\n`;
  assert.equal(groupsOf(walrus).length, 1);
});

test('a library class changed through an alias is caught while running, and the file is analysed whole', async () => {
  const parser = await loadParser();
  const src =
    'import torch\nimport torch.nn as nn\nL = nn.Linear\nL.extra = 3\nclass A(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.k = nn.Linear.extra\n        self.l = nn.Linear(self.k, 2)\n    def forward(self, x):\n        return self.l(x)\nm = A()\ny = m(torch.randn(1, 3))\n';
  const { root } = parser.parse(src, 'python');
  assert.ok(partitionModule(root, src).partition, 'the alias is not visible to the static partition');
  assert.equal(analyzeGrouped(parser, root, src, OPTIONS, new GroupCache(), Infinity), undefined);
  assert.equal(analyzeGrouped(parser, root, src, OPTIONS, new GroupCache(), 0), undefined);
  const whole = analyzeTree(parser, root, src, OPTIONS);
  assert.equal(whole.models.find((m) => m.root)?.totals.params, 3 * 2 + 2);
});

test('files that could couple statements another way are analysed whole', async () => {
  const parser = await loadParser();
  const header = 'import torch\nimport torch.nn as nn\n';
  const cases: [string, string][] = [
    ['global statement', `${header}n = 1\ndef f():\n    global n\n    n = 2\n`],
    ['global setter on a library', `${header}torch.set_default_dtype(torch.float16)\nm = nn.Linear(2, 2)\n`],
    ['assignment into a library', `${header}torch.backends.cudnn.benchmark = True\nm = nn.Linear(2, 2)\n`],
    ['setattr on a library', `${header}setattr(nn, "Linear", None)\n`],
    ['reflection', `${header}g = globals()\n`],
    ['a framework with its own state', 'import keras\nm = keras.Sequential()\n'],
    ['an import nested in a function', `${header}def f():\n    import tensorflow as tf\n    return tf\n`],
    ['del at module level', `${header}a = 1\ndel a\n`],
    ['a wildcard import', 'from torch.nn import *\n'],
    ['a training loop', `${header}m = nn.Linear(2, 2)\nloss = m(torch.randn(1, 2)).sum()\nloss.backward()\n`],
    ['a top-level syntax error', `${header}def (\n`],
  ];
  for (const [label, src] of cases) {
    const split = partitionModule(parser.parse(src, 'python').root, src);
    assert.ok(split.whole, `${label} should keep the file whole`);
  }
});

test("seeded fuzz: random edits with the cache kept across them always give the whole run's report", async () => {
  const parser = await loadParser();
  let seed = 20261127;
  const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
  const snippets = [
    '\n',
    '\n\n',
    '2',
    '0',
    ' ',
    '# note',
    'x',
    '# wattlens: input=(1, 3, 8, 8)\n',
    ', bias=False',
    'import math\n',
  ];
  const original = syntheticModelsFile(700).text;
  let text = original;
  const cache = new GroupCache();
  let grouped = 0;
  for (let i = 0; i < 160; i++) {
    // Random edits soon leave top-level junk that keeps a file whole: start over every 8 edits (the cache stays).
    if (i % 8 === 0) text = original;
    const at = Math.floor(random() * (text.length + 1));
    if (random() < 0.8) text = text.slice(0, at) + snippets[Math.floor(random() * snippets.length)] + text.slice(at);
    else if (/[0-9 ]/.test(text[at] ?? '')) text = text.slice(0, at) + text.slice(at + 1);
    const { root } = parser.parse(text, 'python');
    const result = analyzeGrouped(parser, root, text, OPTIONS, cache);
    if (!result) continue;
    grouped++;
    assertSameReport(result.report, analyzeTree(parser, root, text, OPTIONS), `edit ${i + 1}`);
  }
  assert.ok(grouped >= 80, `only ${grouped} of 160 edits left the file splittable`);
});

test('a script importing its own package (sys.path.append, from models import Net) splits into groups, as a whole run reports', async () => {
  const parser = await loadParser();
  const workspace = join(repoRoot, 'test', 'fixtures', 'workspace');
  const file = join(workspace, 'bench_grouped.py');
  const text = `${readFileSync(join(workspace, 'train.py'), 'utf8')}
class Other(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        return self.fc(x)

other = Other()
y = other(torch.randn(1, 8))
`.replace('import torch\n', 'import torch\nimport torch.nn as nn\n');
  const { root } = parser.parse(text, 'python');
  const split = partitionModule(root, text);
  assert.ok(split.partition, `kept whole: ${split.whole}`);
  assert.equal(split.partition.groups.length, 2);
  const options = {
    file,
    imports: { files: diskFiles(), paths: { workspaceRoots: [workspace], libraryPaths: [] } },
  };
  const grouped = analyzeGrouped(parser, root, text, options, new GroupCache(), Infinity);
  assert.ok(grouped, 'the grouped analysis fell back to a whole run');
  assertSameReport(grouped.report, analyzeTree(parser, root, text, options), 'workspace script');
  const net = grouped.report.models.find((m) => m.name === 'Net')!;
  assert.equal(net.totals.params, Number(/params=(\d+)/.exec(text)![1]));
});

test('imports of frameworks with state of their own, or sys used beyond sys.path, keep the file whole', async () => {
  const parser = await loadParser();
  for (const src of ['import tensorflow as tf\nx = 1\n', 'import sys\nimport torch\nn = len(sys.argv)\n']) {
    assert.ok(partitionModule(parser.parse(src, 'python').root, src).whole, src);
  }
});
