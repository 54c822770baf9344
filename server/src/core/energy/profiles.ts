// Loads and validates hardware profiles: the built-in ones from a directory the caller names and a
// workspace's own from .wattlens/profiles/*.json; errors name the file, the JSON field and what was expected.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { describeSchemaErrors } from './schemaErrors';
import type { HardwareProfile, LoadedProfile } from './types';

/** A profile file that is unreadable or does not fit the schema. */
export class ProfileError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly expected: string,
  ) {
    super(`${file}: ${field || '(root)'}: ${expected}`);
    this.name = 'ProfileError';
  }
}

/** `--hardware` named an id that no loaded profile has; the message offers the nearest ids. */
export class UnknownProfileError extends Error {
  constructor(
    readonly id: string,
    readonly known: string[],
  ) {
    const near = nearest(id, known);
    super(
      `unknown hardware profile '${id}'${near.length ? `; did you mean ${near.map((n) => `'${n}'`).join(' or ')}?` : ''} ` +
        `(wattlens profiles lists them: ${known.join(', ')})`,
    );
    this.name = 'UnknownProfileError';
  }
}

/** Loaded profiles by id, and every error met while loading them. */
export interface ProfileSet {
  profiles: Map<string, LoadedProfile>;
  errors: ProfileError[];
}

/** Where to look: `profilesDir` is the repository's `profiles/` folder (schema + hardware/). */
export interface LoadProfilesOptions {
  profilesDir: string;
  /** Workspace root; its `.wattlens/profiles/*.json` are loaded too and win over built-ins. */
  workspaceDir?: string;
}

/** Loads built-in and workspace profiles; bad files are reported in `errors`, never dropped silently. */
export function loadProfiles(options: LoadProfilesOptions): ProfileSet {
  const validate = compileProfileSchema(options.profilesDir);
  const set: ProfileSet = { profiles: new Map(), errors: [] };
  addDirectory(set, join(options.profilesDir, 'hardware'), 'builtin', validate);
  if (options.workspaceDir) {
    addDirectory(set, join(options.workspaceDir, '.wattlens', 'profiles'), 'workspace', validate);
  }
  return set;
}

/** The profile with this id (case and surrounding spaces ignored), or an UnknownProfileError with the nearest ids. */
export function getProfile(set: ProfileSet, id: string): LoadedProfile {
  const profile = findProfile(set, id);
  if (!profile) throw new UnknownProfileError(id, [...set.profiles.keys()].sort());
  return profile;
}

/** The profile with this id, case and surrounding spaces ignored; undefined when there is none. */
export function findProfile(set: ProfileSet, id: string): LoadedProfile | undefined {
  const exact = set.profiles.get(id);
  if (exact) return exact;
  const want = id.trim().toLowerCase();
  for (const [key, profile] of set.profiles) if (key.toLowerCase() === want) return profile;
  return undefined;
}

/**
 * Known ids close to `id`: those containing it or contained in it, else within a third of its length
 * in edits (Levenshtein distance); the closest first, at most three.
 */
export function nearest(id: string, known: string[]): string[] {
  const want = id.trim().toLowerCase();
  if (!want) return [];
  const scored = known.map((candidate) => {
    const key = candidate.toLowerCase();
    const distance = key.includes(want) || want.includes(key) ? 0 : editDistance(want, key);
    return { candidate, distance };
  });
  // An id that contains the one asked for (or is contained in it) is the answer; edit distance otherwise.
  const limit = scored.some((s) => s.distance === 0) ? 0 : Math.max(2, Math.floor(want.length / 3));
  return scored
    .filter((s) => s.distance <= limit)
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, 3)
    .map((s) => s.candidate);
}

/** Levenshtein distance between two strings. */
function editDistance(source: string, target: string): number {
  let previous = Array.from({ length: target.length + 1 }, (_, j) => j);
  for (let i = 1; i <= source.length; i++) {
    const current = [i];
    for (let j = 1; j <= target.length; j++)
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (source[i - 1] === target[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[target.length];
}

/** All loaded profiles, sorted by id (for `wattlens profiles`). */
export function listProfiles(set: ProfileSet): LoadedProfile[] {
  return [...set.profiles.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** Compiles profiles/hardware.schema.json from the given `profiles/` folder. */
export function compileProfileSchema(profilesDir: string): ValidateFunction {
  const schema = JSON.parse(readFileSync(join(profilesDir, 'hardware.schema.json'), 'utf8'));
  return new Ajv({ allErrors: true, verbose: true }).compile(schema);
}

/** Reads and checks one profile file; returns the profile or the errors that reject it. */
export function readProfileFile(
  file: string,
  origin: LoadedProfile['origin'],
  validate: ValidateFunction,
): { profile?: LoadedProfile; errors: ProfileError[] } {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return { errors: [new ProfileError(file, '', `valid JSON (${(error as Error).message})`)] };
  }
  const errors = checkProfile(data, file, validate);
  if (errors.length > 0) return { errors };
  return { profile: { ...(data as HardwareProfile), file: resolve(file), origin }, errors };
}

/** Schema errors plus the checks a schema cannot express (id = file name, idle below max). */
export function checkProfile(data: unknown, file: string, validate: ValidateFunction): ProfileError[] {
  if (!validate(data)) return schemaErrors(validate.errors ?? [], file);
  const profile = data as HardwareProfile;
  const errors: ProfileError[] = [];
  const stem = basename(file, '.json');
  if (profile.id !== stem) errors.push(new ProfileError(file, 'id', `"${stem}" (the file name), got "${profile.id}"`));
  const { maxW, idleW } = profile.power;
  if (maxW && idleW && idleW.value >= maxW.value) {
    errors.push(
      new ProfileError(file, 'power.idleW.value', `less than power.maxW (${maxW.value} W), got ${idleW.value}`),
    );
  }
  return errors;
}

function addDirectory(set: ProfileSet, dir: string, origin: LoadedProfile['origin'], validate: ValidateFunction): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    const { profile, errors } = readProfileFile(join(dir, name), origin, validate);
    set.errors.push(...errors);
    if (profile) set.profiles.set(profile.id, profile);
  }
}

/** One ProfileError per distinct field and expectation. */
function schemaErrors(errors: ErrorObject[], file: string): ProfileError[] {
  return describeSchemaErrors(errors).map(
    (fieldError) => new ProfileError(file, fieldError.field, fieldError.expected),
  );
}
