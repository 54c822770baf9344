// The `torch`, `torch.nn`, `torch.nn.functional` and `torch.nn.init` namespaces as the interpreter
// sees them: tensor factories, tensor functions, nn classes (built in and from the prelude).
import {
  type Value,
  type TensorV,
  type CallSite,
  type NamespaceV,
  type ClassV,
  NONE,
  FALSE,
  int,
  str,
  tuple,
  unknown,
  builtin,
  isSequence,
} from '../../interpreter/python/values';
import { raise } from '../../interpreter/python/errors';
import type { DType } from './layers/layerSpec';
import { dimsArg, arg, like, guarded, callTensorMethod, TENSOR_FUNCTIONS, DTYPES } from './tensorOps';
import * as S from './shapeOps';
import { valued, arangeValues, linspaceValues, literalValues, diffValues, MAX_VALUES } from './tensorValues';
import { functionalNamespace } from './functional';
import { createNnClasses } from './nnClasses';
import { allModules, builtinClass, cloneModule } from './modules';
import { autocastFactory } from './precision';
import type { TorchRuntime } from './runtime';
import { numpyNamespace } from './numpyNamespace';
import { spectralFunctions } from './spectral';

type Fn = (args: Value[], kw: Map<string, Value>, site: CallSite) => Value;

/** A tensor factory (randn, zeros, ...): reads the size from varargs or a tuple, records its origin. */
function factory(name: string, dtype: DType, sizeFrom: (args: Value[], kw: Map<string, Value>) => Value[]): Fn {
  return (args, kw, site) => {
    const sizeArgs = sizeFrom(args, kw);
    if (sizeArgs.some((a) => a.kind === 'unknown')) return sizeArgs.find((a) => a.kind === 'unknown')!;
    const dt = kw.get('dtype');
    const shape = dimsArg(sizeArgs, `torch.${name} size`);
    const dtypeOf = dt?.kind === 'str' ? (DTYPES[dt.value] ?? dtype) : dtype;
    const t = valued(shape, dtypeOf, factoryValues(name, args, kw, shape));
    t.origin = `torch.${name}, line ${site.range.start.line + 1}`;
    return t;
  };
}

/** The elements a factory gives, for the ones whose elements follow from their arguments. */
function factoryValues(name: string, args: Value[], kw: Map<string, Value>, shape: number[]): number[] | undefined {
  const count = shape.reduce((a, b) => a * b, 1);
  if (name === 'arange') return arangeValues(args);
  if (name === 'linspace')
    return linspaceValues(args[0] ?? kw.get('start'), args[1] ?? kw.get('end'), args[2] ?? kw.get('steps'));
  if (name === 'zeros' || name === 'ones')
    return count <= MAX_VALUES ? new Array<number>(count).fill(name === 'ones' ? 1 : 0) : undefined;
  return undefined;
}

const sizeArgs = (args: Value[], kw: Map<string, Value>) =>
  args.length ? args : kw.get('size') ? [kw.get('size')!] : [];

function likeFactory(name: string): Fn {
  return ([t], _kw) =>
    t?.kind === 'tensor' ? { ...like(t, t.shape ?? []), shape: t.shape, origin: `torch.${name}` } : (t ?? NONE);
}

/** The torch.nn.init namespace: initialisers change values, not shapes, so they return their tensor. */
function initNamespace(): NamespaceV {
  const names = [
    'kaiming_normal_',
    'kaiming_uniform_',
    'xavier_normal_',
    'xavier_uniform_',
    'normal_',
    'uniform_',
    'constant_',
    'zeros_',
    'ones_',
    'trunc_normal_',
    'orthogonal_',
    'eye_',
    'dirac_',
    'calculate_gain',
  ];
  return {
    kind: 'namespace',
    name: 'torch.nn.init',
    attrs: new Map(names.map((n) => [n, builtin(`init.${n}`, ([t]) => t ?? NONE)])),
  };
}

