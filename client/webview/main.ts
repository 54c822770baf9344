// The profiling panel's script (bundled to dist/webview.js): receives the server's panel report from the
// extension, checks it, and draws it; user actions go back to the extension as messages. It computes no
// figure of its own.
import type {
  CompareResult,
  CompareSetup,
  HardwareProfileSummary,
  Location,
  PanelAdvice,
  PanelLayer,
  PanelModel,
  PanelReport,
} from '../../server/src/protocol';
import type { FromWebview } from '../src/panel/messages';
import { energyBars, rooflineChart } from './charts';
import { el, replaceChildren } from './dom';
import {
  adviceSection,
  cellsSection,
  compareSection,
  generationSection,
  measuredSection,
  setupLine,
  totalsCards,
  unresolvedList,
} from './sections';
import { LayerTable, type TableState } from './table';
import { parseToWebview } from './validate';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** What the panel remembers across reports (and across hiding, through VS Code's webview state). */
interface PanelState {
  model: string | null;
  table: TableState;
  compare: { a: CompareSetup; b: CompareSetup } | null;
}

const vscode = acquireVsCodeApi();
const saved = vscode.getState() as Partial<PanelState> | undefined;
const state: PanelState = {
  model: saved?.model ?? null,
  table: { sortKey: null, descending: false, filter: '', cell: null, ...(saved?.table ?? {}) },
  compare: saved?.compare ?? null,
};
let report: PanelReport | null = null;
let profiles: HardwareProfileSummary[] = [];
let compareResult: CompareResult | null = null;
let compareError: string | null = null;
/** The last Apply's outcome, kept across the re-render its edit causes. */
let applyStatus = '';
const app = document.getElementById('app')!;
const banner = el('div', { class: 'banner', role: 'alert' });
const table = new LayerTable(state.table, (layer) => reveal(layer.callLocation ?? layer.location), save);

function save(): void {
  vscode.setState(state);
}

function post(message: FromWebview): void {
  vscode.postMessage(message);
}

function reveal(location: Location | null): void {
  if (location) post({ type: 'reveal', location });
}

function currentModel(): PanelModel | undefined {
  if (!report) return undefined;
  return report.models.find((m) => m.name === state.model) ?? report.models.find((m) => m.root) ?? report.models[0];
}

/** Draws the whole panel from the current report. */
function render(focusCell: number | null): void {
  if (!report) return;
  const restoreTable = table.preserve();
  const scrollY = window.scrollY;
  const model = currentModel();
  if (focusCell !== null) state.table.cell = focusCell;
  const header = el(
    'header',
    { class: 'header' },
    el(
      'h1',
      {},
      model ? model.name : 'No model',
      model ? el('span', { class: 'muted' }, ` · ${model.framework}${model.root ? '' : ' block'}`) : '',
    ),
    modelPicker(),
    toolbar(model),
  );
  const parts: (HTMLElement | null)[] = [banner, header, setupLine(report, model)];
  if (!model) {
    parts.push(
      el(
        'p',
        { class: 'muted' },
        'WattLens found no model in this document yet. Define or load one (PyTorch, Keras or TF.js) and the panel fills in.',
      ),
    );
    replaceChildren(app, ...parts);
    return;
  }
  parts.push(
    totalsCards(model, report.energyNote),
    report.energyNote ? el('p', { class: 'warning' }, `Energy unknown: ${report.energyNote}`) : null,
    unresolvedList(model, (i) => reveal(model.unresolved[i]?.location ?? null)),
    adviceSection(report.advice, placeOf, applyAdvice, (i) => reveal(report?.advice[i]?.location ?? null)),
    el(
      'div',
      { class: 'charts' },
      energyBars(model.layers, (l) => revealLayer(l)),
      rooflineChart(model.layers, report.roofline, report.settings.hardware, (l) => revealLayer(l)),
    ),
    model.generation ? generationSection(model.generation) : null,
    report.notebook && report.cells.length
      ? cellsSection(report.cells, state.table.cell, labelOf, (cell) => {
          state.table.cell = cell;
          save();
          render(null);
          const first = report?.cells.find((c) => c.cell === cell);
          if (first)
            reveal({ uri: first.uri, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } });
        })
      : null,
    layersSection(model),
    compareSection(
      profiles,
      { hardware: report.settings.hardware, precision: report.settings.precision },
      state.compare,
      compareResult,
      compareError,
      (a, b) => {
        state.compare = { a, b };
        save();
        compareError = null;
        post({ type: 'compare', model: model.name, a, b });
      },
    ),
    measuredSection(report, () => post({ type: 'profileLocally', model: model.name })),
  );
  replaceChildren(app, ...parts);
  const status = app.querySelector('.apply-status');
  if (status) status.textContent = applyStatus;
  restoreTable();
  window.scrollTo(0, scrollY);
}

