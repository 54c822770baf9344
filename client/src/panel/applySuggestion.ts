// "Apply" in the panel: asks VS Code for the code actions at the suggestion's anchor — the very list the
// editor's light bulb shows, from the language server — and runs the one with the same title.
import * as vscode from 'vscode';
import type { PanelAdvice } from '../../../server/src/protocol';

/** Whether the edit was made, and a sentence for the panel. */
export interface ApplyResult {
  ok: boolean;
  message: string;
}

/** Runs the code action titled `title` at the advice's anchor; says why not when it is no longer offered. */
export async function applySuggestion(advice: PanelAdvice | undefined, title: string): Promise<ApplyResult> {
  if (!advice || advice.title !== title || !advice.anchor) {
    return { ok: false, message: 'This suggestion changed since the panel was drawn; the panel is refreshing.' };
  }
  const { start, end } = advice.anchor.range;
  const uri = vscode.Uri.parse(advice.anchor.uri, true);
  const range = new vscode.Range(start.line, start.character, end.line, end.character);
  const actions =
    (await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[] | undefined>(
      'vscode.executeCodeActionProvider',
      uri,
      range,
    )) ?? [];
  const action = actions.find((a) => a.title === title);
  if (!action) return { ok: false, message: `The editor no longer offers "${title}" here.` };
  if (isCommand(action)) {
    await vscode.commands.executeCommand(action.command, ...(action.arguments ?? []));
    return { ok: true, message: `Applied: ${title}` };
  }
  if (action.edit && !(await vscode.workspace.applyEdit(action.edit))) {
    return { ok: false, message: `VS Code refused the edit of "${title}" (is the document read-only?).` };
  }
  if (action.command) await vscode.commands.executeCommand(action.command.command, ...(action.command.arguments ?? []));
  return { ok: true, message: `Applied: ${title}` };
}

function isCommand(action: vscode.CodeAction | vscode.Command): action is vscode.Command {
  return typeof (action as vscode.Command).command === 'string';
}
