// Decoder-only language models from their config.json: Llama, Mistral, Mixtral, Qwen2/Qwen3 (and their
// MoE variants), Gemma 1/2/3, Phi-3, GPT-2 and GPT-NeoX. Each weight is counted as the transformers
// modeling file creates it (modeling_<type>.py), so the totals are what `model.num_parameters()` gives.
import { ConfigError, type ConfigFields } from './hfConfigFields';
import { type AttentionGroup, type HfModelShape, type MoeLayout, uniformAttention } from './hfShape';

/** How one Llama-like model type differs from Llama: biases, norms, tying default, experts, windows. */
interface DecoderStyle {
  /** Bias on q/k/v and on o: a config field name, or a fixed answer. */
  qkvBias: boolean | 'attention_bias';
  oBias: boolean | 'attention_bias';
  /** RMSNorms per layer (Llama 2; Gemma 2/3 add pre/post feed-forward norms: 4). */
  normsPerLayer: number;
  /** Per-head RMSNorms on q and k (Qwen3, Gemma 3): 2 × head_dim per layer. */
  qkNorm: boolean;
  tieDefault: boolean;
  moe?: 'mixtral' | 'qwen2_moe' | 'qwen3_moe';
  /** Which layers use the sliding window. */
  window?: 'all' | 'qwen' | 'alternate' | 'pattern';
}

const LLAMA: DecoderStyle = {
  qkvBias: 'attention_bias',
  oBias: 'attention_bias',
  normsPerLayer: 2,
  qkNorm: false,
  tieDefault: false,
};

/** The Llama-like model types and their differences (transformers modeling_<type>.py, v4.5x). */
export const DECODER_STYLES: Record<string, DecoderStyle> = {
  llama: LLAMA,
  mistral: { ...LLAMA, qkvBias: false, oBias: false, window: 'all' },
  mixtral: { ...LLAMA, qkvBias: false, oBias: false, window: 'all', moe: 'mixtral' },
  qwen2: { ...LLAMA, qkvBias: true, oBias: false, window: 'qwen' },
  qwen2_moe: { ...LLAMA, qkvBias: true, oBias: false, window: 'qwen', moe: 'qwen2_moe' },
  qwen3: { ...LLAMA, qkNorm: true, window: 'qwen' },
  qwen3_moe: { ...LLAMA, qkNorm: true, window: 'qwen', moe: 'qwen3_moe' },
  gemma: { ...LLAMA, tieDefault: true },
  gemma2: { ...LLAMA, tieDefault: true, normsPerLayer: 4, window: 'alternate' },
  gemma3_text: { ...LLAMA, tieDefault: true, normsPerLayer: 4, qkNorm: true, window: 'pattern' },
  phi3: { ...LLAMA, qkvBias: false, oBias: false },
};

const biasOf = (c: ConfigFields, rule: boolean | 'attention_bias'): boolean =>
  rule === 'attention_bias' ? c.bool('attention_bias', false) : rule;

