// Catalog figures for a loaded checkpoint: params and MACs at a batch / sequence length, the input
// the catalog assumes, and a provenance line naming the rule and the sources. Nothing is guessed.
import type { CatalogEntry, CheckpointKind, ModelCatalog, TransformerArch } from '../../catalog/modelCatalog';
import type { LayerTable } from '../../catalog/layerTables';
import { macsFor, transformerMacsPerToken, transformerParams } from '../../catalog/modelCatalog';
import type { ModelInput, Precision } from '../../report/types';
import type { LocalConfig } from '../../catalog/hfCache';
import { sequenceMacs, shapeOfCatalogArch, type HfModelShape } from '../../catalog/hfShape';
import { vitMacs } from '../../catalog/modelCatalog';

/** How a checkpoint was loaded and what the loader says about its head. */
export interface LoadRequest {
  /** The name as written (`"bert-base-uncased"`), or undefined when it is not a string. */
  name?: string;
  kind: CheckpointKind;
  /** The loader as written, for messages: `AutoModelForSequenceClassification.from_pretrained`. */
  loader: string;
  /**
   * For transformer checkpoints: whether the loaded class runs a d_model × vocab projection for every
   * token (`*ForCausalLM`, `*ForMaskedLM`, `*ForConditionalGeneration`: true; `AutoModel`: false).
   */
  lmHead?: boolean;
  /** Why the loaded network differs from the catalogued one (num_classes=10, include_top=False), given its entry. */
  modified?: (entry: CatalogEntry) => string | undefined;
  /** A vision classifier built with this many classes instead of the catalogued 1000 (keras `classes=`). */
  classes?: number;
  /** A note kept in the provenance (a .yaml build, a default pipeline model). */
  notes?: string[];
  /** Notes that depend on the entry (a task head the catalogued checkpoint does not have). */
  entryNotes?: (entry: CatalogEntry) => string | undefined;
  /** Set when the load cannot name a catalogued checkpoint at all (a model built from a config object). */
  reason?: string;
  /** The precision the load states (`torch_dtype=torch.float16`), and where. */
  precision?: Precision;
  precisionSource?: string;
}

/** The catalog's answer for one load: figures, or the reason there are none. */
export interface CheckpointFigures {
  entry?: CatalogEntry;
  /** Why params / MACs are unknown; set whenever `entry` is missing or the network was modified. */
  reason?: string;
  params: number | null;
  /** MACs of one sample (per-token entries: one sequence of `sequenceLength` tokens). */
  macsPerSample: number | null;
  basis?: 'per-sample' | 'per-token';
  sequenceLength?: number;
  /** The input one sample is, with batch 1. */
  sampleInput?: { shape: number[]; dtype: string; source: string };
  provenance: string;
  /** The checkpoint's shape: from a config.json on disk, or a catalogued decoder (for generation). */
  shape?: HfModelShape;
  /** The config.json the figures come from, when one was found on disk. */
  configFile?: string;
  /** The architecture layer by layer, read from its source (torchvision loads of unmodified entries). */
  layers?: { table: LayerTable; source: string };
}

/** The sequence length a config-read model is costed at: 2,048 for generators, 512 for encoders, capped by the context. */
function typicalLength(shape: HfModelShape): number {
  const want = shape.kind === 'decoder' ? 2048 : 512;
  return Math.min(want, shape.contextLength ?? want);
}

