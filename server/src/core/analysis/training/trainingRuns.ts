// Training-run estimates: each recorded run (a PyTorch loop, Keras fit, HF Trainer, Lightning, Ultralytics)
// costed as steps × (forward + backward ≈ 3 × forward MACs), for the whole run or per 1,000 samples.
import { field, type SyntaxNode } from '../../parse/syntax';
import type { Value } from '../../interpreter/python/values';
import type { ModelReport, TrainingRunReport, Unresolved } from '../../report/types';
import { TRAINING_STEP_FACTOR } from '../../energy/training';
import { descendants, descendantsOfType } from '../../frameworks/hub/syntaxArgs';
import { batchesPerEpoch, type RunRecord, type TrainingRecorder } from './trainingRecorder';
import type { DatasetInfo } from './trainingData';

/** The rule every training figure follows, stated in each run. */
export const TRAINING_RULE = `training step = forward + backward ≈ ${TRAINING_STEP_FACTOR} × forward MACs (backward ≈ 2 × forward: Kaplan et al. 2020, 6N vs 2N FLOPs per token; optimizer update and data loading not counted)`;

/** Finds the report of a trained model value (hub checkpoint, traced module, ...), if any. */
export type ReportOfValue = (v: Value) => ModelReport | undefined;

const fmt = (n: number) => n.toLocaleString('en-US');

/** The training runs of a file, costed from the models' reports. */
export function buildTrainingRuns(
  rec: TrainingRecorder,
  root: SyntaxNode | undefined,
  models: ModelReport[],
  reportOf: ReportOfValue,
): TrainingRunReport[] {
  return rec.runs.map((r) => {
    if (r.kind === 'keras-fit' && r.dataset.size === null && r.xText && root)
      r.dataset = kerasOrigin(root, rec, r.xText) ?? r.dataset;
    const { model, note } = resolveModel(r, models, reportOf);
    return costRun(r, model, note);
  });
}

/** The model of a run: its value's report, else a report named as the code names it, else the file's only root model. */
function resolveModel(
  r: RunRecord,
  models: ModelReport[],
  reportOf: ReportOfValue,
): { model?: ModelReport; note?: string } {
  const byValue = r.model && reportOf(r.model);
  if (byValue) return { model: byValue };
  const byName = r.modelText ? models.find((m) => m.root && m.name === r.modelText) : undefined;
  if (byName) return { model: byName };
  const roots = models.filter((m) => m.root);
  if (!r.model && r.kind === 'pytorch-loop' && roots.length === 1)
    return {
      model: roots[0],
      note: `model: ${roots[0].name}, the only model in the file (the loop's model could not be named)`,
    };
  return {};
}

/** Costs one run: steps = ceil(N / B) × E; MACs per step = 3 × forward MACs of B samples. */
export function costRun(r: RunRecord, model: ModelReport | undefined, modelNote?: string): TrainingRunReport {
  const unresolved: Unresolved[] = [];
  const why = (reason: string | undefined) => reason && unresolved.push({ range: r.range, reason });
  const notes = [...r.notes, ...(modelNote ? [modelNote] : [])];
  const perSample = forwardPerSample(r, model, why);
  const E = r.epochs;
  const B = r.batch;
  if (E === null) why(r.epochsReason ?? 'the epoch count is unknown');
  if (B === null) why(r.batchReason ?? 'the batch size is unknown');
  let N = r.dataset.size;
  if (N === null && r.maxSteps === undefined)
    why(`dataset size unknown (${r.dataset.reason ?? r.dataset.source}): figures are per 1,000 samples`);
  if (N !== null && r.validationSplit) {
    const kept = Math.floor(N * (1 - r.validationSplit));
    notes.push(
      `validation_split=${r.validationSplit}: ${fmt(kept)} of ${fmt(N)} samples train (Keras keeps the first floor(N × (1 − split)))`,
    );
    N = kept;
  }
  const { steps, samples, how } = stepsOf(r, N, E, B);
  const k = TRAINING_STEP_FACTOR;
  const macsPerStep = perSample !== null && B !== null ? k * perSample * B : null;
  const totalMacs = perSample !== null && samples !== null ? k * perSample * samples : null;
  const per1000 = perSample !== null ? k * perSample * 1000 : null;
  const rule = [
    TRAINING_RULE,
    how,
    totalMacs === null && per1000 !== null ? 'the run total is unknown, so the cost is given per 1,000 samples' : '',
    ...notes,
  ]
    .filter(Boolean)
    .join('; ');
  return {
    range: r.range,
    kind: r.kind,
    model: model?.name ?? r.modelText ?? null,
    epochs: E,
    batchSize: B,
    datasetSize: N,
    datasetSource: datasetSource(r.dataset),
    samples,
    steps,
    macsPerStep,
    totalMacs,
    per1000SamplesMacs: per1000,
    rule,
    latencyMs: null,
    energyJ: null,
    kWh: null,
    co2eG: null,
    energyScope: null,
    hours: null,
    unresolved,
    ...(r.precision ? { precision: r.precision, precisionSource: r.precisionSource } : {}),
  };
}