/** Builds torch.nn: built-in classes, Parameter, init, functional, utils. */
function nnNamespace(rt: TorchRuntime, F: NamespaceV, classes: Map<string, ClassV>): NamespaceV {
  const attrs = new Map<string, Value>(classes);
  attrs.set(
    'Parameter',
    builtin('Parameter', ([t], kw, site) => parameter(t ?? kw.get('data'), site)),
  );
  attrs.set(
    'Buffer',
    builtin('Buffer', ([t]) => t ?? NONE),
  );
  // torch.nn.parameter.Parameter is the same class as torch.nn.Parameter (MaxViT writes the long form).
  attrs.set('parameter', {
    kind: 'namespace',
    name: 'torch.nn.parameter',
    attrs: new Map<string, Value>([
      ['Parameter', attrs.get('Parameter')!],
      ['Buffer', attrs.get('Buffer')!],
    ]),
    opaque: 'torch.nn.parameter is not modelled',
  });
  attrs.set('functional', F);
  attrs.set('init', initNamespace());
  attrs.set('utils', {
    kind: 'namespace',
    name: 'torch.nn.utils',
    attrs: new Map(),
    opaque: 'torch.nn.utils is not modelled',
  });
  for (const loss of [
    'CrossEntropyLoss',
    'MSELoss',
    'NLLLoss',
    'BCELoss',
    'BCEWithLogitsLoss',
    'L1Loss',
    'SmoothL1Loss',
    'KLDivLoss',
    'CTCLoss',
    'HuberLoss',
  ]) {
    const cls = builtinClass(loss, 'Module', [classes.get('Module')!], {
      forward: () => ({ kind: 'tensor', shape: [], dtype: 'float32' }),
    });
    cls.isLoss = true;
    attrs.set(loss, cls);
  }
  void rt;
  return { kind: 'namespace', name: 'torch.nn', attrs };
}

function parameter(t: Value | undefined, site: CallSite): Value {
  if (!t) return raise('TypeError', 'nn.Parameter() needs a tensor', site.range);
  if (t.kind === 'tensor') return { kind: 'tensor', shape: t.shape, dtype: t.dtype, isParam: true, reason: t.reason };
  if (t.kind === 'unknown') return { kind: 'tensor', shape: null, dtype: 'float32', isParam: true, reason: t.reason };
  return raise('TypeError', `nn.Parameter() needs a tensor, got ${t.kind}`, site.range);
}

