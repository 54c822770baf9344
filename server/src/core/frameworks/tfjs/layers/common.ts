// The contract every modelled tf.layers layer implements (channels-last shapes with the batch
// first, weights created when first applied) and the reader of a layer's options object.
import type { Range } from '../../../parse/syntax';
import type { JsValue, ObjectV, LayerV } from '../../../interpreter/typescript/values';

export { elementCount, ShapeError } from '../../../layers/layerSpec';

/** A concrete shape, batch dimension first. */
export type Shape = number[];

/** What one application of a layer produces and costs. */
export interface BuildResult {
  output: Shape;
  /** Further outputs (returnState: the final states), returned by apply() as an array with `output` first. */
  extraOutputs?: Shape[];
  /** Parameters as tfjs `model.summary()` counts them (trainable and non-trainable). */
  params: number;
  /** Multiply-accumulates (conv / dense / recurrent work); null when unknown (a custom layer's call()), with `costReason`. */
  macs: number | null;
  /** Why the cost is unknown while the output and parameters are known, and where. */
  costReason?: string;
  costRange?: Range;
  /** 2 × MACs plus the elementwise work (bias, activation, gates, pooling, norms); null when unknown. */
  flops: number | null;
}

/** A modelled tf.layers layer. */
export interface TfLayerSpec<C = unknown> {
  /** The tfjs class name, which also names instances (`Conv2D` → `conv2d_Conv2D1`). */
  className: string;
  /** Reads the options object; throws OptionError (invalid) or OptionUnknown (not static). */
  configure(o: LayerOptions): C;
  /** Output, parameters and costs for these input shapes; throws ShapeError when they do not fit. */
  build(c: C, inputs: Shape[]): BuildResult;
  /** Merge layers take a list of tensors. */
  multiInput?: boolean;
}

/** An option tfjs would reject (missing, wrong type, unsupported value). */
export class OptionError extends Error {
  constructor(
    message: string,
    readonly range?: Range,
  ) {
    super(message);
    this.name = 'OptionError';
  }
}

/** An option whose value is not known statically (it comes from process.argv, a fetch, ...). */
export class OptionUnknown extends Error {
  constructor(
    message: string,
    readonly range?: Range,
  ) {
    super(message);
    this.name = 'OptionUnknown';
  }
}

/** Reads a layer's options object, recording which names the spec asked for. */
export class LayerOptions {
  readonly read = new Set<string>();
  /** The Keras constructor arguments the options were mapped onto (frontEnd.ts), kept for graph synthesis. */
  bound?: Record<string, unknown>;

  constructor(
    readonly value: ObjectV,
    readonly factory: string,
  ) {}

  /** The raw value of an option; undefined when absent (or explicitly undefined). */
  get(name: string): JsValue | undefined {
    this.read.add(name);
    const v = this.value.props.get(name);
    if (!v || v.kind === 'undefined') return undefined;
    if (v.kind === 'unknown')
      throw new OptionUnknown(
        `${this.factory}: ${name} is not known statically: ${v.reason}`,
        v.range ?? this.value.ranges.get(name),
      );
    return v;
  }

  /** Where an option's value is written. */
  rangeOf(name: string): Range | undefined {
    return this.value.ranges.get(name);
  }

  /** True when the option is present and not null/undefined. */
  has(name: string): boolean {
    const v = this.get(name);
    return v !== undefined && v.kind !== 'null';
  }

  /** A number option; `required` ones throw when absent. */
  num(name: string, dflt?: number): number {
    const v = this.get(name);
    if (v === undefined || v.kind === 'null') {
      if (dflt !== undefined) return dflt;
      throw this.error(`required option '${name}' is missing`, name);
    }
    if (v.kind !== 'num') throw this.error(`${name} must be a number, got ${kindName(v)}`, name);
    return v.value;
  }

  /** A positive integer option. */
  int(name: string, dflt?: number, min = 1): number {
    const n = this.num(name, dflt);
    if (!Number.isInteger(n) || n < min) throw this.error(`${name} must be an integer ≥ ${min}, got ${n}`, name);
    return n;
  }

