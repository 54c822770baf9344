// The pretrained-checkpoint and dataset catalogs: schema, provenance of every figure, sibling costs,
// figures recomputed from the architecture, reference figures, lookup and dataset sizes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import {
  loadModelCatalog,
  macsFor,
  recompute,
  transformerMacsPerToken,
  transformerParams,
  vitParams,
  vitMacs,
  type CatalogEntry,
  type TransformerArch,
} from '../../server/src/core/catalog/modelCatalog';

const profiles = join(__dirname, '..', '..', 'profiles');
const modelsDir = join(profiles, 'models');
const catalog = loadModelCatalog(modelsDir, join(profiles, 'datasets.json'));
const entries = catalog.entries;
const byId = (id: string): CatalogEntry => {
  const e = entries.find((x) => x.id === id);
  assert.ok(e, `no entry ${id}`);
  return e;
};

/** Figures recomputed from `architecture` must agree with the stated ones within this. */
const FORMULA_TOLERANCE = 0.02;
/** Published counts are rounded ("110M", "1.3 GMACs"); the exact figure must be within this of them. */
const PUBLISHED_TOLERANCE = 0.05;
/** A sibling may carry this many more parameters than the entry if its MACs are lower (CLIP B/32 vs B/16). */
const SIBLING_PARAMS_SLACK = 1.05;
const FIGURES = [
  'params',
  'publishedParams',
  'macs',
  'publishedMacs',
  'architecture',
  'quality',
  'typicalInput',
  'typicalSequenceLength',
] as const;

function near(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(Math.abs(actual / expected - 1) <= rel, `${what}: ${actual} is not within ${rel * 100}% of ${expected}`);
}

describe('catalog files', () => {
  const ajv = new Ajv({ allErrors: true, strictTypes: false });
  const schema = JSON.parse(readFileSync(join(modelsDir, 'catalog.schema.json'), 'utf8'));
  ajv.addSchema(schema);
  const validateFile = ajv.getSchema(schema.$id)!;

  for (const file of readdirSync(modelsDir).filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json'))) {
    it(`${file} validates against catalog.schema.json`, () => {
      const ok = validateFile(JSON.parse(readFileSync(join(modelsDir, file), 'utf8')));
      assert.ok(ok, ajv.errorsText(validateFile.errors, { separator: '\n' }));
    });
  }

  it('datasets.json validates against definitions/datasetFile', () => {
    const validate = ajv.compile({ $ref: `${schema.$id}#/definitions/datasetFile` });
    assert.ok(
      validate(JSON.parse(readFileSync(join(profiles, 'datasets.json'), 'utf8'))),
      ajv.errorsText(validate.errors),
    );
  });

  it('holds at least 70 checkpoints with unique ids and unambiguous names', () => {
    assert.ok(entries.length >= 70, `${entries.length} entries`);
    const seen = new Map<string, string>();
    for (const e of entries) {
      for (const { name, kind } of [{ name: e.id, kind: e.kind }, ...e.aliases]) {
        const key = `${kind}:${name}`;
        assert.ok(!seen.has(key) || seen.get(key) === e.id, `${key} names both ${seen.get(key)} and ${e.id}`);
        seen.set(key, e.id);
      }
    }
    assert.equal(new Set(entries.map((e) => e.id)).size, entries.length);
  });

  it('covers the families the brief lists', () => {
    for (const id of [
      'bert-base-uncased',
      'bert-large-cased',
      'distilbert-base-uncased',
      'roberta-large',
      'albert-base-v2',
      'albert-large-v2',
      'microsoft/deberta-v3-base',
      'microsoft/deberta-v3-small',
      'google/electra-small-discriminator',
      'google/electra-base-discriminator',
      'gpt2',
      'gpt2-medium',
      'gpt2-large',
      'gpt2-xl',
      'distilgpt2',
      't5-small',
      'google/flan-t5-base',
      'facebook/bart-large',
      'meta-llama/Llama-3.2-1B',
      'TinyLlama/TinyLlama-1.1B-Chat-v1.0',
      'mistralai/Mistral-7B-v0.1',
      'Qwen/Qwen2.5-0.5B',
      'Qwen/Qwen2.5-1.5B',
      'openai/whisper-tiny',
      'openai/whisper-medium',
      'openai/clip-vit-base-patch32',
      'openai/clip-vit-base-patch16',
      'google/vit-base-patch16-224',
      'facebook/deit-tiny-patch16-224',
      'swin_t',
      'convnext_tiny',
      'resnet18',
      'resnet101',
      'microsoft/resnet-50',
      'mobilenet_v2',
      'mobilenet_v3_large',
      'efficientnet_b0',
      'efficientnet_b3',
      'regnet_y_400mf',
      'yolov5n',
      'yolov5s',
      'yolov8n',
      'yolov8s',
      'sentence-transformers/all-MiniLM-L6-v2',
      'sentence-transformers/all-mpnet-base-v2',
      'sentence-transformers/paraphrase-MiniLM-L3-v2',
    ]) {
      byId(id);
    }
  });
});

