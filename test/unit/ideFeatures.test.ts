// The editor features at the ide/ level, without a server process: inlay hints, hovers, code lenses
// and diagnostics built from an analysis and a profile, checked against the report they show (a figure
// shown in two places is the same figure) and for the cases where a figure is unknown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, repoRoot } from '../helpers/analyzer';
import { getProfile, loadProfiles } from '../../server/src/core/energy';
import type { LayerReport } from '../../server/src/core/report/types';
import { estimate, type View } from '../../server/src/ide/view';
import { DEFAULT_SETTINGS, type Settings } from '../../server/src/ide/settings';
import { textSource } from '../../server/src/ide/sources';
import { inlayHintItems } from '../../server/src/ide/hints/inlayHints';
import { hoverItem } from '../../server/src/ide/hints/hover';
import { codeLensItems } from '../../server/src/ide/hints/codeLens';
import { layerLines, lineCosts } from '../../server/src/ide/hints/layerIndex';
import { findingItems } from '../../server/src/ide/advice/diagnostics';

const profiles = loadProfiles({ profilesDir: join(repoRoot, 'profiles') });
const resnet18 = readFileSync(join(repoRoot, 'test', 'fixtures', 'pytorch', 'resnet18.py'), 'utf8');

/** The view the editor shows for `text` on `hardware`, built as the language server builds it. */
async function viewOf(text: string, settings: Partial<Settings> = {}, hardware = 'nvidia-t4'): Promise<View> {
  const all = { ...DEFAULT_SETTINGS, ...settings };
  const file = await analyze(text, { file: 'model.py', precision: all.precision });
  const analysis = {
    source: textSource('file:///model.py', 1, text),
    options: { precision: all.precision, batch: all.batchSize },
    file,
    root: null,
    ms: 0,
  };
  return estimate(analysis, hardware ? getProfile(profiles, hardware) : null, all);
}

/** The number a label shows for `unit` ("1.23 GFLOPs" → 1.23e9), or null when it shows "?". */
function shown(label: string, unit: string): number | null {
  const match = new RegExp(`(\\?|-?[\\d.]+)\\s*([kMGTP]?)${unit}`).exec(label);
  assert.ok(match, `"${label}" shows no ${unit}`);
  if (match[1] === '?') return null;
  const scale = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 }[match[2]]!;
  return Number(match[1]) * scale;
}