/** Tensor functions of the torch namespace. */
function torchFunctions(rt: TorchRuntime): Record<string, Fn> {
  const fns: Record<string, Fn> = {};
  for (const name of TENSOR_FUNCTIONS)
    fns[name] = ([t, ...rest], kw, site) => callTensorMethod(rt, t, name, rest, kw, site);
  const tensors = (v: Value | undefined) => (v && isSequence(v) ? v.items : []);
  const shapes = (vs: Value[]) => vs.map((v) => (v.kind === 'tensor' && v.shape ? v.shape : null));
  Object.assign(fns, spectralFunctions(rt));
  Object.assign(fns, {
    cat: (a: Value[], k: Map<string, Value>, site: CallSite) =>
      joinTensors(rt, 'cat', tensors(a[0]), arg(a, k, 1, 'dim'), site, S.cat),
    concat: (a: Value[], k: Map<string, Value>, site: CallSite) =>
      joinTensors(rt, 'cat', tensors(a[0]), arg(a, k, 1, 'dim'), site, S.cat),
    meshgrid: (a: Value[], k: Map<string, Value>) => meshgrid(a, k),
    // Binary functions go through the operators, which also keep small tensors' elements.
    pow: (a: Value[], _k: Map<string, Value>, site: CallSite) => rt.interp.binaryOp('**', a[0], a[1], site),
    divide: (a: Value[], _k: Map<string, Value>, site: CallSite) => rt.interp.binaryOp('/', a[0], a[1], site),
    true_divide: (a: Value[], _k: Map<string, Value>, site: CallSite) => rt.interp.binaryOp('/', a[0], a[1], site),
    multiply: (a: Value[], _k: Map<string, Value>, site: CallSite) => rt.interp.binaryOp('*', a[0], a[1], site),
    diff: ([t]: Value[]) =>
      t?.kind === 'tensor' && t.shape?.length === 1
        ? valued([Math.max(0, t.shape[0] - 1)], t.dtype, diffValues(t))
        : { kind: 'unknown', reason: 'torch.diff of other than a 1-d tensor is not modelled' },
    stack: (a: Value[], k: Map<string, Value>, site: CallSite) =>
      joinTensors(rt, 'cat', tensors(a[0]), arg(a, k, 1, 'dim'), site, S.stack),
    einsum: (a: Value[], _k: Map<string, Value>, site: CallSite) => einsum(rt, a, site, shapes),
    baddbmm: (a: Value[], k: Map<string, Value>, site: CallSite) =>
      rt.interp.binaryOp('+', a[0], rt.interp.binaryOp('@', a[1], a[2], site), site),
    addmm: (a: Value[], k: Map<string, Value>, site: CallSite) =>
      rt.interp.binaryOp('+', a[0], rt.interp.binaryOp('@', a[1], a[2], site), site),
    where: (a: Value[], _k: Map<string, Value>, site: CallSite) =>
      a.length === 1 ? whereIndices(rt, a[0], site) : rt.interp.binaryOp('*', a[1], a[0], site),
    no_grad: () => NONE,
    inference_mode: () => NONE,
    enable_grad: () => NONE,
    set_grad_enabled: () => NONE,
    manual_seed: () => NONE,
    set_num_threads: () => NONE,
    set_default_dtype: () => NONE,
    autocast: autocastFactory('torch.autocast').call,
    device: ([d]: Value[]) => d ?? str('cpu'),
    is_tensor: ([t]: Value[]) => ({ kind: 'bool', value: t?.kind === 'tensor' }),
    compile: ([m]: Value[]) => m ?? NONE,
    numel: ([t]: Value[]) =>
      t?.kind === 'tensor' && t.shape ? int(t.shape.reduce((x, y) => x * y, 1)) : unknown('numel of unknown'),
    load: (_a: Value[], _k: Map<string, Value>, site: CallSite) => unknown('torch.load reads a file', site.range),
    save: () => NONE,
    // An array the file builds (numpy.random.rand, ...) becomes a tensor of its shape and dtype.
    from_numpy: ([a]: Value[], _k: Map<string, Value>, site: CallSite) =>
      a?.kind === 'tensor' && a.shape
        ? fromArray(a, 'torch.from_numpy', site)
        : unknown('torch.from_numpy depends on data', site.range),
  });
  return fns;
}

function joinTensors(
  rt: TorchRuntime,
  op: string,
  ts: Value[],
  dimV: Value | undefined,
  site: CallSite,
  rule: (s: number[][], d: number) => number[],
): Value {
  const bad = ts.find((t) => t.kind !== 'tensor' || !t.shape);
  if (bad || ts.length === 0)
    return bad?.kind === 'unknown'
      ? bad
      : { kind: 'tensor', shape: null, dtype: 'float32', reason: 'an operand of torch.cat/stack is unknown' };
  const dim = dimV && dimV.kind === 'int' ? dimV.value : 0;
  return guarded(
    rt,
    () =>
      rt.recordOp(
        op,
        ts as TensorV[],
        like(
          ts[0] as TensorV,
          rule(
            ts.map((t) => (t as TensorV).shape!),
            dim,
          ),
        ),
        0,
        site,
      ),
    site,
  );
}

/** torch.meshgrid(*tensors, indexing='ij'|'xy'): one grid per input, each shaped by all their lengths. */
function meshgrid(args: Value[], kwargs: Map<string, Value>): Value {
  const inputs = args.length === 1 && isSequence(args[0]) ? args[0].items : args;
  if (inputs.some((t) => t.kind !== 'tensor' || !t.shape))
    return { kind: 'unknown', reason: 'torch.meshgrid of tensors of unknown shape' };
  const lengths = inputs.map((t) => (t as TensorV).shape!.reduce((x, y) => x * y, 1));
  const indexing = kwargs.get('indexing');
  if (indexing?.kind === 'str' && indexing.value === 'xy' && lengths.length >= 2)
    [lengths[0], lengths[1]] = [lengths[1], lengths[0]];
  return tuple(inputs.map((t) => ({ kind: 'tensor', shape: [...lengths], dtype: (t as TensorV).dtype }) as TensorV));
}

