// Keras actions: a mixed-precision global policy inserted after the keras import, and dynamic-range
// int8 quantization with the TensorFlow Lite converter after the model is built (and trained).
import type { Range, SyntaxNode } from '../../core/parse/syntax';
import type { ModelReport } from '../../core/report/types';
import * as fmt from '../format';
import type { ActionItem, FindingItem } from '../items';
import { insertAfter } from '../syntax/edits';
import { forwardSaving, modelEnergy, savingAt, type View } from '../view';
import { priceText } from './advice';
import { scanModels, type ModelBinding } from './patterns';
import { textOf } from '../syntax/pySyntax';
import { findingsAt, firstLineOf, overlaps } from '../syntax/ranges';
import { FP32_TRAINING, precisionGain } from './trainingAdvice';
import { fastPath, trainingSites } from './trainingSteps';
import { entryOf } from './checkpoints';

/** How the file reaches Keras and TensorFlow: the import statements and the names bound to them. */
interface KerasImports {
  /** The last module-level import of keras / tensorflow. */
  last: SyntaxNode;
  /** An expression for the keras module (`keras`, `tf.keras`), if one is bound. */
  keras?: string;
  /** An expression for the tensorflow module (`tf`), if one is bound. */
  tf?: string;
  /** `from tensorflow.keras import ...` rather than `from keras import ...`. */
  viaTensorflow: boolean;
}

/** The Keras actions for the models and fit calls on the line range. */
export function kerasActions(view: View, root: SyntaxNode, range: Range, findings: FindingItem[]): ActionItem[] {
  const imports = kerasImports(view, root);
  if (!imports) return [];
  const out: ActionItem[] = [];
  const fits = trainingSites(view).filter((s) => s.run.kind === 'keras-fit');
  for (const b of scanModels(view).bindings.filter((x) => isKeras(view, x.model))) {
    const own = fits.filter((f) => f.run.model === b.model.name);
    const here =
      overlaps(b.model.range, range) ||
      overlaps(b.statement.range, range) ||
      own.some((f) => overlaps(f.run.range, range));
    if (!here) continue;
    const policy = policyAction(view, imports, b, own, findings);
    const tflite = b.model.framework === 'keras' ? tfliteAction(view, imports, b, root) : undefined;
    for (const a of [policy, tflite]) if (a) out.push(a);
  }
  return out;
}

/** Whether a model is built with Keras (a Sequential / functional / subclassed model, or keras.applications). */
export function isKeras(view: View, model: ModelReport): boolean {
  return model.framework === 'keras' || (model.framework === 'hub' && entryOf(view, model)?.kind === 'keras');
}

function kerasImports(view: View, root: SyntaxNode): KerasImports | undefined {
  let found: KerasImports | undefined;
  for (const n of root.children) {
    if (n.type !== 'import_statement' && n.type !== 'import_from_statement') continue;
    const text = textOf(view.source, n).replace(/\s+/g, ' ');
    if (!/\b(keras|tensorflow)\b/.test(text)) continue;
    const f: KerasImports = found ?? { last: n, viaTensorflow: false };
    f.last = n;
    const direct =
      /^import (?:.*, )?keras(?: as (\w+))?(?:,|$)/.exec(text) ??
      /^from tensorflow import (?:.*, )?keras(?: as (\w+))?(?:,|$)/.exec(text);
    if (direct) f.keras = direct[1] ?? 'keras';
    const tf = /^import (?:.*, )?tensorflow(?: as (\w+))?(?:,|$)/.exec(text);
    if (tf) {
      f.tf = tf[1] ?? 'tensorflow';
      f.keras ??= `${f.tf}.keras`;
    }
    if (/^from tensorflow\.keras\b/.test(text)) f.viaTensorflow = true;
    found = f;
  }
  return found;
}

