// The data and training libraries as the interpreter sees them: torch.utils.data, torchvision.datasets,
// datasets (load_dataset), keras.datasets, tqdm, transformers Trainer, Lightning and trl.
import {
  type Value,
  type NamespaceV,
  type ClassV,
  type CallSite,
  type TensorV,
  NONE,
  tuple,
  builtin,
  unknown,
} from '../../interpreter/python/values';
import { builtinClass } from '../../frameworks/torch/modules';
import { ensureNamespace } from '../../frameworks/hub/loaders';
import type { TrainingRecorder } from './trainingRecorder';
import { KERAS_DATASETS, splitInfo, type DatasetInfo } from './trainingData';
import { transformsNamespace, transformedImage } from './visionTransforms';

type Kw = Map<string, Value>;
const strOf = (v: Value | undefined): string | undefined => (v?.kind === 'str' ? v.value : undefined);
const line = (site: CallSite) => `line ${site.range.start.line + 1}`;

/** Installs the training namespaces into the module table; `Module` is torch's nn.Module (LightningModule's base). */
export function installTrainingModules(rec: TrainingRecorder, all: Record<string, NamespaceV>, Module: ClassV): void {
  installTorchData(rec, all);
  installTorchvisionDatasets(rec, all);
  installHfDatasets(rec, all);
  for (const root of ['keras.datasets', 'tensorflow.keras.datasets'])
    installKerasDatasets(rec, ensureNamespace(all, root));
  for (const name of ['tqdm', 'tqdm.auto', 'tqdm.notebook', 'tqdm.rich']) {
    const ns = ensureNamespace(all, name);
    ns.attrs.set(
      'tqdm',
      builtin('tqdm', (a, kw) => a[0] ?? kw.get('iterable') ?? NONE),
    );
    ns.attrs.set(
      'trange',
      builtin('trange', (a, _kw, site) =>
        rec.interp.callValue(rec.interp.builtins.vars.get('range')!, a, new Map(), site),
      ),
    );
  }
  const tf = ensureNamespace(all, 'transformers');
  const trl = ensureNamespace(all, 'trl');
  for (const [ns, args, trainer] of [
    [tf, 'TrainingArguments', 'Trainer'],
    [tf, 'Seq2SeqTrainingArguments', 'Seq2SeqTrainer'],
    [trl, 'SFTConfig', 'SFTTrainer'],
  ] as const) {
    ns.attrs.set(
      args,
      builtin(args, (_a, kw, site) => rec.trainingArguments(kw, site)),
    );
    ns.attrs.set(
      trainer,
      builtin(trainer, (a, kw, site) => rec.trainer('hf', a, kw, site)),
    );
  }
  for (const name of ['lightning', 'lightning.pytorch', 'pytorch_lightning']) {
    const ns = ensureNamespace(all, name);
    ns.attrs.set(
      'Trainer',
      builtin('Trainer', (a, kw, site) => rec.trainer('lightning', a, kw, site)),
    );
    ns.attrs.set('LightningModule', lightningModule(Module));
    ns.attrs.set(
      'LightningDataModule',
      builtinClass('LightningDataModule', 'object', [], { prepare_data: () => NONE, setup: () => NONE }),
    );
    ns.attrs.set(
      'seed_everything',
      builtin('seed_everything', ([s]) => s ?? NONE),
    );
  }
}

/** LightningModule: an nn.Module with Lightning's logging helpers (no-ops for the analysis). */
function lightningModule(Module: ClassV): ClassV {
  const noop = () => NONE;
  return builtinClass('LightningModule', 'Module', [Module], {
    log: noop,
    log_dict: noop,
    save_hyperparameters: noop,
    print: noop,
    manual_backward: noop,
  });
}