/** Why the boxes after non-maximum suppression are unknown in number. */
export const NMS_KEEPS =
  'non-maximum suppression keeps a number of boxes that depends on the data (torchvision.ops.nms)';

/**
 * torchvision's compiled ops (torch.ops.torchvision): nms keeps as many boxes as the data decides;
 * roi_align / roi_pool give (boxes, C, h, w), known when the number of boxes is.
 */
function torchvisionOps(rt: TorchRuntime): NamespaceV {
  const nms = builtin('nms', (_a, _k, site) => {
    rt.recordUnknown(NMS_KEEPS, site);
    return { kind: 'tensor', shape: null, dtype: 'int64', reason: NMS_KEEPS } as TensorV;
  });
  const pool = (name: string) =>
    builtin(name, ([input, rois, , height, width]) => {
      if (input?.kind !== 'tensor' || rois?.kind !== 'tensor') return unknown(`torchvision ${name} of unknown inputs`);
      if (!input.shape || !rois.shape || height?.kind !== 'int' || width?.kind !== 'int')
        return { kind: 'tensor', shape: null, dtype: input.dtype, reason: rois.reason ?? input.reason };
      return like(input, [rois.shape[0], input.shape[1], height.value, width.value]);
    });
  return {
    kind: 'namespace',
    name: 'torch.ops.torchvision',
    attrs: new Map<string, Value>([
      ['nms', nms],
      ['roi_align', pool('roi_align')],
      ['roi_pool', pool('roi_pool')],
    ]),
    opaque: 'torch.ops.torchvision is not modelled',
  };
}

/** The reason a tensor's length is unknown after nonzero / where(condition): the data decides it. */
export const DATA_DEPENDENT_INDICES = 'torch.where(condition) / nonzero(): how many indices depends on the data';

/** torch.where(condition): one index tensor per dim, each as long as the data makes it; recorded as unknown. */
function whereIndices(rt: TorchRuntime, condition: Value, site: CallSite): Value {
  if (condition.kind !== 'tensor' || !condition.shape) return condition;
  rt.recordUnknown(DATA_DEPENDENT_INDICES, site);
  const index: TensorV = { kind: 'tensor', shape: null, dtype: 'int64', reason: DATA_DEPENDENT_INDICES };
  return tuple(condition.shape.map(() => index));
}

function einsum(rt: TorchRuntime, args: Value[], site: CallSite, shapes: (vs: Value[]) => (number[] | null)[]): Value {
  const [eq, ...rest] = args;
  const operands = rest.length === 1 && isSequence(rest[0]) ? rest[0].items : rest;
  const ss = shapes(operands);
  if (eq?.kind !== 'str' || ss.some((s) => !s)) {
    const cause = operands.find((t) => t.kind === 'unknown' || (t.kind === 'tensor' && !t.shape && t.reason));
    const why = cause && (cause.kind === 'unknown' || cause.kind === 'tensor') ? cause.reason : undefined;
    return { kind: 'tensor', shape: null, dtype: 'float32', reason: why ?? 'einsum with unknown operands' };
  }
  return guarded(
    rt,
    () => {
      const r = S.einsum(eq.value, ss as number[][]);
      const out = rt.recordOp('matmul', operands as TensorV[], like(operands[0] as TensorV, r.shape), r.macs, site);
      rt.tracer.flow?.annotate([eq], new Map());
      return out;
    },
    site,
  );
}

