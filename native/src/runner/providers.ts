// Which onnxruntime execution provider runs the model: cuda when its provider libraries and an NVIDIA
// driver are present, then webgpu, dml (Windows), coreml (macOS), cpu — each with why it was or was not used.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Execution providers the profiler knows, in the order `auto` tries them. */
export const PROVIDER_ORDER = ['cuda', 'webgpu', 'dml', 'coreml', 'cpu'] as const;
export type ProviderName = (typeof PROVIDER_ORDER)[number];

/** What `--ep` accepts. */
export type ProviderRequest = 'auto' | ProviderName;

/** One provider's fate in this run. */
export interface ProviderStatus {
  name: ProviderName;
  status: 'used' | 'unavailable' | 'failed' | 'not tried';
  reason: string;
}

/** The machine facts the static checks read (injectable for tests). */
export interface ProviderEnvironment {
  platform: NodeJS.Platform;
  arch: string;
  /** The folder holding onnxruntime-node's native binding and libraries. */
  bindingDir: string | null;
  /** Backends the binding reports (`listSupportedBackends()`), with whether they are bundled. */
  backends: { name: string; bundled: boolean }[];
  exists(path: string): boolean;
}

/** The providers to try, in order, for a request: `auto` tries all; an explicit one falls back to cpu. */
export function providerCandidates(request: ProviderRequest): ProviderName[] {
  if (request === 'auto') return [...PROVIDER_ORDER];
  return request === 'cpu' ? ['cpu'] : [request, 'cpu'];
}

/** Why a provider cannot be tried on this machine, or null when it can. */
export function unavailableReason(name: ProviderName, env: ProviderEnvironment): string | null {
  const backend = env.backends.find((b) => b.name === name);
  switch (name) {
    case 'cpu':
      return null;
    case 'dml':
      return env.platform === 'win32' ? (backend ? null : 'not in this onnxruntime-node build') : 'Windows only';
    case 'coreml':
      return env.platform === 'darwin' ? (backend ? null : 'not in this onnxruntime-node build') : 'macOS only';
    case 'webgpu':
      return backend ? null : `not in onnxruntime-node's ${env.platform}-${env.arch} build`;
    case 'cuda':
      return cudaReason(env);
  }
}

function cudaReason(env: ProviderEnvironment): string | null {
  if (!(env.platform === 'linux' || env.platform === 'win32') || env.arch !== 'x64')
    return `onnxruntime-node has no CUDA provider for ${env.platform}-${env.arch}`;
  const library = env.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  if (!env.bindingDir || !env.exists(join(env.bindingDir, library)))
    return (
      `its provider libraries are not installed (${library} is fetched by onnxruntime-node's install script, ` +
      'which this project skips; run `ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install` ' +
      'where the NuGet feed is reachable; CUDA 12 and cuDNN 9 must be installed too)'
    );
  if (env.platform === 'linux' && !env.exists('/proc/driver/nvidia/version'))
    return 'no NVIDIA driver is loaded (/proc/driver/nvidia/version is missing)';
  return null;
}

/** The real machine's facts, with onnxruntime-node's binding folder found from where it resolves. */
export function machineEnvironment(backends: { name: string; bundled: boolean }[]): ProviderEnvironment {
  let bindingDir: string | null = null;
  try {
    const pkg = dirname(require.resolve('onnxruntime-node/package.json'));
    bindingDir = join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    bindingDir = null;
  }
  return {
    platform: process.platform,
    arch: process.arch,
    bindingDir,
    backends,
    exists: existsSync,
  };
}
