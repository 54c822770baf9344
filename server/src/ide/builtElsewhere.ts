// A class of one file that needs constructor arguments has no figures of its own: the language
// server knows the open documents that import the file, and when one of them builds the class (a
// `train.py` doing `Net(width=64)`), the class's report takes that model's figures, saying where from.
import { basename } from 'node:path';
import type { FileReport, ModelReport } from '../core/report/types';

/** The reason a class has no figures because it needs arguments (modelReports.ts notBuiltReason). */
const NEEDS_ARGUMENTS = /needs arguments to be built/;

/** Another analysed document: where it is, what it reported, and the files its imports read. */
export interface ImportingDocument {
  path: string;
  file: FileReport;
  reads: ReadonlySet<string>;
}

/** The classes of `file` that wait for arguments (already given figures from elsewhere, or not), by name. */
export function classesNeedingArguments(file: FileReport): Set<string> {
  const waiting = (m: ModelReport) =>
    !m.root && (m.unresolved.some((u) => NEEDS_ARGUMENTS.test(u.reason)) || BUILT_ELSEWHERE.test(m.provenance ?? ''));
  return new Set(file.models.filter(waiting).map((m) => m.name));
}

/** The provenance figuresFrom writes. */
const BUILT_ELSEWHERE = /needs constructor arguments to build/;

/**
 * `file` (the document at `path`) with each class that needs arguments given the figures of the
 * model an importing document builds from it, when one does; the others keep their reason.
 */
export function withFiguresBuiltElsewhere(file: FileReport, path: string, others: ImportingDocument[]): FileReport {
  const waiting = classesNeedingArguments(file);
  if (!waiting.size) return file;
  const models = file.models.map((m) => {
    if (!waiting.has(m.name)) return m;
    for (const other of others) {
      if (other.path === path || !other.reads.has(path)) continue;
      const built = other.file.models.find((r) => r.root && r.framework === m.framework && r.name === m.name);
      if (built) return figuresFrom(m, built, other.path);
    }
    return m;
  });
  return { ...file, models };
}

/** The block report of a class carrying the totals and input of the model built from it elsewhere. */
function figuresFrom(block: ModelReport, built: ModelReport, path: string): ModelReport {
  const where = `${basename(path)} line ${built.range.start.line + 1}`;
  // Its layers ran in the other file: here they are placed on the class, so time and energy follow from them.
  const layers = built.layers.map((l) => ({ ...l, range: block.range, callRange: null }));
  return {
    ...block,
    layers,
    totals: built.totals,
    input: built.input,
    unresolved: built.unresolved.map((u) => ({ range: block.range, reason: `${where}: ${u.reason}` })),
    provenance: `as ${where} builds it (this file needs constructor arguments to build ${block.name})`,
  };
}
