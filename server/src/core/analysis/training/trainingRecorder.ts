// Records training runs while the file is interpreted: DataLoader loops (per loop site, how often
// it is entered), Keras fit, HF Trainer.train, Lightning Trainer.fit and Ultralytics train.
import type { Range, SyntaxNode } from '../../parse/syntax';
import type { Precision } from '../../report/types';
import {
  type Value,
  type CallSite,
  type TensorV,
  type InstanceV,
  NONE,
  int,
  str,
  unknown,
  builtin,
  isNumber,
  numberOf,
} from '../../interpreter/python/values';
import type { FrameworkHooks } from '../../interpreter/python/hooks';
import type { Interpreter } from '../../interpreter/python/interpreter';
import { PyError } from '../../interpreter/python/errors';
import { StepBudgetExceeded } from '../../interpreter/stepBudget';
import { lookupClassAttr } from '../../interpreter/python/classes';
import type { ModelCatalog } from '../../catalog/modelCatalog';
import type { TorchRuntime } from '../../frameworks/torch/runtime';
import type { HubRuntime } from '../../frameworks/hub/runtime';
import { callNodeAt, argumentNode, nodeAt } from '../../frameworks/hub/syntaxArgs';
import { DataRegistry, collate, type DatasetInfo, type LoaderInfo } from './trainingData';

/** The kinds of training run recognised. */
export type RunKind = 'pytorch-loop' | 'keras-fit' | 'hf-trainer' | 'lightning' | 'ultralytics';

/** One training run as recorded, before costing. */
export interface RunRecord {
  kind: RunKind;
  range: Range;
  /** The model value trained, when known. */
  model?: Value;
  /** Source text naming the model (`model` in `model.fit`), for matching and messages. */
  modelText?: string;
  modelReason?: string;
  epochs: number | null;
  epochsSource: string;
  epochsReason?: string;
  batch: number | null;
  batchSource: string;
  batchReason?: string;
  dataset: DatasetInfo;
  dropLast?: boolean;
  /** Keras: the fraction of x held out for validation. */
  validationSplit?: number;
  /** A total step count that overrides epochs (HF / Lightning max_steps). */
  maxSteps?: number;
  /** Batches per epoch fixed by the call (Keras steps_per_epoch, Lightning limit_train_batches as an int). */
  stepsPerEpoch?: number;
  /** Lightning limit_train_batches as a fraction. */
  limitFraction?: number;
  notes: string[];
  /** Why the forward MACs of the model do not apply to this run (imgsz differs from the catalog's). */
  macsReason?: string;
  /** Source text of Keras fit's x argument, to trace it back to a load_data() call. */
  xText?: string;
  /** The precision the code trains in (bf16=True, precision="bf16-mixed", autocast around the step), and where. */
  precision?: Precision;
  precisionSource?: string;
}

/** One `for ... in loader` site and how many times the loop was entered. */
export interface LoopSite {
  loader: LoaderInfo;
  site: Range;
  count: number;
}

type Kw = Map<string, Value>;
const key = (r: Range) => `${r.start.line}:${r.start.character}`;
const intOf = (v: Value | undefined): number | undefined => (v?.kind === 'int' ? v.value : undefined);

/** Training semantics for the interpreter plus the records the run assembly reads. */
export class TrainingRecorder implements FrameworkHooks {
  readonly data: DataRegistry;
  readonly runs: RunRecord[] = [];
  readonly loops = new Map<string, LoopSite>();
  /** Datasets produced by keras `load_data()` calls, by call range: [train, test]. */
  readonly loadDataOrigins = new Map<string, DatasetInfo[]>();
  private readonly trainArgs = new WeakMap<object, Kw>();
  private readonly trainers = new WeakMap<object, { kind: 'hf' | 'lightning'; args: Value[]; kw: Kw }>();
  private tree?: SyntaxNode;
  interp!: Interpreter;

  constructor(
    readonly rt: TorchRuntime,
    readonly hub: HubRuntime,
    catalog: ModelCatalog | undefined,
  ) {
    this.data = new DataRegistry(catalog);
  }

  /** The syntax tree being run (to tell `for` loops from `iter()` calls and to read argument text). */
  setTree(root: SyntaxNode): void {
    this.tree = root;
  }

