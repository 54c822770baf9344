// Helpers for the extension-host suites: the extension's API, waiting for conditions without timed
// assertions (a condition is polled until it holds or a generous deadline passes), and the timing file.
import * as vscode from 'vscode';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WattLensApi } from '../../../client/src/extension';
import type { RunConfig } from './index';

/** The run's configuration (written by the driver beside the bundles). */
export function config(): RunConfig {
  return JSON.parse(readFileSync(join(__dirname, 'config.json'), 'utf8')) as RunConfig;
}

/** A file of the test workspace as a URI. */
export function workspaceUri(name: string): vscode.Uri {
  return vscode.Uri.file(join(config().workspace, name));
}

/** Activates WattLens (opening a Python file does it too) and waits until its server runs. */
export async function wattlens(): Promise<WattLensApi> {
  const extension = vscode.extensions.getExtension<WattLensApi>('wattlens.wattlens');
  if (!extension) throw new Error('the WattLens extension is not installed');
  const api = extension.isActive ? extension.exports : await extension.activate();
  await api.ready;
  return api;
}

/** Polls `probe` until it returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
    } catch (e) {
      last = e;
    }
    await sleep(100);
  }
  throw new Error(
    `timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`,
  );
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Opens a text document in an editor. */
export async function openEditor(name: string, column = vscode.ViewColumn.One): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(workspaceUri(name));
  return vscode.window.showTextDocument(document, { viewColumn: column, preview: false });
}

/** Inlay hints of a whole document through VS Code's own command (retried until the server answered). */
export async function inlayHints(uri: vscode.Uri, lines = 10_000): Promise<vscode.InlayHint[]> {
  return waitFor(`inlay hints of ${uri.path}`, async () => {
    const hints = await vscode.commands.executeCommand<vscode.InlayHint[]>(
      'vscode.executeInlayHintProvider',
      uri,
      new vscode.Range(0, 0, lines, 0),
    );
    return hints?.length ? hints : undefined;
  });
}

/** An inlay hint's label as text. */
export function hintText(hint: vscode.InlayHint): string {
  return typeof hint.label === 'string' ? hint.label : hint.label.map((p) => p.value).join('');
}

/** Records a measured figure in the timings file (medians are computed by the driver). */
export function recordTiming(name: string, samples: number[], unit = 'ms', note = ''): void {
  const file = config().timingsFile;
  const all = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  all[name] = { samples, unit, note };
  writeFileSync(file, JSON.stringify(all, null, 2));
}

/** The median of some samples. */
export function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
