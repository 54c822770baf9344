// Training runs in the syntax: the loop a training-run report names, the statements of its step
// (forward + loss, what autocast should wrap), its backward and optimizer step, and fast precisions.
import type { Precision, TrainingRunReport } from '../../core/report/types';
import type { SyntaxNode } from '../../core/parse/syntax';
import { field } from '../../core/parse/syntax';
import type { HardwareProfile } from '../../core/energy';
import { scanModels } from './patterns';
import { textOf, walk } from '../syntax/pySyntax';
import type { View } from '../view';

/** A training run with the syntax it was found in. */
export interface TrainingSite {
  run: TrainingRunReport;
  /** The `for` loop of a PyTorch run (undefined for fit/train calls, or when it cannot be found). */
  loop?: SyntaxNode;
  /** The loop's ancestors, outermost first. */
  ancestors: SyntaxNode[];
  /** Whether the run already uses reduced precision (autocast, a Keras policy, bf16=True, ...). */
  mixed: boolean;
  /** The step's statements, when the loop body has the plain forward / loss / backward shape. */
  step?: TrainingStep;
}

/** The statements of one training step in a loop body. */
export interface TrainingStep {
  /** First and last statement of the forward pass and loss (siblings in the loop body). */
  first: SyntaxNode;
  last: SyntaxNode;
  /** The loss variable (`loss` in `loss.backward()`). */
  loss: string;
  /** The `loss.backward()` statement and the `loss` identifier in it. */
  backward: SyntaxNode;
  lossRef: SyntaxNode;
  /** The plain `optimizer.step()` statement after backward, if there is one, and the optimizer expression. */
  optimizerStep?: SyntaxNode;
  optimizer?: string;
}

/** A precision with a much faster peak than the current one. */
export interface FastPath {
  precision: Extract<Precision, 'bf16' | 'fp16'>;
  /** Peaks in 1e12 ops/s: the fast precision's and the current one's. */
  peak: number;
  base: number;
}

const cache = new WeakMap<View, TrainingSite[]>();

/** Every training run of the view with its syntax (found once per view). */
export function trainingSites(view: View): TrainingSite[] {
  let sites = cache.get(view);
  if (!sites) {
    sites = findSites(view);
    cache.set(view, sites);
  }
  return sites;
}

/**
 * The reduced precision worth training in on `profile` when the current precision is fp32/tf32: bf16
 * (or fp16 where bf16 is missing, GPUs only) with a peak at least twice the current one.
 */
export function fastPath(profile: HardwareProfile | null, current: Precision): FastPath | undefined {
  if (!profile || (current !== 'fp32' && current !== 'tf32')) return undefined;
  const base = profile.peak[current]?.value;
  if (!base) return undefined;
  const options: FastPath['precision'][] = profile.kind === 'cpu' ? ['bf16'] : ['bf16', 'fp16'];
  let best: FastPath | undefined;
  for (const precision of options) {
    const peak = profile.peak[precision]?.value;
    if (peak && peak >= 2 * base && (!best || peak > best.peak)) best = { precision, peak, base };
  }
  return best;
}

function findSites(view: View): TrainingSite[] {
  const runs = view.file.trainingRuns ?? [];
  const root = view.analysis.root;
  if (!runs.length || !root) return [];
  const text = view.source.text;
  const loops = new Map<string, { loop: SyntaxNode; ancestors: SyntaxNode[] }>();
  walk(root, (node, ancestors) => {
    if (node.type === 'for_statement')
      loops.set(`${node.range.start.line}:${node.range.start.character}`, { loop: node, ancestors: [...ancestors] });
  });
  return runs.map((run) => {
    if (run.kind !== 'pytorch-loop') return { run, ancestors: [], mixed: !!run.precision || mixedFit(run, text) };
    const found = loops.get(`${run.range.start.line}:${run.range.start.character}`);
    if (!found) return { run, ancestors: [], mixed: /autocast|\.(half|bfloat16)\(\s*\)/.test(text) };
    const { loop, ancestors } = found;
    const mixed =
      !!run.precision ||
      /autocast|\.(half|bfloat16)\(\s*\)/.test(textOf(view.source, loop)) ||
      ancestors.some((a) => a.type === 'with_statement' && /autocast/.test(textOf(view.source, a).split('\n')[0])) ||
      /\.(half|bfloat16)\(\s*\)/.test(text);
    return { run, loop, ancestors, mixed, step: stepOf(view, loop) };
  });
}

/** Whether a fit / train call already trains in reduced precision (or does by default). */
function mixedFit(run: TrainingRunReport, text: string): boolean {
  switch (run.kind) {
    case 'keras-fit':
      return /set_global_policy|mixed_precision\.Policy|set_policy\s*\(/.test(text);
    case 'hf-trainer':
      return /\b(bf16|fp16)\s*=\s*True/.test(text);
    case 'lightning':
      return /precision\s*=\s*['"]?(16|bf16)/.test(text);
    case 'ultralytics':
      return !/\bamp\s*=\s*False/.test(text); // Ultralytics trains with AMP by default
    default:
      return false;
  }
}

const OPTIMIZER_WORK = /zero_grad\s*\(|\.step\s*\(|\.backward\s*\(/;

/** The forward / loss / backward / step statements of a loop body with the usual shape. */
function stepOf(view: View, loop: SyntaxNode): TrainingStep | undefined {
  const body = field(loop, 'body');
  if (!body) return undefined;
  const statements = body.children.filter((c) => c.type !== 'comment');
  const text = (n: SyntaxNode) => textOf(view.source, n);
  const b = statements.findIndex(
    (s) => s.type === 'expression_statement' && /^[A-Za-z_]\w*\.backward\s*\(/.test(text(s)),
  );
  if (b < 0) return undefined;
  const backward = statements[b];
  const call = backward.children[0];
  const lossRef = call?.type === 'call' ? field(field(call, 'function') ?? call, 'object') : undefined;
  if (!lossRef || lossRef.type !== 'identifier') return undefined;
  const loss = lossRef.text;
  let l = b - 1;
  while (l >= 0 && !assigns(statements[l], loss)) l--;
  if (l < 0) return undefined;
  let start = l;
  while (start > 0 && !OPTIMIZER_WORK.test(text(statements[start - 1]))) start--;
  const calls = scanModels(view).calls;
  const callsModel = (s: SyntaxNode) =>
    calls.some((c) => c.call.startIndex >= s.startIndex && c.call.endIndex <= s.endIndex);
  const firstForward = statements.slice(start, l + 1).find(callsModel) ?? statements[l];
  const after = statements
    .slice(b + 1)
    .find((s) => s.type === 'expression_statement' && /^[A-Za-z_][\w.]*\.step\(\s*\)$/.test(text(s)));
  const nestedStep = statements
    .slice(b + 1)
    .some((s) => s.type !== 'expression_statement' && /\.step\s*\(/.test(text(s)));
  const step: TrainingStep = { first: firstForward, last: statements[l], loss, backward, lossRef };
  if (after && !nestedStep) {
    step.optimizerStep = after;
    step.optimizer = text(after).replace(/\.step\(\s*\)$/, '');
  }
  return step;
}

/** Whether a statement is `name = ...` (a plain assignment to that one name). */
function assigns(statement: SyntaxNode, name: string): boolean {
  const a = statement.type === 'expression_statement' ? statement.children[0] : undefined;
  return a?.type === 'assignment' && field(a, 'left')?.type === 'identifier' && field(a, 'left')!.text === name;
}
