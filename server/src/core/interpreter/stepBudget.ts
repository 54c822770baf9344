// The step budget that bounds every analysis, so no input can hang the analyser. Steps decide what
// is analysed, so the same input gives the same figures on an idle or a busy machine; a wall-clock
// guard remains only as a last resort, and what it stops is reported unknown, never as partial figures.
import type { Range } from '../parse/syntax';

/** Thrown when the budget is spent; caught at the top of the analysis and reported. */
export class StepBudgetExceeded extends Error {
  /** Set once the innermost loop that was running has placed the error on itself. */
  atLoop = false;

  constructor(
    public range: Range | undefined,
    reason: string,
    /** Set when the wall-clock guard tripped: everything the analysis found is then unknown. */
    readonly byClock = false,
  ) {
    super(reason);
    this.name = 'StepBudgetExceeded';
  }
}

/** Steps one analysis may take: a 48-layer GPT of per-head modules (~21k layer calls) takes about 0.33 M. */
export const DEFAULT_MAX_STEPS = 4_000_000;
/** The last-resort wall-clock guard, far beyond what the step budget takes on a loaded machine. */
export const DEFAULT_MAX_MS = 60_000;

/** Counts interpreter steps and checks the wall clock every few thousand of them. */
export class StepBudget {
  private steps = 0;
  private readonly deadline: number;
  /** Set once the wall-clock guard has tripped (every later check fails too). */
  clockTripped = false;

  constructor(
    readonly maxSteps = DEFAULT_MAX_STEPS,
    maxMs = DEFAULT_MAX_MS,
  ) {
    this.deadline = Date.now() + maxMs;
  }

  /** Whether the step budget has run out (the analysis stopped where it was). */
  get exhausted(): boolean {
    return this.steps > this.maxSteps;
  }

  /**
   * Spends one step at `at` (a syntax node or call site); throws StepBudgetExceeded located there when
   * steps or time run out. It takes the node rather than its range because a node's range is built on first read.
   */
  step(at: { readonly range?: Range } | undefined): void {
    this.steps++;
    if (this.steps > this.maxSteps) {
      throw new StepBudgetExceeded(
        at?.range,
        `analysis budget exhausted after ${this.maxSteps} steps (an unbounded loop or recursion?)`,
      );
    }
    if ((this.steps & 0xfff) === 0 && Date.now() > this.deadline) {
      this.clockTripped = true;
      throw new StepBudgetExceeded(
        at?.range,
        'analysis stopped by the last-resort time guard (the machine is very busy, or the model is huge); figures are unknown',
        true,
      );
    }
  }

  /** Whether `n` more steps fit in the budget (the memo of module calls replays only what fits). */
  affords(n: number): boolean {
    return this.steps + n <= this.maxSteps && Date.now() <= this.deadline;
  }

  /** Spends `n` steps at once: what a memoised call cost when it ran. Call `affords` first. */
  charge(n: number): void {
    this.steps += n;
  }

  /** Steps spent so far. */
  get used(): number {
    return this.steps;
  }
}
