// The modules Keras code imports, as the interpreter sees them: keras, keras.layers, keras.models,
// keras.ops, keras.activations, tensorflow (tf.keras, tf.nn, tf.random) and tf_keras.
import {
  type Value,
  type NamespaceV,
  type CallSite,
  type BuiltinV,
  NONE,
  str,
  float,
  unknown,
  builtin,
  isSequence,
} from '../../interpreter/python/values';
import { raise } from '../../interpreter/python/errors';
import type { KerasRuntime } from './runtime';
import { KerasClasses } from './classes';
import { KERAS_ALIASES, MERGE_FUNCTIONS } from './layers';
import { ACTIVATION_OPS, ACTIVATION_PREFIX } from './layers/activations';
import { opsFunctions } from './ops';
import { shapeFromValue } from './args';

const ns = (name: string, attrs: Map<string, Value>, opaque?: string): NamespaceV => ({
  kind: 'namespace',
  name,
  attrs,
  opaque,
});
const opaqueNs = (name: string, extra: [string, Value][] = []): NamespaceV =>
  ns(name, new Map(extra), `${name} is not modelled`);
const identity = builtin('identity', ([f]) => f ?? NONE);
/** A decorator usable with or without arguments: `@tf.function` and `@tf.function(jit_compile=True)`. */
const decorator = (name: string) =>
  builtin(name, (args) => (args[0] && args[0].kind !== 'str' && args[0].kind !== 'bool' ? args[0] : identity));

/** keras.Input(shape=..., batch_size=..., dtype=...): a symbolic tensor with batch 1 (or --batch). */
function inputFunction(rt: KerasRuntime, name: string): BuiltinV {
  return builtin(name, (args, kw, site) => {
    const shapeV = kw.get('shape') ?? kw.get('input_shape') ?? args[0];
    const batchV = kw.get('batch_size') ?? args[1];
    const batch = rt.options.batch ?? (batchV?.kind === 'int' ? batchV.value : 1);
    const full = shapeFromValue(kw.get('batch_shape') ?? kw.get('batch_input_shape'), batch)?.[0];
    const fromData = !full && isFromData(shapeV);
    const stated = fromData ? statedInput(rt, site) : undefined;
    const dims =
      stated?.shape ??
      full ??
      (shapeV && isSequence(shapeV) && !fromData ? [batch, ...shapeFromValue(shapeV, batch, false)![0]] : undefined);
    if (!dims && !fromData) return unknown(`${name}() needs shape= as a tuple`, site.range);
    const dtypeV = kw.get('dtype') ?? args[2];
    const dtype =
      dtypeV?.kind === 'str' && /^int(32|64)$/.test(dtypeV.value) ? (dtypeV.value as 'int32' | 'int64') : 'float32';
    const line = site.range.start.line + 1;
    const why = `the input shape of ${name}() at line ${line} comes from data (${dataReason(shapeV)}): declare it with '# wattlens: input=(...)' or pass --input`;
    const t = dims
      ? rt.tensor(
          dims,
          dtype,
          undefined,
          stated?.source ?? `keras.Input(${shownShape(dims)}), line ${line}, batch ${batch}`,
        )
      : rt.tensor(null, dtype, why);
    const nameV = kw.get('name');
    rt.graph.markInput(t, { range: site.range, name: nameV?.kind === 'str' ? nameV.value : 'keras_tensor' });
    return t;
  });
}

/** `shape=(128, None)` as Keras prints it. */
function shownShape(dims: number[]): string {
  const shown = dims.slice(1).map((d) => (Number.isFinite(d) ? d : 'None'));
  return `shape=(${shown.join(', ')}${dims.length === 2 ? ',' : ''})`;
}

/** True when an Input's shape is read from data (x_train.shape[1:]) rather than written (None included). */
function isFromData(v: Value | undefined): boolean {
  if (!v) return false;
  if (v.kind === 'unknown') return true;
  return isSequence(v) && v.items.some((d) => d.kind !== 'int' && d.kind !== 'none');
}