function installTorchData(rec: TrainingRecorder, all: Record<string, NamespaceV>): void {
  const data = ensureNamespace(all, 'torch.utils.data');
  const info = (v: Value | undefined, site: CallSite): DatasetInfo =>
    rec.data.datasetOf(
      v,
      site,
      (x) => rec.userLength(x as never),
      (x) => rec.userSample(x as never),
    );
  data.attrs.set('Dataset', builtinClass('Dataset', 'object', [], {}));
  data.attrs.set('IterableDataset', builtinClass('IterableDataset', 'object', [], {}));
  data.attrs.set(
    'TensorDataset',
    builtin('TensorDataset', (a, _kw, site) => rec.data.tensorDataset(a, site)),
  );
  data.attrs.set(
    'DataLoader',
    builtin('DataLoader', (a, kw, site) => rec.data.dataLoader(info(a[0] ?? kw.get('dataset'), site), a, kw, site)),
  );
  data.attrs.set(
    'random_split',
    builtin('random_split', (a, kw, site) =>
      rec.data.randomSplit(info(a[0] ?? kw.get('dataset'), site), a[1] ?? kw.get('lengths'), site),
    ),
  );
  data.attrs.set(
    'Subset',
    builtin('Subset', (a, kw, site) => {
      const base = info(a[0] ?? kw.get('dataset'), site);
      const n = rec.interp.length(a[1] ?? kw.get('indices') ?? NONE);
      return rec.data.dataset(
        n === undefined
          ? { ...base, size: null, reason: 'Subset indices are unknown' }
          : { ...base, size: n, source: `Subset of ${n.toLocaleString('en-US')} from ${base.source}` },
      );
    }),
  );
  data.attrs.set(
    'ConcatDataset',
    builtin('ConcatDataset', (a, _kw, site) => {
      const parts = a[0]?.kind === 'list' || a[0]?.kind === 'tuple' ? a[0].items.map((p) => info(p, site)) : [];
      const known = parts.length > 0 && parts.every((p) => p.size !== null);
      const size = known ? parts.reduce((s, p) => s + p.size!, 0) : null;
      return rec.data.dataset({
        size,
        source: `ConcatDataset of ${parts.length}, ${line(site)}`,
        reason: known ? undefined : 'a part has an unknown size',
      });
    }),
  );
}

function installTorchvisionDatasets(rec: TrainingRecorder, all: Record<string, NamespaceV>): void {
  for (const name of ['torchvision.transforms', 'torchvision.transforms.v2']) {
    const transforms = ensureNamespace(all, name);
    for (const [k, v] of transformsNamespace(rec.data, name).attrs) transforms.attrs.set(k, v);
  }
  const ns = ensureNamespace(all, 'torchvision.datasets');
  rec.hub.dynamic.set(ns, (name) => {
    if (!/^[A-Z]/.test(name)) return undefined;
    return builtin(`torchvision.datasets.${name}`, (_a, kw, site) => {
      if (name === 'FakeData') return fakeData(rec, kw, site);
      if (/^(ImageFolder|DatasetFolder|VisionDataset)$/.test(name)) {
        return rec.data.dataset({
          size: null,
          source: `torchvision.datasets.${name}, ${line(site)}`,
          reason: `${name} reads a directory at run time: its size is unknown`,
        });
      }
      const split =
        strOf(kw.get('split')) ??
        (kw.get('train')?.kind === 'bool' && !(kw.get('train') as { value: boolean }).value
          ? 'test'
          : defaultSplit(rec, name));
      const dataset = rec.data.catalogued(
        `torchvision.datasets.${name}`,
        undefined,
        split,
        site,
        `torchvision.datasets.${name}(${split ? `split ${split}` : ''})`,
      );
      withTransformedSample(rec, dataset, `torchvision.datasets.${name}`, kw.get('transform'));
      return dataset;
    });
  });
}

/**
 * One sample of a catalogued image dataset: its images (the catalog's `image`) through the dataset's
 * transform, with an integer class label (CelebA's targets are attributes, not a class: image only).
 */
function withTransformedSample(
  rec: TrainingRecorder,
  dataset: Value,
  name: string,
  transform: Value | undefined,
): void {
  const info = rec.data.datasets.get(dataset);
  const image = rec.data.catalog?.datasetSize(name)?.image;
  if (!info || !image) return;
  const tensor = transformedImage(image, transform);
  if (typeof tensor === 'string') return;
  const label: TensorV = { kind: 'tensor', shape: [], dtype: 'int64' };
  info.sample = /CelebA$/.test(name) ? [tensor] : [tensor, label];
  info.source = `${info.source}, samples ${tensor.shape!.join('×')} after its transform`;
}

/** The split a torchvision dataset loads by default: train (trainval for OxfordIIITPet). */
function defaultSplit(rec: TrainingRecorder, name: string): string {
  const entry = rec.data.catalog?.datasetSize(`torchvision.datasets.${name}`);
  return entry && entry.splits.train === undefined && entry.splits.trainval !== undefined ? 'trainval' : 'train';
}

/** FakeData(size=1000, image_size=(3, 224, 224)): the size and sample shape are its arguments. */
function fakeData(rec: TrainingRecorder, kw: Kw, site: CallSite): Value {
  const size = kw.get('size');
  const img = kw.get('image_size');
  const dims =
    img && (img.kind === 'tuple' || img.kind === 'list') && img.items.every((d) => d.kind === 'int')
      ? img.items.map((d) => (d as { value: number }).value)
      : [3, 224, 224];
  const n = size === undefined ? 1000 : size.kind === 'int' ? size.value : null;
  const sample: TensorV[] = [
    { kind: 'tensor', shape: dims, dtype: 'float32' },
    { kind: 'tensor', shape: [], dtype: 'int64' },
  ];
  return rec.data.dataset({
    size: n,
    source: `torchvision.datasets.FakeData(size=${n ?? '?'}), ${line(site)}`,
    sample,
    reason: n === null ? 'size is not known statically' : undefined,
  });
}