/** A Llama-like decoder (any key of DECODER_STYLES) from its config. */
export function llamaLikeShape(c: ConfigFields, modelType: string): HfModelShape {
  const style = DECODER_STYLES[modelType];
  const d = c.int('hidden_size');
  const L = c.int('num_hidden_layers');
  const H = c.int('num_attention_heads');
  const KV = c.optInt('num_key_value_heads') ?? H;
  const hd = c.optInt('head_dim') ?? d / H;
  if (!Number.isInteger(hd)) throw new ConfigError(`${c.where}: hidden_size ${d} is not a multiple of ${H} heads`);
  const V = c.int('vocab_size');
  const tied = c.bool('tie_word_embeddings', style.tieDefault);
  const q = H * hd;
  const kv = KV * hd;
  const qkvBias = biasOf(c, style.qkvBias);
  const oBias = biasOf(c, style.oBias);
  const attnParams = d * q + 2 * d * kv + q * d + (qkvBias ? q + 2 * kv : 0) + (oBias ? d : 0);
  const attnMacs = d * q + 2 * d * kv + q * d;
  const norms = style.normsPerLayer * d + (style.qkNorm ? 2 * hd : 0);
  const mlp = mlpLayout(c, style, d, L);
  const embed = V * d;
  const head = tied ? 0 : V * d;
  const params = embed + L * (attnParams + norms) + mlp.params + d + head;
  const inactive = mlp.moe ? mlp.moe.layers * (mlp.moe.experts - mlp.moe.perToken) * mlp.moe.expertParams : 0;
  return {
    modelType,
    kind: 'decoder',
    params,
    activeParams: params - inactive,
    inputEmbeddingParams: tied ? 0 : embed,
    offStackParams: 0,
    layers: L,
    hidden: d,
    heads: H,
    kvHeads: KV,
    headDim: hd,
    vocab: V,
    weightMacsPerToken: L * attnMacs + mlp.activeMacs + d * V,
    headMacsPerToken: d * V,
    attention: attentionGroups(c, style, L, H, KV, hd),
    causal: true,
    contextLength: c.optInt('max_position_embeddings') ?? null,
    ...(mlp.moe ? { moe: mlp.moe } : {}),
    notes: mlp.notes,
  };
}

/** The MLPs of the stack: dense gated MLPs, or routed experts (+ shared expert) on the MoE layers. */
function mlpLayout(
  c: ConfigFields,
  style: DecoderStyle,
  d: number,
  L: number,
): { params: number; activeMacs: number; moe?: MoeLayout; notes: string[] } {
  const denseFfn = c.int('intermediate_size');
  const mlpBias = c.bool('mlp_bias', false);
  const dense = 3 * d * denseFfn + (mlpBias ? 2 * denseFfn + d : 0);
  if (!style.moe) return { params: L * dense, activeMacs: L * 3 * d * denseFfn, notes: [] };
  const experts = c.int(style.moe === 'mixtral' ? 'num_local_experts' : 'num_experts');
  const perToken = c.int('num_experts_per_tok');
  const expertFfn = style.moe === 'mixtral' ? denseFfn : c.int('moe_intermediate_size');
  const expertParams = 3 * d * expertFfn;
  const sharedFfn = style.moe === 'qwen2_moe' ? c.count('shared_expert_intermediate_size', 0) : 0;
  const shared = sharedFfn ? 3 * d * sharedFfn + d : 0;
  const router = d * experts;
  const moeLayers = moeLayerCount(c, style, L);
  const moeLayer = router + experts * expertParams + shared;
  const activeMoe = router + perToken * expertParams + shared;
  return {
    params: moeLayers * moeLayer + (L - moeLayers) * dense,
    activeMacs: moeLayers * activeMoe + (L - moeLayers) * 3 * d * denseFfn,
    moe: { experts, perToken, expertParams, layers: moeLayers },
    notes: [`mixture of experts: ${perToken} of ${experts} experts per token on ${moeLayers} of ${L} layers`],
  };
}

/** Qwen MoE: layer i is sparse when (i+1) % decoder_sparse_step == 0 and it is not in mlp_only_layers. */
function moeLayerCount(c: ConfigFields, style: DecoderStyle, L: number): number {
  if (style.moe === 'mixtral') return L;
  const step = c.optInt('decoder_sparse_step') ?? 1;
  const dense = new Set(c.ints('mlp_only_layers') ?? []);
  let n = 0;
  for (let i = 0; i < L; i++) if (!dense.has(i) && (i + 1) % step === 0) n++;
  return n;
}

