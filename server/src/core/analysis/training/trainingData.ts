// Datasets and data loaders as the interpreter sees them, for training-run estimates: their size
// (literal tensors, range(n), catalogued datasets, __len__) and, when known, one sample's shapes.
import type { Range } from '../../parse/syntax';
import {
  type Value,
  type InstanceV,
  type TensorV,
  type CallSite,
  type ClassV,
  list,
  tuple,
  unknown,
  isNumber,
  numberOf,
} from '../../interpreter/python/values';
import type { DatasetEntry, ModelCatalog } from '../../catalog/modelCatalog';
import { builtinClass } from '../../frameworks/torch/modules';

/** What is known about a dataset: its size (or why not), where that came from, and one sample. */
export interface DatasetInfo {
  size: number | null;
  /** How the size was found: `TensorDataset of tensor [5000, 20] (torch.randn, line 12)`. */
  source: string;
  reason?: string;
  /** One sample's tensors (TensorDataset, FakeData, a Dataset whose __getitem__ returns tensors). */
  sample?: TensorV[];
  /** For a DatasetDict (`load_dataset("imdb")` without split): the split sizes. */
  splits?: Record<string, number>;
  entry?: DatasetEntry;
}

/** A DataLoader: its dataset, batch size (or why unknown) and drop_last. */
export interface LoaderInfo {
  dataset: DatasetInfo;
  batch: number | null;
  batchReason?: string;
  dropLast: boolean;
  range: Range;
}

const fmt = (n: number) => n.toLocaleString('en-US');
const line = (site: CallSite) => `line ${site.range.start.line + 1}`;

/** Owns the dataset / loader values of one analysis and creates them. */
export class DataRegistry {
  readonly datasets = new WeakMap<object, DatasetInfo>();
  readonly loaders = new WeakMap<object, LoaderInfo>();
  private readonly classes = new Map<string, ClassV>();

  constructor(readonly catalog: ModelCatalog | undefined) {}

  /** A dataset value carrying `info`. */
  dataset(info: DatasetInfo, cls = 'Dataset'): Value {
    const v = this.instance(cls);
    this.datasets.set(v, info);
    return v;
  }

  /** A DataLoader value carrying `info`. */
  loader(info: LoaderInfo): Value {
    const v = this.instance('DataLoader');
    this.loaders.set(v, info);
    return v;
  }

  /** A plain instance of a named marker class (one class object per name). */
  instance(cls: string): InstanceV {
    let c = this.classes.get(cls);
    if (!c) this.classes.set(cls, (c = builtinClass(cls, 'object', [], {})));
    return { kind: 'instance', cls: c, attrs: new Map() };
  }

  /** `TensorDataset(*tensors)`: N = the first dimension; the sample is every tensor without it. */
  tensorDataset(args: Value[], site: CallSite): Value {
    const ts = args.filter((a): a is TensorV => a.kind === 'tensor');
    const first = ts[0];
    if (!first || ts.length !== args.length || !first.shape?.length) {
      const why = args.find((a) => a.kind === 'unknown') as { reason?: string } | undefined;
      return this.dataset({
        size: null,
        source: `TensorDataset, ${line(site)}`,
        reason: `TensorDataset over tensors of unknown shape${why?.reason ? `: ${why.reason}` : ''}`,
      });
    }
    const N = first.shape[0];
    const sample = ts.every((t) => t.shape && t.shape[0] === N)
      ? ts.map((t) => ({ kind: 'tensor', shape: t.shape!.slice(1), dtype: t.dtype }) as TensorV)
      : undefined;
    const origin = first.origin ? ` (${first.origin})` : '';
    return this.dataset({
      size: N,
      source: `TensorDataset of tensor [${first.shape.join(', ')}]${origin}, ${line(site)}`,
      sample,
    });
  }