  getAttr(obj: Value, name: string, site: CallSite): Value | undefined {
    const ds = this.data.datasets.get(obj);
    if (ds) return this.datasetMethod(ds, name, site);
    const loader = this.data.loaders.get(obj);
    if (loader)
      return name === 'dataset'
        ? this.data.dataset(loader.dataset)
        : name === 'batch_size' && loader.batch !== null
          ? int(loader.batch)
          : unknown(`DataLoader.${name} is not modelled`, site.range);
    const trainer = this.trainers.get(obj);
    if (trainer) return this.trainerMethod(trainer, name);
    const targs = this.trainArgs.get(obj);
    if (targs) return targs.get(name) ?? unknown(`TrainingArguments.${name} is not modelled`, site.range);
    if (name === 'fit' && this.fitReceiver(obj))
      return this.wrapped(obj, name, site, (a, kw, s) => this.recordFit(obj, a, kw, s));
    if (name === 'train' && this.hub.checkpointOf(obj)?.request.kind === 'ultralytics')
      return builtin('train', (a, kw, s) => this.recordUltralytics(obj, kw, s));
    return undefined;
  }

  iterate(obj: Value, site: CallSite): Value[] | undefined {
    const loader = this.data.loaders.get(obj);
    if (!loader) return undefined;
    const call = this.tree ? nodeAt(this.tree, site.range, 'call') : undefined;
    const fn = call?.children[0]?.text;
    if (fn === 'iter' || fn === 'next') return this.firstBatch(loader) ? [this.firstBatch(loader)!] : [];
    const k = key(site.range);
    const seen = this.loops.get(k);
    if (seen) seen.count++;
    else this.loops.set(k, { loader, site: site.range, count: 1 });
    return []; // the loop body is not run: the run is costed from the model's forward, not by executing the loop
  }

  length(obj: Value): number | undefined {
    const ds = this.data.datasets.get(obj);
    if (ds) return ds.size ?? undefined;
    const loader = this.data.loaders.get(obj);
    if (loader)
      return loader.dataset.size !== null && loader.batch
        ? batchesPerEpoch(loader.dataset.size, loader.batch, loader.dropLast)
        : undefined;
    if (obj.kind === 'instance' && !this.hub.owns(obj)) return this.userLength(obj).n;
    return undefined;
  }

  getItem(obj: Value, index: Value, site: CallSite): Value | undefined {
    const column = this.columns.get(obj);
    if (column) return this.columnSlice(column, index, site);
    const ds = this.data.datasets.get(obj);
    if (!ds) return undefined;
    if (index.kind === 'str' && ds.splits) return this.data.splitOf(ds, index.value, site);
    if (index.kind === 'str' && ds.entry) return this.column(ds, index.value, site);
    if (index.kind === 'int' && ds.sample)
      return ds.sample.length === 1 ? ds.sample[0] : { kind: 'tuple', items: ds.sample };
    return unknown(`indexing this dataset is not modelled`, site.range);
  }

  /** Columns of catalogued dataset splits (`ds["text"]`), by value: their rows and where they came from. */
  private readonly columns = new WeakMap<object, { rows: number | null; source: string }>();

  /**
   * `split["text"]`: one value per row of a catalogued split. Passed as prompts (a pipeline, vLLM's
   * generate, a tokenizer), it is a batch of that many rows.
   */
  private column(ds: DatasetInfo, name: string, site: CallSite): Value {
    const rows = ds.size;
    const source =
      rows === null
        ? `column "${name}" of ${ds.source}: its row count is unknown (${ds.reason ?? 'unknown split'})`
        : `column "${name}" of ${ds.source} (${rows.toLocaleString('en-US')} rows), line ${site.range.start.line + 1}`;
    return this.columnValue(rows, source);
  }

  /** `column[:k]` / `column[a:b]` with literal bounds: that many rows; other indexing is not modelled. */
  private columnSlice(column: { rows: number | null; source: string }, index: Value, site: CallSite): Value {
    if (index.kind !== 'slice' || column.rows === null)
      return unknown('indexing a dataset column is not modelled', site.range);
    const bound = (v: Value, dflt: number) =>
      v.kind === 'none'
        ? dflt
        : v.kind === 'int'
          ? Math.min(Math.max(v.value < 0 ? v.value + column.rows! : v.value, 0), column.rows!)
          : undefined;
    const start = bound(index.start, 0);
    const stop = bound(index.stop, column.rows);
    if (start === undefined || stop === undefined || index.step.kind !== 'none')
      return unknown('a dataset column sliced by bounds that are not integer literals', site.range);
    const rows = Math.max(0, stop - start);
    return this.columnValue(rows, `${column.source}[${start}:${stop}] (${rows.toLocaleString('en-US')} rows)`);
  }

