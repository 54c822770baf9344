// Entry point for TensorFlow.js sources (.ts / .js / .mjs / .tsx): parses with the TypeScript
// grammar, evaluates the file with tf semantics (nothing is run, types are never checked), and
// reports each tf.sequential / tf.model it builds.
import type { SourceParser, LanguageId } from '../parse/parser';
import type { FileReport, Finding } from '../report/types';
import type { AnalyzeOptions } from './analyzeSource';
import { MAX_SOURCE_BYTES } from './analyzeSource';
import { syntaxFindings, inputFindings } from './findings';
import { StepBudget } from '../interpreter/stepBudget';
import { TsInterpreter } from '../interpreter/typescript/interpreter';
import { TfRuntime } from '../frameworks/tfjs/runtime';
import { createGlobals } from '../interpreter/typescript/globals';
import { JsScope } from '../interpreter/typescript/values';
import { declaredInputs, declaredValues, malformedValueFindings } from './declaredInputs';
import { siblingModuleReader, type ModuleReader } from './moduleReader';
import { tfjsModelReports } from '../frameworks/tfjs/report';
import { tfjsGraphs } from '../frameworks/tfjs/dataflow';
import type { ModelGraph } from '../report/graph';

/** Options for a TypeScript/JavaScript analysis; `language` defaults from the file name (.tsx/.jsx → tsx). */
export interface AnalyzeTsOptions extends AnalyzeOptions {
  /** Follow relative imports into sibling files read from disk beside `file` (default true). */
  followImports?: boolean;
  language?: Extract<LanguageId, 'typescript' | 'tsx'>;
}

/**
 * Analyses one TypeScript or JavaScript source text and also returns the dataflow graph of each root
 * model (what the profiler synthesises its ONNX graph from), named as its report and pointing at it.
 */
export function analyzeTypeScriptWithGraphs(
  parser: SourceParser,
  text: string,
  options: AnalyzeTsOptions,
): { report: FileReport; graphs: ModelGraph[] } {
  let models: TfRuntime['models'] = [];
  const report = analyzeTypeScript(parser, text, options, (rt) => (models = rt.models));
  const graphs = tfjsGraphs(models).map((g) => ({ ...g, model: report.models[g.modelIndex]?.name ?? g.model }));
  return { report, graphs };
}

/** Analyses one TypeScript or JavaScript source text. Never throws for bad input: problems become findings. */
export function analyzeTypeScript(
  parser: SourceParser,
  text: string,
  options: AnalyzeTsOptions,
  onRuntime?: (rt: TfRuntime) => void,
): FileReport {
  const refused = inputFindings(text, MAX_SOURCE_BYTES);
  if (refused.length) return { file: options.file, models: [], diagnostics: refused };
  const language = options.language ?? (/\.(tsx|jsx)$/i.test(options.file) ? 'tsx' : 'typescript');
  const parsed = parser.parse(text, language);
  let reader: ModuleReader | undefined;
  try {
    const diagnostics: Finding[] = syntaxFindings(parsed.root);
    diagnostics.push(...malformedValueFindings(text));
    const ip = new TsInterpreter(new StepBudget(options.maxSteps, options.maxMs), text);
    if (options.followImports !== false) {
      reader = siblingModuleReader(parser, options.file);
      ip.loadModule = reader.read;
    }
    ip.stated = declaredValues(text);
    const rt = new TfRuntime(ip, { input: options.input, batch: options.batch, declaredInputs: declaredInputs(text) });
    ip.rt = rt;
    const scope = new JsScope(createGlobals(ip), '');
    if (ip.runProgram(parsed.root, scope)) ip.runDeferred();
    const stopped = ip.problems.find((p) => p.code === 'budget');
    if (stopped) rt.markUnfinished(stopped.range, stopped.reason);
    const models = tfjsModelReports(rt, options.precision ?? 'fp32');
    onRuntime?.(rt);
    diagnostics.push(
      ...ip.problems.map((p) => ({ range: p.range, severity: p.severity, message: p.reason, code: p.code })),
    );
    return { file: options.file, models, diagnostics };
  } finally {
    parsed.tree.delete();
    reader?.dispose();
  }
}
