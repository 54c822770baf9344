// A promise is a test (issue 13, item 2): for every kind of code action, apply its edit to the text,
// analyse the edited text again on the same profile, and check the saving the title promised is what
// the re-analysis shows, within ±5%. Conditional promises ("once the model is rebuilt", "a trained
// student") are checked twice: the edit alone changes what the title says it changes, and the code
// the promise names (the rebuilt model, the student) costs what was promised. Runs at the ide/ level,
// without a server process; the table of promised vs re-analysed savings is printed at the end.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/analyzer';
import { applyItemEdits, viewOf, wholeRange, type ViewOptions } from '../helpers/ide';
import { codeActionItems } from '../../server/src/ide/advice/codeActions';
import { change, type ActionKind, type Saving } from '../../server/src/ide/advice/advice';
import type { ActionItem } from '../../server/src/ide/items';
import type { View } from '../../server/src/ide/view';

const TOLERANCE = 0.05;
const fixture = (...parts: string[]) => readFileSync(join(repoRoot, ...parts), 'utf8');
const smallCnn = fixture('test', 'lsp', 'fixtures', 'small_cnn_eval.py');
const cnnTrain = fixture('test', 'lsp', 'fixtures', 'cnn_train.py');
const results: { kind: ActionKind; device: string; promised: string; reanalysed: string; ok: boolean }[] = [];

after(() => {
  const rows = results.map(
    (r) =>
      `${r.kind.padEnd(24)} ${r.device.padEnd(16)} ${r.promised.padEnd(30)} ${r.reanalysed.padEnd(30)} ${r.ok ? 'ok' : 'OFF'}`,
  );
  console.log(
    [
      '# promised vs re-analysed (energy change per forward pass or per training run)',
      `# ${'kind'.padEnd(24)} ${'device'.padEnd(16)} ${'promised'.padEnd(30)} ${'re-analysed'.padEnd(30)}`,
      ...rows.map((r) => `# ${r}`),
    ].join('\n'),
  );
});

/** The action of `kind` offered anywhere in the text. */
async function actionOf(
  text: string,
  options: ViewOptions,
  kind: ActionKind,
): Promise<{ view: View; action: ActionItem }> {
  const view = await viewOf(text, options);
  const actions = codeActionItems(view, wholeRange(text));
  const action = actions.find((a) => a.advice === kind);
  assert.ok(action, `no ${kind} action on ${options.hardware}; offered: ${actions.map((a) => a.advice).join(', ')}`);
  return { view, action };
}

/** The energy the re-analysis gives for what a saving is about: the model's forward pass or its training run. */
function energyOf(view: View, saving: Saving): number | null {
  if (saving.scope === 'training-run')
    return view.file.trainingRuns?.find((r) => r.model === saving.model)?.energyJ ?? null;
  return view.file.models.find((m) => m.name === saving.model)?.totals.energyJ ?? null;
}

function percent(x: number | null): string {
  return x === null ? '?' : `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x * 100).toFixed(1)}%`;
}

/**
 * Applies `action`, re-analyses, and checks the re-analysed energy against `expected` (the promise's
 * `after`, or `before` for an edit that promises no change until more is done) within ±5%.
 */
async function reanalyse(
  kind: ActionKind,
  text: string,
  options: ViewOptions,
  action: ActionItem,
  expect: 'after' | 'before' = 'after',
): Promise<{ edited: string; view: View }> {
  const saving = action.saving!;
  assert.ok(saving, `${kind}: the action states what it promises`);
  assert.ok(saving.before !== null && saving.after !== null, `${kind}: priced (${saving.reason ?? ''})`);
  const edited = applyItemEdits(text, action.edits);
  const view = await viewOf(edited, options);
  const actual = energyOf(view, saving);
  assert.ok(actual !== null, `${kind}: the re-analysis has an energy for ${saving.model}`);
  const promised = expect === 'after' ? saving.after! : saving.before!;
  const error = Math.abs(actual / promised - 1);
  record(
    kind,
    saving,
    expect === 'after' ? change(saving) : 0,
    actual / saving.before! - 1,
    error <= TOLERANCE,
    expect === 'before' ? ' (edit alone)' : '',
  );
  assert.ok(
    error <= TOLERANCE,
    `${kind}: promised ${promised} J, re-analysed ${actual} J (${(error * 100).toFixed(1)}% off)`,
  );
  return { edited, view };
}