/** Builds the namespaces torch code imports, keyed by dotted module name. */
export function torchModules(rt: TorchRuntime): {
  modules: Record<string, NamespaceV>;
  nn: NamespaceV;
  classes: Map<string, ClassV>;
} {
  const F = functionalNamespace(rt);
  const classes = createNnClasses(rt);
  const nn = nnNamespace(rt, F, classes);
  const attrs = new Map<string, Value>(
    Object.entries(torchFunctions(rt)).map(([k, f]) => [k, builtin(`torch.${k}`, f)]),
  );
  const factories: [string, DType, (a: Value[], k: Map<string, Value>) => Value[]][] = [
    ['randn', 'float32', sizeArgs],
    ['rand', 'float32', sizeArgs],
    ['zeros', 'float32', sizeArgs],
    ['ones', 'float32', sizeArgs],
    ['empty', 'float32', sizeArgs],
    ['randint', 'int64', (a, k) => [k.get('size') ?? a[a.length - 1]]],
    ['full', 'float32', (a, k) => [k.get('size') ?? a[0]]],
    ['normal', 'float32', (a, k) => [k.get('size') ?? a[2] ?? tuple([])]],
    ['eye', 'float32', (a) => [a[0], a[1] ?? a[0]]],
    ['arange', 'int64', (a) => [int(arangeLength(a))]],
    ['linspace', 'float32', (a, k) => [k.get('steps') ?? a[2]]],
  ];
  for (const [name, dtype, from] of factories) attrs.set(name, builtin(`torch.${name}`, factory(name, dtype, from)));
  for (const name of ['zeros_like', 'ones_like', 'randn_like', 'rand_like', 'empty_like', 'full_like'])
    attrs.set(name, builtin(`torch.${name}`, likeFactory(name)));
  attrs.set(
    'tensor',
    builtin('torch.tensor', ([d], kw, site) => {
      const data = d ?? kw.get('data');
      // An array the file builds (numpy.random.rand, ...) becomes a tensor of its shape, still named as built.
      return data?.kind === 'tensor'
        ? fromArray(data, 'torch.tensor', site, kw.get('dtype'))
        : tensorLiteral(data, kw.get('dtype'), site);
    }),
  );
  // torch.as_tensor shares a tensor's data (cast when a dtype is given) and builds one from other data.
  attrs.set(
    'as_tensor',
    builtin('torch.as_tensor', ([d], kw, site) => {
      const data = d ?? kw.get('data');
      const dtype = kw.get('dtype');
      if (data?.kind !== 'tensor') return tensorLiteral(data, dtype, site);
      return dtype?.kind === 'str' && DTYPES[dtype.value] ? { ...data, dtype: DTYPES[dtype.value] } : data;
    }),
  );
  for (const [k, v] of Object.entries(DTYPES)) attrs.set(k, str(v));
  attrs.set('nn', nn);
  attrs.set('Tensor', builtinClass('Tensor', 'object', [], {}));
  attrs.set(
    'Size',
    builtin('Size', ([v]) => v ?? tuple([])),
  );
  const amp = (name: string, device?: 'cuda' | 'cpu'): NamespaceV => ({
    kind: 'namespace',
    name,
    attrs: new Map<string, Value>([['autocast', autocastFactory(`${name}.autocast`, device)]]),
    opaque: `${name} is not modelled`,
  });
  const cudaAmp = amp('torch.cuda.amp', 'cuda');
  const cpuAmp = amp('torch.cpu.amp', 'cpu');
  const torchAmp = amp('torch.amp');
  attrs.set('cuda', {
    kind: 'namespace',
    name: 'torch.cuda',
    attrs: new Map<string, Value>([
      ['is_available', builtin('is_available', () => FALSE)],
      ['device_count', builtin('device_count', () => int(0))],
      ['amp', cudaAmp],
    ]),
  });
  attrs.set('cpu', { kind: 'namespace', name: 'torch.cpu', attrs: new Map<string, Value>([['amp', cpuAmp]]) });
  attrs.set('amp', torchAmp);
  attrs.set('jit', {
    kind: 'namespace',
    name: 'torch.jit',
    attrs: new Map<string, Value>([
      ['script', builtin('script', ([m]) => m ?? NONE)],
      ['ignore', builtin('ignore', ([m]) => m ?? NONE)],
      ['is_scripting', builtin('is_scripting', () => FALSE)],
      ['is_tracing', builtin('is_tracing', () => FALSE)],
    ]),
    opaque: 'torch.jit is not modelled',
  });
  // torch._C: the tracer's state is None (code is analysed as eager code runs, not under torch.jit.trace).
  attrs.set('_C', {
    kind: 'namespace',
    name: 'torch._C',
    attrs: new Map<string, Value>([
      ['_get_tracing_state', builtin('_get_tracing_state', () => NONE)],
      ['_log_api_usage_once', builtin('_log_api_usage_once', () => NONE)],
    ]),
    opaque: 'torch._C is not modelled',
  });
  // torch.fx.wrap marks a function as a leaf for symbolic tracing: eager code runs it as written.
  attrs.set('fx', {
    kind: 'namespace',
    name: 'torch.fx',
    attrs: new Map<string, Value>([['wrap', builtin('wrap', ([f]) => f ?? NONE)]]),
    opaque: 'torch.fx is not modelled',
  });
  attrs.set('ops', {
    kind: 'namespace',
    name: 'torch.ops',
    attrs: new Map<string, Value>([['torchvision', torchvisionOps(rt)]]),
    opaque: 'torch.ops is not modelled',
  });
  const quantization = quantizationNamespace(rt);
  attrs.set('quantization', quantization);
  // torch.ao.nn.quantized (also torch.nn.quantized): FloatFunctional, filled by the quantization prelude.
  const quantizedNn: NamespaceV = {
    kind: 'namespace',
    name: 'torch.ao.nn.quantized',
    attrs: new Map(),
    opaque: 'torch.ao.nn.quantized is not modelled',
  };
  const aoNn: NamespaceV = {
    kind: 'namespace',
    name: 'torch.ao.nn',
    attrs: new Map<string, Value>([['quantized', quantizedNn]]),
    opaque: 'torch.ao.nn is not modelled',
  };
  nn.attrs.set('quantized', quantizedNn);
  attrs.set('ao', {
    kind: 'namespace',
    name: 'torch.ao',
    attrs: new Map<string, Value>([
      ['quantization', quantization],
      ['nn', aoNn],
    ]),
    opaque: 'torch.ao is not modelled',
  });
  for (const opaque of [
    'backends',
    'optim',
    'onnx',
    'distributed',
    'utils',
    'hub',
    'distributions',
    'autograd',
    'testing',
  ]) {
    attrs.set(opaque, {
      kind: 'namespace',
      name: `torch.${opaque}`,
      attrs: new Map(),
      opaque: `torch.${opaque} is not modelled`,
    });
  }
  const torch: NamespaceV = { kind: 'namespace', name: 'torch', attrs };
  const init = nn.attrs.get('init') as NamespaceV;
  const utils = nnUtilsNamespace();
  nn.attrs.set('utils', utils);
  const modules = {
    'torch.nn.utils': utils,
    torch,
    'torch.nn': nn,
    'torch.nn.functional': F,
    'torch.nn.init': init,
    'torch.nn.modules': nn,
    'torch.quantization': quantization,
    'torch.ao.quantization': quantization,
    'torch.ao.nn': aoNn,
    'torch.ao.nn.quantized': quantizedNn,
    'torch.nn.quantized': quantizedNn,
    'torch.nn.parameter': nn.attrs.get('parameter') as NamespaceV,
    numpy: numpyNamespace(torch),
  };
  return { modules, nn, classes };
}