  private columnValue(rows: number | null, source: string): Value {
    const value = this.data.instance('Column');
    this.columns.set(value, { rows, source });
    this.hub.prompts.set(value, { rows, tokens: null, source });
    return value;
  }

  /** One collated batch of a loader whose samples are known, else undefined. */
  firstBatch(loader: LoaderInfo): Value | undefined {
    const { sample, size } = loader.dataset;
    if (!sample || !loader.batch) return undefined;
    const b = size !== null ? Math.min(loader.batch, size) : loader.batch;
    return collate(sample, b, `DataLoader batch (batch_size=${loader.batch}) of ${loader.dataset.source}`);
  }

  /** len() of a user Dataset through its __len__, or why it is unknown. */
  userLength(v: Value & { kind: 'instance' }): { n?: number; reason?: string } {
    const f = lookupClassAttr(v.cls, '__len__');
    if (!f) return { reason: `${v.cls.name} has no __len__` };
    const r = this.safeCall(() =>
      this.interp.callValue(this.interp.bindAttr(v, f, { range: f.kind === 'func' ? f.range : ZERO }), [], new Map(), {
        range: ZERO,
      }),
    );
    if (r.value && isNumber(r.value)) return { n: numberOf(r.value) };
    return { reason: r.error ?? (r.value?.kind === 'unknown' ? r.value.reason : '__len__ does not return a number') };
  }

  /** One sample of a user Dataset through __getitem__(0), when it is made of tensors of known shape. */
  userSample(v: Value & { kind: 'instance' }): TensorV[] | undefined {
    const f = lookupClassAttr(v.cls, '__getitem__');
    if (!f) return undefined;
    const r = this.safeCall(() =>
      this.interp.callValue(this.interp.bindAttr(v, f, { range: ZERO }), [int(0)], new Map(), { range: ZERO }),
    );
    const items = r.value?.kind === 'tuple' || r.value?.kind === 'list' ? r.value.items : r.value ? [r.value] : [];
    return items.length && items.every((t) => t.kind === 'tensor' && t.shape) ? (items as TensorV[]) : undefined;
  }

  /** Runs `f` tolerantly: analysis errors become a reason, never an exception (the budget still propagates). */
  safeCall(f: () => Value): { value?: Value; error?: string } {
    const was = this.interp.tolerant;
    this.interp.tolerant = true;
    try {
      return { value: f() };
    } catch (e) {
      if (e instanceof StepBudgetExceeded) throw e;
      return { error: e instanceof PyError ? `${e.pyType}: ${e.message}` : (e as Error).message };
    } finally {
      this.interp.tolerant = was;
    }
  }

  private datasetMethod(ds: DatasetInfo, name: string, site: CallSite): Value {
    const same = builtin(name, () => this.data.dataset(ds, ds.splits ? 'DatasetDict' : 'Dataset'));
    switch (name) {
      case 'map':
      case 'shuffle':
      case 'set_format':
      case 'with_format':
      case 'remove_columns':
      case 'rename_column':
      case 'rename_columns':
      case 'cast_column':
      case 'cast':
      case 'flatten':
      case 'sort':
      case 'with_transform':
      case 'set_transform':
      case 'class_encode_column':
        return same;
      case 'select':
        return builtin('select', ([idx]) => {
          const n = idx && this.interp.length(idx);
          return this.data.dataset(
            n === undefined
              ? { ...ds, size: null, reason: 'select() indices are unknown' }
              : { ...ds, size: n, source: `${ds.source}.select(${n.toLocaleString('en-US')} rows)` },
          );
        });
      case 'take':
      case 'skip':
        return builtin(name, ([nv]) => {
          const n = intOf(nv);
          if (n === undefined || ds.size === null)
            return this.data.dataset({ ...ds, size: null, reason: `${name}() count unknown` });
          const size = name === 'take' ? Math.min(n, ds.size) : Math.max(0, ds.size - n);
          return this.data.dataset({ ...ds, size, source: `${ds.source}.${name}(${n})` });
        });
      case 'filter':
        return builtin('filter', () =>
          this.data.dataset({ ...ds, size: null, reason: 'filter() keeps rows chosen at run time' }),
        );
      case 'train_test_split':
        return builtin('train_test_split', (_a, kw) => this.trainTestSplit(ds, kw));
      case 'num_rows':
        return ds.size !== null ? int(ds.size) : unknown(ds.reason ?? 'unknown size', site.range);
      default:
        return unknown(`dataset.${name} is not modelled`, site.range);
    }
  }

