// The precision PyTorch code states, as the trace meets it: `with torch.autocast(...)` regions,
// modules converted with `.half()` / `.bfloat16()` / `.to(torch.float16)`, modules quantized with
// `quantize_dynamic`, and half-precision input tensors. Each recorded call gets the precision it
// runs at and where the code says so; the energy model estimates it at that precision.
import type { Precision } from '../../report/types';
import { autocastLowers, precisionOfDtype } from '../../report/precision';
import type { CallSite, ClassV, InstanceV, ModuleV, TensorV, Value } from '../../interpreter/python/values';
import { NONE, builtin, str } from '../../interpreter/python/values';
import { allModules, builtinClass } from './modules';

/** A precision the code states, and where ("torch.autocast(dtype=torch.float16), line 41"). */
export interface StatedPrecision {
  precision: Precision;
  source: string;
}

/** The class of the objects torch.autocast(...) and its aliases return (context managers). */
export const AUTOCAST_CLASS: ClassV = builtinClass('autocast', 'object', [], {});

/** Where a dtype name comes from in messages: `torch.float16`. */
function dtypeText(dtype: string): string {
  return `torch.${dtype}`;
}

/**
 * `torch.autocast(device_type, dtype=None, enabled=True)` and the older `torch.cuda.amp.autocast(...)`
 * (float16 by default) / `torch.cpu.amp.autocast(...)` (bfloat16 by default): a context manager
 * whose region runs matmul-like ops at the reduced precision.
 */
export function autocastFactory(name: string, defaultDevice?: 'cuda' | 'cpu') {
  return builtin(name, (args, kw, site) => {
    const device = stringOf(kw.get('device_type') ?? (defaultDevice ? undefined : args[0])) ?? defaultDevice ?? 'cuda';
    const given = stringOf(kw.get('dtype') ?? args[1]);
    const dtype = given ?? (device === 'cpu' ? 'bfloat16' : 'float16');
    const enabled = kw.get('enabled') ?? (defaultDevice ? args[0] : args[2]);
    const on = !(enabled?.kind === 'bool' && !enabled.value);
    const instance: InstanceV = {
      kind: 'instance',
      cls: AUTOCAST_CLASS,
      attrs: new Map<string, Value>([
        ['device_type', str(device)],
        ['dtype', str(dtype)],
        ['enabled', { kind: 'bool', value: on }],
        ['source', str(`${name}(dtype=${dtypeText(dtype)}), line ${site.range.start.line + 1}`)],
      ]),
    };
    return instance;
  });
}

function stringOf(v: Value | undefined): string | undefined {
  return v?.kind === 'str' ? v.value : undefined;
}

/** The precision state of one analysis run: regions entered, modules converted, whether any was stated. */
export class PrecisionState {
  /** Modules whose parameters the code converted or quantized, this run only (the memo shares module objects). */
  private readonly modules = new WeakMap<ModuleV, StatedPrecision>();
  /** Modules whose weights the code makes 2:4 sparse, and where. */
  private readonly sparse = new WeakMap<ModuleV, string>();
  /** Active autocast regions, innermost last; null for a region with enabled=False. */
  private readonly regions: (StatedPrecision | null)[] = [];
  /** The root's half-precision input, when the traced input is one. */
  input: StatedPrecision | undefined;
  /** Set once the code states a precision anywhere: memoised calls, recorded without one, are not reused. */
  stated = false;

  /** Enters `with <value>:` when it is an autocast region; returns how to leave it. */
  enter(value: Value): (() => void) | undefined {
    if (value.kind !== 'instance' || value.cls !== AUTOCAST_CLASS) return undefined;
    const enabled = value.attrs.get('enabled');
    const dtype = stringOf(value.attrs.get('dtype'));
    const precision = precisionOfDtype(dtype);
    const region =
      enabled?.kind === 'bool' && enabled.value && precision && precision !== 'fp32'
        ? { precision, source: stringOf(value.attrs.get('source')) ?? 'torch.autocast' }
        : null;
    this.regions.push(region);
    this.stated = true;
    return () => void this.regions.pop();
  }

