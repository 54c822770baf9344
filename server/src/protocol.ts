// The custom LSP surface shared by the WattLens client and server: requests and notifications
// named `wattlens/<verbNoun>`, with their parameter and result types. Both sides import this module.
import { NotificationType, RequestType, type WorkDoneProgressParams } from 'vscode-languageserver-protocol';
import type { ModelInput, ModelReport, ModelTotals, Precision } from './core/report/types';
import type { ProfileReport } from './core/report/profile';

export type { ModelReport, Precision, ProfileReport };

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

/** An LSP range (0-based line and UTF-16 character). */
export interface WireRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/** A place in an open document: a text document, or a notebook cell's own URI and cell-local range. */
export interface Location {
  uri: string;
  range: WireRange;
}

/**
 * Text for figures, written by the server's one number formatter (the one inlay hints, hovers, lenses
 * and the CLI use), so that a figure reads the same in every view; the client never formats numbers.
 */
export type Display<K extends string> = Record<K, string>;

/** One loaded hardware profile and its key figures, as the client's picker and status bar show them. */
export interface HardwareProfileSummary {
  id: string;
  name: string;
  kind: string;
  origin: 'builtin' | 'workspace';
  /** Dense peak in TFLOP/s (or TOPS) for each precision the profile has. */
  peakTflops: Partial<Record<Precision, number>>;
  bandwidthGBps: number | null;
  memoryGB: number | null;
  maxW: number | null;
  idleW: number | null;
  /** Whether a measured calibration refined this profile's efficiency factors. */
  calibrated: boolean;
  /** "fp32 8.1 TFLOP/s · fp16 65 TFLOP/s · int8 130 TOP/s · 320 GB/s · 70 W". */
  figures: string;
  /** Each precision's peak as text ("8.1 TFLOP/s"). */
  peakText: Partial<Record<Precision, string>>;
}

/** The settings in force, as the server normalised them, with the grid intensity they imply. */
export interface EffectiveSettings {
  hardware: string;
  hardwareName: string | null;
  /** The precision estimates use (the device's native one when the setting is `auto`). */
  precision: Precision;
  /** The `wattlens.precision` setting as given. */
  precisionSetting: Precision | 'auto';
  region: string | null;
  /** Grid carbon intensity at the wall for the region (world average when unset), and where it comes from. */
  gridIntensity: { gramsPerKWh: number; text: string; source: string } | null;
  pue: number;
  batchSize: number | null;
}

/** Result of `wattlens/hardwareProfiles`. */
export interface HardwareProfilesResult {
  profiles: HardwareProfileSummary[];
  current: EffectiveSettings;
  /** Whether workspace profiles are read (off in an untrusted workspace), and why not. */
  workspaceProfiles: { enabled: boolean; reason: string | null };
  /** One located message per profile file that failed to load (its last good version, if any, is kept). */
  problems: string[];
}

/** `wattlens/hardwareProfiles` → every loaded profile with its figures, and the settings in force. */
export namespace HardwareProfilesRequest {
  export const method = 'wattlens/hardwareProfiles';
  export const type = new RequestType<Record<string, never>, HardwareProfilesResult, void>(method);
}

/** One layer as the panel shows it: the report's figures plus CO2e, share, roofline coordinates and where it is. */
export interface PanelLayer {
  path: string;
  op: string;
  /** Where the layer is constructed (a cell's own URI and line in a notebook). */
  location: Location | null;
  /** Where it is called, when that differs. */
  callLocation: Location | null;
  /** The notebook cell: its 0-based index among all the notebook's cells (Jupyter's cell N + 1); null for text documents. */
  cell: number | null;
  params: number | null;
  macs: number | null;
  flops: number | null;
  latencyMs: number | null;
  energyJ: number | null;
  co2eG: number | null;
  /** Share of the model's energy per forward pass. */
  share: number | null;
  bound: string | null;
  outputShape: number[] | null;
  /** FLOPs per byte moved (weights + activations): the roofline's x. */
  intensity: number | null;
  /** FLOPs over the estimated latency, in FLOP/s: the roofline's y. */
  attainedFlopsPerSecond: number | null;
  display: Display<
    'params' | 'macs' | 'flops' | 'latency' | 'energy' | 'co2e' | 'share' | 'output' | 'intensity' | 'attained'
  >;
}

