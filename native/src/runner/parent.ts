// Starts the runner in a child process (process.execPath; in VS Code with ELECTRON_RUN_AS_NODE=1),
// relays its progress, and kills it on timeout, cancellation or exit of the caller: nothing is left running.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RunnerMessage, RunnerRequest, RunnerResult } from './protocol';
import { packageRoot } from '../paths';

/** How to start and watch the runner. */
export interface RunnerControl {
  /** Wall-clock limit for the whole measurement. */
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (message: string, fraction: number) => void;
  /** Called with the child once started (tests kill it to check the parent copes). */
  onStart?: (child: ChildProcess) => void;
}

/** The runner failed, was cancelled, or timed out: the message says which, and the child is gone. */
export class RunnerError extends Error {
  constructor(
    message: string,
    readonly reason: 'failed' | 'cancelled' | 'timeout' | 'crashed',
  ) {
    super(message);
    this.name = 'RunnerError';
  }
}

/** The runner script and the Node flags it needs: the bundle's, or the TypeScript source under tsx. */
export function runnerEntry(): { script: string; execArgv: string[] } {
  const bundled = join(packageRoot(), 'dist', 'profileRunner.js');
  if (!__filename.endsWith('.ts') && existsSync(bundled)) return { script: bundled, execArgv: [] };
  return { script: join(packageRoot(), 'native', 'src', 'runner', 'child.ts'), execArgv: ['--import', 'tsx'] };
}

/** Runs one measurement in a fresh child process. */
export function runInChild(request: RunnerRequest, control: RunnerControl): Promise<RunnerResult> {
  const { script, execArgv } = runnerEntry();
  return new Promise((resolve, reject) => {
    if (control.signal?.aborted) return reject(new RunnerError('profiling was cancelled', 'cancelled'));
    const child = fork(script, [], {
      execPath: process.execPath,
      execArgv,
      // In VS Code's extension host or language server, execPath is Electron: make it act as Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    let settled = false;
    const finish = (error: RunnerError | null, result?: RunnerResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      control.signal?.removeEventListener('abort', onAbort);
      process.removeListener('exit', onParentExit);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (error) reject(error);
      else resolve(result!);
    };
    const onAbort = () => finish(new RunnerError('profiling was cancelled; the runner was stopped', 'cancelled'));
    const onParentExit = () => child.kill('SIGKILL');
    const timer = setTimeout(
      () =>
        finish(
          new RunnerError(
            `the runner did not finish within ${(control.timeoutMs / 1000).toFixed(0)} s and was stopped`,
            'timeout',
          ),
        ),
      control.timeoutMs,
    );
    control.signal?.addEventListener('abort', onAbort);
    process.on('exit', onParentExit);
    child.on('message', (message: RunnerMessage) => {
      if (message.type === 'progress') control.onProgress?.(message.message, message.fraction);
      else if (message.type === 'result') finish(null, message.result);
      else finish(new RunnerError(message.message, 'failed'));
    });
    child.on('error', (e) => finish(new RunnerError(`the runner could not start: ${e.message}`, 'crashed')));
    child.on('exit', (code, signal) => {
      const tail = stderr.trim().split('\n').slice(-3).join(' / ');
      finish(
        new RunnerError(
          `the runner exited before reporting (${signal ? `signal ${signal}` : `code ${code}`})${tail ? `: ${tail}` : ''}`,
          'crashed',
        ),
      );
    });
    control.onStart?.(child);
    child.send(request);
  });
}
