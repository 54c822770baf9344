// Hand-worked cases for the roofline and energy model (4096³ matmul on an H100 SXM at fp32 and bf16,
// a memory-bound depthwise conv on a T4), and applyEnergy's handling of reports, nulls and errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import {
  applyEnergy,
  getProfile,
  loadProfiles,
  roofline,
  deviceRates,
  energyCoefficients,
  layerEnergyJ,
  trainingStep,
  runFootprint,
  gridIntensity,
  UnsupportedPrecisionError,
  peakOpsPerSecond,
  parsePrecision,
} from '../../server/src/core/energy';
import { layer, model, report } from './energyFixtures';

const profiles = loadProfiles({ profilesDir: join(__dirname, '..', '..', 'profiles') });
const h100 = getProfile(profiles, 'nvidia-h100-sxm');
const t4 = getProfile(profiles, 'nvidia-t4');

/** |a/b − 1| ≤ rel */
function close(actual: number, expected: number, rel = 1e-9): void {
  assert.ok(Math.abs(actual / expected - 1) <= rel, `${actual} is not within ${rel} of ${expected}`);
}

describe('4096×4096×4096 matmul on an H100 SXM', () => {
  const n = 4096;
  const flops = 2 * n ** 3; // 137,438,953,472
  const elems = 3 * n * n; // A and B read, C written

  it('fp32: compute-bound on the 67 TFLOP/s CUDA cores, at 700 W for the busy time', () => {
    const work = { flops, bytes: elems * 4 };
    const t = roofline(work, deviceRates(h100, 'fp32'));
    close(t.computeS, flops / 67e12); // 2.0513 ms
    close(t.memoryS, (elems * 4) / 3350e9); // 60.1 us
    assert.equal(t.bound, 'compute');
    close(t.latencyS, flops / 67e12 + 5e-6);
    // Static 0.4 × 700 = 280 W over the latency; dynamic 420 W × busy time (the power cap binds:
    // ops × 420/67e12 J + bytes × 31.76 pJ would be 0.868 J > 420 W × 2.0513 ms = 0.862 J).
    const e = layerEnergyJ(work, t, energyCoefficients(h100, 'fp32')!);
    close(e, 420 * (flops / 67e12) + 280 * (flops / 67e12 + 5e-6));
    close(e, 1.4373, 1e-3);
  });

  it('bf16: still compute-bound, compute time 14.8× shorter, 14.6× less energy than fp32', () => {
    const work = { flops, bytes: elems * 2 };
    const t = roofline(work, deviceRates(h100, 'bf16'));
    close(t.computeS, flops / 989.4e12); // 138.9 us
    close(t.memoryS, (elems * 2) / 3350e9); // 30.05 us
    assert.equal(t.bound, 'compute');
    const e = layerEnergyJ(work, t, energyCoefficients(h100, 'bf16')!);
    close(e, 420 * (flops / 989.4e12) + 280 * (flops / 989.4e12 + 5e-6));
    close(e, 0.09864, 1e-3);
    const fp32 = 1.4373;
    assert.ok(fp32 / e > 14 && fp32 / e < 15);
  });
});

describe('depthwise 3×3 conv, 256 channels at 56×56, on a T4 at fp16', () => {
  const c = 256,
    hw = 56 * 56;
  const macs = c * hw * 9; // 7,225,344
  const bytes = (c * 9 + 2 * c * hw) * 2; // weights + input + output, 2 bytes each = 3,215,872

  it('is memory-bound: 4.5 FLOP/byte against a ridge of 203 FLOP/byte', () => {
    const work = { flops: 2 * macs, bytes };
    const rates = deviceRates(t4, 'fp16');
    const t = roofline(work, rates);
    assert.equal(t.bound, 'memory');
    close(t.memoryS, bytes / 320e9); // 10.05 us
    close(t.computeS, (2 * macs) / 65e12); // 0.22 us
    close(t.latencyS, bytes / 320e9 + 5e-6);
    // Dynamic: ops × 42 W / 65e12 + bytes × 14 pJ/bit × 8; static 28 W over the latency.
    const e = layerEnergyJ(work, t, energyCoefficients(t4, 'fp16')!);
    close(e, 2 * macs * (42 / 65e12) + bytes * 112e-12 + 28 * (bytes / 320e9 + 5e-6));
    close(e, 7.909e-4, 1e-3);
  });

  it('goes through applyEnergy with counts made at fp32', () => {
    const l = layer('dw', 'Conv2d', { params: c * 9, macs, flops: 2 * macs, weightElems: c * 9, actElems: 2 * c * hw });
    const out = applyEnergy(report('m.py', [model('M', [l])]), { profile: t4, precision: 'fp16' });
    const got = out.files[0].models[0].layers[0];
    assert.equal(got.bound, 'memory');
    close(got.latencyMs!, (bytes / 320e9 + 5e-6) * 1e3);
  });
});

