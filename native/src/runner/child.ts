// The runner process (dist/profileRunner.js): loads onnxruntime-node, picks the execution provider,
// times the model (warm-up, then ≥ 1 s and ≥ 20 runs) inside an energy meter's window, then runs a
// profiled session for per-node times. It never runs in the editor's process; the parent can kill it.
import type * as Ort from 'onnxruntime-node';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { chooseMeter } from '../meters/select';
import { MeterError, type EnergyMeter } from '../meters/types';
import { SeededRandom } from '../onnx/seededRandom';
import { machineEnvironment, providerCandidates, unavailableReason, type ProviderStatus } from './providers';
import type { InputSpec, MeasuredEnergy, RunnerMessage, RunnerRequest, RunnerResult } from './protocol';
import { parseProfile } from './trace';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

type OrtModule = typeof Ort;

function send(message: RunnerMessage): void {
  process.send?.(message);
}

function progress(message: string, fraction: number): void {
  send({ type: 'progress', message, fraction });
}

/** Random inputs: floats in [-1, 1), integer inputs (and float ones holding token ids) below their bound. */
function makeFeeds(ort: OrtModule, inputs: InputSpec[]): Record<string, Ort.Tensor> {
  const random = new SeededRandom(7);
  const feeds: Record<string, Ort.Tensor> = {};
  for (const input of inputs) {
    const n = input.shape.reduce((a, b) => a * b, 1);
    if (input.type === 'int64' || input.type === 'int32') {
      const below = input.integersBelow ?? 2;
      const values = Array.from({ length: n }, () => Math.floor(random.next() * below));
      feeds[input.name] =
        input.type === 'int64'
          ? new ort.Tensor(
              'int64',
              BigInt64Array.from(values, (v) => BigInt(v)),
              input.shape,
            )
          : new ort.Tensor('int32', Int32Array.from(values), input.shape);
    } else if (input.type === 'bool') {
      feeds[input.name] = new ort.Tensor('bool', new Uint8Array(n), input.shape);
    } else {
      const data = new Float32Array(n);
      // A float input a Keras Embedding reads holds token ids (Keras casts them to integers).
      if (input.integersBelow !== undefined)
        for (let i = 0; i < n; i++) data[i] = Math.floor(random.next() * input.integersBelow);
      else random.fillUniform(data, 1);
      feeds[input.name] = new ort.Tensor('float32', data, input.shape);
    }
  }
  return feeds;
}

/** One measurement on one provider; throws when the provider fails at any point. */
class Measurement {
  private runCount = 0;

  constructor(
    private readonly ort: OrtModule,
    private readonly request: RunnerRequest,
    private readonly provider: ProviderStatus['name'],
    private readonly feeds: Record<string, Ort.Tensor>,
  ) {}

  private options(extra: Ort.InferenceSession.SessionOptions = {}): Ort.InferenceSession.SessionOptions {
    return { executionProviders: [this.provider], logSeverityLevel: 3, graphOptimizationLevel: 'all', ...extra };
  }

  private async run(session: Ort.InferenceSession): Promise<number> {
    this.runCount++;
    const fault = this.request.faults?.failRun;
    if (fault && fault.provider === this.provider && fault.atRun === this.runCount)
      throw new Error(`injected failure at run ${this.runCount}`);
    const t0 = performance.now();
    // Outputs come back to host memory, so a run's time includes the device's synchronisation.
    await session.run(this.feeds);
    return performance.now() - t0;
  }

  async timed(meter: EnergyMeter | null, notes: string[]) {
    const t0 = performance.now();
    const session = await this.ort.InferenceSession.create(this.request.modelPath, this.options());
    const sessionMs = performance.now() - t0;
    if (this.request.faults?.hang) await new Promise(() => undefined);
    try {
      progress(`warming up on ${this.provider}`, 0.3);
      for (let i = 0; i < this.request.warmupRuns; i++) await this.run(session);
      let idleW: number | null = null;
      const meterWarnings: string[] = [];
      if (meter && this.request.idleSeconds > 0) {
        progress('measuring idle power', 0.35);
        try {
          idleW = await meter.idle(this.request.idleSeconds);
        } catch (e) {
          meterWarnings.push(`idle power not measured: ${(e as Error).message}`);
        }
      }
      progress(`timing on ${this.provider}`, 0.4);
      const runsMs: number[] = [];
      await meter?.start();
      const start = performance.now();
      const { minSeconds, minRuns, maxSeconds } = this.request;
      while (runsMs.length < minRuns || performance.now() - start < minSeconds * 1000) {
        runsMs.push(await this.run(session));
        if (performance.now() - start > maxSeconds * 1000) break;
      }
      const timedSeconds = (performance.now() - start) / 1000;
      const energy = meter ? await this.readMeter(meter, idleW, meterWarnings) : null;
      if (runsMs.length < minRuns || performance.now() - start < minSeconds * 1000)
        notes.push(
          `only ${runsMs.length} runs fitted in the ${maxSeconds} s limit (asked: ≥ ${minRuns} runs and ≥ ${minSeconds} s)`,
        );
      return { sessionMs, runsMs, timedSeconds, energy };
    } finally {
      await session.release();
    }
  }

  private async readMeter(
    meter: EnergyMeter,
    idleW: number | null,
    warnings: string[],
  ): Promise<MeasuredEnergy | Error> {
    try {
      const window = await meter.stop();
      return {
        kind: meter.kind,
        source: meter.source,
        energyJ: window.energyJ,
        seconds: window.seconds,
        idleW,
        warnings: [...warnings, ...window.warnings],
      };
    } catch (e) {
      if (e instanceof MeterError) return e;
      throw e;
    }
  }