/** Forward MACs of one sample: the model's MACs over its input's first dimension. */
function forwardPerSample(
  r: RunRecord,
  model: ModelReport | undefined,
  why: (s: string | undefined) => void,
): number | null {
  if (!model) {
    why(
      r.modelReason ??
        `the trained model${r.modelText ? ` (${r.modelText})` : ''} has no report: its forward MACs are unknown`,
    );
    return null;
  }
  if (r.macsReason) {
    why(r.macsReason);
    return null;
  }
  if (model.totals.macs === null) {
    const first = model.unresolved[0]?.reason;
    why(`forward MACs of ${model.name} are unknown${first ? `: ${first}` : ''}`);
    return null;
  }
  const b0 = model.input?.shape[0];
  return model.totals.macs / (b0 && b0 > 0 ? b0 : 1);
}

/** Steps and samples of the run, and the sentence saying how. */
function stepsOf(
  r: RunRecord,
  N: number | null,
  E: number | null,
  B: number | null,
): { steps: number | null; samples: number | null; how: string } {
  if (r.maxSteps !== undefined) {
    return {
      steps: r.maxSteps,
      samples: B === null ? null : r.maxSteps * B,
      how: `max_steps=${r.maxSteps} fixes the steps (epochs ignored); samples = steps × B`,
    };
  }
  let perEpoch: number | null = null;
  let how = '';
  let full = false;
  if (r.stepsPerEpoch !== undefined) {
    perEpoch = N !== null && B ? Math.min(r.stepsPerEpoch, batchesPerEpoch(N, B, r.dropLast)) : r.stepsPerEpoch;
    how = `${fmt(perEpoch)} steps per epoch (set by the call)`;
    full = true;
  } else if (N !== null && B) {
    perEpoch = batchesPerEpoch(N, B, r.dropLast);
    how = r.dropLast
      ? 'steps = floor(N / B) × E (drop_last=True)'
      : 'steps = ceil(N / B) × E; samples = N × E (the last, partial batch counts its real size)';
    if (r.limitFraction !== undefined) {
      perEpoch = Math.floor(perEpoch * r.limitFraction);
      how = `steps = floor(ceil(N / B) × ${r.limitFraction}) × E (limit_train_batches)`;
      full = true;
    }
  }
  if (perEpoch === null || E === null) return { steps: null, samples: null, how };
  const steps = Math.ceil(perEpoch * E);
  const samples = full || r.dropLast ? (B === null ? null : steps * B) : N! * E;
  return { steps, samples, how };
}

function datasetSource(d: DatasetInfo): string {
  return d.size === null && d.reason ? `${d.source}: ${d.reason}` : d.source;
}

/**
 * Keras: fit's x is often reshaped by numpy (unknown here) after `(x_train, y_train), (x_test, y_test) =
 * keras.datasets.mnist.load_data()`: follow the name back to that assignment to find its split's size.
 */
function kerasOrigin(root: SyntaxNode, rec: TrainingRecorder, name: string): DatasetInfo | undefined {
  for (const a of descendantsOfType(root, 'assignment')) {
    const right = field(a, 'right');
    const left = field(a, 'left');
    if (right?.type !== 'call' || !left) continue;
    const parts = rec.loadDataOrigins.get(`${right.range.start.line}:${right.range.start.character}`);
    if (!parts) continue;
    const groups = left.children.filter((c) => c.type !== 'comment');
    const idx = groups.findIndex(
      (g) => g.text === name || descendants(g).some((d) => d.type === 'identifier' && d.text === name),
    );
    if (idx === 0 || idx === 1) return { ...parts[idx], source: `${parts[idx].source} (via ${name})` };
  }
  return undefined;
}