  /** datasets' train_test_split: n_test = ceil(test_size × n) for a fraction, n_train = n − n_test. */
  private trainTestSplit(ds: DatasetInfo, kw: Kw): Value {
    const t = kw.get('test_size') ?? { kind: 'float', value: 0.25 };
    const n = ds.size;
    if (n === null || !isNumber(t))
      return this.data.dataset(
        { ...ds, size: null, reason: ds.reason ?? 'train_test_split sizes unknown' },
        'DatasetDict',
      );
    const nTest = t.kind === 'float' ? Math.ceil(numberOf(t) * n) : numberOf(t);
    return this.data.dataset(
      {
        ...ds,
        size: null,
        splits: { train: n - nTest, test: nTest },
        entry: undefined,
        source: `${ds.source}.train_test_split(test_size=${numberOf(t)})`,
      },
      'DatasetDict',
    );
  }

  private trainerMethod(trainer: { kind: 'hf' | 'lightning'; args: Value[]; kw: Kw }, name: string): Value {
    if (trainer.kind === 'hf' && name === 'train')
      return builtin('train', (_a, _kw, site) => this.recordHf(trainer.args, trainer.kw, site));
    if (trainer.kind === 'lightning' && name === 'fit')
      return builtin('fit', (a, kw, site) => this.recordLightning(trainer.kw, a, kw, site));
    return builtin(name, (_a, _kw, site) => unknown(`trainer.${name}() is not modelled`, site.range));
  }

  /**
   * Whether `model.fit(...)` may be a Keras fit: a keras.applications checkpoint, an object whose class has a
   * built-in (framework) fit, or an unknown (recorded only when called with epochs= or batch_size=).
   */
  private fitReceiver(obj: Value): boolean {
    if (obj.kind === 'unknown') return true;
    if (obj.kind === 'module') return this.hub.checkpointOf(obj)?.request.kind === 'keras';
    if (obj.kind !== 'instance') return false;
    const fit = lookupClassAttr(obj.cls, 'fit');
    return !!fit && fit.kind !== 'func' && fit.kind !== 'property';
  }

  /** A builtin that records, then does what the attribute would have done without this hook. */
  private wrapped(
    obj: Value,
    name: string,
    site: CallSite,
    record: (a: Value[], kw: Kw, s: CallSite) => boolean,
  ): Value {
    let underlying: Value | undefined;
    for (const h of this.interp.hooks) {
      if (h === this || underlying) continue;
      try {
        underlying = h.getAttr?.(obj, name, site);
      } catch {
        underlying = undefined;
      }
    }
    if (!underlying && obj.kind === 'instance') {
      const attr = lookupClassAttr(obj.cls, name);
      if (attr) underlying = this.interp.bindAttr(obj, attr, site);
    }
    return builtin(name, (a, kw, s) => {
      record(a, kw, s);
      if (underlying && underlying.kind !== 'unknown') return this.interp.callValue(underlying, a, kw, s);
      return obj.kind === 'unknown' ? obj : unknown(`${name}() returns a training history, not modelled`, s.range);
    });
  }

  /** Keras `fit(x, y, batch_size=None (32), epochs=1, ..., validation_split=0.0, initial_epoch=0, steps_per_epoch=None)`. */
  private recordFit(receiver: Value, a: Value[], kw: Kw, site: CallSite): boolean {
    const keras = receiver.kind === 'unknown' ? kw.has('epochs') || kw.has('batch_size') : true;
    if (!keras) return false;
    const x = a[0] ?? kw.get('x');
    const call = this.tree ? callNodeAt(this.tree, site.range) : undefined;
    const epochsV = kw.get('epochs') ?? a[3];
    const batchV = kw.get('batch_size') ?? a[2];
    const initial = intOf(kw.get('initial_epoch')) ?? 0;
    const e = epochsV === undefined ? { v: 1, src: 'epochs default 1 (Keras fit)' } : numberArg(epochsV, 'epochs');
    const b =
      batchV === undefined || batchV.kind === 'none'
        ? { v: 32, src: 'batch_size default 32 (Keras fit)' }
        : numberArg(batchV, 'batch_size');
    const split = kw.get('validation_split');
    this.runs.push({
      kind: 'keras-fit',
      range: site.range,
      model: receiver,
      modelText: call?.children[0]?.children[0]?.text,
      epochs: e.v === null ? null : e.v - initial,
      epochsSource: initial ? `${e.src}, from initial_epoch ${initial}` : e.src,
      epochsReason: e.why,
      batch: b.v,
      batchSource: b.src,
      batchReason: b.why,
      dataset: this.fitDataset(x),
      validationSplit: split && isNumber(split) ? numberOf(split) : undefined,
      stepsPerEpoch: intOf(kw.get('steps_per_epoch')),
      notes: [],
      xText: call ? argumentNode(call, 0, 'x')?.text : undefined,
    });
    return true;
  }

