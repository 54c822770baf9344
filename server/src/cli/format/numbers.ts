// Human formatting of counts, bytes, times and energies, with units spelled out
// (a count is "GFLOPs", a rate would be "GFLOP/s").

/** 1234567 → "1.23 M". */
export function si(n: number | null, unit = ''): string {
  if (n === null) return '?';
  if (n === 0) return `0 ${unit}`.trim();
  const abs = Math.abs(n);
  const [div, prefix] =
    abs >= 1e12 ? [1e12, 'T'] : abs >= 1e9 ? [1e9, 'G'] : abs >= 1e6 ? [1e6, 'M'] : abs >= 1e3 ? [1e3, 'k'] : [1, ''];
  const v = n / div;
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${prefix}${unit}`.trim();
}

/** Bytes as KiB/MiB/GiB. */
export function bytes(n: number | null): string {
  if (n === null) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/** Milliseconds with sensible precision. */
export function ms(n: number | null): string {
  if (n === null) return '?';
  return n >= 100 ? `${n.toFixed(0)} ms` : n >= 1 ? `${n.toFixed(2)} ms` : `${(n * 1000).toFixed(1)} µs`;
}

/** Joules as J / mJ / µJ. */
export function joules(n: number | null): string {
  if (n === null) return '?';
  if (n >= 1) return `${n.toFixed(2)} J`;
  if (n >= 1e-3) return `${(n * 1e3).toFixed(2)} mJ`;
  return `${(n * 1e6).toFixed(1)} µJ`;
}

/** Grams of CO2e. */
export function grams(n: number | null): string {
  if (n === null) return '?';
  return n >= 1 ? `${n.toFixed(2)} g` : n >= 1e-3 ? `${(n * 1e3).toFixed(2)} mg` : `${(n * 1e6).toFixed(1)} µg`;
}
