// Source patterns the language server checks for: where root models are built and called,
// inference loops that keep autograd on, and convolutions whose bias a BatchNorm right after cancels.
import type { LayerReport, ModelReport } from '../../core/report/types';
import type { SyntaxNode } from '../../core/parse/syntax';
import { field } from '../../core/parse/syntax';
import { calleeName, enclosingStatement, nodesByRange, rangeKey, textOf, walk } from '../syntax/pySyntax';
import { primaryModels, type View } from '../view';

/** `variable = Model(...)`: where a root model is built. */
export interface ModelBinding {
  model: ModelReport;
  variable: string;
  statement: SyntaxNode;
}

/** A call of a bound model (`model(x)` or `model.forward(x)`). */
export interface ModelCall {
  binding: ModelBinding;
  call: SyntaxNode;
  /** The simple statement holding the call, when it is one that can be wrapped. */
  statement: SyntaxNode | undefined;
  ancestors: SyntaxNode[];
  gradDisabled: boolean;
  autocast: boolean;
}

/** A `for` loop that calls a model with autograd on and never calls backward(). */
export interface InferenceLoop {
  loop: SyntaxNode;
  variable: string;
}

/** A convolution with a bias whose output goes straight into a BatchNorm. */
export interface ConvBeforeNorm {
  model: ModelReport;
  conv: LayerReport;
  norm: LayerReport;
  /** Where to insert `, bias=False` (an offset in the source), or the `True` to replace. */
  insertAt: number | null;
  replace: SyntaxNode | null;
}

interface Scan {
  bindings: ModelBinding[];
  calls: ModelCall[];
}