  private fitDataset(x: Value | undefined): DatasetInfo {
    if (!x) return { size: null, source: 'fit(x=...)', reason: 'fit() without x' };
    const own = this.data.datasets.get(x);
    if (own) return own;
    if (x.kind === 'tensor' && x.shape?.length)
      return { size: x.shape[0], source: `x: tensor [${x.shape.join(', ')}]${x.origin ? ` from ${x.origin}` : ''}` };
    return {
      size: null,
      source: 'fit(x=...)',
      reason: x.kind === 'unknown' ? `x is unknown: ${x.reason}` : `x is a ${x.kind}, not a tensor of known shape`,
    };
  }

  /** `TrainingArguments(...)` and `Trainer(model=..., args=..., train_dataset=...)`. */
  trainingArguments(kw: Kw, site?: CallSite): Value {
    const v = this.data.instance('TrainingArguments');
    this.trainArgs.set(v, kw);
    if (site) this.sites.set(kw, site);
    return v;
  }

  /** A trainer value (HF Trainer, Lightning Trainer). */
  trainer(kind: 'hf' | 'lightning', args: Value[], kw: Kw, site?: CallSite): Value {
    const v: InstanceV = this.data.instance(kind === 'hf' ? 'Trainer' : 'LightningTrainer');
    this.trainers.set(v, { kind, args, kw });
    if (site) this.sites.set(kw, site);
    return v;
  }

  /** Where TrainingArguments / a Lightning Trainer was built, by its keyword arguments (for "from the code" sources). */
  private readonly sites = new WeakMap<Kw, CallSite>();

  /** HF `TrainingArguments(bf16=True)` / `fp16=True`: the precision the Trainer trains in. */
  private hfPrecision(targs: Kw | undefined): { precision?: Precision; precisionSource?: string } {
    for (const [flag, precision] of [
      ['bf16', 'bf16'],
      ['fp16', 'fp16'],
    ] as const) {
      const v = targs?.get(flag);
      if (v?.kind === 'bool' && v.value)
        return { precision, precisionSource: this.where(`TrainingArguments(${flag}=True)`, targs!) };
    }
    return {};
  }

  /** Lightning `Trainer(precision="bf16-mixed" | "16-mixed" | 16 | "bf16" ...)`: the precision it trains in. */
  private lightningPrecision(tkw: Kw): { precision?: Precision; precisionSource?: string } {
    const v = tkw.get('precision');
    const text = v?.kind === 'str' ? v.value : v?.kind === 'int' ? String(v.value) : undefined;
    if (!text) return {};
    const precision: Precision | undefined = /^bf16/.test(text)
      ? 'bf16'
      : /^16/.test(text)
        ? 'fp16'
        : /^(transformer-engine|8)/.test(text)
          ? 'fp8'
          : undefined;
    return precision
      ? { precision, precisionSource: this.where(`Trainer(precision=${JSON.stringify(text)})`, tkw) }
      : {};
  }

  private where(what: string, kw: Kw): string {
    const site = this.sites.get(kw);
    return site ? `${what}, line ${site.range.start.line + 1}` : what;
  }

