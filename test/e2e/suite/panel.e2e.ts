// Extension-host tests of the profiling panel in a real VS Code: the panel's data (every figure from the
// server), each suggestion being a code action the editor offers at its anchor, refresh after an edit,
// the 2,700-layer model, compare, malformed messages into the webview; and the timings of edit → panel
// refresh and of rendering the 2,700-layer model.
/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { CompareReportRequest, type CompareResult } from '../../../server/src/protocol';
import { COMMANDS } from '../../../client/src/commands';
import type { ProfileOutcome } from '../../../client/src/profiling';
import type { ProfilingPanel, RenderRecord } from '../../../client/src/panel/panelManager';
import { median, openEditor, recordTiming, waitFor, wattlens, workspaceUri } from './helpers';

/** Opens the panel of a workspace file and waits for its first render. */
async function openPanel(name: string): Promise<ProfilingPanel> {
  const editor = await openEditor(name);
  const api = await wattlens();
  const key = await vscode.commands.executeCommand<string>(COMMANDS.openProfilingPanel, editor.document.uri);
  const panel = api.panels.get(key);
  assert.ok(panel, `a panel for ${key}`);
  await waitFor(`the panel of ${name} to render`, () => panel.lastRender, 120_000);
  return panel;
}

/** Resolves with the next render of a report newer than `version`. */
function nextRender(panel: ProfilingPanel, version: number): Promise<RenderRecord> {
  return new Promise((resolve) => {
    const listener = panel.onDidRender((record) => {
      if (record.version > version) {
        listener.dispose();
        resolve(record);
      }
    });
  });
}