/** The layer types quantize_dynamic converts when no qconfig_spec is given (PyTorch's default for qint8). */
const DYNAMIC_QUANTIZED = ['Linear', 'LSTM', 'GRU', 'LSTMCell', 'RNNCell', 'GRUCell'];

/**
 * torch.nn.utils: weight_norm re-parameterises a layer's weight as weight_g (its norm along `dim`)
 * and weight_v (its direction), as torch registers them, so the parameters are counted as torch
 * counts them; spectral_norm keeps the weight's elements (as weight_orig); the forward is unchanged.
 */
function nnUtilsNamespace(): NamespaceV {
  const weightNorm = builtin('weight_norm', ([m, nameArg, dimArg], kw) => {
    const module = m ?? kw.get('module');
    const name = (nameArg ?? kw.get('name')) as Value | undefined;
    const dim = (dimArg ?? kw.get('dim')) as Value | undefined;
    const key = name?.kind === 'str' ? name.value : 'weight';
    if (module?.kind !== 'module') return module ?? NONE;
    const weight = module.params.get(key);
    if (!weight?.shape) return module;
    const axis = dim === undefined ? 0 : dim.kind === 'int' ? dim.value : null;
    const shape = weight.shape;
    const g = axis === null ? [] : shape.map((n, i) => (i === (axis < 0 ? axis + shape.length : axis) ? n : 1));
    module.params.delete(key);
    module.params.set(`${key}_g`, { kind: 'tensor', shape: g, dtype: weight.dtype, isParam: true });
    module.params.set(`${key}_v`, { kind: 'tensor', shape, dtype: weight.dtype, isParam: true });
    return module;
  });
  const identity = (name: string) => builtin(name, ([m], kw) => m ?? kw.get('module') ?? NONE);
  return {
    kind: 'namespace',
    name: 'torch.nn.utils',
    attrs: new Map<string, Value>([
      ['weight_norm', weightNorm],
      ['spectral_norm', identity('spectral_norm')],
      ['remove_weight_norm', identity('remove_weight_norm')],
      ['clip_grad_norm_', builtin('clip_grad_norm_', () => NONE)],
      ['clip_grad_value_', builtin('clip_grad_value_', () => NONE)],
      ['rnn', rnnUtilsNamespace()],
      [
        'parametrizations',
        {
          kind: 'namespace',
          name: 'torch.nn.utils.parametrizations',
          attrs: new Map(),
          opaque: 'torch.nn.utils.parametrizations is not modelled',
        },
      ],
    ]),
  };
}

