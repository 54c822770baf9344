// Where an action runs: the device PyTorch would run an edit on for a hardware profile, and the
// reduced precision autocast picks there. Actions are offered only where they run, and priced there.
import type { Precision } from '../../core/report/types';
import type { HardwareProfile } from '../../core/energy/types';

export { autocastLowers } from '../../core/report/precision';

/** torch.autocast on a profile: its device_type, the precision it runs at, and the dtype to write. */
export interface AutocastTarget {
  device: 'cuda' | 'cpu' | 'mps';
  precision: Extract<Precision, 'fp16' | 'bf16'>;
  dtype: 'torch.float16' | 'torch.bfloat16';
}

/**
 * The autocast a profile runs: CUDA GPUs (NVIDIA profiles, Jetson included) bf16 where they have a bf16
 * peak, else fp16; CPUs bf16 (the only CPU autocast dtype) where they have a bf16 peak; Apple GPUs
 * through MPS at fp16. Undefined where PyTorch has no autocast for the device or the profile no peak.
 */
export function autocastTarget(profile: HardwareProfile): AutocastTarget | undefined {
  const has = (p: Precision) => profile.peak[p] !== undefined;
  const device = torchDevice(profile);
  if (device === 'cpu') return has('bf16') ? { device, precision: 'bf16', dtype: 'torch.bfloat16' } : undefined;
  if (device === 'cuda') {
    if (has('bf16')) return { device, precision: 'bf16', dtype: 'torch.bfloat16' };
    return has('fp16') ? { device, precision: 'fp16', dtype: 'torch.float16' } : undefined;
  }
  if (device === 'mps') return has('fp16') ? { device, precision: 'fp16', dtype: 'torch.float16' } : undefined;
  return undefined;
}

/** The PyTorch device a profile is: CPUs, CUDA GPUs (NVIDIA), Apple GPUs (MPS); undefined for TPUs and NPUs. */
export function torchDevice(profile: HardwareProfile): AutocastTarget['device'] | undefined {
  if (profile.kind === 'cpu') return 'cpu';
  if ((profile.kind === 'gpu' || profile.kind === 'soc') && /nvidia/i.test(`${profile.id} ${profile.name}`))
    return 'cuda';
  if (profile.kind === 'gpu' && /apple/i.test(`${profile.id} ${profile.name}`)) return 'mps';
  return undefined;
}
