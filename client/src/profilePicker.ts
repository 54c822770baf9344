// "WattLens: Select Hardware Profile": a quick pick of the loaded profiles (built-in and workspace, each
// with its peak, bandwidth and power), then of the precisions that profile has; the choice is written to
// the settings, which the server pulls again, so every view updates.
import * as vscode from 'vscode';
import {
  HardwareProfilesRequest,
  type HardwareProfileSummary,
  type HardwareProfilesResult,
  type Precision,
} from '../../server/src/protocol';
import { PRECISION_ORDER } from './display';
import type { ServerClient } from './serverClient';

interface ProfileItem extends vscode.QuickPickItem {
  profile?: HardwareProfileSummary;
}

interface PrecisionItem extends vscode.QuickPickItem {
  precision: Precision | 'auto';
}

/** Runs both picks; resolves with the choice written, or undefined when the user dismissed a pick. */
export async function selectHardwareProfile(
  server: ServerClient,
): Promise<{ hardware: string; precision: Precision | 'auto' } | undefined> {
  let result: HardwareProfilesResult;
  try {
    result = await server.request(HardwareProfilesRequest.type, {});
  } catch (e) {
    void vscode.window.showErrorMessage(`WattLens: cannot list hardware profiles: ${(e as Error).message}`);
    return undefined;
  }
  const profile = await pickProfile(result);
  if (!profile) return undefined;
  const precision = await pickPrecision(profile, result.current.precisionSetting);
  if (!precision) return undefined;
  const config = vscode.workspace.getConfiguration('wattlens');
  const target = vscode.workspace.workspaceFolders?.length
    ? vscode.ConfigurationTarget.Workspace
    : vscode.ConfigurationTarget.Global;
  await config.update('hardware', profile.id, target);
  await config.update('precision', precision, target);
  return { hardware: profile.id, precision };
}

async function pickProfile(result: HardwareProfilesResult): Promise<HardwareProfileSummary | undefined> {
  const items: ProfileItem[] = [];
  for (const origin of ['workspace', 'builtin'] as const) {
    const profiles = result.profiles.filter((p) => p.origin === origin);
    if (!profiles.length) continue;
    items.push({
      label: origin === 'builtin' ? 'Built-in profiles' : 'Workspace profiles (.wattlens/profiles)',
      kind: vscode.QuickPickItemKind.Separator,
    });
    for (const profile of profiles) {
      items.push({
        label: `${profile.id === result.current.hardware ? '$(check) ' : ''}${profile.id}`,
        description: `${profile.name} · ${profile.kind}${profile.calibrated ? ' · calibrated' : ''}`,
        detail: profile.figures,
        profile,
      });
    }
  }
  if (!result.workspaceProfiles.enabled && result.workspaceProfiles.reason) {
    items.push({ label: 'Workspace profiles', kind: vscode.QuickPickItemKind.Separator });
    items.push({ label: '$(shield) Workspace profiles are off', detail: result.workspaceProfiles.reason });
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: 'WattLens: hardware profile (1/2)',
    placeHolder: `Current: ${result.current.hardware}. Type to filter by id, name or figures`,
    matchOnDescription: true,
    matchOnDetail: true,
  });
  return picked?.profile;
}

async function pickPrecision(
  profile: HardwareProfileSummary,
  current: Precision | 'auto',
): Promise<Precision | 'auto' | undefined> {
  const items: PrecisionItem[] = [
    {
      label: `${current === 'auto' ? '$(check) ' : ''}auto`,
      description: "the device's native precision, for code that states none",
      precision: 'auto',
    },
    ...PRECISION_ORDER.filter((p) => profile.peakTflops[p] !== undefined).map((p) => ({
      label: `${p === current ? '$(check) ' : ''}${p}`,
      description: `peak ${profile.peakText[p] ?? '?'}`,
      precision: p,
    })),
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: `WattLens: precision on ${profile.id} (2/2)`,
    placeHolder: 'Only the precisions this profile has a peak for are listed',
  });
  return picked?.precision;
}