describe('provenance and units', () => {
  it('every figure present has a source; derived ones say how', () => {
    for (const e of entries) {
      for (const figure of FIGURES) {
        if ((e as unknown as Record<string, unknown>)[figure] === undefined) continue;
        const s = e.sources[figure];
        assert.ok(s && s.ref.length > 0, `${e.id}: ${figure} has no source`);
        if (s.confidence === 'derived') assert.ok(s.derivation, `${e.id}: derived ${figure} without a derivation`);
      }
    }
  });

  it('states its basis: per-token entries carry a transformer architecture, a formula and a sequence length; per-sample ones an input shape', () => {
    for (const e of entries) {
      assert.ok(e.formula && e.formula.length > 20, `${e.id}: formula`);
      assert.ok(Number.isInteger(e.params) && e.params > 0 && e.macs > 0, `${e.id}: figures`);
      if (e.macsBasis === 'per-token') {
        assert.equal(e.architecture.type, 'transformer', e.id);
        assert.ok(Number.isInteger(e.typicalSequenceLength), `${e.id}: typicalSequenceLength`);
      } else {
        assert.ok(e.typicalInput && e.typicalInput.every((d) => Number.isInteger(d) && d > 0), `${e.id}: typicalInput`);
      }
    }
  });

  it('quality figures name a metric and dataset and are sourced', () => {
    const withQuality = entries.filter((e) => e.quality);
    assert.ok(withQuality.length >= 60, `${withQuality.length} entries with quality`);
    for (const e of withQuality) assert.ok(e.quality!.metric && e.quality!.dataset && e.sources.quality, e.id);
  });
});

describe('smaller siblings', () => {
  /** MACs of `e` for one unit of work comparable with `like`: per token at like's length, or per sample. */
  const comparable = (e: CatalogEntry, like: CatalogEntry) => {
    const L = like.typicalSequenceLength;
    return e.macsBasis === 'per-token'
      ? macsFor(e, { sequenceLength: L }).macs / L!
      : macsFor(e, { sequenceLength: L }).macs;
  };

  it('refer to existing, different entries of the same basis that are really cheaper', () => {
    let pairs = 0;
    for (const e of entries) {
      for (const s of e.smallerSiblings) {
        const sib = byId(s.id);
        pairs++;
        assert.notEqual(sib.id, e.id);
        assert.equal(sib.macsBasis, e.macsBasis, `${e.id} → ${sib.id}: basis`);
        assert.ok(
          comparable(sib, e) < comparable(e, e),
          `${e.id} → ${sib.id}: MACs ${comparable(sib, e)} ≥ ${comparable(e, e)}`,
        );
        assert.ok(
          sib.params <= e.params * SIBLING_PARAMS_SLACK,
          `${e.id} → ${sib.id}: params ${sib.params} > ${e.params}`,
        );
      }
    }
    assert.ok(pairs >= 40, `${pairs} sibling pairs`);
  });

  it('bert-base-uncased → distilbert-base-uncased carries the DistilBERT paper claim', () => {
    const note = byId('bert-base-uncased').smallerSiblings.find((s) => s.id === 'distilbert-base-uncased')!.note;
    assert.match(note, /97%.*40% smaller.*60% faster/);
  });
});

