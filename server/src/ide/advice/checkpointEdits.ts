// The edit that swaps a loaded checkpoint for a catalogued sibling: the name inside the string literal
// (with an Auto class when a family-specific class cannot load the sibling), or the torchvision /
// keras.applications builder the call names.
import type { CatalogEntry, CheckpointKind } from '../../core/catalog/modelCatalog';
import type { SyntaxNode } from '../../core/parse/syntax';
import { field } from '../../core/parse/syntax';
import type { ModelReport } from '../../core/report/types';
import type { EditItem } from '../items';
import { moduleImport } from '../syntax/edits';
import type { View } from '../view';
import { calleeName, rangeKey, textOf, walk } from '../syntax/pySyntax';
import { pointAt } from '../syntax/ranges';

/** Loaders by the callee as written; the first match wins. */
const LOADERS: [RegExp, CheckpointKind][] = [
  [/(^|\.)from_pretrained$/, 'hf'],
  [/(^|\.)pipeline$/, 'hf'],
  [/(^|\.)create_model$/, 'timm'],
  [/(^|\.)get_model$/, 'torchvision'],
  [/(^|\.)SentenceTransformer$/, 'sentence-transformers'],
  [/(^|\.)YOLO$/, 'ultralytics'],
  [/(^|\.)hub\.load$/, 'torch-hub'],
];

/** The replacement name and the edits, or undefined when the loader as written cannot load the sibling. */
export function loaderEdits(
  view: View,
  root: SyntaxNode,
  model: ModelReport,
  entry: CatalogEntry,
  sibling: CatalogEntry,
): { name: string; edits: EditItem[] } | undefined {
  const nodes = nodesAt(
    root,
    [model.range, model.layers[0]?.callRange].filter((r): r is NonNullable<typeof r> => !!r),
  );
  const literal = nodes.find((n) => n.type === 'string');
  const call = nodes.find((n) => n.type === 'call');
  if (!call) return undefined;
  const callee = calleeName(view.source, call);
  return literal
    ? literalEdits(view, root, call, callee, literal, entry, sibling)
    : builderEdits(view, root, call, entry, sibling);
}

function literalEdits(
  view: View,
  root: SyntaxNode,
  call: SyntaxNode,
  callee: string,
  literal: SyntaxNode,
  entry: CatalogEntry,
  sibling: CatalogEntry,
) {
  const kind = LOADERS.find(([re]) => re.test(callee))?.[1];
  const text = textOf(view.source, literal);
  const quote = text.search(/['"]/);
  if (!kind || quote < 0 || /^[^'"]*[fF]/.test(text.slice(0, quote))) return undefined;
  const written = text.slice(quote).replace(/^('''|"""|'|")|('''|"""|'|")$/g, '');
  const name = nameFor(sibling, kind, written);
  if (!name) return undefined;
  const q = /^('''|""")/.test(text.slice(quote)) ? 3 : 1;
  const start = literal.startIndex + quote + q;
  const edits: EditItem[] = [
    {
      range: { start: pointAt(view.source, start).start, end: pointAt(view.source, literal.endIndex - q).start },
      newText: name,
    },
  ];
  const cls = /^(?:.*\.)?([A-Z]\w*)\.from_pretrained$/.exec(callee)?.[1];
  if (cls && !cls.startsWith('Auto') && sibling.family !== entry.family) {
    const auto = autoClass(cls);
    const object = field(field(call, 'function')!, 'object');
    if (!auto || !object) return undefined;
    edits.unshift({ range: object.range, newText: `transformers.${auto}` });
    const imp = moduleImport(view.source, root, 'transformers');
    if (imp) edits.unshift(imp);
  }
  return { name, edits };
}

/** `torchvision.models.resnet50(weights=...)` / `keras.applications.ResNet50(...)`: the builder itself is renamed. */
function builderEdits(view: View, root: SyntaxNode, call: SyntaxNode, entry: CatalogEntry, sibling: CatalogEntry) {
  if (entry.kind !== 'torchvision' && entry.kind !== 'keras') return undefined;
  const name = nameFor(sibling, entry.kind, '');
  const fn = field(call, 'function');
  if (!name || !fn) return undefined;
  const edits: EditItem[] = [];
  if (fn.type === 'attribute') edits.push({ range: field(fn, 'attribute')!.range, newText: name });
  else if (fn.type === 'identifier' && entry.kind === 'torchvision') {
    edits.push({ range: fn.range, newText: `torchvision.models.${name}` });
    const imp = moduleImport(view.source, root, 'torchvision');
    if (imp) edits.unshift(imp);
  } else return undefined;
  if (entry.kind === 'torchvision') {
    // Weights enums are per architecture (ResNet50_Weights.DEFAULT): ask for the sibling's default weights by name.
    const args = field(call, 'arguments');
    const weights = args?.children.find((c) => c.type === 'keyword_argument' && field(c, 'name')?.text === 'weights');
    const value = weights && field(weights, 'value');
    if (value && !/^(None|["']DEFAULT["'])$/.test(textOf(view.source, value)))
      edits.push({ range: value.range, newText: '"DEFAULT"' });
  }
  return { name, edits };
}

/** The sibling's name for a loader of `kind`, in the style of the name written (org-prefixed or not). */
function nameFor(sibling: CatalogEntry, kind: CheckpointKind, written: string): string | undefined {
  const names = [{ name: sibling.id, kind: sibling.kind }, ...sibling.aliases]
    .filter((c) => c.kind === kind || (kind === 'sentence-transformers' && c.kind === 'hf'))
    .map((c) => c.name)
    .filter((n) => !/^(tf\.)?keras\.|^torchvision\./.test(n));
  const prefixed = written.includes('/');
  return names.find((n) => n.includes('/') === prefixed) ?? names[0];
}

/** The transformers Auto class that loads any family for a family-specific class name. */
function autoClass(cls: string): string | undefined {
  if (/LMHeadModel$/.test(cls)) return 'AutoModelForCausalLM';
  const head = /(For[A-Z]\w*)$/.exec(cls)?.[1];
  if (head) return `AutoModel${head}`;
  return /Model$/.test(cls) ? 'AutoModel' : undefined;
}

/** Nodes whose range is exactly one of `ranges`, outermost first. */
function nodesAt(root: SyntaxNode, ranges: SyntaxNode['range'][]): SyntaxNode[] {
  const keys = new Set(ranges.map(rangeKey));
  const out: SyntaxNode[] = [];
  walk(root, (node) => {
    const r = node.range;
    if (!ranges.some((x) => r.start.line <= x.end.line && x.start.line <= r.end.line)) return false;
    if (keys.has(rangeKey(r))) out.push(node);
    return true;
  });
  return out;
}