  /** A second session with onnxruntime's profiler on: per-node times, and the optimised graph for mapping. */
  async profiled(notes: string[]) {
    const prefix = join(this.request.workDir, 'onnxruntime-profile');
    const optimized = join(this.request.workDir, 'optimized.onnx');
    let session: Ort.InferenceSession;
    let optimizedModel: string | null = optimized;
    try {
      session = await this.ort.InferenceSession.create(
        this.request.modelPath,
        this.options({ enableProfiling: true, profileFilePrefix: prefix, optimizedModelFilePath: optimized }),
      );
    } catch (e) {
      notes.push(`the optimised graph could not be saved (${(e as Error).message}); nodes are mapped by name only`);
      optimizedModel = null;
      session = await this.ort.InferenceSession.create(
        this.request.modelPath,
        this.options({ enableProfiling: true, profileFilePrefix: prefix }),
      );
    }
    const profiledRunsMs: number[] = [];
    try {
      for (let i = 0; i < this.request.profileRuns; i++) {
        const ms = await this.run(session);
        if (i > 0) profiledRunsMs.push(ms);
      }
      session.endProfiling();
    } finally {
      await session.release();
    }
    const traceFile = readdirSync(this.request.workDir)
      .filter((f) => f.startsWith('onnxruntime-profile') && f.endsWith('.json'))
      .map((f) => join(this.request.workDir, f))
      .pop();
    if (!traceFile) throw new Error('onnxruntime wrote no profile');
    const parsed = parseProfile(readFileSync(traceFile, 'utf8'));
    // The first profiled run is warm-up: keep the later executions of each node.
    for (const node of parsed.nodes) if (node.durationsUs.length > 1) node.durationsUs.shift();
    return { profiledRunsMs, nodes: parsed.nodes, traceFile, optimizedModel };
  }
}

async function measure(request: RunnerRequest): Promise<RunnerResult> {
  progress('loading onnxruntime', 0.05);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ort = require('onnxruntime-node') as OrtModule;
  const env = machineEnvironment(ort.listSupportedBackends());
  const feeds = makeFeeds(ort, request.inputs);
  const providers: ProviderStatus[] = [];
  const candidates = providerCandidates(request.provider);
  for (const [i, name] of candidates.entries()) {
    const why = unavailableReason(name, env);
    if (why) {
      providers.push({ name, status: 'unavailable', reason: why });
      continue;
    }
    const notes: string[] = [];
    const choice = chooseMeter(name, request.meter);
    try {
      progress(`creating a session on ${name}`, 0.1);
      const measurement = new Measurement(ort, request, name, feeds);
      const timed = await measurement.timed(choice.meter, notes);
      progress('profiling per node', 0.8);
      const profiled = await measurement.profiled(notes);
      providers.push({ name, status: 'used', reason: usedReason(name, request.provider, providers) });
      for (const rest of candidates.slice(i + 1))
        providers.push({ name: rest, status: 'not tried', reason: `${name} ran the model first` });
      const energy = timed.energy instanceof Error ? null : timed.energy;
      const meterReasons = [...choice.reasons];
      if (timed.energy instanceof Error && choice.meter)
        meterReasons.push({ kind: choice.meter.kind, reason: timed.energy.message });
      return {
        provider: name,
        device: name === 'cpu' ? (cpus()[0]?.model?.trim() ?? null) : (choice.meter?.deviceName ?? null),
        providers,
        onnxruntime: ort.env.versions.node ?? 'unknown',
        sessionMs: timed.sessionMs,
        runsMs: timed.runsMs,
        timedSeconds: timed.timedSeconds,
        profiledRunsMs: profiled.profiledRunsMs,
        energy,
        meterReasons,
        nodes: profiled.nodes,
        traceFile: profiled.traceFile,
        optimizedModel: profiled.optimizedModel,
        notes: [...notes, ...placementNotes(name, profiled.nodes)],
      };
    } catch (e) {
      providers.push({ name, status: 'failed', reason: firstLine((e as Error).message) });
      progress(`${name} failed: ${firstLine((e as Error).message)}; trying the next provider`, 0.1);
    } finally {
      choice.meter?.close();
    }
  }
  throw new Error(
    `no execution provider could run the model: ${providers.map((p) => `${p.name}: ${p.reason}`).join('; ')}`,
  );
}

function usedReason(name: string, request: string, before: ProviderStatus[]): string {
  if (request === name) return `asked for with --ep ${name}`;
  if (before.length === 0) return request === 'auto' ? `the first provider available` : `asked for`;
  return `${before.map((p) => p.name).join(', ')} could not run it`;
}

/** Nodes onnxruntime placed on another provider than the one asked for (cuda falls back to the CPU per node). */
function placementNotes(provider: string, nodes: RunnerResult['nodes']): string[] {
  const elsewhere = nodes.filter((n) => n.provider && !n.provider.toLowerCase().startsWith(provider.toLowerCase()));
  if (elsewhere.length === 0) return [];
  return [
    `${elsewhere.length} of ${nodes.length} nodes ran on another provider (${[...new Set(elsewhere.map((n) => n.provider))].join(', ')})`,
  ];
}

function firstLine(text: string): string {
  return text.split('\n')[0].slice(0, 400);
}

process.on('disconnect', () => process.exit(1));
process.once('message', (request: RunnerRequest) => {
  measure(request).then(
    (result) => send({ type: 'result', value: result }),
    (e: Error) => send({ type: 'error', message: e.message }),
  );
});
