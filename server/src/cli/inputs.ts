// Expands the command line's paths into the files to analyse: files as given, directories walked
// for model code (.py, .ipynb, TypeScript/JavaScript), skipping dependency and build folders.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, extname } from 'node:path';
import { UsageError } from './args';

/** Extensions analysed when walking a directory. */
const MODEL_EXTENSIONS = new Set(['.py', '.ipynb', '.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.jsx']);

/** Folders that hold other people's code or build output, never the user's models. */
const SKIPPED_DIRS = new Set([
  'node_modules',
  '.git',
  '__pycache__',
  'venv',
  '.venv',
  'env',
  'site-packages',
  'dist',
  'build',
  '.ipynb_checkpoints',
  '.tox',
  '.mypy_cache',
]);

/** A file to analyse; `walked` when it was found in a directory rather than named by the user. */
export interface InputFile {
  path: string;
  walked: boolean;
}

/** The files to analyse, in a stable order; a directory without model files is a usage error. */
export function expandInputs(paths: string[]): InputFile[] {
  return paths.flatMap((p): InputFile[] => {
    if (!existsSync(p)) throw new UsageError(`${p}: no such file`);
    if (!statSync(p).isDirectory()) return [{ path: p, walked: false }];
    const found = walk(p);
    if (found.length === 0) throw new UsageError(`${p}: no .py, .ipynb, .ts or .js files in this directory`);
    return found.map((path) => ({ path, walked: true }));
  });
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) continue;
    if (stat.isDirectory()) {
      if (!SKIPPED_DIRS.has(name) && !name.startsWith('.')) out.push(...walk(path));
    } else if (MODEL_EXTENSIONS.has(extname(name).toLowerCase()) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}
