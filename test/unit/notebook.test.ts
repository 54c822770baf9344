// Jupyter notebooks: .ipynb parsing (malformed and truncated JSON located), code cells analysed in
// order with every number attributed to its cell, magics, a cell that does not parse, nonsense in
// markdown cells — and the CLI on notebooks (exit 0 with cell indices, exit 2 for a broken file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadParser, repoRoot } from '../helpers/analyzer';
import { parseNotebook, analyzeCells, NotebookError, type NotebookCell } from '../../server/src/core/analysis/notebook';
import type { FileReport, ModelReport } from '../../server/src/core/report/types';

const dir = join(repoRoot, 'test', 'fixtures', 'notebooks');
const read = (name: string) => readFileSync(join(dir, name), 'utf8');

async function analyzeNotebook(name: string): Promise<{ report: FileReport; cells: NotebookCell[] }> {
  const nb = parseNotebook(read(name), name);
  return { report: analyzeCells(await loadParser(), nb.cells, { file: name, language: nb.language }), cells: nb.cells };
}

function model(report: FileReport, name: string): ModelReport {
  const m = report.models.find((x) => x.name === name);
  assert.ok(
    m,
    `no model ${name}: ${report.models.map((x) => x.name).join(', ')}; ${JSON.stringify(report.diagnostics)}`,
  );
  return m;
}

/** Asserts a cell-local range lies inside its cell's text. */
function inCell(cells: NotebookCell[], cell: number | undefined, line: number, what: string): void {
  assert.equal(typeof cell, 'number', `${what}: no cell index`);
  const lines = cells.find((c) => c.index === cell)!.source.split('\n').length;
  assert.ok(line >= 0 && line < lines, `${what}: line ${line} outside cell ${cell} (${lines} lines)`);
}

test('parseNotebook reads nbformat 4 cells in order, source as string or list of lines', () => {
  const nb = parseNotebook(read('pytorch_across_cells.ipynb'), 'a.ipynb');
  assert.deepEqual(
    nb.cells.map((c) => c.kind),
    ['markdown', 'code', 'code', 'markdown', 'code', 'code'],
  );
  assert.deepEqual(
    nb.cells.map((c) => c.index),
    [0, 1, 2, 3, 4, 5],
  );
  assert.equal(nb.cells[4].source, 'net = Net()');
  assert.equal(nb.language, 'python');
  const plain = parseNotebook(
    '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "source": "x = 1\\ny = 2", "metadata": {}}]}',
    'b.ipynb',
  );
  assert.equal(plain.cells[0].source, 'x = 1\ny = 2');
});

test('a truncated .ipynb gives one clear error saying where the JSON ends', () => {
  const text = read('truncated.ipynb');
  assert.throws(
    () => parseNotebook(text, 'truncated.ipynb'),
    (e: unknown) => {
      assert.ok(e instanceof NotebookError);
      assert.match(
        e.message,
        /^truncated\.ipynb: not a valid notebook: the JSON ends at line \d+, column \d+ before it is complete \(the file looks truncated\)$/,
      );
      assert.equal(e.line, text.split('\n').length);
      assert.ok(!e.message.includes('\n'));
      return true;
    },
  );
});

