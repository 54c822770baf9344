// The panel's sections other than the table and charts: the setup line, the totals, the suggestions with
// their Apply buttons, notebook cells, per-token figures of a generating model, estimate beside measured,
// and the compare view. Every figure comes from the server; these only lay it out.
import type {
  PanelAdvice,
  CellCost,
  CompareResult,
  CompareSetup,
  HardwareProfileSummary,
  PanelGeneration,
  PanelModel,
  PanelReport,
} from '../../server/src/protocol';
import { el, type Child } from './dom';

/** "NVIDIA T4 16GB · fp32 · world average grid, 481 gCO2e/kWh · PUE 1 · per forward pass (batch of 8)". */
export function setupLine(report: PanelReport, model: PanelModel | undefined): HTMLElement {
  const s = report.settings;
  const grid = s.gridIntensity
    ? `${s.region ?? 'world average'} grid, ${s.gridIntensity.text}`
    : 'grid intensity unknown';
  return el(
    'p',
    { class: 'setup' },
    el('strong', {}, s.hardwareName ?? s.hardware),
    ` · ${s.precision} · ${grid} · PUE ${s.pue}`,
    model ? ` · ${model.scope}` : '',
  );
}

/** The model's totals as cards; an unknown total says why in its tooltip. */
export function totalsCards(model: PanelModel, energyNote: string | null): HTMLElement {
  const t = model.totals;
  const d = model.display;
  const why = model.unresolved[0]?.reason ?? energyNote ?? 'unknown';
  const card = (label: string, value: string, known: boolean) =>
    el(
      'div',
      { class: `card${known ? '' : ' unknown'}`, title: known ? label : `${label}: ${why}` },
      el('span', { class: 'card-label' }, label),
      el('span', { class: 'card-value' }, value),
    );
  return el(
    'div',
    { class: 'cards', role: 'group', 'aria-label': 'Model totals' },
    card('Params', d.params, t.params !== null),
    card('MACs', d.macs, t.macs !== null),
    card('FLOPs', d.flops, t.flops !== null),
    card('Latency', d.latency, t.latencyMs !== null),
    card('Energy', d.energy, t.energyJ !== null),
    card('CO2e', d.co2e, t.co2eG !== null),
  );
}

/** Why some figures are unknown, with where. */
export function unresolvedList(model: PanelModel, onReveal: (index: number) => void): HTMLElement | null {
  if (!model.unresolved.length) return null;
  const list = el('ul', { class: 'unresolved' });
  model.unresolved.slice(0, 20).forEach((u, i) => {
    const item = el(
      'li',
      {},
      u.location ? el('button', { type: 'button', class: 'link' }, `line ${u.location.range.start.line + 1}`) : '',
      ` ${u.reason}`,
    );
    item.querySelector('button')?.addEventListener('click', () => onReveal(i));
    list.appendChild(item);
  });
  return el('details', { class: 'section' }, el('summary', {}, `Unknown figures (${model.unresolved.length})`), list);
}

/**
 * The advice on this document: the server's findings (each a link to its place), then every code action
 * the editor offers with its saving and an Apply button that runs that action.
 */
export function adviceSection(
  advice: PanelAdvice[],
  placeOf: (advice: PanelAdvice) => string,
  onApply: (index: number, button: HTMLButtonElement) => void,
  onReveal: (index: number) => void,
): HTMLElement {
  const actions = advice.filter((a) => a.type === 'action').length;
  const section = el(
    'section',
    { class: 'section advice', 'aria-label': 'Suggestions' },
    el('h2', {}, `Suggestions (${actions})`),
  );
  if (!advice.length) {
    section.appendChild(el('p', { class: 'muted' }, 'No suggestion for this document on the current profile.'));
    return section;
  }
  const list = el('ul', { class: 'advice-list' });
  advice.forEach((item, index) => {
    const where = el('button', { type: 'button', class: 'link', title: 'Go to where it applies' }, placeOf(item));
    where.addEventListener('click', () => onReveal(index));
    let action: Child = null;
    if (item.type === 'action' && item.anchor) {
      const button = el(
        'button',
        { type: 'button', class: 'apply', 'data-index': index, 'aria-label': `Apply: ${item.title}` },
        'Apply',
      );
      button.addEventListener('click', () => onApply(index, button));
      action = button;
    }
    list.appendChild(
      el(
        'li',
        { class: `advice-item advice-${item.type}` },
        el(
          'div',
          { class: 'advice-text' },
          el('span', { class: `badge badge-${item.type}` }, item.type === 'action' ? item.kind : 'note'),
          item.change ? el('span', { class: 'saving' }, item.change) : null,
          ' ',
          item.title,
          ' ',
          where,
        ),
        action,
      ),
    );
  });
  section.appendChild(list);
  section.appendChild(el('p', { class: 'muted apply-status', role: 'status' }));
  return section;
}

