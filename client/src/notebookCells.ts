// A status bar item on each notebook code cell with its energy and MACs ("⚡ 4.1 mJ · 1.2 GMACs"), from
// `wattlens/cellCosts`; clicking it opens the profiling panel at that cell.
import * as vscode from 'vscode';
import { CellCostsRequest, type CellCost } from '../../server/src/protocol';
import { cellText, cellTooltip } from './display';
import type { ServerClient } from './serverClient';

/** The command the items run, with `{ uri: notebook, cell: index }`. */
export const OPEN_PANEL_COMMAND = 'wattlens.openProfilingPanel';

/** The notebook's Python code cells: the cells the server analyses (it numbers them by `cell.index`, among all cells). */
export function pythonCells(notebook: vscode.NotebookDocument): vscode.NotebookCell[] {
  return notebook
    .getCells()
    .filter(
      (c) => c.kind === vscode.NotebookCellKind.Code && ['python', 'ipython', ''].includes(c.document.languageId),
    );
}

/** Provides the items; fires a change when the server says a notebook's report changed. */
export class CellCostItems implements vscode.NotebookCellStatusBarItemProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCellStatusBarItems = this.changed.event;
  /** Requests in flight per notebook, shared by the cells asking at the same time. */
  private readonly pending = new Map<string, Promise<CellCost[]>>();

  constructor(
    private readonly server: ServerClient,
    /** The profile and precision in force (the server's, once known). */
    private readonly setup: () => { hardware: string; precision: string },
  ) {}

  /** A notebook's report changed: ask VS Code to request the items again. */
  reportChanged(uri: string): void {
    if (vscode.workspace.notebookDocuments.some((n) => n.uri.toString() === uri)) this.changed.fire();
  }

  /** Refresh all items (after settings or the server changed). */
  refresh(): void {
    this.changed.fire();
  }

  async provideCellStatusBarItems(
    cell: vscode.NotebookCell,
    token: vscode.CancellationToken,
  ): Promise<vscode.NotebookCellStatusBarItem[]> {
    if (cell.kind !== vscode.NotebookCellKind.Code || cell.document.languageId !== 'python') return [];
    const notebookUri = cell.notebook.uri.toString();
    let costs: CellCost[];
    try {
      costs = await this.costs(notebookUri);
    } catch {
      return [];
    }
    if (token.isCancellationRequested) return [];
    const cost = costs.find((c) => c.uri === cell.document.uri.toString());
    if (!cost || cost.layers === 0) return [];
    const { hardware, precision } = this.setup();
    const item = new vscode.NotebookCellStatusBarItem(cellText(cost), vscode.NotebookCellStatusBarAlignment.Right);
    item.tooltip = cellTooltip(cost, hardware, precision);
    item.command = {
      title: 'Open the WattLens profiling panel',
      command: OPEN_PANEL_COMMAND,
      arguments: [{ uri: notebookUri, cell: cost.cell }],
    };
    item.accessibilityInformation = { label: `WattLens: ${cellText(cost).replace('$(zap) ', '')} for this cell` };
    return [item];
  }

  dispose(): void {
    this.changed.dispose();
  }

  private costs(notebookUri: string): Promise<CellCost[]> {
    let request = this.pending.get(notebookUri);
    if (!request) {
      request = this.server
        .request<{ uri: string }, CellCost[]>(CellCostsRequest.type, { uri: notebookUri })
        .finally(() => setTimeout(() => this.pending.delete(notebookUri), 0));
      this.pending.set(notebookUri, request);
    }
    return request;
  }
}
