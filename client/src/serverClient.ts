// Starts the WattLens language server (dist/server.js over IPC) with vscode-languageclient, restarts it
// when it dies (with a notice, and no crash loop: it gives up after a few crashes, offering "Restart"),
// and logs to the "WattLens" output channel.
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  State,
  TransportKind,
  type ErrorHandler,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import type { ClientInitializationOptions } from '../../server/src/protocol';
import { CrashPolicy } from './crashPolicy';

/** Documents the server reads: Python files and notebook cells, TS/JS files (TF.js). */
export const DOCUMENT_SELECTOR = [
  { scheme: 'file', language: 'python' },
  { scheme: 'untitled', language: 'python' },
  { scheme: 'file', language: 'typescript' },
  { scheme: 'file', language: 'javascript' },
  { notebook: 'jupyter-notebook', language: 'python' },
];

/** The running language client and what the rest of the extension needs from it. */
export class ServerClient implements vscode.Disposable {
  private readonly client: LanguageClient;
  private readonly crashes = new CrashPolicy();
  private readonly stateEmitter = new vscode.EventEmitter<void>();
  /** Fires whenever the client starts or stops (the status bar shows it). */
  readonly onDidChangeState = this.stateEmitter.event;
  /** Automatic restarts since activation (read by the tests). */
  restarts = 0;
  /** True after the client stopped restarting a server that kept crashing (until Restart Server). */
  gaveUp = false;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly output: vscode.LogOutputChannel,
  ) {
    this.client = this.create();
  }

  /** The client while the server runs; undefined before it started or after it gave up. */
  get languageClient(): LanguageClient | undefined {
    return this.client.state === State.Running ? this.client : undefined;
  }

  /** The server's process id, while it runs (the tests kill it to check the restart). */
  get serverPid(): number | undefined {
    return this.client.serverProcess?.pid;
  }

  /** Starts the server; resolves when it answered `initialize`. */
  async start(): Promise<void> {
    await this.client.start();
  }

  /** Stops and starts the server again (the "WattLens: Restart Server" command, and after trust is granted). */
  async restart(): Promise<void> {
    this.crashes.reset();
    this.gaveUp = false;
    if (this.client.state === State.Running) await this.client.restart();
    else await this.client.start();
  }

  /** Handles a server notification; the handler survives restarts. */
  onNotification<P>(type: { method: string }, handler: (params: P) => void): vscode.Disposable {
    return this.client.onNotification(type.method, handler);
  }

  /** Sends a request once the server runs; rejects with a clear message when it does not. */
  async request<P, R>(type: { method: string }, params: P): Promise<R> {
    const client = this.languageClient;
    if (!client) throw new Error('the WattLens server is not running (WattLens: Restart Server starts it)');
    return client.sendRequest<R>(type.method, params);
  }

  async dispose(): Promise<void> {
    this.stateEmitter.dispose();
    await this.client.dispose(2_000).catch(() => undefined);
  }

  private create(): LanguageClient {
    const module = this.context.asAbsolutePath('dist/server.js');
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: DOCUMENT_SELECTOR,
      outputChannel: this.output,
      initializationOptions: (): ClientInitializationOptions => ({
        wattlens: plainSettings(),
        workspaceTrusted: vscode.workspace.isTrusted,
      }),
      errorHandler: this.errorHandler(),
    };
    const client = new LanguageClient('wattlens', 'WattLens', serverOptions, clientOptions);
    client.onDidChangeState(() => this.stateEmitter.fire());
    return client;
  }

  /** Restarts after a crash with a notice; after too many crashes stops and offers a Restart button. */
  private errorHandler(): ErrorHandler {
    return {
      error: () => ({ action: ErrorAction.Continue, handled: true }),
      closed: () => {
        const decision = this.crashes.crashed();
        this.output.appendLine(`WattLens: ${decision.message}`);
        if (decision.restart) {
          this.restarts++;
          void vscode.window.showWarningMessage(decision.message, 'Show Output').then((pick) => {
            if (pick) this.output.show(true);
          });
          return { action: CloseAction.Restart, handled: true };
        }
        this.gaveUp = true;
        void vscode.window.showErrorMessage(decision.message, 'Restart', 'Show Output').then((pick) => {
          if (pick === 'Restart') void this.restart();
          else if (pick) this.output.show(true);
        });
        return { action: CloseAction.DoNotRestart, handled: true };
      },
    };
  }
}

/** The `wattlens` settings as plain JSON (a WorkspaceConfiguration does not serialise its nested keys). */
export function plainSettings(): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration('wattlens');
  return {
    hardware: config.get('hardware'),
    precision: config.get('precision'),
    region: config.get('region'),
    pue: config.get('pue'),
    batchSize: config.get('batchSize'),
    inlayHints: { mode: config.get('inlayHints.mode') },
  };
}
