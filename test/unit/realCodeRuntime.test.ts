// Research code as written: einops functions and layers (torch: the shapes and MACs of the public
// fixtures, checked there against real PyTorch), configuration computed from small tensors, and
// classes the file never builds, built with their defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../helpers/analyzer';
import { diskFiles } from '../../server/src/core/interpreter/python/imports/moduleFinder';
import { libraryPaths } from '../differential/publicCode';

const head = 'import torch\nimport torch.nn as nn\n';

test('einops rearrange / repeat / reduce / einsum and the Rearrange / Reduce / EinMix layers', async () => {
  const report = await analyze(`${head}from einops import rearrange, repeat, reduce, einsum
from einops.layers.torch import Rearrange, Reduce, EinMix

class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.patches = Rearrange("b c (h p1) (w p2) -> b (h w) (p1 p2 c)", p1=4, p2=4)
        self.mix = EinMix("b t c -> b t d", weight_shape="c d", bias_shape="d", c=48, d=32)
        self.pool = Reduce("b t d -> b d", "mean")
        self.cls = nn.Parameter(torch.zeros(1, 1, 32))

    def forward(self, x):
        t = self.mix(self.patches(x))
        cls = repeat(self.cls, "1 1 d -> b 1 d", b=t.shape[0])
        t = torch.cat([cls, t], dim=1)
        heads = rearrange(t, "b n (h d) -> b h n d", h=4)
        att = einsum(heads, heads, "b h i d, b h j d -> b h i j")
        t = rearrange(einsum(att, heads, "b h i j, b h j d -> b h i d"), "b h n d -> b n (h d)")
        return self.pool(reduce(t, "b n d -> b n d", "max"))

y = M()(torch.randn(2, 3, 16, 16))
`);
  const m = report.models.find((x) => x.root)!;
  assert.deepEqual(m.unresolved, []);
  assert.equal(m.totals.params, 48 * 32 + 32 + 32);
  const tokens = 17;
  const mix = 2 * 16 * 48 * 32;
  const attention = 2 * (2 * 4 * tokens * tokens * 8);
  assert.equal(m.totals.macs, mix + attention);
});

test('an einops pattern that does not fit the shape is a located shape problem, not a guess', async () => {
  const report = await analyze(`${head}from einops import rearrange
class M(nn.Module):
    def forward(self, x):
        return rearrange(x, "b (h w) -> b h w", h=5)
y = M()(torch.randn(2, 12))
`);
  const m = report.models.find((x) => x.root)!;
  assert.equal(m.totals.macs, null);
  assert.ok(report.diagnostics.some((d) => /not divisible by 5/.test(d.message)));
});

test('configuration computed from small tensors (RegNet widths, drop-path rates) is evaluated', async () => {
  const report = await analyze(`${head}import math
depth, w_0, w_a, w_m = 4, 24, 36.0, 2.5
widths_cont = torch.arange(depth) * w_a + w_0
capacity = torch.round(torch.log(widths_cont / w_0) / math.log(w_m))
widths = (torch.round(torch.divide(w_0 * torch.pow(w_m, capacity), 8)) * 8).int().tolist()
rates = [x.item() for x in torch.linspace(0, 0.1, depth)]
assert rates[0] == 0.0
model = nn.Sequential(*[nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]) if rates[-1] > 0.05])
y = model(torch.randn(1, widths[0]))
`);
  // torch: widths = [24, 64, 152, 152]
  const m = report.models.find((x) => x.root);
  assert.ok(m, JSON.stringify(report.diagnostics));
  assert.equal(m.totals.params, 24 * 64 + 64 + 64 * 152 + 152 + 152 * 152 + 152);
});

