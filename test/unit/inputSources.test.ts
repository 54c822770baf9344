// Input sources beyond torch factories: NumPy arrays (np.random.rand, np.zeros, np.array) beside a torch
// or Keras model, tf.random.normal and a keras.Input never connected beside a Keras model, one batch of
// the array Keras's fit() is given, and a DataLoader over a catalogued torchvision dataset whose
// transforms fix the sample size (shapes checked against real torchvision); bad forms of each stay
// located and unknown, never a guess.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { analyze, repoRoot } from '../helpers/analyzer';
import { loadModelCatalog } from '../../server/src/core/catalog/modelCatalog';
import type { ModelReport } from '../../server/src/core/report/types';

const catalog = loadModelCatalog(join(repoRoot, 'profiles', 'models'), join(repoRoot, 'profiles', 'datasets.json'));

const TORCH = 'import numpy as np\nimport torch\nimport torch.nn as nn\n';
const CONV = `${TORCH}model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))\n`;
const KERAS = 'import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras\n';
const DENSE = `${KERAS}model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10)])\n`;

async function root(src: string, name = 'model'): Promise<ModelReport> {
  const r = await analyze(src, { catalog });
  const m = r.models.find((x) => x.name === name && x.root);
  assert.ok(m, `no root ${name}: ${r.models.map((x) => x.name).join(', ')}`);
  return m;
}

/** MACs of the Keras Dense(64) → Dense(10) model on a batch of `b` rows of 784. */
const denseMacs = (b: number, width = 784) => b * (width * 64 + 64 * 10);

describe('NumPy arrays beside a torch model', () => {
  it('np.random.rand(...).astype(np.float32), never passed: the tensor rule, with its origin', async () => {
    const m = await root(`${CONV}x = np.random.rand(2, 3, 64, 64).astype(np.float32)\n`);
    assert.deepEqual([m.input?.shape, m.input?.dtype, m.input?.rule], [[2, 3, 64, 64], 'float32', 'tensor']);
    assert.match(m.input!.source, /^NumPy array x \(numpy\.random\.rand, line 5\): the one tensor the file builds/);
    // The same as a torch tensor of that shape.
    const same = await root(`${CONV}x = torch.rand(2, 3, 64, 64)\n`);
    assert.equal(m.totals.macs, same.totals.macs);
  });

  it('a float64 array goes in as float32 (as torch.from_numpy(x).float() feeds it), and says so', async () => {
    const m = await root(`${CONV}x = np.zeros((4, 3, 32, 32))\n`);
    assert.deepEqual([m.input?.shape, m.input?.dtype], [[4, 3, 32, 32], 'float32']);
    assert.match(m.input!.source, /numpy\.zeros, line 5; float64, fed as float32/);
  });

  it('torch.from_numpy / torch.tensor of an array keep its shape (a call on it is now costed)', async () => {
    const m = await root(`${CONV}x = np.random.randn(5, 3, 16, 16)\nmodel(torch.from_numpy(x).float())\n`);
    assert.deepEqual([m.input?.shape, m.input?.rule], [[5, 3, 16, 16], 'call']);
    assert.ok(m.totals.macs! > 0);
    const t = await root(`${CONV}model(torch.tensor(np.ones((2, 3, 8, 8)), dtype=torch.float32))\n`);
    assert.deepEqual([t.input?.shape, t.input?.dtype], [[2, 3, 8, 8], 'float32']);
  });

  it('integer arrays feed an Embedding; np.array literals take the shape of their nesting', async () => {
    const lm = `${TORCH}model = nn.Sequential(nn.Embedding(100, 16), nn.Linear(16, 4))\n`;
    const ids = await root(`${lm}tokens = np.random.randint(0, 100, size=(2, 12))\n`);
    assert.deepEqual([ids.input?.shape, ids.input?.dtype], [[2, 12], 'int64']);
    const lit = await root(`${lm}tokens = np.array([[1, 2, 3], [4, 5, 6]])\n`);
    assert.deepEqual([lit.input?.shape, lit.input?.dtype], [[2, 3], 'int64']);
  });

  it('bad arrays are unknown, never a guess: negative sizes, sizes from data, np.load', async () => {
    for (const bad of ['np.random.rand(-1, 3, 8, 8)', 'np.zeros(shape)', 'np.load("x.npy")', 'np.random.rand("a")']) {
      const m = await root(`${CONV}shape = open("s").read()\nx = ${bad}\n`);
      assert.equal(m.input?.rule, 'assumed', `${bad}: ${m.input?.source}`);
    }
  });
});