function dataReason(v: Value | undefined): string {
  if (v?.kind === 'unknown') return v.reason;
  const item = v && isSequence(v) ? v.items.find((d) => d.kind === 'unknown') : undefined;
  return item?.kind === 'unknown' ? item.reason : 'its dimensions are not known statically';
}

/**
 * The shape the user states for an Input built from data: --input, or a `# wattlens: input=` comment
 * on (or up to two lines above) the Input() call or any call of the file's functions that led to it
 * (`model = build_model(...)` with the comment above it). The trace then builds with it.
 */
function statedInput(rt: KerasRuntime, site: CallSite): { shape: number[]; source: string } | undefined {
  const batchOf = (s: number[]) => (rt.options.batch ? [rt.options.batch, ...s.slice(1)] : s);
  const given = rt.options.input?.[rt.inputsStated++];
  if (given) return { shape: batchOf(given), source: '--input' };
  for (const line of [site.range.start.line, ...[...rt.interp.callLines].reverse()]) {
    for (const l of [line, line - 1, line - 2]) {
      const shapes = rt.options.declaredInputs.get(l);
      if (shapes?.length === 1)
        return { shape: batchOf(shapes[0]), source: `# wattlens: input comment, line ${l + 1}` };
    }
  }
  return undefined;
}

/** keras.layers: every layer class, aliases, Input/InputLayer and the lower-case merge functions. */
function layersNamespace(rt: KerasRuntime, classes: KerasClasses, name: string): NamespaceV {
  const attrs = new Map<string, Value>(classes.leaves);
  for (const [alias, target] of Object.entries(KERAS_ALIASES)) attrs.set(alias, classes.leaves.get(target)!);
  attrs.set('Layer', classes.Layer);
  attrs.set('Input', inputFunction(rt, 'Input'));
  attrs.set('InputLayer', inputFunction(rt, 'InputLayer'));
  for (const [fn, cls] of Object.entries(MERGE_FUNCTIONS)) {
    attrs.set(
      fn,
      builtin(`layers.${fn}`, (args, kw, site) => mergeFunction(rt, classes, cls, args, kw, site)),
    );
  }
  attrs.set('Lambda', classes.Lambda);
  const layers = ns(name, attrs, `${name} member is not modelled`);
  const preprocessing = ns(`${name}.experimental.preprocessing`, attrs, 'preprocessing layer is not modelled');
  attrs.set(
    'experimental',
    ns(`${name}.experimental`, new Map([['preprocessing', preprocessing]]), 'experimental layer is not modelled'),
  );
  return layers;
}

/** `layers.add([a, b])`: builds the merge layer and calls it on the inputs. */
function mergeFunction(
  rt: KerasRuntime,
  classes: KerasClasses,
  cls: string,
  args: Value[],
  kw: Map<string, Value>,
  site: CallSite,
): Value {
  const inputs =
    args[0] ?? kw.get('inputs') ?? raise('TypeError', `${cls.toLowerCase()}() needs a list of inputs`, site.range);
  const ctorKw = new Map([...kw].filter(([k]) => k !== 'inputs'));
  const layer = rt.interp.callValue(classes.leaves.get(cls)!, args.slice(1), ctorKw, site);
  return rt.callLayer(layer as never, [inputs], new Map(), site);
}

/** Activation functions: callable on tensors, and recognised when passed as `activation=`. */
function activationsNamespace(ops: Map<string, Value>, name: string): NamespaceV {
  const attrs = new Map<string, Value>();
  for (const act of Object.keys(ACTIVATION_OPS)) {
    const f = ops.get(act) as BuiltinV;
    attrs.set(act, builtin(`${ACTIVATION_PREFIX}${act}`, f.call));
  }
  attrs.set(
    'get',
    builtin('activations.get', ([v]) => (v?.kind === 'str' ? str(`${ACTIVATION_PREFIX}${v.value}`) : (v ?? NONE))),
  );
  return ns(name, attrs, `${name} member is not modelled`);
}

