// Extension-host tests of the editor features in a real VS Code (code-server), in a trusted workspace:
// activation and commands, the server's hints / hovers / lenses / diagnostics through VS Code's own
// execute*Provider commands, the status bar and profile picker data, settings applied live, exports,
// workspace profiles (a valid one listed, a broken one reported with where it fails).
/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { HardwareProfilesRequest, type HardwareProfilesResult } from '../../../server/src/protocol';
import { COMMANDS } from '../../../client/src/commands';
import { WORKSPACE_PROFILE_ID } from '../constants';
import { config, hintText, inlayHints, openEditor, recordTiming, waitFor, wattlens, workspaceUri } from './helpers';

describe('WattLens in VS Code (trusted workspace)', () => {
  before(async () => {
    await openEditor('model.py');
    await wattlens();
  });

  after(async () => {
    const settings = vscode.workspace.getConfiguration('wattlens');
    await settings.update('hardware', undefined, vscode.ConfigurationTarget.Workspace);
    await settings.update('precision', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('activates, records its activation time, and registers every command with its palette title', async () => {
    const api = await wattlens();
    const timing = await waitFor(
      'the server start to be timed',
      () => api.timing.serverReadyMs !== undefined && api.timing,
    );
    assert.ok(timing.activateMs >= 0 && timing.bundleEvaluationMs >= 0);
    recordTiming('activation: evaluating dist/extension.js', [timing.bundleEvaluationMs]);
    recordTiming('activation: activate()', [timing.activateMs]);
    recordTiming('activation: activate() called → language server initialized', [timing.serverReadyMs!]);
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const id of Object.values(COMMANDS)) assert.ok(registered.has(id), `${id} is registered`);
    const manifest = vscode.extensions.getExtension('wattlens.wattlens')!.packageJSON as {
      contributes: { commands: { command: string; title: string; category: string }[] };
      extensionDependencies?: string[];
    };
    const titles = manifest.contributes.commands.map((c) => `${c.category}: ${c.title}`).sort();
    assert.deepEqual(titles, [
      'WattLens: Export Report',
      'WattLens: Open Profiling Panel',
      'WattLens: Profile Model Locally',
      'WattLens: Restart Server',
      'WattLens: Select Hardware Profile',
    ]);
    assert.equal(manifest.extensionDependencies, undefined, 'no extension dependencies: installs on a bare VS Code');
  });

  it('shows inlay hints with FLOPs, energy and share on the layer lines', async () => {
    const uri = workspaceUri('model.py');
    const hints = await inlayHints(uri);
    const labels = hints.map(hintText);
    const conv2 = hints.find((h) => h.position.line === 11);
    assert.ok(conv2, `a hint on the conv2 line; got lines ${hints.map((h) => h.position.line).join(', ')}`);
    assert.match(hintText(conv2), /FLOPs · .*J · \d+%/);
    assert.ok(
      labels.every((l) => !/NaN|undefined/.test(l)),
      labels.join('\n'),
    );
  });

  it('answers hovers and code lenses through VS Code', async () => {
    const uri = workspaceUri('model.py');
    const hovers = await waitFor('a hover on conv2', async () => {
      const result = await vscode.commands.executeCommand<vscode.Hover[]>(
        'vscode.executeHoverProvider',
        uri,
        new vscode.Position(11, 14),
      );
      return result?.length ? result : undefined;
    });
    const markdown = hovers
      .flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value)))
      .join('\n');
    assert.match(markdown, /MACs/);
    assert.match(markdown, /nvidia-t4/);
    const lenses = await waitFor('code lenses', async () => {
      const result = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      return result?.length ? result : undefined;
    });
    const titles = lenses.map((l) => l.command?.title ?? '');
    assert.ok(
      titles.some((t) =>
        /^SmallNet · .*MACs · .*params · .*J per forward pass \(batch of 8\), .*J per sample on nvidia-t4 \(fp32\)/.test(
          t,
        ),
      ),
      titles.join('\n'),
    );
    const profile = lenses.find((l) => l.command?.title === 'Profile locally');
    assert.equal(profile?.command?.command, COMMANDS.profileModel);
  });

  it('publishes diagnostics, each with a quick fix the editor offers', async () => {
    const uri = workspaceUri('model.py');
    const diagnostics = await waitFor('diagnostics of model.py', () => {
      const list = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'wattlens');
      return list.length >= 2 ? list : undefined;
    });
    const bias = diagnostics.find((d) => /bias/i.test(d.message));
    assert.ok(bias, diagnostics.map((d) => d.message).join('\n'));
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      bias.range,
    );
    assert.ok(
      actions.some((a) => /bias=False/.test(a.title)),
      actions.map((a) => a.title).join('\n'),
    );
  });

  it('reports the profile in force with its figures, and workspace profiles with the broken one located', async () => {
    const api = await wattlens();
    const result = await api.server.request<object, HardwareProfilesResult>(HardwareProfilesRequest.type, {});
    assert.equal(result.current.hardware, 'nvidia-t4');
    assert.ok(result.workspaceProfiles.enabled);
    const own = result.profiles.find((p) => p.id === WORKSPACE_PROFILE_ID);
    assert.equal(own?.origin, 'workspace');
    const t4 = result.profiles.find((p) => p.id === 'nvidia-t4');
    assert.equal(t4?.peakTflops.fp32, 8.1);
    assert.ok(t4!.bandwidthGBps! > 0 && t4!.maxW! > 0);
    assert.ok(!result.profiles.some((p) => p.id === 'broken'), 'the profile that fails the schema is not loaded');
    assert.ok(
      result.problems.some((p) => p.includes('broken.json') && p.includes('peak.fp32')),
      `a located message for broken.json: ${result.problems.join('\n')}`,
    );
    await api.statusBar.settled();
    api.statusBar.refresh();
    await api.statusBar.settled();
    assert.equal(api.statusBar.latest?.current.hardware, 'nvidia-t4');
  });

  it('falls back to the default profile when the setting names the broken one', async () => {
    const api = await wattlens();
    const settings = vscode.workspace.getConfiguration('wattlens');
    const inForce = (id: string, negate = false) =>
      waitFor(`the profile in force ${negate ? 'to leave' : 'to be'} ${id}`, async () => {
        api.statusBar.refresh();
        await api.statusBar.settled();
        const hardware = api.statusBar.latest?.current.hardware;
        return hardware !== undefined && (hardware === id) !== negate ? hardware : undefined;
      });
    try {
      await settings.update('hardware', 'nvidia-l4', vscode.ConfigurationTarget.Workspace);
      await inForce('nvidia-l4');
      await settings.update('hardware', 'broken', vscode.ConfigurationTarget.Workspace);
      assert.equal(await inForce('nvidia-l4', true), 'nvidia-t4', 'the built-in default, not the broken file');
    } finally {
      await settings.update('hardware', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('validates workspace profiles against the contributed JSON schema', async () => {
    const uri = workspaceUri('.wattlens/profiles/broken.json');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const problems = await waitFor('schema problems in broken.json', () => {
      const list = vscode.languages.getDiagnostics(uri);
      return list.length ? list : undefined;
    });
    assert.ok(
      problems.some((d) => /memory|power|overheadUs|object/i.test(d.message)),
      problems.map((d) => d.message).join('\n'),
    );
  });

  it('applies a new profile and precision live: status bar, hints and lenses follow the settings', async () => {
    const api = await wattlens();
    const uri = workspaceUri('model.py');
    const before = (await inlayHints(uri)).map(hintText).join('|');
    const settings = vscode.workspace.getConfiguration('wattlens');
    await settings.update('hardware', 'nvidia-h100-sxm', vscode.ConfigurationTarget.Workspace);
    await settings.update('precision', 'bf16', vscode.ConfigurationTarget.Workspace);
    await waitFor('the status bar to show h100 · bf16', async () => {
      api.statusBar.refresh();
      await api.statusBar.settled();
      return (
        api.statusBar.latest?.current.hardware === 'nvidia-h100-sxm' &&
        api.statusBar.latest.current.precision === 'bf16'
      );
    });
    await waitFor('hints on the new profile', async () => (await inlayHints(uri)).map(hintText).join('|') !== before);
    const lenses = await waitFor('lenses on the new profile', async () => {
      const result = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      return result?.find((l) => /nvidia-h100-sxm \(bf16\)/.test(l.command?.title ?? ''));
    });
    assert.ok(lenses);
    await settings.update('hardware', undefined, vscode.ConfigurationTarget.Workspace);
    await settings.update('precision', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('exports the report as CodeCarbon-style CSV and as the CLI JSON', async () => {
    const target = join(config().workspace, 'export.csv');
    const written = await vscode.commands.executeCommand<string>(COMMANDS.exportReport, {
      uri: workspaceUri('model.py').toString(),
      format: 'csv',
      target,
    });
    assert.equal(written, target);
    const [header, row] = readFileSync(target, 'utf8').trim().split('\n');
    for (const column of [
      'timestamp',
      'project_name',
      'run_id',
      'duration',
      'emissions',
      'energy_consumed',
      'country_iso_code',
      'pue',
      'gpu_model',
    ])
      assert.ok(header.split(',').includes(column), `CSV column ${column} in ${header}`);
    assert.ok(row.includes('SmallNet'), row);
    const jsonTarget = join(config().workspace, 'export.json');
    await vscode.commands.executeCommand(COMMANDS.exportReport, {
      uri: workspaceUri('model.py').toString(),
      format: 'json',
      target: jsonTarget,
    });
    const report = JSON.parse(readFileSync(jsonTarget, 'utf8'));
    assert.equal(report.schema, 'wattlens.report/1');
    assert.equal(report.files[0].models[0].name, 'SmallNet');
  });
});
