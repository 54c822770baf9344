// The precision the code states is the precision estimated (issue 13, item 2): autocast regions per
// layer, quantize_dynamic, .half(), torch_dtype=, a half-precision input, a Keras mixed-precision
// policy, HF TrainingArguments(bf16=True), Lightning precision=; each shown "from the code" beside
// the setting, in the lens and the hover as in the report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/analyzer';
import { viewOf } from '../helpers/ide';
import { codeLensItems } from '../../server/src/ide/hints/codeLens';
import { hoverItem } from '../../server/src/ide/hints/hover';
import type { ModelReport } from '../../server/src/core/report/types';
import type { View } from '../../server/src/ide/view';

const net = (forward: string, after = '') =>
  [
    'import torch',
    'import torch.nn as nn',
    'class Net(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.fc1 = nn.Linear(1024, 4096)',
    '        self.fc2 = nn.Linear(4096, 1024)',
    '    def forward(self, x):',
    `        return torch.softmax(self.fc2(torch.relu(self.fc1(x))), dim=-1)`,
    'model = Net()',
    after,
    forward,
    '',
  ].join('\n');

const plain = net('y = model(torch.randn(64, 1024))');

async function model(text: string, hardware = 'nvidia-a100-80gb'): Promise<{ view: View; m: ModelReport }> {
  const view = await viewOf(text, { hardware });
  const m = view.file.models.find((x) => x.name === 'Net' || x.root)!;
  return { view, m };
}

test('torch.autocast: the region runs at its dtype, softmax stays fp32, and energy drops', async () => {
  const base = await model(plain);
  const { view, m } = await model(
    net('with torch.autocast(device_type="cuda", dtype=torch.bfloat16):\n    y = model(torch.randn(64, 1024))'),
  );
  const byOp = (op: string) => m.layers.find((l) => l.op === op)!;
  assert.equal(byOp('Linear').precision, 'bf16');
  assert.match(byOp('Linear').precisionSource!, /torch\.autocast\(dtype=torch\.bfloat16\), line 12/);
  assert.equal(byOp('softmax').precision, undefined, 'autocast keeps softmax in float32');
  assert.ok(m.totals.energyJ! < base.m.totals.energyJ! * 0.5);
  const lens = codeLensItems(view)[0].title;
  assert.match(
    lens,
    /\(fp32, and bf16 from the code for 3 of 4 layer calls \(torch\.autocast\(dtype=torch\.bfloat16\), line 12\)\)$/,
  );
  const hover = hoverItem(view, m.layers[0].range.start.line, m.layers[0].range.start.character + 12)!.markdown;
  assert.match(
    hover,
    /\| precision \| bf16 from the code \(torch\.autocast\(dtype=torch\.bfloat16\), line 12\); setting fp32 \|/,
  );
});

test('torch.cuda.amp.autocast() defaults to float16; enabled=False states nothing', async () => {
  const { m } = await model(net('with torch.cuda.amp.autocast():\n    y = model(torch.randn(64, 1024))'));
  assert.equal(m.layers[0].precision, 'fp16');
  const off = await model(net('with torch.autocast("cuda", enabled=False):\n    y = model(torch.randn(64, 1024))'));
  assert.equal(off.m.layers[0].precision, undefined);
});

test('.half() and a float16 input: the whole model at fp16, weights counted at 2 bytes', async () => {
  const { m } = await model(net('y = model(torch.randn(64, 1024, dtype=torch.float16))', 'model = model.half()'));
  assert.ok(
    m.layers.every((l) => l.precision === 'fp16'),
    JSON.stringify(m.layers.map((l) => l.precision)),
  );
  assert.match(m.precisionFromCode![0].source, /\.half\(\), line 11/);
  assert.equal(m.totals.weightBytes, m.totals.params! * 2);
  const input = await model(net('y = model(torch.randn(64, 1024, dtype=torch.bfloat16))'));
  assert.equal(input.m.layers[0].precision, 'bf16');
  assert.match(input.m.layers[0].precisionSource!, /the bfloat16 input \(torch\.randn, line 12\)/);
  const to = await model(net('y = model(torch.randn(64, 1024))', 'model.to("cuda", torch.bfloat16)'));
  assert.equal(to.m.layers[0].precision, 'bf16');
});

