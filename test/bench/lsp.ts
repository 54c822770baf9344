// Language-server benchmark (not a test): keystroke-to-fresh-inlay-hints and hover latency on a
// synthetic 5,000-line model file, and the server's RSS after many simulated edits. Prints p50/p95.
// Run `npm run build` first, then `node --import tsx test/bench/lsp.ts [--edits N]`;
// WATTLENS_BENCH_SERIES=1 also prints every keystroke's time, in order.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Range } from 'vscode-languageserver-protocol/node';
import { TestClient } from '../lsp/client';
import { syntheticModelsFile } from './synthetic';

/** Figures the benchmark reports, in milliseconds and MiB. */
export interface LspBenchResult {
  name: string;
  lines: number;
  layerCalls: number;
  coldHintsMs: number;
  keystrokeToHints: { p50: number; p95: number; n: number };
  commentKeystrokeToHints: { p50: number; p95: number; n: number };
  hover: { p50: number; p95: number; n: number };
  /** RSS after opening, sampled every 60 edits (peak), and after the last edit. */
  rssMiB: { afterOpen: number; peak: number; afterAllEdits: number; edits: number };
}

/** The repository's workspace fixture (a package, a src/ layout), which the workspace case imports. */
const WORKSPACE = join(__dirname, '..', 'fixtures', 'workspace');

/**
 * The synthetic 5,000-line files: the core bench's many small models, one deep model, and the deep
 * model in a workspace, importing its package's network and configuration (cross-file analysis).
 */
export function benchFiles(): { name: string; text: string; workspace?: string }[] {
  return [
    { name: 'many small models (test/bench/synthetic.ts)', text: syntheticModelsFile(5000).text },
    { name: 'one model of 140 residual blocks', text: syntheticModel() },
    {
      name: 'the same in a workspace, importing its own package',
      text: workspaceModel(),
      workspace: WORKSPACE,
    },
  ];
}

/** The deep synthetic model as a script of the workspace fixture that also builds and calls its package's Net. */
function workspaceModel(): string {
  const header = [
    'import os',
    'import sys',
    'sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "src"))',
    'from models import Net',
    'from myproject.utils import Config',
    '',
  ];
  const footer = [
    '',
    'package_net = Net(Config(width=16))',
    'package_logits = package_net(torch.randn(1, 3, 64, 64))',
    '',
  ];
  return [...header, syntheticModel(), ...footer].join('\n');
}

/**
 * A 5,000-line PyTorch file: ~140 residual blocks of six conv/norm/activation triples, each its own
 * class, all stacked into one root model that the file instantiates and calls (≈2,700 layer calls).
 */
export function syntheticModel(lines = 5000): string {
  const out = ['# Synthetic WattLens benchmark model.', 'import torch', 'import torch.nn as nn', ''];
  const names: string[] = [];
  // Blocks stop early enough that the model class and its call (16 lines) always fit.
  while (out.length < lines - 50) {
    const name = `Block${names.length}`;
    names.push(name);
    out.push(
      `class ${name}(nn.Module):`,
      `    """Residual block ${names.length}."""`,
      '    def __init__(self, c=64):',
      '        super().__init__()',
    );
    for (let k = 0; k < 6; k++)
      out.push(
        `        self.conv${k} = nn.Conv2d(c, c, 3, padding=1, bias=False)`,
        `        self.bn${k} = nn.BatchNorm2d(c)`,
      );
    out.push('        self.act = nn.ReLU()', '', '    def forward(self, x):', '        y = x');
    for (let k = 0; k < 6; k++)
      out.push(
        `        y = self.act(self.bn${k}(self.conv${k}(y)))`,
        `        # step ${k}: convolution, normalisation, activation`,
      );
    out.push('        return x + y', '', '');
  }
  out.push(
    'class Big(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.stem = nn.Conv2d(3, 64, 3, padding=1)',
    `        self.blocks = nn.Sequential(${names.map((n) => `${n}()`).join(', ')})`,
    '        self.head = nn.Linear(64, 10)',
    '',
    '    def forward(self, x):',
    '        x = self.blocks(self.stem(x))',
    '        x = x.mean(dim=(2, 3))',
    '        return self.head(x)',
    '',
    '',
    'model = Big()',
    'x = torch.randn(1, 3, 32, 32)',
    'out = model(x)',
  );
  while (out.length < lines) out.push('# end of file');
  return out.slice(0, lines).join('\n') + '\n';
}

