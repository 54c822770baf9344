// The panel's suggestions: the shared advice list (ide/advice/list.ts — the one the CLI's --advice and
// the editor read), with each code action's region, so that the client can ask VS Code for the code
// actions there and run the very action the light bulb shows.
import type { Range, SyntaxNode } from '../../core/parse/syntax';
import type { AdviceItem } from '../advice/advice';
import { actionEntries, adviceItems } from '../advice/list';
import * as fmt from '../format';
import type { Source } from '../sources';
import type { View } from '../view';

/** A piece of advice, the region an action was asked for, and its saving as one short text. */
export interface PanelAdviceEntry {
  item: AdviceItem;
  /** Actions: the source region they were asked for; findings: null. */
  region: Range | null;
  /** "−64% energy", or "−32 params" when parameters are the promise; null when there is none or it is unknown. */
  change: string | null;
}

/** Entries per view: a view is one version of a document on one setup, so its advice never changes. */
const cache = new WeakMap<View, PanelAdviceEntry[]>();

/** The server's own findings first, then every action in source order (each once). */
export function panelAdvice(view: View, syntaxOf?: (source: Source) => SyntaxNode | null): PanelAdviceEntry[] {
  const cached = cache.get(view);
  if (cached) return cached;
  const findings = adviceItems(view, syntaxOf).filter((a) => a.type === 'finding');
  const entries: PanelAdviceEntry[] = [
    ...findings.map((item) => ({ item, region: null, change: null })),
    ...actionEntries(view, syntaxOf).map(({ item, region }) => ({ item, region, change: changeText(item) })),
  ];
  cache.set(view, entries);
  return entries;
}

function changeText(item: AdviceItem): string | null {
  const s = item.saving;
  if (s?.params)
    return `${s.params.after < s.params.before ? '−' : '+'}${fmt.count(Math.abs(s.params.before - s.params.after), '').trim()} params`;
  if (!s || s.before === null || s.after === null) return null;
  return `${fmt.saving(s.before, s.after)} energy`;
}
