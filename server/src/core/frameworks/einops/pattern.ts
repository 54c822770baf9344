// einops' pattern language on symbolic shapes: parses `b c (h p1) (w p2) -> b (h w) (p1 p2 c)`,
// solves every axis size from the input shape and the sizes passed as keywords, and gives the
// output shape of rearrange / repeat / reduce, and the axes an einops.einsum contracts.
// Semantics as documented by einops (https://einops.rocks/api/rearrange/).

/** One side of a pattern: its groups, each a list of elementary axis names ('1' is a unit axis). */
interface Side {
  groups: string[][];
  /** Whether each group was written in brackets (`(...)` keeps the ellipsis's axes as one). */
  bracketed: boolean[];
  /** Index of the group holding the ellipsis, if any. */
  ellipsis: number;
}

/** What a pattern gives for one input shape. */
export interface PatternResult {
  /** The output shape. */
  shape: number[];
  /** Sizes of every named axis, after solving. */
  sizes: Map<string, number>;
  /** Elements the reduction reads per output element (1 for rearrange and repeat). */
  reducedPerOutput: number;
}

/** A pattern or shape the pattern language rejects, with the message einops would give. */
export class EinopsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EinopsError';
  }
}

const ELLIPSIS = '…';

function parseSide(text: string, anonymous: Map<string, number>): Side {
  const tokens = text
    .replace(/\.\.\./g, ` ${ELLIPSIS} `)
    .replace(/[()]/g, (c) => ` ${c} `)
    .split(/\s+/)
    .filter(Boolean);
  const groups: string[][] = [];
  const bracketed: boolean[] = [];
  let current: string[] | null = null;
  let ellipsis = -1;
  for (const token of tokens) {
    if (token === '(') {
      if (current) throw new EinopsError('nested brackets are not allowed');
      current = [];
    } else if (token === ')') {
      if (!current) throw new EinopsError('unbalanced brackets');
      groups.push(current);
      bracketed.push(true);
      current = null;
    } else {
      const name = axisName(token, anonymous);
      if (name === ELLIPSIS) {
        if (ellipsis >= 0) throw new EinopsError('only one ellipsis per side');
        ellipsis = groups.length;
      }
      if (current) current.push(name);
      else {
        groups.push([name]);
        bracketed.push(false);
      }
    }
  }
  if (current) throw new EinopsError('unbalanced brackets');
  return { groups, bracketed, ellipsis };
}

/** Numbers other than 1 name an anonymous axis of that size; identifiers must be valid names. */
function axisName(token: string, anonymous: Map<string, number>): string {
  if (token === ELLIPSIS || token === '1') return token;
  if (/^\d+$/.test(token)) {
    const name = `#${anonymous.size}`;
    anonymous.set(name, Number(token));
    return name;
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(token)) throw new EinopsError(`invalid axis name '${token}'`);
  return token;
}

/** Replaces the ellipsis by `count` elementary axes named …0, …1, ... */
function expandEllipsis(side: Side, count: number): string[][] {
  const names = Array.from({ length: count }, (_, i) => `${ELLIPSIS}${i}`);
  const out: string[][] = [];
  for (const [i, group] of side.groups.entries()) {
    if (!side.bracketed[i] && group[0] === ELLIPSIS) names.forEach((n) => out.push([n]));
    else out.push(group.flatMap((n) => (n === ELLIPSIS ? names : [n])));
  }
  return out;
}

/** Solves the sizes of the left side's axes from `shape`, with the sizes already known. */
function solve(left: string[][], shape: number[], sizes: Map<string, number>): void {
  if (left.length !== shape.length)
    throw new EinopsError(`pattern has ${left.length} dimensions but the tensor has ${shape.length}`);
  left.forEach((group, i) => {
    const open = group.filter((n) => n !== '1' && !sizes.has(n));
    const known = group.reduce((acc, n) => acc * (n === '1' ? 1 : (sizes.get(n) ?? 1)), 1);
    if (open.length > 1) throw new EinopsError(`cannot infer sizes of ${open.join(', ')} in dimension ${i}`);
    if (open.length === 1) {
      if (known === 0 || shape[i] % known !== 0)
        throw new EinopsError(`dimension ${i} of size ${shape[i]} is not divisible by ${known}`);
      sizes.set(open[0], shape[i] / known);
    } else if (known !== shape[i]) {
      throw new EinopsError(`dimension ${i} has size ${shape[i]}, the pattern says ${known}`);
    }
  });
}

/** Splits `left -> right`. */
function splitArrow(pattern: string): [string, string] {
  const parts = pattern.split('->');
  if (parts.length !== 2) throw new EinopsError(`pattern '${pattern}' needs exactly one '->'`);
  return [parts[0], parts[1]];
}

type Operation = 'rearrange' | 'repeat' | 'reduce';

/**
 * The output of `einops.<operation>(tensor, pattern, **sizes)` for an input of `shape`. Rearrange
 * keeps every axis; repeat may add axes (sized by keywords or numbers); reduce drops axes.
 */
