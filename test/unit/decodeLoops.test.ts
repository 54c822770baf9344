// Hand-written decode loops over a traced model, costed as generation: nanoGPT's generate (no KV cache:
// every step re-runs the whole context, cut to block_size) against MACs counted in real PyTorch, each
// step's time and energy equal to the model's own forward pass at that context, a loop that passes its
// own cache back, loops that are not generation, and the CLI, lens and hover of the generate line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, repoRoot } from '../helpers/analyzer';
import { viewOf } from '../helpers/ide';
import { applyEnergy, loadProfiles } from '../../server/src/core/energy';
import type { FileReport, ModelReport } from '../../server/src/core/report/types';
import { codeLensItems } from '../../server/src/ide/hints/codeLens';
import { hoverItem } from '../../server/src/ide/hints/hover';
import { findingItems } from '../../server/src/ide/advice/diagnostics';
import { formatTable } from '../../server/src/cli/format/table';

const t4 = loadProfiles({ profilesDir: join(repoRoot, 'profiles') }).profiles.get('nvidia-t4')!;
const fixtures = join(repoRoot, 'test', 'fixtures');
const nanogpt = readFileSync(join(fixtures, 'public', 'nanogpt_model.py'), 'utf8').split(
  '\nmodel = GPT.from_config',
)[0];
const measured = JSON.parse(readFileSync(join(fixtures, 'generation', 'decode-loops.json'), 'utf8')) as {
  cases: {
    n_layer: number;
    n_head: number;
    n_embd: number;
    block_size: number;
    batch: number;
    prompt: number;
    new: number;
    prefillMacs: number;
    decodeMacs: number;
  }[];
};

const config = (c: (typeof measured.cases)[number]) =>
  `n_layer=${c.n_layer}, n_head=${c.n_head}, n_embd=${c.n_embd}, block_size=${c.block_size}`;

/** nanoGPT with `tail` appended (the model built, then used). */
const withTail = (tail: string) => `${nanogpt}\n${tail}`;

function costed(file: FileReport): ModelReport[] {
  return applyEnergy(
    { schema: 'wattlens.report/1', hardware: null, precision: 'fp32', files: [file] },
    {
      profile: t4,
      precision: 'fp32',
    },
  ).files[0].models;
}

const gpt = (models: ModelReport[]) => models.find((m) => m.name === 'GPT' && m.root)!;

