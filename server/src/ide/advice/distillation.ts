// The knowledge-distillation scaffold for a PyTorch training loop: a `distillation_loss` function
// (Hinton et al. 2015) inserted before the loop and a commented hint for a student a fraction of the
// teacher's size (a smaller catalogued model of the same family, or the same network at half the width).
import type { CatalogEntry } from '../../core/catalog/modelCatalog';
import { macsFor } from '../../core/catalog/modelCatalog';
import type { Range, SyntaxNode } from '../../core/parse/syntax';
import type { ModelReport } from '../../core/report/types';
import * as fmt from '../format';
import type { ActionItem } from '../items';
import { insertBefore, torchImport } from '../syntax/edits';
import { energyScaled, forwardSaving, modelEnergy, type LayerScale, type View } from '../view';
import { priceText } from './advice';
import { catalogEntry, entryOf, shortRef } from './checkpoints';
import { scanModels } from './patterns';
import { indentUnit, startsLine } from '../syntax/pySyntax';
import { overlaps } from '../syntax/ranges';
import { trainingSites } from './trainingSteps';

/** A student's MACs at most this share of the teacher's. */
const STUDENT_SHARE = 0.5;
/** No scaffold when the student's estimated energy is above this share of the teacher's (overhead-bound models). */
const MIN_SHARE_SAVED = 0.9;

/** Who the student is, what it costs relative to the teacher, and how to build it. */
interface Student {
  label: string;
  scale: LayerScale;
  /** Comment lines (without `# `) saying how to build it. */
  hint: string[];
}

/** The scaffold for each PyTorch training loop on the line range whose model is known. */
export function distillationActions(view: View, root: SyntaxNode, range: Range): ActionItem[] {
  const out: ActionItem[] = [];
  for (const site of trainingSites(view)) {
    if (site.run.kind !== 'pytorch-loop' || !site.loop || !overlaps(site.run.range, range)) continue;
    if (/\bdef\s+distillation_loss\b/.test(view.source.text)) continue;
    const teacher = view.file.models.find((m) => m.root && m.name === site.run.model);
    const top = site.ancestors[1] ?? site.loop;
    if (!teacher || !startsLine(view.source, top)) continue;
    const variable = scanModels(view).bindings.find((b) => b.model === teacher)?.variable ?? 'model';
    const student = studentFor(view, teacher);
    const before = modelEnergy(teacher);
    const after = energyScaled(view, teacher, () => student.scale);
    if (before !== null && typeof after === 'number' && after > MIN_SHARE_SAVED * before) continue;
    const saving = forwardSaving(view, teacher, after, { needs: `${student.label}, trained` });
    const price = priceText(saving);
    const unit = indentUnit(view.source, root);
    const lines = [...lossFunction(unit), '', ...usageHint(variable, student).map((l) => `# ${l}`.trimEnd()), '', ''];
    const imp = torchImport(view.source, root);
    out.push({
      title:
        `Add a knowledge-distillation scaffold: distillation_loss() and ${student.label} (${price}; ` +
        "training the student also runs the teacher's forward pass)",
      kind: 'refactor.rewrite',
      advice: 'distillation',
      saving,
      edits: [...(imp ? [imp] : []), insertBefore(view.source, top, lines)],
    });
  }
  return out;
}

/** `distillation_loss`: KL(softmax(t/T) || softmax(s/T)) · T² · α + CE(s, labels) · (1 − α). */
function lossFunction(unit: string): string[] {
  return [
    'def distillation_loss(student_logits, teacher_logits, labels, temperature=4.0, alpha=0.5):',
    `${unit}"""Knowledge distillation (Hinton et al. 2015, arXiv:1503.02531): alpha * T^2 * KL(softmax(t/T) || softmax(s/T)) + (1 - alpha) * CE."""`,
    `${unit}soft = torch.nn.functional.kl_div(`,
    `${unit}${unit}torch.nn.functional.log_softmax(student_logits / temperature, dim=-1),`,
    `${unit}${unit}torch.nn.functional.softmax(teacher_logits / temperature, dim=-1),`,
    `${unit}${unit}reduction="batchmean",`,
    `${unit}) * (temperature ** 2)`,
    `${unit}hard = torch.nn.functional.cross_entropy(student_logits, labels)`,
    `${unit}return alpha * soft + (1.0 - alpha) * hard`,
  ];
}

