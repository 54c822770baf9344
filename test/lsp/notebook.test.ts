// Notebook tests: a jupyter-notebook opened through notebookDocument/didOpen with the model class
// in cell 1 and its instantiation and call in cell 2; results map back to each cell's URI and lines.
// Also an example tensor built in another cell than the model and never passed (input rules across
// cells), named in cell terms by the report and the hover.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient, applyEdits } from './client';
import { checkPython } from './python';

const notebook = 'file:///work/nb/model.ipynb';
const cell1 = 'vscode-notebook-cell:/work/nb/model.ipynb#W0';
const cell2 = 'vscode-notebook-cell:/work/nb/model.ipynb#W1';
const markdown = 'vscode-notebook-cell:/work/nb/model.ipynb#W2';

const cell1Text = `%matplotlib inline
import torch
import torch.nn as nn


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 256)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(256, 10)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))`;

const cell2Text = `model = Mlp()
x = torch.randn(32, 784)
for i in range(10):
    y = model(x)
`;

let client: TestClient;

before(async () => {
  client = await TestClient.start({});
  await client.conn.sendNotification('notebookDocument/didOpen', {
    notebookDocument: {
      uri: notebook,
      notebookType: 'jupyter-notebook',
      version: 1,
      cells: [
        { kind: 2, document: cell1 },
        { kind: 1, document: markdown },
        { kind: 2, document: cell2 },
      ],
    },
    cellTextDocuments: [
      { uri: cell1, languageId: 'python', version: 1, text: cell1Text },
      { uri: markdown, languageId: 'markdown', version: 1, text: '# Notes\n\nnot code' },
      { uri: cell2, languageId: 'python', version: 1, text: cell2Text },
    ],
  });
});
after(async () => client.stop());

test('inlay hints land on each cell at cell-local lines', async () => {
  const hints1 = await client.inlayHints(cell1);
  const lines1 = cell1Text.split('\n');
  const fc1 = lines1.findIndex((l) => l.includes('self.fc1 = nn.Linear(784, 256)'));
  const fc1Hint = hints1.find((h) => h.position.line === fc1);
  assert.ok(fc1Hint, JSON.stringify(hints1.map((h) => [h.position.line, h.label])));
  assert.equal(fc1Hint.position.character, lines1[fc1].length);
  assert.match(String(fc1Hint.label), /^12\.9 MFLOPs · /);
  const forward = lines1.findIndex((l) => l.includes('return self.fc2'));
  assert.ok(hints1.some((h) => h.position.line === forward));
  assert.deepEqual(await client.inlayHints(cell2), []);
});

test('hover and code lens in cell 1, code actions with edits in cell 2', async () => {
  const lines1 = cell1Text.split('\n');
  const hover = await client.hover(
    cell1,
    lines1.findIndex((l) => l.includes('self.fc2 = nn.Linear')),
    12,
  );
  assert.match((hover?.contents as { value: string }).value, /`fc2`/);
  const lenses = await client.codeLenses(cell1);
  assert.equal(lenses.length, 2);
  assert.equal(
    lenses[0].range.start.line,
    lines1.findIndex((l) => l.startsWith('class Mlp')),
  );
  assert.match(
    lenses[0].command!.title,
    /^Mlp · 6\.5 MMACs · 204 k params · [\d.]+ µJ per forward pass \(batch of 32\), [\d.]+ µJ per sample on nvidia-t4 \(fp32\)$/,
  );
  assert.deepEqual(await client.codeLenses(cell2), []);
  const actions = await client.codeActions(cell2, { start: { line: 3, character: 0 }, end: { line: 3, character: 0 } });
  const cast = actions.find((a) => a.title.startsWith('Run model(...) under torch.autocast'));
  assert.ok(cast, actions.map((a) => a.title).join('\n'));
  assert.deepEqual(Object.keys(cast.edit!.changes!), [cell2]);
  const out = applyEdits(cell2, cell2Text, cast.edit!.changes![cell2]);
  assert.match(out, /^model = Mlp\(\)\nx = torch\.randn\(32, 784\)\nfor i in range\(10\):\n {4}with torch\.autocast/);
});

test('cells are numbered as Jupyter counts them (markdown included, from 1) in reports and hovers', async () => {
  const models = (await client.conn.sendRequest('wattlens/modelReport', { uri: notebook })) as {
    name: string;
    cell: number;
    input: { source: string };
  }[];
  const mlp = models.find((m) => m.name === 'Mlp')!;
  assert.equal(mlp.cell, 0);
  const lines1 = cell1Text.split('\n');
  const hover = await client.hover(
    cell1,
    lines1.findIndex((l) => l.startsWith('class Mlp')),
    3,
  );
  const text = (hover?.contents as { value: string }).value;
  assert.match(text, /torch\.randn, cell 3, line 2/, text);
});

