// The running server's state: settings, hardware profiles and documents; it produces the View of a
// document for the current settings, publishes diagnostics when a document settles, and reports problems once.
import { MessageType, type Connection, type CancellationToken, type ClientCapabilities } from 'vscode-languageserver';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { SourceParser } from '../core/parse/parser';
import type { ProfileReport } from '../core/report/profile';
import { gridIntensity, type LoadedProfile } from '../core/energy';
import { loadModelCatalog, type ModelCatalog } from '../core/catalog/modelCatalog';
import {
  ReportChangedNotification,
  type EffectiveSettings,
  type HardwareProfilesResult,
  type ReportChangedParams,
} from '../protocol';
import { profileSummaries } from '../ide/panel/profiles';
import { DocumentStore, yieldToEventLoop } from './documents';
import { estimate, type View } from '../ide/view';
import { findingItems } from '../ide/advice/diagnostics';
import * as fmt from '../ide/format';
import { toDiagnostics } from './convert';
import { pythonEnvironment } from '../core/analysis/imports';
import { ProfileStore } from './profileStore';
import {
  DEFAULT_HARDWARE,
  DEFAULT_SETTINGS,
  pullSettings,
  resolveSettings,
  settingsKey,
  type Settings,
} from './settings';

/** A document's last local measurement: the profile report, the document version it measured, and when. */
export interface Measurement {
  version: number;
  report: ProfileReport;
  at: Date;
}

/** Thrown by `view()` when the request was cancelled while it waited. */
export class Cancelled extends Error {}

/** Settings, profiles, documents and the views built from them. */
export class Service {
  settings: Settings = DEFAULT_SETTINGS;
  readonly docs: DocumentStore;
  private profiles: ProfileStore;
  private readonly views = new Map<string, View>();
  private readonly told = new Set<string>();
  /** The last local measurement of each document (cleared when it closes). */
  private readonly measured = new Map<string, Measurement>();
  capabilities: ClientCapabilities = {};
  /** The workspace folder (its .wattlens/ holds profiles, calibrations and profiling exports). */
  workspaceDir: string | undefined;
  /** False when the client said the workspace is not trusted (VS Code's Restricted Mode). */
  workspaceTrusted = true;
  private pushedSettings: unknown = undefined;
  private catalog: ModelCatalog | null | undefined;
  private markReady: () => void = () => undefined;
  /** Why workspace profiles are not read (an untrusted workspace), or null when they are. */
  private workspaceProfilesOff: string | null = null;
  /** Settles once the first settings have been read (or after 2 s if the client never answers). */
  private readonly ready = new Promise<void>((resolve) => {
    this.markReady = resolve;
    setTimeout(resolve, 2000).unref();
  });

  constructor(
    private readonly connection: Connection,
    parser: SourceParser,
    private readonly packageRoot: string,
  ) {
    const events = {
      settled: (key: string) => this.settled(key),
      closed: (uris: string[]) => this.cleared(uris),
      invalidated: (key: string) => this.views.delete(key),
    };
    this.docs = new DocumentStore(parser, events, () => this.modelCatalog());
    this.profiles = new ProfileStore(join(packageRoot, 'profiles'));
  }

  /** Records the client's capabilities and workspace, then loads the profiles. */
  initialize(
    capabilities: ClientCapabilities,
    workspaceUri: string | null | undefined,
    initializationOptions: unknown,
  ): void {
    this.capabilities = capabilities;
    this.pushedSettings = pick(initializationOptions, 'wattlens') ?? initializationOptions;
    const workspaceDir = workspaceUri?.startsWith('file:') ? fileURLToPath(workspaceUri) : undefined;
    // The VS Code client says whether the workspace is trusted; other clients do not, and are trusted.
    // Untrusted, nothing of the workspace is read or written: no profiles, no calibrations, no profiling.
    this.workspaceTrusted = pick(initializationOptions, 'workspaceTrusted') !== false;
    this.workspaceProfilesOff = this.workspaceTrusted
      ? null
      : 'Restricted Mode: the workspace is not trusted, so its hardware profiles (.wattlens/profiles) and calibration files are not read. Trust the workspace to use them.';
    this.workspaceDir = this.workspaceTrusted ? workspaceDir : undefined;
    this.profiles = new ProfileStore(join(this.packageRoot, 'profiles'), this.workspaceDir);
    this.usePython(null);
    this.profiles.reload().forEach((m) => this.tell(m, MessageType.Warning));
  }

