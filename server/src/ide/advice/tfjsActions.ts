// TF.js actions: weight quantization for the converted model, as a commented tensorflowjs_converter
// instruction after the statement that finishes building the model (TF.js has no in-code form).
import type { Range, SyntaxNode } from '../../core/parse/syntax';
import * as fmt from '../format';
import type { ActionItem } from '../items';
import { forwardSaving, modelEnergy, type View } from '../view';
import { indentOf } from '../syntax/pySyntax';
import { overlaps } from '../syntax/ranges';
import { lineCount, lineText } from '../sources';

const BLOCKS = new Set(['program', 'statement_block']);

/** For each TF.js model on the line range: `// tensorflowjs_converter --quantize_uint8 ...` after the model is built. */
export function tfjsActions(view: View, root: SyntaxNode | null, range: Range): ActionItem[] {
  if (!root) return [];
  const out: ActionItem[] = [];
  for (const model of view.file.models) {
    if (model.framework !== 'tfjs' || !model.root || !overlaps(model.range, range)) continue;
    const statement = statementAt(root, model.range.end);
    if (!statement) continue;
    const indent = indentOf(view.source, statement.range.start.line);
    const lines = [
      '// WattLens: quantize the weights to 8 bits when converting for TF.js: after model.save(), run',
      '//   tensorflowjs_converter --input_format=tfjs_layers_model --output_format=tfjs_layers_model --quantize_uint8 model.json quantized/',
      '// (TF.js dequantizes the weights when it loads them: a 4x smaller download, the same compute per inference).',
    ].map((l) => `${indent}${l}`);
    const last = statement.range.end.line;
    const atEnd = last + 1 >= lineCount(view.source);
    const position = atEnd
      ? { line: last, character: lineText(view.source, last).length }
      : { line: last + 1, character: 0 };
    const newText = atEnd ? `\n${lines.join('\n')}` : `${lines.join('\n')}\n`;
    const bytes = model.totals.weightBytes;
    const size =
      bytes !== null
        ? `weights ${fmt.bytes(bytes)} → ${fmt.bytes(bytes / 4)} to download`
        : 'weights 4× smaller to download';
    out.push({
      title:
        `Quantize ${model.name}'s weights to uint8 when converting (tensorflowjs_converter --quantize_uint8, as a commented instruction) ` +
        `(${size}; ±0% compute energy on ${view.profile?.id ?? '?'}: TF.js computes in float32)`,
      kind: 'refactor.rewrite',
      advice: 'tfjs-quantize-uint8',
      // TF.js dequantizes on load: the computation, and so the energy per forward pass, is unchanged.
      saving: forwardSaving(view, model, modelEnergy(model) ?? 'the energy is unknown'),
      edits: [{ range: { start: position, end: position }, newText }],
    });
  }
  return out;
}

/** The innermost statement directly in a block that contains `position`. */
function statementAt(root: SyntaxNode, position: { line: number; character: number }): SyntaxNode | undefined {
  let found: SyntaxNode | undefined;
  const visit = (node: SyntaxNode): void => {
    for (const child of node.children) {
      if (!contains(child.range, position)) continue;
      if (BLOCKS.has(node.type) && child.type !== 'comment') found = child;
      visit(child);
    }
  };
  visit(root);
  return found;
}

function contains(r: Range, p: { line: number; character: number }): boolean {
  const afterStart = p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character);
  const beforeEnd = p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character);
  return afterStart && beforeEnd;
}
