// The one number formatter of the CLI, the editor and the client's panel: three significant digits,
// SI prefixes, units spelled out ("GFLOPs" is a count, "GFLOP/s" a rate), durations in the unit a
// person would use, and `?` for what is unknown. A figure reads the same wherever it is shown.

const PREFIXES: [number, string][] = [
  [1e21, 'Z'],
  [1e18, 'E'],
  [1e15, 'P'],
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/** 1.234e9 with unit 'FLOPs' → "1.23 GFLOPs"; null → "? FLOPs"; past 1e24 in powers of ten. */
export function count(n: number | null, unit: string): string {
  if (n === null || !Number.isFinite(n)) return `? ${unit}`.trimEnd();
  const abs = Math.abs(n);
  if (abs >= 1e24) return `${scientific(n)} ${unit}`.trimEnd();
  const [div, prefix] = PREFIXES.find(([d]) => abs >= d) ?? [1, ''];
  return `${sig(n / div)} ${prefix}${unit}`.trimEnd();
}

/** A plain count without a unit, as table cells show it: "9.41 k", "944 M", "55", "?". */
export function amount(n: number | null): string {
  return count(n, '') || '?';
}

/** Parameters as "25.6 M params", "55 params". */
export function params(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return '? params';
  return `${amount(n)} params`;
}

/** Joules as "4.1 mJ", "310 µJ", "1.2 J", "3.4 kJ", "5.6 MJ". */
export function energy(j: number | null): string {
  if (j === null || !Number.isFinite(j)) return '? J';
  if (j === 0) return '0 J';
  const abs = Math.abs(j);
  if (abs >= 1e9) return `${sig(j / 1e9)} GJ`;
  if (abs >= 1e6) return `${sig(j / 1e6)} MJ`;
  if (abs >= 1e3) return `${sig(j / 1e3)} kJ`;
  if (abs >= 1) return `${sig(j)} J`;
  if (abs >= 1e-3) return `${sig(j * 1e3)} mJ`;
  if (abs >= 1e-6) return `${sig(j * 1e6)} µJ`;
  return `${sig(j * 1e9)} nJ`;
}

/** Facility energy in kilowatt-hours as "0.42 kWh", "3.1 Wh", "12 MWh". */
export function kwh(k: number | null): string {
  if (k === null || !Number.isFinite(k)) return '? kWh';
  if (k === 0) return '0 kWh';
  const abs = Math.abs(k);
  if (abs >= 1e3) return `${sig(k / 1e3)} MWh`;
  if (abs >= 0.1) return `${sig(k)} kWh`;
  if (abs >= 1e-4) return `${sig(k * 1e3)} Wh`;
  return `${sig(k * 1e6)} mWh`;
}

/** Grams of CO2e as "1.2 g", "3.4 mg", "6.9 µg", "1.5 kg", "2.1 t". */
export function grams(g: number | null): string {
  if (g === null || !Number.isFinite(g)) return '? g';
  if (g === 0) return '0 g';
  const abs = Math.abs(g);
  if (abs >= 1e6) return `${sig(g / 1e6)} t`;
  if (abs >= 1e3) return `${sig(g / 1e3)} kg`;
  if (abs >= 1) return `${sig(g)} g`;
  if (abs >= 1e-3) return `${sig(g * 1e3)} mg`;
  if (abs >= 1e-6) return `${sig(g * 1e6)} µg`;
  return `${sig(g * 1e9)} ng`;
}

const MINUTE_MS = 60e3;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const YEAR_MS = 365.25 * DAY_MS;

/** A duration in milliseconds as "35 µs", "1.2 ms", "4.2 s", "12 min", "3.5 h", "59 days", "2.3 years". */
export function latency(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '? ms';
  const abs = Math.abs(ms);
  if (abs === 0) return '0 ms';
  if (abs >= YEAR_MS) return `${sig(ms / YEAR_MS)} years`;
  if (abs >= 2 * DAY_MS) return `${sig(ms / DAY_MS)} days`;
  if (abs >= 2 * HOUR_MS) return `${sig(ms / HOUR_MS)} h`;
  if (abs >= 2 * MINUTE_MS) return `${sig(ms / MINUTE_MS)} min`;
  if (abs >= 1e3) return `${sig(ms / 1e3)} s`;
  if (abs >= 1) return `${sig(ms)} ms`;
  if (abs >= 1e-3) return `${sig(ms * 1e3)} µs`;
  return `${sig(ms * 1e6)} ns`;
}

/** Hours (a training run's wall clock) as a duration: 4 s reads "4 s", never "0.00 h". */
export function hours(h: number | null): string {
  return h === null ? '? h' : latency(h * HOUR_MS);
}

/** Bytes as B / KiB / MiB / GiB / TiB. */
export function bytes(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return '? B';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${sig(v)} ${units[i]}`;
}

/** A share in [0, 1] as "18%", "<1%". */
export function percent(share: number): string {
  const p = share * 100;
  if (p > 0 && p < 1) return '<1%';
  return `${Math.round(p)}%`;
}

/** A saving as "−58%" (a true minus sign), or "+3%" when it costs more. */
export function saving(before: number, after: number): string {
  if (before <= 0) return '±0%';
  const change = Math.round(((after - before) / before) * 100);
  if (change === 0) return '±0%';
  return change < 0 ? `−${-change}%` : `+${change}%`;
}

/** A ratio as "2.7×", "12×". */
export function times(ratio: number): string {
  return `${ratio >= 10 ? Math.round(ratio) : ratio.toFixed(1)}×`;
}

/** A tensor shape as "[1, 64, 56, 56]". */
export function shape(s: number[] | null): string {
  return s ? `[${s.join(', ')}]` : '?';
}

/** A whole number with thousands separators: "11,689,512"; "?" when unknown. */
export function exact(n: number | null): string {
  return n === null || !Number.isFinite(n) ? '?' : n.toLocaleString('en-US');
}

/** Three significant digits without trailing zeros. */
function sig(v: number): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  const text = abs >= 100 ? v.toFixed(0) : v.toPrecision(3);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** "6.65e24": a mantissa of three significant digits and a power of ten. */
function scientific(v: number): string {
  const [mantissa, exponent] = v.toExponential(2).split('e');
  return `${mantissa.replace(/\.?0+$/, '')}e${Number(exponent)}`;
}

/** What a model total covers: "per forward pass (batch of 8)". */
export function perPass(samples: number): string {
  return `per forward pass (batch of ${samples})`;
}

/**
 * An energy with its scope, both scopes where both matter: "971 mJ per forward pass (batch of 8),
 * 121 mJ per sample"; with a batch of 1, "52.3 mJ per forward pass (batch of 1)".
 */
export function energyScopes(energyJ: number | null, samples: number): string {
  const pass = `${energy(energyJ)} ${perPass(samples)}`;
  return samples > 1 ? `${pass}, ${energy(energyJ === null ? null : energyJ / samples)} per sample` : pass;
}
