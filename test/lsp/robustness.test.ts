// Robustness tests: cancellation, a seeded fuzz of random edits (incremental re-parse must agree
// with a fresh parse), 6 and 10 MB documents, binary garbage, an unknown hardware id and a profile
// file broken while the server runs. The server must keep answering and never exit.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CancellationTokenSource, type TextDocumentContentChangeEvent } from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { TestClient, fileUri, repoRoot } from './client';
import { syntheticModelsFile } from '../bench/synthetic';
import { syntheticModel } from '../bench/lsp';

const resnetText = readFileSync(join(repoRoot, 'test', 'fixtures', 'pytorch', 'resnet18.py'), 'utf8');
const clients: TestClient[] = [];
after(async () => Promise.all(clients.map((c) => c.stop())));

async function start(settings: Record<string, unknown> = {}, workspace?: string): Promise<TestClient> {
  const c = await TestClient.start(settings, { workspace });
  clients.push(c);
  return c;
}

/** mulberry32: a small seeded PRNG so the fuzz is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('a cancelled request answers RequestCancelled, and the server keeps answering', async () => {
  const c = await start();
  const uri = fileUri('resnet18.py');
  await c.open(uri, resnetText);
  let cancelled = 0;
  for (let version = 2; version < 12; version++) {
    await c.change(uri, version, [
      { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '#' },
    ]);
    const source = new CancellationTokenSource();
    const pending = c.conn.sendRequest(
      'textDocument/hover',
      { textDocument: { uri }, position: { line: 88, character: 15 } },
      source.token,
    );
    source.cancel();
    try {
      await pending;
    } catch (e) {
      assert.equal((e as { code: number }).code, -32800);
      cancelled++;
    }
  }
  assert.ok(cancelled >= 8, `only ${cancelled} of 10 requests were cancelled`);
  const hover = await c.hover(uri, 88, 15);
  assert.match((hover?.contents as { value: string }).value, /conv1/);
});

test('a newer version supersedes stale work: answers reflect the latest text', async () => {
  const c = await start();
  const uri = 'file:///stale.py';
  await c.open(uri, resnetText);
  const line = resnetText.split('\n').findIndex((l) => l.includes('self.fc = nn.Linear'));
  const col = resnetText.split('\n')[line].indexOf('num_classes)');
  for (let v = 2; v <= 6; v++) {
    await c.change(uri, v, [
      {
        range: { start: { line, character: col }, end: { line, character: col + 11 } },
        text: String(v * 100).padEnd(11),
      },
    ]);
  }
  const hints = await c.inlayHints(uri);
  assert.match(String(hints.find((h) => h.position.line === line)?.label), /^615 kFLOPs/);
  await c.diagnosticsFor(uri, 6);
});

test('seeded fuzz: 300 random edits never crash the server, and incremental parsing matches a fresh parse', async () => {
  const c = await start();
  const uri = 'file:///fuzz.py';
  const random = prng(20261127);
  const snippets = [
    '(',
    ')',
    ':',
    '\n',
    '    ',
    'nn.Linear(4, 8)',
    'self.',
    'x',
    '#',
    '"""',
    "'",
    '\t',
    'é',
    '😀',
    'def ',
    'class A(nn.Module):\n',
    ',',
    '=',
    '[',
    ']',
    '\\',
    '\r\n',
  ];
  const doc = TextDocument.create(uri, 'python', 1, resnetText);
  await c.open(uri, resnetText);
  for (let i = 0; i < 300; i++) {
    const text = doc.getText();
    const at = Math.floor(random() * (text.length + 1));
    const change: TextDocumentContentChangeEvent =
      random() < 0.6
        ? {
            range: { start: doc.positionAt(at), end: doc.positionAt(at) },
            text: snippets[Math.floor(random() * snippets.length)],
          }
        : {
            range: {
              start: doc.positionAt(at),
              end: doc.positionAt(Math.min(text.length, at + 1 + Math.floor(random() * 12))),
            },
            text: '',
          };
    TextDocument.update(doc, [change], i + 2);
    await c.change(uri, i + 2, [change]);
    if (i % 15 === 0) {
      const [hints] = await Promise.all([
        c.inlayHints(uri),
        c.hover(uri, Math.floor(random() * 100), 8),
        c.codeActions(uri, { start: { line: 105, character: 0 }, end: { line: 107, character: 0 } }),
      ]);
      assert.ok(Array.isArray(hints));
    }
  }
  assert.ok(c.alive, 'server exited');
  const incremental = await c.inlayHints(uri);
  await c.open('file:///fuzz-fresh.py', doc.getText());
  const fresh = await c.inlayHints('file:///fuzz-fresh.py');
  assert.deepEqual(
    incremental.map((h) => [h.position, h.label]),
    fresh.map((h) => [h.position, h.label]),
  );
  const diags = await c.diagnosticsFor(uri, 301);
  assert.ok(Array.isArray(diags));
});

/**
 * Applies `edits` seeded random edits (a snippet inserted, or a character deleted) to `initial`, and
 * after every tenth compares the edited document's modelReport with a fresh open of the same text.
 */
