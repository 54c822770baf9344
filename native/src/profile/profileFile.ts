// `wattlens profile`: analyses the file, builds the graph to run (the user's .onnx, an exact torch
// export, or a graph synthesised from the analysis), measures it in the runner process, maps node
// times to source layers, and returns the wattlens.profile/1 report with the estimate beside it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { freemem, tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import type { SourceParser } from '../../../server/src/core/parse/parser';
import type { FileReport, ModelReport } from '../../../server/src/core/report/types';
import type { ModelGraph } from '../../../server/src/core/report/graph';
import type { ProfileReport, ProfiledModel, UnprofiledModel } from '../../../server/src/core/report/profile';
import type { ModelCatalog } from '../../../server/src/core/catalog/modelCatalog';
import { analyzeWithGraphs } from '../../../server/src/core/analysis/analyzeSource';
import { analyzeCellsWithGraphs, parseNotebook } from '../../../server/src/core/analysis/notebook';
import { analyzeTypeScriptWithGraphs } from '../../../server/src/core/analysis/analyzeTfjs';
import { applyEnergy, withWorkspaceCalibration, type ProfileSet } from '../../../server/src/core/energy';
import { estimateModelBytes, synthesize, SynthesisError, type SynthesizedModel } from '../onnx/synthesize';
import { inspectOnnx, readNodes } from '../onnx/inspect';
import { runInChild, RunnerError } from '../runner/parent';
import type { InputSpec, MeterOptions, RunnerFaults, RunnerRequest, RunnerResult } from '../runner/protocol';
import type { ProviderRequest } from '../runner/providers';
import { attribute, type PlainNode } from '../runner/attribution';
import { chooseHardware } from './hardware';
import { profiledModel } from './results';
import { netronAttachment, writeExports } from './exports';
import { calibrateFromProfile } from './calibrate';
import { exactExport, type ExactExportRequest } from '../export/torchExport';

/** The timed window and the profiled runs. */
export interface Timing {
  minSeconds: number;
  minRuns: number;
  maxSeconds: number;
  warmupRuns: number;
  profileRuns: number;
  idleSeconds: number;
}

/** The defaults the issue fixes: warm-up, then at least 1 s and 20 runs; 1 s of idle power before. */
export const DEFAULT_TIMING: Timing = {
  minSeconds: 1,
  minRuns: 20,
  maxSeconds: 60,
  warmupRuns: 3,
  profileRuns: 11,
  idleSeconds: 1,
};

/** What to profile and how. */
export interface ProfileOptions {
  file: string;
  /** The document's text when it is open in an editor (else the file is read). */
  text?: string;
  /** `text` is Python whatever the file's extension (a notebook's code cells, joined by the editor). */
  textIsPython?: boolean;
  /** `text` is TypeScript / JavaScript (TF.js) whatever the file's name (an editor's untitled document). */
  textIsTypeScript?: boolean;
  provider: ProviderRequest;
  hardware?: string;
  /** Only the model with this name (default: every model the file runs). */
  model?: string;
  input?: number[][];
  batch?: number;
  /** Export the real model with torch when the Python environment has it: auto (try), always (fail if not), never. */
  exact?: 'auto' | 'always' | 'never';
  python?: string;
  calibrate?: boolean;
  workspaceDir: string;
  /** Where the trace, the graph and the Netron attachment go (null: nowhere). */
  exportDir?: string | null;
  meter?: MeterOptions;
  timing?: Partial<Timing>;
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (message: string, fraction: number) => void;
  faults?: RunnerFaults;
}

/** What profiling needs from its caller: the parser, the hardware profiles and the model catalog. */
export interface ProfileContext {
  parser: SourceParser;
  profiles: ProfileSet;
  catalog?: ModelCatalog;
}

/** A problem with the request itself (nothing to profile, an unreadable file): the CLI exits 2. */
export class ProfileUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProfileUsageError';
  }
}

/** One graph ready to run. */
interface Runnable {
  name: string;
  report: ModelReport | null;
  graph: ProfiledModel['graph'];
  graphSource: string;
  bytes: Uint8Array;
  inputs: InputSpec[];
  nodes: PlainNode[];
  nodeLayers: Record<string, number | null>;
  onnxRows?: { path: string; op: string }[];
  notes: string[];
}

