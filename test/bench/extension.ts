// Benchmark of the extension's own load cost: requiring dist/extension.js (parse and evaluation of the
// bundle, vscode-languageclient included) in fresh Node processes, with a stand-in for the `vscode`
// module. activate(), edit → panel refresh and the 2,700-layer panel render are measured inside a real
// VS Code by the end-to-end suite (`npm run test:e2e` prints them).
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/analyzer';

/** Milliseconds to require the bundle once, in a fresh process. */
function loadOnce(bundle: string): number {
  const script = `
const Module = require('module');
const load = Module._load;
const stub = new Proxy(function () {}, { get: (_t, key) => (key === 'version' ? '1.139.0' : stub), apply: () => stub, construct: () => stub });
Module._load = function (request, ...rest) { return request === 'vscode' ? stub : load.call(this, request, ...rest); };
const started = process.hrtime.bigint();
require(${JSON.stringify(bundle)});
process.stdout.write(String(Number(process.hrtime.bigint() - started) / 1e6));`;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`loading ${bundle} failed: ${result.stderr}`);
  return Number(result.stdout);
}

/** Prints the median load time of dist/extension.js over `runs` fresh processes, and the bundle's size. */
export function runExtensionBench(runs = 15): void {
  const bundle = join(repoRoot, 'dist', 'extension.js');
  const times = Array.from({ length: runs }, () => loadOnce(bundle)).sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const kb = statSync(bundle).size / 1024;
  console.log('VS Code extension');
  console.log(
    `  require dist/extension.js (${kb.toFixed(0)} KiB, parse + evaluate), fresh process: ${median.toFixed(1)} ms (min ${times[0].toFixed(1)}, max ${times[times.length - 1].toFixed(1)})`,
  );
  console.log(
    '  activate(), edit → panel refresh, 2,700-layer panel render: measured in VS Code by `npm run test:e2e`',
  );
}