/** Figures from a config.json on disk (which takes precedence over the catalog: it is the checkpoint the user has). */
export function localFigures(local: LocalConfig, req: LoadRequest): CheckpointFigures {
  const at = `config.json at ${local.file}`;
  if (!local.shape) {
    const reason = `${local.reason} (a config on disk takes precedence over the catalog)`;
    return {
      reason,
      params: null,
      macsPerSample: null,
      provenance: `${req.loader}: ${reason}`,
      configFile: local.file,
    };
  }
  const shape = local.shape;
  const provenance = (rule: string) =>
    [
      `from ${at}, loaded with ${req.loader} (nothing was run; the network is never used)`,
      `model_type ${shape.modelType}: params counted from the config shapes (${shape.params})`,
      rule,
      ...shape.notes,
    ].join('; ');
  if (shape.vit && shape.kind === 'vision') {
    const image = shape.vit.image;
    return {
      params: shape.params,
      macsPerSample: vitMacs(shape.vit),
      basis: 'per-sample',
      sampleInput: { shape: [1, 3, image, image], dtype: 'float32', source: `${at}: image_size ${image}` },
      provenance: provenance(`MACs per ${image}px image`),
      shape,
      configFile: local.file,
    };
  }
  const L = typicalLength(shape);
  const dropHead = req.lmHead === false && shape.headMacsPerToken > 0;
  const macs = sequenceMacs(shape, L) - (dropHead ? L * shape.headMacsPerToken : 0);
  return {
    params: shape.params,
    macsPerSample: macs,
    basis: 'per-token',
    sequenceLength: L,
    sampleInput: { shape: [1, L], dtype: 'int64', source: `${at}: ${L} tokens (assumed sequence length)` },
    provenance: provenance(
      `MACs of one ${L}-token sequence: every weight per token + attention scores${dropHead ? ', without the output head' : ''}`,
    ),
    shape,
    configFile: local.file,
  };
}

/** Resolves a load against the catalog and computes per-sample figures. */
export function checkpointFigures(
  catalog: ModelCatalog | undefined,
  req: LoadRequest,
  local?: LocalConfig,
): CheckpointFigures {
  if (local && !req.reason) return localFigures(local, req);
  const none = (reason: string): CheckpointFigures => ({
    reason,
    params: null,
    macsPerSample: null,
    provenance: `${req.loader}: ${reason}`,
  });
  if (req.reason) return none(req.reason);
  if (!catalog) return none('no model catalog was loaded (the CLI loads profiles/models/), so no figures');
  if (req.name === undefined)
    return none('the checkpoint name is not a string literal: unknown until run time, no figures guessed');
  const resolution = catalog.resolveCheckpoint(req.name, req.kind);
  if (!resolution.entry) {
    const why = resolution.reason.startsWith('local path')
      ? `"${req.name}": local path, not in catalog (its weights are read at run time), no figures guessed`
      : resolution.reason;
    return none(why);
  }
  const entry = resolution.entry;
  const modified = req.modified?.(entry);
  if (modified)
    return {
      ...none(`${modified}: the catalog's figures are for "${entry.id}" as published, no figures guessed`),
      entry,
    };
  const base = macsFor(entry, { batch: 1 });
  let params = entry.params;
  let macs = base.macs;
  const notes = [...(req.notes ?? [])];
  const entryNote = req.entryNotes?.(entry);
  if (entryNote) notes.push(entryNote);
  if (req.classes !== undefined && entry.classifierFeatures) {
    // The classifier is features×classes weights + classes biases, one multiply-add per weight.
    const delta = req.classes - 1000;
    params += (entry.classifierFeatures + 1) * delta;
    macs += entry.classifierFeatures * delta;
    notes.push(
      `classes=${req.classes}: the ${entry.classifierFeatures}×1000 classifier replaced by ${entry.classifierFeatures}×${req.classes} (${entry.sources.classifierFeatures?.ref ?? 'catalog'})`,
    );
  }
  const arch = entry.architecture;
  if (req.lmHead !== undefined && arch.type === 'transformer' && !arch.audio && arch.lmHead !== req.lmHead) {
    const flipped: TransformerArch = { ...arch, lmHead: req.lmHead };
    const L = base.sequenceLength ?? entry.typicalSequenceLength ?? 1;
    params += transformerParams(flipped) - transformerParams(arch);
    macs = L * transformerMacsPerToken(flipped, L);
    notes.push(
      `${req.loader} ${req.lmHead ? 'adds' : 'drops'} the d_model×vocab output projection (${arch.hidden}×${arch.vocab} per token), recomputed with transformerMacsPerToken`,
    );
    if (req.lmHead && arch.attention === 'bidirectional')
      notes.push("the masked-LM head's transform layer and output bias are not counted");
  }
  const shape =
    arch.type === 'transformer'
      ? shapeOfCatalogArch(arch, entry.params, transformerMacsPerToken({ ...arch, lmHead: true }, 0))
      : undefined;
  // A torchvision load of the entry as published is costed layer by layer, as its source builds it.
  const layers = req.kind === 'torchvision' && req.classes === undefined ? catalog.layerTable(entry.id) : undefined;
  if (layers) {
    [params, macs] = [layers.table.totals[0], layers.table.totals[1] + layers.table.fixed[0]];
  }
  return {
    entry,
    ...(shape ? { shape } : {}),
    ...(layers ? { layers } : {}),
    params,
    macsPerSample: macs,
    basis: base.basis,
    sequenceLength: base.sequenceLength,
    sampleInput: sampleInput(entry, base.sequenceLength),
    provenance: provenanceOf(entry, req, base.basis, base.sequenceLength, notes, layers?.source),
  };
}

