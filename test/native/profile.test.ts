// `wattlens profile` end to end on the cpu provider: per-layer measured times mapped to source lines
// beside the estimate, energy from a (fake) RAPL counter or the labelled estimate, exports,
// calibration, and the bad inputs the issue lists (corrupt or truncated .onnx, a model too large,
// a Python without torch or whose export fails, nothing to profile).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadParser, repoRoot } from '../helpers/analyzer';
import { loadProfiles, withWorkspaceCalibration, getProfile } from '../../server/src/core/energy';
import { analyzeWithGraphs } from '../../server/src/core/analysis/analyzeSource';
import { onnx as onnxProto } from 'onnx-proto';
import { synthesize } from '../../native/src/onnx/synthesize';
import { profileFile, ProfileUsageError, type ProfileOptions } from '../../native/src/profile/profileFile';
import type { ProfileReport } from '../../server/src/core/report/profile';

const scratch = mkdtempSync(join(tmpdir(), 'wattlens-profile-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

const CNN = `import torch
import torch.nn as nn


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, 3, stride=2, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = torch.relu(self.conv2(x))
        return self.fc(self.pool(x).flatten(1))


model = SmallCNN()
out = model(torch.randn(8, 3, 64, 64))
`;

function file(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

const quick = { minSeconds: 0.3, minRuns: 5, maxSeconds: 30, warmupRuns: 2, profileRuns: 4, idleSeconds: 0.2 };

async function profile(options: Partial<ProfileOptions> & { file: string }): Promise<ProfileReport> {
  const parser = await loadParser();
  const profiles = loadProfiles({ profilesDir: join(repoRoot, 'profiles') });
  return profileFile(
    { parser, profiles },
    {
      provider: 'cpu',
      workspaceDir: mkdtempSync(join(scratch, 'ws-')),
      exportDir: null,
      timing: quick,
      meter: { request: 'auto', powercapRoot: join(scratch, 'no-powercap') },
      exact: 'never',
      timeoutMs: 120_000,
      ...options,
    },
  );
}

/** A powercap tree whose package counter a timer advances by `watts` while the runner works. */
function livePowercap(watts: number): { root: string; stop: () => void } {
  const root = mkdtempSync(join(scratch, 'powercap-'));
  mkdirSync(join(root, 'intel-rapl:0'));
  writeFileSync(join(root, 'intel-rapl:0', 'name'), 'package-0\n');
  writeFileSync(join(root, 'intel-rapl:0', 'max_energy_range_uj'), '262143328850\n');
  let microjoules = 262143328850 - 2_000_000;
  let last = performance.now();
  // Written aside and renamed, so a reader never sees a half-written file (sysfs reads are atomic too).
  const write = () => {
    writeFileSync(join(root, 'energy.tmp'), `${Math.round(microjoules)}\n`);
    renameSync(join(root, 'energy.tmp'), join(root, 'intel-rapl:0', 'energy_uj'));
  };
  write();
  const timer = setInterval(() => {
    const now = performance.now();
    microjoules = (microjoules + watts * (now - last) * 1000) % 262143328850;
    last = now;
    write();
  }, 20);
  return { root, stop: () => clearInterval(timer) };
}

test('a CNN on cpu: every layer measured and mapped to its line, beside its estimate', async () => {
  const report = await profile({ file: file('cnn.py', CNN) });
  assert.equal(report.schema, 'wattlens.profile/1');
  assert.equal(report.executionProvider, 'cpu');
  assert.equal(report.models.length, 1);
  const model = report.models[0];
  assert.equal(model.name, 'SmallCNN');
  assert.equal(model.graph, 'synthesized');
  assert.ok(model.measured.runs >= 5 && model.measured.latencyMs > 0);
  const lines = CNN.split('\n');
  const byPath = new Map(model.layers.map((l) => [l.path, l]));
  for (const path of ['conv1', 'conv2', 'fc']) {
    const layer = byPath.get(path)!;
    assert.ok(layer.measuredMs !== null && layer.measuredMs > 0, `${path} measured`);
    assert.ok(layer.estimatedMs !== null && layer.estimatedMs > 0, `${path} estimated`);
    assert.ok(layer.ratio !== null);
    assert.match(lines[layer.range!.start.line], new RegExp(`self\\.${path}\\(`), `${path} points at its call`);
  }
  // onnxruntime fuses conv + batch norm + relu on the CPU: those rows share the fused node's time by FLOPs.
  assert.ok(model.layers.some((l) => l.fused));
  const sum = model.layers.reduce((a, l) => a + (l.measuredMs ?? 0), 0);
  assert.ok(Math.abs(sum - model.measured.layersMs) < 1e-6);
  assert.ok(model.estimated?.latencyMs && model.ratio.latency);
  // No counter here: the energy is measured time × modelled power, and says so.
  assert.equal(report.meter.kind, 'estimate');
  assert.match(report.meter.source, /measured time × modelled average power/);
  assert.match(report.meter.reasons.find((r) => r.kind === 'rapl')!.reason, /no RAPL counters/);
  assert.ok(model.measured.energyJ !== null && model.measured.energyAboveIdleJ === null);
  assert.ok(report.hardware && report.device);
});

test('with a RAPL counter: measured package energy, idle power before, nonsense refused', async () => {
  const live = livePowercap(40);
  try {
    // A second of idle and of timed runs, so the writer's timer granularity hardly shows even on a busy machine.
    const report = await profile({
      file: file('cnn_rapl.py', CNN),
      meter: { request: 'auto', powercapRoot: live.root },
      timing: { ...quick, minSeconds: 1, idleSeconds: 1 },
    });
    assert.equal(report.meter.kind, 'rapl');
    assert.ok(
      report.meter.idleW !== null && report.meter.idleW > 20 && report.meter.idleW < 80,
      `idle ${report.meter.idleW}`,
    );
    const m = report.models[0].measured;
    // The counter wrapped during the run (it started 2 J below its range): energy is still about 40 W × time.
    const watts = (m.energyJ! * m.runs) / ((m.latencyMs * m.runs) / 1000);
    assert.ok(watts > 20 && watts < 80, `${watts} W`);
    assert.ok(m.energyAboveIdleJ !== null);
    const layerEnergy = report.models[0].layers.reduce((a, l) => a + (l.energyJ ?? 0), 0);
    assert.ok(Math.abs(layerEnergy - m.energyJ!) / m.energyJ! < 1e-6, 'layer energies add up to the model’s');
  } finally {
    live.stop();
  }
  // A counter that never moves is nonsense: the profile falls back to the estimate and says why.
  const frozen = mkdtempSync(join(scratch, 'frozen-'));
  mkdirSync(join(frozen, 'intel-rapl:0'));
  writeFileSync(join(frozen, 'intel-rapl:0', 'name'), 'package-0\n');
  writeFileSync(join(frozen, 'intel-rapl:0', 'energy_uj'), '123\n');
  const report = await profile({ file: file('cnn_frozen.py', CNN), meter: { request: 'auto', powercapRoot: frozen } });
  assert.equal(report.meter.kind, 'estimate');
  assert.match(report.meter.reasons.map((r) => r.reason).join(), /did not move/);
});

test('exports: the trace opens as Chrome-trace JSON, the Netron attachment names nodes of the graph that ran', async () => {
  const exportDir = join(scratch, 'exports');
  const report = await profile({ file: file('cnn_exports.py', CNN), exportDir });
  const { trace, netron, onnx } = report.exports!;
  const events = JSON.parse(readFileSync(trace!, 'utf8'));
  assert.ok(Array.isArray(events) && events.some((e: { cat: string }) => e.cat === 'Node'));
  const attachment = JSON.parse(readFileSync(netron!, 'utf8'));
  assert.equal(attachment.signature, 'netron:attachment');
  const graph = onnxProto.ModelProto.decode(readFileSync(onnx!));
  const nodes = new Set(graph.graph!.node!.map((n) => n.name));
  const targets = attachment.metrics
    .filter((m: { kind: string }) => m.kind === 'node')
    .map((m: { target: string }) => m.target);
  assert.ok(targets.length > 0 && targets.every((t: string) => nodes.has(t)));
  assert.ok(attachment.metrics.some((m: { name: string }) => m.name === 'layer measured (ms)'));
});

test('--calibrate writes the profile’s factors, and later estimates say they are calibrated and from what', async () => {
  const workspaceDir = mkdtempSync(join(scratch, 'calibrated-'));
  const report = await profile({
    file: file('cnn_cal.py', CNN),
    calibrate: true,
    workspaceDir,
    hardware: 'intel-xeon-8480',
  });
  const cal = report.calibration!;
  assert.ok(existsSync(cal.file));
  assert.equal(cal.file, join(workspaceDir, '.wattlens', 'calibration', 'intel-xeon-8480.json'));
  assert.ok(cal.latencyErrorAfter <= cal.latencyErrorBefore);
  const stored = JSON.parse(readFileSync(cal.file, 'utf8'));
  assert.match(stored.source, /wattlens profile of .*cnn_cal\.py.*onnxruntime .*\(cpu\)/);
  const profiles = loadProfiles({ profilesDir: join(repoRoot, 'profiles') });
  const { profile: calibrated, calibrationFile } = withWorkspaceCalibration(
    getProfile(profiles, 'intel-xeon-8480'),
    workspaceDir,
  );
  assert.equal(calibrationFile, cal.file);
  assert.match(calibrated.efficiency?.computeFraction?.source ?? '', /calibration .*intel-xeon-8480\.json/);
  // The next profile's estimate uses it, and says so.
  const again = await profile({ file: file('cnn_cal2.py', CNN), workspaceDir, hardware: 'intel-xeon-8480' });
  assert.equal(again.hardware?.calibrationFile, cal.file);
});

test('a notebook: the model in one cell, its call in another; rows carry their cell and cell-local line', async () => {
  const [model, call] = CNN.split('\n\nmodel = SmallCNN()');
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { language_info: { name: 'python' } },
    cells: [
      { cell_type: 'code', metadata: {}, outputs: [], execution_count: null, source: model },
      { cell_type: 'markdown', metadata: {}, source: '# the run' },
      { cell_type: 'code', metadata: {}, outputs: [], execution_count: null, source: `model = SmallCNN()${call}` },
    ],
  };
  const report = await profile({ file: file('cnn.ipynb', JSON.stringify(notebook)) });
  const conv = report.models[0].layers.find((l) => l.path === 'conv1')!;
  assert.ok(conv.measuredMs! > 0);
  assert.equal(conv.cell, 0);
  assert.match(model.split('\n')[conv.range!.start.line], /self\.conv1\(/);
});

test('a Keras notebook built one layer per cell: each layer measured on its own cell and line', async () => {
  const report = await profile({ file: join(repoRoot, 'test', 'fixtures', 'notebooks', 'keras_sequential.ipynb') });
  const [model] = report.models;
  assert.deepEqual(
    model.layers.map((l) => [l.op, l.cell, l.range?.start.line]),
    [
      ['Conv2D', 3, 0],
      ['MaxPooling2D', 3, 1],
      ['Flatten', 4, 0],
      ['Dense', 4, 1],
    ],
  );
  assert.ok(model.layers.every((l) => l.measuredMs! > 0 && l.estimatedMs! > 0));
});

test('a user .onnx runs as given: one row per node, no estimate', async () => {
  const { report, graphs } = analyzeWithGraphs(await loadParser(), CNN, { file: 'cnn.py' });
  const path = join(scratch, 'user.onnx');
  writeFileSync(path, synthesize(graphs[0], report.models[0]).bytes);
  const profiled = await profile({ file: path });
  const model = profiled.models[0];
  assert.equal(model.graph, 'onnx-file');
  assert.equal(model.estimated, null);
  assert.ok(model.layers.some((l) => l.op === 'Conv' && (l.measuredMs ?? 0) > 0));
});

test('a corrupt, truncated or empty .onnx is refused before onnxruntime sees it', async () => {
  const { report, graphs } = analyzeWithGraphs(await loadParser(), CNN, { file: 'cnn.py' });
  const bytes = synthesize(graphs[0], report.models[0]).bytes;
  const truncated = file('truncated.onnx', '');
  writeFileSync(truncated, bytes.subarray(0, bytes.length >> 1));
  await assert.rejects(
    profile({ file: truncated }),
    (e: unknown) => e instanceof ProfileUsageError && /truncated or corrupt/.test((e as Error).message),
  );
  const corrupt = file('corrupt.onnx', '');
  writeFileSync(corrupt, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
  await assert.rejects(profile({ file: corrupt }), /not a readable ONNX model|holds no graph|no IR version/);
  await assert.rejects(profile({ file: file('empty.onnx', '') }), /empty\.onnx is empty/);
});

test('a model too large for memory is refused with its size before anything is built', async () => {
  const text = `import torch
import torch.nn as nn
model = nn.Sequential(nn.Linear(200000, 200000), nn.ReLU())
y = model(torch.randn(1, 200000))
`;
  const report = await profile({ file: file('huge.py', text) });
  assert.equal(report.models.length, 0);
  assert.match(report.unprofiled[0].error, /needs about \d+(\.\d)? GB of memory .* GB is free: not started/);
});

test('a TF.js file: its models synthesised from the Keras layers they share, measured per layer on their lines', async () => {
  const path = join(repoRoot, 'test', 'fixtures', 'tfjs', 'sentiment.ts');
  const report = await profile({ file: path });
  assert.deepEqual(
    report.models.map((m) => m.name),
    ['cnn', 'bilstm'],
  );
  const lines = readFileSync(path, 'utf8').split('\n');
  const bilstm = report.models[1];
  const bi = bilstm.layers.find((l) => l.op === 'Bidirectional')!;
  assert.ok(bi.measuredMs! > 0 && bi.estimatedMs! > 0);
  assert.match(lines[bi.range!.start.line], /tf\.layers\.bidirectional\(/);
  assert.deepEqual(report.unprofiled, []);
});

test('Keras layers and ops with no ONNX form are refused with their layer and line, the other models measured', async () => {
  const text = `import keras
import tensorflow as tf
from keras import layers

x = keras.Input(shape=(16, 16, 3))
good = keras.Model(x, layers.Dense(4)(layers.Flatten()(layers.Conv2D(8, 3)(x))))

nodes = keras.Input(shape=(4,))
pooled = tf.math.unsorted_segment_max(layers.Dense(8)(nodes), [0, 1, 1, 0], 2)
graph = keras.Model(nodes, pooled)

frames = keras.Input(shape=(5, 8, 8, 3))
video = keras.Model(frames, layers.ConvLSTM2D(4, 3)(frames))
`;
  const report = await profile({ file: file('keras_mixed.py', text) });
  assert.deepEqual(
    report.models.map((m) => m.name),
    ['good'],
  );
  assert.ok(report.models[0].layers.every((l) => l.measuredMs! > 0));
  const why = Object.fromEntries(report.unprofiled.map((u) => [u.name, u.error]));
  assert.match(
    why.graph,
    /unsorted_segment_max \(unsorted_segment_max, line 9\): no ONNX form for 'unsorted_segment_max' yet: .*opset 18/,
  );
  assert.match(why.video, /keras\.layers\.ConvLSTM2D.*\(line 13\)/);
});

test('pretrained checkpoints loaded by name are said to be catalog figures only, never measured as something else', async () => {
  await assert.rejects(
    profile({ file: join(repoRoot, 'test', 'fixtures', 'hub', 'vision_hubs.py') }),
    (e: unknown) =>
      e instanceof ProfileUsageError &&
      /no model to profile/.test(e.message) &&
      /resnet50, resnet18, .* are pretrained checkpoints loaded by name, without their architecture in the code: catalog figures only/.test(
        e.message,
      ),
  );
  const text = `${CNN}\nfrom transformers import AutoModel\nbert = AutoModel.from_pretrained("bert-base-uncased")\n`;
  const report = await profile({ file: file('cnn_and_bert.py', text) });
  assert.deepEqual(
    report.models.map((m) => m.name),
    ['SmallCNN'],
  );
  assert.equal(report.unprofiled.length, 1);
  assert.match(
    report.unprofiled[0].error,
    /^not synthesisable: bert-base-uncased is a pretrained checkpoint .*catalog figures only/,
  );
});

test('nothing to profile, or no such model, is a usage error naming what there is', async () => {
  await assert.rejects(
    profile({ file: file('blocks.py', 'import torch.nn as nn\nclass B(nn.Module):\n    pass\n') }),
    (e: unknown) => e instanceof ProfileUsageError && /no model to profile/.test((e as Error).message),
  );
  await assert.rejects(
    profile({ file: file('cnn2.py', CNN), model: 'Nope' }),
    /no model named 'Nope'.*models: SmallCNN/,
  );
  await assert.rejects(profile({ file: join(scratch, 'missing.py') }), /cannot read/);
});

const torchPython =
  spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0 ? '/usr/bin/python3' : null;

test(
  'exact export: a Python without torch, or whose export fails, falls back to the synthesised graph with why',
  { skip: torchPython ? false : 'no /usr/bin/python3 with torch' },
  async () => {
    const noTorch = join(scratch, 'python-without-torch');
    writeFileSync(noTorch, `#!/bin/sh\nexec ${torchPython} -S "$@"\n`);
    chmodSync(noTorch, 0o755);
    const report = await profile({ file: file('cnn_exact1.py', CNN), exact: 'auto', python: noTorch });
    assert.equal(report.models[0].graph, 'synthesized');
    assert.match(report.models[0].notes.join('\n'), /exact export not used: this Python .* has no torch/);
    const failing = CNN + '\nraise RuntimeError("training data not found")\n';
    const failed = await profile({ file: file('cnn_exact2.py', failing), exact: 'auto', python: torchPython! });
    assert.equal(failed.models[0].graph, 'synthesized');
    assert.match(
      failed.models[0].notes.join('\n'),
      /exact export not used: running the file's top level failed: RuntimeError: training data not found/,
    );
  },
);

test(
  'exact export with torch: the real module, its nodes mapped back to the layers',
  { skip: torchPython ? false : 'no /usr/bin/python3 with torch' },
  async () => {
    const report = await profile({ file: file('cnn_exact3.py', CNN), exact: 'always', python: torchPython! });
    const model = report.models[0];
    assert.equal(model.graph, 'exported');
    assert.match(model.graphSource, /torch\.onnx\.export .*torch 1\.|torch\.onnx\.export .*torch \d/);
    for (const path of ['conv1', 'conv2', 'fc'])
      assert.ok((model.layers.find((l) => l.path === path)?.measuredMs ?? 0) > 0, path);
  },
);

test('exact export is for PyTorch: a Keras or TF.js file is never run in Python for it, and says so', async () => {
  // A "Python" that leaves a mark if anything starts it.
  const marker = join(scratch, 'python-was-run');
  const python = join(scratch, 'python-that-marks');
  writeFileSync(python, `#!/bin/sh\ntouch ${marker}\nexit 1\n`);
  chmodSync(python, 0o755);
  for (const fixture of [join('keras', 'mnist_convnet.py'), join('tfjs', 'getting_started.ts')]) {
    const report = await profile({ file: join(repoRoot, 'test', 'fixtures', fixture), exact: 'always', python });
    assert.ok(report.models.length > 0, fixture);
    for (const model of report.models) {
      assert.equal(model.graph, 'synthesized');
      assert.match(
        model.notes.join('\n'),
        /exact export not used: it exports PyTorch modules .* is a (Keras|TF\.js) model/,
      );
    }
  }
  assert.equal(existsSync(marker), false, 'the Python was started');
});
