// The install stays offline-safe and quiet: onnxruntime-node's downloading install script is denied
// through package.json allowScripts (npm prints no warning for it), its CPU binaries come in the
// package, and the optional NVML addon's build reports a failure instead of failing the install.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/analyzer';
// @ts-expect-error: a plain ESM build script without type declarations.
import { buildNvmlAddon } from '../../scripts/buildNative.mjs';

test("onnxruntime-node's install script is denied in package.json, and npm says nothing about it", () => {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  assert.equal(manifest.allowScripts['onnxruntime-node'], false);
  assert.ok(
    !existsSync(join(repoRoot, '.npmrc')) || !/onnxruntime/.test(readFileSync(join(repoRoot, '.npmrc'), 'utf8')),
  );
  const npm = spawnSync('npm', ['ls', 'onnxruntime-node', '--offline'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(npm.status, 0, npm.stderr);
  assert.doesNotMatch(npm.stderr, /warn/i);
});

test('the cpu (and webgpu) binaries are in the package itself, not downloaded', () => {
  const dir = join(repoRoot, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', process.platform, process.arch);
  if (process.platform === 'linux' && process.arch === 'x64') {
    assert.ok(existsSync(join(dir, 'onnxruntime_binding.node')));
    assert.ok(existsSync(join(dir, 'libonnxruntime.so.1')));
  }
});

test('an NVML addon that cannot build is reported, never thrown: the install goes on', () => {
  const root = mkdtempSync(join(tmpdir(), 'wattlens-addon-'));
  try {
    cpSync(join(repoRoot, 'native', 'nvml', 'binding.gyp'), join(root, 'native', 'nvml', 'binding.gyp'));
    cpSync(join(repoRoot, 'native', 'nvml', 'src'), join(root, 'native', 'nvml', 'src'), { recursive: true });
    cpSync(join(repoRoot, 'node_modules', 'node-addon-api'), join(root, 'node_modules', 'node-addon-api'), {
      recursive: true,
    });
    writeFileSync(join(root, 'native', 'nvml', 'src', 'nvml.cc'), 'this is not C++\n');
    const status = buildNvmlAddon(root);
    assert.match(status, /^NVML addon: not built \(.+\); NVIDIA energy will come from nvidia-smi or an estimate$/);
    assert.ok(!existsSync(join(root, 'native', 'nvml', 'build', 'Release', 'wattlens_nvml.node')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
