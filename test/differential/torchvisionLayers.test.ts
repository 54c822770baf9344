// The same network, one answer (issue 13, item 4): every torchvision entry of the catalog, loaded as
// `torchvision.models.<name>()` and costed from the catalog, agrees with the same architecture read
// from torchvision's installed source — params, MACs, FLOPs, weights, activations and energy, at
// batch 1 and at a batch the file calls it on, on a GPU and a CPU profile — and with the same network
// written out in a user's file. A stale layer table (profiles/models/layers/torchvision.json) fails here;
// rewrite it with `node --import tsx test/differential/torchvisionLayers.ts --write`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, repoRoot } from '../helpers/analyzer';
import { loadModelCatalog } from '../../server/src/core/catalog/modelCatalog';
import { applyEnergy } from '../../server/src/core/energy/applyEnergy';
import { getProfile, loadProfiles } from '../../server/src/core/energy/profiles';
import type { FileReport, ModelReport } from '../../server/src/core/report/types';
import { libraryPaths } from './publicCode';
import { diskFiles } from '../../server/src/core/interpreter/python/imports/moduleFinder';
import { fromSource, sourceOf, torchvisionEntries, torchvisionName } from './torchvisionLayers';

const catalog = loadModelCatalog(join(repoRoot, 'profiles', 'models'));
const profiles = loadProfiles({ profilesDir: join(repoRoot, 'profiles') });
const libraries = libraryPaths();
const installed = libraries.some((dir) => existsSync(join(dir, 'torchvision', '__init__.py')));
const HARDWARE = ['nvidia-t4', 'intel-xeon-8480'];

/** The model with energy applied on `hardware` at fp32. */
function costed(model: ModelReport, hardware: string): ModelReport {
  const file: FileReport = { file: 'model.py', models: [model], diagnostics: [] };
  const report = applyEnergy(
    { schema: 'wattlens.report/1', hardware: null, precision: 'fp32', files: [file] },
    { profile: getProfile(profiles, hardware), precision: 'fp32' },
  );
  return report.files[0].models[0];
}

/** The catalogued load: the hub model of `torchvision.models.<name>()` called on `input`. */
async function fromCatalog(name: string, input: number[]): Promise<ModelReport> {
  const report = await analyze(sourceOf(name, input), { catalog });
  const model = report.models.find((m) => m.framework === 'hub');
  assert.ok(model, `${name}: no catalogued load (${report.diagnostics[0]?.message})`);
  return model;
}

/** Asserts two reports of one network agree: totals exactly, energy and latency within 0.1%. */
function assertSame(label: string, catalogued: ModelReport, written: ModelReport): void {
  for (const field of ['params', 'macs', 'flops', 'weightBytes', 'activationBytes'] as const)
    assert.equal(catalogued.totals[field], written.totals[field], `${label}: ${field}`);
  assert.equal(catalogued.layers.length, written.layers.length, `${label}: layer rows`);
  const shapes = catalogued.layers.filter(
    (l, i) => l.outputShape && String(l.outputShape) !== String(written.layers[i].outputShape),
  );
  assert.deepEqual(
    shapes.map((l) => l.path),
    [],
    `${label}: output shapes as the source gives them`,
  );
  assert.ok(
    catalogued.layers.filter((l) => l.outputShape).length > catalogued.layers.length / 2,
    `${label}: shapes known`,
  );
  for (const hardware of HARDWARE) {
    const [a, b] = [costed(catalogued, hardware), costed(written, hardware)];
    for (const field of ['energyJ', 'latencyMs'] as const) {
      const [x, y] = [a.totals[field]!, b.totals[field]!];
      assert.ok(x > 0 && y > 0, `${label} on ${hardware}: ${field} known`);
      assert.ok(Math.abs(x / y - 1) < 1e-3, `${label} on ${hardware}: ${field} catalog ${x} vs source ${y}`);
    }
  }
}

test(
  "every torchvision catalog entry costs what torchvision's source builds (batch 1 and 8, GPU and CPU)",
  { skip: !installed && 'torchvision is not installed' },
  async () => {
    const entries = torchvisionEntries();
    assert.ok(entries.length >= 20, `${entries.length} torchvision entries`);
    for (const entry of entries) {
      const name = torchvisionName(entry)!;
      for (const batch of [1, 8]) {
        const input = [batch, ...entry.typicalInput!.slice(1)];
        const written = await fromSource(entry, libraries, batch);
        const catalogued = await fromCatalog(name, input);
        assertSame(`${entry.id} batch ${batch}`, catalogued, written);
      }
      // The published figures (torchvision's weights meta) agree with the source: params exactly, MACs to the meta's rounding.
      const table = catalog.layerTable(entry.id)!.table;
      assert.equal(table.totals[0], entry.params, `${entry.id}: params vs the published figure`);
      assert.ok(Math.abs(table.totals[1] / entry.macs - 1) < 0.01, `${entry.id}: MACs vs the published figure`);
    }
  },
);

test('resnet50() and resnet18() cost what the same networks written out in a user file cost', async () => {
  const cases: [string, string, string][] = [
    ['resnet50', join(repoRoot, 'examples', 'resnet50.py'), 'ResNet'],
    ['resnet18', join(repoRoot, 'test', 'fixtures', 'pytorch', 'resnet18.py'), 'ResNet18'],
  ];
  for (const [name, file, root] of cases) {
    const text = readFileSync(file, 'utf8');
    const written = (await analyze(text, { file })).models.find((m) => m.name === root)!;
    assert.ok(written, `${file}: ${root}`);
    assertSame(`${name} vs ${file}`, await fromCatalog(name, written.input!.shape), written);
  }
});

test('a torchvision load that changes the architecture is not costed from the table', async () => {
  const report = await analyze(
    'import torch\nfrom torchvision.models import resnet50\nmodel = resnet50(num_classes=10)\nmodel(torch.randn(1, 3, 224, 224))\n',
    { catalog },
  );
  const model = report.models.find((m) => m.framework === 'hub')!;
  assert.equal(model.totals.params, null);
  assert.equal(model.layers.length, 0);
  assert.match(model.unresolved[0].reason, /num_classes=10/);
});

test(
  'a torchvision backbone inside a user model costs what the same backbone read from source costs',
  { skip: !installed && 'torchvision is not installed' },
  async () => {
    const text = [
      'import torch',
      'import torch.nn as nn',
      'from torchvision.models import resnet18',
      '',
      '',
      'class Classifier(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.backbone = resnet18()',
      '        self.head = nn.Linear(1000, 10)',
      '',
      '    def forward(self, x):',
      '        return self.head(self.backbone(x))',
      '',
      '',
      'model = Classifier()',
      'logits = model(torch.randn(8, 3, 224, 224))',
      '',
    ].join('\n');
    const file = join(repoRoot, 'test', 'fixtures', 'public', 'backbone_classifier.py');
    const imports = { files: diskFiles(), paths: { workspaceRoots: [], libraryPaths: libraries } };
    const catalogued = (await analyze(text, { file, catalog })).models.find((m) => m.name === 'Classifier')!;
    const written = (await analyze(text, { file, imports })).models.find((m) => m.name === 'Classifier')!;
    assert.ok(
      catalogued.layers.some((l) => l.path === 'backbone.layer4.1.conv2'),
      'the backbone layer by layer',
    );
    assertSame('Classifier with a resnet18 backbone', catalogued, written);
  },
);
