// The report types: exactly the `wattlens.report/1` JSON that DESIGN.md fixes as a contract.
// The CLI prints them, the language server sends them, and other programs read them.
import type { Range } from '../parse/syntax';

/** Precisions a report can be computed at. */
export type Precision = 'fp32' | 'tf32' | 'fp16' | 'bf16' | 'fp8' | 'int8';

/** Whether a layer's time is set by arithmetic or by memory traffic on the chosen device. */
export type Bound = 'compute' | 'memory' | 'overhead';

/** One layer call (or an uncalled layer) with its costs; null means "could not be resolved". */
export interface LayerReport {
  path: string;
  op: string;
  /** Where the layer is constructed (for functional ops: the call itself). */
  range: Range;
  /** Where it is called in forward(), when that differs from `range`. */
  callRange: Range | null;
  params: number | null;
  macs: number | null;
  flops: number | null;
  weightBytes: number | null;
  activationBytes: number | null;
  inputShape: number[] | null;
  outputShape: number[] | null;
  latencyMs: number | null;
  energyJ: number | null;
  bound: Bound | null;
  /**
   * The precision the code states for this call (autocast region, `.half()`, a quantized module, a
   * half-precision input, a Keras policy), estimated as stated; absent: the report's precision.
   */
  precision?: Precision;
  /** Where the code states it: "torch.autocast(dtype=torch.float16), line 41". */
  precisionSource?: string;
  /**
   * 2:4 semi-structured sparsity the code applies to this layer's weights (torchao `sparsify_(model,
   * semi_sparse_weight())`, which converts them with torch.sparse.to_sparse_semi_structured), and where.
   */
  sparsity?: { pattern: '2:4'; source: string };
  /** For notebooks: the 0-based index of the cell among all the notebook's cells (shown as cell index + 1). */
  cell?: number;
}

/** A precision the code states, where, and for how many of a model's layer calls. */
export interface CodePrecision {
  precision: Precision;
  source: string;
  layerCalls: number;
}

/**
 * Model-level sums, all per forward pass: one call of the model on its input, which holds
 * `samplesPerPass` samples (the batch). Each is null when any contributing layer is unresolved.
 */
export interface ModelTotals {
  params: number | null;
  macs: number | null;
  flops: number | null;
  weightBytes: number | null;
  activationBytes: number | null;
  latencyMs: number | null;
  energyJ: number | null;
  co2eG: number | null;
  /** energyJ / samplesPerPass: the energy of one sample (filled with the energy model). */
  energyPerSampleJ?: number | null;
  /** co2eG / samplesPerPass. */
  co2ePerSampleG?: number | null;
}

/** Something the analysis could not evaluate, with the reason and where. */
export interface Unresolved {
  range: Range;
  reason: string;
  cell?: number;
}

/**
 * Which rule gave a model its input, in the order a reader looks: `--input` / the setting, a
 * `# wattlens: input=` comment, the call's own tensors, a tensor the file builds, a DataLoader's batch,
 * the first layer's stated default (an assumption), or a checkpoint's catalog / config input.
 */
export type InputRule = 'option' | 'declared' | 'call' | 'model' | 'tensor' | 'loader' | 'assumed' | 'catalog';

/** Where the input shape came from. */
export interface ModelInput {
  shape: number[];
  dtype: string;
  /** The rule and what it used: `torch.randn, line 62`, `assumed: first layer Conv2d(3, …) → 1×3×224×224`. */
  source: string;
  rule?: InputRule;
}

/** One phase of a generate call: prefill (the prompts) or decode (one step per new token). */
export interface GenerationPhase {
  macs: number | null;
  latencyMs: number | null;
  energyJ: number | null;
  bound: Bound | null;
}

/**
 * A text-generation call (HF `generate`, a generation `pipeline`, vLLM `LLM.generate`) costed as it runs:
 * prefill + decode with a KV cache, per request and per generated token. Figures are for the whole call
 * (all `batch` sequences); null with `reason` where unknown. Costs are filled by the energy model.
 */
export interface GenerationReport {
  /** The generate call. */
  range: Range;
  batch: number | null;
  promptTokens: number | null;
  newTokens: number | null;
  /** Where batch, prompt length and new tokens came from (or which were assumed). */
  source: string;
  /** How the weights are loaded and run: `torch_dtype=torch.bfloat16`, `load_in_4bit=True`, or the fp32 default. */
  numerics: string;
  /** How many times the file runs this call (a loop over prompts one at a time), when more than once. */
  calls?: number;
  /**
   * How the context is kept between decode steps: a KV cache (`kv`), state the code passes back
   * itself (`state`), or nothing (`none`: every step recomputes the whole prefix), with the reason.
   */
  cache?: { kind: 'kv' | 'state' | 'none'; text: string };
  /** Set for a hand-written decode loop over a traced model: the 1-based line of the loop. */
  loop?: { line: number };
  prefill: GenerationPhase;
  decode: GenerationPhase;
  kvCacheBytes: number | null;
  timeToFirstTokenMs: number | null;
  timePerOutputTokenMs: number | null;
  tokensPerSecond: number | null;
  energyPerOutputTokenJ: number | null;
  energyJ: number | null;
  whPer1000Requests: number | null;
  co2eG: number | null;
  /** Which phase takes most of the time. */
  boundBy: 'prefill' | 'decode' | null;
  /** Why figures are null, when they are. */
  reason?: string;
}

