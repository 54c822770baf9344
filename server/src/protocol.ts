// The custom LSP surface shared by the WattLens client and server: requests and notifications
// named `wattlens/<verbNoun>`, with their parameter and result types. Both sides import this module.
import { NotificationType, RequestType, type WorkDoneProgressParams } from 'vscode-languageserver-protocol';
import type { ModelReport } from './core/report/types';
import type { ProfileReport } from './core/report/profile';

export type { ModelReport, ProfileReport };

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

/**
 * Parameters of `wattlens/profileModel`. Pass a `workDoneToken` to get `$/progress` reports; cancel
 * the request to stop the measurement (its processes are killed).
 */
export interface ProfileModelParams extends WorkDoneProgressParams {
  /** The document (a Python file, a notebook, or one of its cells). */
  uri: string;
  /** The model to profile (its report name); all the document runs when absent. */
  model?: string;
  /** Execution provider: `auto` (default) tries cuda, webgpu, dml, coreml, then cpu. */
  ep?: 'auto' | 'cpu' | 'cuda' | 'webgpu' | 'dml' | 'coreml';
  /** Hardware profile for the estimate beside the measurement (default: the one matching the device). */
  hardware?: string;
  /** Fit the profile's factors to the measurement and save them in `.wattlens/calibration/`. */
  calibrate?: boolean;
  /** Export the real model with torch.onnx.export in `python` (falls back to the synthesised graph, saying why). */
  exact?: boolean;
  /** The Python interpreter for the exact export (the one the Python extension selected). */
  python?: string;
  /** Limit for the whole measurement (default 600). */
  timeoutSeconds?: number;
}

/**
 * `wattlens/profileModel` → the `wattlens.profile/1` report: measured beside estimated, per layer.
 * Errors: InvalidParams for a document that is not open or has nothing to profile (the message says
 * why), RequestCancelled when cancelled; a model that could not be measured is in `unprofiled`.
 */
export namespace ProfileModelRequest {
  export const method = 'wattlens/profileModel';
  export const type = new RequestType<ProfileModelParams, ProfileReport, void>(method);
}
