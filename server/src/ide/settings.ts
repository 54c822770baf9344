// The `wattlens.*` settings: their defaults and normalising what a client sends (VS Code nests
// `inlayHints.mode`, other clients may flatten it); lsp/settings.ts pulls them from the client.
import type { Precision } from '../core/report/types';
import { PRECISIONS } from '../core/report/precision';
import { pueProblem } from '../core/energy/carbon';
import { nativePrecision, resolvePrecision, supportedPrecisions } from '../core/energy/precision';
import type { HardwareProfile } from '../core/energy/types';
import { parseInputSpec, type InputDtype } from '../core/analysis/declaredInputs';

/** How much the inlay hints show. */
export type InlayHintsMode = 'off' | 'totals' | 'layers';

/** Every setting the server reads, already validated. */
export interface Settings {
  hardware: string;
  /** The precision estimates use: the one asked for, or the profile's native one (see `precisionNote`). */
  precision: Precision;
  /** What `wattlens.precision` asked for: a precision, or 'auto' (the device's native precision). */
  precisionSetting: Precision | 'auto';
  /** Why `precision` is not the one asked for, or how it was chosen (the device's native precision). */
  precisionNote?: string | null;
  /** ISO 3166 country code for grid carbon intensity; null = world average. */
  region: string | null;
  pue: number;
  inlayHintsMode: InlayHintsMode;
  /** Batch size overriding the model input's first dimension; null = as the code builds it. */
  batchSize: number | null;
  /** `wattlens.input`: example input shapes and dtypes (the `--input` grammar); null = found in the code. */
  input: { text: string; shapes: number[][]; dtypes: (InputDtype | undefined)[] } | null;
  /** `wattlens.pythonPath`: the interpreter whose site-packages imports are read from; null = a workspace venv, else python3. */
  pythonPath: string | null;
}

/** The hardware profile used when the setting is absent or names an unknown id. */
export const DEFAULT_HARDWARE = 'nvidia-t4';

/** Settings before the client has said anything. */
export const DEFAULT_SETTINGS: Settings = {
  hardware: DEFAULT_HARDWARE,
  precision: 'fp32',
  precisionSetting: 'auto',
  region: null,
  pue: 1,
  inlayHintsMode: 'layers',
  batchSize: null,
  input: null,
  pythonPath: null,
};

/** Validated settings plus one message per value that was rejected (and replaced by its default). */
export interface NormalisedSettings {
  settings: Settings;
  problems: string[];
}

/** Turns whatever the client sent for the `wattlens` section into Settings; never throws. */
export function normaliseSettings(raw: unknown): NormalisedSettings {
  const src = isRecord(raw) ? raw : {};
  const problems: string[] = [];
  const read = (key: string): unknown => lookup(src, key);
  const settings: Settings = {
    hardware: readString(read('hardware')) ?? DEFAULT_HARDWARE,
    precision: DEFAULT_SETTINGS.precision,
    precisionSetting: readEnum(
      read('precision'),
      ['auto', ...PRECISIONS] as const,
      'wattlens.precision',
      DEFAULT_SETTINGS.precisionSetting,
      problems,
    ),
    region: readString(read('region')) ?? null,
    pue: readPue(read('pue'), problems),
    inlayHintsMode: readEnum(
      read('inlayHints.mode'),
      ['off', 'totals', 'layers'] as const,
      'wattlens.inlayHints.mode',
      'layers',
      problems,
    ),
    batchSize: readNumber(
      read('batchSize'),
      'wattlens.batchSize',
      null,
      (n) => Number.isInteger(n) && n >= 1 && n <= 1 << 20,
      problems,
    ),
    input: readInput(read('input'), problems),
    pythonPath: readString(read('pythonPath'))?.trim() || null,
  };
  if (settings.precisionSetting !== 'auto') settings.precision = settings.precisionSetting;
  return { settings, problems };
}

/** A key that changes whenever a setting that affects the estimate changes. */
export function settingsKey(s: Settings): string {
  return [
    s.hardware,
    s.precision,
    s.precisionSetting,
    s.region ?? '',
    s.pue,
    s.batchSize ?? '',
    s.input?.text ?? '',
  ].join('|');
}

/**
 * The settings with `precision` resolved on `profile`: 'auto' is the device's native precision (fp32
 * where it has one); an asked-for precision the device lacks falls back to the native one, and says so.
 */
export function resolveSettings(settings: Settings, profile: HardwareProfile | null): Settings {
  if (!profile) return settings;
  if (settings.precisionSetting === 'auto') {
    const { precision, note } = resolvePrecision(profile, null);
    return { ...settings, precision, precisionNote: note };
  }
  if (profile.peak[settings.precisionSetting])
    return { ...settings, precision: settings.precisionSetting, precisionNote: null };
  const native = nativePrecision(profile);
  return {
    ...settings,
    precision: native,
    precisionNote: `wattlens.precision asks for ${settings.precisionSetting}, which ${profile.id} does not have (it has ${supportedPrecisions(profile).join(', ')}): using ${native}, its native precision`,
  };
}

/** `a.b` read either nested (`{a: {b}}`) or flat (`{'a.b': ...}`). */
function lookup(src: Record<string, unknown>, key: string): unknown {
  if (key in src) return src[key];
  let cur: unknown = src;
  for (const part of key.split('.')) {
    if (!isRecord(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readString(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function readEnum<T extends string>(
  v: unknown,
  allowed: readonly T[],
  name: string,
  fallback: T,
  problems: string[],
): T {
  if (v === undefined || v === null || v === '') return fallback;
  const s = String(v).trim().toLowerCase() as T;
  if (allowed.includes(s)) return s;
  problems.push(`${name}: '${String(v)}' is not one of ${allowed.join(', ')}; using ${fallback}`);
  return fallback;
}

/** The PUE setting, checked by the rule the CLI's --pue uses; a rejected value says why and falls back to 1. */
function readPue(v: unknown, problems: string[]): number {
  if (v === undefined || v === null || v === '') return 1;
  const n = typeof v === 'number' ? v : Number(v);
  const problem = pueProblem(n);
  if (!problem) return n;
  problems.push(`wattlens.pue: ${problem.replace(/, got .*$/, '')}; got '${String(v)}', using 1`);
  return 1;
}

function readNumber<F extends number | null>(
  v: unknown,
  name: string,
  fallback: F,
  ok: (n: number) => boolean,
  problems: string[],
): number | F {
  if (v === undefined || v === null || v === '') return fallback;
  const n = typeof v === 'number' ? v : Number(v);
  if (Number.isFinite(n) && ok(n)) return n;
  problems.push(`${name}: '${String(v)}' is out of range; using ${fallback ?? 'the default'}`);
  return fallback;
}

/** `wattlens.input` in the `--input` grammar; a malformed value is reported and ignored. */
function readInput(value: unknown, problems: string[]): Settings['input'] {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') {
    problems.push(`wattlens.input must be a string such as "1,3,224,224" or "20,35:int64"; ignored`);
    return null;
  }
  const spec = parseInputSpec(value);
  if (spec.error !== undefined) {
    problems.push(`wattlens.input "${value}" ignored: ${spec.error}`);
    return null;
  }
  return { text: value, shapes: spec.shapes, dtypes: spec.dtypes };
}
