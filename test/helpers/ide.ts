// Feature tests at the ide/ level, without a server process: analyse a text as the editor does, put
// energy on it for a profile and settings, ask for actions, apply an action's edits to the text.
import { join } from 'node:path';
import { loadProfiles, getProfile } from '../../server/src/core/energy';
import { loadModelCatalog, type ModelCatalog } from '../../server/src/core/catalog/modelCatalog';
import type { Precision } from '../../server/src/core/report/types';
import { analyzeText } from '../../server/src/ide/analysis';
import { textSource, lineStarts, type Source } from '../../server/src/ide/sources';
import { estimate, type View } from '../../server/src/ide/view';
import { DEFAULT_SETTINGS, resolveSettings, type Settings } from '../../server/src/ide/settings';
import type { EditItem } from '../../server/src/ide/items';
import { loadParser, repoRoot } from './analyzer';

const profiles = loadProfiles({ profilesDir: join(repoRoot, 'profiles') });
let catalog: ModelCatalog | undefined;

/** The catalog beside the repository (profiles/models/), loaded once. */
export function testCatalog(): ModelCatalog {
  catalog ??= loadModelCatalog(join(repoRoot, 'profiles', 'models'), join(repoRoot, 'profiles', 'datasets.json'));
  return catalog;
}

/** What a view is made with: the profile id, and optionally the precision setting and batch. */
export interface ViewOptions {
  hardware: string;
  precision?: Precision;
  batch?: number;
  /** The file name (its extension picks the language). */
  file?: string;
}

/** The View the editor would have of `text` on `options.hardware`. */
export async function viewOf(text: string, options: ViewOptions): Promise<View> {
  const parser = await loadParser();
  const file = options.file ?? 'file:///test/model.py';
  const language = /\.(ts|js)$/.test(file) ? 'typescript' : 'python';
  const source: Source = textSource(file, 1, text, language);
  const profile = getProfile(profiles, options.hardware);
  const settings: Settings = resolveSettings(
    {
      ...DEFAULT_SETTINGS,
      hardware: options.hardware,
      precisionSetting: options.precision ?? 'auto',
      precision: options.precision ?? 'fp32',
      batchSize: options.batch ?? null,
    },
    profile,
  );
  const analysis = analyzeText(parser, source, {
    precision: settings.precision,
    batch: settings.batchSize,
    catalog: testCatalog(),
  });
  return estimate(analysis, profile, settings, testCatalog());
}

/** The whole text as a range (actions offered anywhere in it). */
export function wholeRange(text: string) {
  const lines = text.split('\n');
  return { start: { line: 0, character: 0 }, end: { line: lines.length - 1, character: lines.at(-1)!.length } };
}

/** The text after applying edits given in its line/character coordinates (applied from the last). */
export function applyItemEdits(text: string, edits: EditItem[]): string {
  const starts = lineStarts({ text } as Source);
  const offset = (p: { line: number; character: number }) =>
    p.line >= starts.length ? text.length : Math.min(starts[p.line] + p.character, text.length);
  // From the last edit back; edits at one offset keep their order in the text (as an editor applies them).
  const sorted = edits
    .map((e, i) => ({ e, i }))
    .sort((a, b) => offset(b.e.range.start) - offset(a.e.range.start) || b.i - a.i);
  let out = text;
  for (const { e } of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

let parserForSyntax: Awaited<ReturnType<typeof loadParser>> | undefined;
void loadParser().then((p) => (parserForSyntax = p));

/** The tree of a TypeScript / JavaScript source (the TF.js actions read one; the analysis keeps none). */
export function parseSyntax(source: Source) {
  const parsed = parserForSyntax!.parse(source.text, source.language);
  try {
    return parsed.root;
  } finally {
    parsed.tree.delete();
  }
}
