// The editor features over generation and inputs, as plain data: the lens and hover of a generate line
// show per-token figures by phase; "Load in bf16" and "Set the example input" keep their promise when
// their edit is applied and the file re-analysed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { analyze, loadParser, repoRoot } from '../helpers/analyzer';
import { loadModelCatalog } from '../../server/src/core/catalog/modelCatalog';
import { loadProfiles } from '../../server/src/core/energy';
import { estimate, type View } from '../../server/src/ide/view';
import { textSource } from '../../server/src/ide/sources';
import { DEFAULT_SETTINGS } from '../../server/src/ide/settings';
import { codeLensItems } from '../../server/src/ide/hints/codeLens';
import { hoverItem } from '../../server/src/ide/hints/hover';
import { codeActionItems } from '../../server/src/ide/advice/codeActions';
import { findingItems } from '../../server/src/ide/advice/diagnostics';
import { normaliseSettings } from '../../server/src/ide/settings';
import type { EditItem } from '../../server/src/ide/items';

const catalog = loadModelCatalog(join(repoRoot, 'profiles', 'models'));
const h100 = loadProfiles({ profilesDir: join(repoRoot, 'profiles') }).profiles.get('nvidia-h100-sxm')!;

async function viewOf(text: string): Promise<View> {
  const parser = await loadParser();
  const parsed = parser.parse(text, 'python');
  const file = await analyze(text, { catalog });
  const source = textSource('file:///gen.py', 1, text);
  return estimate(
    { source, options: { precision: 'fp32', batch: null }, file, root: parsed.root, ms: 0 },
    h100,
    { ...DEFAULT_SETTINGS, hardware: 'nvidia-h100-sxm' },
    catalog,
  );
}

