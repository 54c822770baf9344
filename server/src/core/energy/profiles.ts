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

/** `--hardware` named an id that no loaded profile has. */
export class UnknownProfileError extends Error {
  constructor(
    readonly id: string,
    readonly known: string[],
  ) {
    super(`unknown hardware profile '${id}'; known ids: ${known.join(', ')}`);
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

/** The profile with this id, or an UnknownProfileError listing the known ids. */
export function getProfile(set: ProfileSet, id: string): LoadedProfile {
  const profile = set.profiles.get(id);
  if (!profile) throw new UnknownProfileError(id, [...set.profiles.keys()].sort());
  return profile;
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
  } catch (e) {
    return { errors: [new ProfileError(file, '', `valid JSON (${(e as Error).message})`)] };
  }
  const errors = checkProfile(data, file, validate);
  if (errors.length > 0) return { errors };
  return { profile: { ...(data as HardwareProfile), file: resolve(file), origin }, errors };
}

/** Schema errors plus the checks a schema cannot express (id = file name, idle below max). */
export function checkProfile(data: unknown, file: string, validate: ValidateFunction): ProfileError[] {
  if (!validate(data)) return schemaErrors(validate.errors ?? [], file);
  const p = data as HardwareProfile;
  const errors: ProfileError[] = [];
  const stem = basename(file, '.json');
  if (p.id !== stem) errors.push(new ProfileError(file, 'id', `"${stem}" (the file name), got "${p.id}"`));
  const { maxW, idleW } = p.power;
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
  return describeSchemaErrors(errors).map((e) => new ProfileError(file, e.field, e.expected));
}
