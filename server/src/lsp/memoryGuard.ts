// Keeps a long-running server's heap near its live size. On a busy machine V8's concurrent marking
// can fall behind the analyses' allocation and the heap swell with garbage (measured on the 5,000-line
// bench: 400-900 MB, against about 40 MB live); past a limit, one full collection runs at once.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Heap use after an analysis above which the guard collects (normal use stays under ~110 MB). */
const DEFAULT_LIMIT_BYTES = 128 * 1024 * 1024;

/** Collects garbage when the heap has grown past a limit; inert if the collector cannot be reached. */
export class MemoryGuard {
  private readonly collect: (() => void) | undefined = exposeCollector();
  /** How many times the guard has collected (for tests and logs). */
  collections = 0;

  constructor(private readonly limitBytes = DEFAULT_LIMIT_BYTES) {}

  /** Called after work that allocates a lot: true when it collected. */
  check(): boolean {
    if (!this.collect || getHeapStatistics().used_heap_size < this.limitBytes) return false;
    this.collect();
    this.collections++;
    return true;
  }
}

/** V8's `gc` function, made reachable at run time (the server cannot count on `node --expose-gc`). */
function exposeCollector(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? () => (gc as () => void)() : undefined;
  } catch {
    return undefined;
  }
}
