// Plain PyTorch training loops: `for epoch in range(E): for x, y in loader: ... loss.backward()`,
// found from the loops the interpreter entered and, for loops it never ran, from the syntax alone.
import { field, type Range, type SyntaxNode } from '../../parse/syntax';
import type { Value } from '../../interpreter/python/values';
import { descendants, descendantsOfType, pathTo, rangeContains } from '../../frameworks/hub/syntaxArgs';
import type { TrainingRecorder, RunRecord } from './trainingRecorder';
import type { LoaderInfo } from './trainingData';
import type { Precision } from '../../report/types';
import { precisionOfDtype } from '../../report/precision';

/** Looks a name up in the module scope after the run. */
export type Lookup = (name: string) => Value | undefined;

/** Adds a 'pytorch-loop' record per training loop, and traces each loop's model on one batch when it has no trace. */
export function collectLoopRuns(root: SyntaxNode, rec: TrainingRecorder, lookup: Lookup, text: string): void {
  const functions = moduleFunctions(root);
  const covered: SyntaxNode[] = [];
  for (const loop of rec.loops.values()) {
    const forNode = loopAt(root, loop.site);
    if (!forNode || covered.includes(forNode) || !isTraining(forNode, functions)) continue;
    covered.push(forNode);
    const epochLoop = enclosingRangeLoop(root, forNode);
    const record = loopRecord(forNode, loop.loader, lookup);
    record.epochs = loop.count;
    record.epochsSource = epochLoop
      ? `${headerText(epochLoop)} (entered ${loop.count}×)`
      : `the loop over ${field(forNode, 'right')?.text ?? 'the DataLoader'} was entered ${loop.count}×`;
    rec.runs.push(record);
    traceLoopModel(rec, record, loop.loader);
  }
  if (!mentionsOptimizerStep(text)) return;
  for (const forNode of descendantsOfType(root, 'for_statement')) {
    if (covered.includes(forNode) || !isTraining(forNode, functions)) continue;
    const name = loaderName(forNode);
    if (!name) continue;
    const v = lookup(name);
    const loader = v ? rec.data.loaders.get(v) : undefined;
    if (!loader && !/loader|^dl$|_dl$/i.test(name)) continue;
    rec.runs.push(staticRecord(root, forNode, name, loader, lookup));
    if (loader) traceLoopModel(rec, rec.runs[rec.runs.length - 1], loader);
  }
}

function traceLoopModel(rec: TrainingRecorder, record: RunRecord, loader: LoaderInfo): void {
  if (record.model?.kind === 'module') rec.traceWithBatch(record.model, loader, { range: record.range });
}

/** A loop the interpreter never entered (inside an uncalled function, or under an undecidable condition). */
function staticRecord(
  root: SyntaxNode,
  forNode: SyntaxNode,
  name: string,
  loader: LoaderInfo | undefined,
  lookup: Lookup,
): RunRecord {
  const inFunction = pathTo(root, forNode.range).some((n) => n.type === 'function_definition');
  const notRun = inFunction
    ? 'the analysis did not run this loop (it sits in a function never called at module level, or behind a condition it could not decide)'
    : `the loop was not entered: \`${name}\` is not a DataLoader the analysis could build (see the problem reported where it is assigned)`;
  const record = loopRecord(
    forNode,
    loader ?? {
      dataset: { size: null, source: name, reason: notRun },
      batch: null,
      batchReason: `batch size unknown: ${notRun}`,
      dropLast: false,
      range: forNode.range,
    },
    lookup,
  );
  const epochLoop = enclosingRangeLoop(root, forNode);
  if (!epochLoop) {
    record.epochs = null;
    record.epochsReason = `no enclosing \`for … in range(E)\` loop in the same function; ${notRun}`;
    return record;
  }
  const arg = field(field(epochLoop, 'right')!, 'arguments')?.children.filter((c) => c.type !== 'comment') ?? [];
  const start = arg.length >= 2 ? intExpr(arg[0], lookup) : 0;
  const stop = intExpr(arg.length === 1 ? arg[0] : arg[1], lookup);
  const value = start === undefined || stop === undefined || arg.length > 2 ? undefined : Math.max(0, stop - start);
  record.epochs = value ?? null;
  record.epochsSource = headerText(epochLoop);
  if (value === undefined)
    record.epochsReason = `the epoch count in \`${field(epochLoop, 'right')?.text ?? 'range(…)'}\` is not known statically`;
  return record;
}

