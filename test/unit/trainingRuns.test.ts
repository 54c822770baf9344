// Training runs: PyTorch DataLoader loops, Keras fit, HF Trainer, Lightning and Ultralytics, costed as
// steps = ceil(N / B) × E with a training step ≈ 3 × forward MACs, or per 1,000 samples when N is unknown.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, repoRoot } from '../helpers/analyzer';
import { loadModelCatalog } from '../../server/src/core/catalog/modelCatalog';
import { applyEnergy, getProfile, loadProfiles } from '../../server/src/core/energy';
import type { FileReport, TrainingRunReport } from '../../server/src/core/report/types';
import { formatTable } from '../../server/src/cli/format/table';

const catalog = loadModelCatalog(join(repoRoot, 'profiles', 'models'), join(repoRoot, 'profiles', 'datasets.json'));
const run = (name: string) =>
  analyze(readFileSync(join(repoRoot, 'test', 'fixtures', 'training', name), 'utf8'), { file: name, catalog });
const runs = (r: FileReport): TrainingRunReport[] => r.trainingRuns ?? [];
const reasons = (t: TrainingRunReport) => t.unresolved.map((u) => u.reason).join('\n');

/** Asserts the run's figures from the forward MACs of one sample: step = 3·f·B, total = 3·f·samples. */
function assertCost(
  t: TrainingRunReport,
  f: number,
  e: { epochs: number; batch: number; n: number; steps: number; samples: number },
): void {
  assert.equal(t.epochs, e.epochs);
  assert.equal(t.batchSize, e.batch);
  assert.equal(t.datasetSize, e.n);
  assert.equal(t.steps, e.steps);
  assert.equal(t.samples, e.samples);
  assert.equal(t.macsPerStep, 3 * f * e.batch);
  assert.equal(t.totalMacs, 3 * f * e.samples);
  assert.equal(t.per1000SamplesMacs, 3 * f * 1000);
  assert.match(t.rule, /3 × forward MACs/);
  assert.deepEqual(t.unresolved, []);
}

