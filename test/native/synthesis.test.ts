// A real runtime checks the core: every model of the corpus is synthesised as ONNX and run by
// onnxruntime; its parameter count and every layer's output shape (as the runtime's profiler saw
// them) must equal the analysis's. Plus the synthesiser's own promises (names, seeds, refusals).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { loadParser, repoRoot } from '../helpers/analyzer';
import { analyzeWithGraphs } from '../../server/src/core/analysis/analyzeSource';
import { analyzeTypeScriptWithGraphs } from '../../server/src/core/analysis/analyzeTfjs';
import { analyzeCellsWithGraphs, parseNotebook } from '../../server/src/core/analysis/notebook';
import { synthesize, SynthesisError, type SynthesizedModel } from '../../native/src/onnx/synthesize';
import { parseProfile } from '../../native/src/runner/trace';
import type { ModelReport } from '../../server/src/core/report/types';
import { KERAS_LAYERS } from '../../server/src/core/frameworks/keras';

const corpus = [join(repoRoot, 'test', 'fixtures', 'pytorch'), join(repoRoot, 'examples')].flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.py'))
    .sort()
    .map((f) => join(dir, f)),
);

/** Every file of a fixture folder (sub-folders included) the analysis reads: Python, TypeScript / JavaScript, notebooks. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]))
    .filter((f) => /\.(py|ts|js|ipynb)$/.test(f))
    .sort();
}

/** The Keras and TF.js corpus: the fixtures, notebooks, hub files, both public-code corpora and Keras training. */
const kerasCorpus = [
  ...['keras', 'tfjs', 'notebooks', 'hub', 'keras-io', 'tfjs-examples'].flatMap((dir) =>
    filesUnder(join(repoRoot, 'test', 'fixtures', dir)),
  ),
  join(repoRoot, 'test', 'fixtures', 'training', 'keras_fit.py'),
];

/** A reported reason without the layer path it starts with (`embedding: a dimension is None ...`), cut to 40 characters. */
function reasonText(reason: string): string {
  const colon = reason.indexOf(': ');
  return (colon >= 0 && !reason.slice(0, colon).includes(' ') ? reason.slice(colon + 2) : reason).slice(0, 40);
}

/** Analyses a corpus file as the profiler does, by its extension. */
function analyseFile(parser: Awaited<ReturnType<typeof loadParser>>, path: string) {
  const name = path.slice(repoRoot.length + 1);
  const text = readFileSync(path, 'utf8');
  if (path.endsWith('.py')) return analyzeWithGraphs(parser, text, { file: name });
  if (!path.endsWith('.ipynb')) return analyzeTypeScriptWithGraphs(parser, text, { file: name });
  try {
    const notebook = parseNotebook(text, name);
    return analyzeCellsWithGraphs(parser, notebook.cells, { file: name, language: notebook.language });
  } catch {
    return null;
  }
}

/** Random feeds of the right types (indices below their embedding's size). */
function feeds(model: SynthesizedModel): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const input of model.inputs) {
    const n = input.shape.reduce((a, b) => a * b, 1);
    const below = input.integersBelow;
    out[input.name] =
      input.type === 'int64'
        ? new ort.Tensor(
            'int64',
            BigInt64Array.from({ length: n }, (_, i) => BigInt(i % (below ?? 2))),
            input.shape,
          )
        : input.type === 'int32'
          ? new ort.Tensor(
              'int32',
              Int32Array.from({ length: n }, (_, i) => i % (below ?? 2)),
              input.shape,
            )
          : new ort.Tensor(
              'float32',
              below === undefined
                ? new Float32Array(n).fill(0.5)
                : Float32Array.from({ length: n }, (_, i) => i % below),
              input.shape,
            );
  }
  return out;
}

/** Runs the model once with the profiler on and no graph optimisation: each node keeps its name. */
async function runProfiled(model: SynthesizedModel, dir: string) {
  const session = await ort.InferenceSession.create(model.bytes, {
    graphOptimizationLevel: 'disabled',
    enableProfiling: true,
    profileFilePrefix: join(dir, 'p'),
    intraOpNumThreads: 1,
    logSeverityLevel: 3,
  });
  try {
    const outputs = await session.run(feeds(model));
    session.endProfiling();
    const file = readdirSync(dir).find((f) => f.startsWith('p'))!;
    const profile = parseProfile(readFileSync(join(dir, file), 'utf8'));
    rmSync(join(dir, file));
    return { outputs, profile };
  } finally {
    await session.release();
  }
}

