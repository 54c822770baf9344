// The energy meters against fakes of what real machines expose: a powercap tree for RAPL (wrap,
// permissions, nonsense), a stand-in nvidia-smi printing timestamped power, and a fake
// libnvidia-ml built here with gcc and opened through the addon's loader path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/analyzer';
import { counterDelta, openRapl, raplUnavailable } from '../../native/src/meters/rapl';
import { openNvidiaSmi, nvidiaSmiUnavailable, parseSample } from '../../native/src/meters/nvidiaSmi';
import { addonPath, openNvml } from '../../native/src/meters/nvml';
import { chooseMeter } from '../../native/src/meters/select';
import { MeterError, integratePower, sleep } from '../../native/src/meters/types';

const scratch = mkdtempSync(join(tmpdir(), 'wattlens-meters-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/** A fake /sys/class/powercap with the given zones: name, counter, range. */
function powercap(zones: Record<string, { name: string; energy: number; range?: number }>): string {
  const root = mkdtempSync(join(scratch, 'powercap-'));
  for (const [dir, z] of Object.entries(zones)) {
    mkdirSync(join(root, dir));
    writeFileSync(join(root, dir, 'name'), `${z.name}\n`);
    writeFileSync(join(root, dir, 'energy_uj'), `${z.energy}\n`);
    if (z.range !== undefined) writeFileSync(join(root, dir, 'max_energy_range_uj'), `${z.range}\n`);
  }
  return root;
}

function setCounter(root: string, zone: string, value: number): void {
  writeFileSync(join(root, zone, 'energy_uj'), `${value}\n`);
}

test('RAPL: package and DRAM zones summed, psys left out, energy from the counters over the window', async () => {
  const root = powercap({
    'intel-rapl:0': { name: 'package-0', energy: 1_000_000, range: 262_143_328_850 },
    'intel-rapl:0:0': { name: 'core', energy: 5 },
    'intel-rapl:0:1': { name: 'dram', energy: 2_000_000, range: 65_712_999_613 },
    'intel-rapl:1': { name: 'psys', energy: 9_000_000, range: 262_143_328_850 },
  });
  const meter = openRapl(root);
  assert.match(meter.source, /package-0 \+ package-0\/dram/);
  assert.doesNotMatch(meter.source, /psys|core/);
  await meter.start();
  await sleep(100);
  setCounter(root, 'intel-rapl:0', 1_000_000 + 3_500_000);
  setCounter(root, 'intel-rapl:0:1', 2_000_000 + 500_000);
  setCounter(root, 'intel-rapl:1', 99_000_000);
  const reading = await meter.stop();
  assert.equal(reading.energyJ, 4);
});

test('RAPL: a counter that wrapped during the window is unwrapped with max_energy_range_uj', async () => {
  const range = 262_143_328_850;
  assert.equal(counterDelta(range - 1_000, 2_000, range, 'package-0'), 3_000);
  const root = powercap({ 'intel-rapl:0': { name: 'package-0', energy: range - 1_500_000, range } });
  const meter = openRapl(root);
  await meter.start();
  await sleep(100);
  setCounter(root, 'intel-rapl:0', 500_000);
  assert.equal((await meter.stop()).energyJ, 2);
});

test('RAPL: nonsense is refused: a counter that went down with no known range, or did not move over the window', async () => {
  assert.throws(() => counterDelta(5_000, 1_000, null, 'package-0'), MeterError);
  const root = powercap({ 'intel-rapl:0': { name: 'package-0', energy: 7_000_000 } });
  const meter = openRapl(root);
  await meter.start();
  setCounter(root, 'intel-rapl:0', 6_000_000);
  await assert.rejects(meter.stop(), /went from 7000000 to 6000000 µJ/);
  await meter.start();
  await sleep(550);
  await assert.rejects(meter.stop(), /did not move over 0\.\d+ s/);
});

test('RAPL: no powercap tree, or one with no package zone, says why', () => {
  assert.match(raplUnavailable(join(scratch, 'nowhere')) ?? '', /does not exist/);
  const empty = powercap({ 'intel-rapl:0': { name: 'psys', energy: 1 } });
  assert.match(raplUnavailable(empty) ?? '', /no RAPL package zones/);
});

test('RAPL: a root-only counter is explained with how to grant read access, never read as zero', () => {
  const root = powercap({ 'intel-rapl:0': { name: 'package-0', energy: 1_000, range: 1_000_000 } });
  chmodSync(join(root, 'intel-rapl:0', 'energy_uj'), 0o400);
  chmodSync(scratch, 0o755);
  chmodSync(root, 0o755);
  // Root reads any file: check as an unprivileged user in a child process (as a regular user, directly).
  const script = `require('tsx/cjs'); const { raplUnavailable } = require(${JSON.stringify(join(repoRoot, 'native/src/meters/rapl.ts'))}); process.stdout.write(raplUnavailable(${JSON.stringify(root)}) ?? 'readable');`;
  const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: repoRoot, ...asUser });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /readable by root only.*CVE-2020-8694.*sudo chmod a\+r/);
});