  /** The dataset behind a value passed as a DataLoader's dataset: ours, a list / range, or a user Dataset (via len()). */
  datasetOf(
    v: Value | undefined,
    site: CallSite,
    lengthOf: (v: Value) => { n?: number; reason?: string },
    sampleOf: (v: Value) => TensorV[] | undefined,
  ): DatasetInfo {
    if (!v) return { size: null, source: 'DataLoader', reason: 'DataLoader without a dataset' };
    const own = this.datasets.get(v);
    if (own) return own;
    if (v.kind === 'list' || v.kind === 'tuple') {
      const sample = v.items[0]?.kind === 'tensor' && v.items[0].shape ? [v.items[0]] : undefined;
      return { size: v.items.length, source: `a ${v.kind} of ${fmt(v.items.length)} items, ${line(site)}`, sample };
    }
    if (v.kind === 'tensor') return this.datasets.get(this.tensorDataset([v], site))!;
    if (v.kind === 'unknown') return { size: null, source: 'dataset', reason: `the dataset is unknown: ${v.reason}` };
    if (v.kind === 'instance') {
      const { n, reason } = lengthOf(v);
      const name = v.cls.name;
      if (n === undefined) return { size: null, source: name, reason: `len(${name}) is unknown: ${reason}` };
      return { size: n, source: `len(${name}(...)) = ${fmt(n)} via __len__`, sample: sampleOf(v) };
    }
    return { size: null, source: 'dataset', reason: `a ${v.kind} is not a dataset the analysis can size` };
  }

  /** `DataLoader(dataset, batch_size=1, shuffle=False, sampler=None, ..., drop_last=False)`. */
  dataLoader(dataset: DatasetInfo, args: Value[], kw: Map<string, Value>, site: CallSite): Value {
    const b = kw.get('batch_size') ?? args[1];
    let batch: number | null = 1;
    let batchReason: string | undefined;
    if (b && b.kind === 'int') batch = b.value;
    else if (b && b.kind !== 'none')
      [batch, batchReason] = [null, `batch_size is not known statically${b.kind === 'unknown' ? `: ${b.reason}` : ''}`];
    else if (b?.kind === 'none' || kw.get('batch_sampler'))
      [batch, batchReason] = [null, 'a batch_sampler decides the batches'];
    let ds = dataset;
    const sampler = kw.get('sampler');
    if (sampler && sampler.kind !== 'none')
      ds = { ...dataset, size: null, reason: 'a custom sampler decides the samples per epoch' };
    const drop = kw.get('drop_last');
    return this.loader({
      dataset: ds,
      batch,
      batchReason,
      dropLast: drop?.kind === 'bool' && drop.value,
      range: site.range,
    });
  }

  /** `random_split(dataset, [a, b])` or fractions (torch: floor each, the remainder spread round-robin). */
  randomSplit(info: DatasetInfo, lengths: Value | undefined, site: CallSite): Value {
    const ls = lengths && (lengths.kind === 'list' || lengths.kind === 'tuple') ? lengths.items : [];
    if (info.size === null || ls.length === 0 || !ls.every(isNumber)) {
      return list(
        (ls.length ? ls : [unknown('')]).map(() =>
          this.dataset({ ...info, size: null, reason: info.reason ?? 'random_split lengths are unknown' }),
        ),
      );
    }
    const raw = ls.map((l) => numberOf(l as never));
    const fractions =
      raw.every((x) => x >= 0 && x <= 1) &&
      Math.abs(raw.reduce((a, x) => a + x, 0) - 1) < 1e-9 &&
      ls.some((l) => l.kind === 'float');
    const sizes = fractions ? raw.map((f) => Math.floor(info.size! * f)) : raw;
    const remainder = fractions ? info.size - sizes.reduce((a, x) => a + x, 0) : 0;
    for (let i = 0; i < remainder; i++) sizes[i % sizes.length] += 1;
    return list(
      sizes.map((n, i) =>
        this.dataset({
          ...info,
          size: n,
          source: `random_split part ${i + 1} (${fmt(n)}) of ${info.source}, ${line(site)}`,
        }),
      ),
    );
  }

  /** A catalogued dataset split, `torchvision.datasets.MNIST(train=True)` or `load_dataset("imdb", split="train[:10%]")`. */
  catalogued(name: string, config: string | undefined, split: string | undefined, site: CallSite, how: string): Value {
    const entry = this.catalog?.datasetSize(name, config);
    const label = `${how}, ${line(site)}`;
    if (!entry) {
      const reason = this.catalog
        ? `dataset "${config ? `${name}/${config}` : name}" is not in the datasets catalog`
        : 'no datasets catalog was loaded';
      return this.dataset({ size: null, source: label, reason });
    }
    if (split === undefined) {
      return this.dataset(
        { size: null, source: label, splits: entry.splits, entry, reason: 'a DatasetDict: pick a split (["train"])' },
        'DatasetDict',
      );
    }
    return this.dataset(splitInfo(entry, split, label));
  }