  /**
   * Imports are searched in the workspace and the site-packages of its Python (`wattlens.pythonPath`,
   * else a .venv there, else python3), asked when the setting changes, off the keystroke path. In
   * Restricted Mode the setting (which a workspace could set) is not used: python3 on PATH is asked.
   */
  private usePython(pythonPath: string | null): void {
    const roots = this.workspaceDir ? [this.workspaceDir] : [];
    const environment = pythonEnvironment((this.workspaceTrusted && pythonPath) || undefined, roots);
    if (this.workspaceTrusted && pythonPath && environment.problem)
      this.tell(
        `WattLens: wattlens.pythonPath: ${environment.problem}; installed libraries are not read`,
        MessageType.Warning,
      );
    this.docs.setImportPaths({ workspaceRoots: roots, libraryPaths: environment.libraryPaths });
  }

  /** The loaded profile with this id (built-in or workspace), if any. */
  profileOf(id: string): LoadedProfile | undefined {
    return this.profiles.get(id);
  }

  /** The settings in force: the profile actually used (the default when the setting names an unknown one). */
  effectiveSettings(): EffectiveSettings {
    const profile = this.profileFor(this.settings.hardware);
    let grid: EffectiveSettings['gridIntensity'] = null;
    try {
      const intensity = gridIntensity(this.settings.region);
      grid = {
        gramsPerKWh: intensity.gCO2ePerKWh,
        text: `${fmt.count(intensity.gCO2ePerKWh, '').trim()} gCO2e/kWh`,
        source: intensity.source,
      };
    } catch {
      grid = null;
    }
    return {
      hardware: profile?.id ?? this.settings.hardware,
      hardwareName: profile?.name ?? null,
      precision: this.settings.precision,
      precisionSetting: this.settings.precisionSetting,
      region: this.settings.region,
      gridIntensity: grid,
      pue: this.settings.pue,
      batchSize: this.settings.batchSize,
    };
  }

  /** Every loaded profile with its figures, the settings in force, and whether workspace profiles are read. */
  hardwareProfiles(): HardwareProfilesResult {
    return {
      profiles: profileSummaries(this.profiles.all()),
      current: this.effectiveSettings(),
      workspaceProfiles: { enabled: this.workspaceProfilesOff === null, reason: this.workspaceProfilesOff },
      problems: this.profiles.problems,
    };
  }

  /** Whether the client can be asked for settings with workspace/configuration. */
  get canPullSettings(): boolean {
    return !!this.capabilities.workspace?.configuration;
  }

  /** Re-reads the settings (pushed ones are used when the client cannot be asked) and refreshes what changed. */
  async updateSettings(pushed?: unknown): Promise<void> {
    if (pushed !== undefined) this.pushedSettings = pick(pushed, 'wattlens') ?? this.pushedSettings;
    const { settings, problems } = await pullSettings(this.connection, this.canPullSettings, this.pushedSettings);
    problems.forEach((p) => this.tell(`WattLens: ${p}`, MessageType.Warning));
    const next = resolveSettings(this.checkRegion(settings), this.profileFor(settings.hardware));
    if (next.precisionNote && next.precisionSetting !== 'auto')
      this.tell(`WattLens: ${next.precisionNote}`, MessageType.Warning);
    const analysisChanged =
      next.precision !== this.settings.precision ||
      next.batchSize !== this.settings.batchSize ||
      next.input?.text !== this.settings.input?.text;
    const changed =
      settingsKey(next) !== settingsKey(this.settings) || next.inlayHintsMode !== this.settings.inlayHintsMode;
    const pythonChanged = next.pythonPath !== this.settings.pythonPath;
    this.settings = next;
    if (pythonChanged) this.usePython(next.pythonPath);
    if (analysisChanged) this.docs.invalidate();
    if (changed || pythonChanged) this.refreshAll();
    this.markReady();
  }

  /** Reloads hardware profiles after a profile file changed; broken files are reported and the last good kept. */
  reloadProfiles(): void {
    this.profiles.reload().forEach((m) => this.tell(m, MessageType.Error, true));
    const next = resolveSettings(this.settings, this.profileFor(this.settings.hardware));
    if (next.precision !== this.settings.precision) this.docs.invalidate();
    this.settings = next;
    this.refreshAll();
  }

  /** The View of the source `uri` belongs to, analysed now if its version is not cached yet. */
  async view(uri: string, token?: CancellationToken): Promise<View | undefined> {
    await this.ready;
    await yieldToEventLoop();
    if (token?.isCancellationRequested) throw new Cancelled();
    const view = this.viewNow(uri);
    if (token?.isCancellationRequested) throw new Cancelled();
    return view;
  }

