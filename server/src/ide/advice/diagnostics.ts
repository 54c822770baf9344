// Diagnostics: the core's findings at a fitting severity (errors only for syntax, warnings only for
// real defects), plus hot spots, inference loops with autograd on, conv bias before BatchNorm, fp32
// training where the profile has a fast bf16/fp16 path, and checkpoints with a much cheaper sibling.
import type { Finding } from '../../core/report/types';
import * as fmt from '../format';
import type { FindingItem } from '../items';
import { convsBeforeNorm, inferenceLoops } from './patterns';
import { modelEnergy, primaryModels, type View } from '../view';
import { trainingFindings, FP32_TRAINING } from './trainingAdvice';
import { checkpointFindings, CHEAPER_SIBLING } from './checkpoints';
import { memoryFindings, MEMORY_FIT } from './memoryFit';
import { inUserTerms } from '../sources';
import { samplesPerPass } from '../../core/report/totals';
import { generationFindings } from './generationAdvice';

/** Share of a model's energy above which a layer is called out. */
export const HOTSPOT_SHARE = 0.4;

/** Codes of the server's own diagnostics (code actions key on them). */
export const CODES = {
  hotspot: 'energy-hotspot',
  inferenceLoop: 'inference-without-no-grad',
  convBias: 'conv-bias-before-norm',
  fp32Training: FP32_TRAINING,
  cheaperCheckpoint: CHEAPER_SIBLING,
  memoryFit: MEMORY_FIT,
} as const;

/** Every diagnostic for a view, in source coordinates. */
export function findingItems(view: View): FindingItem[] {
  const items = [
    ...coreFindings(view.file.diagnostics).map((f) => ({ ...f, message: inUserTerms(view.source, f.message) })),
    ...hotspots(view),
    ...loopFindings(view),
    ...convBiasFindings(view),
    ...trainingFindings(view),
    ...checkpointFindings(view),
    ...generationFindings(view),
    ...memoryFindings(view),
  ];
  return dedupe(items);
}

const WARNINGS = new Set(['shape-mismatch', 'too-large', 'large-file', 'binary', 'memory-fit']);

/** Core findings with severities capped: Error only for syntax, Warning only for real defects. */
function coreFindings(findings: Finding[]): FindingItem[] {
  return findings.map((f) => ({ range: f.range, message: f.message, code: f.code, severity: severityOf(f) }));
}

function severityOf(f: Finding): FindingItem['severity'] {
  if (f.code === 'syntax') return 'error';
  if (WARNINGS.has(f.code)) return 'warning';
  if (f.code === 'unresolved' || f.code === 'unresolved-call' || f.code === 'trace-aborted') return 'hint';
  return f.severity === 'hint' ? 'hint' : 'information';
}

/** Layers (by path, summed over their calls) taking more than 40% of a root model's energy. */
function hotspots(view: View): FindingItem[] {
  const out: FindingItem[] = [];
  for (const model of primaryModels(view).filter((m) => m.root && m.layers.length >= 3)) {
    const total = modelEnergy(model);
    if (!total) continue;
    const byPath = new Map<string, { energy: number; layer: (typeof model.layers)[number] }>();
    for (const l of model.layers) {
      if (l.energyJ === null) continue;
      const entry = byPath.get(l.path) ?? { energy: 0, layer: l };
      entry.energy += l.energyJ;
      byPath.set(l.path, entry);
    }
    for (const [path, { energy, layer }] of byPath) {
      if (energy / total <= HOTSPOT_SHARE) continue;
      out.push({
        range: layer.range,
        severity: 'information',
        code: CODES.hotspot,
        message:
          `\`${path}\` (${layer.op}) takes ${fmt.percent(energy / total)} of ${model.name}'s estimated energy ` +
          `(${fmt.energy(energy)} of ${fmt.energy(total)} ${fmt.perPass(model.samplesPerPass ?? samplesPerPass(model))} on ${view.profile?.id ?? '?'}, ${view.settings.precision})`,
      });
    }
  }
  return out;
}

function loopFindings(view: View): FindingItem[] {
  return inferenceLoops(view).map(({ loop, variable }) => ({
    range: { start: loop.range.start, end: { line: loop.range.start.line, character: loop.range.start.character + 3 } },
    severity: 'information',
    code: CODES.inferenceLoop,
    message:
      `This loop runs \`${variable}\` with autograd on but never calls backward(): wrap it in \`with torch.no_grad():\` ` +
      '(or torch.inference_mode()) so activations are not kept for a backward pass.',
  }));
}

function convBiasFindings(view: View): FindingItem[] {
  return convsBeforeNorm(view).map(({ conv, norm }) => {
    const channels = conv.outputShape?.[1];
    const saved = channels ? `; bias=False saves ${channels} parameters and an add per output element` : '';
    return {
      range: conv.range,
      severity: 'information',
      code: CODES.convBias,
      message: `\`${conv.path}\` (${conv.op}) has a bias, but \`${norm.path}\` (${norm.op}) right after it subtracts the mean and cancels it${saved}.`,
    };
  });
}

function dedupe(items: FindingItem[]): FindingItem[] {
  const seen = new Set<string>();
  return items.filter((i) => {
    const key = `${i.range.start.line}:${i.range.start.character}:${i.code}:${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
