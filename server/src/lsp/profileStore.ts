// Hardware profiles as the running server sees them: built-in plus the workspace's own, with the
// workspace's calibrations applied (`wattlens profile --calibrate` writes them), reloaded when a
// profile or calibration file changes; a file the user breaks is reported and its last good version kept.
import {
  findProfile,
  loadProfiles,
  nearest,
  withWorkspaceCalibration,
  type LoadedProfile,
  type ProfileSet,
} from '../core/energy';

/** Loaded profiles that survive bad reloads. */
export class ProfileStore {
  private profiles = new Map<string, LoadedProfile>();
  /** Bumped on every reload, so cached estimates know to recompute. */
  generation = 0;
  /** The messages of the last reload: one per profile file that failed, with where it fails. */
  problems: string[] = [];

  constructor(
    private readonly profilesDir: string,
    private readonly workspaceDir?: string,
  ) {}

  /**
   * Re-reads every profile. Returns one message per file that failed; a profile whose file now
   * fails keeps its previous (last good) contents.
   */
  reload(): string[] {
    let set: ProfileSet;
    try {
      set = loadProfiles({ profilesDir: this.profilesDir, workspaceDir: this.workspaceDir });
    } catch (e) {
      return [`could not load hardware profiles: ${(e as Error).message}; keeping the last good set`];
    }
    const next = new Map(set.profiles);
    const problems = this.calibrate(next);
    const broken = new Set(set.errors.map((e) => e.file));
    for (const [id, old] of this.profiles) {
      if (!next.has(id) && [...broken].some((f) => sameFile(f, old.file))) next.set(id, old);
    }
    this.profiles = next;
    this.generation++;
    // One message per broken file, naming each field that fails (a file can fail in several places).
    const byFile = new Map<string, string[]>();
    for (const e of set.errors)
      byFile.set(e.file, [...(byFile.get(e.file) ?? []), `${e.field || '(root)'}: ${e.expected}`]);
    this.problems = [
      ...[...byFile].map(
        ([file, fields]) => `hardware profile ${file} is not used: ${fields.join('; ')}${this.keptNote(file)}`,
      ),
      ...problems,
    ];
    return this.problems;
  }

  /** Applies each profile's workspace calibration, if any; a malformed calibration is reported and left out. */
  private calibrate(profiles: Map<string, LoadedProfile>): string[] {
    if (!this.workspaceDir) return [];
    const problems: string[] = [];
    for (const [id, profile] of profiles) {
      try {
        profiles.set(id, withWorkspaceCalibration(profile, this.workspaceDir).profile);
      } catch (e) {
        problems.push(`calibration of '${id}' ignored: ${(e as Error).message}`);
      }
    }
    return problems;
  }

  /** The profile with this id (case ignored), if loaded. */
  get(id: string): LoadedProfile | undefined {
    return findProfile({ profiles: this.profiles, errors: [] }, id);
  }

  /** Loaded ids near an unknown one, for "did you mean". */
  near(id: string): string[] {
    return nearest(id, this.ids());
  }

  /** Every loaded profile. */
  all(): LoadedProfile[] {
    return [...this.profiles.values()];
  }

  /** Every loaded id, sorted. */
  ids(): string[] {
    return [...this.profiles.keys()].sort();
  }

  private keptNote(file: string): string {
    const kept = [...this.profiles.values()].find((p) => sameFile(p.file, file));
    return kept ? ` (keeping the last good version of '${kept.id}')` : '';
  }
}

function sameFile(a: string, b: string): boolean {
  return a.replace(/\\/g, '/').endsWith(b.replace(/\\/g, '/')) || b.replace(/\\/g, '/').endsWith(a.replace(/\\/g, '/'));
}
