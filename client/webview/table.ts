// The layer table: sortable, filterable and virtualised (only the rows in view exist in the DOM, so a
// 2,700-layer model scrolls as fast as a small one), with keyboard navigation (arrows, Page Up/Down,
// Home/End, Enter jumps to the layer's source line) and ARIA grid roles.
import type { PanelLayer } from '../../server/src/protocol';
import { el, replaceChildren } from './dom';

/** A column: its header, how to read a sortable value, and how to show a cell. */
interface Column {
  key: string;
  title: string;
  numeric: boolean;
  value: (layer: PanelLayer) => number | string | null;
  text: (layer: PanelLayer) => string;
}

const ROW_HEIGHT = 24;
/** Rows drawn above and below the visible ones, so that fast scrolling shows no gap. */
const OVERSCAN = 8;

/** The columns; `cell` only for notebooks. Every figure's text is the server's (`display`). */
export function columns(notebook: boolean, labelOf: (cell: number) => string): Column[] {
  const figure = (
    key: string,
    title: string,
    field: keyof PanelLayer['display'],
    value: (l: PanelLayer) => number | null,
  ): Column => ({
    key,
    title,
    numeric: true,
    value,
    text: (l) => l.display[field],
  });
  const all: (Column | null)[] = [
    { key: 'path', title: 'Layer', numeric: false, value: (l) => l.path, text: (l) => l.path },
    { key: 'op', title: 'Op', numeric: false, value: (l) => l.op, text: (l) => l.op },
    notebook
      ? {
          key: 'cell',
          title: 'Cell',
          numeric: false,
          value: (l) => l.cell,
          text: (l) => (l.cell === null ? '' : labelOf(l.cell)),
        }
      : null,
    {
      key: 'outputShape',
      title: 'Output',
      numeric: false,
      value: (l) => l.display.output,
      text: (l) => l.display.output,
    },
    figure('params', 'Params', 'params', (l) => l.params),
    figure('macs', 'MACs', 'macs', (l) => l.macs),
    figure('flops', 'FLOPs', 'flops', (l) => l.flops),
    figure('latencyMs', 'Latency', 'latency', (l) => l.latencyMs),
    figure('energyJ', 'Energy', 'energy', (l) => l.energyJ),
    figure('share', 'Share', 'share', (l) => l.share),
    figure('co2eG', 'CO2e', 'co2e', (l) => l.co2eG),
    { key: 'bound', title: 'Bound', numeric: false, value: (l) => l.bound, text: (l) => l.bound ?? '?' },
  ];
  return all.filter((c): c is Column => c !== null);
}

/** Sorting and filtering the user chose (kept across reports). */
export interface TableState {
  sortKey: string | null;
  descending: boolean;
  filter: string;
  cell: number | null;
}

/** The virtualised grid. */
export class LayerTable {
  readonly element: HTMLElement;
  private readonly header: HTMLElement;
  private readonly body: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly summary: HTMLElement;
  private layers: PanelLayer[] = [];
  private rows: PanelLayer[] = [];
  private cols: Column[] = [];
  private active = 0;
  private drawn = '';

  constructor(
    private readonly state: TableState,
    private readonly onReveal: (layer: PanelLayer) => void,
    private readonly onStateChange: () => void,
  ) {
    this.header = el('div', { class: 'grid-row grid-header', role: 'row' });
    this.spacer = el('div', { class: 'grid-spacer', role: 'presentation' });
    this.body = el('div', { class: 'grid-body', role: 'rowgroup', tabindex: 0, 'aria-label': 'Layers' }, this.spacer);
    this.summary = el('p', { class: 'muted grid-summary', 'aria-live': 'polite' });
    this.element = el(
      'div',
      { class: 'grid', role: 'grid', 'aria-label': 'Layers of the model' },
      this.header,
      this.body,
    );
    this.body.addEventListener('scroll', () => this.draw());
    this.body.addEventListener('keydown', (e) => this.key(e));
    this.body.addEventListener('click', (e) => {
      const row = (e.target as Element).closest('.grid-row[data-index]');
      if (!row) return;
      this.active = Number(row.getAttribute('data-index'));
      this.draw(true);
      this.onReveal(this.rows[this.active]);
    });
    new ResizeObserver(() => this.draw(true)).observe(this.body);
  }

  /** The line under the table ("2,700 layers; 12 shown, filtered by ..."). */
  get summaryElement(): HTMLElement {
    return this.summary;
  }

  /** Shows a model's layers. */
  setLayers(layers: PanelLayer[], notebook: boolean, labelOf: (cell: number) => string): void {
    this.layers = layers;
    this.cols = columns(notebook, labelOf);
    this.element.style.setProperty(
      '--grid-columns',
      this.cols
        .map((c) => (c.key === 'path' ? 'minmax(10em, 2.5fr)' : c.numeric ? 'minmax(5.5em, 1fr)' : 'minmax(5em, 1fr)'))
        .join(' '),
    );
    this.drawHeader();
    this.apply();
  }

