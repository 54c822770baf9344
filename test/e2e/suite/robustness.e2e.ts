// Extension-host tests of failure: the language server killed (the client restarts it with a notice and
// the editor keeps working), killed again and again (the client stops after a few crashes instead of
// looping, and "WattLens: Restart Server" brings it back).
/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { COMMANDS } from '../../../client/src/commands';
import { inlayHints, openEditor, sleep, waitFor, wattlens, workspaceUri } from './helpers';

function kill(pid: number): void {
  process.kill(pid, 'SIGKILL');
}

describe('When the language server dies or hangs', () => {
  it('keeps the editor usable while the server hangs, and answers again once it resumes', async () => {
    const editor = await openEditor('model.py');
    const api = await wattlens();
    const pid = await waitFor('the server pid', () => api.server.serverPid);
    await inlayHints(workspaceUri('model.py'));
    process.kill(pid, 'SIGSTOP');
    try {
      // Requests to a hung server wait; the editor, the commands and the panel do not.
      const pending = vscode.commands.executeCommand<vscode.InlayHint[]>(
        'vscode.executeInlayHintProvider',
        workspaceUri('model.py'),
        new vscode.Range(0, 0, 100, 0),
      );
      assert.ok(await editor.edit((b) => b.insert(new vscode.Position(0, 0), '# typed while the server hangs\n')));
      const key = await vscode.commands.executeCommand<string>(COMMANDS.openProfilingPanel, editor.document.uri);
      assert.ok(api.panels.get(key), 'the panel opens');
      assert.equal(await Promise.race([pending.then(() => 'answered'), sleep(1500).then(() => 'waiting')]), 'waiting');
      process.kill(pid, 'SIGCONT');
      await pending;
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await vscode.commands.executeCommand('workbench.action.files.revert');
    const hints = await inlayHints(workspaceUri('model.py'));
    assert.ok(hints.length > 0, 'hints once the server resumed');
    assert.equal(api.server.serverPid, pid, 'the same server: a pause is not a crash');
  });

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
