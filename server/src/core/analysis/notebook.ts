// Jupyter notebooks: the code cells analysed in order as one program, with every range, message and
// input source mapped back to (cell index, line within the cell). Takes a list of cells, not a path,
// so the language server can pass what notebook document sync gives it.
import type { SourceParser } from '../parse/parser';
import type { Range } from '../parse/syntax';
import type { FileReport, Finding } from '../report/types';
import { analyzeSource, analyzeWithGraphs, type AnalyzeOptions } from './analyzeSource';
import type { ModelGraph } from '../report/graph';
import { syntaxFindings } from './findings';
import type { NotebookCell } from './notebookJson';

export { parseNotebook, NotebookError, type NotebookCell, type ParsedNotebook } from './notebookJson';

/** Options of a notebook analysis: those of a file, plus the kernel language (only Python is analysed). */
export interface CellAnalyzeOptions extends AnalyzeOptions {
  language?: string;
}

/** Cell magics whose body is still Python (the magic line alone is dropped). */
const PYTHON_CELL_MAGICS = new Set([
  'time',
  'timeit',
  'capture',
  'prun',
  'debug',
  'pypy',
  'python',
  'python3',
  'autoreload',
]);

const ZERO: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/**
 * Analyses a notebook's cells: code cells are joined in order (IPython magics and shell lines
 * blanked so they parse; statements of a cell that does not parse dropped, with the error located
 * in that cell), analysed as one file, and every range of the report is made cell-local with `cell` set.
 */
export function analyzeCells(parser: SourceParser, cells: NotebookCell[], options: CellAnalyzeOptions): FileReport {
  return analyzeJoined(parser, cells, options, (text) => ({ report: analyzeSource(parser, text, options), graphs: [] }))
    .report;
}

/** analyzeCells, with the dataflow graph of each traced root (the profiler's input); layer rows stay cell-local. */
export function analyzeCellsWithGraphs(
  parser: SourceParser,
  cells: NotebookCell[],
  options: CellAnalyzeOptions,
): { report: FileReport; graphs: ModelGraph[] } {
  return analyzeJoined(parser, cells, options, (text) => analyzeWithGraphs(parser, text, options));
}

function analyzeJoined(
  parser: SourceParser,
  cells: NotebookCell[],
  options: CellAnalyzeOptions,
  analyze: (text: string) => { report: FileReport; graphs: ModelGraph[] },
): { report: FileReport; graphs: ModelGraph[] } {
  const language = options.language ?? 'python';
  if (!/^(python|ipython)\d*$/.test(language)) {
    const report: FileReport = {
      file: options.file,
      models: [],
      diagnostics: [
        {
          range: ZERO,
          severity: 'error',
          code: 'language',
          message: `the notebook's kernel language is ${language}: only Python notebooks are analysed`,
          cell: cells[0]?.index,
        },
      ],
    };
    return { report, graphs: [] };
  }
  const joined = joinCells(parser, cells);
  if (joined.cells.length === 0) {
    const report: FileReport = {
      file: options.file,
      models: [],
      diagnostics: [
        {
          range: ZERO,
          severity: 'information',
          code: 'empty',
          message: 'the notebook has no code cells',
          cell: cells[0]?.index,
        },
      ],
    };
    return { report, graphs: [] };
  }
  const map = new CellMap(joined.prepared.map((p) => ({ index: p.index, lines: p.lines })));
  const { report, graphs } = analyze(joined.text);
  remapReport(report, map);
  report.diagnostics.unshift(...joined.findings);
  return { report, graphs };
}

/** The code cells joined into one program, where each cell's lines sit in it, and the cells' own findings (cell-local). */
export interface JoinedCells {
  text: string;
  cells: { index: number; firstLine: number; lineCount: number }[];
  findings: Finding[];
  prepared: PreparedCell[];
}

/**
 * Joins the code cells in order (magics blanked, statements of a cell that does not parse dropped),
 * keeping line numbers: the language server uses this too, with notebook document sync.
 */
export function joinCells(parser: SourceParser, cells: NotebookCell[]): JoinedCells {
  const prepared = cells.filter((c) => c.kind === 'code').map((c) => prepareCell(parser, c));
  let line = 0;
  const placed = prepared.map((p) => {
    const at = { index: p.index, firstLine: line, lineCount: p.lines.length };
    line += p.lines.length;
    return at;
  });
  return {
    text: prepared.flatMap((p) => p.lines).join('\n'),
    cells: placed,
    findings: prepared.flatMap((p) => p.findings),
    prepared,
  };
}

/** A code cell made ready to join: its lines (magics blanked, unparsable statements dropped) and its own findings. */
export interface PreparedCell {
  index: number;
  lines: string[];
  findings: Finding[];
}

function prepareCell(parser: SourceParser, cell: NotebookCell): PreparedCell {
  const lines = cell.source.split('\n').map((l) => l.replace(/\r$/, ''));
  const findings: Finding[] = [];
  blankMagics(lines, cell.index, findings);
  const parsed = parser.parse(lines.join('\n'), 'python');
  try {
    const errors = syntaxFindings(parsed.root);
    if (errors.length) {
      findings.push(...errors.map((f) => ({ ...f, cell: cell.index })));
      const bad = parsed.root.children.filter((n) => n.hasError || n.isMissing || n.type === 'ERROR');
      for (const n of bad) {
        const last =
          n.range.end.character === 0 && n.range.end.line > n.range.start.line
            ? n.range.end.line - 1
            : n.range.end.line;
        for (let l = n.range.start.line; l <= last && l < lines.length; l++) lines[l] = '';
      }
      findings.push({
        range: bad[0]?.range ?? errors[0].range,
        severity: 'warning',
        code: 'cell-skipped',
        cell: cell.index,
        message: `cell ${cell.index + 1} does not parse: ${bad.length || 'its'} statement${bad.length === 1 ? '' : 's'} with syntax errors ${bad.length === 1 ? 'was' : 'were'} skipped, the rest of the notebook was analysed`,
      });
    }
  } finally {
    parsed.tree.delete();
  }
  return { index: cell.index, lines, findings };
}