/** An int literal, a module-level int, or `a + b` / `a - b` / `-a` of those; undefined otherwise. */
function intExpr(n: SyntaxNode | undefined, lookup: Lookup): number | undefined {
  if (!n) return undefined;
  if (n.type === 'integer') return Number(n.text.replace(/_/g, ''));
  if (n.type === 'identifier') {
    const v = lookup(n.text);
    return v?.kind === 'int' ? v.value : undefined;
  }
  if (n.type === 'parenthesized_expression')
    return intExpr(
      n.children.find((c) => c.type !== 'comment'),
      lookup,
    );
  if (n.type === 'unary_operator' && field(n, 'operator')?.type === '-') {
    const v = intExpr(field(n, 'argument'), lookup);
    return v === undefined ? undefined : -v;
  }
  if (n.type === 'binary_operator') {
    const [a, op, b] = [
      intExpr(field(n, 'left'), lookup),
      field(n, 'operator')?.type,
      intExpr(field(n, 'right'), lookup),
    ];
    if (a === undefined || b === undefined) return undefined;
    return op === '+' ? a + b : op === '-' ? a - b : undefined;
  }
  return undefined;
}

function loopRecord(forNode: SyntaxNode, loader: LoaderInfo, lookup: Lookup): RunRecord {
  const model = findModel(forNode, lookup);
  return {
    kind: 'pytorch-loop',
    range: forNode.range,
    model: model?.value,
    modelText: model?.name,
    modelReason: model
      ? undefined
      : 'no model called in the loop could be identified (call it as `model(x)` with a module-level `model`)',
    epochs: null,
    epochsSource: '',
    batch: loader.batch,
    batchSource: loader.batch !== null ? `DataLoader batch_size=${loader.batch}` : 'DataLoader batch_size',
    batchReason: loader.batchReason,
    dataset: loader.dataset,
    dropLast: loader.dropLast,
    notes: [],
    ...loopPrecision(forNode),
  };
}

/**
 * The precision a loop trains in when its body runs the step under `with torch.autocast(...)` (or
 * `torch.cuda.amp.autocast()` / `torch.cpu.amp.autocast()`): the dtype written, else the device's
 * default (bfloat16 on "cpu", float16 otherwise), with the line it is written on.
 */
export function loopPrecision(forNode: SyntaxNode): { precision?: Precision; precisionSource?: string } {
  for (const w of descendantsOfType(forNode, 'with_statement')) {
    const clause = w.children.find((c) => c.type === 'with_clause');
    const text = clause?.text ?? '';
    const call = /\b(torch\.autocast|(?:torch\.)?(?:cuda\.|cpu\.)?amp\.autocast|autocast)\s*\(([^)]*)\)/.exec(text);
    if (!call || /enabled\s*=\s*False/.test(call[2])) continue;
    const dtype = /dtype\s*=\s*(?:torch\.)?(\w+)/.exec(call[2])?.[1];
    const cpu = /\bcpu\b/.test(call[1]) || /device_type\s*=\s*["']cpu["']|^\s*["']cpu["']/.test(call[2]);
    const precision = precisionOfDtype(dtype) ?? (cpu ? 'bf16' : 'fp16');
    if (precision === 'fp32') continue;
    return { precision, precisionSource: `${call[0].replace(/\s+/g, ' ')}, line ${w.range.start.line + 1}` };
  }
  return {};
}

/** The innermost `for` statement whose iterable contains `site`. */
function loopAt(root: SyntaxNode, site: Range): SyntaxNode | undefined {
  return pathTo(root, site)
    .filter((n) => n.type === 'for_statement' && rangeContains(field(n, 'right')!.range, site))
    .pop();
}

