// Errors while evaluating TypeScript: a JS exception the analysed code would raise (TypeError,
// RangeError), and a value the code itself throws; both become located reasons, never crashes.
import type { Range } from '../../parse/syntax';
import type { JsValue } from './values';

/** A JS error raised by the semantics (reading a property of undefined, calling a non-function). */
export class JsError extends Error {
  constructor(
    readonly jsType: string,
    message: string,
    public range?: Range,
  ) {
    super(message);
    this.name = 'JsError';
  }
}

/** A `throw` in the analysed code, carrying the thrown value. */
export class JsThrow extends Error {
  constructor(
    readonly value: JsValue,
    readonly range: Range,
    readonly text: string,
  ) {
    super(text);
    this.name = 'JsThrow';
  }
}
