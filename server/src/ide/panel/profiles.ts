// Hardware profiles as the client's picker and status bar list them: each profile's key figures (dense
// peak per precision, memory bandwidth and size, power) as numbers and as one line of text.
import type { LoadedProfile } from '../../core/energy';
import type { Precision } from '../../core/report/types';
import * as fmt from '../format';

/** The precisions in the order they are listed. */
const ORDER: Precision[] = ['fp32', 'tf32', 'bf16', 'fp16', 'fp8', 'int8'];

/** One profile's summary. */
export interface ProfileSummaryItem {
  id: string;
  name: string;
  kind: string;
  origin: 'builtin' | 'workspace';
  peakTflops: Partial<Record<Precision, number>>;
  bandwidthGBps: number | null;
  memoryGB: number | null;
  maxW: number | null;
  idleW: number | null;
  calibrated: boolean;
  figures: string;
  peakText: Partial<Record<Precision, string>>;
}

/** Summaries of the profiles, workspace ones first, then by id. */
export function profileSummaries(profiles: LoadedProfile[]): ProfileSummaryItem[] {
  return [...profiles]
    .sort((a, b) => (a.origin === b.origin ? a.id.localeCompare(b.id) : a.origin === 'workspace' ? -1 : 1))
    .map(profileSummary);
}

/** One profile's summary: "fp32 8.1 TFLOP/s · fp16 65 TFLOP/s · int8 130 TOP/s · 320 GB/s · 16 GB · 70 W". */
export function profileSummary(p: LoadedProfile): ProfileSummaryItem {
  const peakTflops: Partial<Record<Precision, number>> = {};
  const peakText: Partial<Record<Precision, string>> = {};
  for (const precision of ORDER) {
    const figure = p.peak[precision];
    if (!figure) continue;
    peakTflops[precision] = figure.value;
    peakText[precision] = fmt.count(figure.value * 1e12, precision === 'int8' ? 'OP/s' : 'FLOP/s');
  }
  const bandwidthGBps = p.memory.bandwidthGBps?.value ?? null;
  const memoryGB = p.memory.sizeGB?.value ?? null;
  const maxW = p.power.maxW?.value ?? null;
  const parts = [
    ...ORDER.filter((q) => peakText[q]).map((q) => `${q} ${peakText[q]}`),
    bandwidthGBps === null ? null : fmt.count(bandwidthGBps * 1e9, 'B/s'),
    memoryGB === null ? null : `${memoryGB} GB`,
    maxW === null ? null : `${maxW} W`,
  ];
  return {
    id: p.id,
    name: p.name,
    kind: p.kind,
    origin: p.origin,
    peakTflops,
    bandwidthGBps,
    memoryGB,
    maxW,
    idleW: p.power.idleW?.value ?? null,
    calibrated: !!p.calibrationFile,
    figures: parts.filter((s): s is string => !!s).join(' · '),
    peakText,
  };
}