describe('figures recomputed from the architecture', () => {
  it(`agree with the stated params and MACs within ${FORMULA_TOLERANCE * 100}%`, () => {
    let checked = 0;
    for (const e of entries) {
      const r = recompute(e);
      if (!r) continue;
      checked++;
      near(r.params, e.params, FORMULA_TOLERANCE, `${e.id} params`);
      near(r.macs, e.macs, FORMULA_TOLERANCE, `${e.id} macs`);
    }
    assert.ok(checked >= 55, `${checked} recomputed`);
    for (const e of entries.filter((x) => x.macsBasis === 'per-token'))
      assert.ok(recompute(e), `${e.id} is per-token but not recomputable`);
  });

  it(`stay within ${PUBLISHED_TOLERANCE * 100}% of the rounded counts their sources state`, () => {
    for (const e of entries) {
      if (e.publishedParams) near(e.params, e.publishedParams, PUBLISHED_TOLERANCE, `${e.id} vs published params`);
      if (e.publishedMacs) near(e.macs, e.publishedMacs, PUBLISHED_TOLERANCE, `${e.id} vs published MACs`);
    }
  });

  it('the parameter formulas reproduce exact counts published elsewhere', () => {
    // torchvision ViT_B_16_Weights meta num_params (models.csv): patch conv, class token, positions, 12 blocks, norm, head.
    assert.equal(
      vitParams({
        type: 'vit',
        image: 224,
        patch: 16,
        layers: 12,
        hidden: 768,
        heads: 12,
        ffn: 3072,
        classes: 1000,
        patchBias: true,
      }),
      86_567_656,
    );
    // models.csv: exact counts computed from the HF config shapes.
    assert.equal(transformerParams(byId('bert-base-uncased').architecture as TransformerArch), 109_482_240);
    assert.equal(transformerParams(byId('distilbert-base-uncased').architecture as TransformerArch), 66_362_880);
    assert.equal(transformerParams(byId('gpt2').architecture as TransformerArch), 124_439_808);
  });

  it('per-token MACs match hand-worked cases', () => {
    // BERT-base at L=128: 12 layers × 12·768² weights + 12 × 2·128·768 bidirectional scores.
    assert.equal(byId('bert-base-uncased').macs, 12 * 12 * 768 ** 2 + 12 * 2 * 128 * 768);
    // GPT-2 at L=1024: weights + 12 × 1024·768 causal scores (Kaplan) + 768·50257 tied LM head.
    assert.equal(byId('gpt2').macs, 12 * 12 * 768 ** 2 + 12 * 1024 * 768 + 768 * 50257);
    // Llama-3.2-1B at L=2048: q,o 2048² each, k,v 2048·512 each (8 KV heads × 64), SwiGLU 3·2048·8192; scores; LM head.
    const layer = 2 * 2048 ** 2 + 2 * 2048 * 512 + 3 * 2048 * 8192;
    assert.equal(byId('meta-llama/Llama-3.2-1B').macs, 16 * layer + 16 * 2048 * 2048 + 2048 * 128256);
  });

  it('the ViT rule reproduces torchvision vit_b_16 _ops (17.564 GMACs)', () => {
    const a = byId('vit_b_16').architecture;
    assert.equal(a.type, 'vit');
    near(vitMacs(a as never), 17.564e9, 0.0005, 'vit_b_16');
  });
});