/** Profiles every model of a file (or the one named) and returns the profile report. */
export async function profileFile(ctx: ProfileContext, options: ProfileOptions): Promise<ProfileReport> {
  const workDir = mkdtempSync(join(tmpdir(), 'wattlens-profile-'));
  try {
    return await new Profiler(ctx, options, workDir).run();
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

class Profiler {
  private readonly timing: Timing;
  private readonly report: ProfileReport;
  private analysis: FileReport | null = null;

  constructor(
    private readonly ctx: ProfileContext,
    private readonly options: ProfileOptions,
    private readonly workDir: string,
  ) {
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.report = {
      schema: 'wattlens.profile/1',
      file: options.file,
      executionProvider: null,
      executionProviderReason: '',
      providers: [],
      meter: { kind: 'estimate', source: '', idleW: null, reasons: [], warnings: [] },
      device: null,
      hardware: null,
      precision: 'fp32',
      onnxruntime: null,
      models: [],
      unprofiled: [],
      exports: null,
      calibration: null,
      notes: [],
    };
  }

  async run(): Promise<ProfileReport> {
    const runnables = this.runnables();
    let index = 0;
    for (const runnable of runnables) {
      const progress = (message: string, fraction: number) =>
        this.options.onProgress?.(`${runnable.name}: ${message}`, (index + fraction) / runnables.length);
      const measured = await this.measure(runnable, progress);
      if (measured) this.report.models.push(measured);
      index++;
    }
    if (this.options.calibrate) this.calibrate();
    return this.report;
  }

  /** The graphs to run: the user's .onnx, or one per model the file runs. */
  private runnables(): Runnable[] {
    const ext = this.options.textIsPython
      ? '.py'
      : this.options.textIsTypeScript && !TYPESCRIPT.has(extname(this.options.file).toLowerCase())
        ? '.ts'
        : extname(this.options.file).toLowerCase();
    if (ext === '.onnx') return [this.onnxFile()];
    const { report, graphs } = this.analyse(ext);
    this.analysis = report;
    const wanted = graphs.filter((g) => !this.options.model || g.model === this.options.model);
    if (wanted.length === 0) throw new ProfileUsageError(this.nothingToProfile(report, graphs));
    const out: Runnable[] = [];
    if (!this.options.model) this.hubCheckpoints(report);
    for (const graph of wanted) {
      const model = report.models[graph.modelIndex];
      const runnable = this.graphFor(graph, model);
      if (runnable) out.push(runnable);
    }
    return out;
  }

  private analyse(ext: string): { report: FileReport; graphs: ModelGraph[] } {
    let text: string;
    try {
      text = this.options.text ?? readFileSync(this.options.file, 'utf8');
    } catch (e) {
      throw new ProfileUsageError(`cannot read ${this.options.file}: ${(e as Error).message}`);
    }
    const options = {
      file: this.options.file,
      input: this.options.input,
      batch: this.options.batch,
      precision: 'fp32' as const,
      catalog: this.ctx.catalog,
    };
    if (ext === '.ipynb') {
      let notebook;
      try {
        notebook = parseNotebook(text, this.options.file);
      } catch (e) {
        throw new ProfileUsageError((e as Error).message);
      }
      return analyzeCellsWithGraphs(this.ctx.parser, notebook.cells, { ...options, language: notebook.language });
    }
    if (TYPESCRIPT.has(ext)) return analyzeTypeScriptWithGraphs(this.ctx.parser, text, options);
    if (ext !== '.py')
      throw new ProfileUsageError(`${this.options.file}: profile a .py, .ipynb, .ts / .js (TF.js) or .onnx file`);
    return analyzeWithGraphs(this.ctx.parser, text, options);
  }

  private nothingToProfile(report: FileReport, graphs: ModelGraph[]): string {
    if (this.options.model) {
      const names = graphs.map((g) => g.model);
      return `no model named '${this.options.model}' runs in ${this.options.file}${names.length ? ` (models: ${names.join(', ')})` : ''}`;
    }
    const roots = report.models.filter((m) => m.root);
    const hub = roots.filter((m) => m.framework === 'hub').map((m) => m.name);
    const reasons = roots
      .filter((m) => m.framework !== 'hub')
      .flatMap((m) => m.unresolved.slice(0, 1).map((u) => `${m.name}: ${u.reason}`));
    const checkpoints = hub.length ? `; ${hubNote(hub)}` : '';
    return `no model to profile in ${this.options.file}: no model the file builds runs on an input of known shape (a PyTorch model called on a tensor, a Keras model with its Input or input_shape, a TF.js model with its inputShape)${reasons.length ? ` (${reasons.join('; ')})` : ''}${checkpoints}`;
  }

  /** The graph of one analysed model: an exact export when asked and possible, else synthesised. */
  private graphFor(graph: ModelGraph, model: ModelReport): Runnable | null {
    const need = estimateModelBytes(graph);
    const free = freemem();
    if (need > free * 0.8) {
      this.unprofiled(
        model,
        `needs about ${gb(need)} of memory to build and run (weights held three times), ${gb(free)} is free: not started`,
      );
      return null;
    }
    const notes: string[] = [];
    // torch.onnx.export exports PyTorch modules only: a Keras or TF.js model's file is never run for it.
    if (this.options.exact !== 'never' && graph.framework !== 'pytorch')
      notes.push(
        `exact export not used: it exports PyTorch modules (torch.onnx.export) and ${model.name} is a ${graph.framework === 'tfjs' ? 'TF.js' : 'Keras'} model; the graph was synthesised`,
      );
    else if (this.options.exact !== 'never') {
      const exported = this.exact(model, notes);
      if (exported) return exported;
    }
    let synthesized: SynthesizedModel;
    try {
      synthesized = synthesize(graph, model);
    } catch (e) {
      if (!(e instanceof SynthesisError)) throw e;
      this.unprofiled(model, `cannot synthesise its graph: ${e.message}`);
      return null;
    }
    return {
      name: model.name,
      report: model,
      graph: 'synthesized',
      graphSource:
        'synthesised from the analysis: every layer the trace recorded, with seeded random weights (timing does not depend on their values)',
      bytes: synthesized.bytes,
      inputs: synthesized.inputs,
      nodes: synthesized.nodes,
      nodeLayers: synthesized.nodeLayers,
      notes: [...notes, ...synthesized.notes],
    };
  }

  private exact(model: ModelReport, notes: string[]): Runnable | null {
    const request: ExactExportRequest = {
      file: this.options.file,
      text: this.options.text,
      model: model.name,
      input: model.input?.shape ? [model.input.shape] : [],
      python: this.options.python,
      workDir: this.workDir,
    };
    const result = exactExport(request, model);
    if ('error' in result) {
      if (this.options.exact === 'always') throw new ProfileUsageError(`exact export failed: ${result.error}`);
      notes.push(`exact export not used: ${result.error}; the graph was synthesised instead`);
      return null;
    }
    return {
      name: model.name,
      report: model,
      graph: 'exported',
      graphSource: `exported with torch.onnx.export by ${result.python}: the real module and its initial weights`,
      bytes: result.bytes,
      inputs: result.inputs,
      nodes: result.nodes,
      nodeLayers: result.nodeLayers,
      notes: [...notes, ...result.notes],
    };
  }

  /** A user's .onnx: checked before onnxruntime sees it; one row per node. */
  private onnxFile(): Runnable {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(this.options.file);
    } catch (e) {
      throw new ProfileUsageError(`cannot read ${this.options.file}: ${(e as Error).message}`);
    }
    let info;
    try {
      info = inspectOnnx(bytes, this.options.file);
    } catch (e) {
      throw new ProfileUsageError((e as Error).message);
    }
    const need = 3 * info.initializerBytes;
    if (need > freemem() * 0.8)
      throw new ProfileUsageError(
        `${this.options.file} needs about ${gb(need)} of memory to run, ${gb(freemem())} is free`,
      );
    const notes: string[] = [];
    const inputs: InputSpec[] = info.inputs.map((input, i) => {
      const given = this.options.input?.[i];
      const shape = given ?? input.shape.map((d) => (typeof d === 'number' ? d : 1));
      if (!given && input.shape.some((d) => typeof d !== 'number'))
        notes.push(
          `input '${input.name}' has dynamic dimensions (${input.shape.join(', ')}): 1 assumed for each (pass --input)`,
        );
      return { name: input.name, shape, type: input.type };
    });
    const nodeLayers: Record<string, number | null> = {};
    info.nodes.forEach((n, i) => (nodeLayers[n.name] = i));
    return {
      name: basename(this.options.file, '.onnx'),
      report: null,
      graph: 'onnx-file',
      graphSource: `the ONNX file as given (${info.nodes.length} nodes, ${info.parameterCount.toLocaleString('en-US')} weights)`,
      bytes,
      inputs,
      nodes: info.nodes,
      nodeLayers,
      onnxRows: info.nodes.map((n) => ({ path: n.name, op: n.op })),
      notes: [...notes, 'no analysis of a bare .onnx file: no estimate beside the measurement'],
    };
  }

  /** Pretrained checkpoints the file loads by name: said, not measured (the code holds no architecture to synthesise). */
  private hubCheckpoints(report: FileReport): void {
    for (const m of report.models)
      if (m.root && m.framework === 'hub') this.unprofiled(m, `not synthesisable: ${hubNote([m.name])}`);
  }

  private unprofiled(model: ModelReport, error: string): void {
    const entry: UnprofiledModel = { name: model.name, range: model.range, error };
    this.report.unprofiled.push(entry);
  }

  private async measure(
    runnable: Runnable,
    onProgress: (message: string, fraction: number) => void,
  ): Promise<ProfiledModel | null> {
    const modelPath = join(this.workDir, `${safeName(runnable.name)}.onnx`);
    writeFileSync(modelPath, runnable.bytes);
    const runDir = mkdtempSync(join(this.workDir, 'run-'));
    const request: RunnerRequest = {
      modelPath,
      inputs: runnable.inputs,
      provider: this.options.provider,
      ...this.timing,
      meter: this.options.meter ?? { request: 'auto' },
      workDir: runDir,
      faults: this.options.faults,
    };
    let result: RunnerResult;
    try {
      result = await runInChild(request, {
        timeoutMs: this.options.timeoutMs ?? 10 * 60_000,
        signal: this.options.signal,
        onProgress,
      });
    } catch (e) {
      if (!(e instanceof RunnerError)) throw e;
      if (e.reason === 'cancelled') throw e;
      this.report.unprofiled.push({ name: runnable.name, range: runnable.report?.range ?? null, error: e.message });
      return null;
    }
    const estimated = this.estimate(runnable, result);
    const attribution = attribute({
      original: runnable.nodes,
      nodeLayers: runnable.nodeLayers,
      optimized: result.optimizedModel ? readNodes(readFileSync(result.optimizedModel)) : null,
      profile: result.nodes,
      layerFlops: estimated ? estimated.layers.map((l) => l.flops) : runnable.nodes.map(() => null),
    });
    this.describeRun(result);
    const modelled = this.modelledEnergy(estimated, result);
    const model = profiledModel({
      name: runnable.name,
      graph: runnable.graph,
      graphSource: runnable.graphSource,
      report: estimated,
      input: runnable.inputs.map((i) => i.shape),
      result,
      attribution,
      onnxRows: runnable.onnxRows,
      modelledEnergyJ: modelled,
      notes: [...runnable.notes, ...result.notes, ...attributionNotes(attribution)],
    });
    this.export(runnable, model, result);
    return model;
  }

  /** The static estimate of the model on the chosen hardware at fp32 (the graph runs in fp32). */
  private estimate(runnable: Runnable, result: RunnerResult): ModelReport | null {
    const chosen = chooseHardware(this.ctx.profiles, this.options.hardware, result.provider, result.device);
    const { profile, calibrationFile } = withWorkspaceCalibration(chosen.profile, this.options.workspaceDir);
    this.report.hardware ??= { id: profile.id, name: profile.name, why: chosen.why, calibrationFile };
    if (!runnable.report || !this.analysis) return null;
    const file: FileReport = { ...this.analysis, models: [runnable.report] };
    const estimated = applyEnergy(
      { schema: 'wattlens.report/1', hardware: null, precision: 'fp32', files: [file] },
      { profile, precision: 'fp32' },
    );
    return estimated.files[0].models[0];
  }

  /** Without a meter: measured time × the profile's modelled average power for this model. */
  private modelledEnergy(estimated: ModelReport | null, result: RunnerResult): number | null {
    if (result.energy || !estimated) return null;
    const { latencyMs, energyJ } = estimated.totals;
    if (latencyMs === null || energyJ === null || !(latencyMs > 0)) return null;
    const watts = energyJ / (latencyMs / 1000);
    const runs = [...result.runsMs].sort((a, b) => a - b);
    const measuredMs = runs[runs.length >> 1];
    this.report.meter.source = `measured time × modelled average power on ${this.report.hardware?.id} (${watts.toFixed(1)} W: the estimate's energy ÷ its time); no energy counter could be read`;
    return (measuredMs / 1000) * watts;
  }

  private describeRun(result: RunnerResult): void {
    const used = result.providers.find((p) => p.status === 'used');
    this.report.executionProvider = result.provider;
    this.report.executionProviderReason = used?.reason ?? '';
    this.report.providers = result.providers;
    this.report.device = result.device;
    this.report.onnxruntime = result.onnxruntime;
    if (result.energy) {
      this.report.meter = {
        kind: result.energy.kind,
        source: result.energy.source,
        idleW: result.energy.idleW,
        reasons: result.meterReasons,
        warnings: result.energy.warnings,
      };
    } else {
      this.report.meter.kind = 'estimate';
      this.report.meter.reasons = result.meterReasons;
    }
  }

  private export(runnable: Runnable, model: ProfiledModel, result: RunnerResult): void {
    const dir = this.options.exportDir;
    if (dir === null) return;
    const target = dir ?? join(this.options.workspaceDir, '.wattlens', 'profile');
    const stem = `${basename(this.options.file).replace(/\.[^.]+$/, '')}.${safeName(runnable.name)}`;
    this.report.exports = writeExports(target, stem, {
      trace: result.traceFile,
      onnx: runnable.graph === 'onnx-file' ? null : runnable.bytes,
      attachment: netronAttachment(model, runnable.nodeLayers, result.nodes),
    });
  }

  private calibrate(): void {
    const outcome = calibrateFromProfile(
      this.ctx.profiles,
      this.report,
      this.analysisModels(),
      this.options.workspaceDir,
    );
    if ('error' in outcome) this.report.notes.push(`not calibrated: ${outcome.error}`);
    else this.report.calibration = outcome;
  }

  private analysisModels(): ModelReport[] {
    return this.report.models
      .map((m) => this.analysis?.models.find((r) => r.name === m.name) ?? null)
      .filter((m) => m !== null);
  }
}

function attributionNotes(a: ReturnType<typeof attribute>): string[] {
  if (a.unattributedNodes.length === 0) return [];
  return [
    `${a.unattributedNodes.length} executed nodes (${(a.unattributedUs / 1000).toFixed(3)} ms) could not be traced to a layer: ${a.unattributedNodes.slice(0, 5).join(', ')}`,
  ];
}

/** TypeScript and JavaScript sources, analysed as TF.js. */
const TYPESCRIPT = new Set(['.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts']);

/** Why a pretrained checkpoint is not measured, and how to measure it. */
function hubNote(names: string[]): string {
  const unique = [...new Set(names)];
  const which =
    unique.length === 1
      ? `${unique[0]} is a pretrained checkpoint loaded by name, without its architecture in the code`
      : `${unique.join(', ')} are pretrained checkpoints loaded by name, without their architecture in the code`;
  return `${which}: catalog figures only (to measure one, profile its exported .onnx file)`;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, '_');
}

function gb(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}
