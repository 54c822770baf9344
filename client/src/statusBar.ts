// The status bar item "WattLens: nvidia-t4 · fp32": the profile and precision in force, its tooltip the
// region and the profile's key figures; clicking it opens the hardware picker.
import * as vscode from 'vscode';
import { HardwareProfilesRequest, type HardwareProfilesResult } from '../../server/src/protocol';
import type { ServerClient } from './serverClient';

/** The command the item runs. */
export const SELECT_PROFILE_COMMAND = 'wattlens.selectHardwareProfile';

/** Keeps the item in step with the settings and the server. */
export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private refreshing: Promise<void> | undefined;
  private again = false;
  /** The last answer of `wattlens/hardwareProfiles` (the picker reuses it). */
  latest: HardwareProfilesResult | undefined;

  constructor(private readonly server: ServerClient) {
    this.item = vscode.window.createStatusBarItem('status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'WattLens hardware profile';
    this.item.command = SELECT_PROFILE_COMMAND;
    this.showSettings();
    this.item.show();
    this.disposables.push(
      this.item,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('wattlens')) this.refresh();
      }),
      server.onDidChangeState(() => this.refresh()),
    );
  }

  /** Asks the server for the settings in force and the profile's figures (coalescing overlapping calls). */
  refresh(): void {
    if (this.refreshing) {
      this.again = true;
      return;
    }
    this.showSettings();
    this.refreshing = this.update().finally(() => {
      this.refreshing = undefined;
      if (this.again) {
        this.again = false;
        this.refresh();
      }
    });
  }

  /** Settles once the pending refresh is done (the tests wait on it). */
  async settled(): Promise<void> {
    while (this.refreshing) await this.refreshing;
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }

  /** Shows the configured values at once, before the server has answered. */
  private showSettings(): void {
    const config = vscode.workspace.getConfiguration('wattlens');
    this.item.text = `$(zap) WattLens: ${config.get('hardware')} · ${config.get('precision')}`;
  }

  private async update(): Promise<void> {
    if (!this.server.languageClient) {
      this.item.tooltip =
        'The WattLens server is not running. Click to choose hardware; WattLens: Restart Server starts it.';
      return;
    }
    try {
      const result = await this.server.request<object, HardwareProfilesResult>(HardwareProfilesRequest.type, {});
      this.latest = result;
      this.item.text = `$(zap) WattLens: ${result.current.hardware} · ${result.current.precision}`;
      this.item.tooltip = tooltip(result);
      this.item.accessibilityInformation = {
        label: `WattLens hardware profile ${result.current.hardware}, precision ${result.current.precision}`,
      };
    } catch (e) {
      this.item.tooltip = `WattLens: ${(e as Error).message}`;
    }
  }
}

/** The tooltip: profile, its key figures, region and grid intensity, PUE, and whether workspace profiles are read. */
function tooltip(result: HardwareProfilesResult): vscode.MarkdownString {
  const { current } = result;
  const profile = result.profiles.find((p) => p.id === current.hardware);
  const md = new vscode.MarkdownString(undefined, true);
  const auto = current.precisionSetting === 'auto' ? " (auto: the device's native precision)" : '';
  md.appendMarkdown(
    `**WattLens** · ${escape(current.hardwareName ?? current.hardware)} (\`${escape(current.hardware)}\`) at ${current.precision}${auto}\n\n`,
  );
  if (profile)
    md.appendMarkdown(`${escape(profile.figures)}${profile.calibrated ? ' · calibrated by a measured run' : ''}\n\n`);
  const grid = current.gridIntensity;
  const region = current.region ? `Region ${escape(current.region)}` : 'Region: world average';
  md.appendMarkdown(
    `${region}${grid ? ` · ${escape(grid.text)} (${escape(grid.source)})` : ''} · PUE ${current.pue}\n\n`,
  );
  if (current.batchSize !== null) md.appendMarkdown(`Batch size ${current.batchSize} (wattlens.batchSize)\n\n`);
  if (!result.workspaceProfiles.enabled)
    md.appendMarkdown(`$(shield) ${escape(result.workspaceProfiles.reason ?? '')}\n\n`);
  md.appendMarkdown('Click to choose the hardware profile and precision.');
  return md;
}

/** Markdown-escapes text that comes from profile files. */
function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
