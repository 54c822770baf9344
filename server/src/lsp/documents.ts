// Open documents and notebooks: their text, a tree-sitter tree kept up to date by incremental
// re-parse from each content change, one analysis cached per version, and debounced re-analysis.
import {
  TextDocuments,
  NotebookDocuments,
  type Connection,
  type TextDocumentContentChangeEvent,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { ParsedSource, SourceParser, TextEdit as TreeEdit } from '../core/parse/parser';
import type { SyntaxNode } from '../core/parse/syntax';
import type { FileReport } from '../core/report/types';
import { analyzeSource, analyzeTree, MAX_SOURCE_BYTES, type AnalyzeOptions } from '../core/analysis/analyzeSource';
import { analyzeGrouped, GroupCache } from '../core/analysis/groupAnalysis';
import { analyzeTypeScript } from '../core/analysis/analyzeTfjs';
import type { ModelCatalog } from '../core/catalog/modelCatalog';
import { HfConfigResolver } from '../core/catalog/hfCache';
import { dirname } from 'node:path';
import { inputFindings } from '../core/analysis/findings';
import { applyChanges } from './editTracking';
import { notebookSource } from './notebooks';
import { textSource, type Source, type SourceLanguage } from '../ide/sources';
import type { Analysis, AnalysisOptions } from '../ide/analysis';

export type { Analysis, AnalysisOptions };
import { MemoryGuard } from './memoryGuard';
import { classesNeedingArguments, withFiguresBuiltElsewhere, type ImportingDocument } from '../ide/builtElsewhere';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  ParsedModules,
  diskFiles,
  type ImportOptions,
  type ImportPaths,
  type SourceFiles,
} from '../core/analysis/imports';

/** Called when a source settles after edits, and when documents close. */
export interface DocumentEvents {
  settled(key: string): void;
  closed(uris: string[]): void;
  /** A source's cached analysis was dropped though its text did not change (a file it imports did). */
  invalidated?(key: string): void;
}

/** Past this many unparsed edits, the next parse starts from scratch (and the list stops growing). */
const MAX_PENDING_EDITS = 5000;

interface ParseState {
  parsed: ParsedSource | null;
  /** Edits made since `parsed` was built, oldest first; null means "parse from scratch". */
  pending: TreeEdit[] | null;
  /** True while every edit since the last analysis only changed the text of comments on one line. */
  commentOnly: boolean;
}

/** Text documents and notebooks, with parse state and cached analyses. */
export class DocumentStore {
  readonly texts: TextDocuments<TextDocument>;
  readonly notebooks: NotebookDocuments<TextDocument>;
  private readonly parseStates = new Map<string, ParseState>();
  private readonly analyses = new Map<string, Analysis>();
  private readonly notebookVersions = new Map<string, number>();
  private readonly notebookSources = new Map<string, Source>();
  private readonly textSources = new Map<string, Source>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly scriptTrees = new WeakMap<Source, SyntaxNode | null>();
  /** Per document: the results of its independent statement groups, so an edit re-runs only its group. */
  private readonly groupCaches = new Map<string, GroupCache>();
  private readonly memory = new MemoryGuard();
  /** Imported files parsed once per path and content, for every document's analyses. */
  private readonly parsedModules = new ParsedModules();
  /** Per document: the files its last analysis read through its imports. */
  private readonly dependencies = new Map<string, Set<string>>();
  /** The workspace folders and the Python environment's library folders imports are searched in. */
  private importPaths: ImportPaths = { workspaceRoots: [], libraryPaths: [] };

  constructor(
    private readonly parser: SourceParser,
    private readonly events: DocumentEvents,
    private readonly catalog: () => ModelCatalog | undefined = () => undefined,
    private readonly debounceMs = 150,
  ) {
    this.texts = new TextDocuments<TextDocument>({
      create: (uri, languageId, version, content) => this.created(uri, languageId, version, content),
      update: (doc, changes, version) => this.updated(doc, changes, version),
    });
    this.notebooks = new NotebookDocuments<TextDocument>({
      create: (uri, languageId, version, content) => TextDocument.create(uri, languageId, version, content),
      update: (doc, changes, version) => TextDocument.update(doc, changes, version),
    });
  }

