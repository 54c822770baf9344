// When the language server dies: restart it, unless it has died too often lately (then stop and let
// the user restart it by hand), so a server that crashes on start cannot loop forever.

/** How many crashes within how long make the client give up. */
export interface CrashLimits {
  maxCrashes: number;
  windowMs: number;
}

/** Four crashes in three minutes, as VS Code's own default error handler counts them. */
export const DEFAULT_CRASH_LIMITS: CrashLimits = { maxCrashes: 4, windowMs: 3 * 60_000 };

/** What to do after a crash, and what to tell the user. */
export interface CrashDecision {
  restart: boolean;
  message: string;
}

/** Counts crashes in a sliding window; plain logic so that it is tested without VS Code. */
export class CrashPolicy {
  private crashes: number[] = [];

  constructor(
    private readonly limits: CrashLimits = DEFAULT_CRASH_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a crash and decides whether to restart. */
  crashed(): CrashDecision {
    const time = this.now();
    this.crashes = this.crashes.filter((t) => time - t < this.limits.windowMs);
    this.crashes.push(time);
    const count = this.crashes.length;
    const minutes = Math.round(this.limits.windowMs / 60_000);
    if (count >= this.limits.maxCrashes) {
      return {
        restart: false,
        message: `The WattLens server stopped ${count} times in ${minutes} minutes and will not be restarted automatically. See the "WattLens" output for its log.`,
      };
    }
    return {
      restart: true,
      message: `The WattLens server stopped unexpectedly and was restarted (${count} of ${this.limits.maxCrashes - 1} automatic restarts in ${minutes} minutes).`,
    };
  }

  /** Forgets past crashes (after the user restarts the server by hand). */
  reset(): void {
    this.crashes = [];
  }
}
