// Calibration round trip: measurements made on a device whose real efficiency is known are fitted
// back to that efficiency, stored in the workspace, loaded, applied, and reported as the basis.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdirSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applyCalibration,
  applyEnergy,
  calibrate,
  calibrationPath,
  deviceRates,
  energyCoefficients,
  getProfile,
  layerEnergyJ,
  loadCalibration,
  loadProfiles,
  roofline,
  sampleFromModel,
  samplesFromLayers,
  saveCalibration,
  type CalibrationSample,
  type HardwareProfile,
  type Work,
} from '../../server/src/core/energy';
import { layer, model, report, resnet50Layers } from './energyFixtures';

const profiles = loadProfiles({ profilesDir: join(__dirname, '..', '..', 'profiles') });
const t4 = getProfile(profiles, 'nvidia-t4');
const fig = (value: number) => ({ value, source: 'test truth', confidence: 'measured' as const });

/** The "real" T4 of this test: 60% of peak compute, 80% of peak bandwidth, 70% of derived dynamic energy. */
const truth: HardwareProfile = {
  ...t4,
  efficiency: { computeFraction: fig(0.6), memoryFraction: fig(0.8), energyScale: fig(0.7) },
};

/** What a meter would report for these layers on the "real" device. */
function measure(works: Work[], precision: 'fp16'): { latencyMs: number; energyJ: number } {
  const rates = deviceRates(truth, precision);
  const c = energyCoefficients(truth, precision)!;
  let t = 0,
    e = 0;
  for (const w of works) {
    const r = roofline(w, rates);
    t += r.latencyS;
    e += layerEnergyJ(w, r, c);
  }
  return { latencyMs: t * 1e3, energyJ: e };
}

const works = (batch: number): Work[] =>
  resnet50Layers(batch).map((l) => ({ flops: l.flops!, bytes: ((l.weightBytes! + l.activationBytes!) * 2) / 4 }));

describe('calibration', () => {
  it("recovers the device's real factors from per-model measurements at several batch sizes", () => {
    const samples: CalibrationSample[] = [1, 8, 64].map((b) => {
      const m = measure(works(b), 'fp16');
      return { label: `resnet50 b${b}`, works: works(b), measuredLatencyMs: m.latencyMs, measuredEnergyJ: m.energyJ };
    });
    const cal = calibrate(t4, 'fp16', samples, { createdAt: '2025-01-01T00:00:00Z', source: 'test meter' });
    assert.ok(Math.abs(cal.factors.computeFraction - 0.6) < 0.01, `computeFraction ${cal.factors.computeFraction}`);
    assert.ok(Math.abs(cal.factors.memoryFraction - 0.8) < 0.01, `memoryFraction ${cal.factors.memoryFraction}`);
    assert.ok(Math.abs(cal.factors.energyScale - 0.7) < 0.02, `energyScale ${cal.factors.energyScale}`);
    assert.ok(cal.fit.latencyErrorAfter < 0.01 && cal.fit.latencyErrorBefore > 0.1, JSON.stringify(cal.fit));
    assert.ok(cal.fit.energyErrorAfter! < 0.02, JSON.stringify(cal.fit));
    assert.deepEqual(cal.warnings, []);
  });

  it('round trip: save beside the profile in the workspace, load, apply, and say so in the report', () => {
    const l = layer('fc', 'Linear', { params: 1e6, macs: 64e6, flops: 128e6, weightElems: 1e6, actElems: 64 * 2000 });
    const m = model('Net', [l, l], 64);
    const measured = measure(sampleFromModel(m, { latencyMs: 1 }, 'fp16').works, 'fp16');
    const cal = calibrate(t4, 'fp16', [sampleFromModel(m, measured, 'fp16')], {
      createdAt: '2025-01-01T00:00:00Z',
      source: 'NVML energy counter, cuda EP',
    });

    const ws = mkdtempSync(join(tmpdir(), 'wattlens-cal-'));
    const file = saveCalibration(ws, cal);
    assert.equal(file, calibrationPath(ws, 'nvidia-t4'));
    assert.equal(file, join(ws, '.wattlens', 'calibration', 'nvidia-t4.json'));
    const loaded = loadCalibration(ws, 'nvidia-t4')!;
    assert.deepEqual(loaded.calibration, JSON.parse(readFileSync(file, 'utf8')));
    assert.equal(loadCalibration(ws, 'nvidia-l4'), null, 'no calibration is applied where none was stored');

    const calibrated = applyCalibration(t4, loaded.calibration, loaded.file);
    assert.equal(calibrated.efficiency?.computeFraction?.confidence, 'measured');
    const out = applyEnergy(report('m.py', [m]), { profile: calibrated, precision: 'fp16' });
    const totals = out.files[0].models[0].totals;
    assert.ok(Math.abs(totals.latencyMs! / measured.latencyMs - 1) < 0.01);
    assert.ok(Math.abs(totals.energyJ! / measured.energyJ - 1) < 0.02);
    const a = out.assumptions as Record<string, any>;
    assert.equal(a.profile.calibrationFile, file);
    assert.match(a.computeFraction.source, /calibration .*nvidia-t4\.json: NVML energy counter/);
  });

  it('per-layer timings calibrate too (layers without a timing are skipped)', () => {
    const layers = resnet50Layers(32);
    const m = model('ResNet50', layers, 32);
    const ms: Record<string, number> = {};
    for (const l of layers.slice(0, 60))
      ms[l.path] = measure(
        [{ flops: l.flops!, bytes: ((l.weightBytes! + l.activationBytes!) * 2) / 4 }],
        'fp16',
      ).latencyMs;
    const samples = samplesFromLayers(m, ms, 'fp16');
    assert.equal(samples.length, 60);
    const cal = calibrate(t4, 'fp16', samples, { createdAt: 'now', source: 'onnxruntime per-node profile' });
    assert.ok(Math.abs(cal.factors.memoryFraction - 0.8) < 0.02, `${cal.factors.memoryFraction}`);
    assert.equal(cal.factors.energyScale, 1, 'no energy measured: the energy scale is left alone');
  });

  it('warns instead of silently accepting a device faster than its peak', () => {
    const w = works(64);
    const m = measure(w, 'fp16');
    const cal = calibrate(t4, 'fp16', [{ label: 'too fast', works: w, measuredLatencyMs: m.latencyMs / 10 }], {
      createdAt: 'now',
      source: 'x',
    });
    assert.ok(cal.factors.computeFraction <= 1 && cal.factors.memoryFraction <= 1);
    assert.match(cal.warnings.join('\n'), /faster than its listed peak/);
  });

  it('a calibration for another profile or a malformed file is an error', () => {
    const ws = mkdtempSync(join(tmpdir(), 'wattlens-cal-'));
    const w = works(1);
    const cal = calibrate(t4, 'fp16', [{ label: 'x', works: w, measuredLatencyMs: measure(w, 'fp16').latencyMs }], {
      createdAt: 'now',
      source: 'x',
    });
    assert.throws(() => applyCalibration(getProfile(profiles, 'nvidia-l4'), cal), /for 'nvidia-t4', not 'nvidia-l4'/);
    mkdirSync(join(ws, '.wattlens', 'calibration'), { recursive: true });
    writeFileSync(
      calibrationPath(ws, 'nvidia-t4'),
      JSON.stringify({ ...cal, factors: { ...cal.factors, memoryFraction: 'fast' } }),
    );
    assert.throws(() => loadCalibration(ws, 'nvidia-t4'), /factors\.memoryFraction: expected a number > 0, got "fast"/);
  });
});