/** The catalog's typical input for one sample: token ids [1, L], or the typical tensor. */
function sampleInput(entry: CatalogEntry, L?: number): CheckpointFigures['sampleInput'] {
  const ref = entry.sources.typicalInput?.ref ?? entry.sources.typicalSequenceLength?.ref ?? 'catalog';
  if (entry.typicalInput) {
    return { shape: [1, ...entry.typicalInput.slice(1)], dtype: 'float32', source: `catalog typical input (${ref})` };
  }
  return { shape: [1, L ?? 1], dtype: 'int64', source: `catalog typical input (${L} tokens; ${ref})` };
}

function provenanceOf(
  entry: CatalogEntry,
  req: LoadRequest,
  basis: string,
  L: number | undefined,
  notes: string[],
  layerSource?: string,
): string {
  const src = (k: string) => {
    const s = entry.sources[k];
    return s ? `${s.ref} (${s.confidence})` : 'catalog';
  };
  const formula = entry.formula ? `; formula: ${clip(entry.formula, 160)}` : '';
  const macsRule =
    basis === 'per-token'
      ? `MACs = per-token MACs × ${L} tokens (typicalSequenceLength: ${src('typicalSequenceLength')})${formula}`
      : entry.architecture.type === 'transformer' && entry.architecture.audio
        ? `MACs per sample: one 30 s audio window and ${L} decoded tokens${formula}`
        : `MACs per sample at the typical input ${JSON.stringify(entry.typicalInput ?? [])}`;
  if (layerSource)
    return [
      `catalog entry "${entry.id}", loaded with ${req.loader} (nothing was run)`,
      `layer by layer as the architecture's source builds it at the typical input ${JSON.stringify(entry.typicalInput ?? [])} (${layerSource}): params, MACs, FLOPs, weights and activations per layer`,
      `published params and MACs: ${src('params')}`,
      ...notes,
    ].join('; ');
  return [
    `catalog entry "${entry.id}", loaded with ${req.loader} (nothing was run)`,
    `params from ${src('params')}`,
    `${macsRule} [${src('macs')}]`,
    'FLOPs = 2 × MACs; memory traffic counts the weights only (the catalog has no activation sizes)',
    ...notes,
  ].join('; ');
}

function clip(text: string, n: number): string {
  return text.length <= n ? text : `${text.slice(0, text.lastIndexOf(' ', n))} …`;
}

/** The report input for a batch: the sample input with dimension 0 set to `batch`. */
export function batchInput(f: CheckpointFigures, batch: number): ModelInput | null {
  if (!f.sampleInput) return null;
  return { shape: [batch, ...f.sampleInput.shape.slice(1)], dtype: f.sampleInput.dtype, source: f.sampleInput.source };
}