test('a code action offered in one cell never edits another: a missing import goes to the top of that cell', async () => {
  const nb = 'file:///work/nb/noimport.ipynb';
  const a = 'vscode-notebook-cell:/work/nb/noimport.ipynb#A';
  const b = 'vscode-notebook-cell:/work/nb/noimport.ipynb#B';
  const aText =
    'import torch.nn as nn\nfrom torch import randn\n\nclass Tiny(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(64, 64)\n\n    def forward(self, x):\n        return self.fc(x)\n';
  const bText = 'net = Tiny()\nout = net(randn(8, 64))\n';
  await client.conn.sendNotification('notebookDocument/didOpen', {
    notebookDocument: {
      uri: nb,
      notebookType: 'jupyter-notebook',
      version: 1,
      cells: [
        { kind: 2, document: a },
        { kind: 2, document: b },
      ],
    },
    cellTextDocuments: [
      { uri: a, languageId: 'python', version: 1, text: aText },
      { uri: b, languageId: 'python', version: 1, text: bText },
    ],
  });
  await client.diagnosticsFor(b);
  const actions = await client.codeActions(b, { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } });
  assert.ok(actions.length > 0, 'actions are offered in cell 2');
  for (const action of actions) assert.deepEqual(Object.keys(action.edit!.changes!), [b], action.title);
  const cast = actions.find((x) => x.title.includes('torch.autocast'))!;
  const out = applyEdits(b, bText, cast.edit!.changes![b]);
  assert.match(out, /^import torch\nnet = Tiny\(\)\nwith torch\.autocast/);
  const parsed = checkPython({ a: aText, b: out }, false);
  assert.deepEqual(parsed, { a: 'ok', b: 'ok' });
});

test('diagnostics are published per cell', async () => {
  const d2 = await client.diagnosticsFor(cell2);
  const loop = d2.find((d) => d.code === 'inference-without-no-grad');
  assert.ok(loop, JSON.stringify(d2));
  assert.equal(loop.range.start.line, 2);
  const d1 = await client.diagnosticsFor(cell1);
  assert.ok(!d1.some((d) => d.code === 'syntax'), 'the %magic line is not a syntax error');
  const fix = (await client.codeActions(cell2, loop.range, [loop])).find((a) => a.kind === 'quickfix');
  assert.ok(fix);
  const fixed = applyEdits(cell2, cell2Text, fix.edit!.changes![cell2]);
  const parsed = checkPython({ cell1: cell1Text.replace('%matplotlib', '#matplotlib'), cell2: fixed }, false);
  assert.deepEqual(parsed, { cell1: 'ok', cell2: 'ok' });
});

test('editing a cell through notebookDocument/didChange updates the hints', async () => {
  const lines1 = cell1Text.split('\n');
  const line = lines1.findIndex((l) => l.includes('nn.Linear(784, 256)'));
  const start = lines1[line].indexOf('256');
  await client.conn.sendNotification('notebookDocument/didChange', {
    notebookDocument: { uri: notebook, version: 2 },
    change: {
      cells: {
        textContent: [
          {
            document: { uri: cell1, version: 2 },
            changes: [
              { range: { start: { line, character: start }, end: { line, character: start + 3 } }, text: '512' },
            ],
          },
        ],
      },
    },
  });
  const deadline = Date.now() + 5000;
  let label = '';
  while (Date.now() < deadline) {
    label = String((await client.inlayHints(cell1)).find((h) => h.position.line === line)?.label);
    if (label.startsWith('25.7 MFLOPs')) break;
  }
  assert.match(label, /^25\.7 MFLOPs/);
});

test("closing the notebook clears its cells' diagnostics", async () => {
  await client.conn.sendNotification('notebookDocument/didClose', {
    notebookDocument: { uri: notebook },
    cellTextDocuments: [{ uri: cell1 }, { uri: markdown }, { uri: cell2 }],
  });
  await client.waitFor(() => client.diagnostics.get(cell2)?.diagnostics.length === 0, 'cleared diagnostics');
  assert.deepEqual(await client.inlayHints(cell1), []);
});

