// Pretrained checkpoints in the interpreter: each load (from_pretrained, create_model, resnet50(), …)
// becomes an nn.Module value costed from the catalog, usable as a root or as a block of a user model.
import type { Precision } from '../../report/types';
import { tableLayers } from '../../catalog/layerTables';
import type { Range, SyntaxNode } from '../../parse/syntax';
import {
  type Value,
  type ClassV,
  type ModuleV,
  type TensorV,
  type CallSite,
  type InstanceV,
  type DictV,
  NONE,
  str,
  unknown,
  builtin,
  hashKey,
} from '../../interpreter/python/values';
import type { FrameworkHooks } from '../../interpreter/python/hooks';
import { lookupClassAttr } from '../../interpreter/python/classes';
import type { CatalogEntry, ModelCatalog } from '../../catalog/modelCatalog';
import { transformerMacsPerToken } from '../../catalog/modelCatalog';
import { sequenceMacs, type HfModelShape } from '../../catalog/hfShape';
import type { TorchRuntime } from '../torch/runtime';
import { builtinClass, newModule, ownAttr } from '../torch/modules';
import { checkpointFigures, type CheckpointFigures, type LoadRequest } from './figures';
import type { HfConfigResolver, LocalConfig } from '../../catalog/hfCache';
import {
  DEFAULT_NEW_TOKENS_HF,
  DEFAULT_NEW_TOKENS_VLLM,
  generativeTask,
  loadNumerics,
  newTokensOf,
  promptBatch,
  type GenerationRequest,
  type PromptBatch,
} from './generation';
import type { LoadNumerics } from '../../catalog/generationShapes';
import { argumentNode, callNodeAt } from './syntaxArgs';

/** One checkpoint load in the file: its module value, the request, the catalog figures and where. */
export interface LoadedCheckpoint {
  module: ModuleV;
  request: LoadRequest;
  figures: CheckpointFigures;
  /** Display name: the checkpoint id as written, else the argument's source text. */
  name: string;
  /** The string literal (or argument) naming the checkpoint; the call when there is none. */
  nameRange: Range;
  callRange: Range;
  /** Set when the file replaces part of the loaded network (model.fc = nn.Linear(...)). */
  modifiedAfterLoad?: { range: Range; reason: string };
  /** How the weights are loaded (torch_dtype, 4/8-bit), read from the call's syntax. */
  load: { numerics: LoadNumerics; text: string };
  /** The generate calls the file makes on this checkpoint, one per call site. */
  generations: GenerationRequest[];
  /** torchvision: the weights the call asks for (see ModelReport.weights). */
  weights?: string | null;
  /** The autocast region the file first calls the loaded model in (null: none), as its report costs it. */
  autocast?: { precision: Precision; source: string } | null;
  /** The first call of the loaded model on a costed input (its batch, and where), as the report costs it. */
  firstCall?: { batch: number; shape: number[]; range: Range; reason?: string };
}

/** Where config.json files are looked for: the resolver (cached by path and mtime) and the analysed file's folder. */
export interface LocalConfigs {
  resolver: HfConfigResolver;
  baseDir?: string;
  env?: Record<string, string | undefined>;
}

/** Where the checkpoint name is passed: positional index and/or keyword. */
export interface NameArg {
  value?: Value;
  pos?: number;
  kw?: string;
}

const OUTPUT_METHODS = new Set([
  'generate',
  'encode',
  'encode_queries',
  'encode_documents',
  'predict',
  'predict_on_batch',
  'similarity',
  'embed_query',
  'embed_documents',
  'val',
  'export',
  'track',
  'benchmark',
  'fuse',
  'info',
  'summary',
  'save',
  'save_pretrained',
  'push_to_hub',
  'resize_token_embeddings',
  'get_input_embeddings',
  'gradient_checkpointing_enable',
  'tie_weights',
]);