/**
 * transformers `pipeline(task)` without `model=`: the default checkpoint transformers loads
 * (src/transformers/pipelines/__init__.py, SUPPORTED_TASKS "default"), used only if catalogued.
 */
export const PIPELINE_DEFAULTS: Record<string, string> = {
  'feature-extraction': 'distilbert/distilbert-base-cased',
  'text-classification': 'distilbert/distilbert-base-uncased-finetuned-sst-2-english',
  'token-classification': 'dbmdz/bert-large-cased-finetuned-conll03-english',
  'question-answering': 'distilbert/distilbert-base-cased-distilled-squad',
  'fill-mask': 'distilbert/distilroberta-base',
  summarization: 'sshleifer/distilbart-cnn-12-6',
  translation: 'google-t5/t5-base',
  'text2text-generation': 'google-t5/t5-base',
  'text-generation': 'openai-community/gpt2',
  'zero-shot-classification': 'facebook/bart-large-mnli',
  'zero-shot-image-classification': 'openai/clip-vit-base-patch32',
  'image-classification': 'google/vit-base-patch16-224',
  'image-feature-extraction': 'google/vit-base-patch16-224',
  'automatic-speech-recognition': 'facebook/wav2vec2-base-960h',
  'object-detection': 'facebook/detr-resnet-50',
};

/** Task aliases transformers accepts (`sentiment-analysis` → `text-classification`). */
const TASK_ALIASES: Record<string, string> = {
  'sentiment-analysis': 'text-classification',
  ner: 'token-classification',
  vqa: 'visual-question-answering',
};

/** The canonical pipeline task (`translation_en_to_fr` → `translation`). */
export function pipelineTask(task: string): string {
  const t = TASK_ALIASES[task] ?? task;
  return /^translation_\w+_to_\w+$/.test(t) ? 'translation' : t;
}

/** Whether a pipeline task runs an output projection over the vocabulary for every token. */
export function pipelineLmHead(task: string): boolean | undefined {
  if (['text-generation', 'text2text-generation', 'summarization', 'translation', 'fill-mask'].includes(task))
    return true;
  if (
    [
      'feature-extraction',
      'text-classification',
      'token-classification',
      'question-answering',
      'zero-shot-classification',
    ].includes(task)
  )
    return false;
  return undefined;
}

/** Whether a transformers class name runs a vocabulary projection per token (undefined: not a text model class). */
export function classLmHead(cls: string): boolean | undefined {
  if (/(ForCausalLM|LMHeadModel|ForConditionalGeneration|ForMaskedLM|Seq2SeqLM|WithLMHead|ForPreTraining)$/.test(cls))
    return true;
  if (
    /(Model|ForSequenceClassification|ForTokenClassification|ForQuestionAnswering|ForMultipleChoice|ForNextSentencePrediction)$/.test(
      cls,
    )
  )
    return false;
  return undefined;
}

/** Heads of AutoModelFor<Task> classes and the catalog task whose checkpoints already include them. */
const HEAD_TASKS: Record<string, string> = {
  SequenceClassification: 'text-classification',
  TokenClassification: 'token-classification',
  QuestionAnswering: 'question-answering',
  MultipleChoice: 'multiple-choice',
};

/**
 * A note for a task head the catalogued checkpoint does not have (a classifier on the pooled token:
 * small, but not zero, and not counted), or for a head whose size num_labels changes.
 */
export function headNote(cls: string, entry: CatalogEntry, numLabels?: number): string | undefined {
  const m = /For(SequenceClassification|TokenClassification|QuestionAnswering|MultipleChoice)$/.exec(cls);
  if (!m) return undefined;
  if (HEAD_TASKS[m[1]] === entry.task)
    return numLabels === undefined
      ? undefined
      : `num_labels=${numLabels}: the catalogued ${entry.task} head is counted at its published size`;
  return `the ${m[1]} head that ${cls} adds${numLabels ? ` (num_labels=${numLabels})` : ''} is not in the catalog figures (entry task: ${entry.task}) and is not counted`;
}
