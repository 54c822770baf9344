// Pure shape rules of torch tensor operations: broadcasting, view/reshape, permute, reductions,
// cat/stack, matmul and einsum. Each throws ShapeError with torch's kind of message on misuse.
import { ShapeError, elementCount, showShape } from './layers/layerSpec';

/** Normalises a possibly negative dimension index against `rank`. */
export function normDim(dim: number, rank: number): number {
  const d = dim < 0 ? dim + rank : dim;
  if (d < 0 || d >= Math.max(rank, 1))
    throw new ShapeError(`dimension ${dim} is out of range for a tensor of rank ${rank}`);
  return d;
}

/** The broadcast shape of two shapes, as torch computes it. */
export function broadcast(a: number[], b: number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1)
      throw new ShapeError(
        `shapes ${showShape(a)} and ${showShape(b)} cannot be broadcast (dimension ${i}: ${x} vs ${y})`,
      );
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** The shape after view/reshape with at most one -1. */
export function reshape(shape: number[], target: number[]): number[] {
  const total = elementCount(shape);
  const known = target.filter((d) => d !== -1).reduce((a, d) => a * d, 1);
  const free = target.filter((d) => d === -1).length;
  if (free > 1) throw new ShapeError('only one dimension can be inferred (-1)');
  if (free === 1) {
    if (known === 0 || total % known !== 0)
      throw new ShapeError(`shape ${showShape(target)} is invalid for input of size ${total}`);
    return target.map((d) => (d === -1 ? total / known : d));
  }
  if (known !== total) throw new ShapeError(`shape ${showShape(target)} is invalid for input of size ${total}`);
  return target;
}

/** The shape after permute(dims). */
export function permute(shape: number[], dims: number[]): number[] {
  if (dims.length !== shape.length)
    throw new ShapeError(`permute needs ${shape.length} dimensions, got ${dims.length}`);
  return dims.map((d) => shape[normDim(d, shape.length)]);
}

/** The shape after transpose(a, b). */
export function transpose(shape: number[], a: number, b: number): number[] {
  const out = [...shape];
  const i = normDim(a, shape.length);
  const j = normDim(b, shape.length);
  [out[i], out[j]] = [out[j], out[i]];
  return out;
}

/** The shape after flatten(start, end). */
export function flatten(shape: number[], start = 0, end = -1): number[] {
  if (shape.length === 0) return [1];
  const s = normDim(start, shape.length);
  const e = normDim(end, shape.length);
  return [...shape.slice(0, s), elementCount(shape.slice(s, e + 1)), ...shape.slice(e + 1)];
}

/** The shape after unsqueeze(dim). */
export function unsqueeze(shape: number[], dim: number): number[] {
  const d = dim < 0 ? dim + shape.length + 1 : dim;
  return [...shape.slice(0, d), 1, ...shape.slice(d)];
}

/** The shape after squeeze(dim?) . */
export function squeeze(shape: number[], dim?: number): number[] {
  if (dim === undefined) return shape.filter((d) => d !== 1);
  const d = normDim(dim, shape.length);
  return shape[d] === 1 ? shape.filter((_, i) => i !== d) : shape;
}

/** The shape after a reduction over `dims` (all when undefined). */
export function reduce(shape: number[], dims: number[] | undefined, keepdim: boolean): number[] {
  if (dims === undefined) return keepdim ? shape.map(() => 1) : [];
  const ds = new Set(dims.map((d) => normDim(d, shape.length)));
  return keepdim ? shape.map((x, i) => (ds.has(i) ? 1 : x)) : shape.filter((_, i) => !ds.has(i));
}

/** The shape of torch.cat(shapes, dim). */
export function cat(shapes: number[][], dim: number): number[] {
  const nonEmpty = shapes.filter((s) => !(s.length === 1 && s[0] === 0));
  if (nonEmpty.length === 0) throw new ShapeError('torch.cat needs at least one tensor');
  const first = nonEmpty[0];
  const d = normDim(dim, first.length);
  for (const s of nonEmpty) {
    if (s.length !== first.length || s.some((x, i) => i !== d && x !== first[i])) {
      throw new ShapeError(
        `torch.cat: sizes must match except in dimension ${dim}: ${showShape(first)} vs ${showShape(s)}`,
      );
    }
  }
  return first.map((x, i) => (i === d ? nonEmpty.reduce((a, s) => a + s[d], 0) : x));
}