test('quantize_dynamic: the quantized Linear layers run at int8, the rest as set', async () => {
  const { m } = await model(
    net(
      'y = model(torch.randn(64, 1024))',
      'model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)',
    ),
    'intel-xeon-8480',
  );
  assert.deepEqual(
    m.layers.map((l) => l.precision ?? null),
    ['int8', null, 'int8', null],
  );
});

test('from_pretrained(torch_dtype=torch.float16): the checkpoint is estimated at fp16', async () => {
  const text = (dtype: string) =>
    `import torch\nfrom transformers import AutoModel\nmodel = AutoModel.from_pretrained("bert-base-uncased"${dtype})\n`;
  const half = await viewOf(text(', torch_dtype=torch.float16'), { hardware: 'nvidia-t4' });
  const full = await viewOf(text(''), { hardware: 'nvidia-t4' });
  const h = half.file.models[0];
  assert.equal(h.layers[0].precision, 'fp16');
  assert.equal(h.totals.weightBytes, h.totals.params! * 2);
  assert.ok(h.totals.energyJ! < full.file.models[0].totals.energyJ!);
  assert.match(
    codeLensItems(half)[0].title,
    /fp16 from the code \(AutoModel\.from_pretrained\(torch_dtype=torch\.float16\), line 3\)/,
  );
});

test('a Keras mixed-precision policy: layers built after it compute at fp16; dtype="float32" keeps one in fp32', async () => {
  const text = [
    'import keras',
    'from keras import layers',
    'keras.mixed_precision.set_global_policy("mixed_float16")',
    'model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(256, activation="relu"), layers.Dense(10, activation="softmax", dtype="float32")])',
    '',
  ].join('\n');
  const view = await viewOf(text, { hardware: 'nvidia-t4' });
  const m = view.file.models[0];
  assert.deepEqual(
    m.layers.map((l) => l.precision ?? null),
    ['fp16', null],
  );
  assert.match(m.precisionFromCode![0].source, /set_global_policy\("mixed_float16"\), line 3/);
});

test('HF TrainingArguments(bf16=True) and Lightning precision= train in reduced precision, from the code', async () => {
  const hf = readFileSync(join(repoRoot, 'test', 'fixtures', 'training', 'hf_trainer.py'), 'utf8');
  const bf16 = hf.replace(
    'TrainingArguments("out", num_train_epochs=2,',
    'TrainingArguments("out", bf16=True, num_train_epochs=2,',
  );
  const [before, after] = await Promise.all([
    viewOf(hf, { hardware: 'nvidia-a100-80gb' }),
    viewOf(bf16, { hardware: 'nvidia-a100-80gb' }),
  ]);
  const run = (v: View) => v.file.trainingRuns!.at(-1)!;
  assert.equal(run(after).precision, 'bf16');
  assert.match(run(after).precisionSource!, /TrainingArguments\(bf16=True\), line 28/);
  assert.ok(run(after).energyJ! < run(before).energyJ! * 0.5, `${run(after).energyJ} vs ${run(before).energyJ}`);
  const lit = readFileSync(join(repoRoot, 'test', 'fixtures', 'training', 'lightning_fit.py'), 'utf8');
  const mixed = lit.replace('L.Trainer(max_epochs=20,', 'L.Trainer(max_epochs=20, precision="bf16-mixed",');
  const l = await viewOf(mixed, { hardware: 'nvidia-a100-80gb' });
  assert.equal(l.file.trainingRuns![0].precision, 'bf16');
  assert.match(l.file.trainingRuns![0].precisionSource!, /Trainer\(precision="bf16-mixed"\)/);
});

test('a stated precision the profile lacks is estimated at the closest one it has, and the report says so', async () => {
  const view = await viewOf(
    net('with torch.autocast(device_type="cuda", dtype=torch.bfloat16):\n    y = model(torch.randn(64, 1024))'),
    {
      hardware: 'nvidia-t4',
    },
  );
  assert.ok(view.file.models[0].totals.energyJ !== null);
  const { applyEnergy, getProfile, loadProfiles } = await import('../../server/src/core/energy');
  const profile = getProfile(loadProfiles({ profilesDir: join(repoRoot, 'profiles') }), 'nvidia-t4');
  const report = applyEnergy(
    { schema: 'wattlens.report/1', hardware: null, precision: 'fp32', files: [view.analysis.file] },
    { profile, precision: 'fp32' },
  );
  assert.match(
    String((report.assumptions!.statedPrecisionFallbacks as Record<string, string>).bf16),
    /nvidia-t4 has no bf16 peak: estimated at fp16/,
  );
});
