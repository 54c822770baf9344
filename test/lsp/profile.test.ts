// wattlens/profileModel through the real server process: the report with work-done progress, the
// editor answering while the profile runs, cancellation that leaves no process behind, notebook
// ranges made cell-local, and a document with nothing to profile answered with why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CancellationTokenSource, LSPErrorCodes, ErrorCodes } from 'vscode-languageserver-protocol';
import { TestClient } from './client';
import { ProfileModelRequest, type ProfileModelParams, type ProfileReport } from '../../server/src/protocol';

const workspace = mkdtempSync(join(tmpdir(), 'wattlens-lsp-profile-'));
const uri = pathToFileURL(join(workspace, 'cnn.py')).href;
const MODEL = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, padding=1)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(16 * 32 * 32, 10)

    def forward(self, x):
        x = self.relu(self.conv(x))
        return self.fc(x.flatten(1))
`;
const CALL = `
net = Net()
y = net(torch.randn(2, 3, 32, 32))
`;

let client: TestClient;
before(async () => {
  client = await TestClient.start({}, { workspace });
  await client.open(uri, MODEL + CALL);
});
after(async () => {
  await client.stop();
  rmSync(workspace, { recursive: true, force: true });
});

/** Progress values the server sent for a token. */
function collectProgress(token: string): { kind: string; message?: string; percentage?: number }[] {
  const seen: { kind: string; message?: string; percentage?: number }[] = [];
  client.conn.onNotification('$/progress', (p: { token: string; value: { kind: string } }) => {
    if (p.token === token) seen.push(p.value);
  });
  return seen;
}

/** Processes whose parent is the server (the profile host and, under it, the runner). */
function childrenOfServer(): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(client.proc.pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
  } catch {
    return [];
  }
}

test('profileModel: measured beside estimated per layer, with progress, while the editor keeps answering', async () => {
  const progress = collectProgress('profile-1');
  const params: ProfileModelParams = { uri, ep: 'cpu', workDoneToken: 'profile-1' };
  let profiled = false;
  const pending = client.conn.sendRequest(ProfileModelRequest.method, params).then((r) => {
    profiled = true;
    return r as ProfileReport;
  });
  // The server's thread only waits for the profile host: a hover is answered meanwhile.
  const hover = await client.hover(uri, 12, 20);
  assert.ok(hover, 'hover answered');
  assert.equal(profiled, false, 'the hover came back before the profile');
  const report = await pending;
  assert.equal(report.schema, 'wattlens.profile/1');
  assert.equal(report.executionProvider, 'cpu');
  const conv = report.models[0].layers.find((l) => l.path === 'conv')!;
  assert.ok(conv.measuredMs! > 0 && conv.estimatedMs! > 0);
  assert.equal(conv.range?.start.line, 12);
  assert.equal(progress[0]?.kind, 'begin');
  assert.ok(progress.some((p) => p.kind === 'report' && /timing on cpu/.test(p.message ?? '')));
  assert.equal(progress[progress.length - 1]?.kind, 'end');
  await client.waitFor(() => childrenOfServer().length === 0 || undefined, 'the profile processes to exit', 10_000);
});

test('cancelling the request stops the profile host and its runner', async () => {
  const progress = collectProgress('profile-2');
  const source = new CancellationTokenSource();
  const pending = client.conn.sendRequest(
    ProfileModelRequest.method,
    { uri, ep: 'cpu', workDoneToken: 'profile-2' } satisfies ProfileModelParams,
    source.token,
  );
  await client.waitFor(() => progress.some((p) => p.kind === 'report'), 'the profile to start', 60_000);
  source.cancel();
  await assert.rejects(pending, (e: { code?: number }) => e.code === LSPErrorCodes.RequestCancelled);
  await client.waitFor(() => childrenOfServer().length === 0 || undefined, 'the profile processes to exit', 10_000);
  assert.ok(client.alive);
});

test('a TF.js document is profiled too: its layers measured beside their estimates', async () => {
  const tfjs = pathToFileURL(join(workspace, 'model.ts')).href;
  const text = `import * as tf from '@tensorflow/tfjs';
const model = tf.sequential();
model.add(tf.layers.conv2d({inputShape: [28, 28, 1], kernelSize: 3, filters: 8, activation: 'relu'}));
model.add(tf.layers.flatten());
model.add(tf.layers.dense({units: 10, activation: 'softmax'}));
`;
  await client.open(tfjs, text, 1, 'typescript');
  const report = (await client.conn.sendRequest(ProfileModelRequest.method, {
    uri: tfjs,
    ep: 'cpu',
  } satisfies ProfileModelParams)) as ProfileReport;
  const [model] = report.models;
  assert.deepEqual(
    model.layers.map((l) => [l.op, l.range?.start.line]),
    [
      ['Conv2D', 2],
      ['Flatten', 3],
      ['Dense', 4],
    ],
  );
  assert.ok(model.layers.every((l) => l.measuredMs! > 0 && l.estimatedMs! > 0));
});

test('a document with nothing to profile is answered with why', async () => {
  // A file of helpers only: a model class the file never builds is built with its defaults and
  // profiled, so the document must hold no module at all.
  const empty = pathToFileURL(join(workspace, 'blocks.py')).href;
  await client.open(empty, 'import torch\n\n\ndef double(x):\n    return x * 2\n');
  await assert.rejects(
    client.conn.sendRequest(ProfileModelRequest.method, { uri: empty, ep: 'cpu' } satisfies ProfileModelParams),
    (e: { code?: number; message?: string }) =>
      e.code === ErrorCodes.InvalidParams && /no model to profile/.test(e.message ?? ''),
  );
  await assert.rejects(
    client.conn.sendRequest(ProfileModelRequest.method, { uri: 'file:///nowhere.py' } satisfies ProfileModelParams),
    (e: { code?: number; message?: string }) =>
      e.code === ErrorCodes.InvalidParams && /not an open/.test(e.message ?? ''),
  );
});

test('a notebook: rows come back in their own cell’s lines, with the cell', async () => {
  const notebook = pathToFileURL(join(workspace, 'model.ipynb')).href;
  const cells = [
    `vscode-notebook-cell:${join(workspace, 'model.ipynb')}#A`,
    `vscode-notebook-cell:${join(workspace, 'model.ipynb')}#B`,
  ];
  await client.conn.sendNotification('notebookDocument/didOpen', {
    notebookDocument: {
      uri: notebook,
      notebookType: 'jupyter-notebook',
      version: 1,
      cells: cells.map((document) => ({ kind: 2, document })),
    },
    cellTextDocuments: [
      { uri: cells[0], languageId: 'python', version: 1, text: MODEL },
      { uri: cells[1], languageId: 'python', version: 1, text: CALL },
    ],
  });
  const report = (await client.conn.sendRequest(ProfileModelRequest.method, {
    uri: cells[1],
    ep: 'cpu',
  } satisfies ProfileModelParams)) as ProfileReport;
  const fc = report.models[0].layers.find((l) => l.path === 'fc')!;
  assert.equal(fc.cell, 0);
  assert.equal(fc.range?.start.line, 13);
  assert.ok(fc.measuredMs! > 0);
});
