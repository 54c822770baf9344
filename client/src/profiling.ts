// "WattLens: Profile Model Locally" (and the `Profile locally` lens): asks the server to measure the
// model with onnxruntime on this machine (wattlens/profileModel), with VS Code's progress notification
// and its Cancel button (which kills the measurement), then shows the measurement in the panel beside
// the estimate. Off in Restricted Mode.
import * as vscode from 'vscode';
import { LSPErrorCodes, ResponseError, WorkDoneProgress } from 'vscode-languageclient/node';
import { randomUUID } from 'node:crypto';
import { ProfileModelRequest, type ProfileModelParams, type ProfileReport } from '../../server/src/protocol';
import type { PanelManager } from './panel/panelManager';
import { selectedInterpreter } from './pythonInterpreter';
import type { ServerClient } from './serverClient';

/** What it says in Restricted Mode. */
export const PROFILING_UNTRUSTED =
  'WattLens: local profiling is off in Restricted Mode: it builds and runs a model from this workspace on your machine. Trust the workspace to use it; static estimates keep working.';

/** The outcome (the tests read it). */
export interface ProfileOutcome {
  ok: boolean;
  message: string;
  report?: ProfileReport;
}

/** The document, model and panel key a profiling run is for. */
export interface ProfileTarget {
  /** The document the server profiles (a Python file, a notebook or one of its cells). */
  uri: string;
  /** The panel that shows the result (the notebook's, for a cell). */
  panelKey: string;
  title: string;
  model?: string;
}

/** Measures `target` and opens its panel on the result; every failure is a message, never a throw. */
export async function profileLocally(
  server: ServerClient,
  panels: PanelManager,
  target: ProfileTarget,
): Promise<ProfileOutcome> {
  if (!vscode.workspace.isTrusted) return tell({ ok: false, message: PROFILING_UNTRUSTED });
  const client = server.languageClient;
  if (!client) return tell({ ok: false, message: 'WattLens: the server is not running (WattLens: Restart Server).' });
  const python = await selectedInterpreter(vscode.Uri.parse(target.uri, true));
  const what = target.model ?? target.title;
  try {
    const report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `WattLens: profiling ${what}`, cancellable: true },
      async (progress, token) => {
        const workDoneToken = `wattlens-profile-${randomUUID()}`;
        const listener = client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
          if (value.kind !== 'end' && value.message) progress.report({ message: value.message });
        });
        const params: ProfileModelParams = {
          uri: target.uri,
          model: target.model,
          workDoneToken,
          python,
          exact: !!python,
        };
        try {
          return await client.sendRequest<ProfileReport>(ProfileModelRequest.method, params, token);
        } finally {
          listener.dispose();
        }
      },
    );
    panels.open(target.panelKey, target.title).scheduleRefresh(0);
    const profiled = report.models.map((m) => m.name).join(', ') || 'nothing';
    const failed = report.unprofiled.length ? `; not measured: ${report.unprofiled.map((u) => u.name).join(', ')}` : '';
    return tell({
      ok: report.models.length > 0,
      message: `WattLens: measured ${profiled} on ${report.executionProvider ?? 'no execution provider'}${failed}. The profiling panel shows it beside the estimate.`,
      report,
    });
  } catch (e) {
    if (e instanceof ResponseError && e.code === LSPErrorCodes.RequestCancelled)
      return tell({ ok: false, message: 'WattLens: profiling was cancelled.' });
    return tell({ ok: false, message: `WattLens: profiling ${what} failed: ${(e as Error).message}` }, true);
  }
}

function tell(outcome: ProfileOutcome, error = false): ProfileOutcome {
  if (error) void vscode.window.showErrorMessage(outcome.message);
  else void vscode.window.showInformationMessage(outcome.message);
  return outcome;
}