  /** Sets where imports are found: the workspace folders and the library folders of the user's Python. */
  setImportPaths(paths: ImportPaths): void {
    this.importPaths = paths;
    this.invalidate();
  }

  /**
   * A file changed (an open document edited, or a file on disk): documents whose last analysis
   * imported it are analysed again, since their figures may come from it.
   */
  fileChanged(uri: string): void {
    if (!uri.startsWith('file:')) return;
    const path = fileURLToPath(uri);
    this.parsedModules.forget(path);
    for (const [key, paths] of this.dependencies) {
      if (key === uri || !paths.has(path)) continue;
      this.analyses.delete(key);
      this.groupCaches.delete(key);
      this.events.invalidated?.(key);
      this.schedule(key);
    }
  }

  /** Starts listening for text and notebook synchronisation on `connection`. */
  listen(connection: Connection): void {
    this.texts.onDidChangeContent((e) => {
      this.schedule(e.document.uri);
      this.fileChanged(e.document.uri);
    });
    this.texts.onDidClose((e) => this.forget(e.document.uri, [e.document.uri]));
    this.texts.listen(connection);
    this.notebooks.onDidOpen((nb) => this.notebookChanged(nb.uri));
    this.notebooks.onDidChange((e) => this.notebookChanged(e.notebookDocument.uri));
    this.notebooks.onDidClose((nb) =>
      this.forget(
        nb.uri,
        nb.cells.map((c) => c.document),
      ),
    );
    this.notebooks.listen(connection);
  }

  /** The source that document `uri` (a text document, a notebook, or a notebook cell) belongs to. */
  sourceFor(uri: string): Source | undefined {
    const doc = this.texts.get(uri);
    if (doc) return languageOf(doc) ? this.textSourceOf(doc) : undefined;
    const notebook = this.notebooks.getNotebookDocument(uri) ?? this.notebooks.findNotebookDocumentForCell(uri);
    return notebook ? this.notebookSourceOf(notebook.uri) : undefined;
  }

  /** Keys of every open source (Python text documents and notebooks). */
  openKeys(): string[] {
    const keys = this.texts
      .all()
      .filter((d) => languageOf(d))
      .map((d) => d.uri);
    for (const nb of this.notebookVersions.keys()) keys.push(nb);
    return keys;
  }

  /**
   * The analysis of `source` with `options`, from the cache when the version and options match, or
   * when every edit since only changed comments (the core ignores them): then only the tree is updated.
   */
  analysisOf(source: Source, options: AnalysisOptions): Analysis {
    const cached = this.analyses.get(source.key);
    if (cached && sameOptions(cached.options, options)) {
      if (cached.source.version === source.version) return cached;
      const reused = this.afterCommentEdits(cached, source);
      if (reused) return reused;
    }
    const started = performance.now();
    const { file, root, reduced } = this.analyse(source, options);
    const analysis: Analysis = { source, options, file, root, ms: performance.now() - started, reduced };
    this.analyses.set(source.key, analysis);
    this.refreshClassesBuiltHere(source.key, file);
    this.memory.check();
    const state = this.parseStates.get(source.key);
    if (state) state.commentOnly = !source.notebook && root !== null;
    if (!cached) this.warmUp(analysis);
    return analysis;
  }

  /**
   * After a document's first analysis, runs it once more while the editor is idle: the memo of module
   * calls then holds trees to take over, and the code that takes them over is compiled, before the
   * first keystroke. Skipped if the document changed meanwhile; the result is not needed.
   */
  private warmUp(first: Analysis): void {
    const { source, options, root } = first;
    if (source.notebook || source.language !== 'python' || !root) return;
    const memo = this.groupCaches.get(source.key)?.memo;
    if (!memo || memo.instances.size === 0) return;
    setTimeout(() => {
      const pending = this.parseStates.get(source.key)?.pending;
      if (
        this.analyses.get(source.key) !== first ||
        this.texts.get(source.key)?.version !== source.version ||
        pending?.length !== 0
      )
        return;
      try {
        this.analyse(source, options);
        this.memory.check();
      } catch {
        /* a warm-up has nothing to report */
      }
    }, 0);
  }