/** Hub semantics for the interpreter: checkpoint modules, their outputs, tokenizers and model outputs. */
export class HubRuntime implements FrameworkHooks {
  readonly loaded: LoadedCheckpoint[] = [];
  private readonly byModule = new Map<ModuleV, LoadedCheckpoint>();
  /** Plain values the hub owns (tokenizers, model outputs, batch encodings) and their attributes. */
  private readonly objects = new WeakMap<
    object,
    { kind: 'tokenizer' | 'output' | 'encoding'; attrs?: Map<string, Value>; order?: string[] }
  >();
  /** Builtins standing for classes (AutoModel, BertModel): their attributes (from_pretrained). */
  readonly classAttrs = new WeakMap<object, Map<string, Value>>();
  /** Dynamic namespaces: attribute names resolved on demand (torchvision.models.<any>, transformers.<Any>Model). */
  readonly dynamic = new WeakMap<object, (name: string) => Value | undefined>();
  private checkpointClass?: ClassV;
  private tree?: SyntaxNode;
  /** Prompt batches behind tokenizer outputs and their input_ids tensors. */
  readonly prompts = new WeakMap<object, PromptBatch>();
  /** vLLM SamplingParams objects and their keyword arguments. */
  readonly samplingParams = new WeakMap<object, Map<string, Value>>();

  constructor(
    readonly rt: TorchRuntime,
    readonly catalog: ModelCatalog | undefined,
    readonly configs?: LocalConfigs,
  ) {}

  /** Installs torch's nn.Module as the base of checkpoint modules (it gives them .to(), .eval(), .parameters()). */
  setModuleClass(Module: ClassV): void {
    this.checkpointClass = builtinClass('checkpoint', 'layer', [Module], {
      __init__: () => NONE,
      forward: (args, kw, site) => this.forwardInTrace(args[0] as ModuleV, args.slice(1), kw, site),
    });
  }

  /** The syntax tree being run, to locate the string literal that names each checkpoint. */
  setTree(root: SyntaxNode): void {
    this.tree = root;
  }

  /** True for a module value created by a checkpoint load. */
  owns(v: Value): boolean {
    return v.kind === 'module' && this.byModule.has(v);
  }

  /** The load behind a checkpoint module. */
  checkpointOf(v: Value): LoadedCheckpoint | undefined {
    return v.kind === 'module' ? this.byModule.get(v) : undefined;
  }

  /** Loads a checkpoint: resolves it in the catalog and returns its module value. */
  load(request: LoadRequest, nameArg: NameArg, site: CallSite): ModuleV {
    const call = this.tree ? callNodeAt(this.tree, site.range) : undefined;
    const argNode = call ? argumentNode(call, nameArg.pos, nameArg.kw) : undefined;
    const literal = nameArg.value?.kind === 'str' ? nameArg.value.value : undefined;
    const req: LoadRequest = { ...request, name: request.name ?? literal };
    const figures = checkpointFigures(this.catalog, req, this.localConfig(req));
    const m = newModule(this.checkpointClass!, site.range);
    if (figures.params !== null)
      m.params.set('catalog_params', { kind: 'tensor', shape: [figures.params], dtype: 'float32', isParam: true });
    else m.unresolved = `${req.name ?? argNode?.text ?? req.loader}: ${figures.reason}`;
    const name = req.name ?? argNode?.text ?? (req.loader.endsWith(')') ? req.loader : `${req.loader}(…)`);
    const lc: LoadedCheckpoint = {
      module: m,
      request: req,
      figures,
      name,
      nameRange: argNode?.range ?? site.range,
      callRange: site.range,
      load: loadNumerics(
        call,
        req.name ?? '',
        figures.shape?.quantization,
        req.loader === 'vllm.LLM' ? 'auto' : undefined,
      ),
      generations: [],
      ...(req.kind === 'torchvision' && call ? { weights: torchvisionWeights(call, figures.entry) } : {}),
    };
    this.loaded.push(lc);
    this.byModule.set(m, lc);
    return m;
  }

  /** A config.json on disk for a Hugging Face load (a local folder, or the id in the local cache), if any. */
  private localConfig(req: LoadRequest): LocalConfig | undefined {
    if (!this.configs || req.kind !== 'hf' || req.name === undefined || req.reason) return undefined;
    return this.configs.resolver.find(req.name, { baseDir: this.configs.baseDir, env: this.configs.env });
  }

  /** Records one generate call on a checkpoint (each call site once; a loop that repeats it counts its calls). */
  recordGeneration(
    lc: LoadedCheckpoint,
    batch: PromptBatch,
    newTokens: GenerationRequest['newTokens'],
    site: CallSite,
    useCache?: boolean,
  ): void {
    const same = lc.generations.find(
      (g) => g.range.start.line === site.range.start.line && g.range.start.character === site.range.start.character,
    );
    if (same) {
      same.calls++;
      return;
    }
    lc.generations.push({ range: site.range, batch, newTokens, calls: 1, ...(useCache === false ? { useCache } : {}) });
  }