/** Why a packed batch is unknown: its sequences are shorter than the padding, so the recurrence runs fewer steps. */
const PACKED_SHORTER = 'a packed batch whose lengths are unknown or shorter than its padded length is not modelled';

/**
 * torch.nn.utils.rnn: a batch packed with every sequence as long as its padding runs the recurrence
 * over exactly the padded steps, so it is the padded tensor itself (torchaudio's Tacotron2 packs its
 * encoder input so); shorter or unknown lengths make the packed batch unknown, with the reason.
 */
function rnnUtilsNamespace(): NamespaceV {
  const pack = builtin('pack_padded_sequence', ([x, lengths], kw) => {
    const input = x ?? kw.get('input');
    const given = lengths ?? kw.get('lengths');
    const batchFirst = kw.get('batch_first');
    if (input?.kind !== 'tensor' || !input.shape) return input ?? NONE;
    const time = input.shape[batchFirst?.kind === 'bool' && batchFirst.value ? 1 : 0];
    const values =
      given?.kind === 'tensor'
        ? given.values
        : given?.kind === 'list'
          ? given.items.map((v) => numberOrNaN(v))
          : undefined;
    const full = values && values.length > 0 && values.every((n) => n === time);
    return full ? input : { kind: 'tensor', shape: null, dtype: input.dtype, reason: PACKED_SHORTER };
  });
  const unpack = builtin('pad_packed_sequence', ([seq], kw) => {
    const packed = seq ?? kw.get('sequence');
    if (packed?.kind !== 'tensor' || !packed.shape) return tuple([packed ?? NONE, unknown(PACKED_SHORTER)]);
    const batchFirst = kw.get('batch_first');
    const [batch, time] =
      batchFirst?.kind === 'bool' && batchFirst.value ? packed.shape : [packed.shape[1], packed.shape[0]];
    return tuple([packed, valued([batch], 'int64', new Array<number>(batch).fill(time))]);
  });
  return {
    kind: 'namespace',
    name: 'torch.nn.utils.rnn',
    attrs: new Map<string, Value>([
      ['pack_padded_sequence', pack],
      ['pad_packed_sequence', unpack],
    ]),
    opaque: 'torch.nn.utils.rnn (packed sequences) is not modelled',
  };
}

