// einops for the torch runtime: rearrange / repeat / reduce / einsum / parse_shape as functions,
// and Rearrange / Reduce / EinMix as nn.Module layers, on symbolic shapes (pattern.ts). Rearrange
// and repeat are views (no cost recorded, like torch's reshape and permute); reduce records its
// reduction; einsum and EinMix record their multiply-accumulates and EinMix its parameters.
import {
  type Value,
  type TensorV,
  type NamespaceV,
  type ClassV,
  type CallSite,
  type ModuleV,
  NONE,
  int,
  str,
  builtin,
  isSequence,
} from '../../interpreter/python/values';
import { raise } from '../../interpreter/python/errors';
import type { TorchRuntime } from '../torch/runtime';
import { builtinClass } from '../torch/modules';
import { guarded } from '../torch/tensorOps';
import { ShapeError } from '../torch/layers/layerSpec';
import { applyPattern, einsumShapes, einMixShapes, EinopsError } from './pattern';

type Operation = 'rearrange' | 'repeat' | 'reduce';

/** Keyword sizes (`h=8`) as numbers; an unknown size makes the result unknown. */
function sizesOf(kwargs: Map<string, Value>, skip: string[] = []): Record<string, number> | string {
  const out: Record<string, number> = {};
  for (const [k, v] of kwargs) {
    if (skip.includes(k)) continue;
    if (v.kind !== 'int') return `einops size ${k} is not a known integer`;
    out[k] = v.value;
  }
  return out;
}

function unknownTensor(reason: string): TensorV {
  return { kind: 'tensor', shape: null, dtype: 'float32', reason };
}

/** Applies a pattern to a tensor (or a list of tensors, stacked first, as einops does). */
function applyTo(
  rt: TorchRuntime,
  operation: Operation,
  input: Value,
  pattern: Value | undefined,
  reduction: Value | undefined,
  kwargs: Map<string, Value>,
  site: CallSite,
): Value {
  let tensor: Value = input;
  if (isSequence(input)) {
    const items = input.items;
    if (!items.length || items.some((t) => t.kind !== 'tensor' || !t.shape))
      return unknownTensor('einops over unknown tensors');
    const first = items[0] as TensorV;
    tensor = { kind: 'tensor', shape: [items.length, ...first.shape!], dtype: first.dtype };
  }
  if (tensor.kind === 'unknown') return tensor;
  if (tensor.kind !== 'tensor') return raise('TypeError', `einops.${operation} needs a tensor`, site.range);
  if (!tensor.shape) return unknownTensor(tensor.reason ?? 'input shape is unknown');
  if (pattern?.kind !== 'str') return unknownTensor(`einops.${operation} pattern is not a literal string`);
  const sizes = sizesOf(kwargs);
  if (typeof sizes === 'string') return unknownTensor(sizes);
  const source = tensor as TensorV & { shape: number[] };
  return guarded(
    rt,
    () => {
      let result;
      try {
        result = applyPattern(operation, pattern.value, source.shape, sizes);
      } catch (e) {
        if (e instanceof EinopsError) throw new ShapeError(`einops.${operation}('${pattern.value}'): ${e.message}`);
        throw e;
      }
      const out: TensorV = { kind: 'tensor', shape: result.shape, dtype: source.dtype };
      if (operation !== 'reduce') return out;
      const op = reduction?.kind === 'str' ? reductionOp(reduction.value) : 'sum';
      return rt.recordOp(op, [source], out, 0, site);
    },
    site,
  );
}

function reductionOp(name: string): string {
  return name === 'mean' ? 'mean' : name === 'prod' ? 'mul' : name === 'max' || name === 'min' ? 'max' : 'sum';
}

/** einops.einsum(*tensors, pattern): multiply-accumulates recorded as a matmul. */
function einsumOf(rt: TorchRuntime, args: Value[], site: CallSite): Value {
  const pattern = args[args.length - 1];
  const tensors = args.slice(0, -1);
  if (pattern?.kind !== 'str') return unknownTensor('einops.einsum pattern is not a literal string');
  if (tensors.some((t) => t.kind !== 'tensor' || !t.shape)) return unknownTensor('einops.einsum over unknown tensors');
  const operands = tensors as (TensorV & { shape: number[] })[];
  return guarded(
    rt,
    () => {
      let r;
      try {
        r = einsumShapes(
          pattern.value,
          operands.map((t) => t.shape),
        );
      } catch (e) {
        if (e instanceof EinopsError) throw new ShapeError(`einops.einsum('${pattern.value}'): ${e.message}`);
        throw e;
      }
      return rt.recordOp(
        'matmul',
        operands,
        { kind: 'tensor', shape: r.shape, dtype: operands[0].dtype },
        r.macs,
        site,
      );
    },
    site,
  );
}

