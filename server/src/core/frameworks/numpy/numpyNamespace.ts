// The `numpy` and `numpy.random` namespaces as the interpreter sees them: the array factories an example
// input is built with (`np.random.rand(1, 3, 224, 224)`, `np.zeros((8, 784))`, `np.array([[...]])`),
// giving arrays as tensors of NumPy's dtypes (float64 unless stated) whose origin names the call, so the
// input rules can find them and `torch.from_numpy` / Keras can take them. linspace, arange and the
// constants come from the torch runtime's numpy (frameworks/torch/numpyNamespace.ts); the rest is opaque.
import {
  type Value,
  type TensorV,
  type CallSite,
  type NamespaceV,
  NONE,
  str,
  builtin,
  unknown,
  isSequence,
} from '../../interpreter/python/values';
import type { DType } from '../../layers/layerSpec';
import { dimsArg, DTYPES } from '../torch/tensorOps';

type Fn = (args: Value[], kw: Map<string, Value>, site: CallSite) => Value;
type SizeOf = (args: Value[], kw: Map<string, Value>) => Value | Value[] | undefined;

/** The origin prefix of every NumPy array: the input rules use it to say the array is NumPy's. */
export const NUMPY_ORIGIN = 'numpy.';

/** Whether a tensor value is a NumPy array this namespace built. */
export function isNumpyArray(t: TensorV): boolean {
  return !!t.origin?.startsWith(NUMPY_ORIGIN);
}

/** A dtype argument (`np.float32`, `"float32"`, `torch.long`), else `fallback`. */
function dtypeOf(v: Value | undefined, fallback: DType): DType {
  if (v?.kind !== 'str') return fallback;
  return DTYPES[v.value.replace(/^(np|numpy)\./, '')] ?? fallback;
}

/** An array of the shape `size` gives: `None` a scalar, an int a vector, a tuple the shape. */
function array(name: string, size: Value | Value[] | undefined, dtype: DType, site: CallSite): Value {
  const args = size === undefined ? [] : Array.isArray(size) ? size : size.kind === 'none' ? [] : [size];
  const bad = args.find((a) => a.kind === 'unknown');
  if (bad) return bad;
  const shape = dimsArg(args, `numpy.${name} size`);
  if (shape.some((d) => d < 0)) return unknown(`numpy.${name}: negative dimensions are not allowed`, site.range);
  return { kind: 'tensor', shape, dtype, origin: `${NUMPY_ORIGIN}${name}, line ${site.range.start.line + 1}` };
}

function factory(
  name: string,
  dtype: DType,
  sizeOf: SizeOf,
  dtypeArg?: (kw: Map<string, Value>) => Value | undefined,
): Fn {
  return (args, kw, site) => array(name, sizeOf(args, kw), dtypeOf(dtypeArg?.(kw) ?? kw.get('dtype'), dtype), site);
}

/** `np.array([[1, 2], [3, 4]])`: the nesting of the literal gives the shape; ints int64, else float64. */
function arrayLiteral(args: Value[], kw: Map<string, Value>, site: CallSite): Value {
  const d = args[0];
  if (!d) return unknown('numpy.array() needs data', site.range);
  if (d.kind === 'tensor') return d.shape ? { ...d, values: undefined, dtype: dtypeOf(kw.get('dtype'), d.dtype) } : d;
  const shape: number[] = [];
  let v: Value | undefined = d;
  while (v && isSequence(v)) {
    shape.push(v.items.length);
    v = v.items[0];
  }
  if (v && v.kind !== 'int' && v.kind !== 'float' && v.kind !== 'bool')
    return unknown('numpy.array of this data is not modelled', site.range);
  const natural: DType = v?.kind === 'int' ? 'int64' : v?.kind === 'bool' ? 'bool' : 'float64';
  return {
    kind: 'tensor',
    shape,
    dtype: dtypeOf(kw.get('dtype'), natural),
    origin: `${NUMPY_ORIGIN}array, line ${site.range.start.line + 1}`,
  };
}