/** Applies edits (no two on one line) to a text. */
function apply(text: string, edits: EditItem[]): string {
  const lines = text.split('\n');
  for (const e of [...edits].sort(
    (a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character,
  )) {
    const l = lines[e.range.start.line];
    lines[e.range.start.line] = l.slice(0, e.range.start.character) + e.newText + l.slice(e.range.end.character);
  }
  return lines.join('\n');
}

const GEN =
  'from transformers import AutoModelForCausalLM\nimport torch\nmodel = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B-Instruct")\nout = model.generate(torch.randint(0, 100, (4, 128)), max_new_tokens=128)\n';

describe('generation in the editor', () => {
  it('the generate line has a lens and a hover with per-token figures by phase', async () => {
    const view = await viewOf(GEN);
    const lens = codeLensItems(view).find((l) => l.range.start.line === 3);
    assert.match(
      lens!.title,
      /generate · 4 × 128 → 128 tokens · TTFT .* ms\/token · .*J\/token \(decode, memory-bound\)/,
    );
    const hover = hoverItem(view, 3, 8)!;
    assert.match(hover.markdown, /\| prefill \|/);
    assert.match(hover.markdown, /\| decode \|/);
    assert.match(hover.markdown, /per output token/);
  });

  it('"Load in bf16" on an fp32 load: the promised J/token is what re-analysis shows', async () => {
    const view = await viewOf(GEN);
    const action = codeActionItems(view, { start: { line: 2, character: 50 }, end: { line: 2, character: 50 } }).find(
      (a) => a.title.startsWith('Load in bf16'),
    );
    assert.ok(action, 'no bf16 action');
    const promised = /→ ([\d.]+ m?J) per output token/.exec(action.title)![1];
    const after = await viewOf(apply(GEN, action.edits));
    const g = after.file.models[0].generation!;
    assert.match(g.numerics, /torch_dtype=torch\.bfloat16/);
    const shown = /→ ([\d.]+ m?J)/.exec(
      `→ ${(await import('../../server/src/ide/format')).energy(g.energyPerOutputTokenJ)}`,
    )![1];
    assert.equal(shown, promised);
  });
});

describe('"Set the example input"', () => {
  it('writes the assumed input as a directive; re-analysis takes it as declared, same MACs', async () => {
    const text =
      'import torch.nn as nn\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(32, 4)\n    def forward(self, x):\n        return self.fc(x)\nmodel = Net()\n';
    const view = await viewOf(text);
    const model = view.file.models.find((m) => m.root)!;
    assert.equal(model.input?.rule, 'assumed');
    const action = codeActionItems(view, model.range).find((a) => a.title.startsWith('Set the example input'));
    assert.ok(action);
    const edited = apply(text, action.edits);
    assert.match(edited, /# wattlens: input=\(1, 32\)\n/);
    const again = (await viewOf(edited)).file.models.find((m) => m.root)!;
    assert.equal(again.input?.rule, 'declared');
    assert.equal(again.totals.macs, model.totals.macs);
  });
});

describe('generation advice as diagnostics, and the wattlens.input setting', () => {
  it('generate once per prompt in a loop: J/token at batch 1 and batched; an fp32 load: J/token in bf16', async () => {
    const text =
      'from transformers import AutoModelForCausalLM\nimport torch\nmodel = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")\nfor p in range(8):\n    model.generate(torch.randint(0, 100, (1, 64)), max_new_tokens=64)\n';
    const items = findingItems(await viewOf(text));
    const loop = items.find((f) => f.code === 'generation-unbatched')!;
    assert.match(
      loop.message,
      /runs 8 times on one prompt each: .* per output token; one call on all 8 prompts: .* \(−\d+%\)/,
    );
    assert.ok(items.some((f) => f.code === 'generation-fp32-load' && /in bf16/.test(f.message)));
  });

  it('wattlens.input takes the --input grammar; garbage is reported and ignored', () => {
    const ok = normaliseSettings({ input: '20,35:int64' });
    assert.deepEqual(ok.settings.input, { text: '20,35:int64', shapes: [[20, 35]], dtypes: ['int64'] });
    for (const bad of ['abc', '1,,3', '-1', '1,3:float99', 42]) {
      const r = normaliseSettings({ input: bad });
      assert.equal(r.settings.input, null);
      assert.match(r.problems.join('\n'), /wattlens\.input/);
    }
  });
});

describe('use_cache=False and quantized loads: advice priced as re-analysis costs it', () => {
  const NO_CACHE =
    'from transformers import AutoModelForCausalLM\nimport torch\nmodel = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct", torch_dtype=torch.bfloat16)\nout = model.generate(torch.randint(0, 100, (4, 256)), max_new_tokens=128, use_cache=False)\n';

  it('use_cache=False recomputes the prefix at each step: costed so, a diagnostic, and "Keep the KV cache" keeps its promise', async () => {
    const view = await viewOf(NO_CACHE);
    const g = view.file.models[0].generation!;
    assert.equal(g.cache?.kind, 'none');
    assert.equal(g.kvCacheBytes, 0);
    const finding = findingItems(view).find((f) => f.code === 'generation-no-kv-cache')!;
    assert.match(finding.message, /use_cache=False recomputes the whole prefix .* with the KV cache, .* \(−\d+%\)/);
    assert.equal(finding.range.start.line, 3);
    const action = codeActionItems(view, { start: { line: 3, character: 0 }, end: { line: 3, character: 0 } }).find(
      (a) => a.advice === 'use-kv-cache',
    )!;
    assert.ok(action, 'no use-kv-cache action');
    assert.match(
      action.title,
      /^Keep the KV cache \(use_cache=True\): .* per output token on nvidia-h100-sxm \(−\d+%\)$/,
    );
    const edited = apply(NO_CACHE, action.edits);
    assert.match(edited, /use_cache=True\)/);
    const after = (await viewOf(edited)).file.models[0].generation!;
    assert.equal(after.cache?.kind, 'kv');
    const promised = action.saving!.after!;
    assert.ok(Math.abs(after.energyJ! - promised) <= 0.05 * promised, `${after.energyJ} vs promised ${promised}`);
    assert.ok(after.energyJ! < g.energyJ! / 2, 'the cache saves most of the energy at 256 + 128 tokens');
    // Without the cache, decode does the prefill's work again each step: the decode MACs grow with the square of the context.
    assert.ok(g.decode.macs! > 100 * after.decode.macs!);
  });

  it('"Load in 4-bit" / "Load in 8-bit" on a CUDA GPU: bitsandbytes configs whose promise re-analysis confirms', async () => {
    const view = await viewOf(GEN);
    const actions = codeActionItems(view, { start: { line: 2, character: 50 }, end: { line: 2, character: 50 } });
    for (const [kind, bytes] of [
      ['load-4bit', /4-bit weights \(load_in_4bit=True\), bf16 compute/],
      ['load-8bit', /8-bit weights \(load_in_8bit=True\), fp16 compute/],
    ] as const) {
      const action = actions.find((a) => a.advice === kind)!;
      assert.ok(action, `no ${kind} action`);
      assert.match(
        action.title,
        /^Load in \d-bit \(bitsandbytes, CUDA\): .* per output token on nvidia-h100-sxm \(−\d+%\)/,
      );
      const edited = apply(GEN, action.edits);
      assert.match(edited, /^import transformers\n/);
      assert.match(edited, /quantization_config=transformers\.BitsAndBytesConfig\(load_in_\dbit=True/);
      const g = (await viewOf(edited)).file.models[0].generation!;
      assert.match(g.numerics, bytes);
      const promised = action.saving!.after!;
      assert.ok(Math.abs(g.energyJ! - promised) <= 0.05 * promised, `${kind}: ${g.energyJ} vs promised ${promised}`);
      assert.ok(promised < action.saving!.before!);
    }
  });

  it('not offered where bitsandbytes does not run (a CPU, an Apple GPU), nor on an already 4-bit load', async () => {
    const { viewOf: viewOn } = await import('../helpers/ide');
    for (const hardware of ['intel-xeon-8480', 'apple-m2-gpu']) {
      const view = await viewOn(GEN, { hardware });
      const kinds = codeActionItems(view, { start: { line: 2, character: 50 }, end: { line: 2, character: 50 } }).map(
        (a) => a.advice,
      );
      assert.ok(!kinds.includes('load-4bit') && !kinds.includes('load-8bit'), `${hardware}: ${kinds.join(', ')}`);
    }
    const quantized = GEN.replace('"Qwen/Qwen2.5-7B-Instruct")', '"Qwen/Qwen2.5-7B-Instruct", load_in_4bit=True)');
    const kinds = codeActionItems(await viewOf(quantized), {
      start: { line: 2, character: 50 },
      end: { line: 2, character: 50 },
    }).map((a) => a.advice);
    assert.ok(!kinds.includes('load-4bit'), kinds.join(', '));
  });
});