  /** The cached analysis moved to `source`'s version, when only comments changed since. */
  private afterCommentEdits(cached: Analysis, source: Source): Analysis | undefined {
    const state = this.parseStates.get(source.key);
    if (!state?.commentOnly || !cached.root || source.notebook) return undefined;
    const started = performance.now();
    const parsed = this.parse(source);
    const analysis: Analysis = { ...cached, source, root: parsed.root, ms: performance.now() - started };
    this.analyses.set(source.key, analysis);
    return analysis;
  }

  /**
   * The syntax tree of `source`: the analysed tree for Python, and for TypeScript / JavaScript (whose
   * analysis keeps none) a parse made on demand, once per version; null when it cannot be parsed.
   */
  syntaxOf(source: Source): SyntaxNode | null {
    if (source.language === 'python') return this.analyses.get(source.key)?.root ?? null;
    if (!this.scriptTrees.has(source)) {
      let root: SyntaxNode | null = null;
      if (!inputFindings(source.text, MAX_SOURCE_BYTES).length) {
        try {
          const parsed = this.parser.parse(source.text, source.language);
          root = parsed.root;
          parsed.tree.delete();
        } catch {
          /* no tree: no actions */
        }
      }
      this.scriptTrees.set(source, root);
    }
    return this.scriptTrees.get(source)!;
  }

  /** Drops every cached analysis (settings that change the analysis itself changed). */
  invalidate(): void {
    this.analyses.clear();
    this.groupCaches.clear();
  }