/** Runs one synthesised model and lists where onnxruntime disagrees with the core; returns the shapes checked. */
async function check(name: string, model: ModelReport, synthesized: SynthesizedModel, dir: string, problems: string[]) {
  if (synthesized.parameterCount !== model.totals.params)
    problems.push(`${name} ${model.name}: ${synthesized.parameterCount} parameters, core ${model.totals.params}`);
  const { outputs, profile } = await runProfiled(synthesized, dir);
  for (const out of synthesized.outputs) {
    if (out.shape && outputs[out.name].dims.join() !== out.shape.join())
      problems.push(`${name} ${model.name}: output ${out.name} is ${outputs[out.name].dims}, core ${out.shape}`);
    const data = outputs[out.name].data;
    if (data instanceof Float32Array && data.some((v) => !Number.isFinite(v)))
      problems.push(`${name} ${model.name}: output ${out.name} is not finite`);
  }
  const producer = new Map<string, [string, number]>();
  for (const node of synthesized.nodes) node.outputs.forEach((v, i) => producer.set(v, [node.name, i]));
  const executed = new Map(profile.nodes.map((n) => [n.name, n]));
  for (const entry of synthesized.layerOutputs) {
    const [node, index] = producer.get(entry.value)!;
    const seen = executed.get(node)?.outputShapes[index];
    if (seen?.join() !== entry.shape?.join())
      problems.push(
        `${name} ${model.layers[entry.layer].path}: the runtime gave ${JSON.stringify(seen)}, core ${JSON.stringify(entry.shape)}`,
      );
  }
  return synthesized.layerOutputs.length;
}

