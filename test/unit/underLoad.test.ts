// Results do not depend on the machine's load: the same analyses — a model the step budget cuts
// short, public model files, and torchvision built from its installed source — give identical
// figures, layer by layer, on an idle machine and with every core kept busy by CPU-burning child
// processes. No timing is asserted: only that the figures are the same.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, repoRoot } from '../helpers/analyzer';
import { diskFiles } from '../../server/src/core/interpreter/python/imports/moduleFinder';
import { libraryPaths } from '../differential/publicCode';
import type { FileReport } from '../../server/src/core/report/types';

const publicDir = join(repoRoot, 'test', 'fixtures', 'public');
const libraries = libraryPaths();
const hasTorchvision = libraries.some((dir) => existsSync(join(dir, 'torchvision', '__init__.py')));

const deepModel = `
import torch
import torch.nn as nn

class Deep(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(64, 64) for _ in range(2000)])

    def forward(self, x):
        for layer in self.layers:
            x = torch.relu(layer(x))
        return x

y = Deep()(torch.randn(8, 64))
`;

const torchvisionScript = `
import torch
from torchvision.models import resnet50, swin_t

a = resnet50()(torch.randn(1, 3, 224, 224))
b = swin_t()(torch.randn(1, 3, 224, 224))
`;

/** The analyses compared: a source, how it is analysed, and a name for the message. */
const cases: { name: string; run: () => Promise<FileReport> }[] = [
  { name: 'a model the step budget cuts short', run: () => analyze(deepModel, { maxSteps: 20_000 }) },
  ...['nanogpt_model.py', 'mlp_mixer.py', 'timm_vit_blocks.py'].map((file) => ({
    name: file,
    run: () => analyze(readFileSync(join(publicDir, file), 'utf8'), { file: join(publicDir, file) }),
  })),
  ...(hasTorchvision
    ? [
        {
          name: 'torchvision resnet50 and swin_t from the installed source',
          run: () =>
            analyze(torchvisionScript, {
              file: join(publicDir, 'load_check.py'),
              imports: { files: diskFiles(), paths: { workspaceRoots: [publicDir], libraryPaths: libraries } },
            }),
        },
      ]
    : []),
];

/** Every figure of every model and layer, and every diagnostic, as one comparable text. */
function figures(report: FileReport): string {
  return JSON.stringify({
    models: report.models.map((m) => ({
      name: m.name,
      totals: m.totals,
      unresolved: m.unresolved.map((u) => u.reason),
      layers: m.layers.map((l) => [l.path, l.params, l.macs, l.flops, l.activationBytes, l.outputShape]),
    })),
    diagnostics: report.diagnostics.map((d) => d.message),
  });
}

const burners: ChildProcess[] = [];

/** Keeps `count` cores busy with child processes that spin until killed. */
function burnCores(count: number): void {
  for (let i = 0; i < count; i++) burners.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

after(() => {
  for (const child of burners) if (child.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
});

test('the same analyses give identical figures on an idle and on a fully loaded machine', async () => {
  const idle: string[] = [];
  for (const c of cases) idle.push(figures(await c.run()));
  burnCores(Math.max(2, availableParallelism()));
  try {
    for (const [i, c] of cases.entries()) {
      // Two runs under load: each must match the idle run exactly.
      for (let run = 0; run < 2; run++) assert.equal(figures(await c.run()), idle[i], `${c.name} differs under load`);
    }
  } finally {
    for (const child of burners) child.kill('SIGKILL');
  }
  // The cut-short model is unknown with its reason under load too, never a partial sum.
  assert.match(idle[0], /budget exhausted/);
});