/** A model's per-token figures by phase, when it generates text (from the report's `generation`). */
export interface PanelGeneration {
  /** "128 prompt + 256 new tokens, batch 1 (from generate(max_new_tokens=256), line 12)". */
  summary: string;
  /** Labelled figures: time to first token, time per output token, tokens/s, energy per output token, ... */
  figures: { label: string; text: string }[];
  phases: { phase: string; macs: string; latency: string; energy: string; bound: string }[];
}

/** A model as the panel shows it. */
export interface PanelModel {
  name: string;
  framework: string;
  root: boolean;
  location: Location | null;
  cell: number | null;
  input: ModelInput | null;
  totals: ModelTotals;
  display: Display<'params' | 'macs' | 'flops' | 'latency' | 'energy' | 'co2e'>;
  /** What the totals are for: "per forward pass (batch of 8)". */
  scope: string;
  provenance: string | null;
  layers: PanelLayer[];
  unresolved: { location: Location | null; reason: string }[];
  generation: PanelGeneration | null;
}

/** One notebook code cell's share: the sums of the layers it defines (null with the reason when one is unknown). */
export interface CellCost {
  /** The cell's 0-based index among all the notebook's cells (the report's `cell`; Jupyter shows cell N + 1). */
  cell: number;
  uri: string;
  layers: number;
  macs: number | null;
  energyJ: number | null;
  co2eG: number | null;
  /** Why a sum is null. */
  note: string | null;
  display: Display<'macs' | 'energy' | 'co2e'>;
}

/** What an action promises, priced on a device (the advice list's Saving, as sent). */
export interface SavingWire {
  scope: 'forward-pass' | 'training-run' | 'generation';
  model: string;
  samples?: number;
  device: string;
  precision?: Precision;
  /** Energy in joules before and after the edit (null when unknown, with `reason`). */
  before: number | null;
  after: number | null;
  reason?: string;
  needs?: string;
  params?: { before: number; after: number };
}

/** One piece of advice on the document: one of the server's diagnostics, or a code action the editor offers. */
export interface PanelAdvice {
  type: 'action' | 'finding';
  /** The action's kind (`conv-bias-false`, `autocast`, ...) or the diagnostic's code. */
  kind: string;
  /** The action's title (with its price) or the diagnostic's message. */
  title: string;
  /** The price as a sentence, when the action has one. */
  detail: string | null;
  saving: SavingWire | null;
  /** The saving in short ("−64% energy", or "−32 params" when parameters are the promise), or null. */
  change: string | null;
  /** Where it applies (a notebook cell's own URI and lines). */
  location: Location;
  /**
   * Actions: the range the code action is offered on. Asking for code actions there (textDocument/codeAction,
   * or vscode.executeCodeActionProvider) returns one with the same title: the panel's Apply runs that one.
   */
  anchor: Location | null;
}

/** The roofs of the roofline chart on the chosen profile and precision. */
export interface Roofline {
  precision: Precision;
  /** Dense peak in FLOP/s (null when the profile lacks the precision). */
  peakFlopsPerSecond: number | null;
  /** Memory bandwidth in bytes/s. */
  bandwidthBytesPerSecond: number | null;
  /** Arithmetic intensity (FLOP/byte) where the memory roof meets the compute roof. */
  ridgeIntensity: number | null;
  display: Display<'peak' | 'bandwidth' | 'ridge'>;
  /** Why there is no roofline, when a figure is missing. */
  note: string | null;
}

/** Everything the profiling panel shows; the server computes every figure, the webview only renders. */
export interface PanelReport {
  uri: string;
  version: number;
  notebook: boolean;
  settings: EffectiveSettings;
  /** Why energy figures are missing, when they are. */
  energyNote: string | null;
  models: PanelModel[];
  /** One entry per Python code cell of a notebook; empty for a text document. */
  cells: CellCost[];
  advice: PanelAdvice[];
  roofline: Roofline | null;
  /** The last local measurement beside the estimate (WattLens: Profile Model Locally); null until one ran. */
  measured: PanelMeasured | null;
  /** What to do to measure, or why it cannot be done here. */
  measuredNote: string;
}

