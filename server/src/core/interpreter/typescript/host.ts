// What the evaluator's halves (expressions, statements, loops, members, classes, promises) need of
// the evaluator (interpreter.ts's TsInterpreter), stated apart so that they type this interface and
// the evaluator, which imports them, implements it.
import type { SyntaxNode, Range } from '../../parse/syntax';
import type { StepBudget } from '../stepBudget';
import type { JsValue, FnV, ObjectV, LayerV, ModelV, SymV, Site, JsScope } from './values';

/** Control flow out of a statement. */
export type Signal = { type: 'return'; value: JsValue } | { type: 'break' } | { type: 'continue' } | undefined;

/** What the evaluator asks of the framework runtime it drives: naming models and marking deferred runs. */
export interface EvaluatorHooks {
  /** Set while a deferred function runs: why it ran (recorded on the models it builds). */
  deferred?: string;
  /** Records the variable (and enclosing function) a model is bound to, for its report name. */
  nameModel(model: ModelV, varName: string, fnName: string): void;
  /** The value an import or require of `source` yields (the tf namespace), or undefined for modules not analysed. */
  importModule(source: string): JsValue | undefined;
  /** Properties of the framework's objects: layers, models and symbolic tensors. */
  member(self: LayerV | ModelV | SymV, name: string, site: Site): JsValue;
  /** `new C(...)` for a class extending the framework's layer base: the layer (init runs the constructor). */
  customLayer(className: string, self: ObjectV, init: () => void, site: Site): JsValue;
}

/**
 * The part of the evaluator its halves use: scopes and functions, calls, statements, assignment,
 * imports, stated values, messages, the step budget and the framework runtime's hooks.
 */
export interface EvaluatorHost {
  readonly budget: StepBudget;
  /** The framework runtime the evaluated code builds models with. */
  readonly rt: EvaluatorHooks;
  /** `export default <value>` of each imported module, by module key. */
  readonly defaultExports: Map<string, JsValue>;
  /** The key of the module whose code runs now ('' for the analysed file). */
  readonly currentModule: string;
  /** The original source between two UTF-16 offsets. */
  sourceText(start: number, end: number): string;
  /** Records a problem once per location and message. */
  report(range: Range, reason: string, severity?: 'error' | 'warning' | 'information' | 'hint', code?: string): void;
  /** A name's value; names the file never defines are Unknown. */
  lookup(name: string, scope: JsScope, range: Range): JsValue;
  /** Creates a function value for a declaration, expression, arrow or method node. */
  makeFunction(node: SyntaxNode, scope: JsScope, name: string): FnV;
  /** Calls any value; calling an Unknown runs its function arguments later, as callbacks. */
  callValue(fn: JsValue, args: JsValue[], self: JsValue | undefined, site: Site, text: string): JsValue;
  /** Calls a user function: binds parameters, runs the body, returns its value. */
  callFunction(
    fn: FnV,
    args: JsValue[],
    self: JsValue | undefined,
    site: Site,
    missing?: (param: string) => string,
  ): JsValue;
  /** Queues function arguments handed to code the analysis cannot see. */
  deferCallbacks(args: JsValue[], site: Site, callee: string): void;
  /** Evaluates a call's arguments, applying a value stated (`// wattlens: size=N`) on the call's line. */
  statedArguments(node: SyntaxNode, evalArgs: () => JsValue[], ownCallee: boolean): JsValue[];
  /** Binds a value to an identifier or a destructuring pattern. */
  assignTarget(target: SyntaxNode, value: JsValue, scope: JsScope, declare: boolean): void;
  /** Remembers a function value bound at module level, for the deferred run. */
  noteTopLevel(v: JsValue, scope: JsScope): void;
  /** Runs the module a relative import names (once); its exports, or undefined when not followed. */
  importFile(specifier: string, at: Range): ObjectV | undefined;
  /** Runs statements in order, stopping at break / continue / return. */
  execStatements(nodes: SyntaxNode[], scope: JsScope): Signal;
  /** Executes one statement. */
  exec(node: SyntaxNode, scope: JsScope): Signal;
}
