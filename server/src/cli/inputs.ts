// Expands the command line's paths into the files to analyse: files as given, directories walked
// for model code (.py, .ipynb, TypeScript/JavaScript), skipping dependency and build folders. A path
// that cannot be used (missing, unreadable, a symlink loop) is kept in its place with the reason, so
// the report says so there and the other files are still analysed.
import { readdirSync, statSync, lstatSync, existsSync, realpathSync } from 'node:fs';
import { join, extname, dirname, resolve } from 'node:path';

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

/** A file to analyse; `walked` when found in a directory; `problem` when it cannot be read, with why. */
export interface InputFile {
  path: string;
  walked: boolean;
  problem?: string;
}

/** The files to analyse, in a stable order; bad paths are kept in place with their problem. */
export function expandInputs(paths: string[]): InputFile[] {
  return paths.flatMap((given): InputFile[] => {
    let stat;
    try {
      stat = statSync(given, { throwIfNoEntry: false });
    } catch (error) {
      return [
        {
          path: given,
          walked: false,
          problem: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        },
      ];
    }
    if (!stat)
      return [
        { path: given, walked: false, problem: existsLink(given) ? 'a broken or looping symlink' : 'no such file' },
      ];
    if (!stat.isDirectory()) return [{ path: given, walked: false }];
    const found = walk(given, new Set([realpathSync(given)]));
    if (found.length === 0)
      return [{ path: given, walked: false, problem: 'no .py, .ipynb, .ts or .js files in this directory' }];
    return found;
  });
}

/**
 * Files under `dir` in name order. A directory reached again through a symlink (a loop) and an entry
 * that cannot be listed or followed are reported in place rather than ending the walk.
 */
function walk(dir: string, onPath: Set<string>): InputFile[] {
  const out: InputFile[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (error) {
    return [
      {
        path: dir,
        walked: true,
        problem: `cannot list this directory (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      },
    ];
  }
  for (const name of names) {
    const path = join(dir, name);
    let stat;
    try {
      stat = statSync(path, { throwIfNoEntry: false });
    } catch (error) {
      out.push({
        path,
        walked: true,
        problem: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      });
      continue;
    }
    if (!stat) {
      if (MODEL_EXTENSIONS.has(extname(name).toLowerCase()) || existsLink(path))
        out.push({ path, walked: true, problem: 'a broken or looping symlink' });
      continue;
    }
    if (stat.isDirectory()) {
      if (SKIPPED_DIRS.has(name) || name.startsWith('.')) continue;
      const real = realpathSync(path);
      if (onPath.has(real)) {
        out.push({ path, walked: true, problem: `a symlink loop: it leads back to ${real}, already being walked` });
        continue;
      }
      onPath.add(real);
      out.push(...walk(path, onPath));
      onPath.delete(real);
    } else if (MODEL_EXTENSIONS.has(extname(name).toLowerCase()) && !name.endsWith('.d.ts'))
      out.push({ path, walked: true });
  }
  return out;
}

/** Whether `path` is itself a symlink (so a failed stat means a dangling or looping link). */
function existsLink(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
  } catch {
    return false;
  }
}

/**
 * The workspace a file belongs to: the nearest folder above it holding `.wattlens/` (its profiles),
 * else the nearest holding `.git`, else undefined. Workspace profiles are found from there, so
 * `wattlens analyze other/project/model.py` uses that project's profiles from any directory.
 */
export function workspaceOf(path: string): string | undefined {
  let dir = resolve(statSync(path, { throwIfNoEntry: false })?.isDirectory() ? path : dirname(path));
  let gitRoot: string | undefined;
  for (;;) {
    if (existsSync(join(dir, '.wattlens'))) return dir;
    if (!gitRoot && existsSync(join(dir, '.git'))) gitRoot = dir;
    const parent = dirname(dir);
    if (parent === dir) return gitRoot;
    dir = parent;
  }
}
