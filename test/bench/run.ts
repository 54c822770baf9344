// `npm run bench`: medians of the analysis core's speed (cold CLI, warm file, a 5,000-line file),
// how long real PyTorch takes to count the same model with forward hooks, and the profiler's overhead.
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadParser, repoRoot } from '../helpers/analyzer';
import { analyzeSource } from '../../server/src/core/analysis/analyzeSource';
import { syntheticModelsFile } from './synthetic';
import { runLspBench } from './lsp';
import { runProfileBench } from './profile';
import { runExtensionBench } from './extension';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

function timeIt(runs: number, f: () => void): number[] {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    f();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times;
}

function coldCli(file: string): number {
  const cli = join(repoRoot, 'bin', 'wattlens.js');
  return median(
    timeIt(7, () => {
      const r = spawnSync(process.execPath, [cli, 'analyze', file, '--format', 'json'], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`cli failed: ${r.stderr}`);
    }),
  );
}

/** Peak RSS (MB) of a cold CLI process analysing `file`, read from the child's own resource usage. */
function cliPeakRss(file: string): number {
  const cli = join(repoRoot, 'bin', 'wattlens.js');
  const script = `process.argv = [process.argv[0], ${JSON.stringify(cli)}, 'analyze', ${JSON.stringify(file)}, '--format', 'json'];
process.stdout.write = () => true;
process.on('exit', () => process.stderr.write('RSS ' + process.resourceUsage().maxRSS + '\\n'));
require(${JSON.stringify(cli)});`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  const kb = Number(/RSS (\d+)/.exec(r.stderr)?.[1] ?? NaN);
  return kb / 1024;
}

function torchCount(file: string): { total: number; importOnly: number } | null {
  const python = process.env.WATTLENS_PYTHON ?? '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return null;
  const counter = join(repoRoot, 'test', 'differential', 'count_torch.py');
  const total = median(
    timeIt(3, () =>
      spawnSync(python, [counter, file], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } }),
    ),
  );
  const importOnly = median(timeIt(3, () => spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' })));
  return { total, importOnly };
}

async function main(): Promise<void> {
  const parser = await loadParser();
  const resnet = join(repoRoot, 'examples', 'resnet50.py');
  const text = readFileSync(resnet, 'utf8');
  for (let i = 0; i < 5; i++) analyzeSource(parser, text, { file: resnet }); // warm-up (JIT)
  const warm = median(timeIt(31, () => analyzeSource(parser, text, { file: resnet })));
  const big = syntheticModelsFile(5000);
  const bigTimes = timeIt(9, () => analyzeSource(parser, big.text, { file: 'synthetic.py' }));
  const cold = coldCli(resnet);
  const bigFile = join(mkdtempSync(join(tmpdir(), 'wattlens-bench-')), 'synthetic.py');
  writeFileSync(bigFile, big.text);
  const rss = cliPeakRss(bigFile);
  // A file over the 5 MB limit: read, reduced to its first 1 MB of code and analysed (test/unit/badInput.test.ts).
  const oversized = 'x = 1\n'.repeat(1_000_000);
  const oversizedTimes = timeIt(3, () => analyzeSource(parser, oversized, { file: 'oversized.py' }));
  const torch = torchCount(resnet);
  console.log('WattLens benchmark (medians)');
  console.log(`  cold CLI run, ResNet-50 file (process start included): ${fmt(cold)}   target < 400 ms`);
  console.log(`  warm analysis, ResNet-50 file:                         ${fmt(warm)}   target < 20 ms`);
  console.log(
    `  synthetic ${big.lines}-line file, ${big.models} models:          ${fmt(median(bigTimes))}   target < 250 ms`,
  );
  console.log(`  peak RSS of a CLI process analysing the synthetic file:  ${rss.toFixed(0)} MB   target < 200 MB`);
  console.log(`  a 6 MB file of 1,000,000 statements (analysed in part):  ${fmt(median(oversizedTimes))}`);
  if (torch) {
    console.log(
      `  PyTorch 1.13 counting ResNet-50 (forward + dispatch hooks, process): ${fmt(torch.total)} (of which import torch ${fmt(torch.importOnly)})`,
    );
    console.log(
      `  ratio PyTorch process / WattLens cold CLI: ${(torch.total / cold).toFixed(1)}x; PyTorch counting alone / WattLens warm: ${((torch.total - torch.importOnly) / warm).toFixed(1)}x`,
    );
  } else console.log('  PyTorch comparison skipped: /usr/bin/python3 cannot import torch');
  console.log('');
  await runLspBench();
  await runProfileBench();
  console.log('');
  runExtensionBench();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
