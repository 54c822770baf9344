// The input of a model the file builds but never calls, found the way a reader finds it: a tensor the
// file builds that fits the model (the one passed later first, then one the first layer accepts), one
// batch of a DataLoader, else a stated default from the first layer, marked as an assumption.
import type { SyntaxNode } from '../parse/syntax';
import type { ModuleV, TensorV, Value } from '../interpreter/python/values';
import type { ArgValue } from '../layers/layerSpec';
import { descendantsOfType } from '../frameworks/hub/syntaxArgs';
import { field } from '../parse/syntax';
import type { LoaderInfo } from './training/trainingData';
import { isNumpyArray } from '../frameworks/numpy/numpyNamespace';

/** Which rule gave a model its input (the report's `input.rule`). */
export type InputRule = 'option' | 'declared' | 'call' | 'model' | 'tensor' | 'loader' | 'assumed' | 'catalog';

/** An input found by one of the rules, with the sentence `input.source` shows. */
export interface InferredInput {
  tensors: TensorV[];
  source: string;
  rule: InputRule;
}

/** What the rules read: the module scope, the syntax (to see later calls) and the DataLoaders. */
export interface InputContext {
  vars: Map<string, Value>;
  root?: SyntaxNode;
  loaderOf: (v: Value) => LoaderInfo | undefined;
}

/** The context length a token model assumes when its code states none. */
export const DEFAULT_TOKENS = 512;
/** Time steps assumed for a recurrent or attention first layer. */
export const DEFAULT_STEPS = 128;

/** Tensors the file builds, then a DataLoader's batch, then the first layer's default; undefined when no rule applies. */
export function inferInput(m: ModuleV, ctx: InputContext): InferredInput | undefined {
  const leaf = firstLayer(m);
  return builtTensor(m, leaf, ctx) ?? loaderBatch(leaf, ctx) ?? assumedInput(m, leaf);
}

/** The first built-in layer in registration order (what `named_modules()` lists first). */
export function firstLayer(m: ModuleV, seen = new Set<ModuleV>()): ModuleV | undefined {
  if (seen.has(m)) return undefined;
  seen.add(m);
  if (m.spec) return m;
  for (const child of m.children.values()) {
    const leaf = firstLayer(child, seen);
    if (leaf) return leaf;
  }
  return undefined;
}

const num = (v: ArgValue | undefined): number | undefined => (typeof v === 'number' ? v : undefined);
const arg = (leaf: ModuleV, name: string) => leaf.layerArgs?.[name];
const isInteger = (t: TensorV) => /^u?int/.test(t.dtype);

/** Whether the first layer can take `t` as its input (true when there is no rule for the layer). */
export function firstLayerAccepts(leaf: ModuleV | undefined, t: TensorV): boolean {
  const shape = t.shape;
  if (!leaf || !shape) return true;
  const op = leaf.spec?.op ?? '';
  const conv = /^Conv(Transpose)?([123])d$/.exec(op);
  if (conv) return shape.length === Number(conv[2]) + 2 && shape[1] === num(arg(leaf, 'in_channels')) && !isInteger(t);
  if (op === 'Linear') return shape[shape.length - 1] === num(arg(leaf, 'in_features')) && !isInteger(t);
  if (op === 'Embedding' || op === 'EmbeddingBag') return isInteger(t);
  if (['LSTM', 'GRU', 'RNN'].includes(op)) return shape.length === 3 && shape[2] === num(arg(leaf, 'input_size'));
  if (op === 'MultiheadAttention') return shape.length === 3 && shape[2] === num(arg(leaf, 'embed_dim'));
  const bn = /^(BatchNorm|InstanceNorm)([123])d$/.exec(op);
  if (bn) return shape.length === Number(bn[2]) + 2 && shape[1] === num(arg(leaf, 'num_features'));
  return true;
}