/** Which layers attend through a sliding window, as each model type decides it. */
function attentionGroups(
  c: ConfigFields,
  style: DecoderStyle,
  L: number,
  H: number,
  KV: number,
  hd: number,
): AttentionGroup[] {
  const window = c.optInt('sliding_window') ?? null;
  const types = c.strings('layer_types');
  let sliding = 0;
  if (window !== null) {
    if (types) sliding = types.filter((t) => t === 'sliding_attention').length;
    else if (style.window === 'all') sliding = L;
    else if (style.window === 'alternate') sliding = Math.ceil(L / 2);
    else if (style.window === 'pattern') {
      const pattern = c.optInt('sliding_window_pattern') ?? 6;
      for (let i = 0; i < L; i++) if ((i + 1) % pattern !== 0) sliding++;
    } else if (style.window === 'qwen' && c.bool('use_sliding_window', false)) {
      const maxWindowLayers = c.optInt('max_window_layers') ?? L;
      sliding = Math.max(0, L - maxWindowLayers);
    }
  }
  const groups = [
    ...uniformAttention(L - sliding, H, KV, hd),
    ...(sliding ? uniformAttention(sliding, H, KV, hd, window) : []),
  ];
  return groups.filter((g) => g.count > 0);
}

/** GPT-2 (modeling_gpt2.py): Conv1D projections with bias, LayerNorms, learned positions, tied head. */
export function gpt2Shape(c: ConfigFields): HfModelShape {
  const d = c.int('n_embd', 'hidden_size');
  const L = c.int('n_layer', 'num_hidden_layers');
  const H = c.int('n_head', 'num_attention_heads');
  const V = c.int('vocab_size');
  const P = c.int('n_positions', 'max_position_embeddings');
  const ff = c.optInt('n_inner') ?? 4 * d;
  const layer = 2 * d + (d * 3 * d + 3 * d) + (d * d + d) + 2 * d + (d * ff + ff) + (ff * d + d);
  const params = V * d + P * d + L * layer + 2 * d;
  return decoderOf('gpt2', c, { params, L, d, H, KV: H, V, ctx: P, layerMacs: 4 * d * d + 2 * d * ff, tied: true });
}

/** GPT-NeoX / Pythia (modeling_gpt_neox.py): fused biased QKV, parallel residual, untied embed_out. */
export function gptNeoxShape(c: ConfigFields): HfModelShape {
  const d = c.int('hidden_size');
  const L = c.int('num_hidden_layers');
  const H = c.int('num_attention_heads');
  const V = c.int('vocab_size');
  const ff = c.int('intermediate_size');
  const tied = c.bool('tie_word_embeddings', false);
  const bias = c.bool('attention_bias', true);
  const attn = d * 3 * d + d * d + (bias ? 4 * d : 0);
  const layer = 4 * d + attn + (d * ff + ff) + (ff * d + d);
  const params = V * d + L * layer + 2 * d + (tied ? 0 : V * d);
  const ctx = c.optInt('max_position_embeddings') ?? 0;
  return decoderOf('gpt_neox', c, { params, L, d, H, KV: H, V, ctx, layerMacs: 4 * d * d + 2 * d * ff, tied });
}

/** A decoder whose attention is plain multi-head (no GQA, no window). */
function decoderOf(
  modelType: string,
  c: ConfigFields,
  a: {
    params: number;
    L: number;
    d: number;
    H: number;
    KV: number;
    V: number;
    ctx: number;
    layerMacs: number;
    tied: boolean;
  },
): HfModelShape {
  const hd = a.d / a.H;
  if (!Number.isInteger(hd)) throw new ConfigError(`${c.where}: hidden size ${a.d} is not a multiple of ${a.H} heads`);
  return {
    modelType,
    kind: 'decoder',
    params: a.params,
    activeParams: a.params,
    inputEmbeddingParams: a.tied ? 0 : a.V * a.d,
    offStackParams: 0,
    layers: a.L,
    hidden: a.d,
    heads: a.H,
    kvHeads: a.KV,
    headDim: hd,
    vocab: a.V,
    weightMacsPerToken: a.L * a.layerMacs + a.d * a.V,
    headMacsPerToken: a.d * a.V,
    attention: uniformAttention(a.L, a.H, a.KV, hd),
    causal: true,
    contextLength: a.ctx || null,
    notes: [],
  };
}
