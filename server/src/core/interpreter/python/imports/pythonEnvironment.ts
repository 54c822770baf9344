// The user's Python environment, for reading installed libraries' source: which interpreter
// (a setting, a `.venv`/`venv` in the workspace, else `python3` on PATH) and its site-packages
// folders, asked once from the interpreter itself (as pyright does) and remembered. The user's
// code is never run; only `sys.path` is printed.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** How the environment was chosen and what it gave. */
export interface PythonEnvironment {
  /** The interpreter asked, or null when none answered. */
  python: string | null;
  /** Why this interpreter (`setting`, `.venv in the workspace`, `python3 on PATH`). */
  source: string;
  /** Its site-packages / dist-packages folders, in `sys.path` order. */
  libraryPaths: string[];
  /** Why there are none, when there are none. */
  problem?: string;
}

const PRINT_PATH = 'import sys, json; print(json.dumps(sys.path))';
const remembered = new Map<string, PythonEnvironment>();

/** The interpreter to ask: the setting, a virtual environment in a workspace root, else python3. */
export function chooseInterpreter(setting: string | undefined, workspaceRoots: string[]): [string, string] {
  if (setting) return [setting, 'setting'];
  for (const root of workspaceRoots) {
    for (const venv of ['.venv', 'venv', 'env']) {
      for (const bin of ['bin/python', 'bin/python3', 'Scripts/python.exe']) {
        const candidate = join(root, venv, bin);
        if (existsSync(candidate)) return [candidate, `${venv} in the workspace`];
      }
    }
  }
  return ['python3', 'python3 on PATH'];
}

/**
 * The environment's library folders. The answer is remembered per interpreter for the process's
 * life, so only the first analysis pays for starting Python (off the keystroke path in the server).
 */
export function pythonEnvironment(setting: string | undefined, workspaceRoots: string[]): PythonEnvironment {
  const [python, source] = chooseInterpreter(setting, workspaceRoots);
  const known = remembered.get(python);
  if (known) return known;
  const environment = askInterpreter(python, source);
  remembered.set(python, environment);
  return environment;
}

function askInterpreter(python: string, source: string): PythonEnvironment {
  try {
    const out = execFileSync(python, ['-c', PRINT_PATH], {
      encoding: 'utf8',
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const entries = JSON.parse(out.trim().split('\n').pop() ?? '[]') as unknown;
    const libraryPaths = Array.isArray(entries) ? entries.filter(isLibraryFolder) : [];
    return libraryPaths.length
      ? { python, source, libraryPaths }
      : { python, source, libraryPaths, problem: `${python} lists no site-packages folder` };
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0];
    return { python: null, source, libraryPaths: [], problem: `could not ask ${python} for its paths (${reason})` };
  }
}

/** Only installed packages are read: the standard library is modelled by the interpreter itself. */
function isLibraryFolder(entry: unknown): entry is string {
  return typeof entry === 'string' && /[\\/](site|dist)-packages$/.test(entry) && existsSync(entry);
}
