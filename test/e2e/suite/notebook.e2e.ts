// Extension-host tests of notebooks in a real VS Code: hints in cells, the cell status bar items (energy
// and MACs per cell, opening the panel at that cell), the panel of a notebook with per-cell sums; and the
// bad inputs: a notebook with an R kernel, one of 1,000 cells, one whose outputs are broken.
/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { COMMANDS } from '../../../client/src/commands';
import { pythonCells } from '../../../client/src/notebookCells';
import { hintText, inlayHints, openEditor, waitFor, wattlens, workspaceUri } from './helpers';

async function openNotebook(name: string): Promise<vscode.NotebookEditor> {
  const notebook = await vscode.workspace.openNotebookDocument(workspaceUri(name));
  return vscode.window.showNotebookDocument(notebook, { viewColumn: vscode.ViewColumn.One });
}

async function cellItems(cell: vscode.NotebookCell): Promise<vscode.NotebookCellStatusBarItem[]> {
  const api = await wattlens();
  return api.cells.provideCellStatusBarItems(cell, new vscode.CancellationTokenSource().token);
}

describe('Notebooks', () => {
  it('shows hints in the cells that define layers', async () => {
    const editor = await openNotebook('notebook.ipynb');
    await wattlens();
    const classCell = pythonCells(editor.notebook)[1];
    const hints = await inlayHints(classCell.document.uri);
    assert.ok(
      hints.some((h) => /FLOPs/.test(hintText(h))),
      hints.map(hintText).join('\n'),
    );
  });

  it('puts energy and MACs on each code cell that defines layers; the item opens the panel at that cell', async () => {
    const editor = await openNotebook('notebook.ipynb');
    const [imports, classCell, run] = pythonCells(editor.notebook);
    const items = await waitFor('a cell item on the class cell', async () => {
      const list = await cellItems(classCell);
      return list.length ? list : undefined;
    });
    assert.match(items[0].text, /^\$\(zap\) [\d.]+ [mµ]?J · [\d.]+ [kMG]?MACs$/);
    assert.equal(
      items[0].command && typeof items[0].command !== 'string' ? items[0].command.command : items[0].command,
      COMMANDS.openProfilingPanel,
    );
    assert.deepEqual(await cellItems(imports), [], 'no item on a cell without layers');
    assert.ok(run);
    const command = items[0].command as vscode.Command;
    const key = await vscode.commands.executeCommand<string>(command.command, ...(command.arguments ?? []));
    const api = await wattlens();
    const panel = api.panels.get(key)!;
    await waitFor('the notebook panel to render', () => panel.lastRender);
    const report = panel.current!;
    assert.ok(report.notebook);
    const cost = report.cells.find((c) => c.uri === classCell.document.uri.toString());
    assert.ok(cost && cost.layers > 0 && cost.energyJ! > 0);
    const model = report.models.find((m) => m.root)!;
    assert.ok(
      model.layers.every((l) => l.location === null || l.location.uri.startsWith('vscode-notebook-cell:')),
      'layers point at their cells',
    );
    const inCell = model.layers.filter((l) => l.cell === cost.cell).reduce((s, l) => s + l.energyJ!, 0);
    assert.ok(Math.abs(inCell - cost.energyJ!) <= 1e-12 + 1e-9 * inCell, 'the cell item sums its layers');
  });

  it('stays quiet on a notebook with an R kernel', async () => {
    const editor = await openNotebook('r_kernel.ipynb');
    for (const cell of editor.notebook.getCells()) assert.deepEqual(await cellItems(cell), []);
    const key = await vscode.commands.executeCommand<string>(COMMANDS.openProfilingPanel, editor.notebook.uri);
    const panel = (await wattlens()).panels.get(key)!;
    await waitFor('the R notebook panel to answer', () => panel.lastRender ?? panel.lastError);
    if (panel.lastRender) assert.equal(panel.current!.models.length, 0);
    else assert.match(panel.lastError!, /no analysis|no Python/i);
  });

  it('handles a notebook of 1,000 cells', async () => {
    const editor = await openNotebook('many_cells.ipynb');
    assert.equal(editor.notebook.cellCount, 1000);
    const cells = pythonCells(editor.notebook);
    const items = await waitFor(
      'an item on cell 500',
      async () => {
        const list = await cellItems(cells[500]);
        return list.length ? list : undefined;
      },
      120_000,
    );
    assert.match(items[0].text, /MACs/);
    const key = await vscode.commands.executeCommand<string>(COMMANDS.openProfilingPanel, editor.notebook.uri);
    const panel = (await wattlens()).panels.get(key)!;
    await waitFor('the 1,000-cell panel to render', () => panel.lastRender, 120_000);
    assert.equal(panel.current!.models.find((m) => m.root)!.layers.length, 998);
    assert.equal(panel.current!.cells.length, 1000);
  });

  it('reads a notebook whose outputs are broken', async () => {
    const editor = await openNotebook('broken_outputs.ipynb');
    const cells = pythonCells(editor.notebook);
    const items = await waitFor('an item on the model cell', async () => {
      const list = await cellItems(cells[1]);
      return list.length ? list : undefined;
    });
    assert.match(items[0].text, /J/);
  });

  it('keeps a model file usable after the notebooks', async () => {
    await openEditor('model.py');
    const hints = await inlayHints(workspaceUri('model.py'));
    assert.ok(hints.length > 0);
  });
});