  /** `.half()`, `.bfloat16()`, `.to(torch.float16)` on a module: its whole tree computes at that dtype. */
  convert(module: ModuleV, dtype: string, how: string, site: CallSite): void {
    const precision = precisionOfDtype(dtype);
    if (!precision) return;
    const stated = { precision, source: `${how}, line ${site.range.start.line + 1}` };
    for (const m of allModules(module)) {
      if (precision === 'fp32') this.modules.delete(m);
      else this.modules.set(m, stated);
    }
    this.stated = true;
  }

  /** Marks one module as quantized (quantize_dynamic's Linear / LSTM replacements). */
  quantize(module: ModuleV, stated: StatedPrecision): void {
    this.modules.set(module, stated);
    this.stated = true;
  }

  /** Marks a Linear module's weights as 2:4 semi-structured sparse (torchao `sparsify_`), and where. */
  sparsify(module: ModuleV, source: string): void {
    this.sparse.set(module, source);
    this.stated = true;
  }

  /** Where the code makes a module's weights 2:4 sparse, if it does. */
  sparsityOf(module: ModuleV | undefined): string | undefined {
    return module ? this.sparse.get(module) : undefined;
  }

  /** The innermost enabled autocast region the code is in, if any. */
  activeRegion(): StatedPrecision | undefined {
    return this.regions[this.regions.length - 1] ?? undefined;
  }

  /** The precision the code converted a module to (`.half()`), if it did. */
  ofModule(module: ModuleV): StatedPrecision | undefined {
    return this.modules.get(module);
  }

  /** Notes the traced root's input when it is a half-precision tensor. */
  noteInput(input: TensorV | undefined): void {
    const precision = precisionOfDtype(input?.dtype);
    this.input =
      input && precision && precision !== 'fp32'
        ? { precision, source: `the ${input.dtype} input (${input.origin ?? 'as the code builds it'})` }
        : undefined;
    if (this.input) this.stated = true;
  }

  /**
   * The precision a call runs at, when the code states one: the innermost autocast region for the ops
   * autocast lowers, else the module's own (converted or quantized), else the module whose forward
   * calls a functional op, else half-precision inputs.
   */
  of(
    op: string,
    module: ModuleV | undefined,
    parent: ModuleV | undefined,
    inputs: (TensorV | null)[],
  ): StatedPrecision | undefined {
    const region = this.regions[this.regions.length - 1];
    if (region && autocastLowers(op)) return region;
    const own = (module && this.modules.get(module)) ?? (parent && !module ? this.modules.get(parent) : undefined);
    if (own) return own;
    const dtype = inputs.find((t) => t)?.dtype;
    const precision = precisionOfDtype(dtype);
    if (!precision || precision === 'fp32' || precision === 'int8') return undefined;
    return this.input?.precision === precision ? this.input : { precision, source: `${dtype} tensors` };
  }
}

/** `module.half()` and friends: the conversion is noted, and the module returned as torch does. */
export function convertingMethod(state: () => PrecisionState, dtype: string | null, name: string) {
  return (args: Value[], kw: Map<string, Value>, site: CallSite): Value => {
    const m = args[0];
    if (m?.kind !== 'module') return m ?? NONE;
    const target = dtype ?? dtypeArgument(args.slice(1), kw);
    if (target) state().convert(m, target, `.${name}(${dtype ? '' : dtypeText(target)})`, site);
    return m;
  };
}

/** The dtype among `.to(...)`'s arguments (`.to(device, torch.float16)`, `.to(dtype=...)`), if any. */
function dtypeArgument(args: Value[], kw: Map<string, Value>): string | undefined {
  const candidates = [kw.get('dtype'), ...args].filter((v): v is Value => !!v);
  for (const v of candidates) if (v.kind === 'str' && precisionOfDtype(v.value)) return v.value;
  return undefined;
}