function installHfDatasets(rec: TrainingRecorder, all: Record<string, NamespaceV>): void {
  const ns = ensureNamespace(all, 'datasets');
  ns.attrs.set(
    'load_dataset',
    builtin('load_dataset', (a, kw, site) => {
      const path = strOf(a[0] ?? kw.get('path'));
      const config = strOf(a[1] ?? kw.get('name'));
      const split = kw.get('split');
      if (!path)
        return rec.data.dataset({
          size: null,
          source: `load_dataset, ${line(site)}`,
          reason: 'the dataset name is not a string literal',
        });
      if (split && split.kind !== 'str' && split.kind !== 'none')
        return rec.data.dataset({
          size: null,
          source: `load_dataset("${path}")`,
          reason: 'split is not a string literal',
        });
      if (
        ['csv', 'json', 'parquet', 'text', 'imagefolder', 'audiofolder', 'arrow'].includes(path) ||
        kw.has('data_files') ||
        kw.has('data_dir')
      ) {
        return rec.data.dataset({
          size: null,
          source: `load_dataset("${path}"), ${line(site)}`,
          reason: `load_dataset("${path}") reads local files at run time: size unknown`,
        });
      }
      return rec.data.catalogued(
        path,
        config,
        strOf(split),
        site,
        `load_dataset(${[path, config]
          .filter(Boolean)
          .map((s) => JSON.stringify(s))
          .join(', ')})`,
      );
    }),
  );
  ns.attrs.set(
    'load_from_disk',
    builtin('load_from_disk', (_a, _kw, site) =>
      rec.data.dataset({
        size: null,
        source: `load_from_disk, ${line(site)}`,
        reason: 'load_from_disk reads a saved dataset at run time',
      }),
    ),
  );
  const Dataset = builtin('Dataset', (_a, _kw, site) => unknown('datasets.Dataset(...) is not modelled', site.range));
  rec.hub.classAttrs.set(
    Dataset,
    new Map<string, Value>([
      [
        'from_dict',
        builtin('from_dict', ([d], _kw, site) => {
          const first = d?.kind === 'dict' ? [...d.entries.values()][0]?.value : undefined;
          const n = first ? rec.interp.length(first) : undefined;
          return rec.data.dataset({
            size: n ?? null,
            source: `Dataset.from_dict (${n ?? '?'} rows), ${line(site)}`,
            reason: n === undefined ? 'column lengths unknown' : undefined,
          });
        }),
      ],
      [
        'from_pandas',
        builtin('from_pandas', (_a, _kw, site) =>
          rec.data.dataset({
            size: null,
            source: `Dataset.from_pandas, ${line(site)}`,
            reason: 'a DataFrame read at run time',
          }),
        ),
      ],
    ]),
  );
  ns.attrs.set('Dataset', Dataset);
}

/** keras.datasets.<name>.load_data() → ((x_train, y_train), (x_test, y_test)) with the documented shapes. */
function installKerasDatasets(rec: TrainingRecorder, ns: NamespaceV): void {
  for (const [name, shape] of Object.entries(KERAS_DATASETS)) {
    const sub = ensureSub(ns, name);
    sub.attrs.set(
      'load_data',
      builtin('load_data', (_a, _kw, site) => {
        const entry = rec.data.catalog?.datasetSize(name);
        if (!entry) return unknown(`keras.datasets.${name} is not in the datasets catalog`, site.range);
        const parts = ['train', 'test'].map((split) => splitInfo(entry, split, `keras.datasets.${name}.load_data()`));
        rec.loadDataOrigins.set(`${site.range.start.line}:${site.range.start.character}`, parts);
        return tuple(
          parts.map((p, i) => {
            const origin = `keras.datasets.${name}.load_data() ${i ? 'test' : 'train'} split, ${line(site)}`;
            const t = (dims: number[]): TensorV => ({
              kind: 'tensor',
              shape: [p.size!, ...dims],
              dtype: shape.dtype,
              origin,
            });
            return tuple([t(shape.x), t(shape.y)]);
          }),
        );
      }),
    );
  }
}

function ensureSub(ns: NamespaceV, name: string): NamespaceV {
  const existing = ns.attrs.get(name);
  if (existing?.kind === 'namespace') return existing;
  const sub: NamespaceV = {
    kind: 'namespace',
    name: `${ns.name}.${name}`,
    attrs: new Map(),
    opaque: `${ns.name}.${name} is not modelled`,
  };
  ns.attrs.set(name, sub);
  return sub;
}
