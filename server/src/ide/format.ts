// Compact number formatting for inline text: three significant digits, SI prefixes, units spelled
// out ("GFLOPs" is a count, "GFLOP/s" a rate), and `?` for what is unknown.

const PREFIXES: [number, string][] = [
  [1e15, 'P'],
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/** 1.234e9 with unit 'FLOPs' → "1.23 GFLOPs"; null → "?". */
export function count(n: number | null, unit: string): string {
  if (n === null || !Number.isFinite(n)) return `? ${unit}`;
  const abs = Math.abs(n);
  const [div, prefix] = PREFIXES.find(([d]) => abs >= d) ?? [1, ''];
  return `${sig(n / div)} ${prefix}${unit}`.trimEnd();
}

/** Parameters as "25.6 M params". */
export function params(n: number | null): string {
  if (n === null) return '? params';
  const abs = Math.abs(n);
  const [div, prefix] = PREFIXES.find(([d]) => abs >= d) ?? [1, ''];
  return `${sig(n / div)}${prefix ? ` ${prefix}` : ''} params`;
}

/** Joules as "4.1 mJ", "310 µJ", "1.2 J". */
export function energy(j: number | null): string {
  if (j === null || !Number.isFinite(j)) return '? J';
  if (j === 0) return '0 J';
  const abs = Math.abs(j);
  if (abs >= 1e3) return `${sig(j / 1e3)} kJ`;
  if (abs >= 1) return `${sig(j)} J`;
  if (abs >= 1e-3) return `${sig(j * 1e3)} mJ`;
  if (abs >= 1e-6) return `${sig(j * 1e6)} µJ`;
  return `${sig(j * 1e9)} nJ`;
}

/** Grams of CO2e as "1.2 g", "3.4 mg", "6.9 µg". */
export function grams(g: number | null): string {
  if (g === null || !Number.isFinite(g)) return '? g';
  if (g === 0) return '0 g';
  const abs = Math.abs(g);
  if (abs >= 1e3) return `${sig(g / 1e3)} kg`;
  if (abs >= 1) return `${sig(g)} g`;
  if (abs >= 1e-3) return `${sig(g * 1e3)} mg`;
  return `${sig(g * 1e6)} µg`;
}

/** Milliseconds as "1.2 ms" or "35 µs". */
export function latency(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '? ms';
  if (ms >= 1e3) return `${sig(ms / 1e3)} s`;
  if (ms >= 1) return `${sig(ms)} ms`;
  return `${sig(ms * 1e3)} µs`;
}

/** Bytes as KiB / MiB / GiB. */
export function bytes(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
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

/** A tensor shape as "[1, 64, 56, 56]". */
export function shape(s: number[] | null): string {
  return s ? `[${s.join(', ')}]` : '?';
}

/** Three significant digits without trailing zeros. */
function sig(v: number): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  const text = abs >= 100 ? v.toFixed(0) : v.toPrecision(3);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}
