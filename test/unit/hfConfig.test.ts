// Hugging Face config.json reading: params from each supported model_type's published config against the
// counts the model cards state, and bad configs and cache folders giving clear reasons, never a guess.
import assert from 'node:assert/strict';
import { describe, it, before, after } from 'node:test';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHfConfig, SUPPORTED_MODEL_TYPES } from '../../server/src/core/catalog/hfConfig';
import { HfConfigResolver, hubCacheDir } from '../../server/src/core/catalog/hfCache';
import { kvElemsPerPosition, sequenceMacs } from '../../server/src/core/catalog/hfShape';
import { loadModelCatalog } from '../../server/src/core/catalog/modelCatalog';

const fixtures = join(__dirname, '..', 'fixtures', 'hf-configs');
interface Fixture {
  id: string;
  file: string;
  config: string;
  published: string;
  publishedActive?: string;
  publishedNonEmbedding?: string;
  publishedSource: string;
  truncated?: string[];
}
const sources = JSON.parse(readFileSync(join(fixtures, 'sources.json'), 'utf8')) as { fixtures: Fixture[] };
const shapeOf = (file: string) => {
  const r = readHfConfig(readFileSync(join(fixtures, file), 'utf8'), file);
  assert.ok(r.shape, r.reason);
  return r.shape;
};

/** A published figure as a number and the tolerance its rounding implies (at least 0.5%). */
function figure(text: string, truncated = false): { value: number; tolerance: number } {
  if (/^\d+$/.test(text)) return { value: Number(text), tolerance: 0 };
  const m = /^([\d.]+)([MB])$/.exec(text);
  assert.ok(m, `published figure ${text}`);
  const unit = m[2] === 'B' ? 1e9 : 1e6;
  const decimals = m[1].split('.')[1]?.length ?? 0;
  const step = 10 ** -decimals * unit;
  // A truncated figure stands for [value, value + step): compare with the middle of that interval.
  const value = Number(m[1]) * unit + (truncated ? step / 2 : 0);
  return { value, tolerance: Math.max(0.005, (0.5 * step) / value) };
}

function within(actual: number, text: string, what: string, truncated = false): void {
  const { value, tolerance } = figure(text, truncated);
  const off = Math.abs(actual / value - 1);
  assert.ok(
    off <= tolerance,
    `${what}: ${actual} vs published ${text} (${(off * 100).toFixed(2)}% > ${tolerance * 100}%)`,
  );
}

