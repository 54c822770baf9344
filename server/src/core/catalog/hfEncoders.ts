// Encoders, encoder-decoders and image towers from their config.json: BERT, RoBERTa, DeBERTa (v1, v2/v3),
// T5, BART, Whisper, ViT, CLIP, and Gemma 3's SigLIP vision tower. Weights counted as the transformers
// modeling files create them; ViT and CLIP reuse the catalog's formulas (vitParams, transformerParams).
import { ConfigError, ConfigFields } from './hfConfigFields';
import { type HfModelShape, type EncoderSide, uniformAttention } from './hfShape';
import { transformerParams, vitParams, vitMacs, type TransformerArch, type VitArch } from './modelCatalog';

/** A shape with the defaults of an encoder: no generation head, bidirectional attention, no MoE. */
function encoderOnly(
  modelType: string,
  a: { params: number; L: number; d: number; H: number; V: number; layerMacs: number; ctx: number | null },
  notes: string[] = [],
): HfModelShape {
  const hd = a.d / a.H;
  return {
    modelType,
    kind: 'encoder',
    params: a.params,
    activeParams: a.params,
    inputEmbeddingParams: 0,
    offStackParams: 0,
    layers: a.L,
    hidden: a.d,
    heads: a.H,
    kvHeads: a.H,
    headDim: hd,
    vocab: a.V,
    weightMacsPerToken: a.L * a.layerMacs,
    headMacsPerToken: 0,
    attention: uniformAttention(a.L, a.H, a.H, hd),
    causal: false,
    contextLength: a.ctx,
    notes,
  };
}

/** One post-norm BERT layer: q, k, v, o with bias, two LayerNorms, the intermediate and output denses. */
const bertLayer = (d: number, ff: number) => 4 * (d * d + d) + 4 * d + (d * ff + ff) + (ff * d + d);

/** BERT / RoBERTa (modeling_bert.py, modeling_roberta.py): BertModel / RobertaModel with the pooler. */
export function bertShape(c: ConfigFields, modelType: string): HfModelShape {
  const d = c.int('hidden_size');
  const L = c.int('num_hidden_layers');
  const H = c.int('num_attention_heads');
  const ff = c.int('intermediate_size');
  const V = c.int('vocab_size');
  const P = c.int('max_position_embeddings');
  const types = c.count('type_vocab_size', 2);
  const embeddings = (V + P + types) * d + 2 * d;
  const params = embeddings + L * bertLayer(d, ff) + (d * d + d);
  const ctx = modelType === 'roberta' ? P - 2 : P;
  return encoderOnly(modelType, { params, L, d, H, V, layerMacs: 4 * d * d + 2 * d * ff, ctx }, [
    `${modelType === 'roberta' ? 'RobertaModel' : 'BertModel'} with its pooler (the class the card counts)`,
  ]);
}

/**
 * DeBERTa v1 (`deberta`) and v2/v3 (`deberta-v2`): disentangled attention. v1 has a fused in_proj with
 * q/v biases and its own position projections; v2/v3 share the key/query projections for positions
 * (share_att_key) and add a LayerNorm on the relative embeddings.
 */