  /** Schedules the debounced re-analysis of the source `uri` belongs to; a newer edit restarts the wait. */
  schedule(uri: string): void {
    const key = this.sourceFor(uri)?.key ?? uri;
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.events.settled(key);
      }, this.debounceMs),
    );
  }

  private created(uri: string, languageId: string, version: number, content: string): TextDocument {
    this.resetParse(uri);
    return TextDocument.create(uri, languageId, version, content);
  }

  private updated(doc: TextDocument, changes: Parameters<typeof applyChanges>[1], version: number): TextDocument {
    const state = this.parseStates.get(doc.uri);
    const { edits, full } = applyChanges(doc, changes, version, (before, change) => {
      if (state?.commentOnly && !editsCommentOnly(state, before, change)) state.commentOnly = false;
    });
    if (state && state.pending && !full && state.pending.length < MAX_PENDING_EDITS) state.pending.push(...edits);
    else if (state) state.pending = null;
    return doc;
  }

  /** One Source object per document version, so per-source caches (line starts) are shared. */
  private textSourceOf(doc: TextDocument): Source {
    const cached = this.textSources.get(doc.uri);
    if (cached && cached.version === doc.version) return cached;
    const source = textSource(doc.uri, doc.version, doc.getText(), languageOf(doc));
    this.textSources.set(doc.uri, source);
    return source;
  }

  private notebookChanged(uri: string): void {
    this.notebookVersions.set(uri, (this.notebookVersions.get(uri) ?? 0) + 1);
    this.notebookSources.delete(uri);
    this.schedule(uri);
  }

  private notebookSourceOf(uri: string): Source | undefined {
    const notebook = this.notebooks.getNotebookDocument(uri);
    if (!notebook) return undefined;
    const version = this.notebookVersions.get(uri) ?? 0;
    let source = this.notebookSources.get(uri);
    if (!source || source.version !== version) {
      source = notebookSource(this.parser, notebook, (cell) => this.notebooks.cellTextDocuments.get(cell), version);
      this.notebookSources.set(uri, source);
    }
    return source;
  }

  private forget(key: string, uris: string[]): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.resetParse(key);
    this.parseStates.delete(key);
    this.analyses.delete(key);
    this.groupCaches.delete(key);
    this.notebookVersions.delete(key);
    this.notebookSources.delete(key);
    this.textSources.delete(key);
    this.dependencies.delete(key);
    this.events.closed(uris);
  }

  private resetParse(key: string): void {
    const state = this.parseStates.get(key);
    state?.parsed?.tree.delete();
    this.parseStates.set(key, { parsed: null, pending: null, commentOnly: false });
  }

  /** Parses (incrementally when it can) and runs the core; never throws. */
  private analyse(
    source: Source,
    options: AnalysisOptions,
  ): { file: FileReport; root: SyntaxNode | null; reduced?: boolean } {
    const file = source.key;
    const common = {
      file,
      precision: options.precision,
      batch: options.batch ?? undefined,
      input: options.exampleInput?.shapes,
      inputDtypes: options.exampleInput?.dtypes,
      configResolver,
      baseDir: folderOf(file),
    };
    const refused = inputFindings(source.text, MAX_SOURCE_BYTES);
    if (refused.length) {
      this.resetParse(source.key);
      // A too-large Python text is analysed in part by the core (largeSource.ts); its tree is not kept (no actions).
      if (refused[0].code !== 'too-large' || source.language !== 'python')
        return { file: { file, models: [], diagnostics: refused }, root: null };
      return {
        file: analyzeSource(this.parser, source.text, { ...common, catalog: this.catalog() }),
        root: null,
        reduced: true,
      };
    }
    try {
      if (source.language !== 'python')
        return {
          file: analyzeTypeScript(this.parser, source.text, { ...common, language: source.language }),
          root: null,
        };
      const parsed = this.parse(source);
      const report = this.builtElsewhere(
        source,
        this.reportOf(source, parsed.root, { ...common, catalog: this.catalog() }),
      );
      if (source.findings) report.diagnostics.unshift(...source.findings);
      return { file: report, root: parsed.root };
    } catch (e) {
      this.resetParse(source.key);
      return { file: { file, models: [], diagnostics: [internalFinding(e)] }, root: null };
    }
  }

  /**
   * A text document is analysed group by group when its statements split into independent groups
   * (the same report, with only the edited group re-run); a notebook, or a file that does not split, whole.
   */
  private reportOf(source: Source, root: SyntaxNode, options: AnalyzeOptions): FileReport {
    if (source.notebook) return analyzeTree(this.parser, root, source.text, options);
    if (source.key.startsWith('file:')) {
      // The files read accumulate: a grouped analysis whose groups all come from the cache reads none,
      // yet the document still depends on what its imports read before.
      let read = this.dependencies.get(source.key);
      if (!read) this.dependencies.set(source.key, (read = new Set<string>()));
      options = { ...options, imports: this.importsOf(source.key, read) };
    }
    let cache = this.groupCaches.get(source.key);
    if (!cache) this.groupCaches.set(source.key, (cache = new GroupCache()));
    const grouped = analyzeGrouped(this.parser, root, source.text, options, cache);
    return grouped?.report ?? analyzeTree(this.parser, root, source.text, options, cache.memo);
  }

  /** A file's classes that need arguments, with the figures of an open document that builds them. */
  private builtElsewhere(source: Source, file: FileReport): FileReport {
    if (!source.key.startsWith('file:') || !classesNeedingArguments(file).size) return file;
    const others: ImportingDocument[] = [];
    for (const [key, analysis] of this.analyses) {
      const reads = this.dependencies.get(key);
      if (key !== source.key && reads?.size && key.startsWith('file:'))
        others.push({ path: fileURLToPath(key), file: analysis.file, reads });
    }
    return withFiguresBuiltElsewhere(file, fileURLToPath(source.key), others);
  }

  /**
   * After `key` was analysed: an open document it imports whose class waits for arguments that this
   * one builds is analysed again, to take the figures (its own groups come from the cache).
   */
  private refreshClassesBuiltHere(key: string, file: FileReport): void {
    const roots = new Set(file.models.filter((m) => m.root).map((m) => m.name));
    for (const path of this.dependencies.get(key) ?? []) {
      const uri = pathToFileURL(path).href;
      const imported = this.analyses.get(uri);
      if (!imported || ![...classesNeedingArguments(imported.file)].some((name) => roots.has(name))) continue;
      this.analyses.delete(uri);
      this.events.invalidated?.(uri);
      this.schedule(uri);
    }
  }

  /** Where a document's imports are found; open documents are read from the editor, others from disk. */
  private importsOf(uri: string, read: Set<string>): ImportOptions {
    const disk = diskFiles();
    const files: SourceFiles = {
      read: (path) => this.texts.get(pathToFileURL(path).href)?.getText() ?? disk.read(path),
      isDirectory: (path) => disk.isDirectory(path),
    };
    return { files, paths: this.importPaths, parsed: this.parsedModules, scriptPath: fileURLToPath(uri), read };
  }

  /** The tree for `source`: reused, re-parsed from pending edits, or parsed from scratch. */
  private parse(source: Source): ParsedSource {
    let state = this.parseStates.get(source.key);
    if (!state) {
      state = { parsed: null, pending: null, commentOnly: false };
      this.parseStates.set(source.key, state);
    }
    const { parsed, pending } = state;
    if (parsed && pending && pending.length === 0 && parsed.text === source.text) return parsed;
    const incremental = !!parsed && !!pending && pending.length > 0 && !source.notebook;
    state.parsed = this.parser.reparseEdits(parsed, source.text, incremental ? pending! : [], 'python');
    state.pending = [];
    return state.parsed;
  }
}

