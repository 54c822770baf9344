// Extension-host tests of failure: the language server killed (the client restarts it with a notice and
// the editor keeps working), killed again and again (the client stops after a few crashes instead of
// looping, and "WattLens: Restart Server" brings it back).
/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { COMMANDS } from '../../../client/src/commands';
import { inlayHints, openEditor, waitFor, wattlens, workspaceUri } from './helpers';

function kill(pid: number): void {
  process.kill(pid, 'SIGKILL');
}

describe('When the language server dies', () => {
  it('restarts it, and hints come back', async () => {
    await openEditor('model.py');
    const api = await wattlens();
    const pid = await waitFor('the server pid', () => api.server.serverPid);
    const restarts = api.server.restarts;
    kill(pid);
    const next = await waitFor('a new server process', () => {
      const now = api.server.serverPid;
      return now !== undefined && now !== pid && api.server.languageClient ? now : undefined;
    });
    assert.notEqual(next, pid);
    assert.equal(api.server.restarts, restarts + 1);
    const hints = await inlayHints(workspaceUri('model.py'));
    assert.ok(hints.length > 0, 'hints after the restart');
  });

  it('gives up after repeated crashes instead of looping, and Restart Server starts it again', async () => {
    const api = await wattlens();
    let stopped = false;
    for (let i = 0; i < 6 && !stopped; i++) {
      const pid = await waitFor('a running server', () =>
        api.server.languageClient ? api.server.serverPid : undefined,
      );
      kill(pid);
      stopped = await waitFor('the server to restart or stop', async () => {
        if (api.server.gaveUp) return 'stopped';
        const now = api.server.serverPid;
        return now !== undefined && now !== pid && api.server.languageClient ? 'restarted' : undefined;
      }).then((s) => s === 'stopped');
    }
    assert.ok(stopped, 'the client stopped restarting');
    assert.equal(api.server.languageClient, undefined);
    await vscode.commands.executeCommand(COMMANDS.restartServer);
    await waitFor('the server after Restart Server', () => api.server.languageClient);
    const hints = await inlayHints(workspaceUri('model.py'));
    assert.ok(hints.length > 0, 'hints after Restart Server');
  });
});
