// Finds the config.json of a Hugging Face checkpoint on this machine, never on the network: a local
// folder passed to from_pretrained, or an id in the local Hugging Face cache ($HF_HUB_CACHE, else
// $HF_HOME/hub, else ~/.cache/huggingface/hub: models--org--name/snapshots/<rev>/config.json).
// Reads are cached per path and modification time, so an analysis on every keystroke costs one stat.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readHfConfig } from './hfConfig';
import type { HfModelShape } from './hfShape';

/** A config found on disk and read: the shape, or why it could not be used; `file` names what was read. */
export interface LocalConfig {
  /** The config.json read (for the provenance: "from config.json at PATH"). */
  file: string;
  shape?: HfModelShape;
  /** Why no shape: unreadable, not JSON, a missing field, an unknown model_type. */
  reason?: string;
}

/** Where to look: the environment (HF_HUB_CACHE, HF_HOME, HOME) and the folder relative paths start from. */
export interface CacheLocation {
  env?: Record<string, string | undefined>;
  /** The analysed file's folder; `./local/dir` is resolved against it. */
  baseDir?: string;
}

/** How a missing path is described. */
const MISSING = 'does not exist';
const LOCAL_PATH = /^(\.{1,2}([\\/]|$)|[\\/~]|[A-Za-z]:[\\/])/;
const HUB_ID = /^[\w.-]+\/[\w.-]+$/;

/** The hub cache folder the huggingface_hub library would use. */
export function hubCacheDir(env: Record<string, string | undefined> = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return path.join(env.HF_HOME, 'hub');
  return path.join(env.HOME ?? os.homedir(), '.cache', 'huggingface', 'hub');
}

/** Resolves checkpoint names to configs on disk, remembering each file's read by path and mtime. */
export class HfConfigResolver {
  private readonly reads = new Map<string, { mtimeMs: number; size: number; result: LocalConfig }>();

  /**
   * The config for `name` as `from_pretrained(name)` would load it offline, or undefined when the
   * name is not a path and the cache has no snapshot of it (the catalog is then asked).
   */
  find(name: string, where: CacheLocation = {}): LocalConfig | undefined {
    const raw = name.trim();
    if (LOCAL_PATH.test(raw)) return this.fromFolder(this.localFolder(raw, where), raw);
    if (!HUB_ID.test(raw)) return undefined;
    return this.fromHubCache(raw, hubCacheDir(where.env ?? process.env));
  }

  private localFolder(raw: string, where: CacheLocation): string {
    const home = where.env?.HOME ?? os.homedir();
    const expanded = raw.startsWith('~') ? path.join(home, raw.slice(1)) : raw;
    return path.resolve(where.baseDir ?? process.cwd(), expanded);
  }

  /** A folder given as a path: its config.json, or a clear reason when there is none. */
  private fromFolder(folder: string, written: string): LocalConfig {
    const file = path.join(folder, 'config.json');
    const stat = statOf(folder);
    if (stat.error) return { file, reason: `"${written}" (${folder}): ${stat.error}` };
    if (!stat.value!.isDirectory()) return { file, reason: `"${written}" (${folder}) is not a folder` };
    return this.read(file);
  }

  /** `models--org--name`: the snapshot refs/main names, else the most recently written one. */
  private fromHubCache(id: string, cacheDir: string): LocalConfig | undefined {
    const repo = path.join(cacheDir, `models--${id.replace('/', '--')}`);
    const stat = statOf(repo);
    if (stat.error === MISSING) return undefined;
    if (stat.error) return { file: repo, reason: `Hugging Face cache entry ${repo}: ${stat.error}` };
    const snapshots = path.join(repo, 'snapshots');
    const listed = listDir(snapshots);
    if (listed.error) return { file: snapshots, reason: `${snapshots}: ${listed.error}` };
    const ref = readRef(path.join(repo, 'refs', 'main'));
    const ordered = orderSnapshots(snapshots, listed.value!, ref);
    for (const snapshot of ordered) {
      const file = path.join(snapshots, snapshot, 'config.json');
      const s = statOf(file);
      if (s.error === MISSING) continue;
      return this.read(file);
    }
    return {
      file: snapshots,
      reason: `${snapshots} has no snapshot with a config.json (only weights were downloaded?)`,
    };
  }

  /** Reads and shapes one config.json, from the memory of earlier reads when its mtime and size are unchanged. */
  private read(file: string): LocalConfig {
    const stat = statOf(file);
    if (stat.error) return { file, reason: `config.json at ${file}: ${stat.error}` };
    if (!stat.value!.isFile()) return { file, reason: `config.json at ${file} is not a file` };
    const { mtimeMs, size } = stat.value!;
    const known = this.reads.get(file);
    if (known && known.mtimeMs === mtimeMs && known.size === size) return known.result;
    let result: LocalConfig;
    if (size > MAX_CONFIG_BYTES)
      result = { file, reason: `config.json at ${file} is ${size} bytes, too large for a config` };
    else {
      try {
        const shaped = readHfConfig(fs.readFileSync(file, 'utf8'), `config.json at ${file}`);
        result = shaped.shape ? { file, shape: shaped.shape } : { file, reason: shaped.reason };
      } catch (e) {
        result = { file, reason: `config.json at ${file}: ${errorText(e)}` };
      }
    }
    this.reads.set(file, { mtimeMs, size, result });
    return result;
  }
}

/** Configs are a few KB; a 1000-label id2label makes tens of KB. Anything past this is not a config. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

function statOf(p: string): { value?: fs.Stats; error?: string } {
  try {
    return { value: fs.statSync(p) };
  } catch (e) {
    return { error: errorText(e) };
  }
}

function listDir(p: string): { value?: string[]; error?: string } {
  try {
    return { value: fs.readdirSync(p).sort() };
  } catch (e) {
    return { error: errorText(e) };
  }
}

function readRef(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The referenced snapshot first, then the others newest first (by folder mtime, then name for a stable order). */
function orderSnapshots(dir: string, names: string[], ref?: string): string[] {
  const time = (n: string) => statOf(path.join(dir, n)).value?.mtimeMs ?? 0;
  const rest = names.filter((n) => n !== ref).sort((a, b) => time(b) - time(a) || a.localeCompare(b));
  return ref && names.includes(ref) ? [ref, ...rest] : rest;
}

/** A short, stable description of a file-system error. */
function errorText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return MISSING;
  if (code === 'EACCES' || code === 'EPERM') return 'not readable (permission denied)';
  if (code === 'ELOOP') return 'a symbolic-link loop';
  if (code === 'ENOTDIR') return 'a path component is not a folder';
  if (code === 'EISDIR') return 'is a folder, not a file';
  return e instanceof Error ? e.message : String(e);
}
