// tf.layers merge layers: concatenate (along an axis) and the elementwise add, multiply, average,
// maximum, minimum; each takes a list of tensors in apply([...]).
import { type TfLayerSpec, type Shape, OptionError, ShapeError, elementCount, showShape } from './common';

/** tf.layers.concatenate({axis = -1}): shapes must agree except along the axis. */
export const concatenate: TfLayerSpec<{ axis: number }> = {
  className: 'Concatenate',
  multiInput: true,
  configure(o) {
    const axis = o.num('axis', -1);
    if (!Number.isInteger(axis)) throw new OptionError('concatenate: axis must be an integer', o.rangeOf('axis'));
    return { axis };
  },
  build(c, xs) {
    if (xs.length < 2)
      throw new ShapeError(`concatenate should be called on a list of at least 2 inputs, got ${xs.length}`);
    const rank = xs[0].length;
    const axis = c.axis < 0 ? rank + c.axis : c.axis;
    if (axis <= 0 || axis >= rank)
      throw new ShapeError(`concatenate: axis ${c.axis} is out of range for inputs of rank ${rank}`);
    for (const x of xs) {
      if (x.length !== rank || x.some((d, i) => i !== axis && d !== xs[0][i])) {
        throw new ShapeError(
          `concatenate requires inputs with matching shapes except for the concat axis; got inputs shapes: ${xs.map(showShape).join(', ')}`,
        );
      }
    }
    const out = [...xs[0]];
    out[axis] = xs.reduce((s, x) => s + x[axis], 0);
    return { output: out, params: 0, macs: 0, flops: 0 };
  },
};

/** The broadcast shape of the merge inputs (tfjs allows equal ranks with 1s broadcasting). */
function broadcast(layer: string, xs: Shape[]): Shape {
  if (xs.length < 2) throw new ShapeError(`${layer} should be called on a list of at least 2 inputs, got ${xs.length}`);
  const rank = xs[0].length;
  const out = [...xs[0]];
  for (const x of xs.slice(1)) {
    if (x.length !== rank)
      throw new ShapeError(`${layer}: inputs must have the same rank, got ${xs.map(showShape).join(' and ')}`);
    for (let i = 0; i < rank; i++) {
      if (x[i] === out[i] || x[i] === 1) continue;
      if (out[i] === 1) out[i] = x[i];
      else
        throw new ShapeError(
          `${layer}: operands could not be broadcast together with shapes ${xs.map(showShape).join(' ')}`,
        );
    }
  }
  return out;
}

/** An elementwise merge costing `perInput(n)` FLOPs per output element for n inputs. */
function elementwise(className: string, layer: string, perElement: (n: number) => number): TfLayerSpec<null> {
  return {
    className,
    multiInput: true,
    configure: () => null,
    build(_c, xs) {
      const out = broadcast(layer, xs);
      return { output: out, params: 0, macs: 0, flops: perElement(xs.length) * elementCount(out) };
    },
  };
}

export const add = elementwise('Add', 'add', (n) => n - 1);
export const multiply = elementwise('Multiply', 'multiply', (n) => n - 1);
export const average = elementwise('Average', 'average', (n) => n);
export const maximum = elementwise('Maximum', 'maximum', (n) => n - 1);
export const minimum = elementwise('Minimum', 'minimum', (n) => n - 1);