test('malformed JSON and wrong structure are located', () => {
  const broken = '{\n "cells": [\n  {"cell_type": "code" "source": "x"}\n ]\n}';
  assert.throws(
    () => parseNotebook(broken, 'x.ipynb'),
    (e: unknown) => {
      assert.ok(e instanceof NotebookError);
      assert.equal(e.line, 3);
      assert.equal(e.column, 24);
      assert.match(e.message, /malformed JSON at line 3, column 24: expected ',' or '}', found "\\""/);
      return true;
    },
  );
  const cases: [string, RegExp][] = [
    ['[1, 2]', /the JSON is not an object/],
    ['{"metadata": {}}', /no "cells" list/],
    ['{"nbformat": 3, "worksheets": []}', /nbformat 3 notebooks are not supported/],
    ['{"nbformat": 4, "cells": [{"source": "x"}]}', /cell 1 has no "cell_type"/],
    ['{"nbformat": 4, "cells": [{"cell_type": "code", "source": 5}]}', /cell 1 has a "source" that is neither/],
    ['', /the JSON ends at line 1, column 1/],
    ['{"cells": [}', /line 1, column 12: expected a value, found "}"/],
  ];
  for (const [text, message] of cases) assert.throws(() => parseNotebook(text, 'n.ipynb'), message, text);
});

test('PyTorch model across cells: numbers attributed to the cells that define and run them', async () => {
  const { report, cells } = await analyzeNotebook('pytorch_across_cells.ipynb');
  const net = model(report, 'Net');
  assert.equal(net.totals.params, 62006);
  assert.equal(net.totals.macs, 651720);
  assert.equal(net.cell, 2);
  assert.equal(net.range.start.line, 0);
  assert.match(net.input!.source, /^torch\.randn, cell 6, line 1$/);
  const conv1 = net.layers.find((l) => l.path === 'conv1')!;
  assert.equal(conv1.cell, 2);
  assert.equal(conv1.range.start.line, 3);
  assert.equal(conv1.callRange?.start.line, 11);
  for (const l of net.layers) inCell(cells, l.cell, l.range.start.line, l.path);
  const magic = report.diagnostics.find((d) => d.code === 'magic');
  assert.equal(magic?.cell, 1);
  assert.deepEqual(
    report.diagnostics.filter((d) => d.severity === 'warning' || d.severity === 'error'),
    [],
  );
});

test('Keras model built one layer per cell', async () => {
  const { report, cells } = await analyzeNotebook('keras_sequential.ipynb');
  const m = model(report, 'model');
  assert.equal(m.framework, 'keras');
  assert.equal(m.cell, 2);
  // Conv2D(32, 3x3) on 28x28x1: 320 params, 194,688 MACs; Dense on 13*13*32 = 5,408: 54,090 params, 54,080 MACs.
  assert.equal(m.totals.params, 320 + 54090);
  assert.equal(m.totals.macs, 194688 + 54080);
  assert.deepEqual(
    m.layers.map((l) => [l.path, l.cell, l.range.start.line]),
    [
      ['conv2d', 3, 0],
      ['max_pooling2d', 3, 1],
      ['flatten', 4, 0],
      ['dense', 4, 1],
    ],
  );
  for (const l of m.layers) inCell(cells, l.cell, l.range.start.line, l.path);
  assert.match(m.input!.source, /cell 3, line 2/);
});

test('a markdown (and raw) cell full of nonsense is ignored', async () => {
  const { report } = await analyzeNotebook('nonsense_markdown.ipynb');
  assert.deepEqual(report.diagnostics, []);
  const m = model(report, 'model');
  assert.equal(m.cell, 2);
  assert.equal(m.totals.params, 10 * 20 + 20 + 20 * 2 + 2);
});

test('a cell that fails to parse only affects itself; its error is located in it', async () => {
  const { report } = await analyzeNotebook('broken_cell.ipynb');
  const syntax = report.diagnostics.filter((d) => d.code === 'syntax');
  assert.ok(syntax.length > 0);
  for (const d of syntax) assert.equal(d.cell, 2);
  const skipped = report.diagnostics.find((d) => d.code === 'cell-skipped');
  assert.equal(skipped?.cell, 2);
  assert.match(skipped!.message, /cell 3 does not parse/);
  const mlp = model(report, 'MLP');
  assert.equal(mlp.totals.params, 784 * 256 + 256 + 256 * 10 + 10);
  assert.equal(mlp.totals.macs, 784 * 256 + 256 * 10);
  assert.equal(mlp.cell, 1);
  assert.match(mlp.input!.source, /cell 4, line 2/);
});

test('IPython magics: line magics and shell lines blanked, %time keeps its statement, %%bash cells skipped', async () => {
  const { report } = await analyzeNotebook('magics.ipynb');
  const m = model(report, 'model');
  assert.equal(m.totals.params, 128 * 64 + 64 + 64 * 32 + 32);
  assert.equal(m.totals.macs, 128 * 64 + 64 * 32);
  assert.match(m.input!.source, /wattlens: input comment, cell 4, line 2/);
  const bash = report.diagnostics.find((d) => /%%bash/.test(d.message));
  assert.equal(bash?.cell, 1);
  assert.deepEqual(
    report.diagnostics.filter((d) => d.severity === 'warning' || d.severity === 'error'),
    [],
  );
});

test('cells as the language server sends them (no file, sparse indices); other kernels refused', async () => {
  const parser = await loadParser();
  const cells: NotebookCell[] = [
    { index: 3, kind: 'code', source: 'import torch\nfrom torch import nn' },
    { index: 7, kind: 'markdown', source: '# {{{ not code' },
    { index: 9, kind: 'code', source: 'lin = nn.Linear(4, 2)\ny = lin(torch.randn(1, 4))' },
  ];
  const r = analyzeCells(parser, cells, { file: 'untitled.ipynb' });
  const lin = model(r, 'lin');
  assert.equal(lin.cell, 9);
  assert.equal(lin.range.start.line, 0);
  assert.equal(lin.totals.params, 10);
  const empty = analyzeCells(parser, [{ index: 0, kind: 'markdown', source: 'only text' }], { file: 'e.ipynb' });
  assert.equal(empty.models.length, 0);
  assert.match(empty.diagnostics[0].message, /no code cells/);
  const nb = parseNotebook(read('r_kernel.ipynb'), 'r.ipynb');
  const rk = analyzeCells(parser, nb.cells, { file: 'r.ipynb', language: nb.language });
  assert.equal(rk.models.length, 0);
  assert.match(rk.diagnostics[0].message, /kernel language is r: only Python notebooks are analysed/);
});

const cli = join(repoRoot, 'dist', 'cli.js');
const noBuild = existsSync(cli) ? false : 'dist/cli.js is not built (npm run build)';

test('CLI: analyze on a notebook prints cell indices; a truncated one exits 2 with one line', { skip: noBuild }, () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [join(repoRoot, 'bin', 'wattlens.js'), ...args], { encoding: 'utf8', cwd: repoRoot });
  const ok = run('analyze', join(dir, 'keras_sequential.ipynb'), '--format', 'json');
  assert.equal(ok.status, 0, ok.stderr);
  const m = JSON.parse(ok.stdout).files[0].models[0];
  assert.equal(m.framework, 'keras');
  assert.equal(m.cell, 2);
  assert.deepEqual(
    m.layers.map((l: { cell: number }) => l.cell),
    [3, 3, 4, 4],
  );
  const bad = run('analyze', join(dir, 'truncated.ipynb'));
  assert.equal(bad.status, 2);
  assert.equal(bad.stdout, '');
  assert.match(
    bad.stderr,
    /^wattlens: .*truncated\.ipynb: not a valid notebook: the JSON ends at line \d+, column \d+ before it is complete \(the file looks truncated\)\n$/,
  );
});
