// Training diagnostics and actions over the real server: fp32 training where the profile has a fast
// bf16/fp16 path, autocast around the training step (GradScaler for float16), structured pruning and the
// distillation scaffold; every edited file is parsed by Python's ast and run under /usr/bin/python3 with torch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestClient, repoRoot } from './client';
import { actionsAt, apply, find, lineOf, recheck } from './actions';
import { checkPython, hasTorch } from './python';

const cnn = join(repoRoot, 'test', 'lsp', 'fixtures', 'cnn_train.py');
const cnnText = readFileSync(cnn, 'utf8');
const loopLine = lineOf(cnnText, 'for inputs, targets in loader:');
const edited: Record<string, string> = {};
let gpu: TestClient;
let cpu: TestClient;
let slow: TestClient;

/** examples/resnet50.py with its inference replaced by a two-step training loop on 64×64 images. */
const resnetTrain =
  readFileSync(join(repoRoot, 'examples', 'resnet50.py'), 'utf8').split('\nmodel = resnet50()')[0] +
  `
model = resnet50()
images = torch.randn(4, 3, 64, 64)
labels = torch.randint(0, 1000, (4,))
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels), batch_size=2)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for inputs, targets in loader:
    optimizer.zero_grad()
    loss = criterion(model(inputs), targets)
    loss.backward()
    optimizer.step()
`;

/** Appended to a file with the scaffold: checks distillation_loss against the formula written out. */
const CHECK_DISTILLATION = `
_s, _t, _y = torch.randn(8, 10), torch.randn(8, 10), torch.randint(0, 10, (8,))
_p = torch.softmax(_t / 4.0, dim=-1)
_kl = (_p * (torch.log(_p) - torch.log_softmax(_s / 4.0, dim=-1))).sum(-1).mean() * 16.0
_ce = torch.nn.functional.cross_entropy(_s, _y)
assert torch.allclose(distillation_loss(_s, _t, _y), 0.5 * _kl + 0.5 * _ce, atol=1e-5)
assert torch.allclose(distillation_loss(_s, _t, _y, alpha=0.0), _ce, atol=1e-6)
`;

before(async () => {
  [gpu, cpu, slow] = await Promise.all([
    TestClient.start({ hardware: 'nvidia-t4' }),
    TestClient.start({ hardware: 'intel-xeon-8480' }),
    TestClient.start({ hardware: 'amd-ryzen-7950x' }),
  ]);
});
after(async () => Promise.all([gpu.stop(), cpu.stop(), slow.stop()]));

test('fp32 training on a profile with a fast fp16/bf16 path: Information with the re-estimated ratio; none without one', async () => {
  const { diags } = await actionsAt(gpu, cnn, loopLine);
  const d = diags.find((x) => x.code === 'fp32-training');
  assert.ok(d, JSON.stringify(diags));
  assert.equal(d.severity, 3);
  assert.equal(d.range.start.line, loopLine);
  assert.match(String(d.message), /nvidia-t4 has a fast fp16 path \(65 vs 8\.1 TFLOP\/s peak\)/);
  assert.match(
    String(d.message),
    /Re-estimated at fp16: \d+(\.\d)?× faster per step \(.+ → .+\) and \d+(\.\d)?× less energy \(.+ J → .+ for the run\)/,
  );
  assert.ok(
    diags.every((x) => x.severity === 3 || x.severity === 4),
    'only Information/Hint for legitimate code',
  );
  const cpuDiag = (await actionsAt(cpu, cnn, loopLine)).diags.find((x) => x.code === 'fp32-training');
  assert.match(String(cpuDiag?.message), /intel-xeon-8480 has a fast bf16 path \(115 vs 7\.2 TFLOP\/s peak\)/);
  const none = await actionsAt(slow, cnn, loopLine);
  assert.ok(!none.diags.some((x) => x.code === 'fp32-training'), 'amd-ryzen-7950x has no fast bf16/fp16 path');
  assert.ok(!none.actions.some((a) => a.title.includes('training step')));
});

