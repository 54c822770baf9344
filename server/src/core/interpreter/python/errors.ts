// Errors raised while interpreting: a Python-level exception in the analysed code, which the
// analysis reports as a located reason rather than letting it escape.
import type { Range } from '../../parse/syntax';

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
