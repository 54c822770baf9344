// Advice as plain data: every diagnostic and code action the editor offers for a source, each with
// its kind, where it applies and its price (a Saving). The CLI (`wattlens analyze --advice`), the
// client's panel and the language server all read this one list, so they show exactly the same.
import type { Range } from '../../core/parse/syntax';
import * as fmt from '../format';
import type { ActionItem, ActionKind, EditItem, Saving } from '../items';

export type { ActionKind, Saving } from '../items';
import type { View } from '../view';
import { toSegmentRange } from '../sources';

/** "−58% energy per forward pass on nvidia-t4", "saving unknown: …", or "±0% …". */
export function priceText(saving: Saving): string {
  if (saving.before === null || saving.after === null)
    return `saving unknown: ${saving.reason ?? "the model's energy is unknown"}`;
  const scope =
    saving.scope === 'training-run'
      ? 'for the training run'
      : saving.scope === 'generation'
        ? 'for the generate call'
        : 'per forward pass';
  return `${fmt.saving(saving.before, saving.after)} energy ${scope} on ${saving.device}`;
}

/** The relative change a saving promises (−0.58 for −58%), or null when unknown. */
export function change(saving: Saving): number | null {
  if (saving.before === null || saving.after === null || saving.before <= 0) return null;
  return (saving.after - saving.before) / saving.before;
}

/** One piece of advice: a diagnostic the server raises or an action it offers, as plain data. */
export interface AdviceItem {
  /** 'action' for a code action, 'finding' for one of the server's own diagnostics. */
  type: 'action' | 'finding';
  /** The action kind, or the diagnostic code. */
  kind: ActionKind | string;
  title: string;
  /** More words (a diagnostic's message is its title; an action's detail is the price). */
  detail?: string;
  /** Where it applies, in the owning document's coordinates (a notebook cell's own lines). */
  range: Range;
  /** The document it applies to (a notebook cell's URI in the editor, the file in the CLI). */
  uri: string;
  /** 0-based index of the notebook cell, as the report counts cells. */
  cell?: number;
  saving?: Saving;
  edits?: EditItem[];
}

/** An action as advice: its kind, price and edits, placed where its first edit lands. */
export function actionAdvice(view: View, action: ActionItem, at: Range): AdviceItem {
  const placed = place(view, action.edits[0]?.range ?? at);
  return {
    type: 'action',
    kind: action.advice,
    title: action.title,
    ...(action.saving ? { detail: priceText(action.saving), saving: action.saving } : {}),
    ...placed,
    edits: action.edits,
  };
}

/** A source range moved into the document (notebook cell) that owns it. */
export function place(view: View, range: Range): { range: Range; uri: string; cell?: number } {
  const mapped = toSegmentRange(view.source, range);
  if (!mapped) return { range, uri: view.source.key };
  const index = view.source.notebook ? view.source.segments.indexOf(mapped.segment) : -1;
  return {
    range: mapped.range,
    uri: mapped.segment.uri,
    ...(index >= 0 ? { cell: view.source.segments[index].cell ?? index } : {}),
  };
}