async function fuzzAgainstFreshOpen(
  name: string,
  initial: string,
  snippets: string[],
  seed: number,
  edits: number,
): Promise<void> {
  const c = await start();
  const uri = `file:///${name}.py`;
  const random = prng(seed);
  const doc = TextDocument.create(uri, 'python', 1, initial);
  await c.open(uri, initial);
  for (let i = 0; i < edits; i++) {
    const text = doc.getText();
    const at = Math.floor(random() * (text.length + 1));
    // Every 10th change replaces the whole text (random edits soon leave junk that keeps a file whole).
    const change: TextDocumentContentChangeEvent =
      i % 10 === 9
        ? { text: initial }
        : random() < 0.8
          ? {
              range: { start: doc.positionAt(at), end: doc.positionAt(at) },
              text: snippets[Math.floor(random() * snippets.length)],
            }
          : { range: { start: doc.positionAt(at), end: doc.positionAt(Math.min(text.length, at + 1)) }, text: '' };
    TextDocument.update(doc, [change], i + 2);
    await c.change(uri, i + 2, [change]);
    if (i % 10 === 8) {
      const edited = await c.conn.sendRequest('wattlens/modelReport', { uri });
      const freshUri = `file:///${name}-fresh-${i}.py`;
      await c.open(freshUri, doc.getText());
      const fresh = await c.conn.sendRequest('wattlens/modelReport', { uri: freshUri });
      assert.equal(JSON.stringify(edited), JSON.stringify(fresh), `${name}: after ${i + 1} edits`);
    }
  }
  assert.ok(c.alive);
}

test('seeded fuzz on a file of many models: after random edits the reused groups give the same report as a fresh open', async () => {
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
  await fuzzAgainstFreshOpen('fuzz-groups', syntheticModelsFile(600).text, snippets, 7331, 120);
});

test('seeded fuzz on one deep model: after random edits the memo of module calls gives the same report as a fresh open', async () => {
  const snippets = ['\n', '2', '0', ' ', 'x', ', eps=1e-3', ', bias=True', ', stride=2', 'WIDTH = 3\n', '    '];
  await fuzzAgainstFreshOpen('fuzz-deep', syntheticModel(700), snippets, 4242, 60);
});

test('half-typed code on every keystroke: typing a model line by line', async () => {
  const c = await start();
  const uri = 'file:///typing.py';
  await c.open(uri, '');
  const doc = TextDocument.create(uri, 'python', 1, '');
  let version = 1;
  for (const ch of resnetText.slice(0, 1500)) {
    const end = doc.positionAt(doc.getText().length);
    const change = { range: { start: end, end }, text: ch };
    TextDocument.update(doc, [change], ++version);
    await c.change(uri, version, [change]);
    if (version % 100 === 0) await c.inlayHints(uri);
  }
  await c.diagnosticsFor(uri, version);
  assert.ok(c.alive);
});

test('a 10 MB document with a generated weight table degrades to model totals, with a message', async () => {
  const c = await start();
  const uri = 'file:///weights.py';
  const weights = Array.from({ length: 1_600_000 }, (_, i) => `${(i % 997) / 1000}`).join(', ');
  const text = `${resnetText}\nWEIGHTS = [\n    ${weights.replace(/(.{1,2000})(, |$)/g, '$1,\n    ')}\n]\n`;
  assert.ok(text.length > 9 * 1024 * 1024, `${text.length}`);
  await c.open(uri, text);
  const diags = await c.diagnosticsFor(uri);
  const large = diags.find((d) => d.code === 'large-file');
  assert.ok(large, JSON.stringify(diags));
  assert.equal(large.severity, 2);
  assert.match(
    String(large.message),
    /over the 5 MB limit: 1 statement over 256 KB left out \(line \d+, \d+\.\d MB\).*model totals only/,
  );
  const lenses = await c.codeLenses(uri);
  assert.ok(
    lenses.some((l) => /ResNet18 · 1\.81 GMACs · 11\.7 M params/.test(l.command?.title ?? '')),
    JSON.stringify(lenses.map((l) => l.command?.title)),
  );
  const hints = await c.inlayHints(uri);
  assert.ok(hints.length >= 1 && hints.length <= 3, `totals only, got ${hints.length} hints`);
  await c.change(uri, 2, [
    { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '# edited\n' },
  ]);
  assert.ok((await c.diagnosticsFor(uri, 2)).some((d) => d.code === 'large-file'));
  assert.ok(c.alive);
});

