// The profiling panels: one webview beside the editor per notebook and per model file. Each asks the
// server for `wattlens/panelReport` when it opens and whenever `wattlens/reportChanged` names its
// document, posts the result to the webview (which only renders it), and carries out what the user asks
// for there: jump to a layer, apply a suggestion (the same code action the editor offers), compare, export.
import * as vscode from 'vscode';
import {
  CompareReportRequest,
  HardwareProfilesRequest,
  PanelReportRequest,
  type CompareResult,
  type HardwareProfileSummary,
  type HardwareProfilesResult,
  type Location,
  type PanelReport,
} from '../../../server/src/protocol';
import type { ServerClient } from '../serverClient';
import { parseFromWebview, type FromWebview, type ToWebview } from './messages';
import { panelHtml } from './panelHtml';
import { applySuggestion } from './applySuggestion';

/** The webview's view type (also used to restore panels). */
export const PANEL_VIEW_TYPE = 'wattlens.profilingPanel';

/** A render the webview reported: the report version, its layer count and how long drawing took. */
export interface RenderRecord {
  version: number;
  layers: number;
  ms: number;
  /** When the extension received the report that was rendered (performance.now()), and when the render was reported. */
  requestedAt: number;
  renderedAt: number;
}

/** Everything the extension knows about one open panel. */
export class ProfilingPanel implements vscode.Disposable {
  private report: PanelReport | undefined;
  private focusCell: number | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight = false;
  private pendingRefresh = false;
  private receivedAt = 0;
  private readonly renderEmitter = new vscode.EventEmitter<RenderRecord>();
  /** Fires after the webview drew a report (the tests and the timing report use it). */
  readonly onDidRender = this.renderEmitter.event;
  lastRender: RenderRecord | undefined;
  /** The last error the panel showed instead of a report. */
  lastError: string | undefined;
  /** Problems the webview reported, and messages it sent that were malformed (kept for the tests). */
  readonly problems: string[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly key: string,
    readonly panel: vscode.WebviewPanel,
    private readonly manager: PanelManager,
  ) {
    const webview = panel.webview;
    webview.options = { enableScripts: true, localResourceRoots: [manager.distUri] };
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(manager.distUri, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(manager.distUri, 'webview.css')).toString(),
      title: panel.title,
      document: panel.title.replace(/^WattLens: /, ''),
    });
    this.disposables.push(
      webview.onDidReceiveMessage((raw) => void this.receive(raw)),
      panel.onDidChangeViewState(() => {
        if (panel.visible && this.report) this.post();
      }),
    );
  }

  /** The last report the panel received (the tests read it). */
  get current(): PanelReport | undefined {
    return this.report;
  }

  /** Shows the panel, focused on a notebook cell when `cell` is given. */
  reveal(cell: number | null): void {
    this.focusCell = cell;
    this.panel.reveal(undefined, true);
    if (this.report) this.post();
  }

  /** Re-reads the report soon; calls during a request coalesce into one more. */
  scheduleRefresh(delayMs = 30): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), delayMs);
  }

  /** Asks the server for the panel's data and sends it to the webview. */
  async refresh(): Promise<void> {
    if (this.inFlight) {
      this.pendingRefresh = true;
      return;
    }
    this.inFlight = true;
    try {
      const report = await this.manager.server.request<{ uri: string }, PanelReport | null>(PanelReportRequest.type, {
        uri: this.key,
      });
      if (report) {
        this.report = report;
        this.receivedAt = performance.now();
        await this.manager.loadProfiles();
        this.post();
      } else {
        this.showError(
          'WattLens has no analysis of this document: it has no Python code cells, or it is no longer open.',
        );
      }
    } catch (e) {
      this.showError(`WattLens could not compute the panel: ${(e as Error).message}`);
    } finally {
      this.inFlight = false;
      if (this.pendingRefresh) {
        this.pendingRefresh = false;
        this.scheduleRefresh(0);
      }
    }
  }

  /** Sends a message to the webview (exposed for the tests of malformed messages). */
  send(message: ToWebview | unknown): void {
    void this.panel.webview.postMessage(message);
  }

  private showError(message: string): void {
    this.lastError = message;
    this.send({ type: 'error', message });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.renderEmitter.dispose();
    this.disposables.forEach((d) => d.dispose());
  }

  private post(): void {
    if (!this.report) return;
    this.send({
      type: 'report',
      report: this.report,
      focusCell: this.focusCell,
      profiles: this.manager.profiles,
    });
  }

  private async receive(raw: unknown): Promise<void> {
    const message = parseFromWebview(raw);
    if (typeof message === 'string') {
      this.problems.push(`malformed message from the panel: ${message}`);
      this.manager.server.output.appendLine(`WattLens panel: ignored a malformed message (${message})`);
      return;
    }
    try {
      await this.handle(message);
    } catch (e) {
      this.send({ type: 'error', message: `WattLens: ${(e as Error).message}` });
    }
  }

  private async handle(message: FromWebview): Promise<void> {
    switch (message.type) {
      case 'ready':
        if (this.report) this.post();
        else await this.refresh();
        return;
      case 'reveal':
        return revealLocation(message.location, this.manager.editorColumn(this.key));
      case 'apply': {
        const advice = this.report?.advice[message.index];
        const result = await applySuggestion(advice, message.title);
        this.send({ type: 'applied', title: message.title, ...result });
        return;
      }
      case 'compare': {
        const params = { uri: this.key, model: message.model, a: message.a, b: message.b };
        try {
          const result = await this.manager.server.request<typeof params, CompareResult | null>(
            CompareReportRequest.type,
            params,
          );
          this.send({ type: 'compare', result, error: result ? null : `no model named ${message.model}` });
        } catch (e) {
          this.send({ type: 'compare', result: null, error: (e as Error).message });
        }
        return;
      }
      case 'export':
        await vscode.commands.executeCommand('wattlens.exportReport', { uri: this.key, format: message.format });
        return;
      case 'profileLocally':
        await vscode.commands.executeCommand('wattlens.profileModel', { uri: this.key, model: message.model });
        return;
      case 'rendered': {
        const record = { ...message, requestedAt: this.receivedAt, renderedAt: performance.now() };
        this.lastRender = record;
        this.renderEmitter.fire(record);
        return;
      }
      case 'problem':
        this.problems.push(message.message);
        this.manager.server.output.appendLine(`WattLens panel: ${message.message}`);
        return;
    }
  }
}

