// Calibration: fits a profile's efficiency factors to measured (latency, energy) per layer or per
// model, and keeps them in the workspace's .wattlens/calibration/<id>.json — written and applied only on request.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelReport, Precision } from '../report/types';
import { resolveEfficiency, type ResolvedEfficiency } from './efficiency';
import { dynamicEnergyJ, energyCoefficients, layerEnergyJ } from './energy';
import { deviceRates, roofline, workOfLayer, type DeviceRates, type Work } from './roofline';
import type { Figure, HardwareProfile } from './types';

/** One measurement: the layers it covers (one for a layer, all for a model) and what was measured. */
export interface CalibrationSample {
  label: string;
  works: Work[];
  measuredLatencyMs: number;
  measuredEnergyJ?: number | null;
}

/** The factors calibration refines. */
export interface CalibrationFactors {
  computeFraction: number;
  memoryFraction: number;
  energyScale: number;
}

/** The stored calibration, `.wattlens/calibration/<profileId>.json`. */
export interface Calibration {
  schema: 'wattlens.calibration/1';
  profileId: string;
  precision: Precision;
  createdAt: string;
  /** How the measurements were taken (execution provider, energy meter). */
  source: string;
  factors: CalibrationFactors;
  fit: {
    samples: number;
    /** Mean relative error |estimate / measured − 1| before and after. */
    latencyErrorBefore: number;
    latencyErrorAfter: number;
    energyErrorBefore: number | null;
    energyErrorAfter: number | null;
  };
  warnings: string[];
}

const MIN_FRACTION = 1e-4;

/** Fits computeFraction / memoryFraction to measured times, then energyScale to measured energies. */
export function calibrate(
  profile: HardwareProfile,
  precision: Precision,
  samples: CalibrationSample[],
  meta: { createdAt: string; source: string },
): Calibration {
  if (samples.length === 0) throw new Error('calibration needs at least one measured sample');
  const warnings: string[] = [];
  const before = resolveEfficiency(profile);
  const timed = fitFractions(profile, precision, samples, before, warnings);
  const energyScale = fitEnergyScale(profile, precision, samples, timed, warnings);
  const after = withFactors(before, { ...timed, energyScale });
  return {
    schema: 'wattlens.calibration/1',
    profileId: profile.id,
    precision,
    createdAt: meta.createdAt,
    source: meta.source,
    factors: { ...timed, energyScale },
    fit: {
      samples: samples.length,
      latencyErrorBefore: latencyError(profile, precision, samples, before),
      latencyErrorAfter: latencyError(profile, precision, samples, after),
      energyErrorBefore: energyError(profile, precision, samples, before),
      energyErrorAfter: energyError(profile, precision, samples, after),
    },
    warnings,
  };
}

/** A sample's seconds on given rates: in compute-bound layers, in memory-bound layers, and in per-layer overhead. */
interface SplitSeconds {
  computeS: number;
  memoryS: number;
  overheadS: number;
}

/** Time split of a sample on given rates: compute-bound, memory-bound and overhead seconds. */
function split(works: Work[], rates: DeviceRates): SplitSeconds {
  const seconds = { computeS: 0, memoryS: 0, overheadS: 0 };
  for (const work of works) {
    const timing = roofline(work, rates);
    if (timing.bound === null) continue;
    if (timing.computeS >= timing.memoryS) seconds.computeS += timing.computeS;
    else seconds.memoryS += timing.memoryS;
    seconds.overheadS += rates.overheadS;
  }
  return seconds;
}

/**
 * Least squares on relative error for x, y in measured ≈ c·x + m·y + overhead, where x and y
 * scale the compute- and memory-bound times; iterated because bounds shift as fractions change.
 */
function fitFractions(
  profile: HardwareProfile,
  precision: Precision,
  samples: CalibrationSample[],
  start: ResolvedEfficiency,
  warnings: string[],
): { computeFraction: number; memoryFraction: number } {
  let cf = start.computeFraction.value;
  let mf = start.memoryFraction.value;
  for (let i = 0; i < 6; i++) {
    const rates = deviceRates(
      profile,
      precision,
      withFactors(start, { computeFraction: cf, memoryFraction: mf, energyScale: 1 }),
    );
    const rows = samples.map((sample) => ({
      ...split(sample.works, rates),
      measuredS: sample.measuredLatencyMs / 1e3,
    }));
    const { computeScale, memoryScale } = solveScales(rows);
    cf /= computeScale;
    mf /= memoryScale;
  }
  return {
    computeFraction: clampFraction(cf, 'computeFraction', warnings),
    memoryFraction: clampFraction(mf, 'memoryFraction', warnings),
  };
}

