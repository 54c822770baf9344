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

/** Time split of a sample on given rates: compute-bound, memory-bound and overhead seconds. */
function split(works: Work[], rates: DeviceRates): { c: number; m: number; o: number } {
  const s = { c: 0, m: 0, o: 0 };
  for (const w of works) {
    const t = roofline(w, rates);
    if (t.bound === null) continue;
    if (t.computeS >= t.memoryS) s.c += t.computeS;
    else s.m += t.memoryS;
    s.o += rates.overheadS;
  }
  return s;
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
    const rows = samples.map((s) => ({ ...split(s.works, rates), t: s.measuredLatencyMs / 1e3 }));
    const { x, y } = solveScales(rows);
    cf /= x;
    mf /= y;
  }
  return {
    computeFraction: clampFraction(cf, 'computeFraction', warnings),
    memoryFraction: clampFraction(mf, 'memoryFraction', warnings),
  };
}

/** Solves the 2×2 weighted normal equations; falls back to one common scale when they are degenerate. */
function solveScales(rows: { c: number; m: number; o: number; t: number }[]): { x: number; y: number } {
  let cc = 0,
    cm = 0,
    mm = 0,
    cr = 0,
    mr = 0;
  for (const r of rows) {
    const w = 1 / (r.t * r.t);
    const rest = Math.max(r.t - r.o, r.t * 1e-3);
    cc += w * r.c * r.c;
    cm += w * r.c * r.m;
    mm += w * r.m * r.m;
    cr += w * r.c * rest;
    mr += w * r.m * rest;
  }
  if (mm === 0 && cc === 0) return { x: 1, y: 1 };
  if (mm === 0) return { x: cr / cc, y: 1 };
  if (cc === 0) return { x: 1, y: mr / mm };
  const det = cc * mm - cm * cm;
  const x = (cr * mm - mr * cm) / det;
  const y = (mr * cc - cr * cm) / det;
  if (Math.abs(det) > 1e-9 * cc * mm && x > 0 && y > 0) return { x, y };
  const s = (cr + mr) / (cc + 2 * cm + mm);
  return { x: s, y: s };
}

function clampFraction(v: number, name: string, warnings: string[]): number {
  if (v > 1) {
    warnings.push(
      `${name} fitted to ${v.toFixed(3)} > 1: the device ran faster than its listed peak allows; ` +
        'capped at 1 (check the profile figures, the precision, or the measurement)',
    );
    return 1;
  }
  return Math.max(v, MIN_FRACTION);
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
  for (const s of measured) {
    const e = s.measuredEnergyJ as number;
    const dyn = s.works.reduce((sum, w) => sum + dynamicEnergyJ(w, roofline(w, rates), coeffs), 0);
    const w = 1 / (e * e);
    num += w * (e - coeffs.staticW * (s.measuredLatencyMs / 1e3)) * dyn;
    den += w * dyn * dyn;
  }
  const k = den > 0 ? num / den : 1;
  if (k <= 0.01) {
    warnings.push(
      `measured energy is at or below static power × time (${coeffs.staticW.toFixed(1)} W, ${coeffs.staticBasis}); ` +
        'energyScale floored at 0.01: give the profile a measured power.idleW',
    );
    return 0.01;
  }
  return k;
}

/** Mean relative latency error of the samples under given factors. */
function latencyError(
  profile: HardwareProfile,
  precision: Precision,
  samples: CalibrationSample[],
  eff: ResolvedEfficiency,
): number {
  const rates = deviceRates(profile, precision, eff);
  const errs = samples.map((s) => {
    const est = s.works.reduce((sum, w) => sum + roofline(w, rates).latencyS, 0);
    return Math.abs(est / (s.measuredLatencyMs / 1e3) - 1);
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
    measured.map((s) => {
      const est = s.works.reduce((sum, w) => sum + layerEnergyJ(w, roofline(w, rates), coeffs), 0);
      return Math.abs(est / (s.measuredEnergyJ as number) - 1);
    }),
  );
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Efficiency with the three calibrated factors replaced by plain values (for internal evaluation). */
function withFactors(base: ResolvedEfficiency, f: CalibrationFactors): ResolvedEfficiency {
  const fig = (value: number): Figure => ({ value, source: 'calibration fit', confidence: 'measured' });
  return {
    ...base,
    computeFraction: fig(f.computeFraction),
    memoryFraction: fig(f.memoryFraction),
    energyScale: fig(f.energyScale),
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
    const v = cal.factors?.[key];
    if (typeof v !== 'number' || !(v > 0))
      throw new Error(`${file}: factors.${key}: expected a number > 0, got ${JSON.stringify(v)}`);
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
  const works = model.layers.map((l) => {
    const w = workOfLayer(l, precision, countedAt);
    if (!w) throw new Error(`cannot calibrate on ${model.name}: layer ${l.path} has unknown FLOPs or bytes`);
    return w;
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
  for (const l of model.layers) {
    const ms = measuredMsByPath[l.path];
    const w = workOfLayer(l, precision, countedAt);
    if (ms !== undefined && ms > 0 && w)
      out.push({ label: `${model.name}/${l.path}`, works: [w], measuredLatencyMs: ms });
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
