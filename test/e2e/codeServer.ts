// Runs code-server (VS Code itself, served to a browser) for the end-to-end tests: installs a .vsix,
// starts it headless on a free port in its own process group with all its state in a scratch folder,
// and stops it together with its extension host and the language server.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Environment } from './setup';

/** The folders that hold one code-server's state. */
export interface CodeServerDirs {
  /** Scratch root: HOME, XDG folders and TMPDIR point inside it. */
  scratch: string;
  userData: string;
  extensions: string;
}

/** Environment that keeps code-server and Chromium out of the real home folder. */
export function isolatedEnv(env: Environment, scratch: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const home = join(scratch, 'home');
  for (const dir of ['home', 'config', 'data', 'cache', 'tmp']) mkdirSync(join(scratch, dir), { recursive: true });
  return {
    PATH: `${join(env.nodeDir, 'bin')}:${process.env.PATH}`,
    HOME: home,
    XDG_CONFIG_HOME: join(scratch, 'config'),
    XDG_DATA_HOME: join(scratch, 'data'),
    XDG_CACHE_HOME: join(scratch, 'cache'),
    TMPDIR: join(scratch, 'tmp'),
    LANG: 'C.UTF-8',
    ...extra,
  };
}

/** Installs a .vsix into the extensions folder with code-server's own installer. */
export function installExtension(env: Environment, dirs: CodeServerDirs, vsix: string): void {
  const result = spawnSync(
    env.node,
    [
      env.codeServer,
      '--install-extension',
      vsix,
      '--extensions-dir',
      dirs.extensions,
      '--user-data-dir',
      dirs.userData,
    ],
    { env: isolatedEnv(env, dirs.scratch), encoding: 'utf8', timeout: 120_000 },
  );
  if (result.status !== 0) throw new Error(`installing ${vsix} failed:\n${result.stdout}\n${result.stderr}`);
}

/** Options of one code-server run. */
export interface StartOptions {
  /** Workspace trust on (false) or off (true: every folder trusted). */
  trustAll: boolean;
  /** Accept the test-runner payload in the URL (--enable-smoke-test-driver). */
  testDriver: boolean;
  /** Extra environment for the server and its extension host. */
  env?: Record<string, string>;
}

/** A running code-server. */
export class CodeServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly logFile: string,
  ) {}

  /** Starts code-server and waits until it answers /healthz. */
  static async start(env: Environment, dirs: CodeServerDirs, options: StartOptions): Promise<CodeServer> {
    const logFile = join(dirs.scratch, `code-server-${Date.now()}.log`);
    const log = openSync(logFile, 'a');
    const args = [
      env.codeServer,
      '--bind-addr',
      '127.0.0.1:0',
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      '--user-data-dir',
      dirs.userData,
      '--extensions-dir',
      dirs.extensions,
      '--config',
      join(dirs.scratch, 'config.yaml'),
    ];
    if (options.trustAll) args.push('--disable-workspace-trust');
    if (options.testDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
    const child = spawn(env.node, args, {
      env: isolatedEnv(env, dirs.scratch, options.env),
      stdio: ['ignore', log, log],
      detached: true,
    });
    closeSync(log);
    const port = await waitForPort(logFile, child, 90_000);
    const server = new CodeServer(child, port, logFile);
    await server.waitHealthy(60_000);
    return server;
  }

  /** The workbench URL for a folder, with an optional test-runner payload. */
  url(folder: string, payload?: [string, string][]): string {
    const query = new URLSearchParams({ folder });
    if (payload) query.set('payload', JSON.stringify(payload));
    return `http://127.0.0.1:${this.port}/?${query.toString()}`;
  }

  /** A path on this machine as the remote URI the extension host understands. */
  remoteUri(path: string): string {
    return `vscode-remote://127.0.0.1:${this.port}${path}`;
  }

  /** The server log so far. */
  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** Stops code-server, its extension hosts and the language servers they started (the whole process group). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || !this.child.pid) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    signalGroup(this.child.pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(this.child.pid!, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    signalGroup(this.child.pid, 'SIGKILL');
  }

  private async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        const response = await fetch(`http://127.0.0.1:${this.port}/healthz`);
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      await sleep(250);
    }
    throw new Error(`code-server did not answer /healthz within ${timeoutMs / 1000} s:\n${this.log().slice(-3000)}`);
  }
}

/** Reads the port from the log line "HTTP server listening on http://127.0.0.1:PORT/". */
async function waitForPort(logFile: string, child: ChildProcess, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = readFileSync(logFile, 'utf8');
    const match = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(text);
    if (match) return Number(match[1]);
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}:\n${text.slice(-3000)}`);
    await sleep(200);
  }
  throw new Error(
    `code-server did not start within ${timeoutMs / 1000} s:\n${readFileSync(logFile, 'utf8').slice(-3000)}`,
  );
}

/** Signals a process group, ignoring one that is gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