  /** The View without yielding first (for notifications and benchmarks). */
  viewNow(uri: string): View | undefined {
    const source = this.docs.sourceFor(uri);
    if (!source) return undefined;
    const profile = this.profileFor(this.settings.hardware);
    const cached = this.views.get(source.key);
    if (
      cached &&
      cached.source.version === source.version &&
      cached.profile === profile &&
      cached.settings === this.settings
    )
      return cached;
    const analysis = this.docs.analysisOf(source, {
      precision: this.settings.precision,
      batch: this.settings.batchSize,
      exampleInput: this.settings.input,
    });
    const sameEstimate =
      cached &&
      cached.analysis.file === analysis.file &&
      cached.profile === profile &&
      cached.settings === this.settings;
    const view = sameEstimate
      ? { ...cached, analysis, source: analysis.source }
      : estimate(analysis, profile, this.settings, this.modelCatalog());
    this.views.set(source.key, view);
    return view;
  }

  /** A source settled after edits: analyse it, publish its diagnostics and say its report changed. */
  private settled(key: string): void {
    try {
      const view = this.viewNow(key);
      if (!view) return;
      for (const [uri, diagnostics] of toDiagnostics(view.source, findingItems(view))) {
        const version = view.source.segments.find((s) => s.uri === uri)?.version;
        void this.connection.sendDiagnostics({ uri, version, diagnostics });
      }
      const params: ReportChangedParams = { uri: key, version: view.source.version };
      void this.connection.sendNotification(ReportChangedNotification.method, params);
    } catch (e) {
      this.connection.console.error(`WattLens: analysing ${key} failed: ${(e as Error)?.stack ?? e}`);
    }
  }

  /** Keeps a document's last local measurement (what the panel shows beside the estimate) and says so. */
  rememberProfile(key: string, version: number, report: ProfileReport): void {
    this.measured.set(key, { version, report, at: new Date() });
    const params: ReportChangedParams = { uri: key, version };
    void this.connection.sendNotification(ReportChangedNotification.method, params);
  }

  /** The document's last local measurement, if it was profiled since it was opened. */
  measurementOf(key: string): Measurement | undefined {
    return this.measured.get(key);
  }

  private cleared(uris: string[]): void {
    for (const uri of uris) {
      this.measured.delete(uri);
      this.views.delete(uri);
      void this.connection.sendDiagnostics({ uri, diagnostics: [] });
    }
  }

  /** Re-analyses every open document and asks the client to re-request hints and lenses. */
  private refreshAll(): void {
    this.views.clear();
    for (const key of this.docs.openKeys()) this.docs.schedule(key);
    const ws = this.capabilities.workspace;
    if (ws?.inlayHint?.refreshSupport) void this.connection.languages.inlayHint.refresh().catch(() => undefined);
    if (ws?.codeLens?.refreshSupport)
      void this.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  }

  /** The pretrained-checkpoint and dataset catalogs, loaded once; a broken catalog is reported and left out. */
  private modelCatalog(): ModelCatalog | undefined {
    if (this.catalog === undefined) {
      try {
        this.catalog = loadModelCatalog(
          join(this.packageRoot, 'profiles', 'models'),
          join(this.packageRoot, 'profiles', 'datasets.json'),
        );
      } catch (e) {
        this.catalog = null;
        this.tell(`WattLens: could not load the model catalog: ${(e as Error).message}`, MessageType.Warning);
      }
    }
    return this.catalog ?? undefined;
  }

  /** The profile for `id`; an unknown id is reported once and the default used instead. */
  private profileFor(id: string): LoadedProfile | null {
    const profile = this.profiles.get(id);
    if (profile) return profile;
    const fallback = this.profiles.get(DEFAULT_HARDWARE) ?? null;
    const near = this.profiles.near(id);
    this.tell(
      `WattLens: unknown hardware profile '${id}' in wattlens.hardware${near.length ? ` (did you mean ${near.map((n) => `'${n}'`).join(' or ')}?)` : ''}; using ${DEFAULT_HARDWARE}. ` +
        `Known ids: ${this.profiles.ids().join(', ')}`,
      MessageType.Warning,
    );
    return fallback;
  }

  /** An unknown region is reported and replaced by the world average. */
  private checkRegion(settings: Settings): Settings {
    if (!settings.region) return settings;
    try {
      gridIntensity(settings.region);
      return settings;
    } catch (e) {
      this.tell(`WattLens: wattlens.region: ${(e as Error).message}; using the world average`, MessageType.Warning);
      return { ...settings, region: null };
    }
  }

  /** Shows a message once per distinct text (or every time when `again`). */
  private tell(message: string, type: MessageType, again = false): void {
    if (!again && this.told.has(message)) return;
    this.told.add(message);
    void this.connection.sendNotification('window/showMessage', { type, message });
  }
}

function pick(value: unknown, key: string): unknown {
  return value && typeof value === 'object' && key in value ? (value as Record<string, unknown>)[key] : undefined;
}
