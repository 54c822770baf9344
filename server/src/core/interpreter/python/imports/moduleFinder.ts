// Where a Python import finds its source, as Python's path-based finder does: the importing
// script's folder, literal `sys.path` entries the code adds, the workspace root and its `src/`,
// then the site-packages of the user's Python environment. Framework-agnostic: any front end
// (torch, Keras) that runs Python source resolves the user's own and installed modules here.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

/** Read access to source files: the disk, with the editor's unsaved buffers over it in the language server. */
export interface SourceFiles {
  /** A file's text, or undefined when it does not exist or cannot be read. */
  read(path: string): string | undefined;
  /** Whether `path` is a directory. */
  isDirectory(path: string): boolean;
}

/** The places imports are searched, beyond the importing file's own folder. */
export interface ImportPaths {
  /** Workspace folders: each root and its `src/` are searched (the user's own packages). */
  workspaceRoots: string[];
  /** site-packages (and similar) folders of the user's Python environment, in search order. */
  libraryPaths: string[];
}

/** A module found on disk. */
export interface FoundModule {
  /** Its dotted name (`models.blocks`). */
  name: string;
  /** The file that defines it: `x.py`, or a package's `__init__.py`. */
  path: string;
  /** A package (its submodules are found next to `path`). */
  isPackage: boolean;
  /** Where it came from: the user's workspace, or an installed library. */
  origin: 'workspace' | 'library';
}

/** A search-path entry with the origin its modules get. */
interface Entry {
  folder: string;
  origin: FoundModule['origin'];
}

/** Finds modules by dotted name along a search path; remembers what it looked up. */
export class ModuleFinder {
  private readonly extra: Entry[] = [];
  private readonly cache = new Map<string, FoundModule | null>();

  constructor(
    private readonly files: SourceFiles,
    private readonly paths: ImportPaths,
    /** The folder of the file being analysed (Python puts the script's folder first). */
    private readonly scriptFolder: string | undefined,
  ) {}

  /** Adds a folder the analysed code appends to (or inserts into) `sys.path`. */
  addSearchFolder(folder: string, first = false): void {
    const entry: Entry = { folder: resolve(folder), origin: this.originOf(folder) };
    if (this.extra.some((e) => e.folder === entry.folder)) return;
    if (first) this.extra.unshift(entry);
    else this.extra.push(entry);
    this.cache.clear();
  }

  /** The search path in order: script folder, sys.path additions, workspace roots and `src/`, libraries. */
  searchPath(): Entry[] {
    const out: Entry[] = [];
    const add = (folder: string, origin: Entry['origin']) => {
      const full = resolve(folder);
      if (!out.some((e) => e.folder === full)) out.push({ folder: full, origin });
    };
    if (this.scriptFolder) add(this.scriptFolder, this.originOf(this.scriptFolder));
    for (const e of this.extra) add(e.folder, e.origin);
    for (const root of this.paths.workspaceRoots) {
      add(root, 'workspace');
      add(join(root, 'src'), 'workspace');
    }
    for (const lib of this.paths.libraryPaths) add(lib, 'library');
    return out;
  }

  /** Finds `dotted` (absolute), or undefined when no search-path entry has it. */
  find(dotted: string): FoundModule | undefined {
    if (!/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(dotted)) return undefined;
    const cached = this.cache.get(dotted);
    if (cached !== undefined) return cached ?? undefined;
    const found = this.search(dotted);
    this.cache.set(dotted, found ?? null);
    return found;
  }

  private search(dotted: string): FoundModule | undefined {
    const parts = dotted.split('.');
    if (parts.length > 1) {
      // A submodule lives in its parent package's folder (whichever entry the parent came from).
      const parent = this.find(parts.slice(0, -1).join('.'));
      if (!parent?.isPackage) return undefined;
      return this.inFolder(dirname(parent.path), parts.at(-1)!, dotted, parent.origin);
    }
    for (const entry of this.searchPath()) {
      const found = this.inFolder(entry.folder, parts[0], dotted, entry.origin);
      if (found) return found;
    }
    return undefined;
  }

  private inFolder(folder: string, name: string, dotted: string, origin: Entry['origin']): FoundModule | undefined {
    const packageDir = join(folder, name);
    if (this.files.isDirectory(packageDir)) {
      const init = join(packageDir, '__init__.py');
      if (this.files.read(init) !== undefined) return { name: dotted, path: init, isPackage: true, origin };
    }
    const file = join(folder, `${name}.py`);
    if (this.files.read(file) !== undefined) return { name: dotted, path: file, isPackage: false, origin };
    // A namespace package (a folder without __init__.py) still holds submodules.
    if (this.files.isDirectory(packageDir) && origin === 'workspace')
      return { name: dotted, path: join(packageDir, '__init__.py'), isPackage: true, origin };
    return undefined;
  }

  /** Whether a folder is inside a library path (else it is the user's). */
  private originOf(folder: string): Entry['origin'] {
    const full = resolve(folder);
    return this.paths.libraryPaths.some((lib) => full === resolve(lib) || full.startsWith(resolve(lib) + sep))
      ? 'library'
      : 'workspace';
  }
}

/**
 * The absolute name a relative import means: `from ..utils import x` inside `pkg.sub.mod` (level 2,
 * `utils`) is `pkg.utils`. `packageName` is the importing module's package (its own name for an
 * `__init__.py`). Undefined when the import climbs above the top-level package.
 */
export function absoluteName(level: number, relative: string, packageName: string): string | undefined {
  const base = packageName ? packageName.split('.') : [];
  if (level - 1 > base.length || (level > 0 && base.length === 0)) return undefined;
  const kept = base.slice(0, base.length - (level - 1));
  const name = [...kept, ...(relative ? [relative] : [])].join('.');
  return name || undefined;
}

/** Source files read from the disk (files over 5 MB and unreadable ones count as absent). */
export function diskFiles(): SourceFiles {
  return {
    read(path) {
      try {
        const stat = statSync(path);
        return stat.isFile() && stat.size <= 5 * 1024 * 1024 ? readFileSync(path, 'utf8') : undefined;
      } catch {
        return undefined;
      }
    },
    isDirectory(path) {
      try {
        return statSync(path).isDirectory();
      } catch {
        return false;
      }
    },
  };
}