function record(
  kind: ActionKind,
  saving: Saving,
  promised: number | null,
  actual: number,
  ok: boolean,
  note = '',
): void {
  results.push({
    kind,
    device: saving.device,
    promised: `${percent(promised)}${note}`,
    reanalysed: percent(actual),
    ok,
  });
}

test('autocast (fp16 on a T4, bf16 on a Xeon): the edited code is analysed at the region precision, as promised', async () => {
  for (const hardware of ['nvidia-t4', 'intel-xeon-8480', 'nvidia-a100-80gb']) {
    const { action } = await actionOf(smallCnn, { hardware }, 'autocast');
    const { view } = await reanalyse('autocast', smallCnn, { hardware }, action);
    const model = view.file.models.find((m) => m.name === 'SmallNet')!;
    assert.ok(model.precisionFromCode?.length, 'the re-analysis says the precision comes from the code');
    assert.ok(change(action.saving!)! < 0, `${hardware}: autocast saves energy`);
  }
});

test('autocast on the README example, a model built by a factory (model = resnet50())', async () => {
  const text = fixture('examples', 'resnet50.py');
  const { action } = await actionOf(text, { hardware: 'nvidia-t4' }, 'autocast');
  await reanalyse('autocast', text, { hardware: 'nvidia-t4' }, action);
});

const torchvisionResnet = [
  'import torch',
  'from torchvision.models import resnet50, ResNet50_Weights',
  'model = resnet50(weights=ResNet50_Weights.IMAGENET1K_V2)',
  'model.eval()',
  'with torch.no_grad():',
  '    y = model(torch.randn(8, 3, 224, 224))',
  '',
].join('\n');

test('autocast around a catalogued torchvision model: its lowered layers run at the region precision, as promised', async () => {
  const text = torchvisionResnet.replace('(weights=ResNet50_Weights.IMAGENET1K_V2)', '()');
  for (const hardware of ['nvidia-t4', 'intel-xeon-8480', 'nvidia-h100-sxm']) {
    const { view: before, action } = await actionOf(text, { hardware }, 'autocast');
    const { view } = await reanalyse('autocast', text, { hardware }, action);
    const model = view.file.models.find((m) => m.catalogId === 'resnet50')!;
    assert.ok(model.precisionFromCode?.some((p) => /torch\.autocast/.test(p.source)));
    // quantize_dynamic and torchao convert the module tree the file builds, not a catalogued checkpoint's.
    const offered = codeActionItems(before, wholeRange(text)).map((a) => a.advice);
    assert.ok(!offered.some((k) => ['quantize-dynamic-int8', 'fp8', 'sparsity-2-4'].includes(k)), offered.join(', '));
  }
});

test('dynamic int8 quantization is offered on CPU profiles only, and priced there', async () => {
  const { action } = await actionOf(smallCnn, { hardware: 'intel-xeon-8480' }, 'quantize-dynamic-int8');
  assert.equal(action.saving!.device, 'intel-xeon-8480');
  const { view } = await reanalyse('quantize-dynamic-int8', smallCnn, { hardware: 'intel-xeon-8480' }, action);
  const linear = view.file.models.find((m) => m.name === 'SmallNet')!.layers.find((l) => l.op === 'Linear')!;
  assert.equal(linear.precision, 'int8');
  const gpu = await viewOf(smallCnn, { hardware: 'nvidia-t4' });
  assert.ok(!codeActionItems(gpu, wholeRange(smallCnn)).some((a) => a.advice === 'quantize-dynamic-int8'));
});