test('a 6 MB document of small statements is analysed up to the limit, with a message', async () => {
  const c = await start();
  const uri = 'file:///big.py';
  const line = 'x = 1  # padding padding padding padding padding padding padding padding padding\n';
  const text = line.repeat(Math.ceil((6 * 1024 * 1024) / line.length));
  await c.open(uri, text);
  const diags = await c.diagnosticsFor(uri);
  assert.equal(diags.length, 1);
  assert.equal(diags[0].code, 'large-file');
  assert.equal(diags[0].severity, 2);
  assert.match(String(diags[0].message), /6\.0 MB, over the 5 MB limit: everything from line \d+ on left out/);
  assert.deepEqual(await c.inlayHints(uri), []);
  assert.equal(await c.hover(uri, 3, 1), null);
  await c.change(uri, 2, [
    { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: 'import torch\n' },
  ]);
  assert.equal((await c.diagnosticsFor(uri, 2)).length, 1);
  assert.ok(c.alive);
});

test('binary garbage: no crash, a clear diagnostic when it holds NUL bytes', async () => {
  const c = await start();
  const random = prng(7);
  const bytes = Buffer.from(Array.from({ length: 20000 }, () => Math.floor(random() * 256)));
  await c.open('file:///garbage.py', bytes.toString('latin1'));
  const d = await c.diagnosticsFor('file:///garbage.py');
  assert.equal(d[0].code, 'binary');
  const noNul = bytes.toString('utf8').replaceAll('\u0000', '');
  await c.open('file:///garbage2.py', noNul);
  assert.ok(Array.isArray(await c.inlayHints('file:///garbage2.py')));
  await c.diagnosticsFor('file:///garbage2.py');
  assert.ok(c.alive);
});

test('TF.js documents are analysed too; other languages are left alone', async () => {
  const c = await start();
  const ts =
    "import * as tf from '@tensorflow/tfjs';\n\nconst model = tf.sequential();\nmodel.add(tf.layers.dense({ units: 64, inputShape: [784], activation: 'relu' }));\nmodel.add(tf.layers.dense({ units: 10 }));\n";
  await c.conn.sendNotification('textDocument/didOpen', {
    textDocument: { uri: 'file:///model.ts', languageId: 'typescript', version: 1, text: ts },
  });
  const hints = await c.inlayHints('file:///model.ts');
  assert.ok(
    hints.some((h) => h.position.line === 3 && /FLOPs/.test(String(h.label))),
    JSON.stringify(hints),
  );
  const actions = await c.codeActions('file:///model.ts', {
    start: { line: 3, character: 0 },
    end: { line: 3, character: 0 },
  });
  assert.deepEqual(
    actions.map((a) => a.title.split(' (')[0]),
    ["Quantize model's weights to uint8 when converting"],
  );
  await c.conn.sendNotification('textDocument/didOpen', {
    textDocument: { uri: 'file:///notes.md', languageId: 'markdown', version: 1, text: '# model\n' },
  });
  assert.deepEqual(await c.inlayHints('file:///notes.md'), []);
  assert.equal(await c.hover('file:///notes.md', 0, 2), null);
  assert.deepEqual(await c.codeLenses('file:///notes.md'), []);
});

test('an unknown hardware id: one clear message, and the default profile is used', async () => {
  const c = await start({ hardware: 'nvidia-gtx-9999' });
  const uri = fileUri('resnet18.py');
  await c.open(uri, resnetText);
  const lens = await c.codeLenses(uri);
  assert.match(lens[0].command!.title, /on nvidia-t4 \(fp32\)$/);
  await c.hover(uri, 88, 15);
  await c.inlayHints(uri);
  const about = c.messages.filter((m) => m.message.includes("unknown hardware profile 'nvidia-gtx-9999'"));
  assert.equal(about.length, 1, JSON.stringify(c.messages));
  assert.match(about[0].message, /using nvidia-t4/);
});