describe("nanoGPT's generate: a decode loop without a KV cache", () => {
  for (const c of measured.cases) {
    it(`${config(c)}, ${c.batch} × ${c.prompt} → ${c.new}: MACs per phase as real PyTorch counts them`, async () => {
      const file = await analyze(
        withTail(
          `model = GPT.from_config(${config(c)})\nx = torch.zeros((${c.batch}, ${c.prompt}), dtype=torch.long)\ny = model.generate(x, max_new_tokens=${c.new})\n`,
        ),
      );
      const g = gpt(file.models).generation!;
      assert.ok(g, 'a generation block');
      assert.equal(g.reason, undefined);
      assert.deepEqual([g.batch, g.promptTokens, g.newTokens, g.cache?.kind], [c.batch, c.prompt, c.new, 'none']);
      assert.equal(g.prefill.macs, c.prefillMacs);
      assert.equal(g.decode.macs, c.decodeMacs);
      assert.equal(g.kvCacheBytes, 0);
      // The generation shows on the line that calls generate, and names the loop.
      assert.equal(g.range.start.line, nanogpt.split('\n').length + 2);
      assert.match(g.source, /steps of the loop at line 165 in generate\(\)/);
    });
  }

  it("each step costs what the model's own forward pass at that context costs (one figure, two places)", async () => {
    const head = `model = GPT.from_config(n_layer=2, n_head=2, n_embd=64, block_size=8)\n`;
    const [g] = costed(
      await analyze(withTail(`${head}y = model.generate(torch.zeros((3, 2), dtype=torch.long), max_new_tokens=12)\n`)),
    )
      .filter((m) => m.generation)
      .map((m) => m.generation!);
    // Contexts 2..8, then 8 four more times (cut to block_size): the prefill is the first.
    const contexts = [2, 3, 4, 5, 6, 7, 8, 8, 8, 8, 8, 8];
    const forward = new Map<number, ModelReport>();
    for (const t of new Set(contexts))
      forward.set(t, gpt(costed(await analyze(withTail(`${head}model(torch.zeros((3, ${t}), dtype=torch.long))\n`)))));
    const sum = (key: 'latencyMs' | 'energyJ', from: number) =>
      contexts.slice(from).reduce((a, t) => a + forward.get(t)!.totals[key]!, 0);
    const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
    assert.ok(close(g.prefill.latencyMs!, forward.get(2)!.totals.latencyMs!), 'prefill = the forward at context 2');
    assert.ok(close(g.decode.latencyMs!, sum('latencyMs', 1)), `${g.decode.latencyMs} vs ${sum('latencyMs', 1)}`);
    assert.ok(close(g.decode.energyJ!, sum('energyJ', 1)));
    assert.ok(close(g.energyPerOutputTokenJ!, g.energyJ! / (3 * 12)));
    assert.ok(close(g.timePerOutputTokenMs!, g.decode.latencyMs! / 11));
    assert.match(g.cache!.text, /no KV cache.*2 to 8 tokens, cut to the last 8/);
  });

  it('the CLI, the lens and the hover of the generate line show the per-token figures and the missing cache', async () => {
    const text = withTail(
      'model = GPT.from_config(n_layer=2, n_head=2, n_embd=64, block_size=64)\ny = model.generate(torch.zeros((1, 4), dtype=torch.long), max_new_tokens=32)\n',
    );
    const line = nanogpt.split('\n').length + 1;
    const view = await viewOf(text, { hardware: 'nvidia-t4' });
    const lens = codeLensItems(view).find((l) => l.range.start.line === line)!;
    assert.match(lens.title, /^GPT decode loop \(line 165\) · 1 × 4 → 32 tokens · no KV cache · TTFT .* · .*J\/token/);
    const hover = hoverItem(view, line, 4)!;
    assert.match(hover.markdown, /\| prefill \|.*\n\| decode \|/);
    assert.match(hover.markdown, /Context between steps: no KV cache/);
    const finding = findingItems(view).find((f) => f.code === 'generation-no-kv-cache')!;
    assert.match(finding.message, /decode loop \(line 165\) has no KV cache: each of its 32 steps runs the model/);
    const table = formatTable(
      applyEnergy(
        { schema: 'wattlens.report/1', hardware: null, precision: 'fp32', files: [await analyze(text)] },
        { profile: t4, precision: 'fp32' },
      ),
      { top: 0 },
    );
    assert.match(table, /generates \(line \d+\): batch 1 × 4 prompt tokens → 32 new tokens/);
    assert.match(table, /context: no KV cache/);
    assert.match(table, /decode : .*MACs · .* · .*J · \w+-bound/);
  });
});

const TINY = `import torch
import torch.nn as nn


class TinyLM(nn.Module):
    def __init__(self, vocab=1000, d=64):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)
        self.head = nn.Linear(d, vocab)

    def forward(self, idx, past=None):
        x = self.emb(idx)
        q, k, v = self.q(x), self.k(x), self.v(x)
        if past is not None:
            k = torch.cat([past[0], k], dim=1)
            v = torch.cat([past[1], v], dim=1)
        att = (q @ k.transpose(1, 2)).softmax(-1)
        return self.head((att @ v)[:, -1, :]), (k, v)


model = TinyLM()
`;