test('bias=False: the promised parameters, and the energy the edited model costs', async () => {
  const { action } = await actionOf(smallCnn, { hardware: 'nvidia-t4' }, 'conv-bias-false');
  const { view } = await reanalyse('conv-bias-false', smallCnn, { hardware: 'nvidia-t4' }, action);
  const params = view.file.models.find((m) => m.name === 'SmallNet')!.totals.params;
  assert.equal(params, action.saving!.params!.after);
});

test('torch.no_grad() and unstructured pruning promise no energy change with dense kernels: none appears', async () => {
  for (const kind of ['no-grad', 'prune-unstructured'] as const) {
    const { view, action } = await actionOf(smallCnn, { hardware: 'nvidia-t4' }, kind);
    const saving =
      action.saving ??
      ({
        scope: 'forward-pass',
        model: 'SmallNet',
        device: 'nvidia-t4',
        before: view.file.models[0].totals.energyJ,
        after: view.file.models[0].totals.energyJ,
      } as Saving);
    await reanalyse(kind, smallCnn, { hardware: 'nvidia-t4' }, { ...action, saving });
  }
});

test('structured pruning: the edit alone changes nothing; the model rebuilt without the channels costs the promise', async () => {
  const { action } = await actionOf(cnnTrain, { hardware: 'nvidia-t4' }, 'prune-structured');
  await reanalyse('prune-structured', cnnTrain, { hardware: 'nvidia-t4' }, action, 'before');
  // The title names the conv and the channels kept; rebuild the network with that many channels.
  const m = /Prune (\d+) of (\d+) output channels of (\S+) /.exec(action.title)!;
  const kept = Number(m[2]) - Number(m[1]);
  assert.equal(m[3], 'features.3');
  const rebuilt = cnnTrain
    .replace(
      'nn.Conv2d(64, 128, kernel_size=3, padding=1, bias=False)',
      `nn.Conv2d(64, ${kept}, kernel_size=3, padding=1, bias=False)`,
    )
    .replace(
      'nn.BatchNorm2d(128),\n            nn.ReLU(),\n            nn.MaxPool2d(2)',
      `nn.BatchNorm2d(${kept}),\n            nn.ReLU(),\n            nn.MaxPool2d(2)`,
    )
    .replace('nn.Conv2d(128, 128, kernel_size=3', `nn.Conv2d(${kept}, 128, kernel_size=3`);
  assert.notEqual(rebuilt, cnnTrain);
  const view = await viewOf(rebuilt, { hardware: 'nvidia-t4' });
  const actual = energyOf(view, action.saving!)!;
  const error = Math.abs(actual / action.saving!.after! - 1);
  record(
    'prune-structured',
    action.saving!,
    change(action.saving!),
    actual / action.saving!.before! - 1,
    error <= TOLERANCE,
    ' (rebuilt)',
  );
  assert.ok(error <= TOLERANCE, `rebuilt: promised ${action.saving!.after}, re-analysed ${actual}`);
});

test('mixed-precision training: the loop wrapped in autocast trains at the promised energy', async () => {
  for (const hardware of ['nvidia-t4', 'nvidia-a100-80gb']) {
    const { action } = await actionOf(cnnTrain, { hardware }, 'autocast-training');
    const { view } = await reanalyse('autocast-training', cnnTrain, { hardware }, action);
    const run = view.file.trainingRuns![0];
    assert.ok(run.precision, 'the re-analysed run says it trains in reduced precision, from the code');
  }
});

test('a smaller pretrained sibling: the swapped checkpoint costs what was promised', async () => {
  const text = 'from transformers import AutoModel\nencoder = AutoModel.from_pretrained("bert-base-uncased")\n';
  const { action } = await actionOf(text, { hardware: 'nvidia-t4' }, 'smaller-checkpoint');
  const edited = applyItemEdits(text, action.edits);
  const name = /"([^"]+)"/.exec(edited)![1];
  const view = await viewOf(edited, { hardware: 'nvidia-t4' });
  const actual = view.file.models.find((m) => m.name === name)!.totals.energyJ!;
  const error = Math.abs(actual / action.saving!.after! - 1);
  record(
    'smaller-checkpoint',
    action.saving!,
    change(action.saving!),
    actual / action.saving!.before! - 1,
    error <= TOLERANCE,
  );
  assert.ok(error <= TOLERANCE, `promised ${action.saving!.after}, re-analysed ${actual}`);
});

