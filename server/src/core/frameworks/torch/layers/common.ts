// Helpers shared by the torch.nn layer specs: argument readers, input checks, and the one
// sliding-window output-size rule that convolution and pooling both use.
import {
  type ArgValue,
  type ArgSpec,
  type TensorInfo,
  LayerArgError,
  ShapeError,
  ntuple,
  showShape,
} from './layerSpec';

/** The `device=None, dtype=None` factory arguments most torch layers accept last. */
export const FACTORY_ARGS: ArgSpec[] = [
  { name: 'device', default: null },
  { name: 'dtype', default: null },
];

/** Reads a real-valued argument (ints and bools count, as in Python). */
export function floatArg(a: Record<string, ArgValue>, name: string): number {
  const v = a[name];
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new LayerArgError(`${name} must be a number, got ${JSON.stringify(v)}`);
}

/** Reads an argument that is either None or an int. */
export function optIntArg(a: Record<string, ArgValue>, name: string): number | null {
  const v = a[name];
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new LayerArgError(`${name} must be None or an int, got ${JSON.stringify(v)}`);
}

/** Reads an argument that is either None or a number. */
export function optFloatArg(a: Record<string, ArgValue>, name: string): number | null {
  const v = a[name];
  return v === null || v === undefined ? null : floatArg(a, name);
}

/** Reads a string argument, checking it against `allowed` when given. */
export function strArg(a: Record<string, ArgValue>, name: string, allowed?: readonly string[]): string {
  const v = a[name];
  if (typeof v !== 'string') throw new LayerArgError(`${name} must be a string, got ${JSON.stringify(v)}`);
  if (allowed && !allowed.includes(v)) {
    throw new LayerArgError(`${name} must be one of ${allowed.map((s) => `'${s}'`).join(', ')}, got '${v}'`);
  }
  return v;
}

/** Reads an int argument and checks it is at least `min` (torch's "must be positive" checks). */
export function intAtLeast(a: Record<string, ArgValue>, name: string, min: number): number {
  const v = a[name];
  const n = typeof v === 'boolean' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n))
    throw new LayerArgError(`${name} must be an int, got ${JSON.stringify(v)}`);
  if (n < min) throw new LayerArgError(`${name} must be at least ${min}, got ${n}`);
  return n;
}

/** Expands an int-or-tuple argument to `n` integers, each at least `min`. */
export function intTuple(value: ArgValue, n: number, name: string, min = 1): number[] {
  const t = ntuple(value, n, name);
  for (const v of t) {
    if (!Number.isInteger(v)) throw new LayerArgError(`${name} must hold ints, got ${JSON.stringify(value)}`);
    if (v < min) throw new LayerArgError(`${name} entries must be at least ${min}, got ${JSON.stringify(value)}`);
  }
  return t;
}

/** Reads a dropout probability, which torch requires to lie in [0, 1]. */
export function probArg(a: Record<string, ArgValue>, name: string): number {
  const p = floatArg(a, name);
  if (p < 0 || p > 1) throw new LayerArgError(`${name} (dropout probability) has to be between 0 and 1, but got ${p}`);
  return p;
}

/** The first input tensor, or a ShapeError naming the op. */
export function firstInput(inputs: readonly TensorInfo[], op: string): TensorInfo {
  const x = inputs[0];
  if (!x || !Array.isArray(x.shape)) throw new ShapeError(`${op} needs an input tensor`);
  return x;
}

/** A tensor passed positionally at `index` or by keyword `name`; undefined when absent. */
export function tensorInput(
  inputs: readonly TensorInfo[],
  kwargs: Record<string, ArgValue | TensorInfo>,
  index: number,
  name: string,
): TensorInfo | undefined {
  if (inputs[index]) return inputs[index];
  const kw = kwargs[name];
  return isTensor(kw) ? kw : undefined;
}

/** True for a TensorInfo (as opposed to a plain argument value). */
export function isTensor(v: unknown): v is TensorInfo {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Array.isArray((v as TensorInfo).shape);
}

/** A boolean keyword argument of forward(), or its default. */
export function kwBool(kwargs: Record<string, ArgValue | TensorInfo>, name: string, def: boolean): boolean {
  const v = kwargs[name];
  if (v === undefined || isTensor(v)) return def;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  return v === null ? false : def;
}

/** Throws a ShapeError unless the input's rank is one of `ranks`. */
export function requireRank(x: TensorInfo, ranks: readonly number[], op: string): void {
  if (ranks.includes(x.shape.length)) return;
  const want = ranks.map((r) => `${r}-D`).join(' or ');
  throw new ShapeError(
    `${op} expects a ${want} input but got a ${x.shape.length}-D input of shape ${showShape(x.shape)}`,
  );
}

/** Resolves a possibly negative dim against `rank`, as torch does; ShapeError when out of range. */
export function normDim(dim: number, rank: number, op: string): number {
  const r = Math.max(rank, 1);
  if (dim < -r || dim >= r) {
    throw new ShapeError(
      `${op}: dimension out of range (expected to be in range of [${-r}, ${r - 1}], but got ${dim})`,
    );
  }
  return dim < 0 ? dim + r : dim;
}

/** A (N, C, *spatial) or unbatched (C, *spatial) input split into its parts. */
export interface ChannelInput {
  batch: number[];
  channels: number;
  spatial: number[];
}

/** Splits an input with `nd` spatial dims, batched or not; ShapeError for any other rank. */
export function splitChannels(x: TensorInfo, nd: number, op: string): ChannelInput {
  requireRank(x, [nd + 1, nd + 2], op);
  const batched = x.shape.length === nd + 2;
  const batch = batched ? [x.shape[0]] : [];
  return { batch, channels: x.shape[batch.length], spatial: x.shape.slice(batch.length + 1) };
}

/**
 * Output length of a sliding window along one dim — torch's conv / pooling formula
 * floor((in + 2·pad − dil·(k − 1) − 1) / stride) + 1, or with ceil_mode the ceiling, dropping the
 * last window when it would start in the right padding (it must start inside the input or left pad).
 */
export function windowOutSize(
  size: number,
  kernel: number,
  stride: number,
  padding: number,
  dilation = 1,
  ceilMode = false,
): number {
  const span = size + 2 * padding - dilation * (kernel - 1) - 1;
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceilMode && (out - 1) * stride >= size + padding) out -= 1;
  return out;
}

/** Throws torch's "output size is too small" ShapeError when any output dim is below 1. */
export function requirePositiveOutput(op: string, inputShape: readonly number[], outShape: readonly number[]): void {
  if (outShape.every((d) => d >= 1)) return;
  throw new ShapeError(
    `${op}: given input size ${showShape(inputShape)}, calculated output size ${showShape(outShape)} is too small`,
  );
}

/** Reads an output-size argument (int or tuple, entries may be None) for `n` dims. */
export function optSizeTuple(value: ArgValue, n: number, name: string): (number | null)[] {
  const t = typeof value === 'number' || value === null ? Array(n).fill(value) : value;
  if (
    !Array.isArray(t) ||
    t.length !== n ||
    !t.every((v) => v === null || (typeof v === 'number' && Number.isInteger(v) && v >= 1))
  ) {
    throw new LayerArgError(
      `${name} must be a positive int or a tuple of ${n} positive ints or None, got ${JSON.stringify(value)}`,
    );
  }
  return t as (number | null)[];
}
