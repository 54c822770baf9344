// Loads the tree-sitter runtime and grammars from paths the caller passes in, and parses source
// text (incrementally, when given the previous tree and the edit) into SyntaxNode mirrors.
import { Parser, Language, Edit, type Tree } from 'web-tree-sitter';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mirrorTree, type SyntaxNode } from './syntax';

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
   * Parses `text` reusing `oldTree` (already brought up to date with `tree.edit`) and returns only the
   * tree, for callers that build the SyntaxNode mirror themselves (the language server re-mirrors
   * only the statements an edit touched). The caller owns both trees.
   */
  parseTree(text: string, language: LanguageId, oldTree: Tree | null): Tree {
    const parser = this.parsers.get(language);
    if (!parser) throw new Error(`no grammar loaded for ${language}`);
    const tree = parser.parse(text, oldTree);
    if (!tree) throw new Error(`tree-sitter returned no tree for ${language}`);
    return tree;
  }

  private parseWith(text: string, language: LanguageId, oldTree: Tree | null): ParsedSource {
    const parser = this.parsers.get(language);
    if (!parser) throw new Error(`no grammar loaded for ${language}`);
    const tree = parser.parse(text, oldTree);
    if (!tree) throw new Error(`tree-sitter returned no tree for ${language}`);
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
