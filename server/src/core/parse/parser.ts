// Loads the tree-sitter runtime and grammars from paths the caller passes in, and parses source
// text (incrementally, when given the previous tree and the edit) into SyntaxNode mirrors.
import { Parser, Language, Edit, type Tree } from 'web-tree-sitter';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mirrorTree, type SyntaxNode } from './syntax';
import { mirrorIncrementally } from './incrementalMirror';

/** Languages WattLens reads. */
export type LanguageId = 'python' | 'typescript' | 'tsx';

const GRAMMAR_FILES: Record<LanguageId, string> = {
  python: 'tree-sitter-python.wasm',
  typescript: 'tree-sitter-typescript.wasm',
  tsx: 'tree-sitter-tsx.wasm',
};

/** A parse result: the tree-sitter tree (kept for incremental re-parse) and its plain mirror. */
export interface ParsedSource {
  tree: Tree;
  root: SyntaxNode;
  text: string;
  language: LanguageId;
}

/** Parsers for every language, created once from a grammars directory. */
export class SourceParser {
  private constructor(private readonly parsers: Map<LanguageId, Parser>) {}

  /** Loads the runtime and every grammar from `grammarsDir` (the folder the build fills). */
  static async load(grammarsDir: string): Promise<SourceParser> {
    const runtime = join(grammarsDir, 'web-tree-sitter.wasm');
    await Parser.init({ wasmBinary: readFileSync(runtime) } as object);
    const parsers = new Map<LanguageId, Parser>();
    for (const [id, file] of Object.entries(GRAMMAR_FILES) as [LanguageId, string][]) {
      const language = await Language.load(readFileSync(join(grammarsDir, file)));
      parsers.set(id, new Parser().setLanguage(language));
    }
    return new SourceParser(parsers);
  }

  /** Parses `text` from scratch. */
  parse(text: string, language: LanguageId): ParsedSource {
    return this.parseWith(text, language, null);
  }

  /**
   * Re-parses after an edit: `previous.tree` is edited in place to match the new text, then
   * tree-sitter reuses every subtree the edit did not touch.
   */
  reparse(previous: ParsedSource, text: string, edit: TextEdit): ParsedSource {
    previous.tree.edit(new Edit(edit));
    const next = this.parseWith(text, previous.language, previous.tree);
    previous.tree.delete();
    return next;
  }

  /**
   * Brings `previous` up to `text` after `edits` (oldest first; none: parse from scratch, reusing
   * nothing) and re-mirrors only the top-level statements the edits touched, as the language server
   * does on each keystroke. `previous.tree` is freed; the result owns its tree.
   */
  reparseEdits(previous: ParsedSource | null, text: string, edits: TextEdit[], language: LanguageId): ParsedSource {
    const incremental = previous !== null && edits.length > 0;
    if (incremental) for (const edit of edits) previous.tree.edit(new Edit(edit));
    const tree = this.treeOf(text, language, incremental ? previous.tree : null);
    const root = mirrorIncrementally(tree, text, previous);
    previous?.tree.delete();
    return { tree, root, text, language };
  }

  private treeOf(text: string, language: LanguageId, oldTree: Tree | null): Tree {
    const parser = this.parsers.get(language);
    if (!parser) throw new Error(`no grammar loaded for ${language}`);
    const tree = parser.parse(text, oldTree);
    if (!tree) throw new Error(`tree-sitter returned no tree for ${language}`);
    return tree;
  }

  private parseWith(text: string, language: LanguageId, oldTree: Tree | null): ParsedSource {
    const tree = this.treeOf(text, language, oldTree);
    return { tree, root: mirrorTree(tree.rootNode, text), text, language };
  }
}

/** An edit in tree-sitter's terms: indexes and columns in UTF-16 code units (web-tree-sitter parses JS strings as UTF-16). */
export interface TextEdit {
  startIndex: number;
  oldEndIndex: number;
  newEndIndex: number;
  startPosition: { row: number; column: number };
  oldEndPosition: { row: number; column: number };
  newEndPosition: { row: number; column: number };
}
