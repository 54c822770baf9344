// Generation recognised in code (HF generate, pipeline, vLLM) and costed on a profile: the `generation`
// block of wattlens.report/1, a local config.json resolved offline, and bad max_new_tokens values.
import assert from 'node:assert/strict';
import { describe, it, before, after } from 'node:test';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, repoRoot } from '../helpers/analyzer';
import { loadModelCatalog } from '../../server/src/core/catalog/modelCatalog';
import { HfConfigResolver } from '../../server/src/core/catalog/hfCache';
import { applyEnergy, loadProfiles } from '../../server/src/core/energy';
import type { ModelReport, Report } from '../../server/src/core/report/types';

const catalog = loadModelCatalog(join(repoRoot, 'profiles', 'models'));
const h100 = loadProfiles({ profilesDir: join(repoRoot, 'profiles') }).profiles.get('nvidia-h100-sxm')!;
const HF = 'import torch\nfrom transformers import AutoModelForCausalLM, AutoTokenizer, pipeline\n';

async function costed(src: string, extra: Record<string, unknown> = {}): Promise<ModelReport[]> {
  const file = await analyze(src, { catalog, ...extra });
  const report: Report = { schema: 'wattlens.report/1', hardware: null, precision: 'fp32', files: [file] };
  return applyEnergy(report, { profile: h100, precision: 'fp32' }).files[0].models;
}

describe('generation in code', () => {
  it('HF generate on 8 padded prompts: prefill + 255 decode steps, per-token figures', async () => {
    const [m] = await costed(
      `${HF}tok = AutoTokenizer.from_pretrained("meta-llama/Llama-3.1-8B-Instruct")\nmodel = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B-Instruct", torch_dtype=torch.bfloat16)\nout = model.generate(**tok(["hi"] * 8, padding="max_length", max_length=256), max_new_tokens=256)\n`,
    );
    const g = m.generation!;
    assert.deepEqual([g.batch, g.promptTokens, g.newTokens, g.range.start.line], [8, 256, 256, 4]);
    assert.equal(g.reason, undefined);
    assert.equal(g.prefill.bound, 'compute');
    assert.equal(g.decode.bound, 'memory');
    assert.ok(g.timePerOutputTokenMs! > 4 && g.timePerOutputTokenMs! < 10, `${g.timePerOutputTokenMs}`);
    assert.ok(Math.abs(g.energyPerOutputTokenJ! - g.energyJ! / (8 * 256)) < 1e-12);
    assert.equal(g.kvCacheBytes, 8 * 512 * 32 * 2 * 8 * 128 * 2);
    assert.match(g.numerics, /torch_dtype=torch\.bfloat16/);
    assert.ok(g.co2eG! > 0);
  });

  it('fp32 load (no torch_dtype) moves twice the bytes of bf16: slower decode', async () => {
    const load = (dtype: string) =>
      costed(
        `${HF}model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B-Instruct"${dtype})\nmodel.generate(torch.randint(0, 100, (1, 64)), max_new_tokens=64)\n`,
      );
    const [fp32] = await load('');
    const [bf16] = await load(', torch_dtype=torch.bfloat16');
    assert.match(fp32.generation!.numerics, /fp32/);
    assert.ok(fp32.generation!.timePerOutputTokenMs! > 1.5 * bf16.generation!.timePerOutputTokenMs!);
  });

  it('a generation pipeline called in a loop, and vLLM with SamplingParams', async () => {
    const [p] = await costed(
      `${HF}pipe = pipeline("text-generation", model="Qwen/Qwen2.5-0.5B-Instruct", torch_dtype=torch.float16)\nfor q in ["a", "b"]:\n    pipe(q, max_new_tokens=32)\n`,
    );
    assert.deepEqual([p.generation!.batch, p.generation!.newTokens, p.generation!.calls], [1, 32, 2]);
    const [v] = await costed(
      'from vllm import LLM, SamplingParams\nllm = LLM(model="Qwen/Qwen3-8B")\nllm.generate(["q"] * 64, SamplingParams(max_tokens=100))\n',
    );
    assert.deepEqual([v.generation!.batch, v.generation!.newTokens], [64, 100]);
    assert.match(v.generation!.numerics, /auto/);
    assert.ok(v.generation!.energyPerOutputTokenJ! > 0);
  });

  for (const [value, why] of [
    ['-3', /at least 1/],
    ['"many"', /not an integer/],
    ['n', /not an integer/],
  ] as const) {
    it(`max_new_tokens=${value}: null figures with the reason, the rest of the file analysed`, async () => {
      const [m] = await costed(
        `${HF}n = 2.5\nmodel = AutoModelForCausalLM.from_pretrained("gpt2")\nmodel.generate(torch.randint(0, 100, (1, 8)), max_new_tokens=${value})\n`,
      );
      assert.match(m.generation!.reason!, why);
      assert.equal(m.generation!.energyJ, null);
      assert.equal(m.totals.params, 124439808);
    });
  }
});

