// Async functions without an event loop: an async call returns a thenable holding its result at
// once, `await` unwraps it, and `.then(cb)` runs the callback straight away.
import { type JsValue, obj, native } from './values';
import type { EvaluatorHost } from './host';

/** Hidden property holding an async function's result inside its promise object. */
export const PROMISE_VALUE = '\u0000resolved';

/** Wraps a value as a resolved promise. */
export function promise(ip: EvaluatorHost, value: JsValue): JsValue {
  const p = obj([[PROMISE_VALUE, value]]);
  p.props.set(
    'then',
    native('then', ([onOk], site) =>
      onOk && onOk.kind !== 'undefined' ? promise(ip, ip.callValue(onOk, [value], undefined, site, 'then')) : p,
    ),
  );
  p.props.set(
    'catch',
    native('catch', () => p),
  );
  p.props.set(
    'finally',
    native('finally', () => p),
  );
  return p;
}

/** The value an `await` yields: a promise's result, or the value itself. */
export function awaited(v: JsValue): JsValue {
  return v.kind === 'object' && v.props.has(PROMISE_VALUE) ? v.props.get(PROMISE_VALUE)! : v;
}