/**
 * Whether a change only edits the comment that ends its line: one line, after the `#`, no line
 * breaks, and no `# wattlens:` directive before or after (the core reads those).
 */
function editsCommentOnly(state: ParseState, doc: TextDocument, change: TextDocumentContentChangeEvent): boolean {
  if (!('range' in change) || !state.parsed) return false;
  const { start, end } = change.range;
  if (start.line !== end.line || /[\r\n]/.test(change.text)) return false;
  const column = commentColumnOn(state.parsed.root, start.line);
  if (column === undefined || start.character <= column) return false;
  const line = doc.getText({ start: { line: start.line, character: 0 }, end: { line: start.line + 1, character: 0 } });
  const after = line.slice(0, start.character) + change.text + line.slice(end.character);
  return !/wattlens/i.test(line) && !/wattlens/i.test(after);
}

/**
 * The start column of the comment on `line`, if any (a comment always runs to the end of its line).
 * It descends only through the nodes spanning that line, so a keystroke does not walk the whole tree.
 */
function commentColumnOn(root: SyntaxNode, line: number): number | undefined {
  let nodes = root.children;
  for (;;) {
    const comment = nodes.find((n) => n.type === 'comment' && n.range.start.line === line);
    if (comment) return comment.range.start.character;
    const next = nodes.find((n) => n.range.start.line <= line && n.range.end.line >= line && n.children.length > 0);
    if (!next) return undefined;
    nodes = next.children;
  }
}

/** The language a text document is analysed as; undefined for languages WattLens does not read. */
function languageOf(doc: TextDocument): SourceLanguage | undefined {
  const id = doc.languageId;
  if (id === 'python' || /\.pyi?$/i.test(doc.uri)) return 'python';
  if (id === 'typescriptreact' || id === 'javascriptreact' || /\.[jt]sx$/i.test(doc.uri)) return 'tsx';
  if (id === 'typescript' || id === 'javascript' || /\.(ts|mts|cts|js|mjs|cjs)$/i.test(doc.uri)) return 'typescript';
  return undefined;
}

function sameOptions(a: AnalysisOptions, b: AnalysisOptions): boolean {
  return a.precision === b.precision && a.batch === b.batch && a.exampleInput === b.exampleInput;
}

function internalFinding(e: unknown): FileReport['diagnostics'][number] {
  const message = `WattLens could not analyse this file: ${(e as Error)?.message ?? String(e)}`;
  return {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: 'information',
    code: 'internal',
    message,
  };
}

/** Resolves after pending I/O (cancellations included) has been processed. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** config.json files for Hugging Face loads, read once per path and modification time (a stat per load after that). */
const configResolver = new HfConfigResolver();

/** The folder of a file:// document, for `from_pretrained("./local/dir")`; undefined for other schemes. */
function folderOf(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return dirname(fileURLToPath(uri));
  } catch {
    return undefined;
  }
}
