// Which hardware profile the estimate beside a measurement uses: the one asked for, else the built-in
// profile that names the device that ran (an H100 SXM, a Xeon 8480), else the nearest kind, said so.
import type { LoadedProfile } from '../../../server/src/core/energy/types';
import { getProfile, type ProfileSet } from '../../../server/src/core/energy/profiles';

/** Device names (as NVML, nvidia-smi or the CPU report them) matched to built-in profiles, most specific first. */
const DEVICE_RULES: { pattern: RegExp; id: string }[] = [
  { pattern: /H100.*PCIe/i, id: 'nvidia-h100-pcie' },
  { pattern: /H100/i, id: 'nvidia-h100-sxm' },
  { pattern: /H200/i, id: 'nvidia-h200' },
  { pattern: /A100/i, id: 'nvidia-a100-80gb' },
  { pattern: /\bL4\b/i, id: 'nvidia-l4' },
  { pattern: /\bT4\b/i, id: 'nvidia-t4' },
  { pattern: /4090/, id: 'nvidia-rtx-4090' },
  { pattern: /3060/, id: 'nvidia-rtx-3060' },
  { pattern: /Orin/i, id: 'nvidia-jetson-orin-nano' },
  { pattern: /Xeon.*8480/i, id: 'intel-xeon-8480' },
  { pattern: /Ryzen.*7950X/i, id: 'amd-ryzen-7950x' },
  { pattern: /Cortex-A76|Raspberry Pi 5|BCM2712/i, id: 'raspberry-pi-5' },
];

/** The nearest built-in profile when no rule names the device. */
function nearest(provider: string, device: string | null): { id: string; why: string } {
  const name = device ?? 'an unnamed device';
  if (provider === 'cpu') {
    const id = /AMD/i.test(name)
      ? 'amd-ryzen-7950x'
      : /ARM|aarch64|Cortex/i.test(name)
        ? 'raspberry-pi-5'
        : 'intel-xeon-8480';
    return {
      id,
      why: `no built-in profile for ${name}; ${id} is the nearest CPU profile (pass --hardware, or calibrate)`,
    };
  }
  return {
    id: 'nvidia-t4',
    why: `no built-in profile for ${name}; nvidia-t4 is the default GPU profile (pass --hardware)`,
  };
}

/** The profile for the estimate, and why it was chosen. */
export function chooseHardware(
  profiles: ProfileSet,
  requested: string | undefined,
  provider: string,
  device: string | null,
): { profile: LoadedProfile; why: string } {
  if (requested) return { profile: getProfile(profiles, requested), why: 'asked for with --hardware' };
  const rule = device ? DEVICE_RULES.find((r) => r.pattern.test(device)) : undefined;
  if (rule && profiles.profiles.has(rule.id))
    return { profile: getProfile(profiles, rule.id), why: `the profile of the device that ran it (${device})` };
  const fallback = nearest(provider, device);
  return { profile: getProfile(profiles, fallback.id), why: fallback.why };
}