/** Solves the 2×2 weighted normal equations; falls back to one common scale when they are degenerate. */
function solveScales(rows: (SplitSeconds & { measuredS: number })[]): { computeScale: number; memoryScale: number } {
  let cc = 0,
    cm = 0,
    mm = 0,
    cr = 0,
    mr = 0;
  for (const row of rows) {
    const weight = 1 / (row.measuredS * row.measuredS);
    const rest = Math.max(row.measuredS - row.overheadS, row.measuredS * 1e-3);
    cc += weight * row.computeS * row.computeS;
    cm += weight * row.computeS * row.memoryS;
    mm += weight * row.memoryS * row.memoryS;
    cr += weight * row.computeS * rest;
    mr += weight * row.memoryS * rest;
  }
  if (mm === 0 && cc === 0) return { computeScale: 1, memoryScale: 1 };
  if (mm === 0) return { computeScale: cr / cc, memoryScale: 1 };
  if (cc === 0) return { computeScale: 1, memoryScale: mr / mm };
  const det = cc * mm - cm * cm;
  const computeScale = (cr * mm - mr * cm) / det;
  const memoryScale = (mr * cc - cr * cm) / det;
  if (Math.abs(det) > 1e-9 * cc * mm && computeScale > 0 && memoryScale > 0) return { computeScale, memoryScale };
  const commonScale = (cr + mr) / (cc + 2 * cm + mm);
  return { computeScale: commonScale, memoryScale: commonScale };
}

function clampFraction(fraction: number, name: string, warnings: string[]): number {
  if (fraction > 1) {
    warnings.push(
      `${name} fitted to ${fraction.toFixed(3)} > 1: the device ran faster than its listed peak allows; ` +
        'capped at 1 (check the profile figures, the precision, or the measurement)',
    );
    return 1;
  }
  return Math.max(fraction, MIN_FRACTION);
}

/** Least-squares scale on dynamic energy, after removing static power over the measured time. */
function fitEnergyScale(
  profile: HardwareProfile,
  precision: Precision,
  samples: CalibrationSample[],
  timed: { computeFraction: number; memoryFraction: number },
  warnings: string[],
): number {
  const eff = withFactors(resolveEfficiency(profile), { ...timed, energyScale: 1 });
  const coeffs = energyCoefficients(profile, precision, eff);
  const measured = samples.filter((s) => s.measuredEnergyJ != null);
  if (!coeffs || measured.length === 0) return resolveEfficiency(profile).energyScale.value;
  const rates = deviceRates(profile, precision, eff);
  let num = 0,
    den = 0;
  for (const sample of measured) {
    const measuredJ = sample.measuredEnergyJ as number;
    const dyn = sample.works.reduce((sum, work) => sum + dynamicEnergyJ(work, roofline(work, rates), coeffs), 0);
    const weight = 1 / (measuredJ * measuredJ);
    num += weight * (measuredJ - coeffs.staticW * (sample.measuredLatencyMs / 1e3)) * dyn;
    den += weight * dyn * dyn;
  }
  const scale = den > 0 ? num / den : 1;
  if (scale <= 0.01) {
    warnings.push(
      `measured energy is at or below static power × time (${coeffs.staticW.toFixed(1)} W, ${coeffs.staticBasis}); ` +
        'energyScale floored at 0.01: give the profile a measured power.idleW',
    );
    return 0.01;
  }
  return scale;
}

/** Mean relative latency error of the samples under given factors. */
function latencyError(
  profile: HardwareProfile,
  precision: Precision,
  samples: CalibrationSample[],
  eff: ResolvedEfficiency,
): number {
  const rates = deviceRates(profile, precision, eff);
  const errs = samples.map((sample) => {
    const est = sample.works.reduce((sum, w) => sum + roofline(w, rates).latencyS, 0);
    return Math.abs(est / (sample.measuredLatencyMs / 1e3) - 1);
  });
  return mean(errs);
}

