// What Keras's helpers (classes, args, ops, lookups) need of the Keras runtime, stated apart from
// runtime.ts so that the helpers type this interface and the runtime, which imports them, implements it.
import type { Value, InstanceV, TensorV, CallSite } from '../../interpreter/python/values';
import type { Interpreter } from '../../interpreter/python/interpreter';
import type { Shape } from './layers/spec';
import type { KerasObjects } from './objects';
import type { KerasGraph } from './graph';
import type { KerasTracer } from './tracer';

/** Options that change how roots are traced (the same as torch's). */
export interface KerasOptions {
  input?: number[][];
  batch?: number;
  declaredInputs: Map<number, number[][]>;
}

/**
 * The part of runtime.ts's KerasRuntime that its helpers use: the layer objects, the functional
 * graph and the trace it keeps, the interpreter for calls and messages, and the runtime's own
 * tensors, layer calls and shape problems.
 */
export interface KerasHost {
  readonly objects: KerasObjects;
  readonly graph: KerasGraph;
  readonly tracer: KerasTracer;
  readonly options: KerasOptions;
  readonly interp: Pick<Interpreter, 'callValue' | 'iterateValue' | 'bindAttr' | 'report' | 'reportError' | 'stated'>;
  /** A new tensor owned by Keras. */
  tensor(shape: Shape | null, dtype?: TensorV['dtype'], reason?: string, origin?: string): TensorV;
  /** Calls a layer or model from Python code, recording the call in the functional graph. */
  callLayer(inst: InstanceV, args: Value[], kwargs: Map<string, Value>, site: CallSite): Value;
  /** Runs a layer or model on its arguments (no graph node). */
  invoke(inst: InstanceV, args: Value[], kwargs: Map<string, Value>, site: CallSite): Value;
  /** `self.convolution_op(inputs, kernel)` in a Conv subclass. */
  convolutionOp(args: Value[], site: CallSite): Value;
  /** Records a shape problem at the call's line. */
  shapeProblem(message: string, site: CallSite): void;
}