/** The shape of torch.stack(shapes, dim). */
export function stack(shapes: number[][], dim: number): number[] {
  const first = shapes[0];
  if (!first) throw new ShapeError('torch.stack needs at least one tensor');
  if (shapes.some((s) => showShape(s) !== showShape(first)))
    throw new ShapeError('torch.stack: all tensors must have the same shape');
  return unsqueeze(first, dim).map((x, i) => (i === (dim < 0 ? dim + first.length + 1 : dim) ? shapes.length : x));
}

/** Shape and MACs of torch.matmul(a, b), with batch broadcasting. */
export function matmul(a: number[], b: number[]): { shape: number[]; macs: number } {
  if (a.length === 0 || b.length === 0) throw new ShapeError('matmul needs tensors of at least one dimension');
  const a2 = a.length === 1 ? [1, a[0]] : a;
  const b2 = b.length === 1 ? [b[0], 1] : b;
  const [m, k] = a2.slice(-2);
  const [k2, n] = b2.slice(-2);
  if (k !== k2)
    throw new ShapeError(`matmul: shapes ${showShape(a)} and ${showShape(b)} cannot be multiplied (${k} vs ${k2})`);
  const batch = broadcast(a2.slice(0, -2), b2.slice(0, -2));
  let shape = [...batch, m, n];
  if (a.length === 1) shape = shape.filter((_, i) => i !== shape.length - 2);
  if (b.length === 1) shape = shape.slice(0, -1);
  return { shape, macs: elementCount(batch) * m * n * k };
}

/** Shape and MACs of torch.einsum for explicit equations ("bhqd,bhkd->bhqk"). */
export function einsum(equation: string, shapes: number[][]): { shape: number[]; macs: number } {
  const [lhs, rhs] = equation.replace(/\s/g, '').split('->');
  const terms = lhs.split(',');
  if (terms.length !== shapes.length)
    throw new ShapeError(`einsum: ${terms.length} operands in the equation but ${shapes.length} given`);
  const sizes = new Map<string, number>();
  terms.forEach((t, i) => bindLabels(t, shapes[i], sizes));
  const out = rhs ?? implicitOutput(terms);
  const shape = [...out].map((c) => sizes.get(c) ?? 1);
  const all = elementCount([...sizes.values()]);
  return { shape, macs: terms.length > 1 ? all : 0 };
}

function bindLabels(term: string, shape: number[], sizes: Map<string, number>): void {
  if (term.includes('...')) throw new ShapeError('einsum with ellipsis is not analysed');
  if (term.length !== shape.length)
    throw new ShapeError(`einsum: term '${term}' has ${term.length} labels for a tensor of rank ${shape.length}`);
  [...term].forEach((c, i) => {
    const prev = sizes.get(c);
    if (prev !== undefined && prev !== shape[i] && prev !== 1 && shape[i] !== 1)
      throw new ShapeError(`einsum: label '${c}' is ${prev} in one operand and ${shape[i]} in another`);
    sizes.set(c, Math.max(prev ?? 1, shape[i]));
  });
}

function implicitOutput(terms: string[]): string {
  const counts = new Map<string, number>();
  for (const c of terms.join('')) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts]
    .filter(([, n]) => n === 1)
    .map(([c]) => c)
    .sort()
    .join('');
}

/** Sizes of the pieces torch.chunk(n) or split(size) produce along a dimension of length `len`. */
export function pieces(len: number, opts: { chunks?: number; size?: number; sizes?: number[] }): number[] {
  if (opts.sizes) {
    if (opts.sizes.reduce((a, b) => a + b, 0) !== len)
      throw new ShapeError(`split sizes ${showShape(opts.sizes)} do not sum to ${len}`);
    return opts.sizes;
  }
  const size = opts.size ?? Math.ceil(len / (opts.chunks ?? 1));
  const out: number[] = [];
  for (let start = 0; start < len; start += size) out.push(Math.min(size, len - start));
  return out;
}