export function debertaShape(c: ConfigFields, modelType: string): HfModelShape {
  const d = c.int('hidden_size');
  const L = c.int('num_hidden_layers');
  const H = c.int('num_attention_heads');
  const ff = c.int('intermediate_size');
  const V = c.int('vocab_size');
  const P = c.int('max_position_embeddings');
  const v2 = modelType === 'deberta-v2';
  // v3 configs write pos_att_type as "p2c|c2p"; v1 as a list.
  const rawTypes = c.raw.pos_att_type;
  const posTypes = typeof rawTypes === 'string' ? rawTypes.split('|') : (c.strings('pos_att_type') ?? []);
  const relative = c.bool('relative_attention', false);
  const types = c.count('type_vocab_size', 0);
  const embeddingSize = c.optInt('embedding_size') ?? d;
  if (embeddingSize !== d) throw new ConfigError(`${c.where}: embedding_size differs from hidden_size, not modelled`);
  let embeddings = V * d + types * d + 2 * d;
  if (c.bool('position_biased_input', true)) embeddings += P * d;
  const shareKey = v2 && c.bool('share_att_key', false);
  let attention = v2 ? 3 * (d * d + d) : 3 * d * d + 2 * d;
  if (relative && !shareKey) {
    if (posTypes.includes('c2p')) attention += v2 ? d * d + d : d * d;
    if (posTypes.includes('p2c')) attention += d * d + d;
  }
  const layer = attention + (d * d + d) + 2 * d + (d * ff + ff) + (ff * d + d) + 2 * d;
  let params = embeddings + L * layer;
  if (relative) {
    const maxRel = (c.raw.max_relative_positions as number) > 0 ? (c.raw.max_relative_positions as number) : P;
    const buckets = v2 ? c.count('position_buckets', 0) : 0;
    params += (buckets > 0 ? 2 * buckets : 2 * maxRel) * d;
    if (v2 && (c.str('norm_rel_ebd') ?? 'none').includes('layer_norm')) params += 2 * d;
  }
  if (v2 && c.count('conv_kernel_size', 0) > 0)
    throw new ConfigError(`${c.where}: conv_kernel_size > 0 is not modelled`);
  return encoderOnly(modelType, { params, L, d, H, V, layerMacs: 4 * d * d + 2 * d * ff, ctx: P }, [
    'DeBERTa model without a pooler; the disentangled position terms (c2p / p2c scores) are not in the MACs',
  ]);
}

/** T5 (modeling_t5.py): T5ForConditionalGeneration; v1.1 gated-gelu and an untied head. */
export function t5Shape(c: ConfigFields): HfModelShape {
  const d = c.int('d_model');
  const dkv = c.int('d_kv');
  const H = c.int('num_heads');
  const ff = c.int('d_ff');
  const Le = c.int('num_layers');
  const Ld = c.optInt('num_decoder_layers') ?? Le;
  const V = c.int('vocab_size');
  const buckets = c.count('relative_attention_num_buckets', 32);
  const gated = (c.str('feed_forward_proj') ?? 'relu').startsWith('gated-');
  const tied = c.bool('tie_word_embeddings', true);
  const inner = H * dkv;
  const attn = 4 * d * inner;
  const ffParams = (gated ? 3 : 2) * d * ff;
  const encoderLayer = attn + ffParams + 2 * d;
  const decoderLayer = 2 * attn + ffParams + 3 * d;
  const encoderParams = Le * encoderLayer + buckets * H + d;
  const decoderParams = Ld * decoderLayer + buckets * H + d;
  const params = V * d + encoderParams + decoderParams + (tied ? 0 : V * d);
  const encoder: EncoderSide = {
    params: encoderParams,
    macsPerToken: Le * (attn + ffParams),
    attention: uniformAttention(Le, H, H, dkv)[0],
    crossLayers: Ld,
    crossKvMacsPerToken: Ld * 2 * d * inner,
  };
  return encoderDecoder(
    't5',
    { params, L: Ld, d, H, hd: dkv, V, tied, ctx: null },
    encoder,
    Ld * (attn + 2 * d * inner + ffParams),
  );
}

/** BART (modeling_bart.py): learned positions with an offset of 2, embedding LayerNorms, tied head. */
export function bartShape(c: ConfigFields): HfModelShape {
  const d = c.int('d_model');
  const Le = c.int('encoder_layers');
  const Ld = c.int('decoder_layers');
  const He = c.int('encoder_attention_heads');
  const Hd = c.int('decoder_attention_heads');
  const ffe = c.int('encoder_ffn_dim');
  const ffd = c.int('decoder_ffn_dim');
  const V = c.int('vocab_size');
  const P = c.int('max_position_embeddings');
  const attn = 4 * (d * d + d);
  const finalNorm = c.bool('add_final_layer_norm', false) ? 2 * d : 0;
  const encoderLayer = attn + 2 * d + (d * ffe + ffe) + (ffe * d + d) + 2 * d;
  const decoderLayer = 2 * attn + 4 * d + (d * ffd + ffd) + (ffd * d + d) + 2 * d;
  const stackExtras = (P + 2) * d + 2 * d + finalNorm;
  const encoderParams = stackExtras + Le * encoderLayer;
  const params = V * d + encoderParams + stackExtras + Ld * decoderLayer;
  const encoder: EncoderSide = {
    params: encoderParams,
    macsPerToken: Le * (4 * d * d + 2 * d * ffe),
    attention: uniformAttention(Le, He, He, d / He)[0],
    crossLayers: Ld,
    crossKvMacsPerToken: Ld * 2 * d * d,
  };
  return encoderDecoder(
    'bart',
    { params, L: Ld, d, H: Hd, hd: d / Hd, V, tied: true, ctx: P },
    encoder,
    Ld * (6 * d * d + 2 * d * ffd),
  );
}