  /** `model.generate(input_ids=..., **enc, max_new_tokens=N | max_length=N)`. */
  private hfGenerate(lc: LoadedCheckpoint, args: Value[], kw: Map<string, Value>, site: CallSite): Value {
    const ids = kw.get('input_ids') ?? args[0] ?? kw.get('inputs');
    const batch = promptBatch(ids, this.prompts);
    const newTokens = newTokensOf(
      kw,
      { newTokens: 'max_new_tokens', maxLength: 'max_length' },
      batch.tokens,
      DEFAULT_NEW_TOKENS_HF,
      "transformers' default max_length=20",
    );
    const cache = kw.get('use_cache');
    this.recordGeneration(lc, batch, newTokens, site, cache?.kind === 'bool' ? cache.value : undefined);
    const rows = batch.rows;
    const total = batch.tokens !== null && newTokens.value !== null ? batch.tokens + newTokens.value : null;
    return {
      kind: 'tensor',
      shape: rows !== null && total !== null ? [rows, total] : null,
      dtype: 'int64',
      reason: 'generated token ids',
    };
  }

  /** A builtin standing for a class with attributes (`AutoModel` with `from_pretrained`). */
  classLike(
    name: string,
    attrs: Record<string, Value>,
    call?: (args: Value[], kw: Map<string, Value>, site: CallSite) => Value,
  ): Value {
    const b = builtin(name, call ?? ((_a, _k, site) => unknown(`${name}(...) is not modelled`, site.range)));
    this.classAttrs.set(b, new Map(Object.entries(attrs)));
    return b;
  }

  /** A tokenizer / processor value: calling it gives a batch encoding. */
  tokenizer(name: string): Value {
    const v: InstanceV = { kind: 'instance', cls: builtinClass(name, 'object', [], {}), attrs: new Map() };
    this.objects.set(v, { kind: 'tokenizer' });
    return v;
  }

  getAttr(obj: Value, name: string, site: CallSite): Value | undefined {
    const cls = this.classAttrs.get(obj);
    if (cls) return cls.get(name) ?? unknown(`${(obj as { name: string }).name}.${name} is not modelled`, site.range);
    const dyn = this.dynamic.get(obj);
    if (dyn && obj.kind === 'namespace' && !obj.attrs.has(name)) {
      const v = dyn(name);
      if (v) obj.attrs.set(name, v);
      return v;
    }
    const own = this.objects.get(obj);
    if (own?.kind === 'encoding') return ['to', 'cuda', 'cpu'].includes(name) ? builtin(name, () => obj) : undefined;
    if (own) return this.objectAttr(obj, own, name, site);
    const lc = this.checkpointOf(obj);
    if (lc) return this.checkpointAttr(lc, name, site);
    return undefined;
  }

  setAttr(obj: Value, name: string, value: Value, site: CallSite): boolean {
    const lc = this.checkpointOf(obj);
    if (!lc) return false;
    lc.module.attrs.set(name, value);
    if (value.kind === 'module' && !lc.modifiedAfterLoad) {
      const reason = `${name} of the loaded checkpoint is replaced at line ${site.range.start.line + 1}: the catalog figures describe the unmodified checkpoint, no figures guessed`;
      lc.modifiedAfterLoad = { range: site.range, reason };
      lc.module.unresolved = `${lc.name}: ${reason}`;
      lc.module.params.clear();
    }
    return true;
  }

  call(callee: Value, args: Value[], kwargs: Map<string, Value>, site: CallSite): Value | undefined {
    const lc = this.checkpointOf(callee);
    if (lc && !this.rt.tracer.active && this.isGenerativePipeline(lc)) {
      const batch = promptBatch(args[0] ?? kwargs.get('text_inputs') ?? kwargs.get('inputs'), this.prompts);
      const newTokens = newTokensOf(
        kwargs,
        { newTokens: 'max_new_tokens', maxLength: 'max_length' },
        null,
        DEFAULT_NEW_TOKENS_HF,
        "transformers' default max_length=20",
      );
      this.recordGeneration(lc, batch, newTokens, site);
      return unknown(`${lc.name}: generated text`, site.range);
    }
    if (lc) {
      if (this.rt.tracer.active) return undefined;
      if (lc.autocast === undefined) lc.autocast = this.rt.precision.activeRegion() ?? null;
      const out = this.output(lc, args, kwargs, site);
      // A model called at the top level on a batch is costed on that batch, as the same code written out would
      // be; a call at a size the catalog has no MACs for makes the report's MACs unknown, not the typical input's.
      if (out.input && !lc.firstCall)
        lc.firstCall = {
          batch: out.input[0],
          shape: out.input,
          range: site.range,
          ...(out.macs === null ? { reason: out.reason } : {}),
        };
      return out.value;
    }
    const own = this.objects.get(callee);
    if (own?.kind === 'tokenizer') return this.encode(args, kwargs);
    return undefined;
  }