test('every corpus model synthesises, and onnxruntime agrees with the core on parameters and every output shape', async () => {
  const parser = await loadParser();
  const dir = mkdtempSync(join(tmpdir(), 'wattlens-synthesis-'));
  const problems: string[] = [];
  let models = 0;
  let checkedShapes = 0;
  try {
    for (const path of corpus) {
      const name = path.slice(repoRoot.length + 1);
      const { report, graphs } = analyzeWithGraphs(parser, readFileSync(path, 'utf8'), { file: name });
      assert.ok(graphs.length > 0, `${name}: no traced model`);
      for (const graph of graphs) {
        const model = report.models[graph.modelIndex];
        models++;
        checkedShapes += await check(name, model, synthesize(graph, model), dir, problems);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(problems, []);
  assert.ok(models >= 40 && checkedShapes >= 2000, `${models} models, ${checkedShapes} shapes checked`);
});

test("Keras, TF.js and notebook models: every one the core resolves synthesises channels-last and onnxruntime agrees with the core; the others are refused with the core's reason", async () => {
  const parser = await loadParser();
  const dir = mkdtempSync(join(tmpdir(), 'wattlens-synthesis-'));
  const problems: string[] = [];
  const byFramework = new Map<string, number>();
  let refused = 0;
  let checkedShapes = 0;
  try {
    for (const path of kerasCorpus) {
      const name = path.slice(repoRoot.length + 1);
      const analysed = analyseFile(parser, path);
      if (!analysed) continue;
      for (const graph of analysed.graphs) {
        const model = analysed.report.models[graph.modelIndex];
        let synthesized: SynthesizedModel;
        try {
          synthesized = synthesize(graph, model);
        } catch (e) {
          if (!(e instanceof SynthesisError)) throw e;
          // Only a model the core itself leaves unknown may be refused, and the refusal says why; a
          // custom layer (a class of the file: its code has no ONNX form) is refused by name.
          const named = /no ONNX form for the Keras layer (\S+) yet/.exec(e.message)?.[1];
          const custom = !!named && !(named in KERAS_LAYERS);
          if (model.unresolved.length === 0 && !custom)
            problems.push(`${name} ${model.name}: refused although resolved: ${e.message}`);
          else if (!custom && !model.unresolved.some((u) => e.message.includes(reasonText(u.reason))))
            problems.push(`${name} ${model.name}: refused without the core's reason: ${e.message}`);
          refused++;
          continue;
        }
        byFramework.set(graph.framework, (byFramework.get(graph.framework) ?? 0) + 1);
        checkedShapes += await check(name, model, synthesized, dir, problems);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(problems, []);
  const counts = JSON.stringify(Object.fromEntries(byFramework));
  assert.ok((byFramework.get('keras') ?? 0) >= 25 && (byFramework.get('tfjs') ?? 0) >= 12, counts);
  assert.ok(checkedShapes >= 400 && refused >= 10, `${counts}, ${checkedShapes} shapes, ${refused} refused`);
});

const SMALL = `
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        x = torch.relu(self.bn(self.conv(x)))
        return self.fc(x.mean((2, 3)))

net = Net()
y = net(torch.randn(2, 3, 16, 16))
`;

async function small(text = SMALL) {
  const { report, graphs } = analyzeWithGraphs(await loadParser(), text, { file: 'small.py' });
  return { report, graph: graphs[0], model: report.models[graphs[0].modelIndex] };
}

test('nodes are named by module path and mapped to their layer rows', async () => {
  const { graph, model } = await small();
  const s = synthesize(graph, model);
  const decoded = onnx.ModelProto.decode(s.bytes);
  const names = decoded.graph!.node!.map((n) => `${n.name}:${n.opType}`);
  assert.ok(names.includes('conv:Conv'), names.join());
  assert.ok(names.includes('bn:BatchNormalization'), names.join());
  assert.ok(names.includes('fc:Gemm'), names.join());
  assert.equal(s.nodeLayers.conv, 0);
  assert.equal(
    s.nodeLayers.fc,
    model.layers.findIndex((l) => l.path === 'fc'),
  );
  // The layers' own names are the report's paths: every row has at least one node.
  const rows = new Set(Object.values(s.nodeLayers).filter((v) => v !== null));
  assert.equal(rows.size, model.layers.length);
  // torch's parameters become initializers under their own names, counted once.
  const params = s.initializers.filter((i) => i.kind === 'parameter').map((i) => i.name);
  assert.deepEqual(params.sort(), ['bn.bias', 'bn.weight', 'conv.bias', 'conv.weight', 'fc.bias', 'fc.weight']);
});

test('the same model and seed give the same bytes; another seed other weights', async () => {
  const { graph, model } = await small();
  const a = synthesize(graph, model);
  const b = synthesize(graph, model);
  const c = synthesize(graph, model, { seed: 42 });
  assert.deepEqual(a.bytes, b.bytes);
  assert.notDeepEqual(a.bytes, c.bytes);
});

test('an unresolved call is refused with its layer and line, never synthesised as something else', async () => {
  const text = `
import torch
import torch.nn as nn
import mystery

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = mystery.Block(8)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc(self.block(x))

y = Net()(torch.randn(1, 8))
`;
  const { graph, model } = await small(text);
  assert.throws(
    () => synthesize(graph, model),
    (e: unknown) =>
      e instanceof SynthesisError && /line 13 is unresolved.*mystery/.test(e.message) && e.layer?.line === 13,
  );
});

test('a Keras model the core knows only in part is refused with the reason and line, never run as the part it followed', async () => {
  const text = `import keras
from keras import layers
x = keras.Input(shape=(6, 4))
model = keras.Model(x, layers.Dense(3)(x))
`;
  const { report, graphs } = analyzeWithGraphs(await loadParser(), text, { file: 'partial.py' });
  const model = report.models[graphs[0].modelIndex];
  assert.equal(synthesize(graphs[0], model).parameterCount, 15);
  // The same graph with a problem the core reported elsewhere in the model (no node carries it).
  const range = { start: { line: 4, character: 0 }, end: { line: 4, character: 9 } };
  const partial = { ...model, unresolved: [{ range, reason: 'keras.layers member is not modelled' }] };
  assert.throws(
    () => synthesize(graphs[0], partial),
    (e: unknown) =>
      e instanceof SynthesisError &&
      e.message === 'model is only partly known: keras.layers member is not modelled (line 5)',
  );
  assert.throws(
    () => synthesize({ ...graphs[0], outputs: [] }, partial),
    (e: unknown) =>
      e instanceof SynthesisError && /^model returns no tensor the analysis could follow: keras/.test(e.message),
  );
});