/** The `for … in range(…)` loop around `forNode` in the same function, if any. */
function enclosingRangeLoop(root: SyntaxNode, forNode: SyntaxNode): SyntaxNode | undefined {
  const chain = pathTo(root, forNode.range);
  for (let i = chain.indexOf(forNode) - 1; i >= 0; i--) {
    const n = chain[i];
    if (n.type === 'function_definition' || n.type === 'class_definition') return undefined;
    if (n.type !== 'for_statement') continue;
    const right = field(n, 'right');
    if (right?.type === 'call' && /^(range|trange|tqdm\.trange)$/.test(field(right, 'function')?.text ?? '')) return n;
  }
  return undefined;
}

/** `for epoch in range(EPOCHS)` as written (its header line). */
function headerText(forNode: SyntaxNode): string {
  return `for ${field(forNode, 'left')?.text ?? '_'} in ${field(forNode, 'right')?.text ?? '…'}`;
}

/** The loader a loop iterates: `loader`, `enumerate(loader)`, `tqdm(loader, ...)`. */
function loaderName(forNode: SyntaxNode): string | undefined {
  let right = field(forNode, 'right');
  while (right?.type === 'call' && /^(enumerate|tqdm|tqdm\.tqdm|iter)$/.test(field(right, 'function')?.text ?? '')) {
    right = field(right, 'arguments')?.children.find((c) => c.type !== 'keyword_argument' && c.type !== 'comment');
  }
  return right?.type === 'identifier' ? right.text : undefined;
}

/** Module-level function definitions by name (to look one call deep into a loop body). */
/**
 * A static training loop calls `.backward()` or `.step()`; checking the text for those first keeps
 * files without any (most model files) from paying for a walk over every loop.
 */
function mentionsOptimizerStep(text: string): boolean {
  return /\.(backward|step)\s*\(/.test(text);
}

function moduleFunctions(root: SyntaxNode): Map<string, SyntaxNode> {
  const out = new Map<string, SyntaxNode>();
  for (const n of root.children) {
    const def = n.type === 'decorated_definition' ? field(n, 'definition') : n;
    if (def?.type === 'function_definition') out.set(field(def, 'name')!.text, def);
  }
  return out;
}

/** A training loop: its body calls `.backward()` or `.step()`, directly or in a module-level function it calls. */
function isTraining(forNode: SyntaxNode, functions: Map<string, SyntaxNode>): boolean {
  const body = field(forNode, 'body');
  if (!body) return false;
  const calls = descendantsOfType(body, 'call', true);
  const trains = (cs: SyntaxNode[]) =>
    cs.some((c) => {
      const fn = field(c, 'function');
      return fn?.type === 'attribute' && /^(backward|step|manual_backward)$/.test(field(fn, 'attribute')?.text ?? '');
    });
  if (trains(calls)) return true;
  return calls.some((c) => {
    const def = functions.get(field(c, 'function')?.text ?? '');
    return !!def && trains(descendantsOfType(field(def, 'body')!, 'call', true));
  });
}

/**
 * The model a loop trains: a module called in its body (or in its function), else one whose
 * `.train()` / `.parameters()` is used there, looked up in the module scope; else the file's only model.
 */
function findModel(forNode: SyntaxNode, lookup: Lookup): { name: string; value: Value } | undefined {
  const isModel = (v: Value | undefined) => !!v && v.kind === 'module' && !/Loss$/.test(v.cls.name);
  const names = (n: SyntaxNode, calledOnly: boolean) =>
    descendants(n, true).flatMap((c) => {
      const fn = c.type === 'call' ? field(c, 'function') : undefined;
      if (fn?.type === 'identifier') return [fn.text];
      if (!calledOnly && c.type === 'attribute' && field(c, 'object')?.type === 'identifier')
        return [field(c, 'object')!.text];
      return [];
    });
  const body = field(forNode, 'body')!;
  for (const [scope, calledOnly] of [
    [body, true],
    [body, false],
  ] as const) {
    const hit = names(scope, calledOnly).find((name) => isModel(lookup(name)));
    if (hit) return { name: hit, value: lookup(hit)! };
  }
  return undefined;
}

export { rangeContains };