/** One measured model: estimate and measurement per forward pass, their ratio, and the slowest layers. */
export interface PanelMeasuredModel {
  name: string;
  /** How the graph that ran was obtained (synthesised from the analysis, exported, a user's .onnx). */
  graph: string;
  estimated: Display<'latency' | 'energy'>;
  measured: Display<'latency' | 'energy' | 'spread' | 'runs'>;
  /** Estimate ÷ measurement. */
  ratio: Display<'latency' | 'energy'>;
  layers: { path: string; op: string; measured: string; estimated: string; ratio: string; fused: boolean }[];
  notes: string[];
}

/** A document's last local measurement (from `wattlens/profileModel`), as the panel shows it. */
export interface PanelMeasured {
  /** "onnxruntime 1.22.0 on cpu (AMD EPYC …), estimate on amd-epyc at fp32". */
  summary: string;
  /** How the measured energy was obtained (a counter, or measured time × modelled power). */
  meter: string;
  /** True when the document changed since it was measured. */
  stale: boolean;
  measuredAt: string;
  models: PanelMeasuredModel[];
  unprofiled: { name: string; error: string }[];
  notes: string[];
}

/** `wattlens/panelReport` { uri } (a text document or a notebook) → the panel's data, or null when not open. */
export namespace PanelReportRequest {
  export const method = 'wattlens/panelReport';
  export const type = new RequestType<DocumentParams, PanelReport | null, void>(method);
}

/** `wattlens/cellCosts` { uri: the notebook } → each Python code cell's sums, for the cell status bar items. */
export namespace CellCostsRequest {
  export const method = 'wattlens/cellCosts';
  export const type = new RequestType<DocumentParams, CellCost[], void>(method);
}

/** One side of a comparison: a profile id and a precision. */
export interface CompareSetup {
  hardware: string;
  precision: Precision;
}

/** Parameters of `wattlens/compareReport`. */
export interface CompareParams {
  uri: string;
  /** The model's name in the report. */
  model: string;
  a: CompareSetup;
  b: CompareSetup;
}

/** One side's totals, or why they are unknown. */
export interface CompareSide {
  setup: CompareSetup;
  hardwareName: string | null;
  latencyMs: number | null;
  energyJ: number | null;
  co2eG: number | null;
  /** How many layers are bound by compute / memory / overhead on this side. */
  bound: Record<string, number>;
  display: Display<'latency' | 'energy' | 'co2e'>;
  note: string | null;
}

/** Result of `wattlens/compareReport`: both sides and the ratios b / a (null when either is unknown). */
export interface CompareResult {
  model: string;
  a: CompareSide;
  b: CompareSide;
  ratios: { latency: number | null; energy: number | null; co2e: number | null };
  display: Display<'latency' | 'energy' | 'co2e'>;
}

/** `wattlens/compareReport` → the same model's totals on two profiles or precisions, with ratios. */
export namespace CompareReportRequest {
  export const method = 'wattlens/compareReport';
  export const type = new RequestType<CompareParams, CompareResult | null, void>(method);
}

/** Parameters of `wattlens/exportReport`. */
export interface ExportParams {
  uri: string;
  format: 'csv' | 'json';
}

/** An export's text and the file name it suggests. */
export interface ExportResult {
  fileName: string;
  content: string;
}

/** `wattlens/exportReport` → the document's report as CodeCarbon-style CSV or as the CLI's JSON. */
export namespace ExportReportRequest {
  export const method = 'wattlens/exportReport';
  export const type = new RequestType<ExportParams, ExportResult | null, void>(method);
}

/** Initialization options the VS Code client sends besides the settings. */
export interface ClientInitializationOptions {
  wattlens?: unknown;
  /** False in an untrusted workspace: the server then reads no workspace profiles or calibration files. */
  workspaceTrusted?: boolean;
}