/** The `einops` and `einops.layers.torch` namespaces. */
export function einopsModules(rt: TorchRuntime, Module: ClassV): Record<string, NamespaceV> {
  const functions = new Map<string, Value>([
    ['rearrange', builtin('rearrange', ([t, p], kw, site) => applyTo(rt, 'rearrange', t, p, undefined, kw, site))],
    ['repeat', builtin('repeat', ([t, p], kw, site) => applyTo(rt, 'repeat', t, p, undefined, kw, site))],
    [
      'reduce',
      builtin('reduce', ([t, p, r], kw, site) => {
        const reduction = r ?? kw.get('reduction');
        const rest = new Map([...kw].filter(([k]) => k !== 'reduction'));
        return applyTo(rt, 'reduce', t, p, reduction, rest, site);
      }),
    ],
    ['einsum', builtin('einsum', (args, _k, site) => einsumOf(rt, args, site))],
    [
      'parse_shape',
      builtin('parse_shape', ([t, p]) => {
        if (t?.kind !== 'tensor' || !t.shape || p?.kind !== 'str') return { kind: 'dict', entries: new Map() };
        const names = p.value.split(/\s+/).filter(Boolean);
        const entries = new Map<string, { key: Value; value: Value }>();
        names.forEach((n, i) => n !== '_' && entries.set(`s${n}`, { key: str(n), value: int(t.shape![i]) }));
        return { kind: 'dict', entries };
      }),
    ],
  ]);
  const einops: NamespaceV = { kind: 'namespace', name: 'einops', attrs: functions };
  const layers: NamespaceV = {
    kind: 'namespace',
    name: 'einops.layers.torch',
    attrs: new Map(layerClasses(rt, Module)),
  };
  einops.attrs.set('layers', { kind: 'namespace', name: 'einops.layers', attrs: new Map([['torch', layers]]) });
  return { einops, 'einops.layers': einops.attrs.get('layers') as NamespaceV, 'einops.layers.torch': layers };
}

const self = (args: Value[]) => args[0] as ModuleV;

function layerClasses(rt: TorchRuntime, Module: ClassV): [string, ClassV][] {
  const patternLayer = (name: string, operation: Operation) =>
    builtinClass(name, 'Module', [Module], {
      __init__: (args, kw) => {
        const m = self(args);
        m.attrs.set('pattern', args[1] ?? kw.get('pattern') ?? NONE);
        if (operation === 'reduce') m.attrs.set('reduction', args[2] ?? kw.get('reduction') ?? NONE);
        const sizes = new Map([...kw].filter(([k]) => k !== 'pattern' && k !== 'reduction'));
        m.attrs.set('__sizes__', {
          kind: 'dict',
          entries: new Map([...sizes].map(([k, v]) => [`s${k}`, { key: str(k), value: v }])),
        });
        return NONE;
      },
      forward: (args, _kw, site) => {
        const m = self(args);
        const sizes = new Map<string, Value>();
        const stored = m.attrs.get('__sizes__');
        if (stored?.kind === 'dict')
          for (const { key, value } of stored.entries.values()) sizes.set((key as { value: string }).value, value);
        const out = applyTo(rt, operation, args[1], m.attrs.get('pattern'), m.attrs.get('reduction'), sizes, site);
        return out;
      },
    });
  return [
    ['Rearrange', patternLayer('Rearrange', 'rearrange')],
    ['Reduce', patternLayer('Reduce', 'reduce')],
    ['EinMix', einMixClass(rt, Module)],
  ];
}

/** EinMix: a linear map given by an einsum pattern, its weight (and bias) shaped by named axes. */
function einMixClass(rt: TorchRuntime, Module: ClassV): ClassV {
  return builtinClass('EinMix', 'Module', [Module], {
    __init__: (args, kw, site) => {
      const m = self(args);
      const pattern = args[1] ?? kw.get('pattern');
      const weightShape = args[2] ?? kw.get('weight_shape');
      const biasShape = args[3] ?? kw.get('bias_shape');
      const sizes = sizesOf(kw, ['pattern', 'weight_shape', 'bias_shape']);
      if (pattern?.kind !== 'str' || weightShape?.kind !== 'str' || typeof sizes === 'string') {
        m.unresolved = typeof sizes === 'string' ? sizes : 'EinMix pattern or weight shape is not a literal string';
        return NONE;
      }
      try {
        const shapes = einMixShapes(
          pattern.value,
          weightShape.value,
          biasShape?.kind === 'str' ? biasShape.value : undefined,
          sizes,
        );
        m.params.set('weight', { kind: 'tensor', shape: shapes.weight, dtype: 'float32', isParam: true });
        if (shapes.bias) m.params.set('bias', { kind: 'tensor', shape: shapes.bias, dtype: 'float32', isParam: true });
        m.attrs.set('pattern', pattern);
        m.attrs.set('weight_shape', weightShape);
      } catch (e) {
        if (!(e instanceof EinopsError)) throw e;
        m.unresolved = `EinMix: ${e.message}`;
        void site;
      }
      return NONE;
    },
    forward: (args, _kw, site) => {
      const m = self(args);
      const x = args[1];
      if (m.unresolved) return unknownTensor(m.unresolved);
      if (x?.kind !== 'tensor' || !x.shape) return unknownTensor('EinMix input shape is unknown');
      const weight = m.params.get('weight')!;
      const [left, right] = (m.attrs.get('pattern') as { value: string }).value.split('->');
      const equation = `${left}, ${(m.attrs.get('weight_shape') as { value: string }).value} -> ${right}`;
      const out = einsumOf(rt, [x, weight, str(equation)], site);
      const bias = m.params.get('bias');
      return bias && out.kind === 'tensor' && out.shape ? rt.interp.binaryOp('+', out, bias, site) : out;
    },
  });
}