/** Opens, finds and refreshes the panels. */
export class PanelManager implements vscode.Disposable {
  private readonly panels = new Map<string, ProfilingPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  /** The profiles for the compare view, refreshed with each report. */
  profiles: HardwareProfileSummary[] = [];
  readonly distUri: vscode.Uri;

  constructor(
    readonly server: ServerClient,
    extensionUri: vscode.Uri,
  ) {
    this.distUri = vscode.Uri.joinPath(extensionUri, 'dist');
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('wattlens')) return;
        this.profiles = [];
        this.panels.forEach((p) => p.scheduleRefresh(200));
      }),
      server.onDidChangeState(() => this.panels.forEach((p) => p.scheduleRefresh(100))),
    );
  }

  /** The panel of a document, if one is open. */
  get(key: string): ProfilingPanel | undefined {
    return this.panels.get(key);
  }

  /** Opens (or reveals) the panel of a document beside its editor. */
  open(key: string, title: string, cell: number | null = null): ProfilingPanel {
    const existing = this.panels.get(key);
    if (existing) {
      existing.reveal(cell);
      return existing;
    }
    const column = this.editorColumn(key);
    const beside = column === undefined ? vscode.ViewColumn.Beside : ((column + 1) as vscode.ViewColumn);
    const webviewPanel = vscode.window.createWebviewPanel(
      PANEL_VIEW_TYPE,
      `WattLens: ${title}`,
      { viewColumn: beside, preserveFocus: true },
      { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [this.distUri] },
    );
    const panel = new ProfilingPanel(key, webviewPanel, this);
    this.panels.set(key, panel);
    webviewPanel.onDidDispose(() => {
      panel.dispose();
      if (this.panels.get(key) === panel) this.panels.delete(key);
    });
    panel.reveal(cell);
    return panel;
  }

  /** A report changed on the server: refresh that document's panel. */
  reportChanged(uri: string): void {
    this.panels.get(uri)?.scheduleRefresh();
  }

  /** Loads the profile list for the compare view (once; again after settings change). */
  async loadProfiles(): Promise<void> {
    if (this.profiles.length) return;
    try {
      const result = await this.server.request<object, HardwareProfilesResult>(HardwareProfilesRequest.type, {});
      this.profiles = result.profiles;
    } catch {
      this.profiles = [];
    }
  }

  /** The column of the editor showing a document (notebook or text), if one is visible. */
  editorColumn(key: string): vscode.ViewColumn | undefined {
    const notebook = vscode.window.visibleNotebookEditors.find((e) => e.notebook.uri.toString() === key);
    if (notebook) return notebook.viewColumn;
    return vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === key)?.viewColumn;
  }

  /** Every open panel (the tests read them). */
  all(): ProfilingPanel[] {
    return [...this.panels.values()];
  }

  dispose(): void {
    this.panels.forEach((p) => p.panel.dispose());
    this.disposables.forEach((d) => d.dispose());
  }
}

/** Opens the document at a location (a notebook cell opens its notebook at that cell) and selects the range. */
export async function revealLocation(location: Location, column: vscode.ViewColumn | undefined): Promise<void> {
  const { start, end } = location.range;
  const range = new vscode.Range(start.line, start.character, end.line, end.character);
  const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(location.uri, true));
  await vscode.window.showTextDocument(document, {
    viewColumn: column ?? vscode.ViewColumn.One,
    selection: range,
    preserveFocus: false,
  });
}
