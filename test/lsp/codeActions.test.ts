// Code action tests: every action's edit is applied to the text, parsed by Python's own ast module,
// run under /usr/bin/python3 with torch (when it imports), and the server re-checks the edited text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestClient, repoRoot } from './client';
import { actionsAt, apply, lineOf, recheck } from './actions';
import { checkPython, hasTorch } from './python';

const fixtures = {
  small: join(repoRoot, 'test', 'lsp', 'fixtures', 'small_cnn_eval.py'),
  resnet: join(repoRoot, 'test', 'fixtures', 'pytorch', 'resnet18.py'),
};
const edited: Record<string, string> = {};
let gpu: TestClient;
let cpu: TestClient;

before(async () => {
  [gpu, cpu] = await Promise.all([
    TestClient.start({ hardware: 'nvidia-t4' }),
    TestClient.start({ hardware: 'intel-xeon-8480' }),
  ]);
});
after(async () => Promise.all([gpu.stop(), cpu.stop()]));

test('diagnostics: hot spot, inference loop without no_grad, conv bias before BatchNorm', async () => {
  const { diags, text } = await actionsAt(gpu, fixtures.small, 0);
  const byCode = (code: string) => diags.filter((d) => d.code === code);
  assert.equal(byCode('energy-hotspot').length, 1);
  assert.equal(byCode('energy-hotspot')[0].range.start.line, lineOf(text, 'nn.Linear(16 * 16 * 16, 512)'));
  assert.equal(byCode('inference-without-no-grad')[0].range.start.line, lineOf(text, 'for step in range(3)'));
  assert.equal(byCode('conv-bias-before-norm')[0].range.start.line, lineOf(text, 'nn.Conv2d(3, 16'));
  assert.ok(
    diags.every((d) => d.severity === 3 || d.severity === 4),
    'only Information/Hint for legitimate code',
  );
});

test('bias=False quick fix', async () => {
  const text0 = readFileSync(fixtures.small, 'utf8');
  const { uri, text, actions } = await actionsAt(gpu, fixtures.small, lineOf(text0, 'nn.Conv2d(3, 16'));
  const fix = actions.find((a) => a.title.startsWith('Set bias=False'));
  assert.ok(fix, actions.map((a) => a.title).join('\n'));
  assert.equal(fix.kind, 'quickfix');
  assert.match(fix.title, /−16 params/);
  const out = apply(uri, text, fix);
  assert.match(out, /nn\.Conv2d\(3, 16, kernel_size=3, padding=1, bias=False\)/);
  edited.biasFalse = out;
  const { diags } = await recheck(gpu, 'biasFalse', out);
  assert.ok(!diags.some((d) => d.code === 'conv-bias-before-norm'));
});

test('torch.no_grad() quick fix wraps the loop with correct indentation', async () => {
  const text0 = readFileSync(fixtures.small, 'utf8');
  const { uri, text, actions } = await actionsAt(gpu, fixtures.small, lineOf(text0, 'logits = model(batch)'));
  const fix = actions.find((a) => a.title.startsWith('Wrap this inference loop in torch.no_grad()'));
  assert.ok(fix, actions.map((a) => a.title).join('\n'));
  const out = apply(uri, text, fix);
  assert.match(out, /\nwith torch\.no_grad\(\):\n {4}for step in range\(3\):\n {8}batch = /);
  edited.noGrad = out;
  const { diags, hints } = await recheck(gpu, 'noGrad', out);
  assert.ok(!diags.some((d) => d.code === 'inference-without-no-grad'));
  assert.ok(hints.length > 0);
});

