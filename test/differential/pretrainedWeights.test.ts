// torchvision builders as people call them, with pretrained weights (`weights="IMAGENET1K_V2"`,
// `weights=ResNet50_Weights.DEFAULT`), read from the installed package's source: the weights enum's
// metaclass lookups run and the state-dict download is a value the analysis does not need, so the
// architecture — and its figures — are those of the same builder without weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { analyze, repoRoot } from '../helpers/analyzer';
import { diskFiles } from '../../server/src/core/interpreter/python/imports/moduleFinder';
import type { FileReport } from '../../server/src/core/report/types';
import { libraryPaths } from './publicCode';

const folder = join(repoRoot, 'test', 'fixtures', 'public');

async function analyzeWithTorchvision(source: string): Promise<FileReport> {
  return analyze(source, {
    file: join(folder, 'pretrained_weights.py'),
    imports: { files: diskFiles(), paths: { workspaceRoots: [folder], libraryPaths: libraryPaths() } },
  });
}

function script(builderCall: string): string {
  return `import torch\nimport torchvision\nfrom torchvision.models import *\nmodel = ${builderCall}\nx = torch.randn(8, 3, 224, 224)\ny = model(x)\n`;
}

const CASES: [string, string][] = [
  ['torchvision.models.resnet50()', 'torchvision.models.resnet50(weights="IMAGENET1K_V2")'],
  ['torchvision.models.resnet50()', 'resnet50(weights=ResNet50_Weights.DEFAULT, progress=False)'],
  ['torchvision.models.efficientnet_b0()', 'efficientnet_b0(weights="DEFAULT")'],
  ['torchvision.models.vit_b_16()', 'vit_b_16(weights=torchvision.models.ViT_B_16_Weights.IMAGENET1K_V1)'],
];

for (const [plain, withWeights] of CASES) {
  test(`a builder given pretrained weights is the same network: ${withWeights}`, async () => {
    const [without, weighted] = await Promise.all([
      analyzeWithTorchvision(script(plain)),
      analyzeWithTorchvision(script(withWeights)),
    ]);
    const expected = without.models.find((m) => m.root);
    const got = weighted.models.find((m) => m.root);
    assert.ok(expected?.totals.macs, `the plain builder is analysed: ${JSON.stringify(without.diagnostics)}`);
    assert.ok(got, `the model with weights is reported: ${weighted.diagnostics.map((d) => d.message).join('; ')}`);
    assert.equal(got.totals.params, expected.totals.params);
    assert.equal(got.totals.macs, expected.totals.macs);
    assert.deepEqual(got.input?.shape, [8, 3, 224, 224]);
  });
}

test('from an unmodelled torch module, an imported function is an unknown value that can be called', async () => {
  const report = await analyze(
    'import torch\nfrom torch.hub import load_state_dict_from_url\nstate = load_state_dict_from_url("https://x")\n' +
      'm = torch.nn.Linear(3, 4)\nm.load_state_dict(state)\ny = m(torch.randn(2, 3))\n',
  );
  assert.deepEqual(
    report.diagnostics.filter((d) => /TypeError|NameError/.test(d.message)),
    [],
    'no TypeError for calling the import',
  );
  assert.equal(report.models[0]?.totals.params, 16);
});

test('a metaclass is inherited: its methods are the subclasses’ class methods', async () => {
  const report = await analyze(
    [
      'import enum',
      'import torch.nn as nn',
      'class Meta(enum.EnumMeta):',
      '    def from_str(cls, name):',
      '        return cls[name]',
      'class Base(enum.Enum, metaclass=Meta):',
      '    pass',
      'class Width(Base):',
      '    SMALL = 8',
      '    LARGE = 32',
      'm = nn.Linear(4, Width.from_str("LARGE").value)',
    ].join('\n') + '\n',
  );
  assert.deepEqual(
    report.diagnostics.map((d) => d.message).filter((m) => /Error/.test(m)),
    [],
  );
  assert.equal(report.models[0]?.totals.params, 4 * 32 + 32);
});