  /** One split of a DatasetDict value. */
  splitOf(info: DatasetInfo, split: string, site: CallSite): Value {
    if (info.entry) return this.dataset(splitInfo(info.entry, split, `${info.source} ["${split}"]`));
    const n = info.splits?.[split];
    if (n === undefined)
      return this.dataset({
        size: null,
        source: info.source,
        reason: info.splits ? `no split "${split}"` : (info.reason ?? 'unknown dataset'),
      });
    return this.dataset({
      ...info,
      splits: undefined,
      size: n,
      source: `${info.source} ["${split}"] (${fmt(n)}), ${line(site)}`,
      reason: undefined,
    });
  }
}

/** Size of `split` ("train", "train[:1000]", "train[:10%]", "train+test") of a catalogued dataset. */
export function splitInfo(entry: DatasetEntry, split: string, label: string): DatasetInfo {
  const ref = `${entry.source.ref}${entry.source.confidence !== 'confirmed' ? ` (${entry.source.confidence})` : ''}`;
  let total = 0;
  for (const part of split.split('+')) {
    const m = /^\s*([\w.-]+)\s*(?:\[\s*([^\]]*)\s*\])?\s*$/.exec(part);
    const name =
      m && (entry.splits[m[1]] !== undefined ? m[1] : SPLIT_ALIASES[m[1]]?.find((a) => entry.splits[a] !== undefined));
    if (!m || !name)
      return {
        size: null,
        source: label,
        entry,
        reason: `split "${part}" of ${entry.id} is not in the catalog (splits: ${Object.keys(entry.splits).join(', ')})`,
      };
    const n = entry.splits[name];
    const sliced = m[2] === undefined ? n : sliceSize(m[2], n);
    if (sliced === undefined)
      return { size: null, source: label, entry, reason: `split slice "${part}" is not understood` };
    total += sliced;
  }
  return { size: total, source: `${label}: ${entry.id} "${split}" = ${fmt(total)} ${entry.unit} (${ref})`, entry };
}

const SPLIT_ALIASES: Record<string, string[]> = {
  val: ['validation', 'valid', 'val'],
  valid: ['validation', 'val'],
  validation: ['valid', 'val'],
  train: ['trainval'],
};

/** `[:1000]`, `[10:]`, `[:10%]`, `[-20%:]` over a split of `n` rows (percent bounds rounded to the closest row, as datasets does). */
function sliceSize(spec: string, n: number): number | undefined {
  const m = /^(-?\d+%?)?\s*:\s*(-?\d+%?)?$/.exec(spec.trim());
  if (!m) return undefined;
  const bound = (s: string | undefined, dflt: number) => {
    if (!s) return dflt;
    let v = s.endsWith('%') ? Math.round((parseFloat(s) / 100) * n) : parseInt(s, 10);
    if (v < 0) v += n;
    return Math.min(Math.max(v, 0), n);
  };
  return Math.max(0, bound(m[2], n) - bound(m[1], 0));
}

/** Per-sample tensors after torch's default collate: each stacked to [B, ...]; a single tensor stays one. */
export function collate(sample: TensorV[], batch: number, origin: string): Value {
  const stacked = sample.map((t): TensorV => ({
    kind: 'tensor',
    shape: [batch, ...(t.shape ?? [])],
    dtype: t.dtype,
    origin,
  }));
  return stacked.length === 1 ? stacked[0] : tuple(stacked);
}

/** Keras dataset shapes per sample (keras.io/api/datasets): images [28,28] / [32,32,3], labels [] / [1]. */
export const KERAS_DATASETS: Record<string, { x: number[]; y: number[]; dtype: TensorV['dtype'] }> = {
  mnist: { x: [28, 28], y: [], dtype: 'uint8' },
  fashion_mnist: { x: [28, 28], y: [], dtype: 'uint8' },
  cifar10: { x: [32, 32, 3], y: [1], dtype: 'uint8' },
  cifar100: { x: [32, 32, 3], y: [1], dtype: 'uint8' },
  imdb: { x: [], y: [], dtype: 'int64' },
};