function numberOrNaN(v: Value): number {
  return v.kind === 'int' || v.kind === 'float' ? v.value : NaN;
}

/**
 * torch.ao.quantization: quantize_dynamic returns a copy of the model whose Linear/LSTM (or the
 * qconfig_spec's) layers are quantized: their structure (and so their MACs) is unchanged, and they
 * run at int8 (dtype=torch.qint8) or with float16 weights (dtype=torch.float16), as the code states.
 */
function quantizationNamespace(rt: TorchRuntime): NamespaceV {
  const quantizeDynamic = builtin('quantize_dynamic', ([m, spec, dtypeArg], kw, site) => {
    const model = m ?? kw.get('model');
    const inplace = kw.get('inplace');
    if (model?.kind !== 'module') return model ?? NONE;
    const out = inplace?.kind === 'bool' && inplace.value ? model : cloneModule(model);
    const dtype = kw.get('dtype') ?? dtypeArg;
    const name = dtype?.kind === 'str' ? dtype.value : 'qint8';
    const precision = name === 'float16' ? 'fp16' : 'int8';
    const ops = quantizedOps(kw.get('qconfig_spec') ?? spec);
    const source = `quantize_dynamic(dtype=torch.${name}), line ${site.range.start.line + 1}`;
    for (const sub of allModules(out))
      if (sub.spec && ops.has(sub.spec.op)) rt.precision.quantize(sub, { precision, source });
    return out;
  });
  return {
    kind: 'namespace',
    name: 'torch.ao.quantization',
    opaque: 'torch.ao.quantization is not modelled',
    attrs: new Map<string, Value>([
      ['quantize_dynamic', quantizeDynamic],
      ['qint8', str('qint8')],
      ['float16', str('float16')],
    ]),
  };
}

/** The layer types a qconfig_spec names (a set / list of classes), or the default set. */
function quantizedOps(spec: Value | undefined): Set<string> {
  const items = spec && (spec.kind === 'list' || spec.kind === 'tuple') ? spec.items : undefined;
  if (!items) return new Set(DYNAMIC_QUANTIZED);
  return new Set(items.flatMap((c) => (c.kind === 'class' && c.spec ? [c.spec.op] : [])));
}

function arangeLength(a: Value[]): number {
  const n = a.map((v) => (v.kind === 'int' || v.kind === 'float' ? v.value : 0));
  const [start, end, step] = n.length === 1 ? [0, n[0], 1] : [n[0], n[1], n[2] ?? 1];
  return Math.max(0, Math.ceil((end - start) / step));
}

/** A tensor made from an array or tensor `a` (its shape; its dtype unless `dtype=` names one), noting where. */
function fromArray(a: TensorV, how: string, site: CallSite, dtype?: Value): Value {
  if (!a.shape) return a;
  const t: TensorV = { ...like(a, a.shape), values: a.values };
  if (dtype?.kind === 'str' && DTYPES[dtype.value]) t.dtype = DTYPES[dtype.value];
  t.origin = a.origin ? `${how}(${a.origin})` : `${how}, line ${site.range.start.line + 1}`;
  return t;
}

function tensorLiteral(d: Value | undefined, dtype: Value | undefined, site: CallSite): Value {
  const shape: number[] = [];
  let v = d;
  while (v && isSequence(v)) {
    shape.push(v.items.length);
    v = v.items[0];
  }
  if (!d) return raise('TypeError', 'torch.tensor() needs data', site.range);
  const stated = dtype?.kind === 'str' ? DTYPES[dtype.value] : undefined;
  const t = valued(
    shape,
    stated ?? (v?.kind === 'int' ? 'int64' : v?.kind === 'bool' ? 'bool' : 'float32'),
    literalValues(d),
  );
  t.origin = `torch.tensor, line ${site.range.start.line + 1}`;
  return t;
}