/** Rule 1: module-level tensors built by a factory; the one passed to the model later, else one the first layer accepts. */
function builtTensor(m: ModuleV, leaf: ModuleV | undefined, ctx: InputContext): InferredInput | undefined {
  const candidates = [...ctx.vars].filter(
    (e): e is [string, TensorV] => e[1].kind === 'tensor' && !!e[1].shape && !e[1].isParam && !!e[1].origin,
  );
  if (candidates.length === 0) return undefined;
  const modelNames = new Set([...ctx.vars].filter(([, v]) => v === m).map(([k]) => k));
  const passed = ctx.root ? laterCall(ctx.root, modelNames, new Set(candidates.map(([k]) => k))) : undefined;
  if (passed) {
    const t = candidates.find(([k]) => k === passed.name)![1];
    const fed = asModelInput(t);
    return {
      tensors: [fed.tensor],
      rule: 'tensor',
      source: `${fed.what} ${passed.name} (${t.origin}${fed.note}), passed to the model at line ${passed.line}`,
    };
  }
  const fits = candidates.filter(([, t]) => firstLayerAccepts(leaf, asModelInput(t).tensor));
  if (fits.length === 0) return undefined;
  const [name, t] = fits[0];
  const fed = asModelInput(t);
  const why =
    candidates.length === 1 ? 'the one tensor the file builds' : "the first tensor the model's first layer accepts";
  return {
    tensors: [fed.tensor],
    rule: 'tensor',
    source: `${fed.what} ${name} (${t.origin}${fed.note}): ${why}, never passed to the model`,
  };
}

/**
 * How a built tensor reaches a torch model: a NumPy float64 array goes in as float32, as
 * `torch.from_numpy(x).float()` feeds it (a float64 input to float32 weights is an error in PyTorch).
 */
function asModelInput(t: TensorV): { tensor: TensorV; what: string; note: string } {
  if (!isNumpyArray(t)) return { tensor: t, what: 'tensor', note: '' };
  if (t.dtype !== 'float64') return { tensor: t, what: 'NumPy array', note: '' };
  return { tensor: { ...t, dtype: 'float32' }, what: 'NumPy array', note: '; float64, fed as float32' };
}

/** A call `model(x)` or `model.forward(x)` anywhere in the file (a later cell, a loop body, a function). */
function laterCall(
  root: SyntaxNode,
  models: Set<string>,
  tensors: Set<string>,
): { name: string; line: number } | undefined {
  if (models.size === 0) return undefined;
  for (const call of descendantsOfType(root, 'call')) {
    const fn = field(call, 'function');
    const callee =
      fn?.type === 'identifier'
        ? fn.text
        : fn?.type === 'attribute' && field(fn, 'attribute')?.text === 'forward'
          ? field(fn, 'object')?.text
          : undefined;
    if (!callee || !models.has(callee)) continue;
    const first = field(call, 'arguments')?.children.find((c) => c.type !== 'comment' && c.type !== 'keyword_argument');
    if (first?.type === 'identifier' && tensors.has(first.text))
      return { name: first.text, line: call.range.start.line + 1 };
  }
  return undefined;
}

/** Rule 2: one batch of a module-level DataLoader whose sample shapes and batch size are known. */
function loaderBatch(leaf: ModuleV | undefined, ctx: InputContext): InferredInput | undefined {
  for (const [name, v] of ctx.vars) {
    const info = ctx.loaderOf(v);
    const sample = info?.dataset.sample?.[0];
    if (!info || info.batch === null || !sample?.shape) continue;
    const t: TensorV = { kind: 'tensor', shape: [info.batch, ...sample.shape], dtype: sample.dtype };
    if (!firstLayerAccepts(leaf, t)) continue;
    return {
      tensors: [t],
      rule: 'loader',
      source: `one batch of DataLoader ${name} (line ${info.range.start.line + 1}): batch ${info.batch} of ${info.dataset.source}`,
    };
  }
  return undefined;
}

/** Rule 3: the stated default of the first layer, written as an assumption with its rule. */
export function assumedInput(m: ModuleV, leaf: ModuleV | undefined): InferredInput | undefined {
  if (!leaf) return undefined;
  const stated = defaultShape(m, leaf);
  if (!stated) return undefined;
  const t: TensorV = { kind: 'tensor', shape: stated.shape, dtype: stated.dtype };
  return {
    tensors: [t],
    rule: 'assumed',
    source: `assumed: first layer ${stated.layer} → ${stated.shape.join('×')}${stated.why ? ` (${stated.why})` : ''}`,
  };
}

