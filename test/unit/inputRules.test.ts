// Inputs found the way a reader finds them: the call's tensors, a `# wattlens: input=` comment (with
// dtypes), a tensor the file builds, a DataLoader's batch, the first layer's stated default; `--input`
// specs with dtypes and their bad forms; and the rule each corpus file's models take, as a table.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../helpers/analyzer';
import { parseInputSpec } from '../../server/src/core/analysis/declaredInputs';
import { parseArgs, UsageError } from '../../server/src/cli/args';
import type { ModelReport } from '../../server/src/core/report/types';

const HEAD = 'import torch\nimport torch.nn as nn\n';
const NET = `${HEAD}class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 10)
    def forward(self, x):
        return self.fc(self.pool(self.conv(x)).flatten(1))
model = Net()
`;
const modelOf = async (src: string, name = 'Net'): Promise<ModelReport> => {
  const r = await analyze(src);
  const m = r.models.find((x) => x.name === name && x.root);
  assert.ok(m, `no root ${name}: ${r.models.map((x) => x.name).join(', ')}`);
  return m;
};

describe('input rules, in the order a reader looks', () => {
  it("the call's own tensors come first", async () => {
    const m = await modelOf(`${NET}example = torch.randn(2, 3, 64, 64)\nmodel(torch.randn(1, 3, 32, 32))\n`);
    assert.deepEqual([m.input?.shape, m.input?.rule], [[1, 3, 32, 32], 'call']);
  });

  it('a declared comment wins over tensors the file builds, and may give a dtype', async () => {
    const m = await modelOf(
      `${NET.replace('model = Net()', '# wattlens: input=(4, 3, 16, 16):float16\nmodel = Net()')}example = torch.randn(2, 3, 64, 64)\n`,
    );
    assert.deepEqual([m.input?.shape, m.input?.dtype, m.input?.rule], [[4, 3, 16, 16], 'float16', 'declared']);
  });

  it('a tensor the file builds but never passes', async () => {
    const m = await modelOf(`${NET}example = torch.randn(2, 3, 64, 64)\n`);
    assert.deepEqual([m.input?.shape, m.input?.rule], [[2, 3, 64, 64], 'tensor']);
    assert.match(m.input!.source, /tensor example \(torch\.randn, line 12\)/);
    assert.ok(m.totals.macs! > 0);
  });

  it('of several tensors, the one passed later (in a function never run, like a later cell)', async () => {
    const m = await modelOf(
      `${NET}a = torch.randn(1, 3, 32, 32)\nb = torch.randn(5, 3, 32, 32)\ndef go():\n    return model(b)\n`,
    );
    assert.deepEqual(m.input?.shape, [5, 3, 32, 32]);
    assert.match(m.input!.source, /passed to the model at line 15/);
  });

  it("else the one the model's first layer accepts", async () => {
    const m = await modelOf(
      `${NET}labels = torch.randint(0, 10, (8,))\nwrong = torch.randn(1, 1, 28, 28)\nimages = torch.randn(8, 3, 32, 32)\n`,
    );
    assert.deepEqual(m.input?.shape, [8, 3, 32, 32]);
  });

  it('one batch of a DataLoader over a TensorDataset of literal shapes', async () => {
    const src = `${NET}from torch.utils.data import DataLoader, TensorDataset\nds = TensorDataset(torch.randn(100, 3, 32, 32), torch.randint(0, 10, (100,)))\nloader = DataLoader(ds, batch_size=16)\n`;
    const m = await modelOf(src);
    assert.deepEqual([m.input?.shape, m.input?.rule], [[16, 3, 32, 32], 'loader']);
    assert.match(m.input!.source, /DataLoader loader/);
  });

  it('a stated default from the first layer, shown as an assumption with its rule', async () => {
    const m = await modelOf(NET);
    assert.deepEqual([m.input?.shape, m.input?.rule], [[1, 3, 224, 224], 'assumed']);
    assert.equal(m.input!.source, 'assumed: first layer Conv2d(3, …) → 1×3×224×224 (one ImageNet-size image)');
  });

  it("Embedding: the model's own context length (a positional table), as int64 token ids", async () => {
    const src = `${HEAD}class LM(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(1000, 32)
        self.pos = nn.Embedding(64, 32)
        self.head = nn.Linear(32, 1000)
    def forward(self, idx):
        return self.head(self.tok(idx) + self.pos(torch.arange(idx.size(1))))
lm = LM()
`;
    const m = await modelOf(src, 'LM');
    assert.deepEqual([m.input?.shape, m.input?.dtype], [[1, 64], 'int64']);
    assert.match(m.input!.source, /positional table pos has 64 rows/);
  });

  it('Embedding without a context in the code: 512 tokens; an RNN: 128 steps, batch_first respected', async () => {
    const emb = await modelOf(
      `${HEAD}m = nn.Sequential(nn.Embedding(100, 8), nn.Flatten(), nn.Linear(8 * 512, 2))\n`,
      'm',
    );
    assert.deepEqual(emb.input?.shape, [1, 512]);
    const rnn = await modelOf(
      `${HEAD}class R(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(10, 20, batch_first=True)
    def forward(self, x):
        return self.rnn(x)[0]
r = R()
`,
      'R',
    );
    assert.deepEqual(rnn.input?.shape, [1, 128, 10]);
  });

  it('an Embedding fed floats stays a located error, never a guess', async () => {
    const r = await analyze(`${HEAD}m = nn.Sequential(nn.Embedding(100, 8))\nm(torch.randn(1, 4))\n`);
    assert.ok(
      r.diagnostics.some((d) => /integer|Long|int/i.test(d.message) && d.range.start.line === 3),
      r.diagnostics.map((d) => d.message).join('\n'),
    );
  });

  it('--input with a dtype feeds an Embedding its token ids', async () => {
    const r = await analyze(`${HEAD}m = nn.Sequential(nn.Embedding(100, 8))\n`, {
      input: [[2, 7]],
      inputDtypes: ['int64'],
    });
    const m = r.models.find((x) => x.name === 'm')!;
    assert.deepEqual([m.input?.shape, m.input?.dtype, m.input?.rule, m.totals.macs], [[2, 7], 'int64', 'option', 0]);
  });
});