test('power samples integrate by the trapezoid rule, interpolated at the window edges', () => {
  const samples = [
    { t: 0, watts: 100 },
    { t: 1, watts: 200 },
    { t: 2, watts: 200 },
  ];
  assert.equal(integratePower(samples, 0, 2), 350);
  assert.equal(integratePower(samples, 0.5, 1.5), 187.5);
  assert.equal(integratePower(samples, 3, 2), 0);
});

test("nvidia-smi's timestamped lines parse; '[N/A]' and garbage do not", () => {
  const s = parseSample('2026/01/02 03:04:05.678, 71.25');
  assert.equal(s?.watts, 71.25);
  assert.equal(new Date(s!.t * 1000).getMilliseconds(), 678);
  assert.equal(parseSample('2026/01/02 03:04:05.678, [N/A]'), null);
  assert.equal(parseSample('No devices were found'), null);
});

/** A stand-in nvidia-smi: answers the probe, then prints `watts` with real timestamps every 50 ms. */
function fakeNvidiaSmi(watts: string): string {
  const path = join(scratch, `nvidia-smi-${Math.random().toString(36).slice(2)}`);
  writeFileSync(
    path,
    `#!/usr/bin/env bash
case "$*" in
  *name,power.draw*) echo "Fake GPU, ${watts}"; exit 0 ;;
  *--query-gpu=name*) echo "NVIDIA H100 80GB HBM3"; exit 0 ;;
esac
while true; do echo "$(date '+%Y/%m/%d %H:%M:%S.%3N'), ${watts}"; sleep 0.05; done
`,
  );
  chmodSync(path, 0o755);
  return path;
}

test('nvidia-smi: samples from its own process are integrated over the window on their timestamps', async () => {
  const meter = openNvidiaSmi(fakeNvidiaSmi('100.0'));
  try {
    assert.equal(meter.deviceName, 'NVIDIA H100 80GB HBM3');
    const idle = await meter.idle(0.3);
    // Epoch seconds carry about 0.2 µs of rounding: compare the average power, not joules to the µJ.
    assert.ok(Math.abs(idle - 100) < 1e-3, `idle ${idle}`);
    await meter.start();
    // Hold the thread as onnxruntime does: the samples keep coming from the other process.
    const until = Date.now() + 400;
    while (Date.now() < until);
    const reading = await meter.stop();
    assert.ok(Math.abs(reading.energyJ / reading.seconds - 100) < 1e-3, JSON.stringify(reading));
    // Seconds are a difference of epoch seconds: exactly 400 ms can come out a hair under 0.4.
    assert.ok(reading.seconds >= 0.399, `window ${reading.seconds} s`);
  } finally {
    meter.close();
  }
});

test('nvidia-smi: missing, or printing no power, is a reason; only unreadable lines is an error', async () => {
  assert.match(nvidiaSmiUnavailable(join(scratch, 'no-such-nvidia-smi')) ?? '', /cannot run/);
  assert.match(nvidiaSmiUnavailable(fakeNvidiaSmi('[N/A]')) ?? '', /no power draw/);
  const meter = openNvidiaSmi(fakeNvidiaSmi('[N/A]'));
  try {
    await meter.start();
    await sleep(200);
    await assert.rejects(meter.stop(), /no power samples over .* \(it printed '.*\[N\/A\]'\)/);
  } finally {
    meter.close();
  }
});

/** Builds the fake libnvidia-ml with the system's gcc. */
function fakeNvml(): string | null {
  const out = join(scratch, 'libnvidia-ml.so.1');
  if (existsSync(out)) return out;
  const gcc = spawnSync('gcc', ['-shared', '-fPIC', '-o', out, join(repoRoot, 'test', 'native', 'fakeNvml.c')]);
  return gcc.status === 0 ? out : null;
}

