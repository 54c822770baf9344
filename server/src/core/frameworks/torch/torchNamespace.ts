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
import { functionalNamespace } from './functional';
import { createNnClasses } from './nnClasses';
import { allModules, builtinClass, cloneModule } from './modules';
import { autocastFactory } from './precision';
import type { TorchRuntime } from './runtime';

type Fn = (args: Value[], kw: Map<string, Value>, site: CallSite) => Value;

/** A tensor factory (randn, zeros, ...): reads the size from varargs or a tuple, records its origin. */
function factory(name: string, dtype: DType, sizeFrom: (args: Value[], kw: Map<string, Value>) => Value[]): Fn {
  return (args, kw, site) => {
    const sizeArgs = sizeFrom(args, kw);
    if (sizeArgs.some((a) => a.kind === 'unknown')) return sizeArgs.find((a) => a.kind === 'unknown')!;
    const dt = kw.get('dtype');
    const shape = dimsArg(sizeArgs, `torch.${name} size`);
    return {
      kind: 'tensor',
      shape,
      dtype: dt?.kind === 'str' ? (DTYPES[dt.value] ?? dtype) : dtype,
      origin: `torch.${name}, line ${site.range.start.line + 1}`,
    };
  };
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
  Object.assign(fns, {
    cat: (a: Value[], k: Map<string, Value>, site: CallSite) =>
      joinTensors(rt, 'cat', tensors(a[0]), arg(a, k, 1, 'dim'), site, S.cat),
    concat: (a: Value[], k: Map<string, Value>, site: CallSite) =>
      joinTensors(rt, 'cat', tensors(a[0]), arg(a, k, 1, 'dim'), site, S.cat),
    stack: (a: Value[], k: Map<string, Value>, site: CallSite) =>
      joinTensors(rt, 'cat', tensors(a[0]), arg(a, k, 1, 'dim'), site, S.stack),
    einsum: (a: Value[], _k: Map<string, Value>, site: CallSite) => einsum(rt, a, site, shapes),
    baddbmm: (a: Value[], k: Map<string, Value>, site: CallSite) =>
      rt.interp.binaryOp('+', a[0], rt.interp.binaryOp('@', a[1], a[2], site), site),
    addmm: (a: Value[], k: Map<string, Value>, site: CallSite) =>
      rt.interp.binaryOp('+', a[0], rt.interp.binaryOp('@', a[1], a[2], site), site),
    where: (a: Value[], _k: Map<string, Value>, site: CallSite) => rt.interp.binaryOp('*', a[1], a[0], site),
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
    from_numpy: (_a: Value[], _k: Map<string, Value>, site: CallSite) =>
      unknown('torch.from_numpy depends on data', site.range),
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

function einsum(rt: TorchRuntime, args: Value[], site: CallSite, shapes: (vs: Value[]) => (number[] | null)[]): Value {
  const [eq, ...rest] = args;
  const operands = rest.length === 1 && isSequence(rest[0]) ? rest[0].items : rest;
  const ss = shapes(operands);
  if (eq?.kind !== 'str' || ss.some((s) => !s))
    return { kind: 'tensor', shape: null, dtype: 'float32', reason: 'einsum with unknown operands' };
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
    builtin('torch.tensor', ([d], _k, site) => tensorLiteral(d, site)),
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
  const quantization = quantizationNamespace(rt);
  attrs.set('quantization', quantization);
  attrs.set('ao', {
    kind: 'namespace',
    name: 'torch.ao',
    attrs: new Map<string, Value>([['quantization', quantization]]),
    opaque: 'torch.ao is not modelled',
  });
  for (const opaque of [
    'backends',
    'optim',
    'onnx',
    'distributed',
    'utils',
    'fx',
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
  const modules = {
    torch,
    'torch.nn': nn,
    'torch.nn.functional': F,
    'torch.nn.init': init,
    'torch.nn.modules': nn,
    'torch.quantization': quantization,
    'torch.ao.quantization': quantization,
  };
  return { modules, nn, classes };
}

/** The layer types quantize_dynamic converts when no qconfig_spec is given (PyTorch's default for qint8). */
const DYNAMIC_QUANTIZED = ['Linear', 'LSTM', 'GRU', 'LSTMCell', 'RNNCell', 'GRUCell'];

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

function tensorLiteral(d: Value | undefined, site: CallSite): Value {
  const shape: number[] = [];
  let v = d;
  while (v && isSequence(v)) {
    shape.push(v.items.length);
    v = v.items[0];
  }
  if (!d) return raise('TypeError', 'torch.tensor() needs data', site.range);
  return {
    kind: 'tensor',
    shape,
    dtype: v?.kind === 'int' ? 'int64' : 'float32',
    origin: `torch.tensor, line ${site.range.start.line + 1}`,
  };
}
