// Mixed precision for training: a diagnostic on training runs computed in fp32 where the profile has
// a fast bf16/fp16 path (priced by re-running the energy model on the run), and the PyTorch action that
// wraps the loop's forward + loss in torch.autocast (with a GradScaler for float16).
import type { Range, SyntaxNode } from '../../core/parse/syntax';
import type { TrainingRunReport } from '../../core/report/types';
import * as fmt from '../format';
import type { ActionItem, EditItem, FindingItem } from '../items';
import { insertAfter, insertBefore, torchImport, wrapStatementsInWith } from '../syntax/edits';
import { runAt, type View } from '../view';
import { startsLine } from '../syntax/pySyntax';
import { findingsAt, firstLineOf, overlaps } from '../syntax/ranges';
import { fastPath, trainingSites, type FastPath, type TrainingSite } from './trainingSteps';

/** Diagnostic code of an fp32 training run on hardware with a fast reduced-precision path. */
export const FP32_TRAINING = 'fp32-training';

/** Below this estimated gain (time or energy), no advice is given: the run is not compute-bound enough to matter. */
const MIN_GAIN = 1.1;

/** The run's figures now and re-estimated at the fast precision. */
export interface PrecisionGain {
  fast: FastPath;
  before: TrainingRunReport;
  after: TrainingRunReport;
  /** before / after: how many times faster per step, and how many times less energy. */
  speedup: number;
  energyRatio: number;
}

/** The gain of training `site` at the profile's fast precision, when it is worth saying. */
export function precisionGain(view: View, site: TrainingSite): PrecisionGain | undefined {
  const fast = fastPath(view.profile, view.settings.precision);
  const before = site.run;
  if (!fast || site.mixed || before.latencyMs === null || before.energyJ === null) return undefined;
  const after = runAt(view, before, fast.precision);
  if (typeof after === 'string' || !after.latencyMs || !after.energyJ) return undefined;
  const speedup = before.latencyMs / after.latencyMs;
  const energyRatio = before.energyJ / after.energyJ;
  return speedup >= MIN_GAIN || energyRatio >= MIN_GAIN ? { fast, before, after, speedup, energyRatio } : undefined;
}

/** Information diagnostics on training runs that would be much cheaper at bf16/fp16 on this profile. */
export function trainingFindings(view: View): FindingItem[] {
  const out: FindingItem[] = [];
  for (const site of trainingSites(view)) {
    const gain = precisionGain(view, site);
    if (!gain) continue;
    const { fast, before, after } = gain;
    const scope = before.energyScope === 'run' ? 'for the run' : 'per 1,000 samples';
    out.push({
      range: firstLineOf(view.source, before.range),
      severity: 'information',
      code: FP32_TRAINING,
      message:
        `This training run computes in ${view.settings.precision}, but ${view.profile!.id} has a fast ${fast.precision} path ` +
        `(${fast.peak} vs ${fast.base} TFLOP/s peak). Re-estimated at ${fast.precision}: ${times(gain.speedup)} faster per step ` +
        `(${fmt.latency(before.latencyMs)} → ${fmt.latency(after.latencyMs)}) and ${times(gain.energyRatio)} less energy ` +
        `(${fmt.energy(before.energyJ)} → ${fmt.energy(after.energyJ)} ${scope}). ${remedy(site, fast)}`,
    });
  }
  return out;
}

/** How to switch the run to mixed precision, per kind of run. */
function remedy(site: TrainingSite, fast: FastPath): string {
  const bf16 = fast.precision === 'bf16';
  switch (site.run.kind) {
    case 'pytorch-loop':
      return `Run the forward pass and loss under \`torch.autocast(..., dtype=torch.${bf16 ? 'bfloat16' : 'float16'})\`${bf16 ? '' : ' with a GradScaler'}.`;
    case 'keras-fit':
      return `Set \`keras.mixed_precision.set_global_policy("${bf16 ? 'mixed_bfloat16' : 'mixed_float16'}")\` before building the model.`;
    case 'hf-trainer':
      return `Pass \`${bf16 ? 'bf16' : 'fp16'}=True\` to TrainingArguments.`;
    case 'lightning':
      return `Pass \`precision="${bf16 ? 'bf16' : '16'}-mixed"\` to the Trainer.`;
    default:
      return 'Train with automatic mixed precision.';
  }
}