describe('reference figures (/work/shared/reference/models.csv)', () => {
  // Copied from models.csv (torchvision 0.29.1 weights meta: num_params, _ops in GMACs); re-read below when the file is present.
  const torchvision: [string, number, number][] = [
    ['resnet18', 11689512, 1.814],
    ['resnet34', 21797672, 3.664],
    ['resnet50', 25557032, 4.089],
    ['resnet101', 44549160, 7.801],
    ['vgg16', 138357544, 15.47],
    ['alexnet', 61100840, 0.714],
    ['mobilenet_v2', 3504872, 0.301],
    ['mobilenet_v3_small', 2542856, 0.057],
    ['mobilenet_v3_large', 5483032, 0.217],
    ['efficientnet_b0', 5288548, 0.386],
    ['squeezenet1_0', 1248424, 0.819],
    ['densenet121', 7978856, 2.834],
    ['vit_b_16', 86567656, 17.564],
    ['convnext_tiny', 28589128, 4.456],
    ['swin_t', 28288354, 4.491],
    ['regnet_y_400mf', 4344144, 0.402],
    ['shufflenet_v2_x1_0', 2278604, 0.145],
  ];
  // models.csv: params and 2N FLOPs/token (N = non-embedding parameters, Kaplan et al. 2020).
  const transformers: [string, number, number][] = [
    ['bert-base-uncased', 109482240, 0.1701],
    ['distilbert-base-uncased', 66362880, 0.0851],
    ['gpt2', 124439808, 0.1701],
  ];

  it('torchvision params and per-sample GMACs', () => {
    for (const [id, params, gmacs] of torchvision) {
      const e = byId(id);
      assert.equal(e.params, params, id);
      assert.equal(e.macs, Math.round(gmacs * 1e9), id);
      assert.equal(e.macsBasis, 'per-sample');
      assert.deepEqual(e.typicalInput, [1, 3, 224, 224]);
    }
  });

  it('transformer params, and weight MACs per token = 2N/2 within 0.5% (norms and biases are not MACs)', () => {
    for (const [id, params, gflops2n] of transformers) {
      const e = byId(id);
      assert.equal(e.params, params, id);
      const weightsOnly = transformerMacsPerToken({ ...(e.architecture as TransformerArch), lmHead: false }, 0);
      near(weightsOnly, (gflops2n * 1e9) / 2, 0.005, id);
    }
  });

  const csv = '/work/shared/reference/models.csv';
  it(
    'the copied figures still match the reference file',
    { skip: !existsSync(csv) && 'reference file not present' },
    () => {
      const rows = new Map(
        readFileSync(csv, 'utf8')
          .trim()
          .split('\n')
          .slice(1)
          .map((l) => {
            const [model, params, gmacs, flops] = l.split(',');
            return [
              model.replace(' (small)', ''),
              { params: Number(params), gmacs: Number(gmacs), flops: Number(flops) },
            ] as const;
          }),
      );
      for (const [id, params, gmacs] of torchvision)
        assert.deepEqual([rows.get(id)?.params, rows.get(id)?.gmacs], [params, gmacs], id);
      for (const [id, params, flops] of transformers)
        assert.deepEqual([rows.get(id)?.params, rows.get(id)?.flops], [params, flops], id);
    },
  );
});

describe('macsFor', () => {
  it('scales per-token entries by batch × L × MACs/token(L)', () => {
    const bert = byId('bert-base-uncased');
    assert.equal(macsFor(bert, { batch: 8 }).macs, 8 * 128 * bert.macs);
    const at512 = macsFor(bert, { batch: 2, sequenceLength: 512 });
    assert.equal(at512.macs, 2 * 512 * (12 * 12 * 768 ** 2 + 12 * 2 * 512 * 768));
    assert.equal(at512.basis, 'per-token');
    assert.equal(at512.sequenceLength, 512);
  });

  it('scales per-sample entries by batch and ignores a sequence length', () => {
    const r = byId('resnet18');
    assert.deepEqual(macsFor(r, { batch: 32, sequenceLength: 99 }).macs, 32 * 1_814_000_000);
    assert.equal(macsFor(r).macs, r.macs);
  });

  it('decodes Whisper for the given number of tokens after a fixed encoder pass', () => {
    const w = byId('openai/whisper-base');
    assert.equal(macsFor(w).macs, w.macs);
    const short = macsFor(w, { sequenceLength: 16 }).macs,
      long = macsFor(w, { sequenceLength: 256 }).macs;
    assert.ok(short < w.macs && w.macs < long);
    assert.equal(macsFor(w, { batch: 3, sequenceLength: 16 }).macs, 3 * short);
  });
});

