// The client's custom requests for its status bar, profile picker, profiling panel, cell items and
// exports: each asks the ide layer for plain data and maps its source ranges to documents and cells.
import type { CancellationToken, Connection } from 'vscode-languageserver';
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CellCostsRequest,
  CompareReportRequest,
  ExportReportRequest,
  HardwareProfilesRequest,
  PanelReportRequest,
  type PanelAdvice,
  type CellCost,
  type CompareParams,
  type CompareResult,
  type DocumentParams,
  type ExportParams,
  type ExportResult,
  type Location,
  type PanelLayer,
  type PanelModel,
  type PanelReport,
} from '../protocol';
import type { Range } from '../core/parse/syntax';
import { panelAdvice } from '../ide/panel/advice';
import { compareModel } from '../ide/panel/compare';
import { codeCarbonCsv, codeCarbonTimestamp, reportJson } from '../ide/panel/export';
import { measuredItem } from '../ide/panel/measured';
import { cellSums, panelData, type PanelLayerItem, type PanelModelItem } from '../ide/panel/panelData';
import { contextAt, type View } from '../ide/view';
import { mapRange, toModelReports } from './convert';
import type { Source } from '../ide/sources';
import type { Service } from './service';

/** Runs a handler with the server's error policy (see handlers.ts). */
export type Guard = <T>(fallback: T, run: () => Promise<T>) => Promise<T>;

/** What `measuredNote` says before a measurement. */
export const MEASURED_NOTE =
  'Not measured yet: WattLens: Profile Model Locally runs the model with onnxruntime on this machine and puts the measurement here, beside the estimate.';

/** What it says in an untrusted workspace. */
export const MEASURED_UNTRUSTED =
  'Local profiling is off in Restricted Mode (it runs a model built from this workspace); trust the workspace to measure.';

/** Registers `wattlens/hardwareProfiles`, `panelReport`, `cellCosts`, `compareReport` and `exportReport`. */
export function registerPanelHandlers(connection: Connection, service: Service, guard: Guard): void {
  connection.onRequest(HardwareProfilesRequest.method, () => guard(null, async () => service.hardwareProfiles()));
  connection.onRequest(PanelReportRequest.method, (params: DocumentParams, token: CancellationToken) =>
    guard(null, async () => {
      const view = await service.view(params.uri, token);
      return view ? panelReport(view, service) : null;
    }),
  );
  connection.onRequest(CellCostsRequest.method, (params: DocumentParams, token: CancellationToken) =>
    guard([], async () => {
      const view = await service.view(params.uri, token);
      return view?.source.notebook ? cellCosts(view, panelData(view).models) : [];
    }),
  );
  connection.onRequest(CompareReportRequest.method, (params: CompareParams, token: CancellationToken) =>
    guard(null, async (): Promise<CompareResult | null> => {
      const view = await service.view(params.uri, token);
      return (view && compareModel(view, params.model, params.a, params.b, (id) => service.profileOf(id))) ?? null;
    }),
  );
  connection.onRequest(ExportReportRequest.method, (params: ExportParams, token: CancellationToken) =>
    guard(null, async () => {
      const view = await service.view(params.uri, token);
      return view ? exportReport(view, params) : null;
    }),
  );
}

/** The panel's data for a view. */
export function panelReport(view: View, service: Service): PanelReport {
  const data = panelData(view);
  const source = view.source;
  const measurement = service.measurementOf(source.key);
  return {
    uri: source.key,
    version: source.version,
    notebook: source.notebook,
    settings: service.effectiveSettings(),
    energyNote: data.energyNote,
    models: data.models.map((m) => panelModel(source, m)),
    cells: source.notebook ? cellCosts(view, data.models) : [],
    advice: panelAdvice(view, (s) => service.docs.syntaxOf(s)).map(({ item, region, change }): PanelAdvice => ({
      type: item.type,
      kind: item.kind,
      title: item.title,
      detail: item.detail ?? null,
      saving: item.saving ?? null,
      change,
      location: { uri: item.uri, range: item.range },
      anchor: region ? toLocation(source, region) : null,
    })),
    roofline: data.roofline,
    measured: measurement
      ? measuredItem(measurement.report, measurement.version, source.version, measurement.at)
      : null,
    measuredNote: service.workspaceTrusted ? MEASURED_NOTE : MEASURED_UNTRUSTED,
  };
}

function panelModel(source: Source, item: PanelModelItem): PanelModel {
  const m = item.report;
  const location = toLocation(source, m.range);
  return {
    name: m.name,
    framework: m.framework,
    root: m.root,
    location,
    cell: location ? cellIndex(source, location.uri) : null,
    input: m.input,
    totals: m.totals,
    display: item.display,
    scope: item.scope,
    provenance: m.provenance ?? null,
    layers: item.layers.map((l) => panelLayer(source, l)),
    unresolved: m.unresolved.map((u) => ({ location: toLocation(source, u.range), reason: u.reason })),
    generation: item.generation,
  };
}

function panelLayer(source: Source, l: PanelLayerItem): PanelLayer {
  const { range, callRange, ...figures } = l;
  return {
    ...figures,
    location: toLocation(source, range),
    callLocation: callRange ? toLocation(source, callRange) : null,
  };
}

/** Each Python code cell's sums, with the cell's own URI. */
function cellCosts(view: View, models: PanelModelItem[]): CellCost[] {
  const segments = view.source.segments;
  const cells = segments.map((s, i) => s.cell ?? i);
  const sums = cellSums({ models, roofline: null, energyNote: view.energyNote }, cells, view.energyNote);
  return sums.map((s, i) => ({ ...s, uri: segments[i].uri }));
}

function toLocation(source: Source, range: Range): Location | null {
  return mapRange(source, range) ?? null;
}

function cellIndex(source: Source, uri: string): number | null {
  if (!source.notebook) return null;
  const index = source.segments.findIndex((s) => s.uri === uri);
  return index < 0 ? null : (source.segments[index].cell ?? index);
}

/** CSV (CodeCarbon's columns) or the CLI's JSON, with a file name to suggest. */
function exportReport(view: View, params: ExportParams): ExportResult {
  const ctx = contextAt(view, view.settings.precision);
  const context = typeof ctx === 'string' ? null : ctx;
  const path = view.source.key.startsWith('file:') ? fileURLToPath(view.source.key) : view.source.key;
  const name = basename(path).replace(/\.[^.]+$/, '') || 'report';
  const file = { ...view.file, file: path, models: toModelReports(view.source, view.file.models) };
  if (params.format === 'json') {
    return { fileName: `${name}.wattlens.json`, content: reportJson(file, view.settings.precision, context) };
  }
  const content = codeCarbonCsv(file, {
    project: basename(path),
    runId: randomUUID(),
    timestamp: codeCarbonTimestamp(new Date()),
    ctx: context,
  });
  return { fileName: `${name}-emissions.csv`, content };
}
