// Pretrained-checkpoint and dataset-size catalogs: lookup by the names users write, MACs per batch.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadLayerTables, type LayerTable, type LayerTables } from './layerTables';

/** The library a checkpoint name is written for (`from_pretrained`, `timm.create_model`, …). */
export type CheckpointKind =
  'hf' | 'timm' | 'torchvision' | 'keras' | 'sentence-transformers' | 'ultralytics' | 'torch-hub';

/** How sure a figure is: read in its source, copied by a secondary source, computed, or not checked. */
export type Confidence = 'confirmed' | 'secondary' | 'derived' | 'unconfirmed';

/** Where one figure comes from. `derivation` is required when the figure is `derived`. */
export interface FigureSource {
  ref: string;
  confidence: Confidence;
  derivation?: string;
  note?: string;
}

/** A transformer stack described by its config.json fields (enough to recompute params and MACs). */
export interface TransformerArch {
  type: 'transformer';
  attention: 'bidirectional' | 'causal';
  layers: number;
  /** Encoder depth of an encoder-decoder model; `layers` is then the decoder depth. */
  encoderLayers?: number;
  hidden: number;
  heads: number;
  kvHeads?: number;
  headDim?: number;
  ffn: number;
  ffnType: 'mlp' | 'gated';
  vocab: number;
  /** Learned position rows (0 for rotary / relative positions); `encoderPositions` for the encoder stack. */
  maxPositions: number;
  encoderPositions?: number;
  typeVocab?: number;
  /** Factorised embedding width (ALBERT, ELECTRA-small); projected to `hidden`. */
  embeddingSize?: number;
  sharedLayers?: boolean;
  bias: 'all' | 'none' | 'qkv';
  norm: 'layernorm' | 'rmsnorm';
  embeddingNorm?: boolean;
  finalNorm?: boolean;
  pooler?: boolean;
  tiedEmbeddings: boolean;
  /** Whether a d_model × vocab output projection runs for every token (generative models). */
  lmHead: boolean;
  /** Parameters the generic count does not cover (relative-position tables, conv stems), explained in sources. */
  extraParams?: number;
  /** Whisper-style audio encoder: mel bins and encoder frames for one 30 s window. */
  audio?: { melBins: number; inputFrames: number; encoderFrames: number };
  /** Mixture of experts on every layer (Mixtral, Qwen-MoE): gated experts of `expertFfn`, a d × experts router. */
  moe?: { experts: number; perToken: number; expertFfn: number };
}

/** A ViT image tower (torchvision / HF ViT, DeiT, CLIP's visual encoder). */
export interface VitArch {
  type: 'vit';
  image: number;
  patch: number;
  layers: number;
  hidden: number;
  heads: number;
  ffn: number;
  classes: number;
  patchBias: boolean;
  preNorm?: boolean;
}

/** CLIP: a ViT image tower and a causal text tower joined by two projections. */
export interface ClipArch {
  type: 'clip';
  vision: VitArch;
  text: TransformerArch;
  projection: number;
}

/** Convolutional / detector networks: figures are published, not recomputed. */
export interface PublishedArch {
  type: 'cnn' | 'detector';
  notes?: string;
}

/** What `recompute` reads: a formula-backed description, or a marker that the figures are published ones. */
export type Architecture = TransformerArch | VitArch | ClipArch | PublishedArch;

/** A published quality figure for the checkpoint (or for its architecture, as the source says). */
export interface Quality {
  metric: string;
  value: number;
  dataset: string;
  higherIsBetter: boolean;
}

/** One pretrained checkpoint. */
export interface CatalogEntry {
  id: string;
  kind: CheckpointKind;
  aliases: { name: string; kind: CheckpointKind }[];
  family: string;
  task: string;
  params: number;
  macs: number;
  macsBasis: 'per-sample' | 'per-token';
  /** The formula behind `macs` (per-token entries, and derived per-sample ones). */
  formula?: string;
  typicalInput?: number[];
  typicalSequenceLength?: number;
  /** Vision classifiers: the width feeding the final `classes`-way layer (weights features×classes + classes). */
  classifierFeatures?: number;
  architecture: Architecture;
  quality?: Quality;
  /** torchvision: each pretrained weights of the builder's enum with its ImageNet-1k top-1 (%), and the DEFAULT. */
  weights?: { enum: string; default: string; top1: Record<string, number>; source: string };
  /** Rounded figures stated by the source, kept beside the exact ones as a cross-check. */
  publishedParams?: number;
  publishedMacs?: number;
  smallerSiblings: { id: string; note: string }[];
  sources: Record<string, FigureSource>;
  notes?: string;
}

