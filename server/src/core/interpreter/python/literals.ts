// Python literal syntax: numbers (with underscores, hex/octal/binary, exponents) and strings.
import type { SyntaxNode } from '../../parse/syntax';
import { int, float, type Value } from './values';

/** Parses an integer or float literal. */
export function parseNumber(text: string): Value {
  const t = text.replace(/_/g, '').toLowerCase();
  if (/[jJ]$/.test(t)) return float(NaN);
  if (/^0[xob]/.test(t)) return int(Number(t));
  if (/[.e]/.test(t) && !/^0x/.test(t)) return float(Number(t));
  return int(Number(t.replace(/l$/, '')));
}

/** The value of a (non-f) string literal, with the common escapes decoded. */
export function parseString(node: SyntaxNode): string {
  const raw = /^[bB]?[rR]|^[rR][bB]/.test(node.children[0]?.text ?? '');
  const text = node.children
    .filter((c) => c.type === 'string_content' || c.type === 'escape_sequence')
    .map((c) => c.text)
    .join('');
  return raw ? text : text.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)/gs, (_m, e: string) => decodeEscape(e));
}

function decodeEscape(e: string): string {
  const simple: Record<string, string> = {
    n: '\n',
    t: '\t',
    r: '\r',
    '\\': '\\',
    "'": "'",
    '"': '"',
    '0': '\0',
    a: '\x07',
    b: '\b',
    f: '\f',
    v: '\v',
    '\n': '',
  };
  if (e in simple) return simple[e];
  if (e[0] === 'x' || e[0] === 'u') return String.fromCharCode(parseInt(e.slice(1), 16));
  return `\\${e}`;
}
