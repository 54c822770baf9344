// Tensor operations in forward(): shapes and costs of view/permute/indexing/matmul/einsum/cat/
// functional ops, worked by hand, and that every op the tracer records has an op-cost rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../helpers/analyzer';

/** Analyses a one-layer-free model whose forward is `body`, on input `shape`; returns its report. */
async function traceForward(body: string[], shape: number[]) {
  const src = [
    'import math',
    'import torch',
    'import torch.nn as nn',
    'import torch.nn.functional as F',
    'class M(nn.Module):',
    '    def forward(self, x):',
    ...body.map((l) => `        ${l}`),
    `M()(torch.randn(${shape.join(', ')}))`,
    '',
  ].join('\n');
  const report = await analyze(src);
  return report.models.find((m) => m.name === 'M')!;
}

test('view/permute/transpose/flatten/indexing keep track of shapes', async () => {
  const m = await traceForward(
    [
      'b, c, h, w = x.shape',
      'y = x.view(b, c, -1).permute(0, 2, 1)', // (2, 12, 3)
      'y = y.transpose(1, 2).contiguous().flatten(1)', // (2, 36)
      'z = y[:, 0:10][None, ...]', // (1, 2, 10)
      'return z.unsqueeze(-1).expand(1, 2, 10, 4).sum(dim=-1, keepdim=True)',
    ],
    [2, 3, 4, 3],
  );
  const sum = m.layers.find((l) => l.op === 'sum')!;
  assert.deepEqual(sum.outputShape, [1, 2, 10, 1]);
  assert.equal(sum.flops, 80); // 1 add per input element: 1·2·10·4
});

test('matmul, @ and einsum count batch·M·N·K MACs', async () => {
  const m = await traceForward(
    [
      'q = x.view(2, 4, 8, 16)', // (B=2, H=4, L=8, D=16)
      'att = (q @ q.transpose(-2, -1)) / math.sqrt(16)', // 2·4·8·8·16 = 8192 MACs
      'att = F.softmax(att, dim=-1)',
      'y = torch.einsum("bhqk,bhkd->bhqd", att, q)', // 2·4·8·8·16 = 8192 MACs
      'return torch.cat([y, q], dim=-1)', // (2, 4, 8, 32)
    ],
    [2, 512],
  );
  assert.equal(m.totals.macs, 16384);
  const cat = m.layers.find((l) => l.op === 'cat')!;
  assert.deepEqual(cat.outputShape, [2, 4, 8, 32]);
  assert.notEqual(m.totals.flops, null);
});

test('scaled_dot_product_attention: QKᵀ + AV MACs and 5 FLOPs per score for the softmax', async () => {
  const m = await traceForward(
    [
      'q = x.view(1, 2, 10, 8)', // (B=1, H=2, L=10, E=8)
      'return F.scaled_dot_product_attention(q, q, q, is_causal=True)',
    ],
    [1, 160],
  );
  const sdpa = m.layers.find((l) => l.op === 'scaled_dot_product_attention')!;
  assert.equal(sdpa.macs, 2 * (1 * 2 * 10 * 10 * 8)); // scores 1600 + weighted sum 1600
  assert.equal(sdpa.flops, 2 * 3200 + 5 * (1 * 2 * 10 * 10));
  assert.deepEqual(sdpa.outputShape, [1, 2, 10, 8]);
});

test('functional ops reuse the layer rules: F.interpolate, F.max_pool2d, F.adaptive_avg_pool2d, F.linear', async () => {
  const m = await traceForward(
    [
      'y = F.interpolate(x, scale_factor=2, mode="nearest")', // (1, 3, 16, 16)
      'y = F.max_pool2d(y, 2)', // (1, 3, 8, 8)
      'y = F.adaptive_avg_pool2d(y, (1, 1)).flatten(1)', // (1, 3)
      'return F.linear(y, torch.randn(5, 3))', // (1, 5): 15 MACs
    ],
    [1, 3, 8, 8],
  );
  assert.equal(m.totals.macs, 15);
  assert.deepEqual(m.layers.at(-1)!.outputShape, [1, 5]);
  assert.equal(m.totals.params, 0); // functional weights are not module parameters
});

test('every recorded op has an op-cost rule, so FLOPs are never unknown for supported ops', async () => {
  const m = await traceForward(
    [
      'y = x.mean(dim=1) + x.var(dim=1) + x.amax(dim=1) + x.norm(dim=1)',
      'y = torch.exp(y) * torch.log(y.abs() + 1) - y.sqrt().clamp(0, 1) ** 2',
      'y = y.masked_fill(y > 0, 0.0)',
      'return F.pad(y, (1, 1))',
    ],
    [4, 6],
  );
  assert.notEqual(m.totals.flops, null, JSON.stringify(m.layers.filter((l) => l.flops === null).map((l) => l.op)));
});

test('indexing out of range is a shape problem at the line, not a crash', async () => {
  const m = await traceForward(['return x[:, 7]'], [2, 4]);
  assert.match(m.unresolved.map((u) => u.reason).join(), /out of bounds/);
});

test('torch.ao.quantization.quantize_dynamic keeps the model analysable (same structure, same MACs)', async () => {
  const { analyze: analyzeText } = await import('../helpers/analyzer');
  const r = await analyzeText(
    [
      'import torch',
      'import torch.nn as nn',
      'from torch.ao.quantization import quantize_dynamic',
      'model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))',
      'model = quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)',
      'model(torch.randn(2, 8))',
      '',
    ].join('\n'),
  );
  assert.equal(r.models[0].totals.macs, 2 * (8 * 16 + 16 * 4));
});