  /** HF: epochs num_train_epochs (3.0), batch per_device_train_batch_size (8), max_steps, gradient accumulation. */
  private recordHf(args: Value[], kw: Kw, site: CallSite): Value {
    const model = kw.get('model') ?? args[0];
    const targsV = kw.get('args') ?? args[1];
    const targs = targsV ? this.trainArgs.get(targsV) : new Map<string, Value>();
    const train = kw.get('train_dataset') ?? args[3];
    const get = (k: string) => targs?.get(k);
    const unread = (name: string) => ({
      v: null,
      src: name,
      why: `${name}: args= is not a TrainingArguments the analysis could read`,
    });
    const e = !targs
      ? unread('num_train_epochs')
      : get('num_train_epochs') === undefined
        ? { v: 3, src: 'num_train_epochs default 3.0 (TrainingArguments)' }
        : numberArg(get('num_train_epochs')!, 'num_train_epochs');
    const b = !targs
      ? unread('per_device_train_batch_size')
      : get('per_device_train_batch_size') === undefined
        ? { v: 8, src: 'per_device_train_batch_size default 8 (TrainingArguments)' }
        : numberArg(get('per_device_train_batch_size')!, 'per_device_train_batch_size');
    const maxSteps = intOf(get('max_steps'));
    const accum = intOf(get('gradient_accumulation_steps')) ?? 1;
    const notes = ['one device assumed (per_device_train_batch_size × 1 GPU)'];
    if (accum > 1)
      notes.push(
        `gradient_accumulation_steps=${accum}: optimizer updates = steps / ${accum}; forward/backward work is per batch as counted`,
      );
    const dataset = !train
      ? { size: null, source: 'Trainer', reason: 'Trainer without train_dataset' }
      : (this.data.datasets.get(train) ??
        this.data.datasetOf(
          train,
          site,
          (v) => this.userLength(v as never),
          (v) => this.userSample(v as never),
        ));
    this.runs.push({
      kind: 'hf-trainer',
      range: site.range,
      model,
      modelReason: model ? undefined : 'Trainer without model=',
      epochs: e.v,
      epochsSource: e.src,
      epochsReason: e.why,
      batch: b.v,
      batchSource: b.src,
      batchReason: b.why,
      dataset,
      maxSteps: maxSteps !== undefined && maxSteps > 0 ? maxSteps * accum : undefined,
      notes,
      ...this.hfPrecision(targs),
    });
    return unknown('TrainOutput is not modelled', site.range);
  }

  /** Lightning `Trainer(max_epochs=None → 1000 when max_steps is -1, ...)` then `trainer.fit(model, train_dataloaders=..., datamodule=...)`. */
  private recordLightning(tkw: Kw, a: Value[], kw: Kw, site: CallSite): Value {
    const model = kw.get('model') ?? a[0];
    let loaderV: Value | undefined = kw.get('train_dataloaders') ?? a[1];
    const dm =
      kw.get('datamodule') ?? (loaderV?.kind === 'instance' && !this.data.loaders.has(loaderV) ? loaderV : undefined);
    const notes: string[] = [];
    if (dm) loaderV = this.callMethod(dm, 'train_dataloader', notes, 'setup');
    else if (!loaderV && model) loaderV = this.callMethod(model, 'train_dataloader', notes);
    const loader = loaderV ? this.data.loaders.get(loaderV) : undefined;
    const maxSteps = intOf(tkw.get('max_steps'));
    const me = tkw.get('max_epochs');
    const e =
      me === undefined || me.kind === 'none'
        ? ({
            v: maxSteps !== undefined && maxSteps > 0 ? null : 1000,
            src: 'max_epochs default: 1000 when max_steps is -1 (Lightning Trainer)',
          } as { v: number | null; src: string; why?: string })
        : numberArg(me, 'max_epochs');
    const limit = tkw.get('limit_train_batches');
    const fast = tkw.get('fast_dev_run');
    const fastN = fast?.kind === 'bool' ? (fast.value ? 1 : 0) : (intOf(fast) ?? 0);
    const record: RunRecord = {
      kind: 'lightning',
      range: site.range,
      model,
      epochs: fastN ? 1 : e.v,
      epochsSource: fastN ? `fast_dev_run=${fastN}` : e.src,
      epochsReason: e.why,
      batch: loader?.batch ?? null,
      batchSource: loader ? 'DataLoader batch_size' : 'the train DataLoader',
      batchReason: loader ? loader.batchReason : (notes[0] ?? 'the train DataLoader is not known statically'),
      dataset: loader?.dataset ?? {
        size: null,
        source: 'Lightning fit',
        reason: notes[0] ?? 'no train DataLoader the analysis could read',
      },
      dropLast: loader?.dropLast,
      maxSteps: maxSteps !== undefined && maxSteps > 0 ? maxSteps : undefined,
      stepsPerEpoch: fastN || intOf(limit),
      limitFraction: limit?.kind === 'float' ? limit.value : undefined,
      notes: notes.slice(1),
      ...this.lightningPrecision(tkw),
    };
    this.runs.push(record);
    if (loader && model?.kind === 'module') this.traceWithBatch(model, loader, site);
    return NONE;
  }

