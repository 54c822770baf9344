// What-if pricing (core/energy/whatIf.ts): a model's energy is its total or unknown, never the sum
// of the layers that happen to be known.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { analyze, repoRoot } from '../helpers/analyzer';
import { applyEnergy, energyContext, getProfile, loadProfiles } from '../../server/src/core/energy';
import { energyWith, modelEnergy } from '../../server/src/core/energy/whatIf';

const profiles = loadProfiles({ profilesDir: join(repoRoot, 'profiles') });

test('modelEnergy is null when one layer is unknown, never a partial sum of the known ones', async () => {
  const file = await analyze(
    [
      'import torch',
      'import torch.nn as nn',
      'import mystery',
      'class Net(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.fc = nn.Linear(16, 16)',
      '        self.odd = mystery.Block()',
      '    def forward(self, x):',
      '        return self.odd(self.fc(x))',
      'model = Net()',
      'y = model(torch.randn(2, 16))',
    ].join('\n'),
  );
  const profile = getProfile(profiles, 'nvidia-t4');
  const report = applyEnergy(
    { schema: 'wattlens.report/1', hardware: null, precision: 'fp32', files: [file] },
    { profile, precision: 'fp32' },
  );
  const net = report.files[0].models.find((m) => m.name === 'Net')!;
  assert.ok(
    net.layers.some((l) => l.energyJ !== null),
    'the Linear layer has an energy',
  );
  assert.ok(
    net.layers.some((l) => l.energyJ === null),
    'the unknown call has none',
  );
  assert.equal(modelEnergy(net), null);
  const what = energyWith(net, energyContext({ profile, precision: 'fp16' }), () => true);
  assert.equal(typeof what, 'string', 'a what-if over an unknown layer says why instead of a number');
});
