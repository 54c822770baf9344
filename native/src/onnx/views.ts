// The tensors a forward derives between layers without a recorded call — views, slices, chunks,
// casts — written as ONNX Reshape / Transpose / Slice / Gather / Expand / Tile / Cast nodes.
import type { GraphArg, GraphTensor } from '../../../server/src/core/report/graph';
import type { OnnxGraph } from './onnxGraph';
import { normDim, numel } from './emit/context';

/** A derived tensor's source, as the core records it. */
type ViewSource = Extract<GraphTensor['source'], { kind: 'view' }>;

/** What writing a view needs from the synthesiser. */
export interface ViewContext {
  graph: OnnxGraph;
  /** Adds a node that belongs to no layer (its time is reported between layers). */
  op(opType: string, inputs: string[], via: string, attributes?: Parameters<OnnxGraph['op']>[3]): string;
  ints(values: number[]): string;
  /** The value name of another tensor (an index tensor). */
  value(id: number): string;
  /** Notes an approximation. */
  note(text: string): void;
}

const RESHAPES = new Set([
  'view',
  'reshape',
  'flatten',
  'unflatten',
  'squeeze',
  'unsqueeze',
  'view_as',
  'reshape_as',
  'contiguous',
]);
const CASTS = new Set(['float', 'half', 'double', 'bfloat16', 'long', 'int', 'bool', 'to', 'type_as', 'astype']);
const ONNX_CAST: Record<string, number> = {
  float32: 1,
  uint8: 2,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
  bfloat16: 16,
};

/** Writes the nodes that derive tensor `t` from the value `from` (whose core shape is `fromShape`). */
export function emitView(
  ctx: ViewContext,
  t: GraphTensor,
  source: ViewSource,
  from: string,
  fromShape: number[],
): string {
  const shape = t.shape!;
  const via = source.via;
  if (RESHAPES.has(via)) return sameShape(shape, fromShape) ? from : reshape(ctx, from, shape, via);
  if (CASTS.has(via)) return ctx.op('Cast', [from], via, { to: { int: ONNX_CAST[t.dtype] ?? 1 } });
  if (via === 'expand' || via === 'expand_as') return ctx.op('Expand', [from, ctx.ints(shape)], via);
  if (via === 'repeat') return repeat(ctx, from, fromShape, shape);
  if (via === 'permute')
    return ctx.op('Transpose', [from], via, { perm: { ints: permutation(source.args, fromShape.length) } });
  if (via === 'transpose' || via === 'swapaxes')
    return swap(ctx, from, fromShape.length, source.args, source.kwargs, via);
  if (via === 't' || via === 'T' || via === 'mT')
    return fromShape.length < 2 ? from : swap(ctx, from, fromShape.length, [-2, -1], {}, via);
  if (via === 'getitem') return index(ctx, from, fromShape, shape, source.args[0]);
  if (via === 'narrow') return narrow(ctx, from, fromShape, source.args);
  if (source.piece !== undefined && ['chunk', 'split', 'unbind'].includes(via))
    return piece(ctx, from, fromShape, shape, source);
  if (via === 'gather') {
    const gathered = gather(ctx, from, fromShape, shape, source);
    if (gathered) return gathered;
  }
  if (via === 'extract_patches') {
    const patches = extractPatches(ctx, from, fromShape, shape, source);
    if (patches) return patches;
  }
  ctx.note(
    `${via}: a tensor derived by '${via}' is approximated by a reshape of its source (same size, no data movement)`,
  );
  return adapter(ctx, from, fromShape, shape, via);
}

/**
 * tf.gather(params, indices, axis) (the arguments after `params`): ONNX Gather on constant indices (a
 * number or nested list) or on an index tensor, cast to int64; undefined for other indices.
 */
function gather(
  ctx: ViewContext,
  from: string,
  fromShape: number[],
  shape: number[],
  source: ViewSource,
): string | undefined {
  const indices = source.kwargs.indices ?? source.args[0];
  const axisArg = source.kwargs.axis ?? source.args[1] ?? 0;
  if (typeof axisArg !== 'number' || (source.kwargs.batch_dims ?? 0) !== 0) return undefined;
  const axis = normDim(axisArg, fromShape.length);
  let index: string;
  if (typeof indices === 'number') index = ctx.ints([indices]);
  else if (Array.isArray(indices)) {
    const flat = (indices as GraphArg[]).flat(Infinity as 1);
    if (!flat.every((i) => typeof i === 'number')) return undefined;
    index = ctx.ints(flat as number[]);
  } else if (indices && typeof indices === 'object' && 'tensor' in indices)
    index = ctx.op('Cast', [ctx.value(indices.tensor)], 'gather', { to: { int: ONNX_CAST.int64 } });
  else return undefined;
  const picked = ctx.op('Gather', [from, index], 'gather', { axis: { int: axis } });
  // Nested or scalar indices give the core's shape (their own axes, or none) after one reshape.
  return reshape(ctx, picked, shape, 'gather');
}