/** `keras.mixed_precision.set_global_policy("mixed_bfloat16")` (mixed_float16 where only fp16 is fast) after the imports. */
function policyAction(
  view: View,
  imports: KerasImports,
  b: ModelBinding,
  fits: { run: { range: Range } }[],
  findings: FindingItem[],
): ActionItem | undefined {
  const fast = fastPath(view.profile, view.settings.precision);
  if (!fast || /set_global_policy|mixed_precision\.Policy/.test(view.source.text)) return undefined;
  if (imports.last.range.end.line >= b.statement.range.start.line) return undefined;
  const policy = fast.precision === 'bf16' ? 'mixed_bfloat16' : 'mixed_float16';
  const lines = imports.keras
    ? [`${imports.keras}.mixed_precision.set_global_policy("${policy}")  ${POLICY_NOTE}`]
    : [
        `from ${imports.viaTensorflow ? 'tensorflow.keras' : 'keras'} import mixed_precision`,
        `mixed_precision.set_global_policy("${policy}")  ${POLICY_NOTE}`,
      ];
  // Keras computes every layer built under the policy at its precision (variables stay float32).
  const saving = savingAt(view, b.model, fast.precision, (l) => !l.precision);
  return {
    title: `Set the Keras mixed-precision policy "${policy}" (${trainingGain(view, b.model)}${priceText(saving)})`,
    kind: fits.length ? 'quickfix' : 'refactor.rewrite',
    advice: 'keras-mixed-precision',
    saving,
    edits: [insertAfter(view.source, imports.last, lines)],
    fixes: fits.flatMap((f) => findingsAt(findings, FP32_TRAINING, firstLineOf(view.source, f.run.range))),
  };
}

const POLICY_NOTE =
  '# WattLens: layers compute in reduced precision, variables stay float32; give a softmax output layer dtype="float32"';

/** "training: −71% energy, 2.7× faster per step; " for the model's first fit run with a gain. */
function trainingGain(view: View, model: ModelReport): string {
  for (const site of trainingSites(view)) {
    if (site.run.model !== model.name) continue;
    const gain = precisionGain(view, site);
    if (gain)
      return `training: ${fmt.saving(gain.before.energyJ!, gain.after.energyJ!)} energy, ${gain.speedup.toFixed(1)}× faster per step; inference: `;
  }
  return '';
}

/** TFLite dynamic-range quantization after the model is built (after its last module-level fit call, if any). */
function tfliteAction(view: View, imports: KerasImports, b: ModelBinding, root: SyntaxNode): ActionItem | undefined {
  if (view.settings.precision === 'int8') return undefined;
  const after = lastFitStatement(view, root, b) ?? b.statement;
  const name = /\bconverter\b/.test(view.source.text) ? 'tflite_converter' : 'converter';
  const v = b.variable;
  const note =
    '# WattLens: dynamic-range int8 quantization for deployment: weights stored as int8, activations quantized at run time (TensorFlow Lite)';
  const lines = imports.tf
    ? [
        note,
        `${name} = ${imports.tf}.lite.TFLiteConverter.from_keras_model(${v})`,
        `${name}.optimizations = [${imports.tf}.lite.Optimize.DEFAULT]`,
        `tflite_model = ${name}.convert()  # save with open("model.tflite", "wb").write(tflite_model)`,
      ]
    : [
        `${note}; this file does not import tensorflow, so run it where TensorFlow is installed:`,
        '#   import tensorflow as tf',
        `#   ${name} = tf.lite.TFLiteConverter.from_keras_model(${v})  # Keras 3: ${v}.export("saved_model"), then tf.lite.TFLiteConverter.from_saved_model("saved_model")`,
        `#   ${name}.optimizations = [tf.lite.Optimize.DEFAULT]`,
        `#   open("model.tflite", "wb").write(${name}.convert())`,
      ];
  // The converted model runs under TensorFlow Lite on CPUs and mobile accelerators, not in this file:
  // the action promises no saving for the Keras model here (it is unchanged, as a re-analysis shows),
  // and says where to measure the converted one.
  const saving = forwardSaving(view, b.model, modelEnergy(b.model) ?? 'the energy is unknown');
  return {
    title:
      `Convert ${v} to int8 with the TFLite converter for deployment (dynamic range${imports.tf ? '' : ', as a commented instruction'}): ` +
      `runs on CPUs and mobile accelerators with TensorFlow Lite, 4× smaller weights; ${v} itself is unchanged here (${priceText(saving)})`,
    kind: 'refactor.rewrite',
    advice: 'tflite-int8',
    saving,
    edits: [insertAfter(view.source, after, lines)],
  };
}

/** The module-level statement of the last `<model>.fit(...)` call at the binding's level, if any. */
function lastFitStatement(view: View, root: SyntaxNode, b: ModelBinding): SyntaxNode | undefined {
  const level = b.statement.range.start.character;
  const pattern = new RegExp(`^${b.variable}\\.fit\\s*\\(`);
  const candidates = root.children.filter(
    (n) =>
      n.type === 'expression_statement' &&
      n.range.start.line > b.statement.range.end.line &&
      n.range.start.character === level &&
      pattern.test(textOf(view.source, n)),
  );
  return candidates.pop();
}
