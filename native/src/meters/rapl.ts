// CPU energy from the RAPL counters Linux exposes under /sys/class/powercap (Intel, and AMD Zen
// through the same interface): package zones plus their DRAM sub-zones, counters that wrap at
// max_energy_range_uj, and root-only files explained rather than read as zero.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EnergyMeter, type WindowEnergy, MeterError, checkWindow, sleep } from './types';

/** Where Linux puts the powercap tree. */
export const POWERCAP_ROOT = '/sys/class/powercap';

/** One RAPL zone: a package or its DRAM, with its counter's range. */
interface Zone {
  path: string;
  name: string;
  maxRangeUj: number | null;
}

/** Why RAPL cannot be read here (null when it can), so the report can say it. */
export function raplUnavailable(root = POWERCAP_ROOT): string | null {
  try {
    openRapl(root).close();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Opens the RAPL meter over every package (and DRAM) zone; throws with the reason when it cannot. */
export function openRapl(root = POWERCAP_ROOT): EnergyMeter {
  const zones = findZones(root);
  for (const zone of zones) readCounter(zone);
  return new RaplMeter(zones);
}

function findZones(root: string): Zone[] {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    throw new Error(`no RAPL counters: ${root} does not exist (not Linux, or powercap is not available)`);
  }
  const packages = entries.filter((e) => /^(intel|amd)-rapl:\d+$/.test(e)).sort();
  const zones: Zone[] = [];
  for (const pkg of packages) {
    const name = readText(join(root, pkg, 'name')) ?? pkg;
    // psys covers the whole platform and overlaps the packages: never summed with them.
    if (name === 'psys') continue;
    zones.push(zone(join(root, pkg), name));
    for (const sub of entries.filter((e) => e.startsWith(`${pkg}:`)).sort()) {
      const subName = readText(join(root, sub, 'name'));
      if (subName === 'dram') zones.push(zone(join(root, sub), `${name}/dram`));
    }
  }
  if (zones.length === 0)
    throw new Error(`no RAPL package zones under ${root} (a virtual machine, or the intel_rapl driver is not loaded)`);
  return zones;
}

function zone(path: string, name: string): Zone {
  const range = Number(readText(join(path, 'max_energy_range_uj')));
  return { path, name, maxRangeUj: Number.isFinite(range) && range > 0 ? range : null };
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

/** A zone's counter in µJ; a permission error says how to grant access. */
function readCounter(z: Zone): number {
  const file = join(z.path, 'energy_uj');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM')
      throw new Error(
        `RAPL counters exist but ${file} is readable by root only (Linux restricts them since 5.10 against the ` +
          'PLATYPUS power side channel, CVE-2020-8694); grant read access with ' +
          '`sudo chmod a+r /sys/class/powercap/intel-rapl:*/energy_uj /sys/class/powercap/intel-rapl:*:*/energy_uj` ' +
          '(until reboot) or a udev rule, or run as root',
      );
    throw new Error(`cannot read ${file}: ${(e as Error).message}`);
  }
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value) || value < 0)
    throw new MeterError(`${file} holds '${text.trim()}', not a counter`);
  return value;
}

/** Counter difference in µJ, across one wrap at the zone's range. */
export function counterDelta(before: number, after: number, maxRangeUj: number | null, zoneName: string): number {
  if (after >= before) return after - before;
  if (maxRangeUj === null)
    throw new MeterError(
      `RAPL ${zoneName}: the counter went from ${before} to ${after} µJ and its range is unknown, so the wrap cannot be undone`,
    );
  return maxRangeUj - before + after;
}

class RaplMeter implements EnergyMeter {
  readonly kind = 'rapl' as const;
  readonly source: string;
  private startCounters: number[] = [];
  private startedAt = 0;

  constructor(private readonly zones: Zone[]) {
    this.source = `RAPL energy counters (${zones.map((z) => z.name).join(' + ')}) under ${zones[0].path.replace(/\/[^/]+$/, '')}`;
  }

  private read(): number[] {
    return this.zones.map(readCounter);
  }

  private joulesBetween(before: number[], after: number[]): number {
    return this.zones.reduce((sum, z, i) => sum + counterDelta(before[i], after[i], z.maxRangeUj, z.name) / 1e6, 0);
  }

  async idle(seconds: number): Promise<number> {
    const before = this.read();
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const elapsed = (performance.now() - t0) / 1000;
    return this.joulesBetween(before, this.read()) / elapsed;
  }

  async start(): Promise<void> {
    this.startCounters = this.read();
    this.startedAt = performance.now();
  }

  async stop(): Promise<WindowEnergy> {
    const after = this.read();
    const seconds = (performance.now() - this.startedAt) / 1000;
    const energyJ = this.joulesBetween(this.startCounters, after);
    checkWindow('RAPL', energyJ, seconds, 5000);
    const warnings: string[] = [];
    // A window longer than the time to cover the counter's range at 500 W may hide a second wrap.
    const shortestRange = Math.min(...this.zones.map((z) => z.maxRangeUj ?? Infinity)) / 1e6;
    if (seconds > shortestRange / 500)
      warnings.push(
        `the ${seconds.toFixed(1)} s window may exceed one wrap of a RAPL counter (${shortestRange.toFixed(0)} J range)`,
      );
    warnings.push('RAPL measures the whole package (every process on it), not onnxruntime alone');
    return { energyJ, seconds, warnings };
  }

  close(): void {}
}