export function applyPattern(
  operation: Operation,
  pattern: string,
  shape: number[],
  keywordSizes: Record<string, number>,
): PatternResult {
  const anonymous = new Map<string, number>();
  const [leftText, rightText] = splitArrow(pattern);
  const left = parseSide(leftText, anonymous);
  const right = parseSide(rightText, anonymous);
  if (right.ellipsis >= 0 && left.ellipsis < 0) throw new EinopsError('ellipsis on the right side only');
  const ellipsisCount = left.ellipsis >= 0 ? shape.length - (left.groups.length - 1) : 0;
  if (ellipsisCount < 0) throw new EinopsError(`the tensor has fewer dimensions (${shape.length}) than the pattern`);
  const leftGroups = expandEllipsis(left, ellipsisCount);
  const rightGroups = expandEllipsis(right, ellipsisCount);
  const leftAnonymous = new Set(leftGroups.flat().filter((n) => n.startsWith('#')));
  const sizes = new Map<string, number>([...anonymous].filter(([n]) => leftAnonymous.has(n)));
  for (const [name, size] of Object.entries(keywordSizes)) sizes.set(name, size);
  solve(leftGroups, shape, sizes);
  const leftNames = new Set(leftGroups.flat());
  const rightNames = new Set(rightGroups.flat());
  const added = [...rightNames].filter((n) => n !== '1' && !leftNames.has(n));
  const dropped = [...leftNames].filter((n) => n !== '1' && !rightNames.has(n));
  if (operation !== 'repeat' && added.length)
    throw new EinopsError(`axes ${added.join(', ')} appear only on the right side of ${operation}`);
  if (operation === 'repeat') {
    for (const n of added) {
      const size = n.startsWith('#') ? anonymous.get(n) : keywordSizes[n];
      if (size === undefined) throw new EinopsError(`repeat needs the size of the new axis '${n}'`);
      sizes.set(n, size);
    }
  }
  if (operation !== 'reduce' && dropped.length)
    throw new EinopsError(`axes ${dropped.join(', ')} appear only on the left side of ${operation}`);
  const sizeOf = (n: string) => (n === '1' ? 1 : sizes.get(n)!);
  const outShape = rightGroups.map((g) => g.reduce((acc, n) => acc * sizeOf(n), 1));
  const reducedPerOutput = dropped.reduce((acc, n) => acc * sizeOf(n), 1);
  return { shape: outShape, sizes, reducedPerOutput };
}

/** What einops.einsum computes: output shape and the multiply-accumulates it takes. */
export interface EinsumResult {
  shape: number[];
  macs: number;
}

/**
 * einops.einsum(*tensors, 'b n d, d e -> b n e'): axes with multi-letter names separated by spaces.
 * MACs = the product of every distinct axis size (each output element sums over the contracted axes),
 * the convention torch.einsum's lowering to bmm counts for two operands.
 */
export function einsumShapes(pattern: string, shapes: number[][]): EinsumResult {
  const [inputsText, outputText] = splitArrow(pattern);
  const inputs = inputsText.split(',').map((s) => s.trim().split(/\s+/).filter(Boolean));
  if (inputs.length !== shapes.length)
    throw new EinopsError(`pattern names ${inputs.length} tensors but ${shapes.length} were given`);
  const sizes = new Map<string, number>();
  inputs.forEach((axes, t) => {
    if (axes.includes('...')) throw new EinopsError('ellipsis in einops.einsum is not analysed');
    if (axes.length !== shapes[t].length)
      throw new EinopsError(`tensor ${t} has ${shapes[t].length} dimensions, the pattern names ${axes.length}`);
    axes.forEach((axis, i) => {
      const size = shapes[t][i];
      const seen = sizes.get(axis);
      if (seen !== undefined && seen !== size && seen !== 1 && size !== 1)
        throw new EinopsError(`axis '${axis}' has sizes ${seen} and ${size}`);
      sizes.set(axis, Math.max(seen ?? 1, size));
    });
  });
  const output = outputText.trim().split(/\s+/).filter(Boolean);
  for (const axis of output) if (!sizes.has(axis)) throw new EinopsError(`output axis '${axis}' is not an input axis`);
  const shape = output.map((a) => sizes.get(a)!);
  if (shapes.length > 2) throw new EinopsError('einsum of more than two tensors is not analysed');
  const macs = shapes.length < 2 ? 0 : [...sizes.values()].reduce((acc, s) => acc * s, 1);
  return { shape, macs };
}

/** The weight shape, bias shape and output of an EinMix layer (`weight_shape='c c2'`, sizes as keywords). */
export function einMixShapes(
  pattern: string,
  weightShape: string,
  biasShape: string | undefined,
  sizes: Record<string, number>,
): { weight: number[]; bias: number[] | null; rightAxes: string[]; leftAxes: string[] } {
  const [leftText, rightText] = splitArrow(pattern);
  const leftAxes = leftText.trim().split(/\s+/);
  const rightAxes = rightText.trim().split(/\s+/);
  if ([...leftAxes, ...rightAxes].some((a) => a.includes('(') || a === '...'))
    throw new EinopsError('EinMix with grouped axes or an ellipsis is not analysed');
  const size = (axis: string) => {
    const s = sizes[axis];
    if (s === undefined) throw new EinopsError(`EinMix needs the size of axis '${axis}'`);
    return s;
  };
  const weight = weightShape.trim().split(/\s+/).map(size);
  const bias = biasShape ? rightAxes.map((a) => (biasShape.trim().split(/\s+/).includes(a) ? size(a) : 1)) : null;
  return { weight, bias, rightAxes, leftAxes };
}