describe('applyEnergy', () => {
  const known = layer('fc', 'Linear', { params: 1000, macs: 1e6, flops: 2e6, weightElems: 1000, actElems: 2000 });
  const unknown = {
    ...layer('x', 'Conv2d', { params: 0, macs: 0, flops: 0, weightElems: 0, actElems: 0 }),
    flops: null,
    macs: null,
  };

  it('fills layers, totals, co2e and assumptions', () => {
    const out = applyEnergy(report('m.py', [model('M', [known, known])]), {
      profile: h100,
      precision: 'bf16',
      region: 'FR',
      pue: 1.1,
    });
    const m = out.files[0].models[0];
    assert.deepEqual(out.hardware, { id: 'nvidia-h100-sxm', name: 'NVIDIA H100 SXM5 80GB' });
    assert.equal(out.precision, 'bf16');
    close(m.totals.energyJ!, 2 * m.layers[0].energyJ!);
    close(m.totals.latencyMs!, 2 * m.layers[0].latencyMs!);
    close(m.totals.co2eG!, (m.totals.energyJ! / 3.6e6) * 1.1 * 44.18);
    const a = out.assumptions as Record<string, any>;
    assert.equal(a.profile.id, 'nvidia-h100-sxm');
    assert.equal(a.precision, 'bf16');
    assert.equal(a.computeFraction.value, 1);
    assert.equal(a.gridIntensity.region, 'FRA');
    assert.match(a.gridIntensity.source, /@tgwf\/co2/);
    assert.equal(a.pue, 1.1);
  });

  it("rescales byte counts from the report's precision to the requested one", () => {
    const dw = layer('dw', 'Conv2d', {
      params: 2304,
      macs: 7225344,
      flops: 14450688,
      weightElems: 2304,
      actElems: 1605632,
    });
    const at = (counted: 'fp32' | 'fp16', target: 'fp32' | 'fp16') =>
      applyEnergy({ ...report('m.py', [model('M', [dw])]), precision: counted }, { profile: t4, precision: target })
        .files[0].models[0].layers[0];
    // Counted at fp16, the 4-byte layer above stands for twice as many elements: fp16 at fp16 = fp32 counts at fp32.
    close(at('fp16', 'fp16').latencyMs!, (((2304 + 1605632) * 4) / 320e9 + 5e-6) * 1e3);
    close(at('fp32', 'fp16').latencyMs!, (((2304 + 1605632) * 2) / 320e9 + 5e-6) * 1e3);
    const a = applyEnergy({ ...report('m.py', []), precision: 'fp16' }, { profile: t4, precision: 'int8' })
      .assumptions as Record<string, any>;
    assert.equal(a.bytesCountedAt, 2);
    assert.equal(a.bytesPerElement, 1);
  });

  it('keeps unknown layers null and makes the totals null, never 0', () => {
    const m = { ...model('M', [known]), layers: [known, unknown] };
    m.totals = { ...m.totals, flops: null };
    const out = applyEnergy(report('m.py', [m]), { profile: h100, precision: 'fp32' }).files[0].models[0];
    assert.equal(out.layers[1].latencyMs, null);
    assert.equal(out.layers[1].energyJ, null);
    assert.equal(out.layers[1].bound, null);
    assert.ok(out.layers[0].energyJ! > 0);
    assert.equal(out.totals.latencyMs, null);
    assert.equal(out.totals.energyJ, null);
    assert.equal(out.totals.co2eG, null);
  });

  it('gives zero-work layers (views) zero time and no bound', () => {
    const view = layer('flatten', 'Flatten', { params: 0, macs: 0, flops: 0, weightElems: 0, actElems: 0 });
    const out = applyEnergy(report('m.py', [model('M', [view])]), { profile: h100, precision: 'fp32' }).files[0]
      .models[0];
    assert.equal(out.layers[0].latencyMs, 0);
    assert.equal(out.layers[0].energyJ, 0);
    assert.equal(out.layers[0].bound, null);
  });

  it('leaves energy unknown on a profile without a power figure, but still times it', () => {
    const hexagon = getProfile(profiles, 'qualcomm-hexagon-8gen3');
    const out = applyEnergy(report('m.py', [model('M', [known])]), { profile: hexagon, precision: 'int8' }).files[0]
      .models[0];
    assert.ok(out.layers[0].latencyMs! > 0);
    assert.equal(out.layers[0].energyJ, null);
    assert.equal(out.totals.co2eG, null);
  });

  it('rejects a precision the device lacks, naming the ones it has', () => {
    assert.throws(
      () => applyEnergy(report('m.py', []), { profile: t4, precision: 'bf16' }),
      (e: Error) =>
        e instanceof UnsupportedPrecisionError &&
        /bf16/.test(e.message) &&
        /fp32, fp16, int8/.test(e.message) &&
        /Turing/.test(e.message),
    );
    assert.throws(() => peakOpsPerSecond(getProfile(profiles, 'intel-loihi2'), 'fp32'), /supported: int8/);
    assert.throws(() => parsePrecision('fp64'), /fp32, tf32, fp16, bf16, fp8, int8/);
  });

  it('rejects a PUE below 1 and an unknown region', () => {
    assert.throws(() => applyEnergy(report('m.py', []), { profile: t4, precision: 'fp32', pue: 0.9 }), /PUE/);
    assert.throws(() => applyEnergy(report('m.py', []), { profile: t4, precision: 'fp32', region: 'ZZ' }), /ZZ/);
  });
});

describe('training helpers', () => {
  it('a step is 3 × forward; a run is steps × step energy × PUE in kWh and gCO2e', () => {
    const step = trainingStep({ latencyMs: 10, energyJ: 2 });
    assert.deepEqual(step, { latencyMs: 30, energyJ: 6 });
    const run = runFootprint(step, 600_000, gridIntensity('DE'), 1.5);
    close(run.kWh!, ((6 * 600_000) / 3.6e6) * 1.5); // 1.5 kWh
    close(run.co2eG!, 1.5 * 342.06);
    close(run.hours!, (30 * 600_000) / 3.6e6);
    assert.deepEqual(runFootprint({ latencyMs: null, energyJ: null }, 10, gridIntensity()), {
      steps: 10,
      hours: null,
      kWh: null,
      co2eG: null,
    });
  });
});
