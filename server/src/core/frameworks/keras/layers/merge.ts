// keras.layers merge layers, called on a list of tensors: Concatenate, Add, Subtract, Multiply,
// Average, Maximum, Minimum and Dot. Only Dot does multiply-accumulates.
import { type KerasLayerSpec, type Shape, elems, showShape, LayerArgError, ShapeError } from './spec';

/** Broadcasts two shapes the way Keras's merge layers do (None matches anything). */
export function broadcastShapes(a: Shape, b: Shape): Shape {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (Number.isFinite(x) && Number.isFinite(y) && x !== y && x !== 1 && y !== 1) {
      throw new ShapeError(`Inputs have incompatible shapes. Received shapes ${showShape(a)} and ${showShape(b)}`);
    }
    out.push(x === 1 ? y : y === 1 ? x : Number.isFinite(x) ? x : y);
  }
  return out;
}

function requireList(op: string, inputs: Shape[], min = 2): void {
  if (inputs.length < min)
    throw new ShapeError(
      `A \`${op}\` layer should be called on a list of at least ${min} inputs. Received: ${inputs.length} input(s)`,
    );
}

/** An elementwise merge: output = broadcast of the inputs; `flopsPer(n)` FLOPs per output element. */
function elementwise(op: string, flopsPer: (n: number) => number, exactly?: number): KerasLayerSpec<null> {
  return {
    op,
    inputs: 'list',
    args: [],
    configure: () => null,
    build: () => [],
    call: (_c, inputs) => {
      requireList(op, inputs);
      if (exactly && inputs.length !== exactly)
        throw new ShapeError(
          `A \`${op}\` layer should be called on exactly ${exactly} inputs. Received: ${inputs.length}`,
        );
      const out = inputs.reduce(broadcastShapes);
      return { outputs: [out], macs: 0, extraFlops: elems(out) * flopsPer(inputs.length) };
    },
  };
}

/** Concatenate(axis): every other dimension must agree. */
const Concatenate: KerasLayerSpec<number> = {
  op: 'Concatenate',
  inputs: 'list',
  args: [{ name: 'axis', default: -1 }],
  configure: (a) => {
    if (typeof a.axis !== 'number' || !Number.isInteger(a.axis))
      throw new LayerArgError(`axis must be an int, got ${JSON.stringify(a.axis)}`);
    return a.axis;
  },
  build: () => [],
  call: (axis, inputs) => {
    requireList('Concatenate', inputs, 1);
    const rank = inputs[0].length;
    const ax = axis < 0 ? axis + rank : axis;
    const bad = () =>
      new ShapeError(
        `A \`Concatenate\` layer requires inputs with matching shapes except for the concatenation axis. Received: input_shape=[${inputs.map(showShape).join(', ')}]`,
      );
    if (ax < 0 || ax >= rank || inputs.some((s) => s.length !== rank)) throw bad();
    for (const s of inputs) {
      if (s.some((d, i) => i !== ax && Number.isFinite(d) && Number.isFinite(inputs[0][i]) && d !== inputs[0][i]))
        throw bad();
    }
    const out = inputs[0].map((d, i) => (i === ax ? inputs.reduce((sum, s) => sum + s[ax], 0) : d));
    return { outputs: [out], macs: 0 };
  },
};

interface DotConfig {
  axes: [number, number];
  normalize: boolean;
}

/** Dot(axes): batched dot product of two tensors along one axis each. */
const Dot: KerasLayerSpec<DotConfig> = {
  op: 'Dot',
  inputs: 'list',
  args: [
    { name: 'axes', required: true },
    { name: 'normalize', default: false },
  ],
  configure: (a) => {
    const v = a.axes;
    const axes =
      typeof v === 'number'
        ? [v, v]
        : Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')
          ? v
          : null;
    if (!axes)
      throw new LayerArgError(
        `Invalid format for argument \`axes\`: expected an int or a list of 2 ints, got ${JSON.stringify(v)}`,
      );
    return { axes: axes as [number, number], normalize: a.normalize === true };
  },
  build: () => [],
  call: (c, inputs) => {
    requireList('Dot', inputs, 2);
    const [x, y] = inputs;
    const ax = c.axes[0] < 0 ? c.axes[0] + x.length : c.axes[0];
    const ay = c.axes[1] < 0 ? c.axes[1] + y.length : c.axes[1];
    if (x[ax] !== y[ay] && Number.isFinite(x[ax]) && Number.isFinite(y[ay])) {
      throw new ShapeError(
        `Incompatible input shapes: axis values ${x[ax]} (at axis ${ax}) != ${y[ay]} (at axis ${ay}). Full input shapes: ${showShape(x)}, ${showShape(y)}`,
      );
    }
    const rest = [...x.slice(1).filter((_, i) => i + 1 !== ax), ...y.slice(1).filter((_, i) => i + 1 !== ay)];
    const out = [x[0], ...(rest.length ? rest : [1])];
    return { outputs: [out], macs: elems(out) * x[ax], extraFlops: c.normalize ? 3 * (elems(x) + elems(y)) : 0 };
  },
};

export const MERGE_LAYERS: KerasLayerSpec<any>[] = [
  Concatenate,
  Dot,
  elementwise('Add', (n) => n - 1),
  elementwise('Subtract', () => 1, 2),
  elementwise('Multiply', (n) => n - 1),
  elementwise('Average', (n) => n),
  elementwise('Maximum', (n) => n - 1),
  elementwise('Minimum', (n) => n - 1),
];

/** The lower-case functional forms (`layers.add([a, b])`) and the class each builds. */
export const MERGE_FUNCTIONS: Record<string, string> = {
  add: 'Add',
  subtract: 'Subtract',
  multiply: 'Multiply',
  average: 'Average',
  maximum: 'Maximum',
  minimum: 'Minimum',
  concatenate: 'Concatenate',
  dot: 'Dot',
};