/** One model: a root the file instantiates, or a block class used inside one. */
export interface ModelReport {
  name: string;
  framework: 'pytorch' | 'keras' | 'tfjs' | 'hub';
  root: boolean;
  range: Range;
  input: ModelInput | null;
  /** Samples one forward pass processes (the batch: the input's first dimension, or `--batch`); set with the energy model. */
  samplesPerPass?: number;
  /** Per forward pass (see ModelTotals). */
  totals: ModelTotals;
  /** Precisions the code states for some (or all) layer calls, "from the code"; the rest run at the report's. */
  precisionFromCode?: CodePrecision[];
  /**
   * The CLI's memory need on the profile (core/energy/memoryFit.ts): `{ scope, parts: [{ name, bytes, how }],
   * totalBytes, capacityBytes, overBytes, message? }`, `message` when it does not fit.
   */
  memory?: unknown;
  layers: LayerReport[];
  unresolved: Unresolved[];
  /** How the figures were obtained (static analysis, catalog with source, ...). */
  provenance?: string;
  /**
   * Module-level variables holding the model after the file ran (`model = resnet50()` gives `model`),
   * however it was built: a class, a factory function, a hub load. Advice follows the model through them.
   */
  variables?: string[];
  /** For hub checkpoints: the id of the catalog entry the figures come from (profiles/models/). */
  catalogId?: string;
  /**
   * For torchvision loads: the pretrained weights the code asks for, as the builder resolves them
   * (`IMAGENET1K_V2` for `weights=ResNet50_Weights.DEFAULT`, `IMAGENET1K_V1` for `pretrained=True`),
   * `none` when it loads none, or null when the argument is not known statically.
   */
  weights?: string | null;
  /** For a checkpoint read from a config.json on disk: that file. */
  configFile?: string;
  /** For a model that generates text: the generate call costed by phase (the first such call). */
  generation?: GenerationReport;
  cell?: number;
}

/** A diagnostic-like finding (shape mismatch, parse error) in plain data. */
export interface Finding {
  range: Range;
  severity: 'error' | 'warning' | 'information' | 'hint';
  message: string;
  code: string;
  cell?: number;
}

/**
 * A recognised training run (a PyTorch loop over a DataLoader, Keras fit, HF Trainer.train, Lightning
 * Trainer.fit, Ultralytics train) and its cost: steps × (forward + backward ≈ 3 × forward MACs).
 * Totals are null when the dataset size, epochs or batch are unknown; `per1000SamplesMacs` is then the figure.
 */
export interface TrainingRunReport {
  /** The loop, or the fit / train call. */
  range: Range;
  kind: 'pytorch-loop' | 'keras-fit' | 'hf-trainer' | 'lightning' | 'ultralytics';
  /** The trained model's report name, when known. */
  model: string | null;
  epochs: number | null;
  batchSize: number | null;
  /** Training samples per epoch. */
  datasetSize: number | null;
  /** How the dataset size was found (or why it is unknown). */
  datasetSource: string;
  /** Samples processed over the whole run. */
  samples: number | null;
  steps: number | null;
  macsPerStep: number | null;
  totalMacs: number | null;
  per1000SamplesMacs: number | null;
  /** The rule behind the figures (3 × forward, how steps were counted) and any assumption made. */
  rule: string;
  /** The precision the code trains in (autocast around the step, bf16=True, precision="bf16-mixed"), and where. */
  precision?: Precision;
  precisionSource?: string;
  /** One training step on the hardware profile (filled by the energy model). */
  latencyMs: number | null;
  /** Chip energy of the whole run, or of 1,000 samples: see `energyScope`. */
  energyJ: number | null;
  /** Facility energy (× PUE) for the same scope. */
  kWh: number | null;
  co2eG: number | null;
  energyScope: 'run' | 'per-1000-samples' | null;
  /** Wall-clock hours of the run on the profile, when the run size is known. */
  hours: number | null;
  unresolved: Unresolved[];
  cell?: number;
}

/** One analysed file. */
export interface FileReport {
  file: string;
  models: ModelReport[];
  diagnostics: Finding[];
  /** Training runs the file performs (absent when there are none). */
  trainingRuns?: TrainingRunReport[];
}

/** The whole CLI report. */
export interface Report {
  schema: 'wattlens.report/1';
  hardware: { id: string; name: string } | null;
  precision: Precision;
  /** The assumptions behind latency/energy/carbon figures (profile, fractions, intensity source). */
  assumptions?: Record<string, unknown>;
  files: FileReport[];
}