describe('lookupCheckpoint', () => {
  it('matches ids and aliases case-insensitively', () => {
    assert.equal(catalog.lookupCheckpoint('bert-base-uncased')?.id, 'bert-base-uncased');
    assert.equal(catalog.lookupCheckpoint('Google-BERT/BERT-base-uncased', 'hf')?.id, 'bert-base-uncased');
    assert.equal(catalog.lookupCheckpoint('  openai-community/gpt2 ')?.id, 'gpt2');
    assert.equal(catalog.lookupCheckpoint('qwen/qwen2.5-0.5b')?.id, 'Qwen/Qwen2.5-0.5B');
  });

  it('uses the kind to tell libraries apart, and an exact-case match first without one', () => {
    assert.equal(catalog.lookupCheckpoint('ResNet50', 'keras')?.id, 'ResNet50');
    assert.equal(catalog.lookupCheckpoint('resnet50', 'torchvision')?.id, 'resnet50');
    assert.equal(catalog.lookupCheckpoint('resnet50', 'timm')?.id, 'resnet50');
    assert.equal(catalog.lookupCheckpoint('ResNet50')?.id, 'ResNet50');
    assert.equal(catalog.lookupCheckpoint('resnet50')?.id, 'resnet50');
    assert.equal(catalog.lookupCheckpoint('RESNET50')?.id, 'resnet50');
    assert.equal(catalog.lookupCheckpoint('VGG16', 'keras')?.id, 'vgg16');
    assert.equal(catalog.lookupCheckpoint('resnet50', 'hf'), undefined);
  });

  it('understands timm tags and hub prefixes, sentence-transformers short names, YOLO weight files', () => {
    assert.equal(catalog.lookupCheckpoint('resnet50.a1_in1k', 'timm')?.id, 'resnet50');
    assert.equal(
      catalog.lookupCheckpoint('hf_hub:timm/deit_tiny_patch16_224.fb_in1k', 'timm')?.id,
      'facebook/deit-tiny-patch16-224',
    );
    assert.equal(
      catalog.lookupCheckpoint('all-MiniLM-L6-v2', 'sentence-transformers')?.id,
      'sentence-transformers/all-MiniLM-L6-v2',
    );
    assert.equal(
      catalog.lookupCheckpoint('sentence-transformers/all-mpnet-base-v2', 'sentence-transformers')?.id,
      'sentence-transformers/all-mpnet-base-v2',
    );
    assert.equal(catalog.lookupCheckpoint('yolov8n.pt', 'ultralytics')?.id, 'yolov8n');
    assert.equal(catalog.lookupCheckpoint('yolov5s', 'torch-hub')?.id, 'yolov5s');
  });

  it('returns undefined for local paths, with the reason', () => {
    for (const p of ['./my_model', '/ckpt', '../models/bert', '~/checkpoints/gpt2', 'C:\\models\\bert', '.']) {
      assert.equal(catalog.lookupCheckpoint(p), undefined, p);
      assert.deepEqual(
        catalog.resolveCheckpoint(p, 'hf'),
        { entry: undefined, reason: 'local path: not in catalog' },
        p,
      );
    }
  });

  it('reports unknown names as unknown instead of guessing', () => {
    for (const name of ['bert-base-uncasedd', 'my-org/private-model', 'gpt5', 'resnet51']) {
      assert.equal(catalog.lookupCheckpoint(name), undefined, name);
      assert.match(catalog.resolveCheckpoint(name).reason!, /unknown checkpoint.*not in catalog/);
    }
  });
});

describe('datasetSize', () => {
  it('knows the datasets as users name them', () => {
    assert.equal(catalog.datasetSize('torchvision.datasets.MNIST')?.splits.train, 60_000);
    assert.equal(catalog.datasetSize('datasets.CIFAR10')?.splits.train, 50_000);
    assert.equal(catalog.datasetSize('CIFAR100')?.splits.test, 10_000);
    assert.equal(catalog.datasetSize('torchvision.datasets.ImageNet')?.splits.train, 1_281_167);
    assert.equal(catalog.datasetSize('torchvision.datasets.FashionMNIST')?.splits.train, 60_000);
    assert.equal(catalog.datasetSize('imdb')?.splits.train, 25_000);
    assert.equal(catalog.datasetSize('glue', 'mrpc')?.splits.train, 3_668);
    assert.equal(catalog.datasetSize('sst2')?.splits.train, 67_349);
    assert.equal(catalog.datasetSize('imdb', 'plain_text')?.id, 'imdb');
    assert.equal(catalog.datasetSize('squad')?.splits.train, 87_599);
    assert.equal(catalog.datasetSize('ag_news')?.splits.train, 120_000);
    const wt = catalog.datasetSize('wikitext', 'wikitext-103-raw-v1')!;
    assert.equal(wt.unit, 'rows');
    assert.ok(wt.alternate!.splits.train > 100e6);
  });

  it('has positive integer split sizes with a source for every dataset', () => {
    assert.ok(catalog.datasets.length >= 20);
    for (const d of catalog.datasets) {
      assert.ok(d.source.ref && d.source.confidence, d.id);
      for (const [split, n] of Object.entries({ ...d.splits, ...(d.alternate?.splits ?? {}) }))
        assert.ok(Number.isInteger(n) && n > 0, `${d.id}.${split}`);
    }
  });

  it('returns undefined for unknown datasets and unknown GLUE configs', () => {
    assert.equal(catalog.datasetSize('my_private_dataset'), undefined);
    assert.equal(catalog.datasetSize('glue'), undefined);
    assert.equal(catalog.datasetSize('glue', 'nope'), undefined);
  });
});