describe('Keras: tensors the file builds, keras.Input, fit(x)', () => {
  it('tf.random.normal beside a Sequential that states no input: the tensor rule, as if it were declared', async () => {
    const m = await root(`${DENSE}x = tf.random.normal((8, 784))\n`);
    assert.deepEqual([m.input?.shape, m.input?.rule], [[8, 784], 'tensor']);
    assert.equal(m.totals.macs, denseMacs(8));
    assert.match(m.input!.source, /tensor x \(.*normal, line 5\): the one tensor the file builds/);
  });

  it('a keras.Input built but never connected is the example input', async () => {
    const m = await root(`${DENSE}inp = keras.Input(shape=(784,))\n`);
    assert.deepEqual([m.input?.shape, m.input?.rule], [[1, 784], 'tensor']);
    assert.equal(m.totals.macs, denseMacs(1));
  });

  it('of several, the one passed later (predict in a function never run), else one the first layer takes', async () => {
    const later = await root(
      `${DENSE}a = tf.zeros((4, 784))\nb = tf.zeros((9, 784))\ndef infer():\n    return model.predict(b)\n`,
    );
    assert.deepEqual(later.input?.shape, [9, 784]);
    // The function is never called; the analysis may run it (then the call is its input) or read it (the tensor rule).
    assert.match(later.input!.source, /(passed to the model at|the call at) line 8/);
    const conv = `${KERAS}model = keras.Sequential([keras.layers.Conv2D(8, 3), keras.layers.Flatten(), keras.layers.Dense(10)])\n`;
    const ranked = await root(`${conv}v = tf.zeros((4, 10))\nimages = np.random.rand(2, 28, 28, 1)\n`);
    assert.deepEqual(ranked.input?.shape, [2, 28, 28, 1]);
    assert.match(ranked.input!.source, /the first tensor its first layer Conv2D takes/);
  });

  it('fit(x, y, batch_size=B) on an array: one batch of it (the loader rule); Keras default 32; never more rows than x', async () => {
    const fit = (x: string, extra = '') =>
      root(
        `${DENSE}model.compile(optimizer="adam", loss="mse")\nx = ${x}\nmodel.fit(x, np.zeros((1000, 10))${extra})\n`,
      );
    const b64 = await fit('np.random.rand(1000, 784)', ', batch_size=64, epochs=2');
    assert.deepEqual([b64.input?.shape, b64.input?.rule], [[64, 784], 'loader']);
    assert.equal(b64.totals.macs, denseMacs(64));
    assert.match(
      b64.input!.source,
      /one batch of the array passed to fit at line 7 \(numpy\.random\.rand, line 6\): batch 64 of \[1000, 784\]/,
    );
    const dflt = await fit('np.random.rand(1000, 784)');
    assert.deepEqual(dflt.input?.shape, [32, 784]);
    assert.match(dflt.input!.source, /Keras's default batch_size=32/);
    const small = await fit('np.random.rand(10, 784)');
    assert.deepEqual(small.input?.shape, [10, 784]);
    // An array from data stays unknown: no input, a located reason.
    const unknown = await fit('np.load("x.npy")');
    assert.equal(unknown.input, null);
    assert.match(unknown.unresolved![0].reason, /no input shape for model/);
  });

  it('every Keras input names its rule: option, declared, call, model, tensor, loader', async () => {
    const declaredShape = `${KERAS}model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(64), keras.layers.Dense(10)])\n`;
    assert.equal((await root(declaredShape)).input?.rule, 'model');
    assert.equal((await root(`${DENSE}model(tf.zeros((2, 784)))\n`)).input?.rule, 'call');
    assert.equal((await root(DENSE.replace('model =', '# wattlens: input=(3, 784)\nmodel ='))).input?.rule, 'declared');
    const r = await analyze(DENSE, { catalog, input: [[5, 784]] });
    assert.equal(r.models.find((m) => m.name === 'model')!.input?.rule, 'option');
  });
});

const VISION = `import torch.nn as nn
import torchvision
from torchvision import datasets, transforms
import torchvision.transforms as T
from torch.utils.data import DataLoader
model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))
`;

describe('a DataLoader over a catalogued torchvision dataset whose transforms fix the size', () => {
  const loaderInput = async (dataset: string, transform: string, batch = 16) =>
    (
      await root(
        `${VISION}train = ${dataset.replace('TRANSFORM', transform)}\nloader = DataLoader(train, batch_size=${batch}, shuffle=True)\n`,
      )
    ).input;

  it('CIFAR10 through Resize(256), CenterCrop(224), ToTensor, Normalize: batch 16 of 3×224×224', async () => {
    const input = await loaderInput(
      'datasets.CIFAR10("data", train=True, download=True, transform=TRANSFORM)',
      'transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])',
    );
    assert.deepEqual([input?.shape, input?.rule], [[16, 3, 224, 224], 'loader']);
    assert.match(
      input!.source,
      /one batch of DataLoader loader \(line 8\): batch 16 of torchvision\.datasets\.CIFAR10.*samples 3×224×224 after its transform/,
    );
  });

  it('ImageNet (images of varying size) through RandomResizedCrop(176): batch 64 of 3×176×176', async () => {
    const input = await loaderInput(
      'torchvision.datasets.ImageNet("data", split="train", transform=TRANSFORM)',
      'T.Compose([T.RandomResizedCrop(176), T.RandomHorizontalFlip(), T.ToTensor()])',
      64,
    );
    assert.deepEqual(input?.shape, [64, 3, 176, 176]);
  });

  it('MNIST with ToTensor alone: 1×28×28 from the catalog (a Linear model takes it flattened)', async () => {
    const src = `${VISION.replace(/model = .*\n/, 'model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))\n')}train = datasets.MNIST("data", transform=transforms.ToTensor())\nloader = DataLoader(train, batch_size=128)\n`;
    const m = await root(src);
    assert.deepEqual([m.input?.shape, m.input?.rule], [[128, 1, 28, 28], 'loader']);
    assert.equal(m.totals.macs, 128 * 784 * 10);
  });

  it('transform shapes as real torchvision 0.14 gives them (CelebA 178×218: Resize(100), Pad, Grayscale, RandomCrop)', async () => {
    // Measured with /usr/bin/python3 (torchvision 0.14): T.Resize(100) on a 178-wide, 218-high RGB image → [3, 122, 100];
    // Pad((1, 2)) + Grayscale(3) → [3, 222, 180]; Resize((64, 48)) + RandomCrop(40, padding=4) → [3, 40, 40].
    const celeb = (t: string) =>
      root(`${VISION}train = datasets.CelebA("data", transform=${t})\nloader = DataLoader(train, batch_size=2)\n`).then(
        (m) => m.input?.shape,
      );
    assert.deepEqual(await celeb('T.Compose([T.Resize(100), T.ToTensor()])'), [2, 3, 122, 100]);
    assert.deepEqual(await celeb('T.Compose([T.Pad((1, 2)), T.Grayscale(3), T.ToTensor()])'), [2, 3, 222, 180]);
    assert.deepEqual(
      await celeb('T.Compose([T.Resize((64, 48)), T.RandomCrop(40, padding=4), T.ToTensor()])'),
      [2, 3, 40, 40],
    );
  });

  it('no guess where the transforms leave the size open: Resize(256) alone on ImageNet, no ToTensor, an unmodelled transform', async () => {
    for (const t of [
      'T.Compose([T.Resize(256), T.ToTensor()])',
      'T.Compose([T.CenterCrop(224)])',
      'T.Compose([T.Lambda(lambda x: x), T.CenterCrop(224), T.ToTensor()])',
      'None',
    ]) {
      const input = await loaderInput('torchvision.datasets.ImageNet("data", split="val", transform=TRANSFORM)', t);
      assert.equal(input?.rule, 'assumed', `${t}: ${input?.source}`);
    }
  });
});

describe('a transform called directly', () => {
  it('on a tensor: its shape through the transform; on anything else: unknown, never an error', async () => {
    const src = `import torch\nimport torch.nn as nn\nimport torchvision.transforms as T\ntf = T.Compose([T.Resize((64, 48)), T.Normalize((0.5,), (0.5,))])\nmodel = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())\ny = model(tf(torch.randn(2, 3, 100, 120)))\nz = T.ToTensor()(open("img.png"))\n`;
    const r = await analyze(src, { catalog });
    const m = r.models.find((x) => x.name === 'model')!;
    assert.deepEqual([m.input?.shape, m.input?.rule], [[2, 3, 64, 48], 'call']);
    assert.deepEqual(
      r.diagnostics.filter((d) => d.severity === 'error' || /TypeError/.test(d.message)),
      [],
    );
  });
});