describe('a decode loop that keeps its own cache', () => {
  it('the prefill before the loop, then one token per step attending to the cache passed back', async () => {
    const file = await analyze(
      `${TINY}logits, past = model(torch.zeros((2, 16), dtype=torch.long))\nfor _ in range(20):\n    nxt = torch.argmax(logits, dim=-1, keepdim=True)\n    logits, past = model(nxt, past)\n`,
    );
    const g = file.models.find((m) => m.name === 'TinyLM')!.generation!;
    assert.deepEqual([g.batch, g.promptTokens, g.newTokens, g.cache?.kind, g.loop?.line], [2, 16, 21, 'state', 26]);
    // Per sequence: q, k, v (3 × 64 × 64 per token), attention 2 × positions × 64, the head 64 × 1000 on the last one.
    const prefill = 2 * (16 * 3 * 64 * 64 + 2 * 16 * 16 * 64 + 64 * 1000);
    let decode = 0;
    for (let k = 1; k <= 20; k++) decode += 2 * (3 * 64 * 64 + 2 * (16 + k) * 64 + 64 * 1000);
    assert.deepEqual([g.prefill.macs, g.decode.macs], [prefill, decode]);
    // The cache at the end: keys and values of 36 positions, 64 wide, 2 sequences, fp32.
    assert.equal(g.kvCacheBytes, 2 * 2 * 36 * 64 * 4);
    assert.equal(g.range.start.line, 25);
    const [costedModel] = costed(file).filter((m) => m.generation);
    assert.ok(costedModel.generation!.energyPerOutputTokenJ! > 0);
  });
});

describe('loops that are not generation', () => {
  for (const [what, tail] of [
    [
      'the same tensor run again and again (a benchmark)',
      'x = torch.zeros((1, 8), dtype=torch.long)\nfor _ in range(10):\n    model(x)\n',
    ],
    [
      'fresh inputs of one shape (a batch loop)',
      'for _ in range(10):\n    model(torch.zeros((4, 8), dtype=torch.long))\n',
    ],
    [
      'calls outside loops',
      'model(torch.zeros((1, 8), dtype=torch.long))\nmodel(torch.zeros((1, 9), dtype=torch.long))\n',
    ],
  ] as const) {
    it(`${what}: no generation block`, async () => {
      const file = await analyze(`${TINY}${tail}`);
      const m = file.models.find((x) => x.name === 'TinyLM')!;
      assert.equal(m.generation, undefined);
      assert.ok(m.totals.macs! > 0);
    });
  }
});

describe('bad decode loops: located, never silently missing, never a crash', () => {
  const call = (steps: string) =>
    withTail(
      `model = GPT.from_config(n_layer=2, n_head=2, n_embd=64, block_size=32)\ny = model.generate(torch.zeros((1, 4), dtype=torch.long), ${steps})\n`,
    );

  it('a loop longer than the analysis budget: a generation block with unknown new tokens and the reason', async () => {
    const file = await analyze(call('5000'), { maxSteps: 200_000 });
    const g = gpt(file.models).generation!;
    assert.ok(g, 'the generation is reported');
    assert.deepEqual([g.batch, g.promptTokens, g.newTokens], [1, 4, null]);
    assert.match(
      g.reason!,
      /the analysis budget ran out after \d+ steps of the loop at line 165: the number of new tokens, and so the cost, is unknown/,
    );
    const [costedModel] = costed(file).filter((m) => m.generation);
    assert.equal(costedModel.generation!.energyJ, null);
  });

  for (const [what, steps, message] of [
    ['a step count from input()', 'int(input())', /cannot iterate over <unknown> statically/],
    ['a string', '"many"', /./],
    ['a negative count (range is empty: nothing generated)', '-3', undefined],
  ] as const) {
    it(`max_new_tokens as ${what}: no generation block, the model still analysed`, async () => {
      const file = await analyze(call(steps));
      const m = gpt(file.models);
      assert.equal(m.generation, undefined);
      assert.equal(m.totals.params, 3_321_600);
      if (message)
        assert.ok(
          file.diagnostics.some((d) => message.test(d.message)),
          JSON.stringify(file.diagnostics),
        );
    });
  }
});
