// The npm package works when installed (issue 13, item 12): `npm pack` ships the built CLI, the
// grammars and the profiles (not the tests), and the tarball installed into an empty folder runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { repoRoot } from '../helpers/analyzer';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

test('npm pack ships dist/, grammars/ and profiles/, and the installed tarball analyses a model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wattlens-pack-'));
  try {
    // The build already ran (npm test builds first): pack what is there, without running it again.
    const pack = spawnSync(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    assert.equal(pack.status, 0, pack.stderr);
    const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    const files = info.files.map((f) => f.path);
    for (const needed of [
      'bin/wattlens.js',
      'dist/cli.js',
      'dist/server.js',
      'grammars/tree-sitter-python.wasm',
      'grammars/web-tree-sitter.wasm',
      'profiles/hardware/nvidia-t4.json',
      'profiles/models/vision-cnns.json',
    ])
      assert.ok(files.includes(needed), `${needed} is packed`);
    assert.ok(!files.some((f) => f.startsWith('test/') || f.startsWith('server/src/')), 'tests and sources stay out');
    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    const install = spawnSync(
      npm,
      ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', join(dir, info.filename)],
      { cwd: app, encoding: 'utf8' },
    );
    assert.equal(install.status, 0, install.stderr);
    const bin = join(app, 'node_modules', '.bin', 'wattlens');
    const version = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    assert.equal(version.status, 0, version.stderr);
    const fixture = join(repoRoot, 'test', 'fixtures', 'pytorch', 'resnet18.py');
    const run = spawnSync(bin, ['analyze', fixture, '--format', 'json'], { cwd: app, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const model = JSON.parse(run.stdout).files[0].models.find((m: { name: string }) => m.name === 'ResNet18');
    assert.equal(model.totals.params, 11689512);
    assert.ok(readdirSync(join(app, 'node_modules', 'wattlens', 'grammars')).includes('tree-sitter-python.wasm'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