  /** Calls `obj.method()` (after `obj.before("fit")` when defined), tolerating errors; notes why it failed. */
  private callMethod(obj: Value, method: string, notes: string[], before?: string): Value | undefined {
    const get = (name: string) =>
      obj.kind === 'instance' || obj.kind === 'module' ? lookupClassAttr(obj.cls, name) : undefined;
    if (before && get(before))
      this.safeCall(() =>
        this.interp.callValue(this.interp.bindAttr(obj, get(before)!, { range: ZERO }), [str('fit')], new Map(), {
          range: ZERO,
        }),
      );
    const f = get(method);
    if (!f) {
      notes.push(`no ${method}() to read the training data from`);
      return undefined;
    }
    const r = this.safeCall(() =>
      this.interp.callValue(this.interp.bindAttr(obj, f, { range: ZERO }), [], new Map(), { range: ZERO }),
    );
    if (r.error || !r.value || !this.data.loaders.has(r.value))
      notes.push(`${method}() did not give a DataLoader the analysis could read${r.error ? `: ${r.error}` : ''}`);
    return r.value;
  }

  /** Ultralytics `model.train(data="coco128.yaml", epochs=100, batch=16, imgsz=640)`. */
  private recordUltralytics(model: Value, kw: Kw, site: CallSite): Value {
    const data = kw.get('data');
    const e =
      kw.get('epochs') === undefined
        ? { v: 100, src: 'epochs default 100 (Ultralytics)' }
        : numberArg(kw.get('epochs')!, 'epochs');
    const b =
      kw.get('batch') === undefined
        ? { v: 16, src: 'batch default 16 (Ultralytics)' }
        : numberArg(kw.get('batch')!, 'batch');
    const dataset =
      data?.kind === 'str'
        ? this.data.datasets.get(this.data.catalogued(data.value, undefined, 'train', site, `data="${data.value}"`))!
        : { size: null, source: 'data=', reason: 'the dataset yaml is not a string literal' };
    const imgsz = intOf(kw.get('imgsz'));
    const typical = this.hub.checkpointOf(model)?.figures.sampleInput?.shape;
    const macsReason =
      imgsz !== undefined && typical && typical.at(-1) !== imgsz
        ? `imgsz=${imgsz} differs from the catalog's typical input ${JSON.stringify(typical)}: its MACs do not apply`
        : undefined;
    this.runs.push({
      kind: 'ultralytics',
      range: site.range,
      model,
      epochs: e.v,
      epochsSource: e.src,
      epochsReason: e.why,
      batch: b.v,
      batchSource: b.src,
      batchReason: b.why,
      dataset,
      notes: [],
      macsReason,
    });
    return unknown('training results are not modelled', site.range);
  }

  /** Traces a torch model on one batch of `loader`, when it has no trace yet and has a forward. */
  traceWithBatch(model: Value & { kind: 'module' }, loader: LoaderInfo, site: CallSite): void {
    if (this.hub.owns(model) || this.rt.roots.some((r) => r.module === model) || !lookupClassAttr(model.cls, 'forward'))
      return;
    const batch = this.firstBatch(loader);
    if (!batch) return;
    const x = batch.kind === 'tuple' ? batch.items[0] : batch;
    this.rt.traceRoot(model, [x], new Map(), site);
  }
}

const ZERO: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** Batches per epoch: ceil(N / B), or floor with drop_last. */
export function batchesPerEpoch(n: number, b: number, dropLast = false): number {
  return dropLast ? Math.floor(n / b) : Math.ceil(n / b);
}

/** A numeric argument, or null with why (a variable from argv, a config object). */
function numberArg(v: Value, name: string): { v: number | null; src: string; why?: string } {
  if (isNumber(v)) return { v: numberOf(v), src: `${name}=${numberOf(v)}` };
  return { v: null, src: name, why: `${name} is not known statically${v.kind === 'unknown' ? `: ${v.reason}` : ''}` };
}