test('a class the file never builds is built with its defaults; one that needs arguments says why not', async () => {
  const report = await analyze(`${head}
class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3)
    def forward(self, x):
        return self.conv(x)

# wattlens: input=(1, 3, 32, 32)
class Net(nn.Module):
    def __init__(self, width=8, classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, width, 3)
        self.block = Block(width)
        self.head = nn.Linear(width, classes)
    def forward(self, x):
        return self.head(self.block(self.stem(x)).mean((2, 3)))

class Needs(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.fc = nn.Linear(c, c)
    def forward(self, x):
        return self.fc(x)
`);
  const net = report.models.find((m) => m.name === 'Net')!;
  assert.equal(net.root, true);
  assert.match(net.provenance!, /built with its defaults/);
  assert.equal(net.totals.params, 3 * 8 * 9 + 8 + 8 * 8 * 9 + 8 + 8 * 10 + 10);
  assert.ok(net.totals.macs! > 0);
  const needs = report.models.find((m) => m.name === 'Needs')!;
  assert.equal(needs.totals.params, null);
  assert.match(needs.unresolved[0].reason, /needs arguments to be built \(c\)/);
});

test('builder functions the file never calls are called with their defaults; other functions leave no trace', async () => {
  const report = await analyze(`${head}
class Net(nn.Module):
    def __init__(self, width, classes=10):
        super().__init__()
        self.fc1 = nn.Linear(16, width)
        self.fc2 = nn.Linear(width, classes)
    def forward(self, x):
        return self.fc2(self.fc1(x))

# wattlens: input=(1, 16)
def net_small(**kwargs):
    return Net(8, **kwargs)

# wattlens: input=(2, 16)
def net_large(width=32, pretrained=False):
    if pretrained:
        raise ValueError("no weights offline")
    return Net(width)

def describe(model=None):
    return str(model) + undefined_name

def main():
    print("training")
`);
  const small = report.models.find((m) => m.name === 'net_small')!;
  assert.equal(small.root, true);
  assert.match(small.provenance!, /built by net_small\(\) with its defaults/);
  assert.equal(small.totals.params, 16 * 8 + 8 + 8 * 10 + 10);
  assert.equal(small.totals.macs, 16 * 8 + 8 * 10);
  const large = report.models.find((m) => m.name === 'net_large')!;
  assert.equal(large.totals.macs, 2 * (16 * 32 + 32 * 10));
  assert.equal(report.models.filter((m) => m.root).length, 2);
  assert.ok(
    !report.diagnostics.some((d) => /undefined_name|training/.test(d.message)),
    'describe() and main() leave no trace',
  );
});

test('a builder the file calls is not called again', async () => {
  const report = await analyze(`${head}
def make(width=4):
    return nn.Linear(3, width)

model = make(6)
y = model(torch.randn(1, 3))
`);
  assert.deepEqual(
    report.models.filter((m) => m.root).map((m) => m.totals.params),
    [3 * 6 + 6],
  );
});

test('eager-mode quantization stubs and FloatFunctional cost what their float operations cost', async () => {
  const report = await analyze(`${head}from torch.ao.quantization import QuantStub, DeQuantStub

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.quant = QuantStub()
        self.conv = nn.Conv2d(8, 8, 3, padding=1)
        self.skip = nn.quantized.FloatFunctional()
        self.cat = torch.ao.nn.quantized.FloatFunctional()
        self.dequant = DeQuantStub()

    def forward(self, x):
        x = self.quant(x)
        y = self.skip.add_relu(self.conv(x), x)
        y = self.skip.mul_scalar(self.skip.add(y, x), 0.5)
        return self.dequant(self.cat.cat([y, x], dim=1))

out = Block()(torch.randn(1, 8, 4, 4))
`);
  const m = report.models.find((x) => x.root)!;
  assert.deepEqual(m.unresolved, []);
  assert.equal(m.totals.params, 8 * 8 * 9 + 8);
  assert.equal(m.totals.macs, 16 * 8 * 8 * 9);
});

