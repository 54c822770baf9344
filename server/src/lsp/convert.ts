// The one place that turns the features' plain items (source coordinates) into LSP types, mapping
// notebook source lines back to each cell's own URI and line, and clamping characters to the line.
import {
  CodeActionKind,
  DiagnosticSeverity,
  InlayHintKind,
  MarkupKind,
  type CodeAction,
  type CodeLens,
  type Diagnostic,
  type Hover,
  type InlayHint,
  type Range as LspRange,
  type TextEdit,
} from 'vscode-languageserver';
import type { Range } from '../core/parse/syntax';
import type { ModelReport } from '../core/report/types';
import { PROFILE_MODEL_COMMAND, type ProfileModelArgs } from '../protocol';
import type { ActionItem, FindingItem, HintItem, HoverItem, LensItem } from '../ide/items';
import { fromSegment, inUserTerms, lineText, segmentAt, toSegmentRange, type Source } from '../ide/sources';

const SOURCE = 'wattlens';

/** Source lines [from, to] covered by a range of document `uri` (a cell maps into its notebook). */
export function sourceLines(source: Source, uri: string, range: LspRange): { from: number; to: number } | undefined {
  const from = fromSegment(source, uri, range.start.line);
  const to = fromSegment(source, uri, range.end.line);
  return from === undefined || to === undefined ? undefined : { from, to };
}

/** A position of document `uri` in source coordinates. */
export function sourcePosition(
  source: Source,
  uri: string,
  pos: { line: number; character: number },
): { line: number; character: number } | undefined {
  const line = fromSegment(source, uri, pos.line);
  return line === undefined ? undefined : { line, character: pos.character };
}

/** A range of document `uri` in source coordinates. */
export function sourceRange(source: Source, uri: string, range: LspRange): Range | undefined {
  const start = sourcePosition(source, uri, range.start);
  const end = sourcePosition(source, uri, range.end);
  return start && end ? { start, end } : undefined;
}

/** Inlay hints that fall in document `uri`. */
export function toInlayHints(source: Source, uri: string, items: HintItem[]): InlayHint[] {
  const out: InlayHint[] = [];
  for (const item of items) {
    const segment = segmentAt(source, item.line);
    if (segment?.uri !== uri) continue;
    out.push({
      position: { line: item.line - segment.firstLine, character: lineText(source, item.line).length },
      label: item.label,
      kind: InlayHintKind.Type,
      paddingLeft: true,
      tooltip: { kind: MarkupKind.Markdown, value: item.tooltip },
    });
  }
  return out;
}

/** A hover, when its range lies in document `uri`. */
export function toHover(source: Source, uri: string, item: HoverItem | undefined): Hover | null {
  const mapped = item && mapRange(source, item.range);
  if (!item || !mapped || mapped.uri !== uri) return null;
  return { contents: { kind: MarkupKind.Markdown, value: item.markdown }, range: mapped.range };
}

/** Code lenses that fall in document `uri`; `Profile locally` runs the client's command. */
export function toCodeLenses(source: Source, uri: string, items: LensItem[]): CodeLens[] {
  const out: CodeLens[] = [];
  for (const item of items) {
    const mapped = mapRange(source, item.range);
    if (!mapped || mapped.uri !== uri) continue;
    const args: ProfileModelArgs | undefined = item.profileModel
      ? { uri: mapped.uri, model: item.profileModel, range: mapped.range }
      : undefined;
    out.push({
      range: mapped.range,
      command: { title: item.title, command: args ? PROFILE_MODEL_COMMAND : '', arguments: args ? [args] : undefined },
    });
  }
  return out;
}

/** Diagnostics per document: every document of the source gets an entry (empty clears old ones). */
export function toDiagnostics(source: Source, items: FindingItem[]): Map<string, Diagnostic[]> {
  const out = new Map<string, Diagnostic[]>(source.segments.map((s) => [s.uri, []]));
  for (const item of items) {
    const mapped = mapRange(source, item.range);
    if (mapped) out.get(mapped.uri)?.push(toDiagnostic(item, mapped.range));
  }
  return out;
}

function toDiagnostic(item: FindingItem, range: LspRange): Diagnostic {
  return { range, severity: SEVERITY[item.severity], code: item.code, source: SOURCE, message: item.message };
}

const SEVERITY = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
} as const;

/** Code actions whose every edit maps into an open document. */
export function toCodeActions(source: Source, items: ActionItem[]): CodeAction[] {
  const out: CodeAction[] = [];
  for (const item of items) {
    const changes: Record<string, TextEdit[]> = {};
    let ok = true;
    for (const edit of item.edits) {
      const mapped = mapRange(source, edit.range);
      if (!mapped) {
        ok = false;
        break;
      }
      (changes[mapped.uri] ??= []).push({ range: mapped.range, newText: edit.newText });
    }
    if (!ok) continue;
    const diagnostics = item.fixes?.flatMap((f) => {
      const m = mapRange(source, f.range);
      return m ? [toDiagnostic(f, m.range)] : [];
    });
    out.push({
      title: item.title,
      kind: item.kind === 'quickfix' ? CodeActionKind.QuickFix : CodeActionKind.RefactorRewrite,
      edit: { changes },
      diagnostics: diagnostics?.length ? diagnostics : undefined,
      isPreferred: item.preferred,
    });
  }
  return out;
}

/** A source range in its owning document, with characters clamped to the lines. */
export function mapRange(source: Source, range: Range): { uri: string; range: LspRange } | undefined {
  const mapped = toSegmentRange(source, range);
  if (!mapped) return undefined;
  const { segment } = mapped;
  const clamp = (p: { line: number; character: number }) => ({
    line: p.line,
    character: Math.max(0, Math.min(p.character, lineText(source, p.line + segment.firstLine).length)),
  });
  return { uri: segment.uri, range: { start: clamp(mapped.range.start), end: clamp(mapped.range.end) } };
}

/** The models as `wattlens/modelReport` returns them: for notebooks, ranges are made cell-local and tagged with the cell index. */
export function toModelReports(source: Source, models: ModelReport[]): ModelReport[] {
  if (!source.notebook) return models;
  const local = (r: Range) => {
    const m = toSegmentRange(source, r);
    return m
      ? { range: m.range, cell: m.segment.cell ?? source.segments.indexOf(m.segment) }
      : { range: r, cell: undefined };
  };
  return models.map((model) => {
    const head = local(model.range);
    // Sentences that name lines (where the input or a generate call's workload came from) in cell terms, as hovers say them.
    return {
      ...model,
      range: head.range,
      cell: head.cell,
      input: model.input && { ...model.input, source: inUserTerms(source, model.input.source) },
      ...(model.generation
        ? { generation: { ...model.generation, source: inUserTerms(source, model.generation.source) } }
        : {}),
      layers: model.layers.map((l) => {
        const def = local(l.range);
        return { ...l, range: def.range, callRange: l.callRange ? local(l.callRange).range : null, cell: def.cell };
      }),
      unresolved: model.unresolved.map((u) => ({ ...u, ...local(u.range) })),
    };
  });
}