/** Whisper (modeling_whisper.py): two-conv audio stem, 1500-frame encoder, decoder with a tied head. */
export function whisperShape(c: ConfigFields): HfModelShape {
  const d = c.int('d_model');
  const Le = c.int('encoder_layers');
  const Ld = c.int('decoder_layers');
  const He = c.int('encoder_attention_heads');
  const Hd = c.int('decoder_attention_heads');
  const ffe = c.int('encoder_ffn_dim');
  const ffd = c.int('decoder_ffn_dim');
  const V = c.int('vocab_size');
  const mels = c.int('num_mel_bins');
  const frames = c.int('max_source_positions');
  const targets = c.int('max_target_positions');
  // k_proj has no bias in Whisper's attention; q, v and out_proj have one.
  const attn = 4 * d * d + 3 * d;
  const encoderLayer = attn + 2 * d + (d * ffe + ffe) + (ffe * d + d) + 2 * d;
  const decoderLayer = 2 * attn + 4 * d + (d * ffd + ffd) + (ffd * d + d) + 2 * d;
  const stem = mels * d * 3 + d + d * d * 3 + d;
  const encoderParams = stem + frames * d + Le * encoderLayer + 2 * d;
  const params = encoderParams + V * d + targets * d + Ld * decoderLayer + 2 * d;
  const encoder: EncoderSide = {
    params: encoderParams,
    macsPerToken: Le * (4 * d * d + 2 * d * ffe),
    attention: uniformAttention(Le, He, He, d / He)[0],
    fixedTokens: frames,
    stemMacs: 2 * frames * 3 * mels * d + frames * 3 * d * d,
    crossLayers: Ld,
    crossKvMacsPerToken: Ld * 2 * d * d,
  };
  return encoderDecoder(
    'whisper',
    { params, L: Ld, d, H: Hd, hd: d / Hd, V, tied: true, ctx: targets },
    encoder,
    Ld * (6 * d * d + 2 * d * ffd),
  );
}

function encoderDecoder(
  modelType: string,
  a: { params: number; L: number; d: number; H: number; hd: number; V: number; tied: boolean; ctx: number | null },
  encoder: EncoderSide,
  decoderLayerMacs: number,
): HfModelShape {
  return {
    modelType,
    kind: 'encoder-decoder',
    params: a.params,
    activeParams: a.params,
    inputEmbeddingParams: 0,
    offStackParams: encoder.params,
    layers: a.L,
    hidden: a.d,
    heads: a.H,
    kvHeads: a.H,
    headDim: a.hd,
    vocab: a.V,
    weightMacsPerToken: decoderLayerMacs + a.d * a.V,
    headMacsPerToken: a.d * a.V,
    attention: uniformAttention(a.L, a.H, a.H, a.hd),
    causal: true,
    contextLength: a.ctx,
    encoder,
    notes: [],
  };
}

/** ViT (modeling_vit.py): ViTForImageClassification (classifier, no pooler) or ViTModel (pooler). */
export function vitShape(c: ConfigFields): HfModelShape {
  const classifier = (c.strings('architectures') ?? []).some((a) => a.endsWith('ForImageClassification'));
  const vit: VitArch = {
    type: 'vit',
    image: c.int('image_size'),
    patch: c.int('patch_size'),
    layers: c.int('num_hidden_layers'),
    hidden: c.int('hidden_size'),
    heads: c.int('num_attention_heads'),
    ffn: c.int('intermediate_size'),
    classes: classifier ? c.labels(2) : 0,
    patchBias: true,
  };
  if (c.count('num_channels', 3) !== 3) throw new ConfigError(`${c.where}: num_channels other than 3 is not modelled`);
  const d = vit.hidden;
  const params = vitParams(vit) + (classifier ? 0 : d * d + d);
  return visionShape('vit', vit, params, vitMacs(vit), [
    classifier ? `ViTForImageClassification, ${vit.classes} labels` : 'ViTModel with its pooler',
  ]);
}