/**
 * `keras.mixed_precision`: `set_global_policy("mixed_float16" | "mixed_bfloat16" | "float32")` (and a
 * `Policy(name)`, the older `experimental.set_policy`): layers built afterwards compute at that precision.
 */
function mixedPrecisionNamespace(rt: KerasRuntime, name: string): NamespaceV {
  const setPolicy = (fn: string) =>
    builtin(`${name}.${fn}`, ([p], kw, site) => {
      const policy = p ?? kw.get('policy');
      rt.setPolicy(
        policy?.kind === 'str' ? policy.value : undefined,
        `${fn}(${policy?.kind === 'str' ? JSON.stringify(policy.value) : '…'}), line ${site.range.start.line + 1}`,
      );
      return NONE;
    });
  const policy = builtin(`${name}.Policy`, ([p], kw) => p ?? kw.get('name') ?? NONE);
  return ns(
    name,
    new Map<string, Value>([
      ['set_global_policy', setPolicy('set_global_policy')],
      ['Policy', policy],
      ['global_policy', builtin(`${name}.global_policy`, () => str(rt.policyName))],
      [
        'experimental',
        ns(
          `${name}.experimental`,
          new Map<string, Value>([
            ['set_policy', setPolicy('set_policy')],
            ['Policy', policy],
          ]),
          `${name}.experimental member is not modelled`,
        ),
      ],
    ]),
    `${name} member is not modelled`,
  );
}

/** Builds the Keras and TensorFlow namespaces, keyed by dotted module name. */
export function kerasModules(rt: KerasRuntime): Record<string, NamespaceV> {
  const classes = new KerasClasses(rt);
  rt.classes = classes;
  const ops = opsFunctions(rt, 'keras.ops');
  const activations = activationsNamespace(ops, 'keras.activations');
  const build = (root: string) => {
    const layers = layersNamespace(rt, classes, `${root}.layers`);
    const models = ns(
      `${root}.models`,
      new Map<string, Value>([
        ['Sequential', classes.Sequential],
        ['Model', classes.Model],
        [
          'load_model',
          builtin('load_model', (_a, _k, site) => unknown('load_model() reads a saved model from disk', site.range)),
        ],
      ]),
      `${root}.models member is not modelled`,
    );
    const attrs = new Map<string, Value>([
      ['Sequential', classes.Sequential],
      ['Model', classes.Model],
      ['Layer', classes.Layer],
      ['Input', layers.attrs.get('Input')!],
      ['layers', layers],
      ['models', models],
      [
        'ops',
        ns(
          `${root}.ops`,
          new Map<string, Value>([
            ...ops,
            ['image', opaqueNs(`${root}.ops.image`, [['extract_patches', ops.get('extract_patches')!]])],
          ]),
          'keras.ops member is not modelled',
        ),
      ],
      ['activations', activations],
      ['random', ns(`${root}.random`, ops, 'keras.random member is not modelled')],
      [
        'saving',
        opaqueNs(`${root}.saving`, [['register_keras_serializable', decorator('register_keras_serializable')]]),
      ],
      [
        'utils',
        opaqueNs(`${root}.utils`, [
          ['plot_model', builtin('plot_model', () => NONE)],
          ['set_random_seed', builtin('set_random_seed', () => NONE)],
        ]),
      ],
      [
        'backend',
        opaqueNs(`${root}.backend`, [
          ['clear_session', builtin('clear_session', () => NONE)],
          ['epsilon', builtin('epsilon', () => float(1e-7))],
          ['random_normal', ops.get('normal')!],
          ['random_uniform', ops.get('uniform')!],
          ['shape', ops.get('shape')!],
        ]),
      ],
      ['config', opaqueNs(`${root}.config`, [['epsilon', builtin('epsilon', () => float(1e-7))]])],
    ]);
    for (const o of [
      'optimizers',
      'losses',
      'metrics',
      'callbacks',
      'datasets',
      'regularizers',
      'initializers',
      'constraints',
      'preprocessing',
      'applications',
    ]) {
      attrs.set(o, opaqueNs(`${root}.${o}`));
    }
    attrs.set('mixed_precision', mixedPrecisionNamespace(rt, `${root}.mixed_precision`));
    return { keras: ns(root, attrs, `${root} member is not modelled`), layers, models };
  };
  const k = build('keras');
  const tk = build('tensorflow.keras');
  const legacy = build('tf_keras');
  const tf = tensorflowNamespace(rt, tk.keras);
  const out: Record<string, NamespaceV> = { tensorflow: tf };
  for (const [root, m] of [
    ['keras', k],
    ['tensorflow.keras', tk],
    ['tf_keras', legacy],
  ] as const) {
    out[root] = m.keras;
    out[`${root}.layers`] = m.layers;
    out[`${root}.models`] = m.models;
    for (const sub of [
      'ops',
      'activations',
      'random',
      'saving',
      'utils',
      'backend',
      'optimizers',
      'losses',
      'metrics',
      'callbacks',
      'datasets',
      'regularizers',
      'initializers',
      'applications',
      'mixed_precision',
    ]) {
      out[`${root}.${sub}`] = m.keras.attrs.get(sub) as NamespaceV;
    }
    out[`${root}.layers.experimental`] = m.layers.attrs.get('experimental') as NamespaceV;
    out[`${root}.layers.experimental.preprocessing`] = (m.layers.attrs.get('experimental') as NamespaceV).attrs.get(
      'preprocessing',
    ) as NamespaceV;
  }
  for (const sub of ['nn', 'math', 'random', 'linalg']) out[`tensorflow.${sub}`] = tf.attrs.get(sub) as NamespaceV;
  return out;
}

