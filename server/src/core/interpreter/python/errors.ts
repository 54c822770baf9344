// Errors raised while interpreting: a Python-level exception in the analysed code, which the
// analysis reports as a located reason rather than letting it escape.
import type { Range } from '../../parse/syntax';
import type { Value } from './values';

/** A Python exception (TypeError, NameError, ...) raised by the analysed code or its semantics. */
export class PyError extends Error {
  constructor(
    readonly pyType: string,
    message: string,
    public range?: Range,
  ) {
    super(message);
    this.name = 'PyError';
  }
}

/** Shorthand for raising a PyError. */
export function raise(pyType: string, message: string, range?: Range): never {
  throw new PyError(pyType, message, range);
}

/**
 * Raised when data the analysis cannot see is iterated by a comprehension or a builtin (`sorted(...)`,
 * `[x for x in rows]`): the whole result is that Unknown, not an error that stops the code around it.
 */
export class UnknownIterable extends Error {
  constructor(readonly value: Value) {
    super(value.kind === 'unknown' ? value.reason : 'unknown');
  }
}

/** Runs `f`; an Unknown iterated inside makes its result that Unknown. */
export function orUnknown(f: () => Value): Value {
  try {
    return f();
  } catch (e) {
    if (e instanceof UnknownIterable) return e.value;
    throw e;
  }
}
