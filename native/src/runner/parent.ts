// Starts a child process of the profiler (process.execPath; in VS Code with ELECTRON_RUN_AS_NODE=1),
// relays its progress, and kills it on timeout, cancellation or exit of the caller: nothing is left running.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildMessage, RunnerRequest, RunnerResult } from './protocol';
import { packageRoot } from '../paths';

/** How to start and watch a child. */
export interface RunnerControl {
  /** Wall-clock limit for the whole job. */
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (message: string, fraction: number) => void;
  /** Called with the child once started (tests kill it to check the parent copes). */
  onStart?: (child: ChildProcess) => void;
}

/** The child failed, was cancelled, or timed out: the message says which, and the child is gone. */
export class RunnerError extends Error {
  constructor(
    message: string,
    readonly reason: 'failed' | 'cancelled' | 'timeout' | 'crashed',
  ) {
    super(message);
    this.name = 'RunnerError';
  }
}

/** A child's script and the Node flags it needs: the bundle's, or the TypeScript source under tsx. */
export function childEntry(bundle: string, source: string): { script: string; execArgv: string[] } {
  const bundled = join(packageRoot(), 'dist', bundle);
  if (!__filename.endsWith('.ts') && existsSync(bundled)) return { script: bundled, execArgv: [] };
  return { script: join(packageRoot(), 'native', 'src', source), execArgv: ['--import', 'tsx'] };
}

/** Forks `entry`, sends it `request`, and resolves with its result; the child never outlives the call. */
export function forkChild<T>(
  entry: { script: string; execArgv: string[] },
  request: object,
  control: RunnerControl,
  what: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    if (control.signal?.aborted) return reject(new RunnerError('profiling was cancelled', 'cancelled'));
    const child = fork(entry.script, [], {
      execPath: process.execPath,
      execArgv: entry.execArgv,
      // In VS Code's extension host or language server, execPath is Electron: make it act as Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    let settled = false;
    const finish = (error: RunnerError | null, result?: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      control.signal?.removeEventListener('abort', onAbort);
      process.removeListener('exit', onParentExit);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (error) reject(error);
      else resolve(result!);
    };
    const onAbort = () => finish(new RunnerError(`profiling was cancelled; the ${what} was stopped`, 'cancelled'));
    const onParentExit = () => child.kill('SIGKILL');
    const seconds = (control.timeoutMs / 1000).toFixed(0);
    const timer = setTimeout(
      () => finish(new RunnerError(`the ${what} did not finish within ${seconds} s and was stopped`, 'timeout')),
      control.timeoutMs,
    );
    control.signal?.addEventListener('abort', onAbort);
    process.on('exit', onParentExit);
    child.on('message', (message: ChildMessage<T>) => {
      if (message.type === 'progress') control.onProgress?.(message.message, message.fraction);
      else if (message.type === 'result') finish(null, message.value);
      else finish(new RunnerError(message.message, message.reason ?? 'failed'));
    });
    child.on('error', (e) => finish(new RunnerError(`the ${what} could not start: ${e.message}`, 'crashed')));
    child.on('exit', (code, signal) => {
      const tail = stderr.trim().split('\n').slice(-3).join(' / ');
      const how = signal ? `signal ${signal}` : `code ${code}`;
      finish(new RunnerError(`the ${what} exited before reporting (${how})${tail ? `: ${tail}` : ''}`, 'crashed'));
    });
    control.onStart?.(child);
    child.send(request as object);
  });
}

/** Runs one measurement in a fresh runner process (the only process that loads onnxruntime-node). */
export function runInChild(request: RunnerRequest, control: RunnerControl): Promise<RunnerResult> {
  return forkChild<RunnerResult>(childEntry('profileRunner.js', 'runner/child.ts'), request, control, 'runner');
}
