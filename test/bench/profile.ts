// Profiling overhead for `npm run bench`: the runner process's start (fork to onnxruntime loaded, and
// a whole minimal measurement), graph synthesis (the dataflow record's cost and the ONNX writing), and
// onnxruntime's profiler against an un-profiled run of the same model.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadParser, repoRoot } from '../helpers/analyzer';
import { analyzeSource, analyzeWithGraphs } from '../../server/src/core/analysis/analyzeSource';
import { synthesize } from '../../native/src/onnx/synthesize';
import { runInChild } from '../../native/src/runner/parent';
import type { RunnerRequest } from '../../native/src/runner/protocol';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

function timed<T>(f: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = f();
  return { value, ms: performance.now() - t0 };
}

/** Median times of analysing with and without the dataflow record, and of writing the ONNX graph. */
async function synthesisCost(file: string, runs: number) {
  const parser = await loadParser();
  const text = readFileSync(file, 'utf8');
  for (let i = 0; i < 3; i++) analyzeWithGraphs(parser, text, { file });
  const plain = median(Array.from({ length: runs }, () => timed(() => analyzeSource(parser, text, { file })).ms));
  const withFlow: number[] = [];
  const writing: number[] = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const analysed = timed(() => analyzeWithGraphs(parser, text, { file }));
    withFlow.push(analysed.ms);
    const { report, graphs } = analysed.value;
    const synth = timed(() => synthesize(graphs[0], report.models[graphs[0].modelIndex]));
    writing.push(synth.ms);
    bytes = synth.value.bytes.length;
  }
  return { plain, withFlow: median(withFlow), writing: median(writing), bytes };
}

async function request(file: string, dir: string, overrides: Partial<RunnerRequest>): Promise<RunnerRequest> {
  const parser = await loadParser();
  const { report, graphs } = analyzeWithGraphs(parser, readFileSync(file, 'utf8'), { file });
  const model = synthesize(graphs[0], report.models[graphs[0].modelIndex]);
  const modelPath = join(dir, `${Math.random().toString(36).slice(2)}.onnx`);
  writeFileSync(modelPath, model.bytes);
  return {
    modelPath,
    inputs: model.inputs,
    provider: 'cpu',
    minSeconds: 0,
    minRuns: 1,
    maxSeconds: 60,
    warmupRuns: 0,
    profileRuns: 2,
    idleSeconds: 0,
    meter: { request: 'none' },
    workDir: mkdtempSync(join(dir, 'run-')),
    ...overrides,
  };
}

/** The runner's start: fork → onnxruntime loaded (first 'creating a session'), and a minimal measurement end to end. */
async function runnerStart(dir: string, runs: number) {
  const tiny = join(repoRoot, 'test', 'fixtures', 'pytorch', 'mnist_mlp.py');
  const loaded: number[] = [];
  const whole: number[] = [];
  for (let i = 0; i < runs; i++) {
    const req = await request(tiny, dir, {});
    const t0 = performance.now();
    let at = NaN;
    await runInChild(req, {
      timeoutMs: 120_000,
      onProgress: (message) => {
        if (Number.isNaN(at) && message.startsWith('creating a session')) at = performance.now() - t0;
      },
    });
    whole.push(performance.now() - t0);
    loaded.push(at);
  }
  return { loaded: median(loaded), whole: median(whole) };
}

/** onnxruntime's profiler: median profiled run ÷ median un-profiled run, same model and session options. */
async function profilerCost(dir: string) {
  const file = join(repoRoot, 'test', 'fixtures', 'pytorch', 'resnet18.py');
  const result = await runInChild(
    await request(file, dir, { minRuns: 20, minSeconds: 1, warmupRuns: 3, profileRuns: 21 }),
    {
      timeoutMs: 600_000,
    },
  );
  return { plain: median(result.runsMs), profiled: median(result.profiledRunsMs) };
}

/** Prints the profiling section of the benchmark. */
export async function runProfileBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wattlens-profile-bench-'));
  try {
    const resnet = await synthesisCost(join(repoRoot, 'examples', 'resnet50.py'), 5);
    const vgg = await synthesisCost(join(repoRoot, 'test', 'fixtures', 'pytorch', 'vgg16.py'), 1);
    const unet = await synthesisCost(
      join(repoRoot, 'test', 'fixtures', 'keras-io', 'vision_oxford_pets_segmentation.py'),
      5,
    );
    const start = await runnerStart(dir, 5);
    const profiler = await profilerCost(dir);
    console.log('Profiling overhead (medians; cpu provider)');
    console.log(
      `  ResNet-50 analysis with the dataflow record: ${fmt(resnet.withFlow)} vs ${fmt(resnet.plain)} without (${(resnet.withFlow / resnet.plain).toFixed(2)}x)`,
    );
    console.log(
      `  ResNet-50 graph synthesis (25.6 M seeded weights, ${(resnet.bytes / 2 ** 20).toFixed(0)} MiB encoded): ${fmt(resnet.writing)}`,
    );
    console.log(
      `  VGG-16 graph synthesis (138 M weights, ${(vgg.bytes / 2 ** 20).toFixed(0)} MiB): ${fmt(vgg.writing)}`,
    );
    console.log(
      `  Keras U-Net (keras-io oxford pets, 2.1 M weights, channels-last) analysis with the dataflow record: ${fmt(unet.withFlow)} vs ${fmt(unet.plain)} without; graph synthesis: ${fmt(unet.writing)}`,
    );
    console.log(`  runner start, fork to onnxruntime loaded: ${fmt(start.loaded)}`);
    console.log(`  runner, a whole minimal measurement of a 0.5 M-parameter MLP (fork to result): ${fmt(start.whole)}`);
    console.log(
      `  onnxruntime's profiler on ResNet-18: ${fmt(profiler.profiled)} per run profiled vs ${fmt(profiler.plain)} un-profiled (${(profiler.profiled / profiler.plain).toFixed(2)}x)`,
    );
    console.log('');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