const cache = new WeakMap<View, Scan>();
/** Methods that return the module itself, so `Net().to(device).eval()` is still the model. */
const CHAIN = new Set(['to', 'eval', 'train', 'cuda', 'cpu', 'float', 'half', 'double', 'bfloat16', 'requires_grad_']);
const GRAD_OFF = /no_grad|inference_mode|set_grad_enabled\s*\(\s*(False|mode\s*=\s*False)/;
const TRAINING = /\.backward\s*\(|\.step\s*\(|\.zero_grad\s*\(/;

/** Root-model bindings and their calls, found once per view. */
export function scanModels(view: View): Scan {
  let scan = cache.get(view);
  if (!scan) {
    scan = doScan(view);
    cache.set(view, scan);
  }
  return scan;
}

function doScan(view: View): Scan {
  const root = view.analysis.root;
  if (!root) return { bindings: [], calls: [] };
  const roots = view.file.models.filter((m) => m.root);
  const bindings: ModelBinding[] = [];
  walk(root, (node, ancestors) => {
    if (node.type !== 'assignment') return;
    const left = field(node, 'left');
    const right = field(node, 'right');
    if (left?.type !== 'identifier' || !right) return;
    const model = modelBuiltBy(view, left.text, right, roots);
    const statement = enclosingStatement(ancestors, node);
    const known = bindings.some((b) => b.model === model && b.variable === left.text);
    if (model && statement && !known) bindings.push({ model, variable: left.text, statement });
  });
  return { bindings, calls: findCalls(view, root, bindings) };
}

function modelBuiltBy(view: View, variable: string, right: SyntaxNode, roots: ModelReport[]): ModelReport | undefined {
  let expr = right;
  while (expr.type === 'call') {
    const fn = field(expr, 'function');
    if (fn?.type !== 'attribute' || !CHAIN.has(field(fn, 'attribute')?.text ?? '')) break;
    expr = field(fn, 'object')!;
  }
  if (expr.type !== 'call') return undefined;
  const callee = calleeName(view.source, expr).split('.').pop();
  // A factory (`model = resnet50()`) builds a model of another name: the report says which
  // module-level variables hold it, so advice follows the model however it was built.
  return (
    roots.find((m) => m.name === callee) ??
    roots.find((m) => m.name === variable) ??
    roots.find((m) => m.framework === 'hub' && within(m.range, expr.range)) ??
    roots.find((m) => m.variables?.includes(variable) && atModuleLevel(view, right))
  );
}

/** Whether an expression is in a module-level statement (the report's variables are module-level names). */
function atModuleLevel(view: View, node: SyntaxNode): boolean {
  const root = view.analysis.root;
  return (
    !!root &&
    root.children.some(
      (c) =>
        c.startIndex <= node.startIndex &&
        node.endIndex <= c.endIndex &&
        c.type !== 'function_definition' &&
        c.type !== 'class_definition' &&
        c.type !== 'decorated_definition',
    )
  );
}

/** Whether `inner` lies inside `outer` (a checkpoint string inside its from_pretrained call). */
function within(inner: SyntaxNode['range'], outer: SyntaxNode['range']): boolean {
  const le = (a: SyntaxNode['range']['start'], b: SyntaxNode['range']['start']) =>
    a.line < b.line || (a.line === b.line && a.character <= b.character);
  return le(outer.start, inner.start) && le(inner.end, outer.end);
}

function findCalls(view: View, root: SyntaxNode, bindings: ModelBinding[]): ModelCall[] {
  const byName = new Map(bindings.map((b) => [b.variable, b]));
  const calls: ModelCall[] = [];
  if (!byName.size) return calls;
  walk(root, (node, ancestors) => {
    if (node.type !== 'call') return;
    const name = calleeName(view.source, node).replace(/\.forward$/, '');
    const binding = byName.get(name);
    if (!binding) return;
    const chain = [...ancestors];
    calls.push({
      binding,
      call: node,
      ancestors: chain,
      statement: enclosingStatement(chain, node),
      gradDisabled: chain.some((a) => contextMatches(view, a, GRAD_OFF)),
      autocast: chain.some((a) => contextMatches(view, a, /autocast/)),
    });
  });
  return calls;
}

/** Whether `node` is a `with` whose items, or a decorated function whose decorators, match `pattern`. */
function contextMatches(view: View, node: SyntaxNode, pattern: RegExp): boolean {
  if (node.type === 'with_statement') {
    const body = field(node, 'body');
    return pattern.test(view.source.text.slice(node.startIndex, body ? body.startIndex : node.endIndex));
  }
  if (node.type === 'decorated_definition') {
    return node.children.some((c) => c.type === 'decorator' && pattern.test(textOf(view.source, c)));
  }
  return false;
}

/** For loops that call a root model with autograd on and do no training step (outermost such loop). */
export function inferenceLoops(view: View): InferenceLoop[] {
  const out: InferenceLoop[] = [];
  for (const call of scanModels(view).calls) {
    if (call.gradDisabled) continue;
    const loop = call.ancestors.find((a) => a.type === 'for_statement' && !TRAINING.test(textOf(view.source, a)));
    if (loop && !out.some((l) => l.loop === loop)) out.push({ loop, variable: call.binding.variable });
  }
  return out;
}

/** Conv layers with a bias that feed a BatchNorm directly, with how to set bias=False. */
export function convsBeforeNorm(view: View): ConvBeforeNorm[] {
  const root = view.analysis.root;
  if (!root) return [];
  const out: ConvBeforeNorm[] = [];
  const seen = new Set<string>();
  let calls: Map<string, SyntaxNode> | undefined;
  for (const model of primaryModels(view)) {
    model.layers.forEach((conv, i) => {
      const norm = model.layers[i + 1];
      if (!norm || !isConvFeedingNorm(conv, norm)) return;
      const key = rangeKey(conv.range);
      if (seen.has(key)) return;
      seen.add(key);
      calls ??= nodesByRange(root, 'call');
      const site = biasSite(view, calls.get(key), conv);
      if (site) out.push({ model, conv, norm, ...site });
    });
  }
  return out;
}

function isConvFeedingNorm(conv: LayerReport, norm: LayerReport): boolean {
  if (!/^Conv(Transpose)?[123]d$/.test(conv.op) || !/^BatchNorm[123]d$/.test(norm.op)) return false;
  if (conv.outputShape && norm.inputShape && conv.outputShape.join() !== norm.inputShape.join()) return false;
  return true;
}

/** Where the conv's constructor call gets `bias=False`; undefined when it has no bias or cannot be told. */
function biasSite(
  view: View,
  call: SyntaxNode | undefined,
  conv: LayerReport,
): { insertAt: number | null; replace: SyntaxNode | null } | undefined {
  if (!call || !calleeName(view.source, call).endsWith(conv.op)) return undefined;
  const args = field(call, 'arguments');
  if (!args || args.type !== 'argument_list') return undefined;
  const items = args.children.filter((c) => c.type !== 'comment');
  if (items.some((c) => c.type === 'dictionary_splat' || c.type === 'list_splat')) return undefined;
  const bias = items.find((c) => c.type === 'keyword_argument' && field(c, 'name')?.text === 'bias');
  if (bias) {
    const value = field(bias, 'value');
    return value?.text === 'True' ? { insertAt: null, replace: value } : undefined;
  }
  const positional = items.filter((c) => c.type !== 'keyword_argument');
  if (positional.length >= 8 || items.length === 0) return undefined;
  return { insertAt: items[items.length - 1].endIndex, replace: null };
}
