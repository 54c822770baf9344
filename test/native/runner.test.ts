// The runner process for real on the cpu provider: providers chosen with reasons, timed runs and a
// profile per node; and what must never leave anything running: a hung, killed, cancelled or
// failing runner, each with a clear message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { loadParser } from '../helpers/analyzer';
import { analyzeWithGraphs } from '../../server/src/core/analysis/analyzeSource';
import { synthesize } from '../../native/src/onnx/synthesize';
import { runInChild, RunnerError } from '../../native/src/runner/parent';
import { providerCandidates, unavailableReason, type ProviderEnvironment } from '../../native/src/runner/providers';
import type { RunnerRequest } from '../../native/src/runner/protocol';

const scratch = mkdtempSync(join(tmpdir(), 'wattlens-runner-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

const CNN = `
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, padding=1)
        self.bn = nn.BatchNorm2d(16)
        self.relu = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.pool(self.relu(self.bn(self.conv(x))))
        return self.fc(torch.flatten(x, 1))

y = Net()(torch.randn(4, 3, 32, 32))
`;

async function request(overrides: Partial<RunnerRequest> = {}): Promise<RunnerRequest> {
  const { report, graphs } = analyzeWithGraphs(await loadParser(), CNN, { file: 'cnn.py' });
  const model = synthesize(graphs[0], report.models[0]);
  const modelPath = join(scratch, `cnn-${Math.random().toString(36).slice(2)}.onnx`);
  writeFileSync(modelPath, model.bytes);
  const workDir = mkdtempSync(join(scratch, 'work-'));
  return {
    modelPath,
    inputs: model.inputs,
    provider: 'cpu',
    minSeconds: 0.2,
    minRuns: 5,
    maxSeconds: 20,
    warmupRuns: 2,
    profileRuns: 4,
    idleSeconds: 0,
    meter: { request: 'auto', powercapRoot: join(scratch, 'no-powercap') },
    workDir,
    ...overrides,
  };
}

function gone(child: ChildProcess | undefined): boolean {
  if (!child?.pid) return true;
  try {
    process.kill(child.pid, 0);
    return false;
  } catch {
    return true;
  }
}

/** Waits until the child has really exited (its exit event), at most a few seconds. */
async function reaped(child: ChildProcess | undefined): Promise<boolean> {
  for (let i = 0; i < 50 && child && child.exitCode === null && child.signalCode === null; i++)
    await new Promise((r) => setTimeout(r, 100));
  return gone(child);
}

test('cpu: warm-up, at least the asked runs and time, a per-node profile, and why no meter', async () => {
  const result = await runInChild(await request(), { timeoutMs: 120_000 });
  assert.equal(result.provider, 'cpu');
  assert.deepEqual(
    result.providers.map((p) => [p.name, p.status]),
    [['cpu', 'used']],
  );
  assert.ok(result.runsMs.length >= 5, `${result.runsMs.length} runs`);
  assert.ok(result.timedSeconds >= 0.2, `the timed window lasts ≥ 0.2 s (${result.timedSeconds} s)`);
  assert.equal(result.profiledRunsMs.length, 3, 'the first profiled run is warm-up');
  const ops = new Set(result.nodes.map((n) => n.op));
  assert.ok(
    [...ops].some((op) => op.includes('Conv')),
    [...ops].join(),
  );
  assert.ok(result.nodes.every((n) => n.durationsUs.length === 3));
  assert.equal(result.energy, null);
  assert.match(result.meterReasons.find((r) => r.kind === 'rapl')?.reason ?? '', /no RAPL counters/);
  assert.ok(result.traceFile && result.optimizedModel);
  assert.ok(result.device);
});

test('auto: every provider is accounted for, the ones that cannot run say why, cpu runs it', async () => {
  const result = await runInChild(await request({ provider: 'auto' }), { timeoutMs: 120_000 });
  assert.equal(result.provider, 'cpu');
  assert.deepEqual(
    result.providers.map((p) => p.name),
    providerCandidates('auto'),
  );
  for (const p of result.providers) assert.ok(p.reason.length > 5, `${p.name}: '${p.reason}'`);
  const webgpu = result.providers.find((p) => p.name === 'webgpu')!;
  // Here there is no GPU: webgpu is bundled but finds no adapter, and the run falls back.
  if (webgpu.status === 'failed') assert.match(webgpu.reason, /adapter/i);
  assert.match(result.providers.find((p) => p.name === 'cpu')!.reason, /could not run it/);
});

test('providers: cuda needs its provider libraries and a driver; dml and coreml their platforms', () => {
  const env = (over: Partial<ProviderEnvironment>): ProviderEnvironment => ({
    platform: 'linux',
    arch: 'x64',
    bindingDir: '/ort/bin',
    backends: [
      { name: 'cpu', bundled: true },
      { name: 'webgpu', bundled: true },
      { name: 'cuda', bundled: false },
    ],
    exists: () => false,
    ...over,
  });
  assert.match(
    unavailableReason('cuda', env({})) ?? '',
    /libonnxruntime_providers_cuda\.so.*ONNXRUNTIME_NODE_INSTALL=cuda12/,
  );
  assert.match(
    unavailableReason('cuda', env({ exists: (p) => p.endsWith('cuda.so') })) ?? '',
    /no NVIDIA driver is loaded/,
  );
  assert.equal(unavailableReason('cuda', env({ exists: () => true })), null);
  assert.equal(unavailableReason('dml', env({})), 'Windows only');
  assert.equal(unavailableReason('coreml', env({})), 'macOS only');
  assert.equal(unavailableReason('webgpu', env({})), null);
  assert.match(unavailableReason('cuda', env({ platform: 'darwin', arch: 'arm64' })) ?? '', /no CUDA provider/);
  assert.deepEqual(providerCandidates('webgpu'), ['webgpu', 'cpu']);
});

test('a provider that fails mid-run is reported with its error; with no other provider the run fails clearly', async () => {
  const req = await request({ faults: { failRun: { provider: 'cpu', atRun: 4 } } });
  let child: ChildProcess | undefined;
  await assert.rejects(
    runInChild(req, { timeoutMs: 60_000, onStart: (c) => (child = c) }),
    (e: unknown) =>
      e instanceof RunnerError && e.reason === 'failed' && /cpu: injected failure at run 4/.test(e.message),
  );
  assert.ok(await reaped(child));
});

test('a hung runner is stopped at the timeout and nothing is left running', async () => {
  let child: ChildProcess | undefined;
  await assert.rejects(
    runInChild(await request({ faults: { hang: true } }), { timeoutMs: 4_000, onStart: (c) => (child = c) }),
    (e: unknown) => e instanceof RunnerError && e.reason === 'timeout' && /did not finish within 4 s/.test(e.message),
  );
  assert.ok(await reaped(child), 'the child is gone');
});

test('a runner killed from outside is reported as such', async () => {
  let child: ChildProcess | undefined;
  const run = runInChild(await request({ faults: { hang: true } }), {
    timeoutMs: 60_000,
    onStart: (c) => (child = c),
    onProgress: () => child?.kill('SIGKILL'),
  });
  await assert.rejects(
    run,
    (e: unknown) => e instanceof RunnerError && e.reason === 'crashed' && /SIGKILL/.test(e.message),
  );
  assert.ok(await reaped(child));
});

test('cancelling stops the runner at once', async () => {
  const controller = new AbortController();
  let child: ChildProcess | undefined;
  const run = runInChild(await request({ faults: { hang: true } }), {
    timeoutMs: 60_000,
    signal: controller.signal,
    onStart: (c) => (child = c),
    onProgress: () => controller.abort(),
  });
  await assert.rejects(run, (e: unknown) => e instanceof RunnerError && e.reason === 'cancelled');
  assert.ok(await reaped(child));
});

test('a model onnxruntime cannot load fails with its message, not a hang', async () => {
  const bad = join(scratch, 'bad.onnx');
  writeFileSync(bad, Buffer.from('not a model at all'));
  await assert.rejects(
    runInChild(await request({ modelPath: bad }), { timeoutMs: 60_000 }),
    (e: unknown) => e instanceof RunnerError && e.reason === 'failed' && /cpu:/.test(e.message),
  );
});
