// The WattLens extension's entry point: activation wires the language client, status bar, commands,
// profiling panels and notebook cell items, and starts the server without waiting for it (activation
// stays cheap: nothing is analysed and nothing heavy is loaded on this path).
import * as vscode from 'vscode';
import { ReportChangedNotification, type ReportChangedParams } from '../../server/src/protocol';
import { registerCommands } from './commands';
import { CellCostItems } from './notebookCells';
import { PanelManager } from './panel/panelManager';
import { ServerClient } from './serverClient';
import { StatusBar } from './statusBar';

/** Set by the bundle's first line (scripts/build.mjs banner): when evaluating dist/extension.js began. */
declare const __wattlensBundleStart: number | undefined;
const moduleLoadedAt = performance.now();
const bundleStart = typeof __wattlensBundleStart === 'number' ? __wattlensBundleStart : moduleLoadedAt;

/** What `activate` returns: the pieces the end-to-end tests inspect. */
export interface WattLensApi {
  server: ServerClient;
  panels: PanelManager;
  statusBar: StatusBar;
  cells: CellCostItems;
  /** Where activation time goes, in milliseconds (the tests' timing report prints it). */
  timing: ActivationTiming;
  /** Resolves once the server answered `initialize` (rejects when it could not start). */
  ready: Promise<void>;
}

/** Activation measured from inside: evaluating the bundle, activate() itself, and the server's start. */
export interface ActivationTiming {
  /** From the bundle's first line to the end of its evaluation (its parse happens before and is not counted). */
  bundleEvaluationMs: number;
  /** The activate() call. */
  activateMs: number;
  /** From activate() being called until the server answered `initialize` (undefined until it has). */
  serverReadyMs: number | undefined;
}

let api: WattLensApi | undefined;

/** Activates on Python, TS/JS, Jupyter notebooks and the commands. */
export function activate(context: vscode.ExtensionContext): WattLensApi {
  const activateStart = performance.now();
  const timing: ActivationTiming = {
    bundleEvaluationMs: moduleLoadedAt - bundleStart,
    activateMs: 0,
    serverReadyMs: undefined,
  };
  const output = vscode.window.createOutputChannel('WattLens', { log: true });
  const server = new ServerClient(context, output);
  const statusBar = new StatusBar(server);
  const panels = new PanelManager(server, context.extensionUri);
  const cells = new CellCostItems(server, () => statusBar.latest?.current ?? configuredSetup());
  context.subscriptions.push(
    output,
    statusBar,
    panels,
    cells,
    vscode.notebooks.registerNotebookCellStatusBarItemProvider('jupyter-notebook', cells),
    server.onNotification<ReportChangedParams>(ReportChangedNotification.type, ({ uri }) => {
      panels.reportChanged(uri);
      cells.reportChanged(uri);
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('wattlens')) cells.refresh();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      output.appendLine('WattLens: the workspace is trusted now; restarting the server to read workspace profiles.');
      void server.restart();
    }),
    ...registerCommands(server, panels, statusBar),
  );
  if (!vscode.workspace.isTrusted) {
    output.appendLine(
      'WattLens: Restricted Mode: static hints work; workspace hardware profiles (.wattlens/profiles), calibration files and local profiling are off until the workspace is trusted.',
    );
  }
  // The server starts after activate() has returned, so that activation itself stays a few milliseconds.
  const ready = new Promise<void>((resolve) => setImmediate(resolve))
    .then(() => server.start())
    .then(
      () => {
        timing.serverReadyMs = performance.now() - activateStart;
        statusBar.refresh();
        cells.refresh();
      },
      (e: Error) => {
        output.appendLine(`WattLens: the server did not start: ${e?.stack ?? e}`);
        throw e;
      },
    );
  ready.catch(() => undefined);
  timing.activateMs = performance.now() - activateStart;
  api = { server, panels, statusBar, cells, timing, ready };
  return api;
}

/** Stops the server. */
export async function deactivate(): Promise<void> {
  await api?.server.dispose();
  api = undefined;
}

function configuredSetup(): { hardware: string; precision: string } {
  const config = vscode.workspace.getConfiguration('wattlens');
  return { hardware: String(config.get('hardware')), precision: String(config.get('precision')) };
}
