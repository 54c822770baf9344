// Pretrained-checkpoint and dataset-size catalogs: lookup by the names users write, MACs per batch.
import * as fs from 'node:fs';
import * as path from 'node:path';

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
  ) {
    for (const entry of entries) {
      for (const { name, kind } of [{ name: entry.id, kind: entry.kind }, ...entry.aliases]) {
        const key = name.toLowerCase();
        this.byName.set(key, [...(this.byName.get(key) ?? []), { entry, kind, exact: name }]);
      }
    }
    for (const ds of datasets) for (const name of [ds.id, ...ds.names]) this.datasetsByName.set(name.toLowerCase(), ds);
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
        hits.sort((a, b) => PRIORITY.indexOf(a.kind) - PRIORITY.indexOf(b.kind))[0];
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
 * `*.schema.json`, each holding `{ entries: [...] }`) and, optionally, the dataset catalog file.
 */
export function loadModelCatalog(modelsPath: string, datasetsPath?: string): ModelCatalog {
  const files = fs.statSync(modelsPath).isDirectory()
    ? fs
        .readdirSync(modelsPath)
        .filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json'))
        .sort()
        .map((f) => path.join(modelsPath, f))
    : [modelsPath];
  const entries = files.flatMap((f) => (JSON.parse(fs.readFileSync(f, 'utf8')) as { entries: CatalogEntry[] }).entries);
  const datasets = datasetsPath
    ? (JSON.parse(fs.readFileSync(datasetsPath, 'utf8')) as { datasets: DatasetEntry[] }).datasets
    : [];
  return new ModelCatalog(entries, datasets);
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
    const L = opts.sequenceLength ?? entry.typicalSequenceLength ?? 1;
    const perToken = arch.type === 'transformer' ? transformerMacsPerToken(arch, L) : entry.macs;
    return { macs: batch * L * perToken, basis: 'per-token', batch, sequenceLength: L, rule: entry.formula ?? '' };
  }
  if (arch.type === 'transformer' && arch.audio) {
    const L = opts.sequenceLength ?? entry.typicalSequenceLength ?? 1;
    return {
      macs: batch * whisperMacs(arch, L),
      basis: 'per-sample',
      batch,
      sequenceLength: L,
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

const normParams = (a: TransformerArch, d: number) => (a.norm === 'layernorm' ? 2 * d : d);

/** Matmul weights of one attention block: [params, per-token MACs of the q/o and k/v projections]. */
function attention(a: TransformerArch): { params: number; qoMacs: number; kvMacs: number } {
  const d = a.hidden,
    hd = a.headDim ?? d / a.heads,
    q = a.heads * hd,
    kv = (a.kvHeads ?? a.heads) * hd;
  const bias = a.bias === 'all' ? q + 2 * kv + d : a.bias === 'qkv' ? q + 2 * kv : 0;
  return { params: 2 * d * q + 2 * d * kv + bias, qoMacs: 2 * d * q, kvMacs: 2 * d * kv };
}

function ffn(a: TransformerArch): { params: number; macs: number } {
  if (a.moe) {
    const expert = 3 * a.hidden * a.moe.expertFfn,
      router = a.hidden * a.moe.experts;
    return { params: a.moe.experts * expert + router, macs: a.moe.perToken * expert + router };
  }
  const d = a.hidden,
    f = a.ffn,
    matrices = a.ffnType === 'gated' ? 3 : 2;
  return { params: matrices * d * f + (a.bias === 'all' ? (matrices - 1) * f + d : 0), macs: matrices * d * f };
}

/** Parameter count of a transformer from its architecture (embeddings, layers, norms, pooler, head). */
export function transformerParams(a: TransformerArch): number {
  const d = a.hidden,
    E = a.embeddingSize ?? d,
    att = attention(a),
    ff = ffn(a),
    stacks = a.encoderLayers ? 2 : 1;
  const layer = att.params + ff.params + 2 * normParams(a, d);
  const crossLayer = layer + att.params + normParams(a, d);
  const unique = (n: number) => (a.sharedLayers ? 1 : n);
  let p = a.vocab * E + (a.typeVocab ?? 0) * E + a.maxPositions * E + (a.encoderPositions ?? 0) * E;
  p += (a.embeddingNorm ? stacks * normParams(a, E) : 0) + (E !== d ? E * d + d : 0);
  p += a.encoderLayers ? unique(a.encoderLayers) * layer + unique(a.layers) * crossLayer : unique(a.layers) * layer;
  p += (a.finalNorm ? stacks * normParams(a, d) : 0) + (a.pooler ? d * d + d : 0);
  p += (a.lmHead && !a.tiedEmbeddings ? a.vocab * d : 0) + (a.extraParams ?? 0);
  return p;
}

/**
 * MACs per token at context length L: every matmul weight once (attention projections, FFN, embedding
 * projection, LM head when the model generates), plus attention scores. Causal self-attention costs
 * L·d_attn per layer (Kaplan et al. 2020, arXiv:2001.08361: 2·n_layer·n_ctx·d_attn FLOPs, the causal
 * average); bidirectional and cross-attention compute full QKᵀ and AV: 2·L·d_attn. For an
 * encoder-decoder, one "token" is one source token through the encoder plus one target token through
 * the decoder, both sequences of length L.
 */
export function transformerMacsPerToken(a: TransformerArch, L: number): number {
  const d = a.hidden,
    q = a.heads * (a.headDim ?? d / a.heads),
    att = attention(a),
    ff = ffn(a).macs;
  const selfScores = (a.attention === 'causal' ? 1 : 2) * L * q;
  let macs = a.layers * (att.qoMacs + att.kvMacs + ff + selfScores);
  if (a.encoderLayers)
    macs +=
      a.encoderLayers * (att.qoMacs + att.kvMacs + ff + 2 * L * q) + a.layers * (att.qoMacs + att.kvMacs + 2 * L * q);
  if ((a.embeddingSize ?? d) !== d) macs += (a.embeddingSize ?? d) * d;
  return macs + (a.lmHead ? d * a.vocab : 0);
}

/** Whisper: conv stem and encoder over one 30 s window, then `T` decoded tokens (self, cross, LM head). */
export function whisperMacs(a: TransformerArch, T: number): number {
  const d = a.hidden,
    au = a.audio!,
    att = attention(a),
    ff = ffn(a).macs,
    F = au.encoderFrames;
  const stem = au.inputFrames * 3 * au.melBins * d + F * 3 * d * d;
  const encoder = (a.encoderLayers ?? 0) * F * (att.qoMacs + att.kvMacs + ff + 2 * F * d);
  const crossKv = a.layers * F * att.kvMacs;
  const decoder = T * (a.layers * (2 * att.qoMacs + att.kvMacs + ff + T * d + 2 * F * d) + d * a.vocab);
  return stem + encoder + crossKv + decoder;
}

/** Parameters of a ViT tower (patch conv, class token, positions, blocks, final norm, classifier). */
export function vitParams(v: VitArch): number {
  const d = v.hidden,
    tokens = (v.image / v.patch) ** 2 + 1;
  const layer = 4 * d * d + 4 * d + 2 * d * v.ffn + v.ffn + d + 4 * d;
  return (
    3 * v.patch ** 2 * d +
    (v.patchBias ? d : 0) +
    d +
    tokens * d +
    (v.preNorm ? 2 * d : 0) +
    v.layers * layer +
    2 * d +
    (v.classes ? d * v.classes + v.classes : 0)
  );
}

/** MACs of one image through a ViT tower: patch conv, blocks (projections, MLP, full QKᵀ and AV), head. */
export function vitMacs(v: VitArch): number {
  const d = v.hidden,
    patches = (v.image / v.patch) ** 2,
    N = patches + 1;
  return patches * 3 * v.patch ** 2 * d + v.layers * (N * (4 * d * d + 2 * d * v.ffn) + 2 * N * N * d) + d * v.classes;
}

/** Recomputes params and MACs (at the entry's typical input) from `architecture`, or undefined for published-only ones. */
export function recompute(entry: CatalogEntry): { params: number; macs: number } | undefined {
  const a = entry.architecture;
  if (a.type === 'transformer') {
    const L = entry.typicalSequenceLength ?? 1;
    return { params: transformerParams(a), macs: a.audio ? whisperMacs(a, L) : transformerMacsPerToken(a, L) };
  }
  if (a.type === 'vit') return { params: vitParams(a), macs: vitMacs(a) };
  if (a.type === 'clip') {
    const t = a.text,
      ctx = t.maxPositions;
    return {
      params: vitParams(a.vision) + a.vision.hidden * a.projection + transformerParams(t) + t.hidden * a.projection + 1,
      macs:
        vitMacs(a.vision) +
        a.vision.hidden * a.projection +
        ctx * transformerMacsPerToken(t, ctx) +
        t.hidden * a.projection,
    };
  }
  return undefined;
}