/** "2.4×" */
function times(ratio: number): string {
  return `${ratio >= 10 ? Math.round(ratio) : ratio.toFixed(1)}×`;
}

/**
 * For a PyTorch training loop on the line range: wrap its forward + loss in torch.autocast (cuda on
 * GPUs, cpu on CPUs), leaving backward and the optimizer step outside; float16 adds a GradScaler.
 */
export function trainingAutocastActions(
  view: View,
  root: SyntaxNode,
  range: Range,
  findings: FindingItem[],
): ActionItem[] {
  const out: ActionItem[] = [];
  const kind = view.profile?.kind;
  if (kind !== 'cpu' && kind !== 'gpu' && kind !== 'soc') return out;
  for (const site of trainingSites(view)) {
    if (site.run.kind !== 'pytorch-loop' || !site.loop || !site.step || !overlaps(site.run.range, range)) continue;
    const gain = precisionGain(view, site);
    if (!gain) continue;
    const bf16 = gain.fast.precision === 'bf16';
    const device = kind === 'cpu' ? 'cpu' : 'cuda';
    const dtype = bf16 ? 'torch.bfloat16' : 'torch.float16';
    const wrap = wrapStatementsInWith(view.source, root, site.step.first, site.step.last, [
      `with torch.autocast(device_type="${device}", dtype=${dtype}):`,
    ]);
    if (!wrap) continue;
    const scaler = bf16 ? [] : gradScalerEdits(view, site);
    if (scaler === undefined) continue;
    const imp = torchImport(view.source, root);
    const energy = fmt.saving(gain.before.energyJ!, gain.after.energyJ!);
    out.push({
      title:
        `Run the training step under torch.autocast(${dtype}) mixed precision${bf16 ? '' : ' with a GradScaler'} ` +
        `(${energy} energy, ${times(gain.speedup)} faster per step on ${view.profile!.id})`,
      kind: 'quickfix',
      advice: 'autocast-training',
      saving: {
        scope: 'training-run',
        model: site.run.model ?? '?',
        device: view.profile!.id,
        precision: gain.fast.precision,
        before: gain.before.energyJ,
        after: gain.after.energyJ,
      },
      edits: [...(imp ? [imp] : []), ...scaler.slice(0, 1), ...wrap, ...scaler.slice(1)],
      fixes: findingsAt(findings, FP32_TRAINING, firstLineOf(view.source, site.run.range)),
    });
  }
  return out;
}

/**
 * float16 needs loss scaling: `scaler = torch.cuda.amp.GradScaler()` before the outermost loop,
 * `scaler.scale(loss).backward()`, `scaler.step(optimizer)` and `scaler.update()`. Undefined when
 * the optimizer step is not a plain statement after backward (the edit could not be made safely).
 */
function gradScalerEdits(view: View, site: TrainingSite): EditItem[] | undefined {
  const step = site.step!;
  if (!step.optimizerStep || !step.optimizer) return undefined;
  const name = /\bscaler\b/.test(view.source.text) ? 'grad_scaler' : 'scaler';
  const outer = outermostLoop(site);
  if (!startsLine(view.source, outer)) return undefined;
  const s = step.optimizerStep;
  return [
    insertBefore(view.source, outer, [
      `${name} = torch.cuda.amp.GradScaler()  # WattLens: float16 training scales the loss so small gradients do not underflow`,
    ]),
    { range: step.lossRef.range, newText: `${name}.scale(${step.loss})` },
    { range: s.range, newText: `${name}.step(${step.optimizer})` },
    insertAfter(view.source, s, [`${name}.update()`]),
  ];
}

/** The outermost loop around the training loop in the same function (the epoch loop), or the loop itself. */
function outermostLoop(site: TrainingSite): SyntaxNode {
  let outer = site.loop!;
  for (let i = site.ancestors.length - 1; i >= 0; i--) {
    const a = site.ancestors[i];
    if (a.type === 'function_definition' || a.type === 'class_definition') break;
    if (a.type === 'for_statement' || a.type === 'while_statement') outer = a;
  }
  return outer;
}