describe('PyTorch loops', () => {
  it('for epoch in range(E) over a DataLoader of a literal TensorDataset', async () => {
    const r = await run('torch_tensordataset.py');
    const [t] = runs(r);
    assert.equal(t.kind, 'pytorch-loop');
    assert.equal(t.model, 'MLP');
    // MLP forward per sample: 20·64 + 64·2 = 1,408 MACs; traced on one batch of 64 from the loader.
    assert.deepEqual(r.models.find((m) => m.name === 'MLP')!.input?.shape, [64, 20]);
    // N = 5,000, B = 64, E = 10: steps = ceil(5000 / 64) × 10 = 790; samples = 50,000.
    assertCost(t, 1408, { epochs: 10, batch: 64, n: 5000, steps: 790, samples: 50_000 });
    assert.match(t.datasetSource, /TensorDataset of tensor \[5000, 20\]/);
    assert.equal(t.range.start.line, 27);
  });

  it('pytorch/examples MNIST: train() called per epoch, the evaluation loop is not a run', async () => {
    const r = await run('mnist_loop.py');
    assert.equal(runs(r).length, 1);
    const [t] = runs(r);
    assert.equal(t.model, 'Net');
    // Net per 28×28 image: conv1 26·26·32·9 = 194,688; conv2 24·24·64·288 = 10,616,832; fc1 9216·128 = 1,179,648;
    // fc2 1,280 → 11,992,448 MACs. MNIST train = 60,000 (catalog); steps = ceil(60000 / 64) × 14 = 938 × 14 = 13,132.
    assertCost(t, 11_992_448, { epochs: 14, batch: 64, n: 60_000, steps: 13_132, samples: 840_000 });
    assert.match(t.datasetSource, /mnist "train" = 60,000 samples/);
  });

  it('epochs and batch from argparse: no run total, the cost per 1,000 samples, with why', async () => {
    const [t] = runs(await run('argparse_loop.py'));
    assert.equal(t.epochs, null);
    assert.equal(t.batchSize, null);
    assert.equal(t.datasetSize, 50_000, 'CIFAR10 train, from the catalog');
    assert.equal(t.totalMacs, null);
    // Flatten + Linear(3072, 10): 30,720 MACs per image → 3 × 30,720 × 1,000.
    assert.equal(t.per1000SamplesMacs, 92_160_000);
    assert.match(reasons(t), /epoch count in `range\(args.epochs\)` is not known statically/);
    assert.match(reasons(t), /batch_size is not known statically/);
  });

  it('a DataLoader over an unknown dataset (ImageFolder): per 1,000 samples, saying why', async () => {
    const [t] = runs(await run('unknown_dataset.py'));
    assert.equal(t.datasetSize, null);
    assert.equal(t.steps, null);
    assert.equal(t.macsPerStep, 3 * 20 * 32);
    assert.equal(t.per1000SamplesMacs, 60_000);
    assert.match(reasons(t), /ImageFolder reads a directory at run time.*per 1,000 samples/);
  });

  it('range(n), random_split fractions, drop_last and a training loop inside an uncalled function', async () => {
    const r = await analyze(
      [
        'import torch',
        'import torch.nn as nn',
        'from torch.utils.data import DataLoader, TensorDataset, random_split',
        'model = nn.Linear(8, 1)',
        'full = TensorDataset(torch.randn(1000, 8), torch.randn(1000, 1))',
        'train_set, val_set = random_split(full, [0.8, 0.2])',
        'loader = DataLoader(train_set, batch_size=64, drop_last=True)',
        'ints = DataLoader(range(300), batch_size=100)',
        'opt = torch.optim.SGD(model.parameters(), lr=0.1)',
        'EPOCHS = 3',
        'for epoch in range(2):',
        '    for x, y in loader:',
        '        opt.zero_grad()',
        '        ((model(x) - y) ** 2).mean().backward()',
        '        opt.step()',
        'def never_called():',
        '    for epoch in range(1, EPOCHS + 1):',
        '        for batch in ints:',
        '            model(batch).sum().backward()',
        '',
      ].join('\n'),
      { catalog },
    );
    const [split, uncalled] = runs(r);
    // random_split 80/20 of 1,000 → 800; drop_last: floor(800 / 64) = 12 steps per epoch, 12 × 64 × 2 samples.
    assertCost(split, 8, { epochs: 2, batch: 64, n: 800, steps: 24, samples: 1536 });
    // The loop in never_called() is found from the syntax: range(1, EPOCHS + 1) with EPOCHS = 3 at module level,
    // and `ints` = DataLoader(range(300), batch_size=100) from the module scope: ceil(300 / 100) × 3 = 9 steps.
    assert.equal(uncalled.epochs, 3);
    assert.equal(uncalled.datasetSize, 300);
    assert.equal(uncalled.steps, 9);
  });
});

describe('Keras fit', () => {
  it('the Keras MNIST convnet example: load_data() size through numpy reshapes, validation_split', async () => {
    const r = await run('keras_fit.py');
    const [t, resnet] = runs(r);
    assert.equal(t.kind, 'keras-fit');
    // 60,000 MNIST images, validation_split=0.1 → floor(60000 × 0.9) = 54,000 train; ceil(54000 / 128) × 15 = 6,330.
    assert.equal(t.datasetSize, 54_000);
    assert.equal(t.steps, 6_330);
    assert.equal(t.samples, 810_000);
    assert.match(t.datasetSource, /keras\.datasets\.mnist\.load_data\(\).*via x_train/);
    if (t.macsPerStep !== null) {
      // With the Keras plug-in: conv 26·26·32·9 = 194,688 + conv 11·11·64·288 = 2,230,272 + dense 1600·10 = 16,000.
      assertCost(t, 2_440_960, { epochs: 15, batch: 128, n: 54_000, steps: 6_330, samples: 810_000 });
    }
    // fit on a keras.applications checkpoint: default batch 32, x read by np.load (unknown) → per 1,000 samples.
    assert.equal(resnet.model, 'ResNet50');
    assert.equal(resnet.batchSize, 32);
    assert.equal(resnet.epochs, 2);
    assert.equal(resnet.per1000SamplesMacs, 3 * 3_800_000_000 * 1000);
    assert.match(reasons(resnet), /x is unknown/);
  });
});

