// The hardware-profile data model: what profiles/hardware.schema.json describes, as TypeScript.
// Every number is a Figure so that its source and confidence travel with it into the report.
import type { Precision } from '../report/types';

/** How sure a figure is (the reference CSVs' scale, plus `assumed` and calibration's `measured`). */
export type Confidence = 'confirmed' | 'secondary' | 'unconfirmed' | 'derived' | 'assumed' | 'measured';

/** One sourced number. */
export interface Figure {
  value: number;
  unit?: string;
  source: string;
  confidence: Confidence;
  note?: string;
}

/** Device classes a profile can describe. */
export type DeviceKind = 'gpu' | 'tpu' | 'npu' | 'cpu' | 'neuromorphic' | 'soc';

/** Calibration / efficiency factors; each optional, defaults in energy.ts `DEFAULT_EFFICIENCY`. */
export interface Efficiency {
  computeFraction?: Figure;
  memoryFraction?: Figure;
  energyScale?: Figure;
  staticFraction?: Figure;
}

/** A hardware profile exactly as the JSON file holds it. */
export interface HardwareProfile {
  $schema?: string;
  id: string;
  name: string;
  kind: DeviceKind;
  description?: string;
  /** Dense peak in 1e12 ops/s (TFLOP/s or TOPS) per precision. */
  peak: Partial<Record<Precision, Figure>>;
  /** Peak in 1e12 dense-equivalent ops/s with 2:4 semi-structured sparsity, where the device has sparse tensor cores. */
  sparsePeak?: Partial<Record<Precision, Figure>>;
  memory: { technology?: string; bandwidthGBps?: Figure; sizeGB?: Figure; energyPjPerBit?: Figure };
  power: { maxW?: Figure; idleW?: Figure };
  overheadUs: Figure;
  efficiency?: Efficiency;
  /** Why a figure is missing, keyed by dotted path ("peak.fp8"). */
  absent?: Record<string, string>;
  notes?: string[];
}

/** A profile as loaded: the JSON plus where it came from (and any calibration applied to it). */
export interface LoadedProfile extends HardwareProfile {
  /** Absolute path of the file it was read from. */
  file: string;
  origin: 'builtin' | 'workspace';
  /** Set by applyCalibration: the calibration file whose factors replaced `efficiency`. */
  calibrationFile?: string;
}
