// `wattlens profile --calibrate`: fits the hardware profile's factors to what was measured (each
// model's latency and energy, each layer's time) with the energy model's own calibration, and writes
// them to .wattlens/calibration/<profile>.json, where later estimates read them.
import type { ModelReport } from '../../../server/src/core/report/types';
import type { ProfileReport } from '../../../server/src/core/report/profile';
import {
  calibrate,
  getProfile,
  sampleFromModel,
  samplesFromLayers,
  saveCalibration,
  type CalibrationSample,
  type ProfileSet,
} from '../../../server/src/core/energy';

/** Fits and saves the calibration of the profile the report was estimated on. */
export function calibrateFromProfile(
  profiles: ProfileSet,
  report: ProfileReport,
  analysed: ModelReport[],
  workspaceDir: string,
): NonNullable<ProfileReport['calibration']> | { error: string } {
  if (!report.hardware) return { error: 'nothing was measured' };
  const samples: CalibrationSample[] = [];
  const withEnergy = report.meter.kind !== 'estimate';
  for (const measured of report.models) {
    const model = analysed.find((m) => m.name === measured.name);
    if (!model) continue;
    try {
      samples.push(
        sampleFromModel(
          model,
          { latencyMs: measured.measured.latencyMs, energyJ: withEnergy ? measured.measured.energyJ : null },
          'fp32',
        ),
      );
    } catch (e) {
      return { error: (e as Error).message };
    }
    const byPath: Record<string, number> = {};
    for (const layer of measured.layers)
      if (layer.measuredMs !== null && !layer.fused && !(layer.path in byPath)) byPath[layer.path] = layer.measuredMs;
    samples.push(...samplesFromLayers(model, byPath, 'fp32'));
  }
  if (samples.length === 0) return { error: 'no model of the file was measured with an analysis to compare' };
  // The fit starts from the built-in figures, not from an earlier calibration.
  const profile = getProfile(profiles, report.hardware.id);
  const meter = withEnergy ? `${report.meter.kind} (${report.meter.source})` : 'no energy counter (time only)';
  const calibration = calibrate(profile, 'fp32', samples, {
    createdAt: new Date().toISOString(),
    source: `wattlens profile of ${report.file} on ${report.device ?? 'this machine'} with onnxruntime ${report.onnxruntime} (${report.executionProvider}); energy: ${meter}`,
  });
  const file = saveCalibration(workspaceDir, calibration);
  return {
    file,
    factors: calibration.factors,
    latencyErrorBefore: calibration.fit.latencyErrorBefore,
    latencyErrorAfter: calibration.fit.latencyErrorAfter,
    warnings: calibration.warnings,
  };
}