describe('The profiling panel', () => {
  it('receives the model report, per-layer CO2e and roofline coordinates, and the roofs of the device', async () => {
    const panel = await openPanel('model.py');
    const report = panel.current!;
    const model = report.models.find((m) => m.name === 'SmallNet')!;
    assert.ok(model.root);
    assert.equal(model.layers.length, 8);
    const conv2 = model.layers.find((l) => l.path === 'conv2')!;
    assert.equal(conv2.macs, 603_979_776);
    assert.ok(conv2.energyJ! > 0 && conv2.co2eG! > 0);
    assert.ok(conv2.intensity! > 0 && conv2.attainedFlopsPerSecond! > 0);
    assert.equal(conv2.location?.uri, workspaceUri('model.py').toString());
    assert.equal(conv2.location?.range.start.line, 11);
    assert.ok(report.roofline && report.roofline.peakFlopsPerSecond === 8.1e12);
    assert.equal(report.settings.hardware, 'nvidia-t4');
    assert.equal(report.measured, null);
    assert.match(report.measuredNote, /Profile Model Locally/);
    const layerSum = model.layers.reduce((sum, l) => sum + l.energyJ!, 0);
    assert.ok(
      Math.abs(layerSum - model.totals.energyJ!) < 1e-9 * Math.max(1, layerSum),
      'the layers add up to the total',
    );
  });

  it('lists every suggestion with its price, each offered by the editor at its anchor under the same title', async () => {
    const panel = await openPanel('model.py');
    const advice = panel.current!.advice.filter((a) => a.type === 'action');
    assert.ok(advice.length >= 3, advice.map((a) => a.title).join('\n'));
    assert.ok(advice.some((a) => /bias=False/.test(a.title)));
    assert.ok(
      advice.some((a) => /quantization|autocast|prun/i.test(a.title) && /%/.test(a.title)),
      'a priced rewrite',
    );
    for (const item of advice) {
      const { start, end } = item.anchor!.range;
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        vscode.Uri.parse(item.anchor!.uri),
        new vscode.Range(start.line, start.character, end.line, end.character),
      );
      assert.ok(
        actions.some((a) => a.title === item.title),
        `the editor offers "${item.title}" at its anchor`,
      );
    }
  });

  it('refreshes after each edit; the time from edit to the redrawn panel is recorded', async () => {
    const panel = await openPanel('model.py');
    const editor = await openEditor('model.py');
    const samples: number[] = [];
    for (let i = 0; i < 12; i++) {
      const version = panel.lastRender!.version;
      const rendered = nextRender(panel, version);
      const started = performance.now();
      const width = 64 + ((i % 3) + 1) * 16;
      const line = editor.document.lineAt(14);
      assert.match(line.text, /self\.fc = nn\.Linear/);
      await editor.edit((b) => b.replace(line.range, `        self.fc = nn.Linear(64, ${width})`));
      const record = await rendered;
      samples.push(performance.now() - started);
      const fc = panel.current!.models[0].layers.find((l) => l.path === 'fc')!;
      assert.equal(fc.params, 64 * width + width, 'the panel shows the edited layer');
      assert.ok(record.ms >= 0);
    }
    await editor.edit((b) => b.replace(editor.document.lineAt(14).range, '        self.fc = nn.Linear(64, classes)'));
    await editor.document.save();
    recordTiming(
      'edit → panel redrawn (model.py, 8 layers)',
      samples,
      'ms',
      'edit applied in the extension host until the webview reports the redraw',
    );
  });

  it('draws the 2,700-layer model and records how long the report and the render take', async () => {
    const panel = await openPanel('big_model.py');
    const model = panel.current!.models.find((m) => m.root)!;
    assert.ok(model.layers.length >= 2700, `${model.layers.length} layers`);
    assert.ok(panel.lastRender!.layers >= 2700);
    const render: number[] = [];
    const roundTrip: number[] = [];
    for (let i = 0; i < 7; i++) {
      const version = panel.lastRender!.version;
      const started = performance.now();
      const next = new Promise<RenderRecord>((resolve) => {
        const listener = panel.onDidRender((r) => {
          listener.dispose();
          resolve(r);
        });
      });
      await panel.refresh();
      const record = await next;
      assert.equal(record.version, version);
      render.push(record.ms);
      roundTrip.push(performance.now() - started);
    }
    recordTiming(
      'panel render of the 2,700-layer model (webview: message → drawn)',
      render,
      'ms',
      `${model.layers.length} layers`,
    );
    recordTiming(
      'panel refresh of the 2,700-layer model (request → drawn)',
      roundTrip,
      'ms',
      'wattlens/panelReport + transfer + render',
    );
    assert.ok(median(render) > 0);
  });

  it('refreshes the 2,700-layer panel after an edit in one block', async () => {
    const panel = await openPanel('big_model.py');
    const editor = await openEditor('big_model.py');
    const samples: number[] = [];
    const line = editor.document.lineAt(4);
    assert.match(line.text, /class Block0/);
    for (let i = 0; i < 5; i++) {
      const target = editor.document.lineAt(8);
      assert.match(target.text, /self\.conv0 = nn\.Conv2d\(c, c, [35]/);
      const rendered = nextRender(panel, panel.lastRender!.version);
      const started = performance.now();
      await editor.edit((b) =>
        b.replace(
          target.range,
          `        self.conv0 = nn.Conv2d(c, c, ${i % 2 ? 3 : 5}, padding=${i % 2 ? 1 : 2}, bias=False)`,
        ),
      );
      await rendered;
      samples.push(performance.now() - started);
    }
    await vscode.commands.executeCommand('workbench.action.files.revert');
    recordTiming(
      'edit → panel redrawn (2,700-layer model)',
      samples,
      'ms',
      'an edit in one block of the 5,000-line model',
    );
  });

  it('compares the model on two profiles and precisions with ratios the server computed', async () => {
    const api = await wattlens();
    const result = await api.server.request<object, CompareResult | null>(CompareReportRequest.type, {
      uri: workspaceUri('model.py').toString(),
      model: 'SmallNet',
      a: { hardware: 'nvidia-t4', precision: 'fp32' },
      b: { hardware: 'nvidia-h100-sxm', precision: 'bf16' },
    });
    assert.ok(result);
    assert.ok(result.a.energyJ! > 0 && result.b.energyJ! > 0);
    assert.ok(Math.abs(result.ratios.energy! - result.b.energyJ! / result.a.energyJ!) < 1e-9);
    const unknown = await api.server.request<object, CompareResult | null>(CompareReportRequest.type, {
      uri: workspaceUri('model.py').toString(),
      model: 'SmallNet',
      a: { hardware: 'nvidia-t4', precision: 'fp32' },
      b: { hardware: 'nvidia-t4', precision: 'bf16' },
    });
    assert.equal(unknown?.b.energyJ, null, 'the T4 has no bf16 peak: unknown, never 0');
    assert.ok(unknown?.b.note);
    assert.equal(unknown?.ratios.energy, null);
  });

  it('profiles the model with onnxruntime and shows the measurement beside the estimate in its panel', async () => {
    const panel = await openPanel('model.py');
    assert.equal(panel.current!.measured, null);
    assert.match(panel.current!.measuredNote, /Profile Model Locally/);
    const outcome = await vscode.commands.executeCommand<ProfileOutcome>(COMMANDS.profileModel, {
      uri: workspaceUri('model.py').toString(),
      model: 'SmallNet',
    });
    assert.ok(outcome.ok, outcome.message);
    assert.equal(outcome.report!.models[0].name, 'SmallNet');
    assert.equal(outcome.report!.executionProvider, 'cpu');
    const measured = await waitFor('the measurement in the panel', () => panel.current?.measured ?? undefined, 60_000);
    assert.match(measured.summary, /^onnxruntime [\d.]+ on cpu/);
    assert.equal(measured.stale, false);
    const model = measured.models[0];
    assert.equal(model.name, 'SmallNet');
    assert.match(model.measured.latency, /^[\d.]+ (ms|µs|s)$/);
    assert.match(model.estimated.latency, /^[\d.]+ (ms|µs|s)$/);
    assert.ok(model.layers.length > 0 && model.layers.some((l) => l.path === 'conv2'));
    assert.match(measured.meter, /energy/);
  });

  it('ignores malformed messages in the webview with a clear message and keeps drawing good ones', async () => {
    const panel = await openPanel('model.py');
    const before = panel.problems.length;
    panel.send({ type: 'report', report: { uri: 1 } });
    panel.send('not an object');
    panel.send({ type: 'nonsense' });
    await waitFor('the webview to report the malformed messages', () => panel.problems.length >= before + 3);
    assert.ok(
      panel.problems.slice(before).every((p) => /malformed/.test(p)),
      panel.problems.join('\n'),
    );
    const version = panel.lastRender!.version;
    const rendered = new Promise<RenderRecord>((resolve) => {
      const listener = panel.onDidRender((r) => {
        listener.dispose();
        resolve(r);
      });
    });
    await panel.refresh();
    assert.equal((await rendered).version, version, 'a good report is drawn again after the bad ones');
  });
});