interface StatedDefault {
  shape: number[];
  dtype: TensorV['dtype'];
  layer: string;
  why?: string;
}

function defaultShape(m: ModuleV, leaf: ModuleV): StatedDefault | undefined {
  const op = leaf.spec?.op ?? '';
  const conv = /^Conv([123])d$/.exec(op);
  const first = (name: string) => num(arg(leaf, name));
  if (conv) {
    const c = first('in_channels');
    if (c === undefined) return undefined;
    const layer = `${op}(${c}, …)`;
    if (conv[1] === '2')
      return c === 1
        ? { shape: [1, 1, 28, 28], dtype: 'float32', layer, why: 'one grey-scale MNIST-size image' }
        : { shape: [1, c, 224, 224], dtype: 'float32', layer, why: 'one ImageNet-size image' };
    if (conv[1] === '1') return { shape: [1, c, 1024], dtype: 'float32', layer, why: '1,024 samples' };
    return { shape: [1, c, 16, 112, 112], dtype: 'float32', layer, why: 'one 16-frame 112×112 clip' };
  }
  if (op === 'Linear') {
    const n = first('in_features');
    return n === undefined ? undefined : { shape: [1, n], dtype: 'float32', layer: `Linear(${n}, …)` };
  }
  if (op === 'Embedding') {
    const context = contextLength(m, leaf);
    return {
      shape: [1, context.tokens],
      dtype: 'int64',
      layer: `Embedding(${first('num_embeddings') ?? '…'}, ${first('embedding_dim') ?? '…'})`,
      why: context.why,
    };
  }
  if (['LSTM', 'GRU', 'RNN', 'MultiheadAttention'].includes(op)) {
    const width = first(op === 'MultiheadAttention' ? 'embed_dim' : 'input_size');
    if (width === undefined) return undefined;
    const batchFirst = arg(leaf, 'batch_first') === true;
    const shape = batchFirst ? [1, DEFAULT_STEPS, width] : [DEFAULT_STEPS, 1, width];
    return {
      shape,
      dtype: 'float32',
      layer: `${op}(${width}, …)`,
      why: `${DEFAULT_STEPS} steps, batch_first=${batchFirst ? 'True' : 'False'}`,
    };
  }
  return undefined;
}

const CONTEXT_ATTRS = [
  'block_size',
  'max_len',
  'max_length',
  'max_seq_len',
  'max_seq_length',
  'seq_len',
  'context_length',
  'n_positions',
  'n_ctx',
  'max_position_embeddings',
];

/** A token model's own context length: a positional table, or a block_size-like attribute; else DEFAULT_TOKENS. */
function contextLength(m: ModuleV, tokenTable: ModuleV): { tokens: number; why: string } {
  for (const [path, mod] of modules(m)) {
    if (mod === tokenTable || mod.spec?.op !== 'Embedding' || !/pos|wpe|position/i.test(path)) continue;
    const n = num(arg(mod, 'num_embeddings'));
    if (n) return { tokens: n, why: `the positional table ${path} has ${n} rows` };
  }
  for (const [path, mod] of modules(m)) {
    for (const key of CONTEXT_ATTRS) {
      const v = mod.attrs.get(key) ?? configAttr(mod, key);
      if (v?.kind === 'int' && v.value > 0)
        return { tokens: v.value, why: `${path ? `${path}.` : ''}${key} = ${v.value}` };
    }
  }
  return { tokens: DEFAULT_TOKENS, why: `the code states no context length: ${DEFAULT_TOKENS} tokens` };
}

/** `self.config.block_size` style attributes (nanoGPT's GPTConfig dataclass). */
function configAttr(mod: ModuleV, key: string): Value | undefined {
  const config = mod.attrs.get('config');
  return config?.kind === 'instance' ? config.attrs.get(key) : undefined;
}

/** Every module of the tree with its path, the root first. */
function modules(m: ModuleV, path = '', seen = new Set<ModuleV>()): [string, ModuleV][] {
  if (seen.has(m)) return [];
  seen.add(m);
  const out: [string, ModuleV][] = [[path, m]];
  for (const [name, child] of m.children) out.push(...modules(child, path ? `${path}.${name}` : name, seen));
  return out;
}
