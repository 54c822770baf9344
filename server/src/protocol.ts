// The custom LSP surface shared by the WattLens client and server: requests and notifications
// named `wattlens/<verbNoun>`, with their parameter and result types. Both sides import this module.
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';
import type { ModelReport } from './core/report/types';

export type { ModelReport };

/** Parameters naming one open document (a text document or a notebook cell / notebook). */
export interface DocumentParams {
  uri: string;
}

/** `wattlens/modelReport` `{ uri }` → the document's models, exactly as the CLI JSON's `models`. */
export namespace ModelReportRequest {
  export const method = 'wattlens/modelReport';
  export const type = new RequestType<DocumentParams, ModelReport[], void>(method);
}

/** Parameters of `wattlens/reportChanged`: which document, at which version. */
export interface ReportChangedParams {
  uri: string;
  version: number;
}

/** Sent by the server whenever a document's report changes (new analysis or new settings). */
export namespace ReportChangedNotification {
  export const method = 'wattlens/reportChanged';
  export const type = new NotificationType<ReportChangedParams>(method);
}

/** The command the `Profile locally` code lens runs; the client implements it. */
export const PROFILE_MODEL_COMMAND = 'wattlens.profileModel';

/** Arguments of `wattlens.profileModel`: the document, the model's name and its range. */
export interface ProfileModelArgs {
  uri: string;
  model: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
}