/** A window argument as (rows, cols): `k`, `[k]`, `[k1, k2]` or TensorFlow's `[1, k1, k2, 1]`. */
function windowArg(v: GraphArg | undefined): number[] | null {
  if (typeof v === 'number') return [v, v];
  if (!Array.isArray(v) || !v.every((d) => typeof d === 'number')) return null;
  const dims = v as number[];
  if (dims.length === 4) return dims.slice(1, 3);
  return dims.length === 1 ? [dims[0], dims[0]] : dims.length === 2 ? dims : null;
}

/**
 * Keras's ops.image.extract_patches(images, size, strides, dilation_rate, padding) and TensorFlow's
 * tf.image.extract_patches(images, sizes, strides, rates, padding) (arguments after the images) with
 * strides equal to the size, no dilation and 'valid' padding, as vision transformers cut images into
 * patches: a crop to whole patches, then (N, rows, kh, cols, kw, C) → (N, rows, cols, kh·kw·C), each
 * patch flattened in TensorFlow's (row, column, channel) order. Other windows: undefined.
 */
function extractPatches(
  ctx: ViewContext,
  from: string,
  fromShape: number[],
  shape: number[],
  source: ViewSource,
): string | undefined {
  const { args, kwargs } = source;
  const size = windowArg(kwargs.sizes ?? kwargs.size ?? args[0]);
  const strides = windowArg(kwargs.strides ?? args[1] ?? null) ?? size;
  const rates = windowArg(kwargs.rates ?? kwargs.dilation_rate ?? args[2] ?? 1);
  const padding = String(kwargs.padding ?? args[3] ?? 'valid').toLowerCase();
  if (!size || strides?.join() !== size.join() || rates?.join() !== '1,1' || padding !== 'valid') return undefined;
  const [n, , , channels] = fromShape;
  const [, rows, cols] = shape;
  const [kh, kw] = size;
  const cropped = ctx.op(
    'Slice',
    [from, ctx.ints([0, 0]), ctx.ints([rows * kh, cols * kw]), ctx.ints([1, 2])],
    'extract_patches',
  );
  const split = reshape(ctx, cropped, [n, rows, kh, cols, kw, channels], 'extract_patches');
  const moved = ctx.op('Transpose', [split], 'extract_patches', { perm: { ints: [0, 1, 3, 2, 4, 5] } });
  return reshape(ctx, moved, shape, 'extract_patches');
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function reshape(ctx: ViewContext, from: string, shape: number[], via: string): string {
  return ctx.op('Reshape', [from, ctx.ints(shape)], via);
}

function ints(args: GraphArg[]): number[] {
  const flat = args.length === 1 && Array.isArray(args[0]) ? (args[0] as GraphArg[]) : args;
  return flat.filter((a): a is number => typeof a === 'number');
}

function permutation(args: GraphArg[], rank: number): number[] {
  return ints(args).map((d) => normDim(d, rank));
}

function swap(
  ctx: ViewContext,
  from: string,
  rank: number,
  args: GraphArg[],
  kwargs: Record<string, GraphArg>,
  via: string,
): string {
  const a = normDim(Number(args[0] ?? kwargs.dim0 ?? 0), rank);
  const b = normDim(Number(args[1] ?? kwargs.dim1 ?? 1), rank);
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[a], perm[b]] = [perm[b], perm[a]];
  return ctx.op('Transpose', [from], via, { perm: { ints: perm } });
}

function repeat(ctx: ViewContext, from: string, fromShape: number[], shape: number[]): string {
  const padded = [...Array(shape.length - fromShape.length).fill(1), ...fromShape];
  const lifted = padded.length === fromShape.length ? from : reshape(ctx, from, padded, 'repeat');
  return ctx.op('Tile', [lifted, ctx.ints(shape.map((d, i) => d / padded[i]))], 'repeat');
}

