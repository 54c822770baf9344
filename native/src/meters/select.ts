// Chooses the energy meter for the provider that runs the model: NVML, then nvidia-smi for a GPU;
// RAPL for the CPU; each meter not used is listed with why, and nothing readable means an estimate.
import type { ProviderName } from '../runner/providers';
import type { MeterOptions } from '../runner/protocol';
import type { EnergyMeter, MeterKind } from './types';
import { openNvml } from './nvml';
import { openNvidiaSmi, nvidiaSmiUnavailable } from './nvidiaSmi';
import { openRapl } from './rapl';

/** The meter chosen (null: the energy will be estimated) and why the others were not. */
export interface MeterChoice {
  meter: EnergyMeter | null;
  reasons: { kind: MeterKind; reason: string }[];
}

const GPU_METERS = ['nvml', 'nvidia-smi'] as const;

/** Opens the first meter that works for `provider`. */
export function chooseMeter(provider: ProviderName, options: MeterOptions): MeterChoice {
  const reasons: MeterChoice['reasons'] = [];
  if (options.request === 'none') {
    reasons.push({ kind: 'estimate', reason: 'no meter was asked for' });
    return { meter: null, reasons };
  }
  const onGpu = provider !== 'cpu';
  const order: Exclude<MeterKind, 'estimate'>[] =
    options.request === 'auto' ? (onGpu ? [...GPU_METERS] : ['rapl']) : [options.request];
  if (options.request === 'auto') {
    if (onGpu) reasons.push({ kind: 'rapl', reason: `the model runs on ${provider}, not the CPU` });
    else for (const kind of GPU_METERS) reasons.push({ kind, reason: 'the model runs on the CPU' });
  }
  for (const kind of order) {
    try {
      return { meter: open(kind, options), reasons };
    } catch (e) {
      reasons.push({ kind, reason: (e as Error).message });
    }
  }
  return { meter: null, reasons };
}

function open(kind: Exclude<MeterKind, 'estimate'>, options: MeterOptions): EnergyMeter {
  switch (kind) {
    case 'nvml':
      return openNvml({ library: options.nvmlLibrary, gpu: options.gpu, addon: options.nvmlAddon });
    case 'nvidia-smi': {
      const command = options.nvidiaSmi ?? 'nvidia-smi';
      const why = nvidiaSmiUnavailable(command, options.gpu ?? 0);
      if (why) throw new Error(why);
      return openNvidiaSmi(command, options.gpu ?? 0);
    }
    case 'rapl':
      return openRapl(options.powercapRoot);
  }
}
