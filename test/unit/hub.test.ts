// Pretrained checkpoints from hubs (transformers, timm, torchvision, keras.applications,
// sentence-transformers, ultralytics, torch.hub) as root models with catalog figures and provenance.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, repoRoot } from '../helpers/analyzer';
import { loadModelCatalog } from '../../server/src/core/catalog/modelCatalog';
import { applyEnergy, getProfile, loadProfiles } from '../../server/src/core/energy';
import type { FileReport, ModelReport } from '../../server/src/core/report/types';

const catalog = loadModelCatalog(join(repoRoot, 'profiles', 'models'), join(repoRoot, 'profiles', 'datasets.json'));
const fixture = (name: string) => readFileSync(join(repoRoot, 'test', 'fixtures', 'hub', name), 'utf8');
const run = (name: string, opts: { batch?: number } = {}) => analyze(fixture(name), { file: name, catalog, ...opts });

/** The hub model reports of a file, in load order. */
const hubs = (r: FileReport): ModelReport[] => r.models.filter((m) => m.framework === 'hub');
const byName = (r: FileReport, name: string, nth = 0): ModelReport => {
  const found = hubs(r).filter((m) => m.name === name)[nth];
  assert.ok(
    found,
    `no hub model ${name} in ${hubs(r)
      .map((m) => m.name)
      .join(', ')}`,
  );
  return found;
};
const messages = (r: FileReport) => [
  ...r.diagnostics.map((d) => d.message),
  ...r.models.flatMap((m) => m.unresolved.map((u) => u.reason)),
];

/**
 * Asserts catalog totals: params, MACs, nothing unresolved; a checkpoint known by its totals is one
 * 'checkpoint' row with FLOPs = 2 × MACs, one with a layer table (torchvision) its source's layers.
 */
