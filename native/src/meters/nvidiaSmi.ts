// NVIDIA board power sampled by `nvidia-smi --query-gpu=timestamp,power.draw -lms 50` in its own
// process (so samples keep coming while onnxruntime holds our thread), integrated over the window
// on nvidia-smi's own timestamps.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { type EnergyMeter, type WindowEnergy, MeterError, checkWindow, integratePower, sleep } from './types';

/** One power sample: seconds since the epoch, watts. */
interface Sample {
  t: number;
  watts: number;
}

const INTERVAL_MS = 50;

/** Why nvidia-smi cannot measure here (null when it can). */
export function nvidiaSmiUnavailable(command = 'nvidia-smi', gpu = 0): string | null {
  const probe = spawnSync(
    command,
    ['--query-gpu=name,power.draw', '--format=csv,noheader,nounits', '-i', String(gpu)],
    {
      encoding: 'utf8',
      timeout: 10_000,
    },
  );
  if (probe.error) return `${command} cannot run: ${(probe.error as Error).message}`;
  if (probe.status !== 0) return `${command} failed: ${(probe.stderr || probe.stdout).trim().split('\n')[0]}`;
  const power = Number(probe.stdout.trim().split(',').pop());
  if (!Number.isFinite(power)) return `${command} reports no power draw for GPU ${gpu} ('${probe.stdout.trim()}')`;
  return null;
}

/** Parses `YYYY/MM/DD HH:MM:SS.mmm, watts` as nvidia-smi prints it (local time). */
export function parseSample(line: string): Sample | null {
  const match = line.match(/^\s*(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{3})\s*,\s*([^,]+)\s*$/);
  if (!match) return null;
  const [, y, mo, d, h, mi, s, ms, w] = match;
  const watts = Number(w);
  if (!Number.isFinite(watts)) return null;
  const t = new Date(+y, +mo - 1, +d, +h, +mi, +s, +ms).getTime() / 1000;
  return { t, watts };
}

/** Starts sampling GPU `gpu` with `command` (the real nvidia-smi, or a stand-in in tests). */
export function openNvidiaSmi(command = 'nvidia-smi', gpu = 0): EnergyMeter {
  return new NvidiaSmiMeter(command, gpu);
}

class NvidiaSmiMeter implements EnergyMeter {
  readonly kind = 'nvidia-smi' as const;
  readonly source: string;
  readonly deviceName?: string;
  private readonly process: ChildProcess;
  private readonly samples: Sample[] = [];
  private readonly rejected: string[] = [];
  private buffer = '';
  private startedAt = 0;

  constructor(command: string, gpu: number) {
    const name = spawnSync(command, ['--query-gpu=name', '--format=csv,noheader', '-i', String(gpu)], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    if (name.status === 0 && name.stdout.trim()) this.deviceName = name.stdout.trim();
    this.source = `${command} --query-gpu=power.draw sampled every ${INTERVAL_MS} ms on GPU ${gpu}, integrated`;
    this.process = spawn(
      command,
      [
        '--query-gpu=timestamp,power.draw',
        '--format=csv,noheader,nounits',
        `-lms`,
        String(INTERVAL_MS),
        '-i',
        String(gpu),
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    this.process.on('error', () => undefined);
    this.process.stdout!.setEncoding('utf8');
    this.process.stdout!.on('data', (chunk: string) => this.take(chunk));
  }

  private take(chunk: string): void {
    this.buffer += chunk;
    const lines = this.buffer.split('\n');
    this.buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      const sample = parseSample(line);
      if (sample && sample.watts >= 0) this.samples.push(sample);
      else this.rejected.push(line.trim());
    }
  }

  /** Waits until a sample at or after `t` has arrived (the pipe is read only when our thread is free). */
  private async samplesUntil(t: number): Promise<void> {
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      if (this.samples.length && this.samples[this.samples.length - 1].t >= t) return;
      await sleep(INTERVAL_MS);
    }
  }

  private window(from: number, to: number): { joules: number; inside: number; medianGapMs: number } {
    const inside = this.samples.filter((s) => s.t >= from && s.t <= to);
    const gaps = inside.slice(1).map((s, i) => (s.t - inside[i].t) * 1000);
    gaps.sort((a, b) => a - b);
    return {
      joules: integratePower(this.samples, from, to),
      inside: inside.length,
      medianGapMs: gaps[gaps.length >> 1] ?? Infinity,
    };
  }

  async idle(seconds: number): Promise<number> {
    const from = Date.now() / 1000;
    await sleep(seconds * 1000);
    const to = Date.now() / 1000;
    await this.samplesUntil(to);
    const { joules, inside } = this.window(from, to);
    if (inside === 0) throw new MeterError(this.noSamples(seconds));
    return joules / (to - from);
  }

  async start(): Promise<void> {
    this.startedAt = Date.now() / 1000;
  }

  async stop(): Promise<WindowEnergy> {
    const to = Date.now() / 1000;
    await this.samplesUntil(to);
    const seconds = to - this.startedAt;
    const { joules, inside, medianGapMs } = this.window(this.startedAt, to);
    if (inside === 0) throw new MeterError(this.noSamples(seconds));
    checkWindow('nvidia-smi', joules, seconds, 3000);
    const warnings: string[] = [];
    if (medianGapMs > 2 * INTERVAL_MS)
      warnings.push(`nvidia-smi delivered a sample every ${medianGapMs.toFixed(0)} ms, not every ${INTERVAL_MS} ms`);
    if (this.rejected.length)
      warnings.push(`${this.rejected.length} unreadable nvidia-smi lines (first: '${this.rejected[0]}')`);
    return { energyJ: joules, seconds, warnings };
  }

  private noSamples(seconds: number): string {
    const why = this.rejected.length ? ` (it printed '${this.rejected[0]}')` : '';
    return `nvidia-smi gave no power samples over ${seconds.toFixed(2)} s${why}`;
  }

  close(): void {
    this.process.kill('SIGKILL');
  }
}