/** Split sizes of a dataset as users load it. */
export interface DatasetEntry {
  id: string;
  names: string[];
  unit: 'samples' | 'rows' | 'tokens';
  splits: Record<string, number>;
  /** An image dataset's images as its transforms receive them (height and width where all share one size). */
  image?: { channels: number; height?: number; width?: number; source: FigureSource };
  /** The same dataset counted in another unit (WikiText tokens beside rows). */
  alternate?: { unit: 'tokens'; splits: Record<string, number>; source: FigureSource };
  source: FigureSource;
}

/** The result of resolving a name: the entry, or why there is none. */
export type Resolution = { entry: CatalogEntry; reason?: undefined } | { entry: undefined; reason: string };

/** MACs of one forward pass over a batch, with the rule that produced them. */
export interface MacsEstimate {
  macs: number;
  basis: 'per-sample' | 'per-token';
  batch: number;
  sequenceLength?: number;
  rule: string;
}

// SentenceTransformer("org/name") loads any hub checkpoint; the other loaders take only their own names.
const ACCEPTS: Record<CheckpointKind, CheckpointKind[]> = {
  hf: ['hf'],
  timm: ['timm'],
  torchvision: ['torchvision'],
  keras: ['keras'],
  ultralytics: ['ultralytics'],
  'torch-hub': ['torch-hub'],
  'sentence-transformers': ['sentence-transformers', 'hf'],
};
// Without a kind and without an exact-case match, hub ids win over library function names.
const PRIORITY: CheckpointKind[] = [
  'hf',
  'torchvision',
  'timm',
  'sentence-transformers',
  'ultralytics',
  'torch-hub',
  'keras',
];
const LOCAL_PATH = /^(\.{1,2}([\\/]|$)|[\\/~]|[A-Za-z]:[\\/])/;

/** A loaded catalog of checkpoints and datasets. */
export class ModelCatalog {
  private readonly byName = new Map<string, { entry: CatalogEntry; kind: CheckpointKind; exact: string }[]>();
  private readonly datasetsByName = new Map<string, DatasetEntry>();

  constructor(
    readonly entries: CatalogEntry[],
    readonly datasets: DatasetEntry[] = [],
    readonly layerTables: LayerTables[] = [],
  ) {
    for (const entry of entries) {
      for (const { name, kind } of [{ name: entry.id, kind: entry.kind }, ...entry.aliases]) {
        const key = name.toLowerCase();
        this.byName.set(key, [...(this.byName.get(key) ?? []), { entry, kind, exact: name }]);
      }
    }
    for (const ds of datasets) for (const name of [ds.id, ...ds.names]) this.datasetsByName.set(name.toLowerCase(), ds);
  }

  /** The per-layer table of an entry's architecture as its source builds it (torchvision entries), if any. */
  layerTable(id: string): { table: LayerTable; source: string } | undefined {
    for (const tables of this.layerTables) {
      const table = tables.tables.get(id);
      if (table) return { table, source: tables.source };
    }
    return undefined;
  }

  /** The entry a checkpoint name refers to, or undefined when it is a local path or not catalogued. */
  lookupCheckpoint(name: string, kind?: CheckpointKind): CatalogEntry | undefined {
    return this.resolveCheckpoint(name, kind).entry;
  }

