// The palette commands: Select Hardware Profile, Open Profiling Panel, Profile Model Locally, Export
// Report and Restart Server, with the argument shapes each accepts (the notebook toolbar, cell items,
// code lenses and the panel call them too).
import * as vscode from 'vscode';
import { ExportReportRequest, type ExportResult } from '../../server/src/protocol';
import type { PanelManager } from './panel/panelManager';
import { pythonCells } from './notebookCells';
import { selectHardwareProfile } from './profilePicker';
import { profileLocally } from './profiling';
import type { ServerClient } from './serverClient';
import type { StatusBar } from './statusBar';

/** The command ids, as package.json contributes them. */
export const COMMANDS = {
  selectHardwareProfile: 'wattlens.selectHardwareProfile',
  openProfilingPanel: 'wattlens.openProfilingPanel',
  profileModel: 'wattlens.profileModel',
  exportReport: 'wattlens.exportReport',
  restartServer: 'wattlens.restartServer',
} as const;

/** A document the panel or an export is about: its key (notebook or file URI), a title, and a notebook cell (its index among all cells). */
export interface DocumentTarget {
  key: string;
  title: string;
  cell: number | null;
}

/** Registers every command. */
export function registerCommands(
  server: ServerClient,
  panels: PanelManager,
  statusBar: StatusBar,
): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(COMMANDS.selectHardwareProfile, async () => {
      const choice = await selectHardwareProfile(server);
      if (choice) statusBar.refresh();
      return choice;
    }),
    vscode.commands.registerCommand(COMMANDS.openProfilingPanel, (arg?: unknown) => {
      const target = documentTarget(arg);
      if (!target) {
        void vscode.window.showInformationMessage(
          'WattLens: open a Python, TypeScript/JavaScript model file or a Jupyter notebook first.',
        );
        return undefined;
      }
      return panels.open(target.key, target.title, target.cell).key;
    }),
    vscode.commands.registerCommand(COMMANDS.profileModel, (arg?: unknown) => {
      const target = documentTarget(arg);
      if (!target) {
        void vscode.window.showInformationMessage('WattLens: open a PyTorch model file or notebook to profile it.');
        return undefined;
      }
      const record = typeof arg === 'object' && arg !== null ? (arg as Record<string, unknown>) : {};
      const uri = typeof record.uri === 'string' ? record.uri : target.key;
      const model = typeof record.model === 'string' ? record.model : undefined;
      return profileLocally(server, panels, { uri, panelKey: target.key, title: target.title, model });
    }),
    vscode.commands.registerCommand(COMMANDS.exportReport, (arg?: unknown) => exportReport(server, arg)),
    vscode.commands.registerCommand(COMMANDS.restartServer, async () => {
      await server.restart();
      statusBar.refresh();
      void vscode.window.setStatusBarMessage('WattLens: server restarted', 3000);
    }),
  ];
}

/** Works out which document a command is about from its argument, else from the active editor. */
export function documentTarget(arg: unknown): DocumentTarget | undefined {
  const record = typeof arg === 'object' && arg !== null ? (arg as Record<string, unknown>) : {};
  const cell = typeof record.cell === 'number' && Number.isInteger(record.cell) ? record.cell : null;
  const explicit =
    arg instanceof vscode.Uri
      ? arg
      : typeof record.uri === 'string'
        ? vscode.Uri.parse(record.uri, true)
        : record.uri instanceof vscode.Uri
          ? record.uri
          : notebookUriOf(record);
  if (explicit) return forUri(explicit, cell);
  const notebook = vscode.window.activeNotebookEditor;
  if (notebook) return forUri(notebook.notebook.uri, cell ?? activeCellIndex(notebook));
  const editor = vscode.window.activeTextEditor;
  return editor ? forUri(editor.document.uri, cell) : undefined;
}

/** The notebook toolbar passes `{ notebookEditor: { notebookUri } }`; other callers `{ notebookUri }`. */
function notebookUriOf(record: Record<string, unknown>): vscode.Uri | undefined {
  const editor = record.notebookEditor as { notebookUri?: unknown } | undefined;
  const uri = editor?.notebookUri ?? record.notebookUri;
  return uri instanceof vscode.Uri ? uri : typeof uri === 'string' ? vscode.Uri.parse(uri, true) : undefined;
}

/** A notebook, a cell of one (mapped to its notebook and cell index) or a text document. */
function forUri(uri: vscode.Uri, cell: number | null): DocumentTarget {
  const asString = uri.toString();
  for (const notebook of vscode.workspace.notebookDocuments) {
    if (notebook.uri.toString() === asString) return { key: asString, title: baseName(notebook.uri), cell };
    const found = pythonCells(notebook).find((c) => c.document.uri.toString() === asString);
    if (found) return { key: notebook.uri.toString(), title: baseName(notebook.uri), cell: cell ?? found.index };
  }
  return { key: asString, title: baseName(uri), cell };
}

function activeCellIndex(editor: vscode.NotebookEditor): number | null {
  const selected = editor.selections[0];
  if (!selected || selected.isEmpty) return null;
  const cell = editor.notebook.cellAt(selected.start);
  return pythonCells(editor.notebook).includes(cell) ? cell.index : null;
}

function baseName(uri: vscode.Uri): string {
  return uri.path.split('/').pop() || uri.toString();
}

/** Exports the report as CSV or JSON: `{ uri, format, target }` writes without asking (for scripts and tests). */
async function exportReport(server: ServerClient, arg: unknown): Promise<string | undefined> {
  const record = typeof arg === 'object' && arg !== null ? (arg as Record<string, unknown>) : {};
  const target = documentTarget(arg);
  if (!target) {
    void vscode.window.showInformationMessage('WattLens: open a model file or notebook to export its report.');
    return undefined;
  }
  const format =
    record.format === 'csv' || record.format === 'json'
      ? record.format
      : (
          await vscode.window.showQuickPick(
            [
              {
                label: 'CSV',
                description: "CodeCarbon's emissions.csv columns, one row per model",
                format: 'csv' as const,
              },
              { label: 'JSON', description: 'the wattlens.report/1 document the CLI prints', format: 'json' as const },
            ],
            { title: 'WattLens: export format' },
          )
        )?.format;
  if (!format) return undefined;
  let result: ExportResult | null;
  try {
    result = await server.request(ExportReportRequest.type, { uri: target.key, format });
  } catch (e) {
    void vscode.window.showErrorMessage(`WattLens: export failed: ${(e as Error).message}`);
    return undefined;
  }
  if (!result) {
    void vscode.window.showErrorMessage('WattLens: this document has no report to export (is it open?).');
    return undefined;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const destination =
    typeof record.target === 'string'
      ? vscode.Uri.file(record.target)
      : await vscode.window.showSaveDialog({
          defaultUri: folder ? vscode.Uri.joinPath(folder, result.fileName) : undefined,
          filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
          title: 'WattLens: export report',
        });
  if (!destination) return undefined;
  await vscode.workspace.fs.writeFile(destination, new TextEncoder().encode(result.content));
  if (typeof record.target !== 'string')
    void vscode.window.showInformationMessage(`WattLens: report written to ${destination.fsPath}`);
  return destination.fsPath;
}