test('a workspace profile broken while running: the error is reported and the last good version kept', async () => {
  const ws = mkdtempSync(join(tmpdir(), 'wattlens-ws-'));
  const dir = join(ws, '.wattlens', 'profiles');
  mkdirSync(dir, { recursive: true });
  const t4 = JSON.parse(readFileSync(join(repoRoot, 'profiles', 'hardware', 'nvidia-t4.json'), 'utf8'));
  delete t4.$schema;
  const file = join(dir, 'my-gpu.json');
  writeFileSync(file, JSON.stringify({ ...t4, id: 'my-gpu', name: 'My GPU' }, null, 2));
  const c = await start({ hardware: 'my-gpu' }, ws);
  const uri = fileUri('resnet18.py');
  await c.open(uri, resnetText);
  const before = (await c.codeLenses(uri))[0].command!.title;
  assert.match(before, /on my-gpu \(fp32\)$/, JSON.stringify(c.messages));
  writeFileSync(file, '{ "id": "my-gpu", broken');
  await c.conn.sendNotification('workspace/didChangeWatchedFiles', {
    changes: [{ uri: pathToFileURL(file).href, type: 2 }],
  });
  const message = await c.waitFor(
    () => c.messages.find((m) => m.message.includes('my-gpu.json')),
    'profile error message',
  );
  assert.match(message.message, /valid JSON/);
  assert.match(message.message, /keeping the last good version of 'my-gpu'/);
  assert.equal((await c.codeLenses(uri))[0].command!.title, before);
  assert.ok(!c.messages.some((m) => m.message.includes("unknown hardware profile 'my-gpu'")));
});

test('typing in a comment keeps the results; typing a `# wattlens: input=` directive re-analyses', async () => {
  const c = await start();
  const uri = 'file:///directive.py';
  const text =
    'import torch\nimport torch.nn as nn\n\n# the model\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n' +
    '        self.fc = nn.Linear(784, 10)  # classifier\n\n    def forward(self, x):\n        return self.fc(x)\n\n\nmodel = Net()\n';
  await c.open(uri, text);
  const before = await c.inlayHints(uri);
  // No input anywhere: the first layer's stated default, Linear(784, …) → 1×784.
  assert.match(String(before.find((h) => h.position.line === 7)?.label), /^15\.7 kFLOPs/);
  let version = 1;
  const typeAt = async (line: number, character: number, chars: string) => {
    for (const [i, ch] of [...chars].entries()) {
      const pos = { line, character: character + i };
      await c.change(uri, ++version, [{ range: { start: pos, end: pos }, text: ch }]);
      await c.inlayHints(uri);
    }
  };
  await typeAt(7, 44, ' layer');
  const hints = await c.inlayHints(uri);
  assert.equal(hints.length, before.length);
  assert.equal(
    hints.find((h) => h.position.line === 7)?.position.character,
    '        self.fc = nn.Linear(784, 10)  # classifier layer'.length,
  );
  await typeAt(3, 11, ' # wattlens: input=(8, 784)');
  const after = await c.inlayHints(uri);
  assert.match(String(after.find((h) => h.position.line === 7)?.label), /^12[56] kFLOPs/);
});

test('non-ASCII text: positions are UTF-16 columns, as LSP counts them', async () => {
  const c = await start();
  const uri = 'file:///unicode.py';
  const text = `# Modèle résiduel × 😀\n${resnetText.replace(/bias=False\)( {2}# expect:[^\n]*)?\n {8}self\.bn1/, 'bias=False)  # 7×7 conv 😀\n        self.bn1')}`;
  await c.open(uri, text);
  const lines = text.split('\n');
  const conv1 = lines.findIndex((l) => l.includes('# 7×7 conv 😀'));
  let version = 1;
  const edit = async (line: number, character: number, insert: string) => {
    await c.change(uri, ++version, [{ range: { start: { line, character }, end: { line, character } }, text: insert }]);
  };
  await edit(0, 2, 'é😀 ');
  const hints = await c.inlayHints(uri);
  const hint = hints.find((h) => h.position.line === conv1);
  assert.match(String(hint?.label), /^236 MFLOPs/);
  assert.equal(hint!.position.character, lines[conv1].length);
  const hover = await c.hover(uri, conv1, lines[conv1].indexOf('nn.Conv2d') + 2);
  assert.match((hover?.contents as { value: string }).value, /`conv1`/);
});
