// Text generation as the file writes it: HF `model.generate(...)`, a generation `pipeline(...)(inputs)`
// and vLLM `LLM(...).generate(prompts, SamplingParams(max_tokens=N))`. Reads the batch (prompt lists,
// tokenizer outputs), prompt length and new tokens, and the load numerics (torch_dtype, 4/8-bit).
import type { Range, SyntaxNode } from '../../parse/syntax';
import type { TensorV, Value } from '../../interpreter/python/values';
import type { GenerationReport } from '../../report/types';
import type { HfModelShape } from '../../catalog/hfShape';
import { attachGenerationShape, type LoadNumerics } from '../../catalog/generationShapes';
import { argumentNode } from './syntaxArgs';

/** The prompt length assumed when neither the tokenizer call nor the input tensor fixes it. */
export const DEFAULT_PROMPT_TOKENS = 128;
/** transformers' GenerationConfig default (max_length=20) read as new tokens when no length is given. */
export const DEFAULT_NEW_TOKENS_HF = 20;
/** vLLM SamplingParams default max_tokens. */
export const DEFAULT_NEW_TOKENS_VLLM = 16;

/** What is known of a batch of prompts: the count and, when fixed, their token length. */
export interface PromptBatch {
  rows: number | null;
  tokens: number | null;
  source: string;
}

/** One recognised generate call before it is costed. */
export interface GenerationRequest {
  range: Range;
  batch: PromptBatch;
  newTokens: { value: number | null; source: string; problem?: string };
  calls: number;
  /** False when the call turns the KV cache off (`use_cache=False`); undefined: the library's default (on). */
  useCache?: boolean;
}

/** Batch and length of a value passed as prompts: a string, a list of strings, a token tensor or an encoding. */
export function promptBatch(v: Value | undefined, tokens: WeakMap<object, PromptBatch>): PromptBatch {
  if (!v) return { rows: null, tokens: null, source: 'no prompts passed' };
  const known = tokens.get(v);
  if (known) return known;
  if (v.kind === 'str') return { rows: 1, tokens: null, source: 'one prompt string' };
  if (v.kind === 'list' || v.kind === 'tuple')
    return { rows: v.items.length, tokens: null, source: `a list of ${v.items.length} prompts` };
  if (v.kind === 'tensor' && v.shape?.length === 2)
    return { rows: v.shape[0], tokens: v.shape[1], source: `input_ids of shape [${v.shape.join(', ')}]` };
  if (v.kind === 'tensor') return { rows: null, tokens: null, source: v.reason ?? 'input_ids of unknown shape' };
  return { rows: null, tokens: null, source: 'the prompts are not a literal list, a string or a token tensor' };
}

/** New tokens from `max_new_tokens` (or `max_tokens` for vLLM), else `max_length` − prompt, else the default. */
export function newTokensOf(
  kw: Map<string, Value>,
  keys: { newTokens: string; maxLength?: string },
  promptTokens: number | null,
  fallback: number,
  fallbackSource: string,
): GenerationRequest['newTokens'] {
  const direct = kw.get(keys.newTokens);
  if (direct) {
    if (direct.kind !== 'int')
      return {
        value: null,
        source: keys.newTokens,
        problem: `${keys.newTokens} is not an integer literal (${direct.kind}): the number of new tokens is unknown`,
      };
    if (direct.value < 1)
      return { value: null, source: keys.newTokens, problem: `${keys.newTokens}=${direct.value} must be at least 1` };
    return { value: direct.value, source: `${keys.newTokens}=${direct.value}` };
  }
  const max = keys.maxLength ? kw.get(keys.maxLength) : undefined;
  if (max) {
    if (max.kind !== 'int' || max.value < 1)
      return { value: null, source: 'max_length', problem: 'max_length is not a positive integer literal' };
    if (promptTokens === null)
      return {
        value: null,
        source: 'max_length',
        problem: `max_length=${max.value} counts the prompt, whose length is unknown`,
      };
    if (max.value <= promptTokens)
      return {
        value: null,
        source: 'max_length',
        problem: `max_length=${max.value} is not above the prompt length ${promptTokens}: nothing is generated`,
      };
    return { value: max.value - promptTokens, source: `max_length=${max.value} − ${promptTokens} prompt tokens` };
  }
  return { value: fallback, source: `assumed: ${fallback} new tokens (${fallbackSource})` };
}