/** A cell as the notebook shows it: the report counts cells from 0 among all cells, Jupyter from 1. */
function labelOf(cell: number): string {
  return `Cell ${cell + 1}`;
}

/** "line 4", or "Cell 3, line 4" in a notebook. */
function placeOf(advice: PanelAdvice): string {
  const line = `line ${advice.location.range.start.line + 1}`;
  const cell = report?.cells.find((c) => c.uri === advice.location.uri);
  return cell ? `${labelOf(cell.cell)}, ${line}` : line;
}

function revealLayer(layer: PanelLayer): void {
  reveal(layer.callLocation ?? layer.location);
}

function layersSection(model: PanelModel): HTMLElement {
  const filter = el('input', {
    type: 'search',
    class: 'filter',
    placeholder: 'Filter layers by name or op',
    'aria-label': 'Filter layers',
    value: state.table.filter,
  });
  filter.addEventListener('input', () => {
    state.table.filter = filter.value;
    save();
    table.apply();
  });
  const cellChip =
    state.table.cell !== null
      ? el(
          'button',
          { type: 'button', class: 'chip', 'aria-label': 'Show the layers of every cell' },
          `${labelOf(state.table.cell)} ×`,
        )
      : null;
  cellChip?.addEventListener('click', () => {
    state.table.cell = null;
    save();
    render(null);
  });
  table.setLayers(model.layers, report?.notebook ?? false, labelOf);
  return el(
    'section',
    { class: 'section layers', 'aria-label': 'Layers' },
    el('div', { class: 'layers-head' }, el('h2', {}, 'Layers'), cellChip, filter),
    table.element,
    table.summaryElement,
  );
}

function modelPicker(): HTMLElement | null {
  if (!report || report.models.length < 2) return null;
  const select = el('select', { 'aria-label': 'Model' });
  const current = currentModel();
  report.models.forEach((m) =>
    select.appendChild(
      el('option', { value: m.name, selected: m === current }, `${m.name}${m.root ? '' : ' (block)'}`),
    ),
  );
  select.addEventListener('change', () => {
    state.model = select.value;
    state.table.cell = null;
    save();
    render(null);
  });
  return select;
}

function toolbar(model: PanelModel | undefined): HTMLElement {
  const csv = el(
    'button',
    { type: 'button', class: 'secondary', title: "CSV with CodeCarbon's emissions.csv columns" },
    'Export CSV',
  );
  const json = el(
    'button',
    { type: 'button', class: 'secondary', title: 'The wattlens.report/1 JSON the CLI prints' },
    'Export JSON',
  );
  csv.addEventListener('click', () => post({ type: 'export', format: 'csv' }));
  json.addEventListener('click', () => post({ type: 'export', format: 'json' }));
  const jump = el('button', { type: 'button', class: 'secondary', disabled: !model?.location }, 'Go to model');
  jump.addEventListener('click', () => reveal(model?.location ?? null));
  return el('div', { class: 'toolbar' }, jump, csv, json);
}

function applyAdvice(index: number, button: HTMLButtonElement): void {
  const item = report?.advice[index];
  if (!item) return;
  button.disabled = true;
  button.textContent = 'Applying…';
  post({ type: 'apply', index, title: item.title });
}

function showBanner(text: string): void {
  if (!banner.isConnected) app.prepend(banner);
  banner.textContent = text;
  banner.classList.add('shown');
}

window.addEventListener('message', (event: MessageEvent) => {
  const started = performance.now();
  const message = parseToWebview(event.data);
  if (typeof message === 'string') {
    showBanner(`WattLens panel: ignored a malformed message (${message}); the panel still shows the last report.`);
    post({ type: 'problem', message: `ignored a malformed message: ${message}` });
    return;
  }
  try {
    switch (message.type) {
      case 'report':
        report = message.report;
        profiles = message.profiles;
        banner.classList.remove('shown');
        render(message.focusCell);
        requestAnimationFrame(() => {
          const layers = currentModel()?.layers.length ?? 0;
          post({ type: 'rendered', version: report!.version, layers, ms: performance.now() - started });
        });
        return;
      case 'compare':
        compareResult = message.result;
        compareError = message.error;
        render(null);
        return;
      case 'applied': {
        applyStatus = message.message;
        const status = app.querySelector('.apply-status');
        if (status) status.textContent = applyStatus;
        app.querySelectorAll<HTMLButtonElement>('button.apply').forEach((b) => {
          b.disabled = false;
          b.textContent = 'Apply';
        });
        return;
      }
      case 'error':
        showBanner(message.message);
        return;
    }
  } catch (e) {
    showBanner(`WattLens panel: could not draw this report: ${(e as Error).message}`);
    post({ type: 'problem', message: `render failed: ${(e as Error).stack ?? e}` });
  }
});

post({ type: 'ready' });
