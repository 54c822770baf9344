// The panel's two charts, drawn as plain SVG (no chart library: two simple charts do not need one, SVG
// takes the theme's colours from CSS variables, adds nothing to the CSP, and a library for log axes and
// 2,700 points would be most of the webview's weight): energy by layer, and the roofline of the layers
// on the chosen device, each point hoverable and clickable to jump to its source line.
import type { PanelLayer, Roofline } from '../../server/src/protocol';
import { el, svg } from './dom';

/** How many layers the bar chart shows. */
const TOP_LAYERS = 12;

/** Energy of the costliest layers as horizontal bars, with what the rest add up to. */
export function energyBars(layers: PanelLayer[], onPick: (l: PanelLayer) => void): HTMLElement {
  const known = layers.filter((l) => l.energyJ !== null && l.energyJ > 0).sort((a, b) => b.energyJ! - a.energyJ!);
  const top = known.slice(0, TOP_LAYERS);
  const figure = el('figure', { class: 'chart energy-chart', 'aria-label': 'Energy by layer' });
  figure.appendChild(
    el('figcaption', {}, 'Energy by layer', el('span', { class: 'muted' }, ` · top ${top.length} of ${layers.length}`)),
  );
  if (!top.length) {
    figure.appendChild(el('p', { class: 'muted' }, 'No layer has a known energy on this profile.'));
    return figure;
  }
  const max = top[0].energyJ!;
  const rowHeight = 18;
  const labelWidth = 120;
  const width = 380;
  const chart = svg('svg', {
    viewBox: `0 0 ${width} ${top.length * rowHeight + 4}`,
    class: 'bars',
    role: 'list',
    preserveAspectRatio: 'xMinYMin meet',
  });
  top.forEach((layer, i) => {
    const y = i * rowHeight + 2;
    const barWidth = Math.max(1, ((width - labelWidth - 70) * layer.energyJ!) / max);
    const share = layer.share === null ? '' : ` (${layer.display.share})`;
    const group = svg(
      'g',
      {
        class: `bar bound-${layer.bound ?? 'unknown'}`,
        role: 'listitem',
        tabindex: 0,
        'aria-label': `${layer.path}: ${layer.display.energy}${share}`,
      },
      svg('title', {}, `${layer.path} (${layer.op}) · ${layer.display.energy}${share} · ${layer.bound ?? '?'}-bound`),
      svg('text', { x: labelWidth - 6, y: y + 12, 'text-anchor': 'end', class: 'bar-label' }, truncate(layer.path, 20)),
      svg('rect', { x: labelWidth, y: y + 2, width: barWidth, height: rowHeight - 5, rx: 2 }),
      svg('text', { x: labelWidth + barWidth + 4, y: y + 12, class: 'bar-value' }, `${layer.display.energy}${share}`),
    );
    group.addEventListener('click', () => onPick(layer));
    group.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') onPick(layer);
    });
    chart.appendChild(group);
  });
  figure.appendChild(chart);
  if (known.length > top.length) {
    figure.appendChild(
      el('p', { class: 'muted' }, `The other ${known.length - top.length} layers are in the table below.`),
    );
  }
  return figure;
}

