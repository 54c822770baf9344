// Findings about the input itself: files too large or binary (refused), and syntax errors
// (tree-sitter ERROR and MISSING nodes), each located.
import { MAX_NESTING, TOO_DEEP, type SyntaxNode } from '../parse/syntax';
import type { Finding } from '../report/types';

const ZERO = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
const MAX_SYNTAX_FINDINGS = 20;

/** Refuses inputs that are too large or not text; an empty list means "go ahead". */
export function inputFindings(text: string, maxBytes: number): Finding[] {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    return [
      {
        range: ZERO,
        severity: 'error',
        code: 'too-large',
        message: `file is ${(bytes / 1048576).toFixed(1)} MB, over the ${maxBytes / 1048576} MB limit: not analysed`,
      },
    ];
  }
  if (text.includes('\u0000')) {
    return [
      {
        range: ZERO,
        severity: 'error',
        code: 'binary',
        message: 'file looks binary (it contains NUL bytes): not analysed',
      },
    ];
  }
  return [];
}

/** Syntax errors, at most 20, outermost first. */
export function syntaxFindings(root: SyntaxNode): Finding[] {
  const out: Finding[] = [];
  const visit = (n: SyntaxNode) => {
    if (out.length >= MAX_SYNTAX_FINDINGS) return;
    if (n.type === TOO_DEEP) {
      out.push({
        range: n.range,
        severity: 'error',
        code: 'syntax',
        message: `nesting too deep: more than ${MAX_NESTING} levels (Python itself refuses this); this part is not analysed`,
      });
      return;
    }
    if (n.type === 'ERROR' || n.isMissing) {
      out.push({
        range: n.range,
        severity: 'error',
        code: 'syntax',
        message: n.isMissing ? `syntax error: missing ${n.type}` : 'syntax error: this code does not parse',
      });
      return;
    }
    if (n.hasError) n.children.forEach(visit);
  };
  visit(root);
  return out;
}
