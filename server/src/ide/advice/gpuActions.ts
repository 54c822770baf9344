// Advice that runs on NVIDIA GPUs, each priced on the profile's own peak for it: fp8 Linear layers
// (torchao float8, where the profile has an fp8 peak), 2:4 semi-structured sparsity (torchao sparsify_,
// which converts the weights with torch.sparse.to_sparse_semi_structured, where the profile has a
// sparse tensor-core peak at the layers' precision), and TensorRT / onnxruntime int8 with calibration
// (a described path: the steps as comments, priced on the profile's int8 peak, labelled as needing calibration).
import type { SyntaxNode } from '../../core/parse/syntax';
import type { LayerReport, ModelReport, Precision } from '../../core/report/types';
import { autocastLowers, bytesPerElement } from '../../core/report/precision';
import type { ActionItem, EditItem } from '../items';
import { insertAfter, moduleImport } from '../syntax/edits';
import { energyEdited, forwardSaving, type View } from '../view';
import { change, priceText, type Saving } from './advice';
import { torchDevice } from './devices';
import type { ModelBinding } from './patterns';

/** What TensorRT / onnxruntime int8 with calibration needs before its saving is real. */
const CALIBRATION =
  'post-training int8 calibration on a few hundred representative inputs (Torch-TensorRT / trtexec --int8 with a calibrator, ' +
  'or onnxruntime.quantization.quantize_static with a CalibrationDataReader, run on the TensorRT or CUDA execution provider), ' +
  'and the accuracy checked again afterwards';

/** What 2:4 sparsity needs before its weights keep their accuracy. */
const PRUNE_2_4 =
  'the Linear weights pruned to 2 nonzeros in every 4 (torch.ao.pruning WeightNormSparsifier(sparse_block_shape=(1, 4), ' +
  'zeros_per_block=2)) and fine-tuned, or accuracy drops';

/** Below this the action's saving is not worth an edit (fp8 on a CNN whose only Linear is its classifier). */
const WORTH = -0.01;

/** Whether the profile is a CUDA GPU: these paths run nowhere else. */
function onCuda(view: View): boolean {
  return !!view.profile && torchDevice(view.profile) === 'cuda';
}

/** torchao converts the module tree the file builds (not a catalogued checkpoint's): PyTorch models only. */
function convertsHere(view: View, b: ModelBinding): boolean {
  return onCuda(view) && b.model.framework === 'pytorch';
}

/** Whether a priced saving is worth offering: known and at least 1% less energy. */
function worth(saving: Saving): boolean {
  const relative = change(saving);
  return relative !== null && relative <= WORTH;
}

/** The precision a layer runs at: the one its code states, else the view's. */
function runsAt(view: View, layer: LayerReport): Precision {
  return layer.precision ?? view.settings.precision;
}

/** A layer restated at `precision` as the analysis of the edited code counts it (bytes at that precision). */
function restated(view: View, layer: LayerReport, precision: Precision, source: string): LayerReport {
  const counted = bytesPerElement(layer.precision ?? view.analysis.options.precision);
  const scale = (bytes: number | null) => (bytes === null ? null : (bytes * bytesPerElement(precision)) / counted);
  return {
    ...layer,
    precision,
    precisionSource: source,
    weightBytes: scale(layer.weightBytes),
    activationBytes: scale(layer.activationBytes),
  };
}

/** Linear layers torchao converts: not already fp8 / int8, not lowered by an autocast region (which wins). */
function convertible(view: View, layer: LayerReport): boolean {
  if (layer.op !== 'Linear' || layer.sparsity) return false;
  const at = runsAt(view, layer);
  return at !== 'fp8' && at !== 'int8' && !/autocast/.test(layer.precisionSource ?? '');
}

/** The edit: `import torchao.<module>` where missing, and `line` after the statement that builds the model. */
function torchaoEdits(view: View, root: SyntaxNode, b: ModelBinding, module: string, lines: string[]): EditItem[] {
  const imp = moduleImport(view.source, root, module);
  const edit = insertAfter(view.source, b.statement, lines);
  return imp ? [imp, edit] : [edit];
}

/** fp8 Linear layers with torchao float8 (dynamic activation and weight scaling), where the profile has an fp8 peak. */
export function fp8Action(view: View, root: SyntaxNode, b: ModelBinding): ActionItem | undefined {
  if (!convertsHere(view, b) || !view.profile!.peak.fp8) return undefined;
  const layers = b.model.layers.filter((l) => convertible(view, l));
  if (!layers.length) return undefined;
  const source = 'torchao quantize_(Float8DynamicActivationFloat8WeightConfig())';
  const picked = new Set(layers);
  const saving = forwardSaving(
    view,
    b.model,
    energyEdited(view, b.model, (l) => (picked.has(l) ? restated(view, l, 'fp8', source) : undefined)),
    { precision: 'fp8' },
  );
  if (!worth(saving)) return undefined;
  const v = b.variable;
  return {
    title: `Run ${layers.length} Linear layer call${layers.length === 1 ? '' : 's'} of ${v} in fp8 with torchao float8 (${priceText(saving)}; fp8 tensor cores, ${view.profile!.peak.fp8!.value} TFLOP/s)`,
    kind: 'refactor.rewrite',
    advice: 'fp8',
    saving,
    edits: torchaoEdits(view, root, b, 'torchao.quantization', [
      `torchao.quantization.quantize_(${v}, torchao.quantization.Float8DynamicActivationFloat8WeightConfig())`,
    ]),
  };
}