/** Runs the benchmark against `dist/server.js`. */
export async function benchLsp(
  name: string,
  text: string,
  options: { keystrokes?: number; hovers?: number; edits?: number; workspace?: string } = {},
): Promise<LspBenchResult> {
  const keystrokes = options.keystrokes ?? 48;
  const hovers = options.hovers ?? 100;
  const edits = options.edits ?? 600;
  const uri = options.workspace
    ? pathToFileURL(join(options.workspace, 'bench_synthetic.py')).href
    : 'file:///bench/synthetic.py';
  const client = await TestClient.start({}, { workspace: options.workspace });
  try {
    const doc = TextDocument.create(uri, 'python', 1, text);
    let version = 1;
    await client.open(uri, text);
    const started = performance.now();
    const all = await client.inlayHints(uri);
    const coldHintsMs = performance.now() - started;
    const afterOpen = rss(client);
    const models = (await client.conn.sendRequest('wattlens/modelReport', { uri })) as {
      root: boolean;
      layers: unknown[];
    }[];

    /** Types `chars` one at a time at (line, character), timing each keystroke until its hints arrive. */
    const type = async (line: number, character: number, chars: string): Promise<number[]> => {
      const times: number[] = [];
      for (let i = 0; i < chars.length; i++) {
        const pos = { line, character: character + i };
        const change = { range: { start: pos, end: pos }, text: chars[i] };
        TextDocument.update(doc, [change], ++version);
        const t = performance.now();
        void client.change(uri, version, [change]);
        await client.inlayHints(uri, window(line));
        times.push(performance.now() - t);
      }
      return times;
    };
    const codeLine = lineOf(text, 'nn.BatchNorm2d(', 2500);
    const codeTimes = await type(
      codeLine,
      lineLength(doc, codeLine),
      '  # typing a trailing comment on a layer line  '.repeat(2).slice(0, keystrokes),
    );
    const argLine = lineOf(doc.getText(), 'nn.BatchNorm2d(', 2600);
    const at = doc.getText().split('\n')[argLine].lastIndexOf(')');
    const argTimes = await type(argLine, at, ', eps=1e-5, momentum=0.1'.repeat(3).slice(0, keystrokes));
    if (process.env.WATTLENS_BENCH_SERIES)
      console.error(`${name}\n  code edits (ms): ${series(argTimes)}\n  comment edits (ms): ${series(codeTimes)}`);

    const hintLines = [...new Set(all.map((h) => h.position.line))];
    const hoverTimes: number[] = [];
    for (let i = 0; i < hovers; i++) {
      const line = hintLines[(i * 7919) % hintLines.length];
      const t = performance.now();
      await client.hover(uri, line, 12);
      hoverTimes.push(performance.now() - t);
    }

    let peak = 0;
    const editLine = lineOf(doc.getText(), 'nn.Conv2d(', 4000);
    for (let i = 0; i < edits; i++) {
      const pos = { line: editLine, character: 8 };
      const change =
        i % 2 === 0
          ? { range: { start: pos, end: pos }, text: ' ' }
          : { range: { start: pos, end: { line: editLine, character: 9 } }, text: '' };
      TextDocument.update(doc, [change], ++version);
      await client.change(uri, version, [change]);
      if (i % 3 === 2) await client.inlayHints(uri, window(editLine));
      if (i % 60 === 59) peak = Math.max(peak, rss(client));
    }
    await client.inlayHints(uri, window(editLine));
    return {
      name,
      lines: text.split('\n').length - 1,
      layerCalls: models.filter((m) => m.root).reduce((n, m) => n + m.layers.length, 0),
      coldHintsMs,
      keystrokeToHints: stats(argTimes),
      commentKeystrokeToHints: stats(codeTimes),
      hover: stats(hoverTimes),
      rssMiB: { afterOpen, peak, afterAllEdits: rss(client), edits },
    };
  } finally {
    await client.stop();
  }
}

function window(line: number): Range {
  return { start: { line: Math.max(0, line - 30), character: 0 }, end: { line: line + 30, character: 0 } };
}

function lineOf(text: string, needle: string, after: number): number {
  const lines = text.split('\n');
  for (let i = after; i < lines.length; i++) if (lines[i].includes(needle)) return i;
  throw new Error(`no line with ${needle}`);
}

function lineLength(doc: TextDocument, line: number): number {
  return doc.getText().split('\n')[line].length;
}

/** The server process's resident set size in MiB (Linux /proc). */
function rss(client: TestClient): number {
  try {
    const status = readFileSync(`/proc/${client.proc.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
  } catch {
    return NaN;
  }
}

function stats(times: number[]): { p50: number; p95: number; n: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: round(at(0.5)), p95: round(at(0.95)), n: times.length };
}

function series(times: number[]): string {
  return times.map((t) => t.toFixed(0)).join(' ');
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** Prints the figures as a small table. */
export function printLspBench(r: LspBenchResult): void {
  const line = (name: string, s: { p50: number; p95: number; n: number }) =>
    `  ${name.padEnd(44)} p50 ${String(s.p50).padStart(7)} ms   p95 ${String(s.p95).padStart(7)} ms   (n=${s.n})`;
  console.log(
    `language server, ${r.lines}-line synthetic file: ${r.name} (${r.layerCalls} layer calls); cold open to hints ${round(r.coldHintsMs)} ms`,
  );
  console.log(line('keystroke → fresh inlay hints (code edit)', r.keystrokeToHints));
  console.log(line('keystroke → fresh inlay hints (comment edit)', r.commentKeystrokeToHints));
  console.log(line('hover', r.hover));
  console.log(
    `  server RSS: ${round(r.rssMiB.afterOpen)} MiB after open, peak ${round(r.rssMiB.peak)} MiB (sampled every 60 edits), ${round(r.rssMiB.afterAllEdits)} MiB after ${r.rssMiB.edits} edits`,
  );
}

/** Runs the benchmark on both synthetic files and prints each. */
export async function runLspBench(options: { edits?: number } = {}): Promise<LspBenchResult[]> {
  const results: LspBenchResult[] = [];
  for (const { name, text, workspace } of benchFiles()) {
    const r = await benchLsp(name, text, { ...options, workspace });
    printLspBench(r);
    results.push(r);
  }
  return results;
}

if (require.main === module) {
  const edits = Number(process.argv[process.argv.indexOf('--edits') + 1]) || undefined;
  runLspBench({ edits }).catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
