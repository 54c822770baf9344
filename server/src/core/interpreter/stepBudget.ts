// The step and time budget that bounds every analysis, so no input can hang the analyser.
import type { Range } from '../parse/syntax';

/** Thrown when the budget is spent; caught at the top of the analysis and reported. */
export class StepBudgetExceeded extends Error {
  constructor(
    readonly range: Range | undefined,
    reason: string,
  ) {
    super(reason);
    this.name = 'StepBudgetExceeded';
  }
}

/** Counts interpreter steps and checks the wall clock every few thousand of them. */
export class StepBudget {
  private steps = 0;
  private readonly deadline: number;

  constructor(
    readonly maxSteps = 2_000_000,
    maxMs = 1000,
  ) {
    this.deadline = Date.now() + maxMs;
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
      throw new StepBudgetExceeded(at?.range, 'analysis time limit reached (an unbounded loop or a very large model?)');
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