  getItem(obj: Value, index: Value, site: CallSite): Value | undefined {
    const own = this.objects.get(obj);
    if (own?.kind !== 'output') return undefined;
    if (index.kind === 'str')
      return own.attrs!.get(index.value) ?? unknown(`model output has no modelled field ${index.value}`, site.range);
    if (index.kind === 'int') {
      const key = own.order![index.value < 0 ? index.value + own.order!.length : index.value];
      return (key && own.attrs!.get(key)) || unknown(`model output field ${index.value} is not modelled`, site.range);
    }
    return unknown('model output slicing is not modelled', site.range);
  }

  private objectAttr(
    obj: Value,
    own: { kind: string; attrs?: Map<string, Value> },
    name: string,
    site: CallSite,
  ): Value {
    if (own.kind === 'output')
      return own.attrs!.get(name) ?? unknown(`model output field ${name} is not modelled`, site.range);
    const attrs = (obj as InstanceV).attrs;
    return attrs.get(name) ?? unknown(`tokenizer.${name} is not modelled`, site.range);
  }

  private isGenerativePipeline(lc: LoadedCheckpoint): boolean {
    const task = /^pipeline\("([^"]+)"\)$/.exec(lc.request.loader)?.[1];
    return generativeTask(task) || /^translation_/.test(task ?? '');
  }

  /** vLLM `llm.generate(prompts, SamplingParams(max_tokens=N))`. */
  vllmGenerate(lc: LoadedCheckpoint, args: Value[], kw: Map<string, Value>, site: CallSite): Value {
    const batch = promptBatch(args[0] ?? kw.get('prompts'), this.prompts);
    const params = args[1] ?? kw.get('sampling_params');
    const sp = params ? this.samplingParams.get(params) : undefined;
    const newTokens = newTokensOf(
      sp ?? new Map(),
      { newTokens: 'max_tokens' },
      null,
      DEFAULT_NEW_TOKENS_VLLM,
      'vLLM SamplingParams default max_tokens=16',
    );
    this.recordGeneration(lc, batch, newTokens, site);
    return unknown(`${lc.name}: generated text`, site.range);
  }

  private checkpointAttr(lc: LoadedCheckpoint, name: string, site: CallSite): Value {
    const own = ownAttr(lc.module, name);
    if (own !== undefined) return own;
    if (name === 'generate')
      return builtin('generate', (a, k, s) =>
        lc.request.loader === 'vllm.LLM' ? this.vllmGenerate(lc, a, k, s) : this.hfGenerate(lc, a, k, s),
      );
    const attr = lookupClassAttr(lc.module.cls, name);
    if (attr !== undefined && name !== 'forward') return this.rt.interp.bindAttr(lc.module, attr, site);
    if (OUTPUT_METHODS.has(name))
      return builtin(name, (_a, _k, s) => unknown(`${lc.name}.${name}(...) output is not modelled`, s.range));
    return unknown(`${lc.name}.${name}: attributes of a pretrained checkpoint are not modelled`, site.range);
  }

  /** Tokenizer call: a dict of input_ids / attention_mask, shaped when padding to a literal max_length. */
  private encode(args: Value[], kw: Map<string, Value>): Value {
    const text = args[0] ?? kw.get('text');
    // A value that already stands for prompts (a dataset column) keeps its row count.
    const known = text && this.prompts.get(text);
    const rows =
      text?.kind === 'str'
        ? 1
        : text?.kind === 'list' || text?.kind === 'tuple'
          ? text.items.length
          : (known?.rows ?? null);
    const maxLen = kw.get('max_length');
    const padded = kw.get('padding')?.kind === 'str' && (kw.get('padding') as { value: string }).value === 'max_length';
    const shape = rows !== null && padded && maxLen?.kind === 'int' ? [rows, maxLen.value] : null;
    const batch: PromptBatch = {
      rows,
      tokens: shape ? shape[1] : null,
      source:
        rows === null
          ? (known?.source ?? 'the tokenizer input is not a literal string or list')
          : `${known ? `${known.source}, ` : ''}${rows} prompt${rows === 1 ? '' : 's'} through the tokenizer${shape ? ` padded to max_length=${shape[1]}` : ''}`,
    };
    const t = (): TensorV =>
      shape
        ? { kind: 'tensor', shape, dtype: 'int64', origin: 'tokenizer output' }
        : {
            kind: 'tensor',
            shape: null,
            dtype: 'int64',
            reason: 'the token count depends on the text (pad to a literal max_length to fix it)',
          };
    const d: DictV = { kind: 'dict', entries: new Map() };
    for (const k of ['input_ids', 'attention_mask']) {
      const tensor = t();
      this.prompts.set(tensor, batch);
      d.entries.set(hashKey(str(k)), { key: str(k), value: tensor });
    }
    this.objects.set(d, { kind: 'encoding' });
    this.prompts.set(d, batch);
    return d;
  }

  /**
   * The forward of a checkpoint inside a traced user model: its catalogued layers (a torchvision
   * backbone, as its source builds it), else one recorded layer with catalog MACs.
   */
  private forwardInTrace(m: ModuleV, args: Value[], kw: Map<string, Value>, site: CallSite): Value {
    const lc = this.byModule.get(m)!;
    const out = this.output(lc, args, kw, site);
    const table = lc.figures.layers?.table;
    // The dataflow of a profiling run wants the one checkpoint node: the table's layers carry no tensors.
    if (table && out.macs !== null && out.input && !this.rt.tracer.flow) {
      this.rt.tracer.recordTable(tableLayers(table, out.input[0]), m, lc.nameRange, site.range);
      return out.value;
    }
    const inputs = [...args, ...kw.values()].filter((a): a is TensorV => a.kind === 'tensor');
    if (out.reason) this.rt.tracer.problem(site.range, `${lc.name}: ${out.reason}`, 'unresolved-call');
    this.rt.tracer.record(
      {
        op: 'checkpoint',
        inputs,
        output: out.tensor ?? null,
        macs: out.macs,
        extraFlops: 0,
        paramElems: lc.figures.params ?? undefined,
        reason: out.reason,
      },
      lc.nameRange,
      site.range,
      m,
    );
    return out.value;
  }

  /** What calling a checkpoint returns, and its MACs for the batch (null with a reason when unknown). */
  private output(
    lc: LoadedCheckpoint,
    args: Value[],
    kw: Map<string, Value>,
    site: CallSite,
  ): { value: Value; tensor?: TensorV; macs: number | null; reason?: string; input?: number[] } {
    const f = lc.figures;
    const why = lc.modifiedAfterLoad?.reason ?? f.reason;
    if (why || (!f.entry && !f.shape))
      return { value: unknown(`${lc.name}: ${why}`, site.range), macs: null, reason: why };
    const first = [...args, ...kw.values()].find((a): a is TensorV => a.kind === 'tensor');
    if (!first?.shape) {
      const reason =
        first?.reason ??
        'the input is not a tensor of known shape (text / file paths are tokenized or decoded at run time)';
      return { value: unknown(`${lc.name}: ${reason}`, site.range), macs: null, reason };
    }
    if (!f.entry) return this.configOutput(lc, f.shape!, first.shape, site);
    const costed = this.costedOutput(lc, f.entry, first.shape, site);
    return f.basis === 'per-sample' ? { ...costed, input: first.shape } : costed;
  }

  /** A checkpoint read from a config.json, called on token ids [B, L]: every weight per token plus attention. */
  private configOutput(
    lc: LoadedCheckpoint,
    shape: HfModelShape,
    input: number[],
    site: CallSite,
  ): { value: Value; tensor?: TensorV; macs: number | null; reason?: string } {
    if (input.length !== 2 || shape.kind === 'vision' || shape.kind === 'clip') {
      const reason = `input [${input.join(', ')}] is not token ids [batch, length]: only token inputs are costed from a config.json`;
      return { value: unknown(`${lc.name}: ${reason}`, site.range), macs: null, reason };
    }
    const [B, L] = input;
    const lm = lc.request.lmHead ?? shape.kind === 'decoder';
    const macs = B * (sequenceMacs(shape, L) - (lm ? 0 : L * shape.headMacsPerToken));
    const hidden: TensorV = { kind: 'tensor', shape: [B, L, shape.hidden], dtype: 'float32' };
    const logits: TensorV | undefined = lm
      ? { kind: 'tensor', shape: [B, L, shape.vocab], dtype: 'float32' }
      : undefined;
    const fields: [string, Value][] = [['last_hidden_state', hidden]];
    if (logits) fields.unshift(['logits', logits]);
    return { value: this.modelOutput(fields), tensor: logits ?? hidden, macs };
  }

  private costedOutput(
    lc: LoadedCheckpoint,
    entry: CatalogEntry,
    shape: number[],
    site: CallSite,
  ): { value: Value; tensor?: TensorV; macs: number | null; reason?: string } {
    const f = lc.figures;
    const B = shape[0];
    const arch = entry.architecture;
    if (f.basis === 'per-token' && arch.type === 'transformer' && shape.length === 2) {
      const L = shape[1];
      const lm = lc.request.lmHead ?? arch.lmHead;
      const macs = B * L * transformerMacsPerToken({ ...arch, lmHead: lm }, L);
      const hidden: TensorV = { kind: 'tensor', shape: [B, L, arch.hidden], dtype: 'float32' };
      const fields: [string, Value][] = [['last_hidden_state', hidden]];
      if (arch.pooler) fields.push(['pooler_output', { kind: 'tensor', shape: [B, arch.hidden], dtype: 'float32' }]);
      const logits: TensorV | undefined = lm
        ? { kind: 'tensor', shape: [B, L, arch.vocab], dtype: 'float32' }
        : undefined;
      if (logits) fields.unshift(['logits', logits]);
      return { value: this.modelOutput(fields), tensor: logits ?? hidden, macs };
    }
    const typical = f.sampleInput?.shape;
    if (!typical || shape.length !== typical.length || shape.slice(1).some((d, i) => d !== typical[i + 1])) {
      const reason = `input [${shape.join(', ')}] differs from the catalog's typical input [${(typical ?? []).join(', ')}]: MACs at other sizes are not in the catalog`;
      return { value: unknown(`${lc.name}: ${reason}`, site.range), macs: null, reason };
    }
    const macs = B * f.macsPerSample!;
    const classes =
      arch.type === 'vit'
        ? arch.classes
        : entry.task === 'image-classification' && /ImageNet/i.test(entry.quality?.dataset ?? '')
          ? 1000
          : undefined;
    if (!classes) return { value: unknown(`${lc.name}: its output structure is not modelled`, site.range), macs };
    const logits: TensorV = { kind: 'tensor', shape: [B, classes], dtype: 'float32' };
    return { value: logits, tensor: logits, macs };
  }

  private modelOutput(fields: [string, Value][]): Value {
    const v: InstanceV = { kind: 'instance', cls: builtinClass('ModelOutput', 'object', [], {}), attrs: new Map() };
    this.objects.set(v, { kind: 'output', attrs: new Map(fields), order: fields.map(([k]) => k) });
    return v;
  }
}

/**
 * The weights a torchvision builder call loads, read from its syntax: `weights=` as an enum member
 * (`ResNet50_Weights.IMAGENET1K_V2`, `models.ResNet50_Weights.DEFAULT`) or a string, DEFAULT resolved
 * through the catalog; `pretrained=True` is IMAGENET1K_V1 (torchvision's legacy mapping); `none`
 * without either or with `weights=None`; null when the argument is computed.
 */
function torchvisionWeights(call: SyntaxNode, entry: CatalogEntry | undefined): string | null {
  const weights = argumentNode(call, undefined, 'weights');
  const pretrained = argumentNode(call, undefined, 'pretrained');
  if (!weights)
    return pretrained?.text === 'True' ? 'IMAGENET1K_V1' : pretrained && pretrained.text !== 'False' ? null : 'none';
  const text = weights.text.trim();
  if (text === 'None') return 'none';
  const name = /^["']([A-Za-z0-9_]+)["']$/.exec(text)?.[1] ?? /^(?:[\w.]*_Weights)\.([A-Za-z0-9_]+)$/.exec(text)?.[1];
  if (!name) return null;
  return name === 'DEFAULT' ? (entry?.weights?.default ?? null) : name;
}