/** How a from_pretrained / pipeline / LLM call loads weights, read from its syntax (dtype objects are not evaluated). */
export function loadNumerics(
  call: SyntaxNode | undefined,
  name: string,
  savedQuantization?: HfModelShape['quantization'],
  defaultDtype?: string,
): { numerics: LoadNumerics; text: string } {
  const arg = (kw: string) => (call ? argumentNode(call, undefined, kw)?.text : undefined);
  const dtype = arg('torch_dtype') ?? arg('dtype') ?? defaultDtype;
  const quantConfig = arg('quantization_config') ?? '';
  const compute: LoadNumerics['compute'] = /bfloat16/.test(dtype ?? '')
    ? 'bf16'
    : /float16|half/.test(dtype ?? '')
      ? 'fp16'
      : dtype && /auto/.test(dtype)
        ? 'bf16'
        : dtype
          ? 'fp32'
          : 'fp32';
  const written = arg('torch_dtype') ? 'torch_dtype' : 'dtype';
  const dtypeText = !dtype
    ? 'no torch_dtype: transformers loads fp32 weights'
    : dtype === defaultDtype && !arg('torch_dtype') && !arg('dtype')
      ? `dtype "${dtype}" (the loader's default: the checkpoint's saved dtype, taken as bf16)`
      : `${written}=${dtype}${/auto/.test(dtype) ? " (the checkpoint's saved dtype, taken as bf16)" : ''}`;
  const four = /True/.test(arg('load_in_4bit') ?? '') || /load_in_4bit\s*=\s*True/.test(quantConfig);
  const eight = /True/.test(arg('load_in_8bit') ?? '') || /load_in_8bit\s*=\s*True/.test(quantConfig);
  const named = /(awq|gptq|int4|4bit|bnb-4bit|q4)/i.test(name) ? 4 : /(int8|8bit)/i.test(name) ? 8 : null;
  const bits = four ? 4 : eight ? 8 : (savedQuantization?.bits ?? named);
  // bitsandbytes 4-bit computes in bnb_4bit_compute_dtype when the config names one.
  const bnbCompute = /bnb_4bit_compute_dtype\s*=\s*[\w.]*bfloat16/.test(quantConfig)
    ? 'bf16'
    : /bnb_4bit_compute_dtype\s*=\s*[\w.]*(float16|half)/.test(quantConfig)
      ? 'fp16'
      : undefined;
  const floatCompute = bits === 4 && bnbCompute ? bnbCompute : compute === 'fp32' && bits ? 'fp16' : compute;
  if (bits === 4 || bits === 8) {
    const why = four
      ? 'load_in_4bit=True'
      : eight
        ? 'load_in_8bit=True'
        : savedQuantization
          ? `${savedQuantization.method} checkpoint (quantization_config)`
          : `the name says ${bits}-bit`;
    return {
      numerics: { weightBytes: bits / 8, compute: floatCompute },
      text: `${bits}-bit weights (${why}), ${floatCompute} compute`,
    };
  }
  return { numerics: { weightBytes: compute === 'fp32' ? 4 : 2, compute }, text: dtypeText };
}

/** An uncosted generation report: the workload and why figures are missing, costs filled later by the energy model. */
export function generationReport(
  req: GenerationRequest,
  shape: HfModelShape | undefined,
  load: { numerics: LoadNumerics; text: string },
  whyNoShape: string | undefined,
): GenerationReport {
  const prompt = req.batch.tokens ?? DEFAULT_PROMPT_TOKENS;
  const promptSource =
    req.batch.tokens !== null
      ? `${req.batch.tokens} prompt tokens`
      : `assumed: ${DEFAULT_PROMPT_TOKENS}-token prompts (pad to a literal max_length to fix it)`;
  const noCache = req.useCache === false;
  const cacheReason =
    noCache && shape?.encoder
      ? 'use_cache=False is costed for decoder-only models; this one has an encoder'
      : undefined;
  const reason =
    req.newTokens.problem ??
    cacheReason ??
    (req.batch.rows === null ? `batch unknown: ${req.batch.source}` : undefined) ??
    (shape ? undefined : (whyNoShape ?? 'the checkpoint is not a decoder the generation model can cost'));
  const empty = { macs: null, latencyMs: null, energyJ: null, bound: null };
  const report: GenerationReport = {
    range: req.range,
    batch: req.batch.rows,
    promptTokens: prompt,
    newTokens: req.newTokens.value,
    source: `batch: ${req.batch.source}; prompt: ${promptSource}; new tokens: ${req.newTokens.source}`,
    numerics: load.text,
    ...(req.calls > 1 ? { calls: req.calls } : {}),
    cache: noCache
      ? {
          kind: 'none',
          text: 'use_cache=False: no KV cache, each decode step recomputes the whole prefix (the prompt and every token so far)',
        }
      : {
          kind: 'kv',
          text: 'KV cache (the default): each decode step runs one new token per sequence and reads the cache',
        },
    prefill: { ...empty },
    decode: { ...empty },
    kvCacheBytes: null,
    timeToFirstTokenMs: null,
    timePerOutputTokenMs: null,
    tokensPerSecond: null,
    energyPerOutputTokenJ: null,
    energyJ: null,
    whPer1000Requests: null,
    co2eG: null,
    boundBy: null,
    ...(reason ? { reason } : {}),
  };
  if (shape && !reason) attachGenerationShape(report, shape, load.numerics);
  return report;
}

/** Whether a pipeline task generates text token by token. */
export function generativeTask(task: string | undefined): boolean {
  return (
    !!task &&
    [
      'text-generation',
      'text2text-generation',
      'summarization',
      'translation',
      'automatic-speech-recognition',
    ].includes(task)
  );
}

export type { TensorV };