describe('HF Trainer, Lightning, Ultralytics', () => {
  it('Trainer + TrainingArguments: defaults (3 epochs, batch 8), select(range(1000)), load_dataset splits', async () => {
    const r = await run('hf_trainer.py');
    const [tutorial, imdb] = runs(r);
    // bert-base-cased: 87,293,952 MACs/token × 128 tokens = 11,173,625,856 MACs per sequence.
    const f = 87_293_952 * 128;
    assert.equal(tutorial.model, 'google-bert/bert-base-cased');
    assertCost(tutorial, f, { epochs: 3, batch: 8, n: 1000, steps: 375, samples: 3000 });
    assert.match(tutorial.rule, /num_train_epochs default 3\.0|one device assumed/);
    // imdb train = 25,000; 2 epochs × ceil(25000 / 16) = 3,126 steps.
    assertCost(imdb, f, { epochs: 2, batch: 16, n: 25_000, steps: 3126, samples: 50_000 });
  });

  it('Lightning Trainer(max_epochs, limit_train_batches).fit(model, train_dataloaders=...)', async () => {
    const r = await run('lightning_fit.py');
    const [t] = runs(r);
    assert.equal(t.kind, 'lightning');
    assert.equal(t.model, 'LitRegressor');
    // Linear(32,128) + Linear(128,1) = 4,224 MACs per sample; 30 batches of 256 per epoch × 20 epochs.
    assertCost(t, 4224, { epochs: 20, batch: 256, n: 10_000, steps: 600, samples: 153_600 });
  });

  it('Ultralytics model.train(data="coco128.yaml", epochs=3): batch 16 by default', async () => {
    const [t] = runs(await run('ultralytics_train.py'));
    // yolov8n: 4.35 GMACs per 640² image; coco128 = 128 images: ceil(128 / 16) × 3 = 24 steps.
    assertCost(t, 4_350_000_000, { epochs: 3, batch: 16, n: 128, steps: 24, samples: 384 });
  });

  it('load_dataset split slices are sized from the catalog', async () => {
    const r = await analyze(
      [
        'from datasets import load_dataset',
        'from transformers import AutoModel, Trainer, TrainingArguments',
        'model = AutoModel.from_pretrained("distilbert-base-uncased")',
        'ds = load_dataset("imdb", split="train[:10%]")',
        'Trainer(model=model, args=TrainingArguments("o", num_train_epochs=1), train_dataset=ds).train()',
        '',
      ].join('\n'),
      { catalog },
    );
    const [t] = runs(r);
    assert.equal(t.datasetSize, 2500);
    assert.equal(t.steps, 313);
  });
});

