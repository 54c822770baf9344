// `npm run package [-- --target linux-x64]`: builds, then writes the .vsix with @vscode/vsce. Everything is
// bundled into dist/, so vsce runs with --no-dependencies and .vscodeignore is an allowlist. With a
// target, that platform's onnxruntime binaries (and this machine's NVML addon, for its own platform)
// are staged first, so each platform's .vsix carries only its own; without one, the package is universal
// and small, and local profiling says that it needs a platform package.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** vsce's platform targets and the onnxruntime-node binary folder each one needs. */
const TARGETS = {
  'linux-x64': 'linux/x64',
  'linux-arm64': 'linux/arm64',
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

/** Copies `from` (under node_modules) to dist/node_modules, keeping only the files `keep` accepts. */
function copyPackage(name, keep) {
  const from = join(root, 'node_modules', name);
  cpSync(from, join(root, 'dist', 'node_modules', name), {
    recursive: true,
    filter: (path) => {
      const rel = relative(from, path).split(sep).join('/');
      return rel === '' || keep(rel, statSync(path).isDirectory());
    },
  });
}

/**
 * For a platform package: onnxruntime-node (its JavaScript and that one platform's binaries) and
 * onnxruntime-common into dist/node_modules, where dist/profileRunner.js finds them, and the NVML addon
 * when it was built for this platform. A universal package has none: local profiling then says what to install.
 */
function stageNative(target) {
  const staged = join(root, 'dist', 'node_modules');
  rmSync(staged, { recursive: true, force: true });
  if (!target) return 'universal package: no onnxruntime binaries (local profiling needs a platform package)';
  const folder = TARGETS[target];
  if (!folder) {
    console.error(`unknown --target ${target}; one of ${Object.keys(TARGETS).join(', ')}`);
    process.exit(2);
  }
  const ort = join(root, 'node_modules', 'onnxruntime-node');
  const binaries = readdirSync(join(ort, 'bin')).filter((napi) => existsSync(join(ort, 'bin', napi, folder)));
  if (!binaries.length) {
    console.error(`onnxruntime-node has no ${folder} binaries`);
    process.exit(2);
  }
  copyPackage('onnxruntime-node', (rel, dir) => {
    if (rel === 'package.json' || rel === 'dist' || /^dist\/[^/]+\.js$/.test(rel)) return true;
    if (rel === 'bin') return true;
    const parts = rel.split('/');
    if (parts[0] !== 'bin' || !binaries.includes(parts[1])) return false;
    const wanted = ['bin', parts[1], ...folder.split('/')];
    return parts.every((p, i) => i >= wanted.length || p === wanted[i]) && (dir || parts.length > wanted.length);
  });
  copyPackage('onnxruntime-common', (rel) => rel === 'package.json' || rel === 'dist' || rel.startsWith('dist/cjs'));
  const addon = existsSync(join(root, 'native', 'nvml', 'build', 'Release', 'wattlens_nvml.node'));
  return `onnxruntime ${binaries.join(', ')}/${folder} staged in dist/node_modules${addon && target === `${process.platform}-${process.arch}` ? '; NVML addon included' : ''}`;
}

/** The ignore file for this package: the allowlist, plus the NVML addon when it is this platform's. */
function ignoreFile(target) {
  const base = readFileSync(join(root, '.vscodeignore'), 'utf8');
  if (!target || target !== `${process.platform}-${process.arch}`) return join(root, '.vscodeignore');
  const file = join(root, 'dist', '.vscodeignore-target');
  writeFileSync(file, `${base}\n!native/nvml/build/Release/wattlens_nvml.node\n`);
  return file;
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
  '--ignoreFile',
  ignoreFile(target),
  '--out',
  out,
];
if (target) args.push('--target', target);
run(process.execPath, [vsce, ...args]);
const bytes = statSync(resolve(root, out)).size;
console.log(`package: ${out} weighs ${(bytes / 1e6).toFixed(2)} MB`);