/** A log-log roofline: arithmetic intensity (FLOP/byte) against attained FLOP/s, with the device's roofs. */
export function rooflineChart(
  layers: PanelLayer[],
  roofline: Roofline | null,
  hardware: string,
  onPick: (l: PanelLayer) => void,
): HTMLElement {
  const figure = el('figure', { class: 'chart roofline-chart', 'aria-label': 'Roofline' });
  figure.appendChild(
    el(
      'figcaption',
      {},
      'Roofline',
      el('span', { class: 'muted' }, ` · ${hardware}${roofline ? ` at ${roofline.precision}` : ''}`),
    ),
  );
  const points = layers.filter(
    (l) => l.intensity !== null && l.intensity > 0 && l.attainedFlopsPerSecond !== null && l.attainedFlopsPerSecond > 0,
  );
  const peak = roofline?.peakFlopsPerSecond ?? null;
  const bandwidth = roofline?.bandwidthBytesPerSecond ?? null;
  if (!points.length || peak === null || bandwidth === null) {
    const why =
      roofline?.note ??
      (points.length ? 'the profile lacks a peak or a bandwidth' : 'no layer has a known intensity and latency');
    figure.appendChild(el('p', { class: 'muted' }, `No roofline: ${why}.`));
    return figure;
  }
  const width = 380;
  const height = 260;
  const margin = { left: 50, right: 10, top: 10, bottom: 34 };
  const ridge = peak / bandwidth;
  const xs = points.map((p) => p.intensity!);
  const ys = points.map((p) => p.attainedFlopsPerSecond!);
  const xMin = decadeBelow(Math.min(...xs, ridge / 10));
  const xMax = decadeAbove(Math.max(...xs, ridge * 10));
  const yMin = decadeBelow(Math.min(...ys, bandwidth * xMin));
  const yMax = decadeAbove(peak * 1.5);
  const x = (v: number) =>
    margin.left +
    ((Math.log10(v) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))) * (width - margin.left - margin.right);
  const y = (v: number) =>
    height -
    margin.bottom -
    ((Math.log10(v) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) *
      (height - margin.top - margin.bottom);
  const chart = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    class: 'roofline',
    role: 'img',
    'aria-label': `Roofline of ${points.length} layers on ${hardware}`,
  });
  for (let v = xMin; v <= xMax * 1.001; v *= 10) {
    chart.appendChild(
      svg('line', { x1: x(v), x2: x(v), y1: margin.top, y2: height - margin.bottom, class: 'gridline' }),
    );
    chart.appendChild(
      svg('text', { x: x(v), y: height - margin.bottom + 14, 'text-anchor': 'middle', class: 'axis' }, decadeLabel(v)),
    );
  }
  for (let v = yMin; v <= yMax * 1.001; v *= 10) {
    chart.appendChild(
      svg('line', { x1: margin.left, x2: width - margin.right, y1: y(v), y2: y(v), class: 'gridline' }),
    );
    chart.appendChild(
      svg('text', { x: margin.left - 4, y: y(v) + 3, 'text-anchor': 'end', class: 'axis' }, decadeLabel(v)),
    );
  }
  chart.appendChild(
    svg(
      'text',
      { x: (margin.left + width - margin.right) / 2, y: height - 4, 'text-anchor': 'middle', class: 'axis-title' },
      'arithmetic intensity (FLOP/byte)',
    ),
  );
  chart.appendChild(
    svg(
      'text',
      {
        x: 12,
        y: (margin.top + height - margin.bottom) / 2,
        'text-anchor': 'middle',
        class: 'axis-title',
        transform: `rotate(-90 12 ${(margin.top + height - margin.bottom) / 2})`,
      },
      'attained FLOP/s',
    ),
  );
  const memoryStart = Math.max(xMin, yMin / bandwidth);
  chart.appendChild(
    svg('polyline', {
      class: 'roof',
      points: `${x(memoryStart)},${y(bandwidth * memoryStart)} ${x(ridge)},${y(peak)} ${x(xMax)},${y(peak)}`,
    }),
  );
  chart.appendChild(
    svg(
      'text',
      { x: x(xMax) - 4, y: y(peak) - 5, 'text-anchor': 'end', class: 'roof-label' },
      `peak ${roofline!.display.peak}`,
    ),
  );
  chart.appendChild(
    svg(
      'text',
      { x: x(memoryStart) + 6, y: y(bandwidth * memoryStart) - 6, class: 'roof-label' },
      roofline!.display.bandwidth,
    ),
  );
  const dots = svg('g', { class: 'points' });
  const tip = el('div', { class: 'tip', role: 'tooltip', 'aria-hidden': 'true' });
  points.forEach((layer) => {
    const dot = svg(
      'circle',
      {
        cx: x(layer.intensity!),
        cy: y(layer.attainedFlopsPerSecond!),
        r: 3.2,
        class: `point bound-${layer.bound ?? 'unknown'}`,
      },
      svg('title', {}, pointText(layer)),
    );
    dot.addEventListener('click', () => onPick(layer));
    dot.addEventListener('mouseenter', () => {
      tip.textContent = pointText(layer);
      const box = figure.getBoundingClientRect();
      const at = dot.getBoundingClientRect();
      tip.style.left = `${Math.min(at.left - box.left + 8, box.width - 240)}px`;
      tip.style.top = `${at.top - box.top + 8}px`;
      tip.classList.add('shown');
    });
    dot.addEventListener('mouseleave', () => tip.classList.remove('shown'));
    dots.appendChild(dot);
  });
  chart.appendChild(dots);
  figure.appendChild(chart);
  figure.appendChild(tip);
  const skipped = layers.length - points.length;
  figure.appendChild(
    el(
      'p',
      { class: 'muted legend' },
      el('span', { class: 'swatch bound-compute' }),
      'compute-bound ',
      el('span', { class: 'swatch bound-memory' }),
      'memory-bound ',
      el('span', { class: 'swatch bound-overhead' }),
      'overhead-bound',
      skipped > 0 ? ` · ${skipped} layer${skipped === 1 ? '' : 's'} without FLOPs or latency not drawn` : '',
    ),
  );
  return figure;
}

/** The hover text of a roofline point. */
export function pointText(layer: PanelLayer): string {
  return `${layer.path} (${layer.op}) · ${layer.display.intensity} · ${layer.display.attained} · ${layer.bound ?? '?'}-bound · ${layer.display.energy}`;
}

function decadeBelow(v: number): number {
  return Math.pow(10, Math.floor(Math.log10(v)));
}

function decadeAbove(v: number): number {
  return Math.pow(10, Math.ceil(Math.log10(v)));
}

/** An axis tick: a power of ten as "0.1", "1", "100", or "1e12" (a position on the axis, not a figure). */
function decadeLabel(v: number): string {
  const exponent = Math.round(Math.log10(v));
  return exponent >= -2 && exponent <= 4 ? String(Math.pow(10, exponent)) : `1e${exponent}`;
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