test('model actions price themselves on the profile where they run: autocast and pruning on a GPU', async () => {
  const text0 = readFileSync(fixtures.small, 'utf8');
  const { uri, text, actions } = await actionsAt(gpu, fixtures.small, lineOf(text0, 'model = SmallNet()'));
  const titles = actions.map((a) => a.title);
  const cast = actions.find((a) => a.title.startsWith('Run model(...) under torch.autocast'));
  const prune = actions.find((a) => a.title.startsWith('Prune 30% of the weights'));
  assert.ok(cast && prune, titles.join('\n'));
  assert.ok(
    !actions.some((a) => a.title.startsWith('Apply dynamic int8')),
    'PyTorch runs dynamic int8 quantization on CPU only: not offered on a T4',
  );
  assert.match(cast.title, /torch\.float16.*\(−\d+% energy per forward pass on nvidia-t4\)/);
  assert.match(prune.title, /sparse-aware kernels.*±0% with dense kernels/);
  edited.autocastCuda = apply(uri, text, cast);
  assert.match(
    edited.autocastCuda,
    /\nwith torch\.autocast\(device_type="cuda", dtype=torch\.float16\):\n {4}out = model\(x\)\n/,
  );
  edited.prune = apply(uri, text, prune);
  assert.match(
    edited.prune,
    /prune\.l1_unstructured\(_layer, name="weight", amount=0\.3\)\n {4}prune\.remove\(_layer, "weight"\)\n/,
  );
  for (const name of ['autocastCuda', 'prune']) {
    const { hints } = await recheck(gpu, name, edited[name]);
    assert.ok(hints.length >= 5, `${name}: hints after the edit`);
  }
});

test('on a CPU profile: autocast with device_type="cpu" and bfloat16, and dynamic int8 quantization', async () => {
  const text0 = readFileSync(fixtures.small, 'utf8');
  const { uri, text, actions } = await actionsAt(cpu, fixtures.small, lineOf(text0, 'out = model(x)'));
  const cast = actions.find((a) => a.title.includes('torch.autocast'));
  assert.ok(cast, actions.map((a) => a.title).join('\n'));
  assert.match(cast.title, /torch\.bfloat16.*\(−\d+% energy per forward pass on intel-xeon-8480\)/);
  edited.autocastCpu = apply(uri, text, cast);
  assert.match(
    edited.autocastCpu,
    /with torch\.autocast\(device_type="cpu", dtype=torch\.bfloat16\):\n {4}out = model\(x\)/,
  );
  const quant = actions.find((a) => a.title.startsWith('Apply dynamic int8'));
  assert.ok(quant, actions.map((a) => a.title).join('\n'));
  assert.match(quant.title, /\(−\d+% energy per forward pass on intel-xeon-8480; PyTorch runs it on CPU\)/);
  edited.quantize = apply(uri, text, quant);
  assert.match(
    edited.quantize,
    /\nmodel = SmallNet\(\)\nmodel = torch\.ao\.quantization\.quantize_dynamic\(model, \{torch\.nn\.Linear, torch\.nn\.LSTM\}, dtype=torch\.qint8\)\n/,
  );
  const { diags } = await recheck(cpu, 'quantize', edited.quantize);
  assert.ok(!diags.some((d) => d.code === 'syntax'));
});

test('ResNet-18: actions inside `if __name__` keep its indentation', async () => {
  const text0 = readFileSync(fixtures.resnet, 'utf8');
  const { uri, text, actions } = await actionsAt(cpu, fixtures.resnet, lineOf(text0, 'out = model(x)'));
  for (const a of actions) edited[`resnet ${a.title.slice(0, 24)}`] = apply(uri, text, a);
  assert.equal(actions.length, 4, actions.map((a) => a.title).join('\n'));
  assert.ok(
    Object.values(edited).some((t) =>
      t.includes('    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):\n        out = model(x)'),
    ),
  );
});

test('every edited file parses with Python ast and runs under python3 with torch', () => {
  assert.ok(Object.keys(edited).length >= 10, Object.keys(edited).join(', '));
  const run = hasTorch();
  const results = checkPython(edited, run);
  for (const [name, result] of Object.entries(results)) assert.equal(result, 'ok', `${name}: ${result}`);
  if (!run) console.log('# torch is not importable by /usr/bin/python3: checked with ast.parse only');
});
