// Builds the optional NVML addon (native/nvml) with node-gyp and node-addon-api. It must never fail
// an install: without a C++ toolchain or Node's headers it says why and the profiler reads NVIDIA
// energy through nvidia-smi or estimates it instead. Headers are taken from this Node's install, never downloaded.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where node-gyp is: npm's own copy (set for lifecycle scripts), else next to the npm that runs us. */
function nodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  if (process.env.npm_execpath)
    candidates.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  );
  return candidates.find((c) => c && existsSync(c));
}

/** A --nodedir whose include/node holds this Node's headers (common.gypi), so node-gyp downloads nothing. */
function nodeDir() {
  const candidates = [join(dirname(process.execPath), '..'), '/usr', '/usr/local'];
  return candidates.find(
    (dir) =>
      existsSync(join(dir, 'include', 'node', 'common.gypi')) && existsSync(join(dir, 'include', 'node', 'node_api.h')),
  );
}

function upToDate(addonDir) {
  const built = join(addonDir, 'build', 'Release', 'wattlens_nvml.node');
  if (!existsSync(built)) return false;
  const builtAt = statSync(built).mtimeMs;
  return ['binding.gyp', join('src', 'nvml.cc')].every((f) => statSync(join(addonDir, f)).mtimeMs <= builtAt);
}

/** Builds the addon if needed; returns a one-line status and never throws. */
export function buildNvmlAddon(root) {
  const addonDir = join(root, 'native', 'nvml');
  try {
    if (process.env.WATTLENS_SKIP_ADDON) return 'NVML addon: skipped (WATTLENS_SKIP_ADDON is set)';
    if (upToDate(addonDir)) return 'NVML addon: up to date';
    const gyp = nodeGyp();
    if (!gyp)
      return 'NVML addon: not built (node-gyp not found); NVIDIA energy will come from nvidia-smi or an estimate';
    const dir = nodeDir();
    if (!dir)
      return "NVML addon: not built (this Node's headers are not installed); NVIDIA energy will come from nvidia-smi or an estimate";
    const result = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${dir}`], {
      cwd: addonDir,
      encoding: 'utf8',
      timeout: 180_000,
      env: { ...process.env, npm_config_nodedir: dir },
    });
    if (result.status === 0) return 'NVML addon: built';
    // The compiler's first error says most; node-gyp's own closing lines are the fallback.
    const lines = (result.stderr || result.error?.message || '').trim().split('\n');
    const why = lines.find((l) => /\berror\b/i.test(l) && !l.startsWith('gyp')) ?? lines.slice(-3).join(' / ');
    return `NVML addon: not built (${why || `node-gyp exited with ${result.status}`}); NVIDIA energy will come from nvidia-smi or an estimate`;
  } catch (e) {
    return `NVML addon: not built (${e.message})`;
  }
}