describe('--input specs', () => {
  it('take dtypes per shape', () => {
    assert.deepEqual(parseInputSpec('20,35:int64'), { shapes: [[20, 35]], dtypes: ['int64'] });
    assert.deepEqual(parseInputSpec('(1,3,224,224),(1,77):int64'), {
      shapes: [
        [1, 3, 224, 224],
        [1, 77],
      ],
      dtypes: [undefined, 'int64'],
    });
    assert.deepEqual(parseArgs(['analyze', 'a.py', '--input', '(1,10),(1,12)']).input, [
      [1, 10],
      [1, 12],
    ]);
  });

  for (const [bad, why] of [
    ['abc', /not an integer/],
    ['1,,3', /empty dimension/],
    ['-1', /at least 1/],
    ['1,3:float99', /unknown dtype 'float99'/],
    ['(1,3)x(2)', /not a list of shapes/],
    ['', /empty/],
  ] as const) {
    it(`'${bad}': a usage error that says why`, () => {
      assert.throws(
        () => parseArgs(['analyze', 'a.py', '--input', bad]),
        (e: Error) => e instanceof UsageError && why.test(e.message),
      );
    });
  }
});

describe('which rule fires for each corpus file (table)', () => {
  const table = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'input-rules.json'), 'utf8')) as {
    files: Record<string, string[]>;
  };
  // The PyTorch corpus by file name; the Keras corpora (the project's and keras.io's examples) by folder/name.
  const corpora: [string, string][] = [
    ['pytorch', ''],
    ['keras', 'keras/'],
    ['keras-io', 'keras-io/'],
  ];
  it('matches the recorded table', async () => {
    const seen: Record<string, string[]> = {};
    for (const [folder, prefix] of corpora) {
      const dir = join(__dirname, '..', 'fixtures', folder);
      for (const f of readdirSync(dir)
        .filter((x) => x.endsWith('.py'))
        .sort()) {
        const r = await analyze(readFileSync(join(dir, f), 'utf8'), { file: f });
        seen[prefix + f] = r.models.filter((m) => m.root).map((m) => `${m.name}: ${m.input?.rule ?? 'none'}`);
      }
    }
    if (process.env.WATTLENS_WRITE_INPUT_RULES)
      writeFileSync(
        join(__dirname, '..', 'fixtures', 'input-rules.json'),
        `${JSON.stringify({ ...table, files: seen }, null, 1)}\n`,
      );
    assert.deepEqual(seen, table.files);
  });
});

describe('the editor (grouped analysis) finds the same inputs as a whole run', () => {
  it('a tensor built in its own statement reaches a model in another group', async () => {
    const { analyzeGrouped, GroupCache } = await import('../../server/src/core/analysis/groupAnalysis');
    const { loadParser } = await import('../helpers/analyzer');
    const parser = await loadParser();
    const text = `${HEAD}m1 = nn.Sequential(nn.Linear(8, 4))\nm2 = nn.Sequential(nn.Conv2d(3, 4, 3))\nx = torch.randn(2, 8)\nimg = torch.randn(5, 3, 32, 32)\nm1(x)\n`;
    const parsed = parser.parse(text, 'python');
    const grouped = analyzeGrouped(parser, parsed.root, text, { file: 'a.py' }, new GroupCache());
    assert.ok(grouped && grouped.groups > 1, 'the file is split into groups');
    const whole = await analyze(text, { file: 'a.py' });
    const inputs = (models: ModelReport[]) => models.map((m) => [m.name, m.input?.shape, m.input?.rule]);
    assert.deepEqual(inputs(grouped.report.models), inputs(whole.models));
    assert.deepEqual(inputs(whole.models)[1], ['m2', [5, 3, 32, 32], 'tensor']);
  });
});
