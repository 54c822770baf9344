// Extension-host tests in an untrusted workspace (Restricted Mode): static hints still work; workspace
// hardware profiles and local profiling are off, and both say why.
/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { HardwareProfilesRequest, type HardwareProfilesResult } from '../../../server/src/protocol';
import { COMMANDS } from '../../../client/src/commands';
import { PROFILING_UNTRUSTED, type ProfileOutcome } from '../../../client/src/profiling';
import { WORKSPACE_PROFILE_ID } from '../constants';
import { inlayHints, openEditor, wattlens, workspaceUri } from './helpers';

describe('WattLens in Restricted Mode (untrusted workspace)', () => {
  it('runs in an untrusted workspace', () => {
    assert.equal(vscode.workspace.isTrusted, false);
  });

  it('still shows static hints', async () => {
    await openEditor('model.py');
    await wattlens();
    const hints = await inlayHints(workspaceUri('model.py'));
    assert.ok(hints.length > 0);
  });

  it('reads no workspace profiles, and says why', async () => {
    const api = await wattlens();
    const result = await api.server.request<object, HardwareProfilesResult>(HardwareProfilesRequest.type, {});
    assert.equal(result.workspaceProfiles.enabled, false);
    assert.match(result.workspaceProfiles.reason ?? '', /Restricted Mode|not trusted/);
    assert.ok(!result.profiles.some((p) => p.id === WORKSPACE_PROFILE_ID));
    assert.ok(result.profiles.some((p) => p.id === 'nvidia-t4'));
    assert.deepEqual(result.problems, [], 'the broken workspace profile is not even read');
  });

  it('keeps local profiling off, and says why', async () => {
    const outcome = await vscode.commands.executeCommand<ProfileOutcome>(COMMANDS.profileModel, {
      uri: workspaceUri('model.py').toString(),
      model: 'SmallNet',
    });
    assert.deepEqual(outcome, { ok: false, message: PROFILING_UNTRUSTED });
  });
});