function visionShape(modelType: string, vit: VitArch, params: number, macs: number, notes: string[]): HfModelShape {
  const tokens = (vit.image / vit.patch) ** 2 + 1;
  return {
    modelType,
    kind: 'vision',
    params,
    activeParams: params,
    inputEmbeddingParams: 0,
    offStackParams: 0,
    layers: vit.layers,
    hidden: vit.hidden,
    heads: vit.heads,
    kvHeads: vit.heads,
    headDim: vit.hidden / vit.heads,
    vocab: 0,
    weightMacsPerToken: macs / tokens,
    headMacsPerToken: 0,
    attention: uniformAttention(vit.layers, vit.heads, vit.heads, vit.hidden / vit.heads),
    causal: false,
    contextLength: tokens,
    vit,
    notes,
  };
}

/** CLIPTextConfig / CLIPVisionConfig defaults (configuration_clip.py), used where a config leaves a field out. */
const CLIP_TEXT_DEFAULTS = {
  vocab_size: 49408,
  hidden_size: 512,
  intermediate_size: 2048,
  num_hidden_layers: 12,
  num_attention_heads: 8,
  max_position_embeddings: 77,
};
const CLIP_VISION_DEFAULTS = {
  hidden_size: 768,
  intermediate_size: 3072,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  image_size: 224,
  patch_size: 32,
};

/** CLIP (modeling_clip.py): a ViT image tower with pre-norm, a causal text tower, two projections, logit_scale. */
export function clipShape(c: ConfigFields): HfModelShape {
  const t = withDefaults(c.needSub('text_config'), CLIP_TEXT_DEFAULTS);
  const v = withDefaults(c.needSub('vision_config'), CLIP_VISION_DEFAULTS);
  const projection = c.optInt('projection_dim') ?? 512;
  const text: TransformerArch = {
    type: 'transformer',
    attention: 'causal',
    layers: t.int('num_hidden_layers'),
    hidden: t.int('hidden_size'),
    heads: t.int('num_attention_heads'),
    ffn: t.int('intermediate_size'),
    ffnType: 'mlp',
    vocab: t.int('vocab_size'),
    maxPositions: t.int('max_position_embeddings'),
    bias: 'all',
    norm: 'layernorm',
    finalNorm: true,
    tiedEmbeddings: false,
    lmHead: false,
  };
  const vision: VitArch = {
    type: 'vit',
    image: v.int('image_size'),
    patch: v.int('patch_size'),
    layers: v.int('num_hidden_layers'),
    hidden: v.int('hidden_size'),
    heads: v.int('num_attention_heads'),
    ffn: v.int('intermediate_size'),
    classes: 0,
    patchBias: false,
    preNorm: true,
  };
  const params =
    vitParams(vision) + vision.hidden * projection + transformerParams(text) + text.hidden * projection + 1;
  const textLayerMacs = 4 * text.hidden ** 2 + 2 * text.hidden * text.ffn;
  const ctx = text.maxPositions;
  const textMacs = ctx * text.layers * (textLayerMacs + ctx * text.hidden);
  const macs = vitMacs(vision) + vision.hidden * projection + textMacs + text.hidden * projection;
  const shape = visionShape('clip', vision, params, macs, [
    `CLIPModel: one ${vision.image}px image and one ${ctx}-token text per sample`,
  ]);
  return { ...shape, kind: 'clip', architecture: text };
}

/** A sub-config with the model type's defaults under the fields it gives. */
export function withDefaults(c: ConfigFields, defaults: Record<string, unknown>): ConfigFields {
  return new ConfigFields({ ...defaults, ...c.raw }, c.where);
}

/** SigLIP vision tower parameters (modeling_siglip.py, no head): patch conv with bias, positions, post-norm. */
export function siglipVisionParams(v: ConfigFields): number {
  const d = v.int('hidden_size');
  const ff = v.int('intermediate_size');
  const L = v.int('num_hidden_layers');
  const p = v.int('patch_size');
  const image = v.int('image_size');
  if (v.bool('vision_use_head', false)) throw new ConfigError(`${v.where}: vision_use_head=true is not modelled`);
  const layer = 4 * (d * d + d) + 4 * d + (d * ff + ff) + (ff * d + d);
  return 3 * p * p * d + d + (image / p) ** 2 * d + L * layer + 2 * d;
}