/** The notebook's code cells with their sums; clicking one shows its layers. */
export function cellsSection(
  cells: CellCost[],
  selected: number | null,
  labelOf: (cell: number) => string,
  onPick: (cell: number | null) => void,
): HTMLElement {
  const rows = cells.map((c) => {
    const row = el(
      'tr',
      {
        class: c.cell === selected ? 'selected' : '',
        tabindex: 0,
        'data-cell': c.cell,
        'aria-selected': c.cell === selected ? 'true' : 'false',
      },
      el('td', {}, labelOf(c.cell)),
      el('td', { class: 'numeric' }, String(c.layers)),
      el('td', { class: 'numeric' }, c.display.macs),
      el('td', { class: 'numeric' }, c.display.energy),
      el('td', { class: 'numeric' }, c.display.co2e),
      el('td', { class: 'muted' }, c.note ?? ''),
    );
    const pick = () => onPick(c.cell === selected ? null : c.cell);
    row.addEventListener('click', pick);
    row.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        pick();
      }
    });
    return row;
  });
  return el(
    'section',
    { class: 'section cells', 'aria-label': 'Cells' },
    el('h2', {}, 'Per cell'),
    el(
      'table',
      { class: 'cells-table' },
      el(
        'thead',
        {},
        el('tr', {}, ...['Cell', 'Layers', 'MACs', 'Energy', 'CO2e', ''].map((h) => el('th', { scope: 'col' }, h))),
      ),
      el('tbody', {}, ...rows),
    ),
  );
}

/** Per-token figures by phase for a model that generates (from the report's `generation`). */
export function generationSection(generation: PanelGeneration): HTMLElement {
  return el(
    'section',
    { class: 'section generation', 'aria-label': 'Generation' },
    el('h2', {}, 'Generation'),
    el('p', { class: 'muted' }, generation.summary),
    el(
      'div',
      { class: 'cards' },
      ...generation.figures.map((f) =>
        el(
          'div',
          { class: 'card' },
          el('span', { class: 'card-label' }, f.label),
          el('span', { class: 'card-value' }, f.text),
        ),
      ),
    ),
    el(
      'table',
      { class: 'phase-table' },
      el(
        'thead',
        {},
        el('tr', {}, ...['Phase', 'MACs', 'Latency', 'Energy', 'Bound'].map((h) => el('th', { scope: 'col' }, h))),
      ),
      el(
        'tbody',
        {},
        ...generation.phases.map((p) =>
          el(
            'tr',
            {},
            el('th', { scope: 'row' }, p.phase),
            el('td', { class: 'numeric' }, p.macs),
            el('td', { class: 'numeric' }, p.latency),
            el('td', { class: 'numeric' }, p.energy),
            el('td', {}, p.bound),
          ),
        ),
      ),
    ),
  );
}

/**
 * Estimate beside measured: the document's last local measurement (its own estimate is on the profile
 * matching the device that ran it), how its energy was obtained, the slowest layers; or what to do to measure.
 */
export function measuredSection(report: PanelReport, onProfile: () => void): HTMLElement {
  const button = el(
    'button',
    { type: 'button', class: 'secondary' },
    report.measured ? 'Measure again' : 'Profile Model Locally',
  );
  button.addEventListener('click', onProfile);
  const section = el(
    'section',
    { class: 'section measured-slot', 'aria-label': 'Estimated and measured' },
    el('h2', {}, 'Estimated · measured'),
  );
  const measured = report.measured;
  if (!measured) {
    section.append(el('p', { class: 'muted' }, report.measuredNote), button);
    return section;
  }
  section.appendChild(
    el(
      'p',
      { class: 'muted' },
      measured.summary,
      ` · measured ${measured.measuredAt.slice(0, 19).replace('T', ' ')} UTC`,
    ),
  );
  if (measured.stale)
    section.appendChild(
      el(
        'p',
        { class: 'warning' },
        'The code changed since this measurement: measure again to compare with the current estimate.',
      ),
    );
  const head = [
    'Model',
    'Estimated',
    'Measured',
    'Estimate ÷ measured',
    'Estimated energy',
    'Measured energy',
    'Estimate ÷ measured',
  ];
  section.appendChild(
    el(
      'table',
      { class: 'phase-table measured-table' },
      el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col' }, h)))),
      el(
        'tbody',
        {},
        ...measured.models.map((m) =>
          el(
            'tr',
            {},
            el('th', { scope: 'row' }, m.name),
            el('td', { class: 'numeric' }, m.estimated.latency),
            el(
              'td',
              { class: 'numeric', title: `${m.measured.runs} runs` },
              `${m.measured.latency} ${m.measured.spread}`,
            ),
            el('td', { class: 'numeric ratio' }, m.ratio.latency),
            el('td', { class: 'numeric' }, m.estimated.energy),
            el('td', { class: 'numeric' }, m.measured.energy),
            el('td', { class: 'numeric ratio' }, m.ratio.energy),
          ),
        ),
      ),
    ),
  );
  section.appendChild(el('p', { class: 'muted' }, measured.meter));
  for (const m of measured.models) {
    const rows = m.layers.map((l) =>
      el(
        'tr',
        {},
        el('td', {}, l.path),
        el('td', {}, l.op),
        el('td', { class: 'numeric' }, l.measured),
        el('td', { class: 'numeric' }, l.estimated),
        el('td', { class: 'numeric' }, l.ratio),
        el('td', {}, l.fused ? 'fused' : ''),
      ),
    );
    section.appendChild(
      el(
        'details',
        {},
        el('summary', {}, `${m.name}: the slowest layers as measured (${m.graph})`),
        el(
          'table',
          { class: 'phase-table' },
          el(
            'thead',
            {},
            el(
              'tr',
              {},
              ...['Layer', 'Op', 'Measured', 'Estimated', 'Estimate ÷ measured', ''].map((h) =>
                el('th', { scope: 'col' }, h),
              ),
            ),
          ),
          el('tbody', {}, ...rows),
        ),
        ...m.notes.map((n) => el('p', { class: 'muted' }, n)),
      ),
    );
  }
  for (const u of measured.unprofiled)
    section.appendChild(el('p', { class: 'warning' }, `${u.name} was not measured: ${u.error}`));
  for (const n of measured.notes) section.appendChild(el('p', { class: 'muted' }, n));
  section.appendChild(button);
  return section;
}