describe('a Hugging Face config.json on disk', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'wattlens-gen-'));
    mkdirSync(join(root, 'ckpt'));
    copyFileSync(
      join(repoRoot, 'test', 'fixtures', 'hf-configs', 'google__gemma-3-1b-it.json'),
      join(root, 'ckpt', 'config.json'),
    );
    const snap = join(root, 'hub', 'models--acme--private-llama', 'snapshots', 'r1');
    mkdirSync(snap, { recursive: true });
    copyFileSync(
      join(repoRoot, 'test', 'fixtures', 'hf-configs', 'meta-llama__Llama-3.2-1B.json'),
      join(snap, 'config.json'),
    );
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('from_pretrained("./ckpt") resolves offline from the folder, with the file as provenance', async () => {
    const [m] = await costed(
      `${HF}model = AutoModelForCausalLM.from_pretrained("./ckpt", torch_dtype=torch.bfloat16)\n`,
      {
        configResolver: new HfConfigResolver(),
        baseDir: root,
      },
    );
    assert.equal(m.totals.params, 999885952);
    assert.equal(m.configFile, join(root, 'ckpt', 'config.json'));
    assert.match(m.provenance!, /from config\.json at .*ckpt/);
  });

  it('an id found only in the local Hugging Face cache (HF_HUB_CACHE)', async () => {
    const saved = process.env.HF_HUB_CACHE;
    process.env.HF_HUB_CACHE = join(root, 'hub');
    try {
      const [m] = await costed(`${HF}model = AutoModelForCausalLM.from_pretrained("acme/private-llama")\n`, {
        configResolver: new HfConfigResolver(),
      });
      assert.equal(m.totals.params, 1235814400);
    } finally {
      if (saved === undefined) delete process.env.HF_HUB_CACHE;
      else process.env.HF_HUB_CACHE = saved;
    }
  });
});

describe('prompts from a catalogued dataset', () => {
  const withData = loadModelCatalog(join(repoRoot, 'profiles', 'models'), join(repoRoot, 'profiles', 'datasets.json'));
  const gen = async (src: string) =>
    (await analyze(src, { catalog: withData })).models.find((m) => m.generation)!.generation!;

  it('tok(split["text"]) and vLLM on a sliced column: the batch is the rows, the source names the split', async () => {
    const hf = await gen(
      `${HF}from datasets import load_dataset\nds = load_dataset("imdb", split="test[:8]")\ntok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct")\nmodel = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B-Instruct", torch_dtype=torch.bfloat16)\nout = model.generate(**tok(ds["text"], padding="max_length", max_length=256), max_new_tokens=64)\n`,
    );
    assert.deepEqual([hf.batch, hf.promptTokens, hf.newTokens], [8, 256, 64]);
    assert.match(hf.source, /column "text" of load_dataset\("imdb"\), line 4: imdb "test\[:8\]" = 8 samples/);
    const vllm = await gen(
      'from datasets import load_dataset\nfrom vllm import LLM, SamplingParams\nllm = LLM(model="Qwen/Qwen2.5-7B-Instruct")\nprompts = load_dataset("imdb", split="test")["text"][:32]\nres = llm.generate(prompts, SamplingParams(max_tokens=128))\n',
    );
    assert.deepEqual([vllm.batch, vllm.newTokens], [32, 128]);
    assert.match(vllm.source, /25,000 samples.*\[0:32\] \(32 rows\)/);
  });

  it('a split the catalog lacks, or a slice it cannot read, leaves the batch unknown with the reason', async () => {
    const missing = await gen(
      'from datasets import load_dataset\nfrom vllm import LLM, SamplingParams\nllm = LLM(model="Qwen/Qwen2.5-7B-Instruct")\nres = llm.generate(load_dataset("imdb", split="nosuch")["text"], SamplingParams(max_tokens=16))\n',
    );
    assert.equal(missing.batch, null);
    assert.match(missing.reason!, /batch unknown: .*split "nosuch" of imdb is not in the catalog/);
    const sliced = await gen(
      'from datasets import load_dataset\nfrom vllm import LLM, SamplingParams\nllm = LLM(model="Qwen/Qwen2.5-7B-Instruct")\nn = int(input())\nres = llm.generate(load_dataset("imdb", split="test")["text"][:n], SamplingParams(max_tokens=16))\n',
    );
    assert.equal(sliced.batch, null);
  });
});