function narrow(ctx: ViewContext, from: string, fromShape: number[], args: GraphArg[]): string {
  const [dim, start, length] = ints(args);
  const axis = normDim(dim, fromShape.length);
  const begin = start < 0 ? start + fromShape[axis] : start;
  return ctx.op('Slice', [from, ctx.ints([begin]), ctx.ints([begin + length]), ctx.ints([axis])], 'narrow');
}

/** chunk / split / unbind: a Slice of the piece along the split dimension (then the dimension dropped for unbind). */
function piece(ctx: ViewContext, from: string, fromShape: number[], shape: number[], source: ViewSource): string {
  const pieces = source.pieceShapes ?? [];
  const k = source.piece!;
  const unbind = source.via === 'unbind';
  let axis: number;
  if (unbind) axis = normDim(Number(source.args[0] ?? source.kwargs.dim ?? 0), fromShape.length);
  else {
    axis = fromShape.findIndex((d, i) => pieces[0] && d !== pieces[0]![i]);
    if (axis < 0) axis = 0;
  }
  const sizes = pieces.map((p) => (unbind ? 1 : (p?.[axis] ?? 0)));
  const offset = sizes.slice(0, k).reduce((a, b) => a + b, 0);
  const sliced = ctx.op(
    'Slice',
    [from, ctx.ints([offset]), ctx.ints([offset + sizes[k]]), ctx.ints([axis])],
    source.via,
  );
  return unbind ? reshape(ctx, sliced, shape, 'unbind') : sliced;
}

/** `x[...]`: one Slice for the int and slice parts, a Gather for one tensor or list index, then a Reshape. */
function index(ctx: ViewContext, from: string, fromShape: number[], shape: number[], spec: GraphArg): string {
  const parts = Array.isArray(spec) ? spec : [spec];
  const consumed = parts.filter((p) => p !== null && !(typeof p === 'object' && 'ellipsis' in (p as object))).length;
  const starts: number[] = [];
  const ends: number[] = [];
  const axes: number[] = [];
  const steps: number[] = [];
  let gather: { axis: number; index: GraphArg } | undefined;
  let dim = 0;
  for (const part of parts) {
    if (part === null) continue;
    if (typeof part === 'object' && !Array.isArray(part) && 'ellipsis' in part) {
      dim += fromShape.length - consumed;
      continue;
    }
    const size = fromShape[dim];
    if (typeof part === 'number') {
      const i = part < 0 ? part + size : part;
      starts.push(i);
      ends.push(i + 1);
      axes.push(dim);
      steps.push(1);
    } else if (typeof part === 'object' && !Array.isArray(part) && 'slice' in part) {
      const [start, stop, step] = part.slice.map((v) => (typeof v === 'number' ? v : null));
      const norm = (x: number) => Math.min(Math.max(x < 0 ? x + size : x, 0), size);
      starts.push(norm(start ?? 0));
      ends.push(norm(stop ?? size));
      axes.push(dim);
      steps.push(step ?? 1);
    } else {
      if (gather) {
        ctx.note('indexing with two tensor indices is approximated by a reshape');
        return adapter(ctx, from, fromShape, shape, 'getitem');
      }
      gather = { axis: dim, index: part };
    }
    dim++;
  }
  let out = from;
  if (axes.length)
    out = ctx.op('Slice', [out, ctx.ints(starts), ctx.ints(ends), ctx.ints(axes), ctx.ints(steps)], 'getitem');
  if (gather) {
    const indices =
      typeof gather.index === 'object' &&
      gather.index !== null &&
      !Array.isArray(gather.index) &&
      'tensor' in gather.index
        ? ctx.value(gather.index.tensor)
        : ctx.ints(Array.isArray(gather.index) ? (gather.index as number[]) : [0]);
    out = ctx.op('Gather', [out, indices], 'getitem', { axis: { int: gather.axis } });
  }
  return reshape(ctx, out, shape, 'getitem');
}

/** A tensor derived in a way not written exactly: the source flattened, cut or tiled to the size, reshaped. */
function adapter(ctx: ViewContext, from: string, fromShape: number[], shape: number[], via: string): string {
  const have = numel(fromShape);
  const want = numel(shape);
  if (have === want) return reshape(ctx, from, shape, via);
  let flat = reshape(ctx, from, [have], via);
  if (want > have) flat = ctx.op('Tile', [flat, ctx.ints([Math.ceil(want / have)])], via);
  const cut = ctx.op('Slice', [flat, ctx.ints([0]), ctx.ints([want]), ctx.ints([0])], via);
  return reshape(ctx, cut, shape, via);
}
