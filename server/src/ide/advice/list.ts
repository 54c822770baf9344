// The whole advice list of a view: the server's own diagnostics and every code action it would offer
// anywhere in the source, each placed in the document (notebook cell) it applies to, with its price.
import type { Range, SyntaxNode } from '../../core/parse/syntax';
import type { View } from '../view';
import { lineCount, lineText, type Source } from '../sources';
import { actionAdvice, place, type AdviceItem } from './advice';
import { codeActionItems } from './codeActions';
import { CODES, findingItems } from './diagnostics';

/** Diagnostic codes that are advice (the rest are the core's findings: syntax, unresolved names, ...). */
const ADVICE_CODES = new Set<string>(Object.values(CODES));

/**
 * Every piece of advice for the view, findings first, then actions in source order. `syntaxOf` parses
 * sources whose analysis keeps no tree (TypeScript / JavaScript) when an action needs one.
 */
export function adviceItems(view: View, syntaxOf?: (source: Source) => SyntaxNode | null): AdviceItem[] {
  const findings: AdviceItem[] = findingItems(view)
    .filter((f) => ADVICE_CODES.has(f.code))
    .map((f) => ({ type: 'finding', kind: f.code, title: f.message, ...place(view, f.range) }));
  return [...findings, ...actionEntries(view, syntaxOf).map((e) => e.item)];
}

/** An action's advice and the source region it was asked for (asking for code actions there offers it again). */
export interface ActionEntry {
  item: AdviceItem;
  region: Range;
}

/** Every code action offered anywhere in the source, each once, in source order, with the region it came from. */
export function actionEntries(view: View, syntaxOf?: (source: Source) => SyntaxNode | null): ActionEntry[] {
  const seen = new Set<string>();
  const entries: ActionEntry[] = [];
  for (const region of regions(view.source)) {
    for (const action of codeActionItems(view, region, undefined, syntaxOf)) {
      const key = `${action.advice}|${action.title}|${JSON.stringify(action.edits)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      entries.push({ item: actionAdvice(view, action, region), region });
    }
  }
  return entries;
}

/** The ranges actions are asked for: the whole text, or each notebook cell (an action never spans cells). */
function regions(source: Source): Range[] {
  if (!source.notebook) {
    const last = Math.max(0, lineCount(source) - 1);
    return [{ start: { line: 0, character: 0 }, end: { line: last, character: lineText(source, last).length } }];
  }
  return source.segments.map((s) => ({
    start: { line: s.firstLine, character: 0 },
    end: { line: s.firstLine + Math.max(0, s.lineCount - 1), character: 0 },
  }));
}