  /**
   * Like `lookupCheckpoint` but says why nothing was found. Matching is case-insensitive; an exact-case
   * match wins (keras `ResNet50` vs torchvision `resnet50`); a `kind` restricts the names considered.
   */
  resolveCheckpoint(name: string, kind?: CheckpointKind): Resolution {
    const raw = name.trim();
    if (LOCAL_PATH.test(raw)) return { entry: undefined, reason: 'local path: not in catalog' };
    const candidates = [raw, raw.replace(/^hf[_-]hub:/i, '')];
    if (kind === 'timm') candidates.push(candidates[1].replace(/^timm\//i, '').replace(/\.[a-z0-9_]+$/i, ''));
    for (const candidate of candidates) {
      const hits = (this.byName.get(candidate.toLowerCase()) ?? []).filter(
        (h) => !kind || ACCEPTS[kind].includes(h.kind),
      );
      const best =
        hits.find((h) => h.exact === candidate) ??
        hits.sort((first, second) => PRIORITY.indexOf(first.kind) - PRIORITY.indexOf(second.kind))[0];
      if (best) return { entry: best.entry };
    }
    return {
      entry: undefined,
      reason: `unknown checkpoint "${raw}"${kind ? ` for ${kind}` : ''}: not in catalog, no figures guessed`,
    };
  }

  /**
   * Split sizes for a dataset as written: `torchvision.datasets.MNIST`, `load_dataset("imdb")` → `imdb`,
   * `load_dataset("glue", "mrpc")` → (`glue`, `mrpc`). A config the catalog does not split by is ignored.
   */
  datasetSize(name: string, config?: string): DatasetEntry | undefined {
    const keys = [...(config ? [`${name}/${config}`] : []), name].map((k) => k.trim().toLowerCase());
    for (const key of keys) {
      const hit =
        this.datasetsByName.get(key) ?? this.datasetsByName.get(key.replace(/^(torchvision\.)?datasets\./, ''));
      if (hit) return hit;
    }
    return undefined;
  }
}

/**
 * Loads the checkpoint catalog from `modelsPath` (a JSON file, or a folder of `*.json` files other than
 * `*.schema.json`, each holding `{ entries: [...] }`, and its `layers/` tables) and, optionally, the
 * dataset catalog file.
 */
export function loadModelCatalog(modelsPath: string, datasetsPath?: string): ModelCatalog {
  const files = fs.statSync(modelsPath).isDirectory()
    ? fs
        .readdirSync(modelsPath)
        .filter((name) => name.endsWith('.json') && !name.endsWith('.schema.json'))
        .sort()
        .map((f) => path.join(modelsPath, f))
    : [modelsPath];
  const entries = files.flatMap(
    (file) => (JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: CatalogEntry[] }).entries,
  );
  const datasets = datasetsPath
    ? (JSON.parse(fs.readFileSync(datasetsPath, 'utf8')) as { datasets: DatasetEntry[] }).datasets
    : [];
  // A folder of entries may hold layers/: per-layer tables read from the architectures' source.
  const tables = fs.statSync(modelsPath).isDirectory() ? loadLayerTables(path.join(modelsPath, 'layers')) : [];
  return new ModelCatalog(entries, datasets, tables);
}

/**
 * MACs for a batch: per-token entries cost `batch × L × perToken(L)` (L = `sequenceLength`, default the
 * entry's typical length); per-sample entries cost `batch × macs`, except Whisper, whose decoder length
 * is `sequenceLength` tokens after a fixed 30 s encoder pass.
 */
export function macsFor(entry: CatalogEntry, opts: { batch?: number; sequenceLength?: number } = {}): MacsEstimate {
  const batch = opts.batch ?? 1;
  const arch = entry.architecture;
  if (entry.macsBasis === 'per-token') {
    const sequenceLength = opts.sequenceLength ?? entry.typicalSequenceLength ?? 1;
    const perToken = arch.type === 'transformer' ? transformerMacsPerToken(arch, sequenceLength) : entry.macs;
    return {
      macs: batch * sequenceLength * perToken,
      basis: 'per-token',
      batch,
      sequenceLength,
      rule: entry.formula ?? '',
    };
  }
  if (arch.type === 'transformer' && arch.audio) {
    const sequenceLength = opts.sequenceLength ?? entry.typicalSequenceLength ?? 1;
    return {
      macs: batch * whisperMacs(arch, sequenceLength),
      basis: 'per-sample',
      batch,
      sequenceLength,
      rule: entry.formula ?? '',
    };
  }
  return {
    macs: batch * entry.macs,
    basis: 'per-sample',
    batch,
    rule: entry.formula ?? 'published per-sample figure × batch',
  };
}

const normParams = (arch: TransformerArch, width: number) => (arch.norm === 'layernorm' ? 2 * width : width);

/** Matmul weights of one attention block: [params, per-token MACs of the q/o and k/v projections]. */
function attention(arch: TransformerArch): { params: number; qoMacs: number; kvMacs: number } {
  const hidden = arch.hidden,
    headDim = arch.headDim ?? hidden / arch.heads,
    queryWidth = arch.heads * headDim,
    keyValueWidth = (arch.kvHeads ?? arch.heads) * headDim;
  const bias =
    arch.bias === 'all'
      ? queryWidth + 2 * keyValueWidth + hidden
      : arch.bias === 'qkv'
        ? queryWidth + 2 * keyValueWidth
        : 0;
  return {
    params: 2 * hidden * queryWidth + 2 * hidden * keyValueWidth + bias,
    qoMacs: 2 * hidden * queryWidth,
    kvMacs: 2 * hidden * keyValueWidth,
  };
}

function ffn(arch: TransformerArch): { params: number; macs: number } {
  if (arch.moe) {
    const expert = 3 * arch.hidden * arch.moe.expertFfn,
      router = arch.hidden * arch.moe.experts;
    return { params: arch.moe.experts * expert + router, macs: arch.moe.perToken * expert + router };
  }
  const hidden = arch.hidden,
    ffnWidth = arch.ffn,
    matrices = arch.ffnType === 'gated' ? 3 : 2;
  return {
    params: matrices * hidden * ffnWidth + (arch.bias === 'all' ? (matrices - 1) * ffnWidth + hidden : 0),
    macs: matrices * hidden * ffnWidth,
  };
}

/** Parameter count of a transformer from its architecture (embeddings, layers, norms, pooler, head). */
export function transformerParams(arch: TransformerArch): number {
  const hidden = arch.hidden,
    embedding = arch.embeddingSize ?? hidden,
    att = attention(arch),
    ff = ffn(arch),
    stacks = arch.encoderLayers ? 2 : 1;
  const layer = att.params + ff.params + 2 * normParams(arch, hidden);
  const crossLayer = layer + att.params + normParams(arch, hidden);
  const unique = (n: number) => (arch.sharedLayers ? 1 : n);
  let params =
    arch.vocab * embedding +
    (arch.typeVocab ?? 0) * embedding +
    arch.maxPositions * embedding +
    (arch.encoderPositions ?? 0) * embedding;
  params +=
    (arch.embeddingNorm ? stacks * normParams(arch, embedding) : 0) +
    (embedding !== hidden ? embedding * hidden + hidden : 0);
  params += arch.encoderLayers
    ? unique(arch.encoderLayers) * layer + unique(arch.layers) * crossLayer
    : unique(arch.layers) * layer;
  params += (arch.finalNorm ? stacks * normParams(arch, hidden) : 0) + (arch.pooler ? hidden * hidden + hidden : 0);
  params += (arch.lmHead && !arch.tiedEmbeddings ? arch.vocab * hidden : 0) + (arch.extraParams ?? 0);
  return params;
}

/**
 * MACs per token at context length L (`sequenceLength`): every matmul weight once (attention projections, FFN, embedding
 * projection, LM head when the model generates), plus attention scores. Causal self-attention costs
 * L·d_attn per layer (Kaplan et al. 2020, arXiv:2001.08361: 2·n_layer·n_ctx·d_attn FLOPs, the causal
 * average); bidirectional and cross-attention compute full QKᵀ and AV: 2·L·d_attn. For an
 * encoder-decoder, one "token" is one source token through the encoder plus one target token through
 * the decoder, both sequences of length L.
 */
export function transformerMacsPerToken(arch: TransformerArch, sequenceLength: number): number {
  const hidden = arch.hidden,
    queryWidth = arch.heads * (arch.headDim ?? hidden / arch.heads),
    att = attention(arch),
    ff = ffn(arch).macs;
  const selfScores = (arch.attention === 'causal' ? 1 : 2) * sequenceLength * queryWidth;
  let macs = arch.layers * (att.qoMacs + att.kvMacs + ff + selfScores);
  if (arch.encoderLayers)
    macs +=
      arch.encoderLayers * (att.qoMacs + att.kvMacs + ff + 2 * sequenceLength * queryWidth) +
      arch.layers * (att.qoMacs + att.kvMacs + 2 * sequenceLength * queryWidth);
  if ((arch.embeddingSize ?? hidden) !== hidden) macs += (arch.embeddingSize ?? hidden) * hidden;
  return macs + (arch.lmHead ? hidden * arch.vocab : 0);
}

/** Whisper: conv stem and encoder over one 30 s window, then `decodedTokens` tokens (self, cross, LM head). */
export function whisperMacs(arch: TransformerArch, decodedTokens: number): number {
  const hidden = arch.hidden,
    audio = arch.audio!,
    att = attention(arch),
    ff = ffn(arch).macs,
    frames = audio.encoderFrames;
  const stem = audio.inputFrames * 3 * audio.melBins * hidden + frames * 3 * hidden * hidden;
  const encoder = (arch.encoderLayers ?? 0) * frames * (att.qoMacs + att.kvMacs + ff + 2 * frames * hidden);
  const crossKv = arch.layers * frames * att.kvMacs;
  const decoder =
    decodedTokens *
    (arch.layers * (2 * att.qoMacs + att.kvMacs + ff + decodedTokens * hidden + 2 * frames * hidden) +
      hidden * arch.vocab);
  return stem + encoder + crossKv + decoder;
}

/** Parameters of a ViT tower (patch conv, class token, positions, blocks, final norm, classifier). */
export function vitParams(vit: VitArch): number {
  const hidden = vit.hidden,
    tokens = (vit.image / vit.patch) ** 2 + 1;
  const layer = 4 * hidden * hidden + 4 * hidden + 2 * hidden * vit.ffn + vit.ffn + hidden + 4 * hidden;
  return (
    3 * vit.patch ** 2 * hidden +
    (vit.patchBias ? hidden : 0) +
    hidden +
    tokens * hidden +
    (vit.preNorm ? 2 * hidden : 0) +
    vit.layers * layer +
    2 * hidden +
    (vit.classes ? hidden * vit.classes + vit.classes : 0)
  );
}

/** MACs of one image through a ViT tower: patch conv, blocks (projections, MLP, full QKᵀ and AV), head. */
export function vitMacs(vit: VitArch): number {
  const hidden = vit.hidden,
    patches = (vit.image / vit.patch) ** 2,
    tokens = patches + 1;
  return (
    patches * 3 * vit.patch ** 2 * hidden +
    vit.layers * (tokens * (4 * hidden * hidden + 2 * hidden * vit.ffn) + 2 * tokens * tokens * hidden) +
    hidden * vit.classes
  );
}

/** Recomputes params and MACs (at the entry's typical input) from `architecture`, or undefined for published-only ones. */
export function recompute(entry: CatalogEntry): { params: number; macs: number } | undefined {
  const arch = entry.architecture;
  if (arch.type === 'transformer') {
    const sequenceLength = entry.typicalSequenceLength ?? 1;
    return {
      params: transformerParams(arch),
      macs: arch.audio ? whisperMacs(arch, sequenceLength) : transformerMacsPerToken(arch, sequenceLength),
    };
  }
  if (arch.type === 'vit') return { params: vitParams(arch), macs: vitMacs(arch) };
  if (arch.type === 'clip') {
    const text = arch.text,
      ctx = text.maxPositions;
    return {
      params:
        vitParams(arch.vision) +
        arch.vision.hidden * arch.projection +
        transformerParams(text) +
        text.hidden * arch.projection +
        1,
      macs:
        vitMacs(arch.vision) +
        arch.vision.hidden * arch.projection +
        ctx * transformerMacsPerToken(text, ctx) +
        text.hidden * arch.projection,
    };
  }
  return undefined;
}
