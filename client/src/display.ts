// Short texts the extension shows outside the panel (cell items and their tooltips). Every figure's text
// comes from the server's one formatter (the `display` fields), so a figure reads the same everywhere.
import type { CellCost, Precision } from '../../server/src/protocol';

/** The precisions in the order the picker lists them. */
export const PRECISION_ORDER: Precision[] = ['fp32', 'tf32', 'bf16', 'fp16', 'fp8', 'int8'];

/** The cell status bar text: "$(zap) 4.1 mJ · 1.2 GMACs". */
export function cellText(cost: CellCost): string {
  return `$(zap) ${cost.display.energy} · ${cost.display.macs}`;
}

/** The cell item's tooltip: what the figures are and, when unknown, why. */
export function cellTooltip(cost: CellCost, hardware: string, precision: string): string {
  const lines = [
    `WattLens: the ${cost.layers} layer${cost.layers === 1 ? '' : 's'} this cell defines, per forward pass on ${hardware} (${precision})`,
    `Energy ${cost.display.energy} · ${cost.display.macs} · ${cost.display.co2e} CO2e`,
  ];
  if (cost.note) lines.push(`Unknown: ${cost.note}`);
  lines.push('Click to open the profiling panel at this cell.');
  return lines.join('\n');
}