test('a smaller torchvision sibling is priced with the full energy model (layer by layer), and re-analyses as promised', async () => {
  for (const hardware of ['nvidia-t4', 'intel-xeon-8480']) {
    const view = await viewOf(torchvisionResnet, { hardware });
    const swaps = codeActionItems(view, wholeRange(torchvisionResnet)).filter((a) => a.advice === 'smaller-checkpoint');
    assert.ok(swaps.length >= 2, swaps.map((a) => a.title).join('\n'));
    for (const action of swaps) {
      const edited = applyItemEdits(torchvisionResnet, action.edits);
      const name = /models\.(\w+)\(/.exec(edited)![1];
      assert.match(edited, /weights="DEFAULT"/);
      const after = await viewOf(edited, { hardware });
      const model = after.file.models.find((m) => m.catalogId === name)!;
      assert.ok(model.layers.length > 1, `${name} is costed layer by layer`);
      const actual = model.totals.energyJ!;
      const error = Math.abs(actual / action.saving!.after! - 1);
      record(
        'smaller-checkpoint',
        action.saving!,
        change(action.saving!),
        actual / action.saving!.before! - 1,
        error <= TOLERANCE,
        ` (${name})`,
      );
      assert.ok(error <= TOLERANCE, `${name} on ${hardware}: promised ${action.saving!.after}, re-analysed ${actual}`);
      // Not the MAC ratio: activations and per-layer overheads do not shrink with the MACs.
      const macsRatio = after.file.models[0].totals.macs! / view.file.models[0].totals.macs!;
      assert.ok(
        Math.abs(change(action.saving!)! - (macsRatio - 1)) > 0.05,
        `${name}: priced by more than the MAC ratio`,
      );
    }
  }
});

test('a sibling is compared against the weights the code loads: IMAGENET1K_V2 is 80.858% top-1, V1 76.13%', async () => {
  const titles = async (text: string) => {
    const view = await viewOf(text, { hardware: 'nvidia-t4' });
    return codeActionItems(view, wholeRange(text))
      .filter((a) => a.advice === 'smaller-checkpoint')
      .map((a) => a.title)
      .join('\n');
  };
  assert.match(await titles(torchvisionResnet), /77\.692 vs 80\.858/);
  assert.match(await titles(torchvisionResnet.replace('IMAGENET1K_V2', 'IMAGENET1K_V1')), /77\.692 vs 76\.13/);
  assert.match(await titles(torchvisionResnet.replace('ResNet50_Weights.IMAGENET1K_V2', '"DEFAULT"')), /vs 80\.858/);
  assert.match(
    await titles(torchvisionResnet.replace('weights=ResNet50_Weights.IMAGENET1K_V2', 'pretrained=True')),
    /vs 76\.13/,
  );
  assert.match(
    await titles(torchvisionResnet.replace('weights=ResNet50_Weights.IMAGENET1K_V2', '')),
    /loads no pretrained weights, so quality is not compared/,
  );
  assert.match(
    await titles(
      torchvisionResnet.replace(
        'model = resnet50(weights=ResNet50_Weights.IMAGENET1K_V2)',
        'chosen = ResNet50_Weights.IMAGENET1K_V2\nmodel = resnet50(weights=chosen)',
      ),
    ),
    /not known statically/,
  );
});

test('distillation: the scaffold leaves the teacher unchanged; a half-width student written out costs the promise', async () => {
  const { action } = await actionOf(cnnTrain, { hardware: 'nvidia-t4' }, 'distillation');
  await reanalyse('distillation', cnnTrain, { hardware: 'nvidia-t4' }, action, 'before');
  const half = cnnTrain
    .replace('nn.Conv2d(3, 64,', 'nn.Conv2d(3, 32,')
    .replace('nn.BatchNorm2d(64)', 'nn.BatchNorm2d(32)')
    .replace('nn.Conv2d(64, 128,', 'nn.Conv2d(32, 64,')
    .replace(
      'nn.BatchNorm2d(128),\n            nn.ReLU(),\n            nn.MaxPool2d(2)',
      'nn.BatchNorm2d(64),\n            nn.ReLU(),\n            nn.MaxPool2d(2)',
    )
    .replace('nn.Conv2d(128, 128,', 'nn.Conv2d(64, 64,')
    .replace(
      'nn.BatchNorm2d(128),\n            nn.ReLU(),\n            nn.AdaptiveAvgPool2d',
      'nn.BatchNorm2d(64),\n            nn.ReLU(),\n            nn.AdaptiveAvgPool2d',
    )
    .replace('nn.Linear(128, num_classes)', 'nn.Linear(64, num_classes)');
  const view = await viewOf(half, { hardware: 'nvidia-t4' });
  const student = energyOf(view, action.saving!)!;
  const error = Math.abs(student / action.saving!.after! - 1);
  record(
    'distillation',
    action.saving!,
    change(action.saving!),
    student / action.saving!.before! - 1,
    error <= TOLERANCE,
    ' (student)',
  );
  assert.ok(error <= TOLERANCE, `half-width student: promised ${action.saving!.after}, written out ${student}`);
});

const mlpHalf = [
  'import torch',
  'import torch.nn as nn',
  '',
  '',
  'class MLP(nn.Module):',
  '    def __init__(self):',
  '        super().__init__()',
  '        self.fc1 = nn.Linear(4096, 16384)',
  '        self.act = nn.GELU()',
  '        self.fc2 = nn.Linear(16384, 4096)',
  '',
  '    def forward(self, x):',
  '        return self.fc2(self.act(self.fc1(x)))',
  '',
  '',
  'model = MLP().cuda().half()',
  'model.eval()',
  'x = torch.randn(64, 128, 4096, device="cuda", dtype=torch.float16)',
  'with torch.no_grad():',
  '    y = model(x)',
  '',
].join('\n');
const mlpFloat = mlpHalf.replace('MLP().cuda().half()', 'MLP().cuda()').replace(', dtype=torch.float16', '');

/** The kinds of action offered for `text` on `hardware`. */
async function offered(text: string, hardware: string): Promise<string[]> {
  const view = await viewOf(text, { hardware });
  return codeActionItems(view, wholeRange(text)).map((a) => a.advice);
}

test('fp8 (torchao float8 Linear layers): offered where the profile has an fp8 peak, re-analysed at fp8 as promised', async () => {
  for (const [text, hardware] of [
    [mlpHalf, 'nvidia-h100-sxm'],
    [mlpFloat, 'nvidia-h100-sxm'],
    [mlpHalf, 'nvidia-l4'],
  ]) {
    const { action } = await actionOf(text, { hardware }, 'fp8');
    assert.equal(action.saving!.device, hardware);
    const { view } = await reanalyse('fp8', text, { hardware }, action);
    const linear = view.file.models.find((m) => m.name === 'MLP')!.layers.find((l) => l.op === 'Linear')!;
    assert.equal(linear.precision, 'fp8');
    assert.match(
      linear.precisionSource!,
      /torchao quantize_\(Float8DynamicActivationFloat8WeightConfig\(\)\), line \d+/,
    );
  }
  for (const hardware of ['nvidia-a100-80gb', 'nvidia-t4', 'intel-xeon-8480'])
    assert.ok(!(await offered(mlpHalf, hardware)).includes('fp8'), `${hardware} has no fp8 peak`);
});

test('2:4 semi-structured sparsity: offered where the profile has a sparse tensor-core peak, priced on it, re-analysed as promised', async () => {
  for (const hardware of ['nvidia-a100-80gb', 'nvidia-h100-sxm', 'nvidia-rtx-4090']) {
    const { action } = await actionOf(mlpHalf, { hardware }, 'sparsity-2-4');
    assert.match(action.saving!.needs!, /pruned to 2 nonzeros in every 4/);
    assert.ok(change(action.saving!)! < -0.3, `${hardware}: the sparse peak is twice the dense one`);
    const { view, edited } = await reanalyse('sparsity-2-4', mlpHalf, { hardware }, action);
    assert.match(edited, /torchao\.sparsity\.sparsify_\(model, torchao\.sparsity\.semi_sparse_weight\(\)\)/);
    const linear = view.file.models.find((m) => m.name === 'MLP')!.layers.find((l) => l.op === 'Linear')!;
    assert.equal(linear.sparsity?.pattern, '2:4');
  }
  // No sparse tensor cores on a T4 (Turing) or a CPU; no sparse peak at fp32 on an A100.
  for (const [text, hardware] of [
    [mlpHalf, 'nvidia-t4'],
    [mlpHalf, 'intel-xeon-8480'],
    [mlpFloat, 'nvidia-a100-80gb'],
  ])
    assert.ok(!(await offered(text, hardware)).includes('sparsity-2-4'), `${hardware}: not offered`);
});

test('TensorRT / onnxruntime int8 with calibration: a described path priced on the int8 peak, labelled as needing calibration', async () => {
  for (const hardware of ['nvidia-t4', 'nvidia-a100-80gb']) {
    const { action } = await actionOf(smallCnn, { hardware }, 'tensorrt-int8');
    assert.equal(action.saving!.precision, 'int8');
    assert.match(action.saving!.needs!, /calibration/);
    assert.match(action.title, /after calibration/);
    assert.match(action.title, /needs int8 calibration on representative inputs/);
    // The edit is comments only: the model is unchanged until it is calibrated and deployed.
    await reanalyse('tensorrt-int8', smallCnn, { hardware }, action, 'before');
    // The engine's price lies between the whole model at int8 and the whole model at fp16 (re-analysed so).
    const at = async (precision: 'int8' | 'fp16') =>
      (await viewOf(smallCnn, { hardware, precision })).file.models.find((m) => m.name === 'SmallNet')!.totals.energyJ!;
    const [low, high] = [await at('int8'), await at('fp16')];
    const after = action.saving!.after!;
    const ok = after >= low * (1 - TOLERANCE) && after <= high * (1 + TOLERANCE);
    record(
      'tensorrt-int8',
      action.saving!,
      change(action.saving!),
      low / action.saving!.before! - 1,
      ok,
      ' (vs all-int8)',
    );
    assert.ok(ok, `${hardware}: ${after} J outside [${low}, ${high}]`);
  }
  assert.ok(!(await offered(smallCnn, 'intel-xeon-8480')).includes('tensorrt-int8'));
});

const kerasMnist = fixture('test', 'fixtures', 'keras', 'mnist_convnet.py');

test('the Keras mixed-precision policy: layers built after it compute at its precision, as promised', async () => {
  for (const hardware of ['nvidia-t4', 'intel-xeon-8480']) {
    const { action } = await actionOf(kerasMnist, { hardware }, 'keras-mixed-precision');
    await reanalyse('keras-mixed-precision', kerasMnist, { hardware }, action);
  }
});

test('TFLite conversion and TF.js uint8 weights promise nothing for the model in this file: it is unchanged', async () => {
  const { action } = await actionOf(kerasMnist, { hardware: 'intel-xeon-8480' }, 'tflite-int8');
  await reanalyse('tflite-int8', kerasMnist, { hardware: 'intel-xeon-8480' }, action);
  const tfjs = fixture('test', 'fixtures', 'tfjs', 'getting_started.ts');
  const options = { hardware: 'nvidia-t4', file: 'file:///test/model.ts' };
  const view = await viewOf(tfjs, options);
  const { parseSyntax } = await import('../helpers/ide');
  const actions = codeActionItems(view, wholeRange(tfjs), undefined, (s) => parseSyntax(s));
  const quantize = actions.find((a) => a.advice === 'tfjs-quantize-uint8');
  assert.ok(quantize, actions.map((a) => a.advice).join(', '));
  await reanalyse('tfjs-quantize-uint8', tfjs, options, quantize);
});