/** 2:4 semi-structured sparsity of the Linear weights, where the profile has a sparse peak at their precision. */
export function sparsityAction(view: View, root: SyntaxNode, b: ModelBinding): ActionItem | undefined {
  if (!convertsHere(view, b)) return undefined;
  const sparse = view.profile!.sparsePeak ?? {};
  const layers = b.model.layers.filter((l) => l.op === 'Linear' && !l.sparsity && sparse[runsAt(view, l)]);
  if (!layers.length) return undefined;
  const source = 'torchao sparsify_(semi_sparse_weight())';
  const picked = new Set(layers);
  const saving = forwardSaving(
    view,
    b.model,
    energyEdited(view, b.model, (l) =>
      picked.has(l) ? { ...l, sparsity: { pattern: '2:4' as const, source } } : undefined,
    ),
    { needs: PRUNE_2_4 },
  );
  if (!worth(saving)) return undefined;
  const precision = runsAt(view, layers[0]);
  const v = b.variable;
  return {
    title: `Make the weights of ${v}'s Linear layers 2:4 semi-structured sparse (torch.sparse.to_sparse_semi_structured via torchao) (${priceText(saving)}; sparse tensor cores, ${sparse[precision]!.value} ${precision} TFLOP/s; needs the weights pruned to 2:4 and fine-tuned)`,
    kind: 'refactor.rewrite',
    advice: 'sparsity-2-4',
    saving,
    edits: torchaoEdits(view, root, b, 'torchao.sparsity', [
      `# WattLens: 2:4 sparsity keeps accuracy only after ${PRUNE_2_4.replace(', or accuracy drops', '')}.`,
      `torchao.sparsity.sparsify_(${v}, torchao.sparsity.semi_sparse_weight())`,
    ]),
  };
}

/**
 * The model's energy with TensorRT / onnxruntime int8: its layers at int8 on the profile's int8 peak,
 * except the ops PyTorch keeps in float32 under autocast (softmax, norms, losses), which an int8 engine
 * keeps at fp16 (TensorRT's mixed precision), or why it is unknown.
 */
function int8Engine(view: View, model: ModelReport): number | string {
  const fallback: Precision = view.profile!.peak.fp16 ? 'fp16' : view.settings.precision;
  return energyEdited(view, model, (l) =>
    restated(view, l, autocastLowers(l.op) ? 'int8' : fallback, 'TensorRT / onnxruntime int8 engine'),
  );
}

/** Whether the TensorRT int8 path is offered for a model: a CUDA profile with an int8 peak, conv/linear work not yet int8. */
function int8Candidate(view: View, model: ModelReport): boolean {
  if (!onCuda(view) || !view.profile!.peak.int8 || !model.root) return false;
  // Exported and compiled outside PyTorch: the file's own models and catalogued checkpoints alike.
  if (model.framework !== 'pytorch' && model.framework !== 'hub') return false;
  return model.layers.some((l) => autocastLowers(l.op) && runsAt(view, l) !== 'int8');
}

/**
 * The TensorRT / onnxruntime int8 path as an action: the steps as comments after the model (the model
 * in this file is unchanged), priced on the int8 peak, its saving conditional on calibration (`needs`).
 */
export function tensorrtAction(view: View, b: ModelBinding): ActionItem | undefined {
  if (!int8Candidate(view, b.model)) return undefined;
  const saving = forwardSaving(view, b.model, int8Engine(view, b.model), { precision: 'int8', needs: CALIBRATION });
  const v = b.variable;
  return {
    title: `Deploy ${v} with TensorRT or onnxruntime int8 after calibration (${priceText(saving)} with its layers on ${view.profile!.id}'s int8 tensor cores, ${view.profile!.peak.int8!.value} TOPS, softmax, norms and losses at fp16; needs int8 calibration on representative inputs; the edit adds the steps as comments)`,
    kind: 'refactor.rewrite',
    advice: 'tensorrt-int8',
    saving,
    edits: [
      insertAfter(view.source, b.statement, [
        `# WattLens: int8 inference with TensorRT or onnxruntime needs calibration; the saving holds only once deployed.`,
        `# 1. Export: torch.onnx.export(${v}, example_input, "model.onnx")`,
        `# 2. Calibrate and quantize: onnxruntime.quantization.quantize_static("model.onnx", "model.int8.onnx", calibration_reader)`,
        `#    (calibration_reader: a CalibrationDataReader over a few hundred representative inputs),`,
        `#    or Torch-TensorRT / trtexec --int8 with a calibrator.`,
        `# 3. Run "model.int8.onnx" with the TensorRT or CUDA execution provider, and check the accuracy again.`,
      ]),
    ],
  };
}
