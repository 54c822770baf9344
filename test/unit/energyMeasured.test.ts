// The energy model against a real measurement: the README's ResNet-50 run on an NVIDIA H100 SXM
// (eager PyTorch 2.11, NVML board-energy counter; test/device/measure_resnet50.py, results in
// test/device/h100-resnet50-measured.json). The roofline must be a lower bound on time within the
// factor docs/ENERGY_MODEL.md states, and calibrating on one measurement must bring the others closer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, repoRoot } from '../helpers/analyzer';
import {
  applyCalibration,
  applyEnergy,
  calibrate,
  getProfile,
  loadProfiles,
  sampleFromModel,
} from '../../server/src/core/energy';
import type { ModelReport, Precision } from '../../server/src/core/report/types';

interface Measured {
  precision: Precision;
  batch: number;
  msPerPass: number;
  joulesPerPass: number;
}
const measured: { device: string; results: Measured[] } = JSON.parse(
  readFileSync(join(repoRoot, 'test', 'device', 'h100-resnet50-measured.json'), 'utf8'),
);
const h100 = getProfile(loadProfiles({ profilesDir: join(repoRoot, 'profiles') }), 'nvidia-h100-sxm');
const source = readFileSync(join(repoRoot, 'examples', 'resnet50.py'), 'utf8');

async function estimate(precision: Precision, batch: number, profile = h100): Promise<ModelReport> {
  const file = await analyze(source, { file: 'resnet50.py', batch, precision });
  const report = applyEnergy(
    { schema: 'wattlens.report/1', hardware: null, precision, files: [file] },
    { profile, precision },
  );
  return report.files[0].models.find((m) => m.name === 'ResNet')!;
}

test('the measurement is of the device the profile describes', () => {
  assert.match(measured.device, /H100 80GB HBM3/); // the SXM5 board (HBM3); the PCIe card has HBM2e
});

test('roofline time is a lower bound: real eager runs take 1.4–5× longer (most at batch 1, where launches dominate)', async () => {
  for (const m of measured.results) {
    const est = await estimate(m.precision, m.batch);
    const ratio = m.msPerPass / est.totals.latencyMs!;
    assert.ok(ratio >= 1 && ratio <= 5, `${m.precision} batch ${m.batch}: measured/estimated time ${ratio.toFixed(2)}`);
  }
});

test('estimated chip energy is within 3× of the measured board energy, and below it', async () => {
  for (const m of measured.results) {
    const est = await estimate(m.precision, m.batch);
    const ratio = m.joulesPerPass / est.totals.energyJ!;
    assert.ok(
      ratio >= 1 && ratio <= 3,
      `${m.precision} batch ${m.batch}: measured/estimated energy ${ratio.toFixed(2)}`,
    );
  }
});

test('calibrating on one measurement (fp32, batch 32) brings the other fp32 batches closer', async () => {
  const at = (b: number) => measured.results.find((r) => r.precision === 'fp32' && r.batch === b)!;
  const sample = sampleFromModel(
    await estimate('fp32', 32),
    { latencyMs: at(32).msPerPass, energyJ: at(32).joulesPerPass },
    'fp32',
  );
  const cal = calibrate(h100, 'fp32', [sample], {
    createdAt: '2026-11-27T00:00:00Z',
    source: 'NVML board energy, eager PyTorch 2.11',
  });
  const calibrated = applyCalibration(h100, cal, 'h100-resnet50-measured.json');
  const error = (est: number, real: number) => Math.abs(Math.log(est / real));
  for (const b of [256]) {
    const before = await estimate('fp32', b);
    const after = await estimate('fp32', b, calibrated);
    assert.ok(
      error(after.totals.latencyMs!, at(b).msPerPass) < error(before.totals.latencyMs!, at(b).msPerPass),
      `latency at batch ${b}`,
    );
    assert.ok(
      error(after.totals.energyJ!, at(b).joulesPerPass) < error(before.totals.energyJ!, at(b).joulesPerPass),
      `energy at batch ${b}`,
    );
  }
});

test('the training rule (a step ≈ 3 × forward) matches the measured step/forward ratios within 20%', () => {
  const steps: { results: { precision: string; batch: number; timeRatio: number; energyRatio: number }[] } = JSON.parse(
    readFileSync(join(repoRoot, 'test', 'device', 'h100-training-step-measured.json'), 'utf8'),
  );
  assert.ok(steps.results.length >= 4);
  for (const r of steps.results) {
    for (const ratio of [r.timeRatio, r.energyRatio]) {
      assert.ok(
        Math.abs(Math.log(ratio / 3)) < Math.log(1.2),
        `${r.precision} batch ${r.batch}: step/forward ${ratio.toFixed(2)}`,
      );
    }
  }
});