test('autocast around the training step on a T4: float16 with a GradScaler, backward and step outside', async () => {
  const { uri, text, actions, diags } = await actionsAt(gpu, cnn, loopLine);
  const cast = find(
    actions,
    'Run the training step under torch.autocast(torch.float16) mixed precision with a GradScaler',
  );
  assert.match(cast.title, /\(−\d+% energy, \d+(\.\d)?× faster per step on nvidia-t4\)$/);
  assert.equal(cast.kind, 'quickfix');
  assert.deepEqual(
    cast.diagnostics?.map((d) => d.code),
    ['fp32-training'],
  );
  assert.ok(diags.some((d) => d.code === 'fp32-training'));
  const out = apply(uri, text, cast);
  assert.match(out, /\nscaler = torch\.cuda\.amp\.GradScaler\(\) {2}# WattLens: .*\nfor epoch in range\(2\):\n/);
  assert.match(
    out,
    / {8}optimizer\.zero_grad\(\)\n {8}with torch\.autocast\(device_type="cuda", dtype=torch\.float16\):\n {12}outputs = model\(inputs\)\n {12}loss = criterion\(outputs, targets\)\n {8}scaler\.scale\(loss\)\.backward\(\)\n {8}scaler\.step\(optimizer\)\n {8}scaler\.update\(\)\n/,
  );
  edited.autocastFp16 = out;
  const { diags: after, hints } = await recheck(gpu, 'autocastFp16', out);
  assert.ok(!after.some((d) => d.code === 'fp32-training' || d.code === 'syntax'), JSON.stringify(after));
  assert.ok(hints.length >= 5);
});

test('on a CPU profile the training step runs under autocast("cpu", bfloat16), no GradScaler', async () => {
  const { uri, text, actions } = await actionsAt(cpu, cnn, lineOf(cnnText, 'loss = criterion(outputs, targets)'));
  const cast = find(actions, 'Run the training step under torch.autocast(torch.bfloat16) mixed precision (');
  assert.match(cast.title, /on intel-xeon-8480\)$/);
  const out = apply(uri, text, cast);
  assert.match(
    out,
    / {8}with torch\.autocast\(device_type="cpu", dtype=torch\.bfloat16\):\n {12}outputs = model\(inputs\)\n {12}loss = criterion\(outputs, targets\)\n {8}loss\.backward\(\)\n/,
  );
  assert.ok(!out.includes('GradScaler()'));
  assert.ok(
    !actions.some((a) => a.title.startsWith('Run model(...) under')),
    'the model call inside the training step is covered by the training action',
  );
  edited.autocastBf16 = out;
});

test('structured pruning of the heaviest conv: priced once rebuilt, honest that shapes do not shrink', async () => {
  const { uri, text, actions } = await actionsAt(gpu, cnn, lineOf(cnnText, 'model = ConvNet()'));
  const prune = find(actions, /^Prune 38 of 128 output channels of features\.3 \(Conv2d, L2 structured\)/);
  assert.match(
    prune.title,
    /\(−\d+% energy per forward pass on nvidia-t4 once the model is rebuilt without the zeroed channels; until then the layer shapes do not shrink and dense kernels cost the same\)$/,
  );
  const out = apply(uri, text, prune);
  assert.match(
    out,
    /\nmodel = ConvNet\(\)\nimport torch\.nn\.utils\.prune as prune {2}# WattLens: .*\n_conv = model\.get_submodule\("features\.3"\)\nprune\.ln_structured\(_conv, name="weight", amount=0\.3, n=2, dim=0\)\nprune\.remove\(_conv, "weight"\)\n/,
  );
  assert.ok(
    actions.some((a) => a.title.startsWith('Prune 30% of the weights')),
    'the unstructured action is still offered',
  );
  edited.structuredPrune = out + 'assert int((model.features[3].weight.abs().sum(dim=(1, 2, 3)) == 0).sum()) == 38\n';
  const { hints } = await recheck(gpu, 'structuredPrune', out);
  assert.ok(hints.length >= 5);
});

test('distillation scaffold: distillation_loss before the loop and a half-width student for a custom network', async () => {
  const { uri, text, actions } = await actionsAt(gpu, cnn, loopLine);
  const kd = find(actions, 'Add a knowledge-distillation scaffold: distillation_loss() and a half-width student');
  assert.match(
    kd.title,
    /\(−\d+% energy per forward pass on nvidia-t4; training the student also runs the teacher's forward pass\)$/,
  );
  const out = apply(uri, text, kd);
  assert.match(
    out,
    /\ndef distillation_loss\(student_logits, teacher_logits, labels, temperature=4\.0, alpha=0\.5\):\n {4}"""Knowledge distillation \(Hinton et al\. 2015/,
  );
  assert.match(out, /\n# WattLens: distil `model` \(the teacher\) into a half-width student:\n/);
  assert.ok(out.indexOf('def distillation_loss') < out.indexOf('for epoch in range(2):'));
  edited.distilCnn = out + CHECK_DISTILLATION;
  const { diags } = await recheck(gpu, 'distilCnn', out);
  assert.ok(!diags.some((d) => d.code === 'syntax'));
});

test('distillation for a ResNet-50 suggests resnet18 with its catalog params and MACs', async () => {
  const { uri, text, actions } = await actionsAt(
    cpu,
    'file:///virtual/resnet50_train.py',
    lineOf(resnetTrain, 'for inputs, targets in loader:'),
    resnetTrain,
  );
  const kd = find(
    actions,
    'Add a knowledge-distillation scaffold: distillation_loss() and a resnet18 student (11.7 M vs 25.6 M params)',
  );
  assert.match(kd.title, /\(−\d+% energy per forward pass on intel-xeon-8480;/);
  const out = apply(uri, text, kd);
  assert.match(
    out,
    /# {3}student = torchvision\.models\.resnet18\(num_classes=1000\) {2}# 11\.7 M params, 1\.81 GMACs per sample; catalog: https:\/\/github\.com\/pytorch\/vision/,
  );
  edited.distilResnet = out + CHECK_DISTILLATION;
});

test('every edited training file parses with Python ast and runs under python3 with torch', () => {
  assert.ok(Object.keys(edited).length >= 5, Object.keys(edited).join(', '));
  const run = hasTorch();
  const results = checkPython(edited, run);
  for (const [name, result] of Object.entries(results)) assert.equal(result, 'ok', `${name}: ${result}`);
  if (!run) console.log('# torch is not importable by /usr/bin/python3: checked with ast.parse only');
});
