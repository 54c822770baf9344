// Python literal syntax: numbers (with underscores, hex/octal/binary, exponents) and strings.
import type { SyntaxNode } from '../parse/syntax';
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
  const raw = /^[rR]|^[bB][rR]|^[rR][bB]/.test(node.children[0]?.text ?? '');
  return node.children
    .filter((c) => c.type === 'string_content' || c.type === 'escape_sequence')
    .map((c) => (c.type === 'escape_sequence' && !raw ? decodeEscape(c.text) : c.text))
    .join('');
}

function decodeEscape(esc: string): string {
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
  const c = esc[1];
  if (c in simple) return simple[c];
  if (c === 'x' || c === 'u') return String.fromCharCode(parseInt(esc.slice(2), 16));
  return esc;
}
