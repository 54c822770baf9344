// Reads a Hugging Face config.json (its text) into an HfModelShape: exact parameter counts and the
// per-token costs of the model type it names. Unknown model types and malformed configs give a reason,
// never a guess. The files are found by hfCache.ts; nothing here touches the disk or the network.
import { ConfigError, ConfigFields } from './hfConfigFields';
import { DECODER_STYLES, gpt2Shape, gptNeoxShape, llamaLikeShape } from './hfDecoders';
import {
  bartShape,
  bertShape,
  clipShape,
  debertaShape,
  siglipVisionParams,
  t5Shape,
  vitShape,
  whisperShape,
  withDefaults,
} from './hfEncoders';
import type { HfModelShape } from './hfShape';

/** The result of reading one config: the shape, or why there is none. */
export type HfConfigResult = { shape: HfModelShape; reason?: undefined } | { shape?: undefined; reason: string };

type Reader = (c: ConfigFields, modelType: string) => HfModelShape;

const READERS: Record<string, Reader> = {
  ...Object.fromEntries(Object.keys(DECODER_STYLES).map((t) => [t, llamaLikeShape] as [string, Reader])),
  gpt2: (c) => gpt2Shape(c),
  gpt_neox: (c) => gptNeoxShape(c),
  bert: bertShape,
  roberta: bertShape,
  deberta: debertaShape,
  'deberta-v2': debertaShape,
  t5: (c) => t5Shape(c),
  bart: (c) => bartShape(c),
  whisper: (c) => whisperShape(c),
  vit: (c) => vitShape(c),
  clip: (c) => clipShape(c),
  gemma3: (c) => gemma3Multimodal(c),
};

/** The model_type values this reader understands. */
export const SUPPORTED_MODEL_TYPES: readonly string[] = Object.keys(READERS).sort();

/** Reads config.json text; `where` names the file in messages (`config.json at /path`). */
export function readHfConfig(text: string, where = 'config.json'): HfConfigResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    return { reason: `${where} is not valid JSON (${detail}): truncated or not a config` };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { reason: `${where} is not a JSON object` };
  return shapeOfConfig(raw as Record<string, unknown>, where);
}

/** The shape of an already parsed config object. */
export function shapeOfConfig(raw: Record<string, unknown>, where = 'config.json'): HfConfigResult {
  const c = new ConfigFields(raw, where);
  const modelType = c.str('model_type');
  if (!modelType) return { reason: `${where} has no model_type, so its architecture is unknown: no figures guessed` };
  const reader = READERS[modelType];
  if (!reader)
    return {
      reason: `${where}: model_type "${modelType}" is not modelled (known: ${SUPPORTED_MODEL_TYPES.join(', ')}): no figures guessed`,
    };
  try {
    const shape = reader(c, modelType);
    const dtype = c.str('torch_dtype') ?? c.str('dtype');
    const quantization = quantizationOf(c);
    return { shape: { ...shape, ...(dtype ? { savedDtype: dtype } : {}), ...(quantization ? { quantization } : {}) } };
  } catch (e) {
    if (e instanceof ConfigError) return { reason: `${e.message}: no figures guessed` };
    throw e;
  }
}

/** A pre-quantized checkpoint's `quantization_config`: method (gptq, awq, bitsandbytes, fp8, ...) and weight bits. */
function quantizationOf(c: ConfigFields): HfModelShape['quantization'] {
  const q = c.sub('quantization_config');
  if (!q) return undefined;
  const method = q.str('quant_method') ?? 'unknown';
  let bits = typeof q.raw.bits === 'number' ? q.raw.bits : typeof q.raw.w_bit === 'number' ? q.raw.w_bit : null;
  if (bits === null && method === 'bitsandbytes')
    bits = q.bool('load_in_4bit', false) ? 4 : q.bool('load_in_8bit', false) ? 8 : null;
  if (bits === null && method === 'fp8') bits = 8;
  return { method, bits };
}

/** Gemma3TextConfig defaults (configuration_gemma3.py) for the fields a multimodal config's text_config omits. */
const GEMMA3_TEXT_DEFAULTS = {
  vocab_size: 262208,
  hidden_size: 2304,
  intermediate_size: 9216,
  num_hidden_layers: 26,
  num_attention_heads: 8,
  num_key_value_heads: 4,
  head_dim: 256,
  max_position_embeddings: 131072,
  sliding_window: 4096,
  sliding_window_pattern: 6,
  tie_word_embeddings: true,
};
/** SiglipVisionConfig defaults (configuration_siglip.py). */
const SIGLIP_DEFAULTS = {
  hidden_size: 768,
  intermediate_size: 3072,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  image_size: 224,
  patch_size: 16,
};

/**
 * Gemma 3 4B/12B/27B (`gemma3`, Gemma3ForConditionalGeneration): the text stack, a SigLIP vision tower
 * and the multimodal projector (a vision × text matrix and an RMSNorm of the vision width).
 */
function gemma3Multimodal(c: ConfigFields): HfModelShape {
  const text = llamaLikeShape(withDefaults(c.needSub('text_config'), GEMMA3_TEXT_DEFAULTS), 'gemma3_text');
  const vision = withDefaults(c.needSub('vision_config'), SIGLIP_DEFAULTS);
  const vd = vision.int('hidden_size');
  const towerParams = siglipVisionParams(vision) + vd * text.hidden + vd;
  return {
    ...text,
    modelType: 'gemma3',
    params: text.params + towerParams,
    activeParams: text.activeParams + towerParams,
    offStackParams: towerParams,
    notes: [
      ...text.notes,
      `SigLIP vision tower and projector (${towerParams} params) run once per image, not per token`,
    ],
  };
}
