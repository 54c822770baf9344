// The small part of numpy that model code computes its configuration with (torchvision's MaxViT:
// `np.linspace(0, p, n).tolist()` for its stochastic-depth rates): arrays are the interpreter's
// tensors with known elements, so `.tolist()` and indexing read them; the rest of numpy is opaque.
import { type Value, type NamespaceV, float, builtin } from '../../interpreter/python/values';

/** numpy's `linspace` and `arange` (float64 / int64 arrays of known elements), its constants, else opaque. */
export function numpyNamespace(torch: NamespaceV): NamespaceV {
  const attrs = new Map<string, Value>([
    ['pi', float(Math.PI)],
    ['e', float(Math.E)],
    ['inf', float(Infinity)],
  ]);
  for (const name of ['linspace', 'arange']) {
    const make = torch.attrs.get(name);
    if (make?.kind !== 'builtin') continue;
    attrs.set(
      name,
      builtin(`numpy.${name}`, (args, kw, site) => {
        const dtype = kw.get('dtype') ?? { kind: 'str', value: name === 'linspace' ? 'float64' : arangeType(args) };
        return make.call(args, new Map([...kw, ['dtype', dtype]]), site);
      }),
    );
  }
  return { kind: 'namespace', name: 'numpy', attrs, opaque: 'numpy is not modelled beyond linspace and arange' };
}

/** numpy's arange gives int64 for integer arguments and float64 when any is a float. */
function arangeType(args: Value[]): string {
  return args.some((a) => a.kind === 'float') ? 'float64' : 'int64';
}