const addonMissing = existsSync(addonPath()) ? false : `the NVML addon is not built (${addonPath()})`;
const noGcc = spawnSync('gcc', ['--version']).status === 0 ? false : 'no gcc to build the fake NVML library';

test(
  'NVML: the total-energy counter of the fake library, read before and after the window',
  { skip: addonMissing || noGcc },
  async () => {
    // Readings in turn: the probe when it opens, the window's start, its end.
    process.env.FAKE_NVML_ENERGY = '1000000,1000000,1250000';
    try {
      const meter = openNvml({ library: fakeNvml()! });
      try {
        assert.equal(meter.deviceName, 'Fake NVIDIA H100 80GB HBM3');
        assert.match(meter.source, /total-energy counter.*Fake NVIDIA H100/);
        await meter.start();
        await sleep(200);
        const reading = await meter.stop();
        assert.equal(reading.energyJ, 250);
      } finally {
        meter.close();
      }
    } finally {
      delete process.env.FAKE_NVML_ENERGY;
    }
  },
);

test(
  'NVML: a counter that goes backwards, or stays still over work, is refused',
  { skip: addonMissing || noGcc },
  async () => {
    process.env.FAKE_NVML_ENERGY = '5000,5000,4000,4000,4000';
    try {
      const meter = openNvml({ library: fakeNvml()! });
      try {
        await meter.start();
        await assert.rejects(meter.stop(), /went backwards \(5000 → 4000 mJ\)/);
        await meter.start();
        await sleep(550);
        await assert.rejects(meter.stop(), /did not move/);
      } finally {
        meter.close();
      }
    } finally {
      delete process.env.FAKE_NVML_ENERGY;
    }
  },
);

test(
  'NVML: a GPU without the energy counter (before Volta) is sampled for power by a worker thread',
  { skip: addonMissing || noGcc },
  async () => {
    process.env.FAKE_NVML_ENERGY_UNSUPPORTED = '1';
    process.env.FAKE_NVML_POWER_MW = '50000';
    try {
      const meter = openNvml({ library: fakeNvml()! });
      try {
        assert.match(meter.source, /power samples.*no energy counter: .*Not Supported/);
        await meter.start();
        const until = Date.now() + 300;
        while (Date.now() < until);
        const reading = await meter.stop();
        assert.ok(Math.abs(reading.energyJ / reading.seconds - 50) < 1e-3, JSON.stringify(reading));
      } finally {
        meter.close();
      }
    } finally {
      delete process.env.FAKE_NVML_ENERGY_UNSUPPORTED;
      delete process.env.FAKE_NVML_POWER_MW;
    }
  },
);

test(
  'NVML: no library, or a driver that fails to initialise, is a reason with NVML’s own words',
  { skip: addonMissing || noGcc },
  () => {
    assert.throws(() => openNvml({ library: join(scratch, 'libnvidia-ml-missing.so') }), /NVML: cannot open .*missing/);
    process.env.FAKE_NVML_INIT_FAIL = '1';
    try {
      assert.throws(() => openNvml({ library: fakeNvml()! }), /nvmlInit failed: Unknown Error \(NVML code 999\)/);
    } finally {
      delete process.env.FAKE_NVML_INIT_FAIL;
    }
  },
);

test('a missing addon is a reason, and the other meters still open', () => {
  assert.throws(() => openNvml({ addon: join(scratch, 'missing.node') }), /NVML addon is not built/);
  const root = powercap({ 'intel-rapl:0': { name: 'package-0', energy: 1, range: 100 } });
  const cpu = chooseMeter('cpu', { request: 'auto', powercapRoot: root });
  assert.equal(cpu.meter?.kind, 'rapl');
  cpu.meter?.close();
  const gpu = chooseMeter('cuda', {
    request: 'auto',
    nvmlAddon: join(scratch, 'missing.node'),
    nvidiaSmi: fakeNvidiaSmi('80'),
  });
  try {
    assert.equal(gpu.meter?.kind, 'nvidia-smi');
    assert.match(gpu.reasons.find((r) => r.kind === 'nvml')?.reason ?? '', /NVML addon is not built/);
  } finally {
    gpu.meter?.close();
  }
});
