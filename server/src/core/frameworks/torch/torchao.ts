// torchao, PyTorch's quantization and sparsity library for GPUs: `quantize_(model, config)` converts
// the model's Linear layers in place (float8 dynamic activation + weight: fp8 tensor cores on Ada and
// Hopper; int8 dynamic activation + weight), and `sparsify_(model, semi_sparse_weight())` converts their
// weights to 2:4 semi-structured sparse tensors (torch.sparse.to_sparse_semi_structured), which run on
// sparse tensor cores. The structure and MACs are unchanged; the calls run as the config states.
import type { Precision } from '../../report/types';
import type { CallSite, ClassV, NamespaceV, Value } from '../../interpreter/python/values';
import { NONE, builtin } from '../../interpreter/python/values';
import { allModules, builtinClass } from './modules';
import type { TorchRuntime } from './runtime';

/** What a torchao config does to the Linear layers it converts. */
type ConfigEffect = { precision: Precision } | { sparsity: '2:4' };

/** torchao config classes (and the functions older torchao releases named them by) and their effect. */
const CONFIGS: Record<string, ConfigEffect> = {
  Float8DynamicActivationFloat8WeightConfig: { precision: 'fp8' },
  float8_dynamic_activation_float8_weight: { precision: 'fp8' },
  Int8DynamicActivationInt8WeightConfig: { precision: 'int8' },
  int8_dynamic_activation_int8_weight: { precision: 'int8' },
  SemiSparseWeightConfig: { sparsity: '2:4' },
  semi_sparse_weight: { sparsity: '2:4' },
};

const configClasses = new Map<string, ClassV>(
  Object.keys(CONFIGS).map((name) => [name, builtinClass(name, 'object', [], {})]),
);

/** The effect of a config value built by one of CONFIGS' constructors, if it is one. */
function effectOf(config: Value | undefined): { name: string; effect: ConfigEffect } | undefined {
  if (config?.kind !== 'instance') return undefined;
  const name = config.cls.name;
  return configClasses.get(name) === config.cls ? { name, effect: CONFIGS[name] } : undefined;
}

/** `quantize_` / `sparsify_`: the config's effect on every Linear layer of the model, in place. */
function convertLinears(rt: TorchRuntime, fn: string) {
  return builtin(fn, ([m, c], kw, site: CallSite) => {
    const model = m ?? kw.get('model');
    const config = effectOf(c ?? kw.get('config') ?? kw.get('apply_tensor_subclass'));
    if (model?.kind !== 'module' || !config) return NONE;
    const source = `torchao ${fn}(${config.name}()), line ${site.range.start.line + 1}`;
    for (const sub of allModules(model)) {
      if (sub.spec?.op !== 'Linear') continue;
      if ('precision' in config.effect) rt.precision.quantize(sub, { precision: config.effect.precision, source });
      else rt.precision.sparsify(sub, source);
    }
    return NONE;
  });
}

/** The torchao modules the analyser models: torchao, torchao.quantization, torchao.sparsity. */
export function torchaoModules(rt: TorchRuntime): Record<string, NamespaceV> {
  const config = (name: string) => {
    const cls = configClasses.get(name)!;
    return builtin(name, () => ({ kind: 'instance', cls, attrs: new Map() }));
  };
  const namespace = (name: string, attrs: [string, Value][]): NamespaceV => ({
    kind: 'namespace',
    name,
    attrs: new Map(attrs),
    opaque: `${name}: only quantize_ / sparsify_ with the float8, int8 dynamic and 2:4 semi-sparse configs are modelled`,
  });
  const quantizationNames = Object.keys(CONFIGS).filter((n) => !('sparsity' in CONFIGS[n]));
  const sparsityNames = Object.keys(CONFIGS).filter((n) => 'sparsity' in CONFIGS[n]);
  const quantization = namespace('torchao.quantization', [
    ['quantize_', convertLinears(rt, 'quantize_')],
    ...quantizationNames.map((n): [string, Value] => [n, config(n)]),
  ]);
  const sparsity = namespace('torchao.sparsity', [
    ['sparsify_', convertLinears(rt, 'sparsify_')],
    ...sparsityNames.map((n): [string, Value] => [n, config(n)]),
  ]);
  const root = namespace('torchao', [
    ['quantization', quantization],
    ['sparsity', sparsity],
    ['quantize_', quantization.attrs.get('quantize_')!],
  ]);
  return { torchao: root, 'torchao.quantization': quantization, 'torchao.sparsity': sparsity };
}
