// Reads the sibling modules a TF.js file imports with a relative path (`import {IMAGE_H} from './data'`):
// resolves the specifier as Node and bundlers do (extensions, index files), parses the file, and keeps
// the trees so the analysis can free them when it is done.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { SourceParser } from '../parse/parser';
import type { LoadedModule } from '../interpreter/typescript/interpreter';
import type { SyntaxNode } from '../parse/syntax';

/** Imported files larger than this are not followed (their names stay unknown, with the reason). */
const MAX_MODULE_BYTES = 1024 * 1024;
const EXTENSIONS = ['', '.ts', '.tsx', '.js', '.mjs', '.cjs', '.jsx', '/index.ts', '/index.js'];

/** A reader of sibling modules and the trees it parsed. */
export interface ModuleReader {
  read(specifier: string, fromKey: string): LoadedModule | undefined;
  /** Frees the parsed trees. */
  dispose(): void;
}

/** Reads modules relative to `file` (the analysed file's path); none when that path is not a real file. */
export function siblingModuleReader(parser: SourceParser, file: string): ModuleReader {
  const trees: { delete(): void }[] = [];
  const base = isAbsolute(file) ? file : resolve(file);
  return {
    read(specifier, fromKey) {
      const from = fromKey || base;
      if (!existsSync(from)) return undefined;
      const path = EXTENSIONS.map((ext) => join(dirname(from), specifier + ext)).find(isSmallFile);
      if (!path) return undefined;
      const text = readFileSync(path, 'utf8');
      const parsed = parser.parse(text, /\.(tsx|jsx)$/.test(path) ? 'tsx' : 'typescript');
      trees.push(parsed.tree);
      return { key: path, root: parsed.root as SyntaxNode, text };
    },
    dispose: () => trees.splice(0).forEach((t) => t.delete()),
  };
}

function isSmallFile(path: string): boolean {
  try {
    const stat = statSync(path);
    return stat.isFile() && stat.size <= MAX_MODULE_BYTES;
  } catch {
    return false;
  }
}
