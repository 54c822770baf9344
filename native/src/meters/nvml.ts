// NVIDIA energy through NVML, via the optional addon (native/nvml): the total-energy counter read
// before and after the window (Volta and newer), or on older GPUs power samples taken by a worker
// thread every 20 ms and integrated. The library is opened at run time; a fake one can be named in tests.
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type EnergyMeter, type WindowEnergy, MeterError, checkWindow, integratePower, sleep } from './types';
import { packageRoot } from '../paths';

/** The addon's functions. */
export interface NvmlAddon {
  open(library?: string): number;
  deviceName(index: number): string;
  totalEnergyMj(index: number): number;
  powerMw(index: number): number;
  close(): void;
}

/** Where the addon is: WATTLENS_NVML_ADDON, else native/nvml/build/Release beside the package. */
export function addonPath(): string {
  return (
    process.env.WATTLENS_NVML_ADDON ?? join(packageRoot(), 'native', 'nvml', 'build', 'Release', 'wattlens_nvml.node')
  );
}

/** Loads the addon, or says why it is not there. */
export function loadAddon(path = addonPath()): { addon: NvmlAddon } | { reason: string } {
  if (!existsSync(path))
    return { reason: `the NVML addon is not built (${path} is missing: see the build output of npm ci)` };
  try {
    // A native addon is loaded by path at run time: require is the way Node loads .node files.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return { addon: require(path) as NvmlAddon };
  } catch (e) {
    return { reason: `the NVML addon at ${path} does not load: ${(e as Error).message}` };
  }
}

/** Options: which library file (default libnvidia-ml.so.1 / nvml.dll), which GPU, which addon. */
export interface NvmlOptions {
  library?: string;
  gpu?: number;
  addon?: string;
}

/** Opens NVML on one GPU; throws with the reason when it cannot (no addon, no driver, no such GPU). */
export function openNvml(options: NvmlOptions = {}): EnergyMeter & { deviceName: string } {
  const loaded = loadAddon(options.addon);
  if ('reason' in loaded) throw new Error(loaded.reason);
  const addon = loaded.addon;
  const gpu = options.gpu ?? 0;
  let devices: number;
  try {
    devices = addon.open(options.library);
  } catch (e) {
    throw new Error(`NVML: ${(e as Error).message}`);
  }
  try {
    if (gpu >= devices) throw new Error(`NVML: GPU ${gpu} does not exist (${devices} found)`);
    const name = addon.deviceName(gpu);
    try {
      addon.totalEnergyMj(gpu);
      return new CounterMeter(addon, gpu, name);
    } catch (e) {
      // Before Volta the counter is not supported: sample the power instead.
      addon.powerMw(gpu);
      return new SampledMeter(addon, gpu, name, options, (e as Error).message);
    }
  } catch (e) {
    addon.close();
    throw new Error(`NVML: ${(e as Error).message}`);
  }
}

class CounterMeter implements EnergyMeter {
  readonly kind = 'nvml' as const;
  readonly source: string;
  private startMj = 0;
  private startedAt = 0;

  constructor(
    private readonly addon: NvmlAddon,
    private readonly gpu: number,
    readonly deviceName: string,
  ) {
    this.source = `NVML total-energy counter (nvmlDeviceGetTotalEnergyConsumption, mJ) of GPU ${gpu}, ${deviceName}: board energy`;
  }

  private read(): number {
    try {
      return this.addon.totalEnergyMj(this.gpu);
    } catch (e) {
      throw new MeterError(`NVML: ${(e as Error).message}`);
    }
  }

  async idle(seconds: number): Promise<number> {
    const before = this.read();
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const elapsed = (performance.now() - t0) / 1000;
    const joules = (this.read() - before) / 1000;
    if (joules < 0) throw new MeterError(`NVML: the energy counter went backwards while idle (${joules.toFixed(3)} J)`);
    return joules / elapsed;
  }

  async start(): Promise<void> {
    this.startMj = this.read();
    this.startedAt = performance.now();
  }

  async stop(): Promise<WindowEnergy> {
    const end = this.read();
    const seconds = (performance.now() - this.startedAt) / 1000;
    const energyJ = (end - this.startMj) / 1000;
    if (end < this.startMj)
      throw new MeterError(
        `NVML: the energy counter went backwards (${this.startMj} → ${end} mJ): the driver was reloaded or the counter reset`,
      );
    checkWindow('NVML', energyJ, seconds, 3000);
    return { energyJ, seconds, warnings: [] };
  }

  close(): void {
    this.addon.close();
  }
}

/** Power samples from a worker thread (it keeps sampling while onnxruntime holds the main thread). */
class SampledMeter implements EnergyMeter {
  readonly kind = 'nvml' as const;
  readonly source: string;
  private readonly worker: Worker;
  private readonly samples: { t: number; watts: number }[] = [];
  private startedAt = 0;

  constructor(
    private readonly addon: NvmlAddon,
    gpu: number,
    readonly deviceName: string,
    options: NvmlOptions,
    why: string,
  ) {
    this.source = `NVML power samples (nvmlDeviceGetPowerUsage) every 20 ms on GPU ${gpu}, ${deviceName}, integrated (no energy counter: ${why})`;
    this.worker = new Worker(SAMPLER, {
      eval: true,
      workerData: { addon: options.addon ?? addonPath(), library: options.library, gpu, intervalMs: 20 },
    });
    this.worker.on('message', (batch: { t: number; watts: number }[]) => {
      this.samples.push(...batch);
      this.flushed?.();
    });
    this.worker.on('error', () => this.flushed?.());
  }

  private flushed: (() => void) | undefined;

  /** Asks the worker for the samples it holds and waits for them (at most a second). */
  private async flush(): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      this.flushed = () => {
        clearTimeout(timer);
        resolve();
      };
      this.worker.postMessage('flush');
    });
    this.flushed = undefined;
  }

  private energyBetween(from: number, to: number): number {
    const inside = this.samples.filter((s) => s.t >= from && s.t <= to).length;
    if (inside === 0) throw new MeterError('NVML: no power samples arrived during the window');
    return integratePower(this.samples, from, to);
  }

  async idle(seconds: number): Promise<number> {
    const from = Date.now() / 1000;
    await sleep(seconds * 1000);
    const to = Date.now() / 1000;
    await this.flush();
    return this.energyBetween(from, to) / (to - from);
  }

  async start(): Promise<void> {
    this.startedAt = Date.now() / 1000;
  }

  async stop(): Promise<WindowEnergy> {
    const to = Date.now() / 1000;
    await this.flush();
    const seconds = to - this.startedAt;
    const energyJ = this.energyBetween(this.startedAt, to);
    checkWindow('NVML power samples', energyJ, seconds, 3000);
    return { energyJ, seconds, warnings: [] };
  }

  close(): void {
    void this.worker.terminate();
    this.addon.close();
  }
}

/** The sampling worker: opens its own NVML, samples the power, sends batches when asked. */
const SAMPLER = `
const { parentPort, workerData } = require('node:worker_threads');
const addon = require(workerData.addon);
addon.open(workerData.library);
let batch = [];
const timer = setInterval(() => {
  try { batch.push({ t: Date.now() / 1000, watts: addon.powerMw(workerData.gpu) / 1000 }); } catch {}
}, workerData.intervalMs);
parentPort.on('message', () => { parentPort.postMessage(batch); batch = []; });
process.on('exit', () => { clearInterval(timer); addon.close(); });
`;