  /** Re-applies the filter and sort after the state changed. */
  apply(): void {
    const needle = this.state.filter.trim().toLowerCase();
    let rows = this.layers.filter(
      (l) =>
        (this.state.cell === null || l.cell === this.state.cell) &&
        (!needle || l.path.toLowerCase().includes(needle) || l.op.toLowerCase().includes(needle)),
    );
    const column = this.cols.find((c) => c.key === this.state.sortKey);
    if (column) {
      const sign = this.state.descending ? -1 : 1;
      rows = rows
        .map((layer, index) => ({ layer, index, value: column.value(layer) }))
        .sort((a, b) => compareValues(a.value, b.value, sign) || a.index - b.index)
        .map((r) => r.layer);
    }
    this.rows = rows;
    this.active = Math.min(this.active, Math.max(0, rows.length - 1));
    this.element.setAttribute('aria-rowcount', String(rows.length + 1));
    this.spacer.style.height = `${rows.length * ROW_HEIGHT}px`;
    const filtered = rows.length === this.layers.length ? '' : `; ${rows.length.toLocaleString('en-US')} shown`;
    this.summary.textContent = `${this.layers.length.toLocaleString('en-US')} layers${filtered}. Enter or click jumps to the source line.`;
    this.drawHeader();
    this.draw(true);
  }

  /**
   * Call before the page is rebuilt around the table: the returned function puts back its scroll
   * position and, if it had the keyboard focus, the focus (taking an element out of the page loses both).
   */
  preserve(): () => void {
    const focused = this.body === document.activeElement || this.body.contains(document.activeElement);
    const top = this.body.scrollTop;
    return () => {
      this.body.scrollTop = top;
      if (focused) this.body.focus({ preventScroll: true });
      this.draw(true);
    };
  }

  /** The rows in view as text (for the tests): one string per row. */
  visibleText(): string[] {
    return [...this.spacer.querySelectorAll('.grid-row')].map((r) => r.textContent ?? '');
  }

  private drawHeader(): void {
    replaceChildren(
      this.header,
      ...this.cols.map((c, i) => {
        const sorted = this.state.sortKey === c.key;
        const button = el(
          'button',
          {
            class: `grid-sort${c.numeric ? ' numeric' : ''}`,
            type: 'button',
            role: 'columnheader',
            'aria-sort': sorted ? (this.state.descending ? 'descending' : 'ascending') : 'none',
            'aria-colindex': i + 1,
            title: `Sort by ${c.title}`,
          },
          c.title,
          sorted ? (this.state.descending ? ' ▾' : ' ▴') : '',
        );
        button.addEventListener('click', () => this.sortBy(c));
        return button;
      }),
    );
  }

  private sortBy(column: Column): void {
    if (this.state.sortKey === column.key) this.state.descending = !this.state.descending;
    else {
      this.state.sortKey = column.key;
      this.state.descending = column.numeric;
    }
    this.onStateChange();
    this.apply();
  }

  /** Draws the rows in view; skips the work when nothing moved. */
  private draw(force = false): void {
    const height = this.body.clientHeight || 400;
    const first = Math.max(0, Math.floor(this.body.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.rows.length, Math.ceil((this.body.scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
    const key = `${first}:${last}:${this.active}`;
    if (!force && key === this.drawn) return;
    this.drawn = key;
    const rows: HTMLElement[] = [];
    for (let index = first; index < last; index++) rows.push(this.row(index));
    replaceChildren(this.spacer, ...rows);
    const active = this.spacer.querySelector('.grid-row.active');
    if (active) this.body.setAttribute('aria-activedescendant', active.id);
    else this.body.removeAttribute('aria-activedescendant');
  }

  private row(index: number): HTMLElement {
    const layer = this.rows[index];
    const row = el(
      'div',
      {
        class: `grid-row${index === this.active ? ' active' : ''}${layer.energyJ === null ? ' unknown' : ''}`,
        role: 'row',
        id: `layer-row-${index}`,
        'aria-rowindex': index + 2,
        'aria-selected': index === this.active ? 'true' : 'false',
        'data-index': index,
      },
      ...this.cols.map((c) =>
        el(
          'div',
          { class: `grid-cell${c.numeric ? ' numeric' : ''} col-${c.key}`, role: 'gridcell', title: c.text(layer) },
          c.text(layer),
        ),
      ),
    );
    row.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
    return row;
  }

  private key(event: KeyboardEvent): void {
    const page = Math.max(1, Math.floor(this.body.clientHeight / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page };
    let next = this.active;
    if (event.key in moves) next = this.active + moves[event.key];
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = this.rows.length - 1;
    else if (event.key === 'Enter' && this.rows[this.active]) {
      this.onReveal(this.rows[this.active]);
      event.preventDefault();
      return;
    } else return;
    event.preventDefault();
    this.active = Math.max(0, Math.min(this.rows.length - 1, next));
    const top = this.active * ROW_HEIGHT;
    if (top < this.body.scrollTop) this.body.scrollTop = top;
    else if (top + ROW_HEIGHT > this.body.scrollTop + this.body.clientHeight)
      this.body.scrollTop = top + ROW_HEIGHT - this.body.clientHeight;
    this.draw(true);
  }
}

/** Orders numbers before unknowns, then strings; `sign` -1 reverses the known ones. */
function compareValues(a: number | string | null, b: number | string | null, sign: number): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return (a - b) * sign;
  return String(a).localeCompare(String(b), 'en', { numeric: true }) * sign;
}
