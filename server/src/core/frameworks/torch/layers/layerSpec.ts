// torch.nn's argument readers (kernel_size=3 → [3, 3], ints and bools as torch accepts them), and the
// shared layer contract (core/layers/layerSpec.ts) that every built-in torch.nn layer implements.
import { LayerArgError, type ArgValue } from '../../../layers/layerSpec';

export * from '../../../layers/layerSpec';

/** Expands an int-or-tuple argument (kernel_size=3 → [3, 3]) to `n` entries. */
export function ntuple(value: ArgValue, n: number, name: string): number[] {
  if (typeof value === 'number') return Array(n).fill(value);
  if (Array.isArray(value) && value.length === n && value.every((v) => typeof v === 'number')) {
    return value as number[];
  }
  throw new LayerArgError(`${name} must be an int or a tuple of ${n} ints, got ${JSON.stringify(value)}`);
}

/** Reads an integer argument, rejecting anything else with a message naming it. */
export function intArg(args: Record<string, ArgValue>, name: string): number {
  const v = args[name];
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new LayerArgError(`${name} must be an int, got ${JSON.stringify(v)}`);
}

/** Reads a boolean argument (Python truthiness for ints). */
export function boolArg(args: Record<string, ArgValue>, name: string): boolean {
  const v = args[name];
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (v === null) return false;
  throw new LayerArgError(`${name} must be a bool, got ${JSON.stringify(v)}`);
}