/** Mean relative energy error over samples that measured energy (null when none did or power is unknown). */
function energyError(
  profile: HardwareProfile,
  precision: Precision,
  samples: CalibrationSample[],
  eff: ResolvedEfficiency,
): number | null {
  const coeffs = energyCoefficients(profile, precision, eff);
  const measured = samples.filter((s) => s.measuredEnergyJ != null);
  if (!coeffs || measured.length === 0) return null;
  const rates = deviceRates(profile, precision, eff);
  return mean(
    measured.map((sample) => {
      const est = sample.works.reduce((sum, work) => sum + layerEnergyJ(work, roofline(work, rates), coeffs), 0);
      return Math.abs(est / (sample.measuredEnergyJ as number) - 1);
    }),
  );
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Efficiency with the three calibrated factors replaced by plain values (for internal evaluation). */
function withFactors(base: ResolvedEfficiency, factors: CalibrationFactors): ResolvedEfficiency {
  const fig = (value: number): Figure => ({ value, source: 'calibration fit', confidence: 'measured' });
  return {
    ...base,
    computeFraction: fig(factors.computeFraction),
    memoryFraction: fig(factors.memoryFraction),
    energyScale: fig(factors.energyScale),
  };
}

/** The profile with its efficiency factors replaced by the calibration's, marked `measured` with their source. */
export function applyCalibration<P extends HardwareProfile>(
  profile: P,
  cal: Calibration,
  file?: string,
): P & { calibrationFile?: string } {
  if (cal.profileId !== profile.id) throw new Error(`calibration is for '${cal.profileId}', not '${profile.id}'`);
  const source = `calibration ${file ?? '(unsaved)'}: ${cal.source}, ${cal.createdAt}, ${cal.fit.samples} samples at ${cal.precision}`;
  const fig = (value: number): Figure => ({ value, source, confidence: 'measured' });
  const efficiency = {
    ...profile.efficiency,
    computeFraction: fig(cal.factors.computeFraction),
    memoryFraction: fig(cal.factors.memoryFraction),
    energyScale: fig(cal.factors.energyScale),
  };
  return { ...profile, efficiency, calibrationFile: file };
}

/** Where a workspace keeps the calibration of a profile. */
export function calibrationPath(workspaceDir: string, profileId: string): string {
  return join(workspaceDir, '.wattlens', 'calibration', `${profileId}.json`);
}

/** Writes the calibration into the workspace and returns the path written (for the caller to report). */
export function saveCalibration(workspaceDir: string, cal: Calibration): string {
  const file = calibrationPath(workspaceDir, cal.profileId);
  mkdirSync(join(workspaceDir, '.wattlens', 'calibration'), { recursive: true });
  writeFileSync(file, JSON.stringify(cal, null, 2) + '\n');
  return file;
}

/** The workspace's stored calibration for a profile, or null; a malformed file is an error naming the field. */
export function loadCalibration(
  workspaceDir: string,
  profileId: string,
): { calibration: Calibration; file: string } | null {
  const file = calibrationPath(workspaceDir, profileId);
  if (!existsSync(file)) return null;
  const cal = JSON.parse(readFileSync(file, 'utf8')) as Calibration;
  for (const key of ['computeFraction', 'memoryFraction', 'energyScale'] as const) {
    const factor = cal.factors?.[key];
    if (typeof factor !== 'number' || !(factor > 0))
      throw new Error(`${file}: factors.${key}: expected a number > 0, got ${JSON.stringify(factor)}`);
  }
  if (cal.profileId !== profileId)
    throw new Error(`${file}: profileId: expected "${profileId}", got ${JSON.stringify(cal.profileId)}`);
  return { calibration: cal, file };
}

/**
 * A whole-model sample from a measured forward pass; `countedAt` = bytes per element the report's
 * byte counts were made at (bytesPerElement(report.precision)). Throws when a layer's work is unknown.
 */
export function sampleFromModel(
  model: ModelReport,
  measured: { latencyMs: number; energyJ?: number | null },
  precision: Precision,
  countedAt = 4,
): CalibrationSample {
  const works = model.layers.map((layer) => {
    const work = workOfLayer(layer, precision, countedAt);
    if (!work) throw new Error(`cannot calibrate on ${model.name}: layer ${layer.path} has unknown FLOPs or bytes`);
    return work;
  });
  return { label: model.name, works, measuredLatencyMs: measured.latencyMs, measuredEnergyJ: measured.energyJ ?? null };
}

/** Per-layer samples from measured milliseconds keyed by layer path (layers without a figure are skipped). */
export function samplesFromLayers(
  model: ModelReport,
  measuredMsByPath: Record<string, number>,
  precision: Precision,
  countedAt = 4,
): CalibrationSample[] {
  const out: CalibrationSample[] = [];
  for (const layer of model.layers) {
    const ms = measuredMsByPath[layer.path];
    const work = workOfLayer(layer, precision, countedAt);
    if (ms !== undefined && ms > 0 && work)
      out.push({ label: `${model.name}/${layer.path}`, works: [work], measuredLatencyMs: ms });
  }
  return out;
}

/**
 * The profile as later estimates use it: with the workspace's calibration applied when there is one
 * for it (the estimate then says so in report.assumptions.profile.calibrationFile), else unchanged.
 */
export function withWorkspaceCalibration<P extends HardwareProfile>(
  profile: P,
  workspaceDir: string,
): { profile: P & { calibrationFile?: string }; calibrationFile: string | null } {
  const stored = loadCalibration(workspaceDir, profile.id);
  if (!stored) return { profile, calibrationFile: null };
  return { profile: applyCalibration(profile, stored.calibration, stored.file), calibrationFile: stored.file };
}