/** Blanks IPython syntax: `%magic` and `!shell` lines, `x = !cmd`, `obj?` help, and non-Python `%%` cells. */
function blankMagics(lines: string[], cell: number, findings: Finding[]): void {
  const first = lines.findIndex((l) => l.trim() !== '');
  const cellMagic = first >= 0 ? /^\s*%%(\w+)/.exec(lines[first]) : null;
  if (cellMagic) {
    if (!PYTHON_CELL_MAGICS.has(cellMagic[1])) {
      lines.fill('');
      findings.push({
        range: { start: { line: first, character: 0 }, end: { line: first, character: cellMagic[0].length } },
        severity: 'information',
        code: 'magic',
        cell,
        message: `cell ${cell + 1} is a %%${cellMagic[1]} cell, not Python: skipped`,
      });
      return;
    }
    lines[first] = '';
  }
  let skipped = 0;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const indent = /^\s*/.exec(l)![0];
    const continues = i > 0 && /([([{,\\+\-*/%=<>|&^]|\band|\bor)\s*$/.test(lines[i - 1]);
    if (continues) continue;
    const timed = /^\s*%(time|timeit|prun|capture)\s+(?:-\S+\s+)*(\S.*)$/.exec(l);
    if (timed) {
      lines[i] = `${indent}${timed[2]}`;
      skipped++;
    } else if (/^\s*[%!]/.test(l) || /^\s*\?\??[\w.]+\s*$/.test(l) || /^\s*[\w.]+\?\??\s*$/.test(l)) {
      lines[i] = indent ? `${indent}pass` : '';
      skipped++;
    } else if (/^\s*[\w.]+(\s*,\s*[\w.]+)*\s*=\s*[!%]/.test(l)) {
      lines[i] = l.replace(/=\s*[!%].*$/, '= None');
      skipped++;
    }
  }
  if (skipped) {
    findings.push({
      range: ZERO,
      severity: 'hint',
      code: 'magic',
      cell,
      message: `cell ${cell + 1}: ${skipped} IPython magic or shell line${skipped === 1 ? ' was' : 's were'} not analysed`,
    });
  }
}

/** Maps lines of the joined program to (notebook cell index, line within the cell). */
class CellMap {
  private readonly starts: number[] = [];

  constructor(private readonly cells: { index: number; lines: string[] }[]) {
    let line = 0;
    for (const c of cells) {
      this.starts.push(line);
      line += c.lines.length;
    }
  }

  /** The code cell (position in the list) holding joined line `line`. */
  private slot(line: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= line) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** A joined-program range as a cell-local range and the cell's notebook index. */
  range(r: Range): { range: Range; cell: number } {
    const slot = this.slot(r.start.line);
    const start = this.starts[slot];
    const lines = this.cells[slot].lines;
    const last = lines.length - 1;
    const end =
      r.end.line - start > last
        ? { line: last, character: lines[last].length }
        : { line: r.end.line - start, character: r.end.character };
    return {
      range: { start: { line: r.start.line - start, character: r.start.character }, end },
      cell: this.cells[slot].index,
    };
  }

  /** Rewrites "line N" (1-based, joined program) in a message as "cell C, line L" (cells counted from 1, as Jupyter shows them). */
  text(s: string): string {
    return s.replace(/\bline (\d+)\b/g, (_m, n: string) => {
      const { range, cell } = this.range({
        start: { line: Number(n) - 1, character: 0 },
        end: { line: Number(n) - 1, character: 0 },
      });
      return `cell ${cell + 1}, line ${range.start.line + 1}`;
    });
  }
}

/** Anything else in a report that carries a range (training runs), mapped the same way. */
interface Located {
  range: Range;
  cell?: number;
  unresolved?: { range: Range; reason: string; cell?: number }[];
}

/** Makes every range of a report cell-local and tags it with its cell (in place). */
function remapReport(report: FileReport, map: CellMap): void {
  for (const d of report.diagnostics) Object.assign(d, relocate(map, d.range), { message: map.text(d.message) });
  for (const run of (report as { trainingRuns?: Located[] }).trainingRuns ?? []) {
    Object.assign(run, relocate(map, run.range));
    for (const u of run.unresolved ?? []) Object.assign(u, relocate(map, u.range), { reason: map.text(u.reason) });
  }
  for (const m of report.models) {
    Object.assign(m, relocate(map, m.range));
    if (m.input) m.input.source = map.text(m.input.source);
    if (m.provenance) m.provenance = map.text(m.provenance);
    for (const u of m.unresolved) Object.assign(u, relocate(map, u.range), { reason: map.text(u.reason) });
    for (const l of m.layers) {
      const at = relocate(map, l.range);
      const call = l.callRange ? map.range(l.callRange) : null;
      Object.assign(l, at, { callRange: call && call.cell === at.cell ? call.range : null });
    }
  }
}

function relocate(map: CellMap, r: Range): { range: Range; cell: number } {
  return map.range(r);
}