function usageHint(teacher: string, student: Student): string[] {
  return [
    `WattLens: distil \`${teacher}\` (the teacher) into ${student.label}:`,
    ...student.hint.map((h) => `  ${h}`),
    `  teacher = ${teacher}.eval()`,
    '  in the training loop, for a batch (inputs, labels):',
    '      with torch.no_grad():',
    '          teacher_logits = teacher(inputs)',
    '      loss = distillation_loss(student(inputs), teacher_logits, labels)',
    '  and give the optimizer student.parameters().',
  ];
}

/** A catalogued student of the teacher's family (or a catalog sibling), else the teacher at half the width. */
function studentFor(view: View, teacher: ModelReport): Student {
  const entry = entryOf(view, teacher) ?? matchCatalog(view, teacher);
  const pick = entry && pickStudent(view, entry);
  if (entry && pick) {
    const { student, macsRatio } = pick;
    const builder = builderFor(student, classesOf(teacher));
    const figures = `${fmt.params(student.params)}, ${fmt.count(student.macs, 'MACs')} per ${student.macsBasis === 'per-token' ? 'token' : 'sample'}`;
    const source = student.sources.params ? `; catalog: ${shortRef(student.sources.params.ref)}` : '';
    return {
      label: `a ${student.id} student (${fmt.amount(student.params)} vs ${fmt.params(entry.params)})`,
      scale: { compute: macsRatio, weights: student.params / entry.params },
      hint: [
        `student = ${builder}  # ${figures}${source}`,
        ...(student.kind === 'hf' ? ["(load it with the teacher's Auto class so it gets the same head)"] : []),
      ],
    };
  }
  return {
    label: 'a half-width student',
    scale: { compute: 0.25, weights: 0.25, activations: 0.5 },
    hint: [
      `student = the same network with every hidden width halved (≈1/4 of the Linear/Conv MACs and parameters of ${teacher.name})`,
    ],
  };
}

/** The largest same-family, same-library entry with at most half the MACs; else the first sibling that cheap. */
function pickStudent(view: View, entry: CatalogEntry): { student: CatalogEntry; macsRatio: number } | undefined {
  const catalog = view.catalog!;
  const L = entry.typicalSequenceLength;
  const base = macsFor(entry, { sequenceLength: L });
  const ratio = (e: CatalogEntry) => {
    const m = macsFor(e, { sequenceLength: L });
    return m.basis === base.basis && base.macs ? m.macs / base.macs : Infinity;
  };
  const family = catalog.entries
    .filter((e) => e !== entry && e.family === entry.family && e.kind === entry.kind && ratio(e) <= STUDENT_SHARE)
    .sort((a, b) => ratio(b) - ratio(a));
  const sibling = entry.smallerSiblings
    .map((s) => catalogEntry(catalog, s.id))
    .find((e) => e && ratio(e) <= STUDENT_SHARE);
  const student = family[0] ?? sibling;
  return student ? { student, macsRatio: ratio(student) } : undefined;
}

/** A user-written network whose parameter count matches a catalogued PyTorch one of a family its name mentions. */
function matchCatalog(view: View, model: ModelReport): CatalogEntry | undefined {
  const params = model.totals.params;
  if (!view.catalog || model.framework !== 'pytorch' || !params) return undefined;
  const name = model.name.toLowerCase().replace(/[^a-z0-9]/g, '');
  return view.catalog.entries
    .filter(
      (e) =>
        e.kind !== 'keras' &&
        Math.abs(e.params - params) / params <= 0.002 &&
        name.includes(e.family.replace(/[^a-z0-9]/g, '')),
    )
    .sort((a, b) => Math.abs(a.params - params) - Math.abs(b.params - params))[0];
}

/** The output classes of the teacher's last Linear layer, when known. */
function classesOf(model: ModelReport): number | undefined {
  const last = [...model.layers].reverse().find((l) => l.op === 'Linear');
  return last?.outputShape?.[last.outputShape.length - 1];
}

function builderFor(e: CatalogEntry, classes: number | undefined): string {
  const head = classes ? `num_classes=${classes}` : '';
  switch (e.kind) {
    case 'torchvision':
      return `torchvision.models.${e.id}(${head})`;
    case 'timm':
      return `timm.create_model(${JSON.stringify(e.id)}${head ? `, ${head}` : ''})`;
    case 'hf':
      return `transformers.AutoModel.from_pretrained(${JSON.stringify(e.id)})`;
    default:
      return JSON.stringify(e.id);
  }
}