/** Whether `shownValue` is `exact` to the three significant digits a label keeps. */
function sameToThreeDigits(shownValue: number | null, exact: number | null): boolean {
  if (shownValue === null || exact === null) return shownValue === exact;
  return Math.abs(shownValue - exact) <= Math.abs(exact) * 0.005 + 1e-12;
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((line) => line.includes(needle));

test('inlay hints: one per line that defines or calls layers, showing the FLOPs of exactly those layers', async () => {
  const view = await viewOf(resnet18);
  const hints = inlayHintItems(view, 0, 10_000, 'layers');
  const model = view.file.models.find((m) => m.root)!;
  // Every line a layer lands on (its definition's and its call's last line) has exactly one hint.
  const expectedLines = new Set(model.layers.flatMap(layerLines));
  assert.deepEqual(
    [...new Set(hints.map((h) => h.line))].sort((a, b) => a - b),
    [...expectedLines].sort((a, b) => a - b),
  );
  assert.equal(new Set(hints.map((h) => h.line)).size, hints.length, 'one hint per line');
  for (const hint of hints) {
    const onLine = model.layers.filter((l) => layerLines(l).includes(hint.line));
    const flops = onLine.reduce((sum, l) => sum + l.flops!, 0);
    assert.ok(sameToThreeDigits(shown(hint.label, 'FLOPs'), flops), `line ${hint.line + 1}: ${hint.label} vs ${flops}`);
    assert.ok(hint.tooltip.includes(model.name), hint.tooltip);
  }
  // The conv1 definition line carries conv1's cost and its share of the model's energy.
  const conv1 = model.layers.find((l) => l.path === 'conv1')!;
  const hint = hints.find((h) => h.line === conv1.range.end.line)!;
  assert.match(hint.label, /%/);
});

test('inlay hints: a range asks only for its lines; "totals" gives one per model; "off" none', async () => {
  const view = await viewOf(resnet18);
  const all = inlayHintItems(view, 0, 10_000, 'layers');
  const from = all[2].line;
  const to = all[5].line;
  assert.deepEqual(
    inlayHintItems(view, from, to, 'layers'),
    all.filter((h) => h.line >= from && h.line <= to),
  );
  assert.deepEqual(inlayHintItems(view, 0, 10_000, 'off'), []);
  const totals = inlayHintItems(view, 0, 10_000, 'totals');
  const roots = view.file.models.filter((m) => m.root);
  assert.equal(totals.length, roots.length);
  assert.equal(totals[0].line, roots[0].range.start.line);
  assert.ok(sameToThreeDigits(shown(totals[0].label, 'MACs'), roots[0].totals.macs));
});

test('an inlay hint says "?" with the reason where a layer cost is unknown', async () => {
  const text = [
    'import torch',
    'import torch.nn as nn',
    'import mystery',
    '',
    'class Net(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.fc = nn.Linear(8, 4)',
    '',
    '    def forward(self, x):',
    '        return mystery.transform(self.fc(x))',
    '',
    'net = Net()',
    'y = net(torch.randn(2, 8))',
    '',
  ].join('\n');
  const view = await viewOf(text);
  const line = lineOf(text, 'mystery.transform');
  const hint = inlayHintItems(view, 0, 100, 'layers').find((h) => h.line === line);
  assert.ok(hint, 'a hint on the line of the unknown call');
  assert.equal(hint.label, '?');
  assert.match(hint.tooltip, /Cost unknown: .*mystery/);
  // The model's totals are unknown too (never a partial sum), and the lens says so.
  const lens = codeLensItems(view)[0];
  assert.match(lens.title, /\? MACs/);
});

test('hover on a layer call: its path, op and the figures of its report row', async () => {
  const view = await viewOf(resnet18);
  const model = view.file.models.find((m) => m.root)!;
  const fc = model.layers.find((l) => l.path === 'fc')!;
  const call = fc.callRange!;
  const hover = hoverItem(view, call.start.line, call.start.character + 1)!;
  assert.ok(hover, 'a hover on the fc call');
  assert.deepEqual(hover.range, call);
  assert.match(hover.markdown, /\*\*`fc`\*\* · Linear · in \*\*ResNet/);
  assert.ok(hover.markdown.includes(fc.params!.toLocaleString('en-US')), 'the exact parameter count');
  assert.ok(sameToThreeDigits(shown(hover.markdown, 'MACs'), fc.macs));
  assert.match(hover.markdown, /nvidia-t4/);
  assert.match(hover.markdown, /How obtained/);
});

test('hover on the model class line shows its totals; on a blank line nothing', async () => {
  const view = await viewOf(resnet18);
  const model = view.file.models.find((m) => m.root)!;
  const hover = hoverItem(view, model.range.start.line, 0)!;
  assert.match(hover.markdown, new RegExp(`\\*\\*${model.name}\\*\\* · pytorch`));
  assert.ok(hover.markdown.includes(model.totals.params!.toLocaleString('en-US')));
  const blank = resnet18.split('\n').findIndex((line, i) => i > 5 && line.trim() === '');
  assert.equal(hoverItem(view, blank, 0), undefined);
});

test('code lenses: a summary and "Profile locally" above each root model, with the report totals', async () => {
  const view = await viewOf(resnet18);
  const roots = view.file.models.filter((m) => m.root);
  const lenses = codeLensItems(view);
  assert.equal(lenses.length, 2 * roots.length);
  const [summary, profile] = lenses;
  assert.equal(summary.range.start.line, roots[0].range.start.line);
  assert.ok(sameToThreeDigits(shown(summary.title, 'MACs'), roots[0].totals.macs), summary.title);
  assert.match(summary.title, /on nvidia-t4 \(fp32\)/);
  assert.deepEqual(profile, { range: summary.range, title: 'Profile locally', profileModel: roots[0].name });
  // Another precision and batch show in the lens: the same view machinery, other settings.
  const fp16 = codeLensItems(await viewOf(resnet18, { precision: 'fp16', batchSize: 8 }))[0];
  assert.match(fp16.title, /batch of 8\b/);
  assert.match(fp16.title, /on nvidia-t4 \(fp16\)/);
});

test('without a profile, energy is "?" with the reason, and the FLOPs still show', async () => {
  const view = await viewOf(resnet18, {}, '');
  assert.equal(view.energyNote, 'no hardware profile is loaded');
  const hint = inlayHintItems(view, 0, 10_000, 'layers')[0];
  assert.match(hint.label, /FLOPs · \? J/);
  assert.match(hint.tooltip, /no hardware profile is loaded/);
  assert.match(codeLensItems(view)[0].title, /\? J .*on no profile.*no hardware profile is loaded/);
});

test('lineCosts groups the layers of a line within one model, with null as soon as one is unknown', async () => {
  const view = await viewOf(resnet18);
  for (const cost of lineCosts(view).values()) {
    const flops = cost.layers.map((l: LayerReport) => l.flops);
    const sum = flops.includes(null) ? null : flops.reduce((a, b) => a! + b!, 0);
    assert.equal(cost.flops, sum);
    assert.ok(cost.layers.every((l) => cost.model.layers.includes(l)));
  }
});

test('diagnostics: a shape mismatch is a warning on its line; a syntax error is an error', async () => {
  const mismatch = [
    'import torch',
    'import torch.nn as nn',
    'model = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(30, 5))',
    'y = model(torch.randn(4, 10))',
    '',
  ].join('\n');
  const found = findingItems(await viewOf(mismatch));
  const shape = found.find((f) => f.code === 'shape-mismatch');
  assert.ok(shape, JSON.stringify(found));
  assert.equal(shape.severity, 'warning');
  assert.match(shape.message, /20|30/);
  const syntax = findingItems(await viewOf('import torch\ndef broken(:\n'));
  assert.ok(
    syntax.some((f) => f.code === 'syntax' && f.severity === 'error'),
    JSON.stringify(syntax),
  );
  // ResNet-18 as written has no warnings or errors: advice is information or hints only.
  const clean = findingItems(await viewOf(resnet18));
  assert.deepEqual(
    clean.filter((f) => f.severity === 'error' || f.severity === 'warning'),
    [],
  );
});

test('diagnostics: a layer taking most of the energy is called out, with the share its energy gives', async () => {
  const text = [
    'import torch',
    'import torch.nn as nn',
    '',
    'class Heavy(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.small = nn.Linear(16, 16)',
    '        self.big = nn.Linear(16, 4096)',
    '        self.act = nn.ReLU()',
    '',
    '    def forward(self, x):',
    '        return self.act(self.big(self.small(x)))',
    '',
    'model = Heavy()',
    'y = model(torch.randn(64, 16))',
    '',
  ].join('\n');
  const view = await viewOf(text);
  const model = view.file.models.find((m) => m.root)!;
  const total = model.layers.reduce((sum, l) => sum + l.energyJ!, 0);
  const hotspots = findingItems(view).filter((f) => f.code === 'energy-hotspot');
  const expected = model.layers.filter((l) => l.energyJ! / total > 0.4);
  assert.ok(expected.length > 0, 'one layer dominates this model');
  assert.deepEqual(
    hotspots.map((f) => f.range),
    expected.map((l) => l.range),
  );
  for (const [i, layer] of expected.entries()) {
    const share = Number(/takes (\d+(?:\.\d+)?)%/.exec(hotspots[i].message)![1]) / 100;
    assert.ok(Math.abs(share - layer.energyJ! / total) < 0.01, hotspots[i].message);
    assert.ok(hotspots[i].message.includes(`\`${layer.path}\` (${layer.op})`), hotspots[i].message);
  }
});

test("hints of nn.TransformerEncoder's parts sit on the lines that build and call it, not at torch's own lines", async () => {
  const text = [
    'import torch',
    'import torch.nn as nn',
    '',
    'class Encoder(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        layer = nn.TransformerEncoderLayer(d_model=64, nhead=4, dim_feedforward=128, batch_first=True)',
    '        self.encoder = nn.TransformerEncoder(layer, num_layers=2)',
    '',
    '    def forward(self, x):',
    '        return self.encoder(x)',
    '',
    'model = Encoder()',
    'y = model(torch.randn(2, 10, 64))',
    '',
  ].join('\n');
  const view = await viewOf(text);
  const model = view.file.models.find((m) => m.root)!;
  const built = lineOf(text, 'nn.TransformerEncoderLayer(');
  const called = lineOf(text, 'return self.encoder(x)');
  // Every layer of the encoder (attention, feed-forward, norms, dropouts) is built on the layer's line and
  // called on the encoder's; the prelude that models them has lines of its own that must not show.
  const lines = new Set(inlayHintItems(view, 0, 100, 'layers').map((hint) => hint.line));
  assert.deepEqual(
    [...lines].sort((a, b) => a - b),
    [built, called],
  );
  assert.ok(model.layers.some((l) => l.op === 'MultiheadAttention' && l.range.end.line === built));
  // The attention row counts out_proj's weights, as torch's layer.parameters() does: 4 × (64 × 64 + 64).
  const attention = model.layers.find((l) => l.op === 'MultiheadAttention')!;
  assert.equal(attention.params, 4 * (64 * 64 + 64));
});
