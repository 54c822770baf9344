// What WattLens needs to know of a Hugging Face checkpoint read from its config.json: exact parameter
// counts, the MACs one token costs, and the attention layout (KV cache, windows, experts) that the
// generation cost model reads. Filled by hfDecoders.ts / hfEncoders.ts; read by core/energy/generation.ts.
import type { TransformerArch, VitArch } from './modelCatalog';

/** A group of attention layers that share a width, KV size and window. */
export interface AttentionGroup {
  /** How many layers of the stack are like this. */
  count: number;
  /** Query width (heads × head_dim): QKᵀ and AV cost `width` MACs per attended position each. */
  width: number;
  /** K and V elements one position stores per layer (2 × kv_heads × head_dim): the KV cache. */
  kvElems: number;
  /** Sliding window in positions, or null for global attention. */
  window: number | null;
}

/** Mixture-of-experts layout: routed experts per MoE layer. */
export interface MoeLayout {
  experts: number;
  perToken: number;
  /** Parameters of one routed expert in one layer. */
  expertParams: number;
  /** Layers whose MLP is a mixture of experts. */
  layers: number;
}

/** The encoder of an encoder-decoder model (T5, BART, Whisper): run once per request, over the prompt. */
export interface EncoderSide {
  params: number;
  /** Weight MACs of one source position through the encoder (no attention scores). */
  macsPerToken: number;
  /** Bidirectional self-attention of each encoder layer. */
  attention: AttentionGroup;
  /** A fixed encoder length (Whisper: 1500 frames for a 30 s window), else the prompt length. */
  fixedTokens?: number;
  /** MACs of a fixed stem run once per sample (Whisper's two convolutions). */
  stemMacs?: number;
  /** Decoder layers with cross-attention, and their K/V projections of the encoder output (per source position). */
  crossLayers: number;
  crossKvMacsPerToken: number;
}

/** A checkpoint's shape as its config.json gives it. */
export interface HfModelShape {
  modelType: string;
  /** decoder: generates text; encoder / vision / clip: one forward per input; encoder-decoder: generates from an encoding. */
  kind: 'decoder' | 'encoder' | 'encoder-decoder' | 'vision' | 'clip';
  /** Every parameter, counted as `model.num_parameters()` counts the class the card describes (shared weights once). */
  params: number;
  /** Parameters one token passes through (MoE: routed experts only, plus everything else). */
  activeParams: number;
  /** The input token table when it is not also the output head: a step reads only its batch's rows. */
  inputEmbeddingParams: number;
  /** Parameters outside the generating stack that a decode step never reads (an encoder, a vision tower). */
  offStackParams: number;
  /** Decoder (or only) stack. */
  layers: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
  /** Weight MACs one token costs through the (decoder) stack, the output head included (MoE: routed experts). */
  weightMacsPerToken: number;
  /** Of which the output projection over the vocabulary (0 without one). */
  headMacsPerToken: number;
  /** Self-attention of the (decoder) stack, grouped by width, KV size and window. */
  attention: AttentionGroup[];
  /** Whether self-attention is causal (a decoder) or sees the whole sequence (an encoder). */
  causal: boolean;
  /** Longest sequence the config allows (max_position_embeddings), when it says. */
  contextLength: number | null;
  moe?: MoeLayout;
  encoder?: EncoderSide;
  /** `torch_dtype` / `dtype` the weights were saved in (`bfloat16`), when given. */
  savedDtype?: string;
  /** A pre-quantized checkpoint (GPTQ, AWQ, bitsandbytes, FP8): method and weight bits. */
  quantization?: { method: string; bits: number | null };
  /** A ViT tower (ViT, CLIP's image side), for per-image MACs. */
  vit?: VitArch;
  /** The same stack in the catalog's formula terms, where they describe it (no MoE, no extra norms). */
  architecture?: TransformerArch;
  /** Things the reader assumed or left out, for the provenance. */
  notes: string[];
}

/** The attention groups of `layers` identical global layers. */
export function uniformAttention(
  layers: number,
  heads: number,
  kvHeads: number,
  headDim: number,
  window: number | null = null,
): AttentionGroup[] {
  return [{ count: layers, width: heads * headDim, kvElems: 2 * kvHeads * headDim, window }];
}

/** KV-cache elements one position stores across the whole stack (window-capped layers included at one position). */
export function kvElemsPerPosition(shape: Pick<HfModelShape, 'attention'>): number {
  return shape.attention.reduce((sum, g) => sum + g.count * g.kvElems, 0);
}

/**
 * MACs of one forward pass over `tokens` positions of a sequence: every weight once per position, plus
 * attention scores (QKᵀ and AV: 2 × width per attended position per layer; causal layers attend to the
 * positions before and at each one, capped by their window). The head runs on every position.
 */
export function sequenceMacs(shape: HfModelShape, tokens: number): number {
  let macs = tokens * shape.weightMacsPerToken;
  for (const g of shape.attention) macs += g.count * 2 * g.width * attendedPositions(tokens, g.window, shape.causal);
  return macs;
}

/** Σ over positions 1..n of the positions each attends to (causal, window-capped) or n² (bidirectional). */
export function attendedPositions(n: number, window: number | null, causal: boolean): number {
  if (!causal) return n * n;
  const w = window ?? Infinity;
  if (n <= w) return (n * (n + 1)) / 2;
  return (w * (w + 1)) / 2 + (n - w) * w;
}

/**
 * A catalog decoder (causal, no encoder, no audio) in HfModelShape terms, so the generation model can
 * cost a catalogued checkpoint as it costs one read from a config.json; undefined for other stacks.
 */
export function shapeOfCatalogArch(
  arch: import('./modelCatalog').TransformerArch,
  params: number,
  weightMacsPerToken: number,
): HfModelShape | undefined {
  if (arch.attention !== 'causal' || arch.encoderLayers || arch.audio || !arch.lmHead) return undefined;
  const d = arch.hidden;
  const headDim = arch.headDim ?? d / arch.heads;
  const kvHeads = arch.kvHeads ?? arch.heads;
  const inactive = arch.moe ? arch.layers * (arch.moe.experts - arch.moe.perToken) * 3 * d * arch.moe.expertFfn : 0;
  return {
    modelType: 'catalog',
    kind: 'decoder',
    params,
    activeParams: params - inactive,
    inputEmbeddingParams: arch.tiedEmbeddings ? 0 : arch.vocab * (arch.embeddingSize ?? d),
    offStackParams: 0,
    layers: arch.layers,
    hidden: d,
    heads: arch.heads,
    kvHeads,
    headDim,
    vocab: arch.vocab,
    weightMacsPerToken,
    headMacsPerToken: d * arch.vocab,
    attention: uniformAttention(arch.layers, arch.heads, kvHeads, headDim),
    causal: true,
    contextLength: arch.maxPositions || null,
    ...(arch.moe
      ? {
          moe: {
            experts: arch.moe.experts,
            perToken: arch.moe.perToken,
            expertParams: 3 * d * arch.moe.expertFfn,
            layers: arch.layers,
          },
        }
      : {}),
    notes: [],
  };
}