  /** A number-or-array option expanded to `n` integers (kernelSize: 3 → [3, 3]); arrays of length 1 repeat too. */
  ints(name: string, n: number, dflt?: number | number[]): number[] {
    const v = this.get(name);
    if (v === undefined || v.kind === 'null') {
      if (dflt === undefined) throw this.error(`required option '${name}' is missing`, name);
      return typeof dflt === 'number' ? Array(n).fill(dflt) : dflt;
    }
    if (v.kind === 'num') return positiveInts(Array(n).fill(v.value), name, this);
    if (
      v.kind === 'array' &&
      v.items.every((x) => x.kind === 'num') &&
      (v.items.length === n || v.items.length === 1)
    ) {
      const xs = v.items.map((x) => (x as { value: number }).value);
      return positiveInts(xs.length === 1 ? Array(n).fill(xs[0]) : xs, name, this);
    }
    for (const x of v.kind === 'array' ? v.items : [])
      if (x.kind === 'unknown')
        throw new OptionUnknown(`${this.factory}: ${name} is not known statically: ${x.reason}`, x.range);
    throw this.error(`${name} must be a number or an array of ${n} numbers`, name);
  }

  /** A string option, checked against `allowed`. */
  str(name: string, dflt: string, allowed?: readonly string[]): string {
    const v = this.get(name);
    if (v === undefined || v.kind === 'null') return dflt;
    if (v.kind !== 'str') throw this.error(`${name} must be a string, got ${kindName(v)}`, name);
    if (allowed && !allowed.includes(v.value))
      throw this.error(`${name} must be one of ${allowed.map((s) => `'${s}'`).join(', ')}, got '${v.value}'`, name);
    return v.value;
  }

  /** A string-or-null option (activation: null means linear). */
  strOrNull(name: string, dflt: string | null): string | null {
    const v = this.get(name);
    if (v === undefined) return dflt;
    if (v.kind === 'null') return null;
    if (v.kind !== 'str')
      throw new OptionUnknown(
        `${this.factory}: ${name} is ${kindName(v)}, which the analysis cannot price`,
        this.rangeOf(name),
      );
    return v.value;
  }

  /** A boolean option with tfjs's `x == null ? default : x` reading (any truthy value counts). */
  bool(name: string, dflt: boolean): boolean {
    const v = this.get(name);
    if (v === undefined || v.kind === 'null') return dflt;
    if (v.kind === 'bool') return v.value;
    if (v.kind === 'num') return v.value !== 0;
    if (v.kind === 'str') return v.value !== '';
    return true;
  }

  /** A shape option: an array of integers (and nulls where `allowNull`). */
  shape(name: string, allowNull = false): (number | null)[] | undefined {
    const v = this.get(name);
    if (v === undefined || v.kind === 'null') return undefined;
    const items = v.kind === 'array' ? v.items : v.kind === 'num' ? [v] : null;
    if (!items) throw this.error(`${name} must be an array of integers, got ${kindName(v)}`, name);
    return items.map((x) => {
      if (x.kind === 'unknown')
        throw new OptionUnknown(
          `${this.factory}: ${name} is not known statically: ${x.reason}`,
          x.range ?? this.rangeOf(name),
        );
      if (allowNull && (x.kind === 'null' || x.kind === 'undefined')) return null;
      if (x.kind !== 'num' || !Number.isInteger(x.value))
        throw this.error(`${name} must be an array of integers`, name);
      return x.value;
    });
  }

  /** A wrapped layer option (Bidirectional / TimeDistributed `layer`). */
  layer(name: string): LayerV {
    const v = this.get(name);
    if (!v || v.kind !== 'layer')
      throw this.error(`option '${name}' must be a layer (e.g. tf.layers.lstm({...}))`, name);
    if (v.reason)
      throw new OptionUnknown(`${this.factory}: the wrapped ${v.name}: ${v.reason}`, v.reasonRange ?? v.range);
    return v;
  }

  private error(message: string, name: string): OptionError {
    return new OptionError(`${this.factory}: ${message}`, this.rangeOf(name));
  }
}

function positiveInts(xs: number[], name: string, o: LayerOptions): number[] {
  if (xs.some((x) => !Number.isInteger(x) || x < 1))
    throw new OptionError(`${o.factory}: ${name} must be positive integers, got [${xs.join(', ')}]`, o.rangeOf(name));
  return xs;
}

function kindName(v: JsValue): string {
  return v.kind === 'num'
    ? 'a number'
    : v.kind === 'str'
      ? 'a string'
      : v.kind === 'bool'
        ? 'a boolean'
        : v.kind === 'array'
          ? 'an array'
          : `a ${v.kind}`;
}

/** `[1, 28, 28, 1]` for messages (the batch shown as null, as tfjs prints it). */
export function showShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