test('numpy linspace, ModuleList +=, typing.OrderedDict and torch.log2 / sign compute as Python does', async () => {
  const report = await analyze(`${head}import numpy as np
from typing import Any, OrderedDict

rates = np.linspace(0, 0.2, 3).tolist()
table = torch.sign(torch.tensor([-2.0, 0.0, 4.0])) * torch.log2(torch.tensor([1.0, 2.0, 8.0]) * 2)
widths = [int(v * 10) + 4 for v in table.tolist()]

class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList()
        for p in rates:
            self.layers += [nn.Dropout(p)]
        named: OrderedDict[str, Any] = OrderedDict()
        named["a"] = nn.Linear(4, widths[2])
        self.head = nn.Sequential(named)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.head(x)

out = M()(torch.randn(1, 4))
`);
  const m = report.models.find((x) => x.root)!;
  assert.deepEqual(m.unresolved, []);
  // sign * log2: [-1 * 1, 0 * 2, 1 * 4] -> widths [-6, 4, 44]; three Dropouts.
  assert.equal(m.totals.params, 4 * 44 + 44);
  assert.equal(m.layers.filter((l) => l.op === 'Dropout').length, 3);
});

test('a module attribute set to something not understood makes the parameters unknown, with the reason', async () => {
  const report = await analyze(`${head}import somelib

class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.table = somelib.Parameter(torch.empty(3))
        self.proj = nn.Linear(3, 3)

    def forward(self, x):
        return self.proj(x)

out = M()(torch.randn(1, 3))
`);
  const m = report.models.find((x) => x.root)!;
  assert.equal(m.totals.params, null);
  assert.match(m.unresolved[0].reason, /self\.table is unknown/);
});

test('RAFT-style code: F.grid_sample, F.unfold, torch.nn.modules imports and None weights of bias-free layers', async () => {
  const report = await analyze(`${head}import torch.nn.functional as F
from torch.nn.modules.batchnorm import BatchNorm2d

class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1, bias=False)
        self.norm = nn.InstanceNorm2d(4)
        self.bn = BatchNorm2d(4)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.InstanceNorm2d)) and m.bias is not None:
                raise ValueError("torch registers these as None")

    def forward(self, x, grid):
        y = self.bn(self.norm(self.conv(x)))
        sampled = F.grid_sample(y, grid, align_corners=True)
        return F.unfold(sampled, kernel_size=3, padding=1)

out = M()(torch.randn(2, 4, 8, 8), torch.rand(2, 5, 6, 2))
`);
  const m = report.models.find((x) => x.root)!;
  assert.deepEqual(m.unresolved, []);
  assert.equal(m.totals.params, 4 * 4 * 9 + 8);
  assert.equal(m.totals.macs, 2 * 64 * 4 * 4 * 9);
  const unfold = m.layers.find((l) => l.op === 'Unfold')!;
  assert.deepEqual(unfold.outputShape, [2, 4 * 9, 5 * 6]);
  assert.deepEqual(m.layers.find((l) => l.op === 'grid_sample')!.outputShape, [2, 4, 5, 6]);
});

test('detection-style code: small tensors keep their values through min/max and casts; joint index tensors broadcast', async () => {
  const report = await analyze(`${head}import torch.nn.functional as F
image = torch.rand(3, 200, 300)
shape = torch.tensor(image.shape[-2:])
scale = torch.min(800.0 / torch.min(shape).to(dtype=torch.float32), 1333.0 / torch.max(shape).to(dtype=torch.float32))
mean = torch.as_tensor([0.485, 0.456, 0.406], dtype=torch.float32)

class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Conv2d(3, 4, 1)
        self.out = nn.Linear(1, 2)

    def forward(self, x, order):
        x = (x - mean[:, None, None])[None]
        x = F.interpolate(x, scale_factor=scale.item(), mode="bilinear", recompute_scale_factor=True)
        scores = self.head(x).flatten(1)
        batch = torch.arange(1)[:, None]
        return self.out(scores[batch, order].transpose(0, 1))

out = M()(image, torch.randint(0, 10, (1, 7)))
`);
  const m = report.models.find((x) => x.root)!;
  assert.deepEqual(m.unresolved, []);
  // scale = min(800 / 200, 1333 / 300) = 4: the image becomes 800 x 1200; scores[batch, order] is (1, 7).
  assert.equal(m.totals.macs, 800 * 1200 * 4 * 3 + 7 * 2);
  assert.deepEqual(m.layers[m.layers.length - 1].outputShape, [7, 2]);
});