describe('energy of a run', () => {
  it('applyEnergy fills step latency and the run energy (3 × the forward at the run batch)', async () => {
    const r = await run('torch_tensordataset.py');
    const profiles = loadProfiles({ profilesDir: join(repoRoot, 'profiles') });
    const out = applyEnergy(
      { schema: 'wattlens.report/1', hardware: null, precision: 'fp32', files: [r] },
      { profile: getProfile(profiles, 'nvidia-t4'), precision: 'fp32' },
    );
    const file = out.files[0];
    const t = file.trainingRuns![0];
    const mlp = file.models.find((m) => m.name === 'MLP')!;
    // The model was costed at batch 64, the run's batch: one step = 3 × its forward.
    assert.ok(Math.abs(t.latencyMs! - 3 * mlp.totals.latencyMs!) < 1e-9);
    assert.equal(t.energyScope, 'run');
    // 50,000 samples / 64 per batch = 781.25 batches of 3 × forward energy.
    assert.ok(Math.abs(t.energyJ! - 3 * mlp.totals.energyJ! * (50_000 / 64)) < 1e-9 * t.energyJ!);
    assert.ok(t.kWh! > 0 && t.co2eG! > 0 && t.hours! > 0);
  });

  it('the CLI table prints each run with its steps, MACs and energy', async () => {
    const r = await run('torch_tensordataset.py');
    const profiles = loadProfiles({ profilesDir: join(repoRoot, 'profiles') });
    const out = applyEnergy(
      { schema: 'wattlens.report/1', hardware: null, precision: 'fp32', files: [r] },
      { profile: getProfile(profiles, 'nvidia-t4'), precision: 'fp32' },
    );
    const text = formatTable(out);
    assert.match(text, /training run \[pytorch-loop, line 28\]: MLP · 10 epochs × batch 64 · 5,000 samples per epoch/);
    assert.match(text, /790 steps · 270 kMACs per step · 211 MMACs in total · 4\.22 MMACs per 1,000 samples/);
    assert.match(text, /per step · run: /);
  });

  it('a run whose size is unknown gets energy per 1,000 samples', async () => {
    const r = await run('unknown_dataset.py');
    const profiles = loadProfiles({ profilesDir: join(repoRoot, 'profiles') });
    const out = applyEnergy(
      { schema: 'wattlens.report/1', hardware: null, precision: 'fp32', files: [r] },
      { profile: getProfile(profiles, 'nvidia-t4'), precision: 'fp32' },
    );
    const t = out.files[0].trainingRuns![0];
    assert.equal(t.energyScope, 'per-1000-samples');
    assert.ok(t.energyJ! > 0);
    assert.equal(t.hours, null);
  });
});

describe('bad input', () => {
  it('nonsense around training calls never crashes', async () => {
    const r = await analyze(
      [
        'from torch.utils.data import DataLoader, TensorDataset',
        'import torch',
        'import keras',
        'bad = TensorDataset(mystery)',
        'loader = DataLoader(torch.randn(10, 3), batch_size="big")',
        'for x in loader: x.backward()',
        'n = len(loader)',
        'm = keras.Sequential()',
        'm.fit(epochs=None)',
        'import torch.nn as nn',
        'lin = nn.Linear(2, 2)',
        'lin.fit()',
        'from transformers import Trainer',
        'Trainer().train()',
        '',
      ].join('\n'),
      { catalog },
    );
    const text = [...runs(r).map(reasons), ...r.diagnostics.map((d) => d.message)].join('\n');
    assert.match(text, /NameError: name 'mystery' is not defined/);
    assert.match(text, /batch_size is not known statically/);
    assert.match(text, /epochs is not known statically/);
    assert.match(text, /Trainer without train_dataset/);
    assert.equal(
      runs(r).find((t) => t.kind === 'hf-trainer')!.model,
      null,
      'no model is attributed to a Trainer without one',
    );
    assert.equal(
      runs(r).filter((t) => t.kind === 'keras-fit').length,
      1,
      'a torch module has no fit(): not a Keras run',
    );
  });

  it('a DataLoader over an unknown dataset variable says where the dataset came from', async () => {
    const r = await analyze(
      [
        'import sys',
        'import torch.nn as nn',
        'from torch.utils.data import DataLoader',
        'from mydata import load_my_data',
        'data = load_my_data(sys.argv[1])',
        'model = nn.Linear(4, 2)',
        'loader = DataLoader(data, batch_size=8)',
        'for epoch in range(2):',
        '    for x, y in loader:',
        '        model(x).sum().backward()',
        '',
      ].join('\n'),
      { catalog },
    );
    const [t] = runs(r);
    assert.equal(t.datasetSize, null);
    assert.equal(t.epochs, 2);
    assert.match(reasons(t), /the dataset is unknown/);
  });
});
