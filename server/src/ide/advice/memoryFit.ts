// Memory that does not fit: a warning on each model whose weights, activations, KV cache (a decoder
// generating) and, when it trains, gradients and optimizer state exceed the profile's memory, by how much.
import type { ModelReport, Precision } from '../../core/report/types';
import type { HardwareProfile } from '../../core/energy/types';
import { memoryNeed, memoryOptionsOf, type MemoryNeed } from '../../core/energy/memoryFit';
import * as fmt from '../format';
import type { FindingItem } from '../items';
import type { View } from '../view';

/** Diagnostic code of a model that does not fit the device's memory. */
export const MEMORY_FIT = 'memory-fit';

/** One warning per root model that does not fit the profile's memory (for inference, or for its training run). */
export function memoryFindings(view: View): FindingItem[] {
  const profile = view.profile;
  if (!profile?.memory.sizeGB) return [];
  const out: FindingItem[] = [];
  for (const model of view.file.models.filter((m) => m.root)) {
    const options = memoryOptionsOf(model, view.file, view.settings.precision, view.catalog, view.source.text);
    const need = memoryNeed(model, profile, options);
    const message = memoryMessage(model, need, profile, view.settings.precision);
    if (message)
      out.push({
        range: options.run ? options.run.range : model.range,
        severity: 'warning',
        code: MEMORY_FIT,
        message,
      });
  }
  return out;
}

/** "X does not fit nvidia-t4's 16 GB (14.9 GiB) for inference at fp32: weights 27 GiB (…) + … = …, 12 GiB over." */
export function memoryMessage(
  model: ModelReport,
  need: MemoryNeed,
  profile: HardwareProfile,
  precision: Precision,
): string | undefined {
  if (need.overBytes === null || need.totalBytes === null) return undefined;
  const parts = need.parts.map((p) => `${p.name} ${fmt.bytes(p.bytes)} (${p.how})`).join(' + ');
  const capacity = `${profile.memory.sizeGB!.value} GB (${fmt.bytes(need.capacityBytes)})`;
  const halved =
    precision === 'fp32' && !model.precisionFromCode?.length
      ? ' At fp16/bf16 (torch_dtype=torch.float16, .half(), or a mixed-precision policy) the weights take half as much.'
      : '';
  return (
    `${model.name} does not fit ${profile.id}'s ${capacity} ${need.scope === 'training' ? 'to train' : 'for inference'} at ${precision}: ` +
    `${parts} = ${fmt.bytes(need.totalBytes)}, ${fmt.bytes(need.overBytes)} over.${halved}`
  );
}