/** `like(a)`: an array of a's shape (and dtype unless given). */
function likeFactory(name: string): Fn {
  return ([a], kw, site) =>
    a?.kind === 'tensor' && a.shape
      ? array(name, [tupleOf(a.shape)], dtypeOf(kw.get('dtype'), a.dtype), site)
      : (a ?? NONE);
}

const tupleOf = (shape: number[]): Value => ({ kind: 'tuple', items: shape.map((d) => ({ kind: 'int', value: d })) });
const varargs: SizeOf = (a) => a;
const first: SizeOf = (a, k) => k.get('shape') ?? a[0];
const sizeKw =
  (position: number): SizeOf =>
  (a, k) =>
    k.get('size') ?? a[position];

/** The random functions of `numpy.random` and of a `default_rng()` generator (same names, same sizes). */
function randomFunctions(prefix: string): [string, Fn][] {
  const at = (name: string, dtype: DType, size: SizeOf): [string, Fn] => [
    name,
    factory(`${prefix}${name}`, dtype, size),
  ];
  return [
    at('rand', 'float64', varargs),
    at('randn', 'float64', varargs),
    at('random', 'float64', sizeKw(0)),
    at('random_sample', 'float64', sizeKw(0)),
    at('standard_normal', 'float64', sizeKw(0)),
    at('uniform', 'float64', sizeKw(2)),
    at('normal', 'float64', sizeKw(2)),
    at('randint', 'int64', sizeKw(2)),
    at('integers', 'int64', sizeKw(2)),
    at('binomial', 'int64', sizeKw(2)),
    at('choice', 'int64', sizeKw(1)),
  ];
}

/**
 * The `numpy` and `numpy.random` modules; `base` (the torch runtime's numpy: linspace, arange and the
 * constants model code computes its configuration with) is kept beside the factories here.
 */
export function numpyModules(base?: NamespaceV): Record<string, NamespaceV> {
  const generator: NamespaceV = {
    kind: 'namespace',
    name: 'numpy.random.Generator',
    attrs: new Map(randomFunctions('random.default_rng().').map(([k, f]) => [k, builtin(k, f)])),
    opaque: 'this numpy.random.Generator method is not modelled',
  };
  const random: NamespaceV = {
    kind: 'namespace',
    name: 'numpy.random',
    attrs: new Map<string, Value>([
      ...randomFunctions('random.').map(([k, f]): [string, Value] => [k, builtin(`numpy.random.${k}`, f)]),
      ['seed', builtin('numpy.random.seed', () => NONE)],
      ['default_rng', builtin('numpy.random.default_rng', () => generator)],
    ]),
    opaque: 'numpy.random member is not modelled',
  };
  const attrs = new Map<string, Value>([['random', random]]);
  for (const [name, dtype, size] of [
    ['zeros', 'float64', first],
    ['ones', 'float64', first],
    ['empty', 'float64', first],
    ['full', 'float64', first],
  ] as const)
    attrs.set(name, builtin(`numpy.${name}`, factory(name, dtype, size)));
  for (const name of ['zeros_like', 'ones_like', 'empty_like', 'full_like'])
    attrs.set(name, builtin(`numpy.${name}`, likeFactory(name)));
  attrs.set('array', builtin('numpy.array', arrayLiteral));
  attrs.set('asarray', builtin('numpy.asarray', arrayLiteral));
  for (const name of ['float32', 'float64', 'float16', 'int64', 'int32', 'uint8']) attrs.set(name, str(name));
  attrs.set('bool_', str('bool'));
  attrs.set('float_', str('float64'));
  attrs.set('newaxis', NONE);
  for (const [k, v] of base?.attrs ?? []) if (!attrs.has(k)) attrs.set(k, v);
  const numpy: NamespaceV = { kind: 'namespace', name: 'numpy', attrs, opaque: 'numpy member is not modelled' };
  return { numpy, 'numpy.random': random };
}
