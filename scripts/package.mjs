// `npm run package [-- --target linux-x64]`: builds, then writes the .vsix with @vscode/vsce. Everything is
// bundled into dist/, so vsce runs with --no-dependencies and .vscodeignore is an allowlist. With a
// target, the platform's native files (onnxruntime's binaries, once local profiling ships them) are
// copied into dist/native/ first, so each platform's .vsix carries only its own.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** vsce's platform targets and the onnxruntime-node binary folder each one needs. */
const TARGETS = {
  'linux-x64': 'linux/x64',
  'linux-arm64': 'linux/arm64',
  'darwin-x64': 'darwin/x64',
  'darwin-arm64': 'darwin/arm64',
  'win32-x64': 'win32/x64',
  'win32-arm64': 'win32/arm64',
};

function argument(name) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Copies onnxruntime-node's binaries for one platform into dist/native/, when the package is installed. */
function stageNative(target) {
  const staged = join(root, 'dist', 'native');
  rmSync(staged, { recursive: true, force: true });
  if (!target) return 'universal package: no native binaries';
  const folder = TARGETS[target];
  if (!folder) {
    console.error(`unknown --target ${target}; one of ${Object.keys(TARGETS).join(', ')}`);
    process.exit(2);
  }
  const ortRoot = join(root, 'node_modules', 'onnxruntime-node', 'bin');
  if (!existsSync(ortRoot))
    return `onnxruntime-node is not installed: the ${target} package carries no native binaries`;
  const napi = existsSync(ortRoot) ? spawnSync('ls', [ortRoot], { encoding: 'utf8' }).stdout.trim().split('\n') : [];
  let copied = 0;
  for (const version of napi) {
    const source = join(ortRoot, version, folder);
    if (!existsSync(source)) continue;
    mkdirSync(join(staged, 'onnxruntime', version), { recursive: true });
    cpSync(source, join(staged, 'onnxruntime', version, folder), { recursive: true });
    copied++;
  }
  return copied
    ? `onnxruntime binaries for ${target} staged in dist/native/`
    : `onnxruntime-node has no ${folder} binaries`;
}

const target = argument('--target');
run(process.execPath, [join(root, 'scripts', 'build.mjs')]);
console.log(`package: ${stageNative(target)}`);
const out = argument('--out') ?? `${manifest.name}-${manifest.version}${target ? `-${target}` : ''}.vsix`;
const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
const args = [
  'package',
  '--no-dependencies',
  '--allow-missing-repository',
  '--skip-license',
  '--no-rewrite-relative-links',
  '--out',
  out,
];
if (target) args.push('--target', target);
run(process.execPath, [vsce, ...args]);
const bytes = statSync(resolve(root, out)).size;
console.log(`package: ${out} weighs ${(bytes / 1e6).toFixed(2)} MB`);