test('a cell that does not parse is reported in that cell and the model across the other cells still costs', async () => {
  const nb = 'file:///work/nb/broken.ipynb';
  const [a, broken, c] = ['#A0', '#A1', '#A2'].map((f) => `vscode-notebook-cell:/work/nb/broken.ipynb${f}`);
  const other = await TestClient.start({});
  try {
    await other.conn.sendNotification('notebookDocument/didOpen', {
      notebookDocument: {
        uri: nb,
        notebookType: 'jupyter-notebook',
        version: 1,
        cells: [
          { kind: 2, document: a },
          { kind: 2, document: broken },
          { kind: 2, document: c },
        ],
      },
      cellTextDocuments: [
        { uri: a, languageId: 'python', version: 1, text: cell1Text },
        { uri: broken, languageId: 'python', version: 1, text: 'def half_typed(:\n    return\n' },
        { uri: c, languageId: 'python', version: 1, text: cell2Text },
      ],
    });
    const lines1 = cell1Text.split('\n');
    const fc1 = lines1.findIndex((l) => l.includes('self.fc1 = nn.Linear(784, 256)'));
    const hints = await other.inlayHints(a);
    assert.ok(
      hints.some((h) => h.position.line === fc1 && /MFLOPs/.test(String(h.label))),
      JSON.stringify(hints.map((h) => h.label)),
    );
    const d = await other.diagnosticsFor(broken);
    assert.ok(
      d.some((x) => x.code === 'syntax' && x.range.start.line === 0),
      JSON.stringify(d),
    );
  } finally {
    await other.stop();
  }
});

test('an example tensor built in one cell reaches the model built in another, never passed (through the server)', async () => {
  const other = await TestClient.start({});
  // Four cells: the class, the model, the example tensors, and what comes later.
  const open = async (name: string, exampleText: string, laterText: string) => {
    const nb = `file:///work/nb/${name}.ipynb`;
    const [defs, build, example, later] = ['#X0', '#X1', '#X2', '#X3'].map(
      (f) => `vscode-notebook-cell:/work/nb/${name}.ipynb${f}`,
    );
    await other.conn.sendNotification('notebookDocument/didOpen', {
      notebookDocument: {
        uri: nb,
        notebookType: 'jupyter-notebook',
        version: 1,
        cells: [defs, build, example, later].map((document) => ({ kind: 2, document })),
      },
      cellTextDocuments: [
        { uri: defs, languageId: 'python', version: 1, text: cell1Text },
        { uri: build, languageId: 'python', version: 1, text: 'model = Mlp()\n' },
        { uri: example, languageId: 'python', version: 1, text: exampleText },
        { uri: later, languageId: 'python', version: 1, text: laterText },
      ],
    });
    const report = async () =>
      (
        (await other.conn.sendRequest('wattlens/modelReport', { uri: nb })) as {
          name: string;
          input: { shape: number[]; source: string; rule: string } | null;
          totals: { macs: number | null };
        }[]
      ).find((m) => m.name === 'Mlp')!;
    return { defs, report };
  };
  try {
    // The tensor is built in cell 3 and never passed: the model in cell 2 is costed on it, and says where it came from.
    const { defs, report } = await open(
      'crosscell',
      'x = torch.randn(16, 784)\nlabels = torch.randint(0, 10, (16,))\n',
      'print("done")\n',
    );
    const mlp = await report();
    assert.equal(mlp.input?.rule, 'tensor', JSON.stringify(mlp.input));
    assert.deepEqual(mlp.input!.shape, [16, 784]);
    assert.match(mlp.input!.source, /tensor x \(torch\.randn, cell 3, line 1\)/);
    // 16 × (784·256 + 256·10) MACs: exact, from the cell-3 tensor.
    assert.equal(mlp.totals.macs, 16 * (784 * 256 + 256 * 10));
    const lines1 = cell1Text.split('\n');
    const fc1 = lines1.findIndex((l) => l.includes('self.fc1 = nn.Linear(784, 256)'));
    const hints = await other.inlayHints(defs);
    assert.ok(
      hints.some((h) => h.position.line === fc1 && /MFLOPs/.test(String(h.label))),
      JSON.stringify(hints.map((h) => h.label)),
    );
    const hover = await other.hover(
      defs,
      lines1.findIndex((l) => l.startsWith('class Mlp')),
      3,
    );
    assert.match((hover?.contents as { value: string }).value, /tensor x \(torch\.randn, cell 3, line 1\)/);
    const lens = (await other.codeLenses(defs)).map((l) => l.command?.title ?? '').join('\n');
    assert.doesNotMatch(lens, /input assumed/);
    // Two candidates: the one a later cell passes to the model (in a function never run) wins.
    const second = await open(
      'passedlater',
      'a = torch.randn(2, 784)\nb = torch.randn(8, 784)\n',
      'def run():\n    return model(b)\n',
    );
    const passed = await second.report();
    assert.deepEqual(passed.input?.shape, [8, 784]);
    assert.match(
      passed.input!.source,
      /tensor b \(torch\.randn, cell 3, line 2\), passed to the model at cell 4, line 2/,
    );
  } finally {
    await other.stop();
  }
});