/** Compare view: two profile/precision setups and the model's totals on each, with ratios. */
export function compareSection(
  profiles: HardwareProfileSummary[],
  current: CompareSetup,
  chosen: { a: CompareSetup; b: CompareSetup } | null,
  result: CompareResult | null,
  error: string | null,
  onCompare: (a: CompareSetup, b: CompareSetup) => void,
): HTMLElement {
  const a = chosen?.a ?? current;
  const b = chosen?.b ?? defaultOther(profiles, current);
  const pickers = [setupPicker('A', profiles, a), setupPicker('B', profiles, b)];
  const button = el('button', { type: 'button' }, 'Compare');
  button.addEventListener('click', () => onCompare(pickers[0].value(), pickers[1].value()));
  const section = el(
    'section',
    { class: 'section compare', 'aria-label': 'Compare' },
    el('h2', {}, 'Compare'),
    el('div', { class: 'compare-form' }, pickers[0].element, pickers[1].element, button),
  );
  if (error) section.appendChild(el('p', { class: 'error' }, error));
  if (result) section.appendChild(compareTable(result));
  return section;
}

function compareTable(result: CompareResult): HTMLElement {
  const side = (s: CompareResult['a']) => `${s.setup.hardware} · ${s.setup.precision}`;
  const row = (label: string, key: 'latency' | 'energy' | 'co2e') =>
    el(
      'tr',
      {},
      el('th', { scope: 'row' }, label),
      el('td', { class: 'numeric' }, result.a.display[key]),
      el('td', { class: 'numeric' }, result.b.display[key]),
      el('td', { class: 'numeric ratio' }, result.display[key]),
    );
  const notes = [result.a.note, result.b.note].filter((n): n is string => !!n);
  return el(
    'div',
    {},
    el(
      'table',
      { class: 'compare-table' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', {}, result.model),
          el('th', { scope: 'col' }, `A: ${side(result.a)}`),
          el('th', { scope: 'col' }, `B: ${side(result.b)}`),
          el('th', { scope: 'col' }, 'B / A'),
        ),
      ),
      el(
        'tbody',
        {},
        row('Latency', 'latency'),
        row('Energy', 'energy'),
        row('CO2e', 'co2e'),
        el(
          'tr',
          {},
          el('th', { scope: 'row' }, 'Bound (layers)'),
          el('td', {}, boundText(result.a.bound)),
          el('td', {}, boundText(result.b.bound)),
          el('td', {}),
        ),
      ),
    ),
    ...notes.map((n) => el('p', { class: 'muted' }, n)),
  );
}

function boundText(bound: Record<string, number>): string {
  return Object.entries(bound)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
}

function defaultOther(profiles: HardwareProfileSummary[], current: CompareSetup): CompareSetup {
  const profile = profiles.find((p) => p.id === current.hardware);
  const precision = (['bf16', 'fp16', 'int8', 'fp32'] as const).find(
    (p) => p !== current.precision && profile?.peakTflops[p] !== undefined,
  );
  if (precision) return { hardware: current.hardware, precision };
  const other = profiles.find((p) => p.id !== current.hardware);
  return { hardware: other?.id ?? current.hardware, precision: current.precision };
}

function setupPicker(label: string, profiles: HardwareProfileSummary[], setup: CompareSetup) {
  const hardware = el('select', { 'aria-label': `${label}: hardware profile` });
  for (const p of profiles)
    hardware.appendChild(el('option', { value: p.id, selected: p.id === setup.hardware }, p.id));
  if (!profiles.some((p) => p.id === setup.hardware))
    hardware.appendChild(el('option', { value: setup.hardware, selected: true }, setup.hardware));
  const precision = el('select', { 'aria-label': `${label}: precision` });
  for (const p of ['fp32', 'tf32', 'bf16', 'fp16', 'fp8', 'int8'])
    precision.appendChild(el('option', { value: p, selected: p === setup.precision }, p));
  return {
    element: el('label', { class: 'setup-picker' }, `${label} `, hardware, precision),
    value: (): CompareSetup => ({ hardware: hardware.value, precision: precision.value as CompareSetup['precision'] }),
  };
}