describe('config.json params against the published counts', () => {
  for (const f of sources.fixtures) {
    it(`${f.id}: ${f.published}`, () => {
      assert.match(f.config, /^https:\/\/huggingface\.co\//);
      assert.match(f.publishedSource, /^https:\/\//);
      const s = shapeOf(f.file);
      within(s.params, f.published, 'params');
      if (f.publishedActive)
        within(s.activeParams, f.publishedActive, 'active params', f.truncated?.includes('publishedActive'));
      if (f.publishedNonEmbedding) {
        const embeddings = s.vocab * s.hidden * (s.inputEmbeddingParams > 0 ? 2 : 1);
        within(s.params - s.offStackParams - embeddings, f.publishedNonEmbedding, 'non-embedding params');
      }
    });
  }

  it('covers every model_type the issue names', () => {
    const types = new Set(sources.fixtures.map((f) => shapeOf(f.file).modelType));
    for (const t of ['llama', 'mistral', 'mixtral', 'qwen2', 'qwen3', 'qwen3_moe', 'qwen2_moe', 'gemma', 'gemma2']) {
      assert.ok(types.has(t), t);
    }
    for (const t of ['gemma3_text', 'gemma3', 'phi3', 'gpt2', 'gpt_neox', 'bert', 'roberta', 'deberta-v2', 't5']) {
      assert.ok(types.has(t), t);
    }
    for (const t of ['bart', 'whisper', 'vit', 'clip']) assert.ok(types.has(t), t);
    assert.ok(SUPPORTED_MODEL_TYPES.includes('deberta'));
  });
});

describe('attention layout read from the config', () => {
  it('Llama 3.1 8B: GQA KV cache of 32 layers × 2 × 8 heads × 128 = 65,536 elements per position', () => {
    const s = shapeOf('meta-llama__Llama-3.1-8B-Instruct.json');
    assert.equal(kvElemsPerPosition(s), 32 * 2 * 8 * 128);
    assert.deepEqual([s.kvHeads, s.headDim, s.inputEmbeddingParams], [8, 128, 128256 * 4096]);
  });

  it('Gemma 2 alternates sliding-window and global layers; Gemma 3 has 5 local layers per global one', () => {
    const g2 = shapeOf('google__gemma-2-2b-it.json');
    assert.deepEqual(
      g2.attention.map((g) => [g.count, g.window]),
      [
        [13, null],
        [13, 4096],
      ],
    );
    const g3 = shapeOf('google__gemma-3-1b-it.json');
    assert.deepEqual(
      g3.attention.map((g) => [g.count, g.window]),
      [
        [4, null],
        [22, 512],
      ],
    );
  });

  it('Mixtral routes 2 of 8 experts: MACs count the active experts only', () => {
    const s = shapeOf('mistralai__Mixtral-8x7B-v0.1.json');
    assert.deepEqual(s.moe, { experts: 8, perToken: 2, expertParams: 3 * 4096 * 14336, layers: 32 });
    // Every weight an active token passes through, less the input table (a lookup, no MACs).
    assert.equal(s.weightMacsPerToken, s.activeParams - 32000 * 4096 - 32 * 2 * 4096 - 4096);
  });

  it('a causal sequence costs each weight once per position plus half of full attention', () => {
    const s = shapeOf('openai-community__gpt2.json');
    const L = 1024;
    assert.equal(sequenceMacs(s, L), L * s.weightMacsPerToken + 12 * 2 * 768 * ((L * (L + 1)) / 2));
  });

  it('reads the saved dtype and a pre-quantized checkpoint', () => {
    assert.equal(shapeOf('meta-llama__Llama-3.1-8B-Instruct.json').savedDtype, 'bfloat16');
    const raw = JSON.parse(readFileSync(join(fixtures, 'meta-llama__Llama-3.1-8B-Instruct.json'), 'utf8'));
    raw.quantization_config = { quant_method: 'awq', bits: 4, group_size: 128 };
    assert.deepEqual(readHfConfig(JSON.stringify(raw)).shape!.quantization, { method: 'awq', bits: 4 });
  });
});

describe('bad config.json files', () => {
  const llama = readFileSync(join(fixtures, 'meta-llama__Llama-3.1-8B-Instruct.json'), 'utf8');
  const cases: [string, string, RegExp][] = [
    ['truncated', llama.slice(0, 200), /not valid JSON.*truncated/],
    ['not JSON', 'model_type: llama', /not valid JSON/],
    ['an array', '[1, 2]', /not a JSON object/],
    ['no model_type', '{"hidden_size": 4096}', /no model_type/],
    ['unknown model_type', '{"model_type": "mamba"}', /model_type "mamba" is not modelled.*no figures guessed/],
    ['a missing field', llama.replace('"num_hidden_layers": 32,', ''), /no num_hidden_layers/],
    [
      'a string where a number goes',
      llama.replace('"hidden_size": 4096', '"hidden_size": "4096"'),
      /hidden_size is "4096"/,
    ],
    ['a negative size', llama.replace('"vocab_size": 128256', '"vocab_size": -5'), /vocab_size is -5/],
    [
      'heads that do not divide the width',
      '{"model_type":"gpt2","n_embd":770,"n_layer":1,"n_head":12,"vocab_size":10,"n_positions":8}',
      /not a multiple/,
    ],
  ];
  for (const [what, text, reason] of cases) {
    it(`${what}: a reason, no shape`, () => {
      const r = readHfConfig(text, 'config.json at /x');
      assert.equal(r.shape, undefined);
      assert.match(r.reason!, reason);
    });
  }
});

describe('finding configs on disk (HfConfigResolver)', () => {
  let root: string;
  const llama = readFileSync(join(fixtures, 'meta-llama__Llama-3.1-8B-Instruct.json'), 'utf8');
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'wattlens-hf-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const snapshot = (cache: string, id: string, rev: string, config?: string) => {
    const dir = join(cache, `models--${id.replace('/', '--')}`, 'snapshots', rev);
    mkdirSync(dir, { recursive: true });
    if (config !== undefined) writeFileSync(join(dir, 'config.json'), config);
    return dir;
  };

  it('the cache folder follows HF_HUB_CACHE, then HF_HOME/hub, then ~/.cache/huggingface/hub', () => {
    assert.equal(hubCacheDir({ HF_HUB_CACHE: '/a', HF_HOME: '/b', HOME: '/h' }), '/a');
    assert.equal(hubCacheDir({ HF_HOME: '/b', HOME: '/h' }), join('/b', 'hub'));
    assert.equal(hubCacheDir({ HOME: '/h' }), join('/h', '.cache', 'huggingface', 'hub'));
  });

  it('resolves a cached hub id through refs/main, offline', () => {
    const cache = join(root, 'hub1');
    snapshot(cache, 'meta-llama/Llama-3.1-8B-Instruct', 'old', '{"model_type":"mamba"}');
    const dir = snapshot(cache, 'meta-llama/Llama-3.1-8B-Instruct', 'abc123', llama);
    mkdirSync(join(cache, 'models--meta-llama--Llama-3.1-8B-Instruct', 'refs'), { recursive: true });
    writeFileSync(join(cache, 'models--meta-llama--Llama-3.1-8B-Instruct', 'refs', 'main'), 'abc123\n');
    const found = new HfConfigResolver().find('meta-llama/Llama-3.1-8B-Instruct', { env: { HF_HUB_CACHE: cache } });
    assert.equal(found?.file, join(dir, 'config.json'));
    assert.equal(found?.shape?.params, 8030261248);
  });

  it('an id not in the cache is left to the catalog (undefined), and a non-id is never looked up', () => {
    const r = new HfConfigResolver();
    assert.equal(r.find('Qwen/Qwen2.5-7B', { env: { HF_HUB_CACHE: join(root, 'none') } }), undefined);
    assert.equal(r.find('bert-base-uncased', { env: { HF_HUB_CACHE: join(root, 'none') } }), undefined);
  });

  it('a local folder relative to the analysed file', () => {
    mkdirSync(join(root, 'proj', 'ckpt'), { recursive: true });
    writeFileSync(join(root, 'proj', 'ckpt', 'config.json'), llama);
    const found = new HfConfigResolver().find('./ckpt', { baseDir: join(root, 'proj') });
    assert.equal(found?.shape?.modelType, 'llama');
  });

  it('re-reads a config only when its mtime or size changes', () => {
    const dir = join(root, 'edited');
    mkdirSync(dir);
    const file = join(dir, 'config.json');
    writeFileSync(file, llama);
    utimesSync(file, 1000, 1000);
    const r = new HfConfigResolver();
    const first = r.find(dir);
    assert.equal(r.find(dir), first, 'the second read comes from memory');
    writeFileSync(file, llama.replace('"num_hidden_layers": 32', '"num_hidden_layers": 16'));
    utimesSync(file, 2000, 2000);
    assert.notEqual(r.find(dir)?.shape?.params, first?.shape?.params);
  });

  const bad: [string, () => string, RegExp][] = [
    ['a missing folder', () => join(root, 'nope'), /does not exist/],
    [
      'a folder with no config.json',
      () => {
        mkdirSync(join(root, 'weights-only'), { recursive: true });
        return join(root, 'weights-only');
      },
      /config.json at .*does not exist/,
    ],
    [
      'a truncated config.json',
      () => {
        mkdirSync(join(root, 'trunc'), { recursive: true });
        writeFileSync(join(root, 'trunc', 'config.json'), llama.slice(0, 100));
        return join(root, 'trunc');
      },
      /not valid JSON/,
    ],
    [
      'a symlink loop',
      () => {
        symlinkSync(join(root, 'loop-b'), join(root, 'loop-a'));
        symlinkSync(join(root, 'loop-a'), join(root, 'loop-b'));
        return join(root, 'loop-a');
      },
      /symbolic-link loop/,
    ],
    [
      'a file where a folder goes',
      () => {
        writeFileSync(join(root, 'plain.txt'), 'x');
        return join(root, 'plain.txt');
      },
      /not a folder/,
    ],
  ];
  for (const [what, make, reason] of bad) {
    it(`${what}: a located reason`, () => {
      const found = new HfConfigResolver().find(make());
      assert.equal(found?.shape, undefined);
      assert.match(found!.reason!, reason);
    });
  }

  it('a snapshot folder with no config, and an unreadable cache entry', () => {
    const cache = join(root, 'hub2');
    snapshot(cache, 'org/weights', 'r1');
    const r = new HfConfigResolver();
    assert.match(r.find('org/weights', { env: { HF_HUB_CACHE: cache } })!.reason!, /no snapshot with a config.json/);
    const locked = snapshot(cache, 'org/locked', 'r1', llama);
    chmodSync(locked, 0o000);
    try {
      const found = r.find('org/locked', { env: { HF_HUB_CACHE: cache } });
      // root reads through permissions; anyone else gets a located reason. Neither throws.
      if (process.getuid?.() !== 0) assert.match(found!.reason!, /permission denied|no snapshot/);
      else assert.ok(found?.shape || found?.reason);
    } finally {
      chmodSync(locked, 0o755);
    }
  });
});

describe('catalog entries agree with the config.json reader', () => {
  const catalog = loadModelCatalog(join(__dirname, '..', '..', 'profiles', 'models'));
  for (const f of sources.fixtures) {
    const entry = catalog.lookupCheckpoint(f.id, 'hf');
    if (!entry || entry.architecture.type !== 'transformer' || f.id.includes('gemma-3-4b')) continue;
    it(`${f.id} → catalog "${entry.id}": same parameter count`, () => {
      const s = shapeOf(f.file);
      if (s.kind === 'decoder') assert.equal(entry.params, s.params);
      else assert.ok(Math.abs(entry.params / s.params - 1) < 0.02, `${entry.params} vs ${s.params}`);
    });
  }
});