function assertFigures(m: ModelReport, params: number, macs: number): void {
  assert.equal(m.root, true);
  assert.equal(m.totals.params, params);
  assert.equal(m.totals.macs, macs);
  assert.deepEqual(m.unresolved, []);
  assert.match(m.provenance ?? '', /catalog entry/);
  if (/layer by layer/.test(m.provenance ?? '')) {
    assert.ok(m.layers.length > 1 && m.layers.every((l) => l.op !== 'checkpoint'));
    assert.equal(m.totals.flops, sum(m.layers.map((l) => l.flops!)));
    assert.ok(m.totals.activationBytes! > 0);
    return;
  }
  assert.equal(m.totals.flops, 2 * macs);
  assert.equal(m.layers.length, 1);
  assert.equal(m.layers[0].op, 'checkpoint');
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('transformers', () => {
  it('AutoModel*, BertModel: catalog params, per-token MACs × typical length, range on the literal', async () => {
    const r = await run('transformers_auto.py');
    assert.deepEqual(r.diagnostics, [], 'calling the loaded model (model(**inputs), generate) must not fail');
    // distilbert-base-uncased-finetuned-sst-2-english: 66,955,010 params; 43,646,976 MACs/token × 128 tokens.
    const sst2 = byName(r, 'distilbert/distilbert-base-uncased-finetuned-sst-2-english');
    assertFigures(sst2, 66_955_010, 43_646_976 * 128);
    assert.deepEqual(sst2.range.start, { line: 4, character: 59 });
    assert.deepEqual(sst2.input, { shape: [1, 128], dtype: 'int64', source: sst2.input!.source });
    assert.match(sst2.input!.source, /catalog typical input \(128 tokens/);
    assert.match(sst2.provenance!, /per-token MACs × 128 tokens \(typicalSequenceLength/);
    assert.doesNotMatch(sst2.provenance!, /head .* is not counted/, 'the sst-2 entry already includes its classifier');
    // bert-base-uncased: 109,482,240 params; 87,293,952 MACs/token × 128 = 11,173,625,856 MACs.
    assertFigures(byName(r, 'bert-base-uncased'), 109_482_240, 11_173_625_856);
    const alias = byName(r, 'google-bert/bert-base-uncased');
    assertFigures(alias, 109_482_240, 11_173_625_856);
    assert.match(alias.provenance!, /catalog entry "bert-base-uncased", loaded with BertModel.from_pretrained/);
  });

  it("pipeline(task): the named model, or transformers' default for the task when it is catalogued", async () => {
    const r = await run('pipelines.py');
    assert.deepEqual(r.diagnostics, []);
    const sentiment = byName(r, 'distilbert/distilbert-base-uncased-finetuned-sst-2-english');
    assertFigures(sentiment, 66_955_010, 43_646_976 * 128);
    assert.deepEqual(sentiment.range.start, { line: 3, character: 22 }, 'points at "sentiment-analysis"');
    assert.match(sentiment.provenance!, /default for "sentiment-analysis"/);
    // gpt2: 124,439,808 params; 132,969,216 MACs/token (LM head included) × 1,024 tokens.
    const gpt2 = byName(r, 'gpt2');
    assertFigures(gpt2, 124_439_808, 132_969_216 * 1024);
    assert.deepEqual(gpt2.range.start, { line: 6, character: 46 });
    // facebook/bart-large-cnn: 406,290,432 params; 435,249,152 MACs/token × 512.
    assertFigures(byName(r, 'facebook/bart-large-cnn'), 406_290_432, 435_249_152 * 512);
    // pipeline("ner") defaults to dbmdz/bert-large-cased-finetuned-conll03-english: not catalogued, so no figures.
    const ner = byName(r, 'dbmdz/bert-large-cased-finetuned-conll03-english');
    assert.equal(ner.totals.params, null);
    assert.equal(ner.totals.macs, null);
    assert.match(ner.unresolved[0].reason, /not in the catalog: no figures guessed/);
  });

  it('a head that the class adds or drops is stated, and the LM projection recomputed', async () => {
    const r = await analyze(
      [
        'from transformers import AutoModel, AutoModelForCausalLM, AutoModelForSequenceClassification',
        'base = AutoModel.from_pretrained("gpt2")',
        'clf = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=3)',
        '',
      ].join('\n'),
      { catalog },
    );
    const base = byName(r, 'gpt2');
    // GPT-2 without its LM head: 132,969,216 − 768 × 50,257 = 94,371,840 MACs per token (tied: params unchanged).
    assert.equal(base.totals.macs, (132_969_216 - 768 * 50_257) * 1024);
    assert.equal(base.totals.params, 124_439_808);
    assert.match(base.provenance!, /drops the d_model×vocab output projection/);
    const clf = byName(r, 'bert-base-uncased');
    assert.equal(clf.totals.params, 109_482_240);
    assert.match(clf.provenance!, /SequenceClassification head .* \(num_labels=3\) is not in the catalog figures/);
  });
});

describe('vision hubs and torch.hub', () => {
  it('timm, torchvision (call, weights=, get_model) and torch.hub.load', async () => {
    const r = await run('vision_hubs.py');
    assert.deepEqual(r.diagnostics, [], 'net(batch).squeeze(0).softmax(0) must not fail');
    // timm mobilenetv2_100 is torchvision's mobilenet_v2 entry: 3,504,872 params, 301 MMACs per 224² image.
    const m = byName(r, 'mobilenetv2_100');
    assertFigures(m, 3_504_872, 301_000_000);
    assert.deepEqual(m.input?.shape, [1, 3, 224, 224]);
    // torchvision loads are costed layer by layer from torchvision's source (profiles/models/layers):
    // exact MACs, which torchvision's meta rounds to 4.089, 1.814 and 17.564 GMACs.
    assertFigures(byName(r, 'resnet50', 0), 25_557_032, 4_089_184_256);
    assertFigures(byName(r, 'resnet18'), 11_689_512, 1_814_073_344);
    assertFigures(byName(r, 'vit_b_16'), 86_567_656, 17_563_828_224);
    assertFigures(byName(r, 'ultralytics/yolov5/yolov5s'), 7_200_000, 8_250_000_000);
    // num_classes=10 replaces the ImageNet classifier: the catalog no longer describes it.
    const finetune = byName(r, 'resnet50', 1);
    assert.equal(finetune.totals.params, null);
    assert.match(finetune.unresolved[0].reason, /num_classes=10 replaces the 1000-class classifier/);
  });

  it('a pretrained backbone inside a user model is one costed layer; the hub report is not a root', async () => {
    const r = await run('backbone.py');
    const clf = r.models.find((x) => x.name === 'Classifier')!;
    // resnet18 (11,689,512 params, 1.814 GMACs per image) + Linear(1000, 10) (10,010 params, 10,000 MACs), batch 8.
    assert.equal(clf.totals.params, 11_689_512 + 10_010);
    assert.equal(clf.totals.macs, 8 * (1_814_000_000 + 10_000));
    const row = clf.layers.find((l) => l.path === 'backbone')!;
    assert.equal(row.op, 'checkpoint');
    assert.equal(row.params, 11_689_512);
    assert.deepEqual(row.outputShape, [8, 1000]);
    assert.equal(byName(r, 'resnet18').root, false);
  });

  it('replacing a layer of a loaded checkpoint leaves its figures unknown, with why', async () => {
    const r = await analyze(
      'import torch.nn as nn\nfrom torchvision import models\nm = models.resnet18(weights="DEFAULT")\nm.fc = nn.Linear(512, 10)\n',
      { catalog },
    );
    const m = byName(r, 'resnet18');
    assert.equal(m.totals.params, null);
    assert.match(m.unresolved[0].reason, /fc of the loaded checkpoint is replaced at line 4/);
  });
});

describe('keras.applications, sentence-transformers, ultralytics', () => {
  it('loads with their catalog figures; include_top=False is not guessed', async () => {
    const r = await run('keras_st_yolo.py');
    assert.deepEqual(r.diagnostics, []);
    const resnet = byName(r, 'ResNet50', 0);
    assertFigures(resnet, 25_636_712, 3_800_000_000);
    assert.deepEqual(resnet.input?.shape, [1, 224, 224, 3], 'channels-last typical input');
    assertFigures(byName(r, 'MobileNetV2'), 3_538_984, 300_000_000);
    const headless = byName(r, 'ResNet50', 1);
    assert.equal(headless.totals.macs, null);
    assert.match(headless.unresolved[0].reason, /include_top=False removes the classifier/);
    // all-MiniLM-L6-v2: 22,713,216 params; 11,206,656 MACs/token × 128.
    assertFigures(byName(r, 'all-MiniLM-L6-v2'), 22_713_216, 11_206_656 * 128);
    assertFigures(byName(r, 'yolov8n.pt'), 3_200_000, 4_350_000_000);
  });
});

describe('bad input', () => {
  it('a local path, an unknown checkpoint and a name from argv: clear reasons, no figures, no crash', async () => {
    const r = await run('bad_names.py');
    assert.deepEqual(r.diagnostics, []);
    const [local, unknownName, argv] = hubs(r);
    for (const m of [local, unknownName, argv]) {
      assert.equal(m.totals.params, null);
      assert.equal(m.totals.macs, null);
      assert.deepEqual(m.layers, []);
    }
    assert.match(local.unresolved[0].reason, /"\.\/local_dir": local path, not in catalog/);
    assert.deepEqual(local.range.start, { line: 4, character: 34 });
    assert.match(
      unknownName.unresolved[0].reason,
      /unknown checkpoint "my-org\/never-published-model" for hf: not in catalog, no figures guessed/,
    );
    assert.equal(argv.name, 'sys.argv[1]');
    assert.match(argv.unresolved[0].reason, /not a string literal: unknown until run time/);
  });

  it('without a catalog every load is unresolved, saying so', async () => {
    const r = await analyze('import timm\nm = timm.create_model("resnet50")\n');
    assert.match(messages(r).join('\n'), /no model catalog was loaded/);
  });

  it('a non-literal pipeline task and model classes built from a config are not guessed', async () => {
    const r = await analyze(
      'from transformers import pipeline, BertConfig, BertModel\nimport os\np = pipeline(os.environ["TASK"])\nm = BertModel(BertConfig())\n',
      { catalog },
    );
    const text = messages(r).join('\n');
    assert.match(text, /pipeline task is not a string literal/);
    assert.match(text, /builds an untrained model from a config object/);
  });
});

describe('batch and energy', () => {
  it('--batch scales the catalog MACs and the input', async () => {
    const r = await run('transformers_auto.py', { batch: 4 });
    const m = byName(r, 'bert-base-uncased');
    assert.equal(m.totals.macs, 4 * 11_173_625_856);
    assert.deepEqual(m.input?.shape, [4, 128]);
  });

  it('the energy model costs a hub model through its checkpoint row', async () => {
    const r = await run('keras_st_yolo.py');
    const profiles = loadProfiles({ profilesDir: join(repoRoot, 'profiles') });
    const out = applyEnergy(
      { schema: 'wattlens.report/1', hardware: null, precision: 'fp32', files: [r] },
      { profile: getProfile(profiles, 'nvidia-t4'), precision: 'fp32' },
    );
    const m = out.files[0].models.find((x) => x.name === 'MobileNetV2')!;
    assert.ok(m.totals.latencyMs! > 0 && m.totals.energyJ! > 0 && m.totals.co2eG! > 0, JSON.stringify(m.totals));
    assert.equal(m.totals.latencyMs, m.layers[0].latencyMs);
  });
});

describe("a checkpoint called on the file's own tensor", () => {
  const source = (shape: string) =>
    `import torch\nimport torchvision\nmodel = torchvision.models.resnet50()\nx = torch.randn(${shape})\ny = model(x)\n`;

  it('is costed on that tensor: its batch, and the call as the input source', async () => {
    const r = await analyze(source('8, 3, 224, 224'), { catalog });
    const m = byName(r, 'resnet50');
    assert.deepEqual(m.input?.shape, [8, 3, 224, 224]);
    assert.equal(m.input?.rule, 'call');
    assert.match(m.input?.source ?? '', /line 5/);
    const single = byName(await analyze(source('1, 3, 224, 224'), { catalog }), 'resnet50');
    assert.equal(
      m.totals.macs,
      byName(await analyze(source('1, 3, 224, 224'), { catalog, batch: 8 }), 'resnet50').totals.macs,
    );
    assert.ok(m.totals.macs! > 7.9 * single.totals.macs!, 'eight samples cost about eight times one');
    const batched = byName(await analyze(source('8, 3, 224, 224'), { catalog, batch: 2 }), 'resnet50');
    assert.deepEqual(batched.input?.shape, [2, 3, 224, 224]);
  });

  it('at a size the catalog has no MACs for, MACs are unknown at the call, parameters still known', async () => {
    const m = byName(await analyze(source('8, 3, 160, 160'), { catalog }), 'resnet50');
    assert.equal(m.totals.macs, null);
    assert.equal(m.totals.params, 25_557_032);
    assert.equal(m.unresolved[0]?.range.start.line, 4);
    assert.match(m.unresolved[0]?.reason ?? '', /differs from the catalog's typical input/);
  });
});