/** `tensorflow`: tf.keras plus the tensor functions model code calls (tf.zeros, tf.nn.relu, tf.function, ...). */
function tensorflowNamespace(rt: KerasRuntime, keras: NamespaceV): NamespaceV {
  const ops = opsFunctions(rt, 'tf');
  const attrs = new Map<string, Value>(ops);
  const nn = activationsNamespace(ops, 'tf.nn');
  for (const name of ['l2_normalize', 'moments']) if (ops.has(name)) nn.attrs.set(name, ops.get(name)!);
  attrs.set('keras', keras);
  attrs.set('nn', nn);
  attrs.set('math', ns('tf.math', ops, 'tf.math member is not modelled'));
  attrs.set('linalg', ns('tf.linalg', ops, 'tf.linalg member is not modelled'));
  attrs.set(
    'random',
    ns(
      'tf.random',
      new Map<string, Value>([...ops, ['set_seed', builtin('set_seed', () => NONE)]]),
      'tf.random member is not modelled',
    ),
  );
  attrs.set('function', decorator('tf.function'));
  attrs.set(
    'TensorShape',
    builtin('TensorShape', ([v]) => v ?? NONE),
  );
  for (const d of ['float32', 'float16', 'bfloat16', 'float64', 'int32', 'int64', 'bool', 'uint8', 'string'])
    attrs.set(d, str(d));
  attrs.set('image', opaqueNs('tf.image', [['extract_patches', ops.get('extract_patches')!]]));
  for (const o of [
    'data',
    'config',
    'distribute',
    'io',
    'saved_model',
    'lite',
    'debugging',
    'summary',
    'train',
    'experimental',
    'sysconfig',
  ])
    attrs.set(o, opaqueNs(`tf.${o}`));
  attrs.set('newaxis', NONE); // tf.newaxis is None, as in numpy
  attrs.set(
    'print',
    builtin('tf.print', () => NONE),
  );
  attrs.set(
    'GradientTape',
    builtin('GradientTape', (_a, _k, site) => unknown('tf.GradientTape is not modelled', site.range)),
  );
  attrs.set(
    'Variable',
    builtin('Variable', (args, _k, site) =>
      args[0]?.kind === 'tensor' ? { ...args[0], isParam: true } : unknown('tf.Variable of data', site.range),
    ),
  );
  return ns('tensorflow', attrs, 'tensorflow member is not modelled');
}