test('boxes kept by a score threshold or NMS are unknown with the reason; the weights stay known', async () => {
  const report = await analyze(`${head}
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Linear(8, 4)
        self.refine = nn.Linear(4, 4)

    def forward(self, x):
        boxes = self.head(x)
        keep = torch.where(boxes[:, 0] > 0.5)[0]
        kept = torch.ops.torchvision.nms(boxes[keep], boxes[keep, 1], 0.5)
        return self.refine(boxes[kept])

out = M()(torch.randn(100, 8))
`);
  const m = report.models.find((x) => x.root)!;
  assert.equal(m.totals.params, 8 * 4 + 4 + 4 * 4 + 4);
  assert.equal(m.totals.macs, null);
  assert.match(m.unresolved[0].reason, /depends on the data/);
});

test('spectrograms (torch.stft / istft, view_as_real / complex) and full-length packed batches keep their shapes', async () => {
  const report = await analyze(`${head}
class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.mix = nn.Conv2d(2, 2, 1)
        self.lstm = nn.LSTM(4, 3, batch_first=True)

    def forward(self, wave, tokens):
        z = torch.stft(wave, 64, 16, window=torch.hann_window(64).to(wave), return_complex=True)
        m = self.mix(torch.view_as_real(z).permute(0, 3, 1, 2))
        z = torch.view_as_complex(m.permute(0, 2, 3, 1).contiguous())
        back = torch.istft(z, 64, 16, window=torch.hann_window(64).to(z.real), length=1000)
        self.lstm.flatten_parameters()
        packed = nn.utils.rnn.pack_padded_sequence(tokens, torch.tensor([5, 5]), batch_first=True)
        out, _ = self.lstm(packed)
        out, lengths = nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
        return back, out

y = M()(torch.randn(1, 1000), torch.randn(2, 5, 4))
`);
  const m = report.models.find((x) => x.root)!;
  assert.deepEqual(m.unresolved, []);
  const frames = 1 + Math.floor(1000 / 16);
  assert.deepEqual(m.layers.find((l) => l.op === 'stft')!.outputShape, [1, 33, frames]);
  assert.deepEqual(m.layers.find((l) => l.op === 'istft')!.outputShape, [1, 1000]);
  assert.equal(m.totals.macs, 33 * frames * 2 * 2 + 2 * 5 * 4 * (4 * 3 + 3 * 3));
});

test('a packed batch shorter than its padding is unknown with the reason, never the padded cost', async () => {
  const report = await analyze(`${head}
lstm = nn.LSTM(4, 3, batch_first=True)
packed = nn.utils.rnn.pack_padded_sequence(torch.randn(2, 5, 4), torch.tensor([5, 2]), batch_first=True)
out = lstm(packed)
`);
  const m = report.models.find((x) => x.root)!;
  assert.equal(m.totals.macs, null);
  assert.match(m.unresolved[0].reason, /shorter than its padded length/);
});

test("torchvision's resnet.py opened in the editor: its decorated builders are built with their defaults, to torch's figures", async (t) => {
  const folder = libraryPaths().find((dir) => existsSync(join(dir, 'torchvision', 'models', 'resnet.py')));
  if (!folder) return t.skip('torchvision is not installed');
  const file = join(folder, 'torchvision', 'models', 'resnet.py');
  const report = await analyze(readFileSync(file, 'utf8'), {
    file,
    imports: { files: diskFiles(), paths: { workspaceRoots: [folder], libraryPaths: [folder] } },
  });
  const resnet18 = report.models.find((m) => m.root && m.name === 'resnet18')!;
  assert.match(resnet18.provenance!, /built by resnet18\(\) with its defaults/);
  // What torch counts (test/differential/torchvision.expected.json) and torchvision publishes (1.814 GFLOPS).
  assert.equal(resnet18.totals.params, 11689512);
  assert.equal(resnet18.totals.macs, 1814073344);
});
