// A test LSP client: starts `node dist/server.js --stdio` as a real process and speaks the protocol
// with vscode-languageserver-protocol, answering workspace/configuration and recording notifications.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
  type Diagnostic,
  type InitializeResult,
  type TextDocumentContentChangeEvent,
  type InlayHint,
  type Hover,
  type CodeLens,
  type CodeAction,
  type TextEdit,
  type Range,
} from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';

/** The repository root. */
export const repoRoot = join(__dirname, '..', '..');
const serverJs = join(repoRoot, 'dist', 'server.js');

/** One running server and the client side of its connection. */
export class TestClient {
  readonly diagnostics = new Map<string, { version?: number; diagnostics: Diagnostic[] }>();
  readonly messages: { type: number; message: string }[] = [];
  readonly reportChanges: { uri: string; version: number }[] = [];
  stderr = '';
  settings: Record<string, unknown> = {};
  private waiters: (() => void)[] = [];

  private constructor(
    readonly proc: ChildProcess,
    readonly conn: ProtocolConnection,
  ) {}

  /** Spawns the server; `settings` is what workspace/configuration answers for `wattlens`. */
  static async start(
    settings: Record<string, unknown> = {},
    options: { workspace?: string; capabilities?: object; initializationOptions?: object } = {},
  ): Promise<TestClient> {
    if (!existsSync(serverJs)) throw new Error(`${serverJs} is missing: run \`npm run build\` first`);
    const proc = spawn(
      process.execPath,
      [...(process.env.WATTLENS_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), serverJs, '--stdio'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const conn = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    const client = new TestClient(proc, conn);
    client.settings = settings;
    proc.stderr!.on('data', (d) => {
      client.stderr += String(d);
    });
    client.listen();
    conn.listen();
    await client.initialize(options);
    return client;
  }

  private listen(): void {
    this.conn.onRequest('workspace/configuration', (params: { items: { section?: string }[] }) =>
      params.items.map((i) => (i.section === 'wattlens' ? this.settings : null)),
    );
    this.conn.onRequest('client/registerCapability', () => null);
    this.conn.onRequest('workspace/inlayHint/refresh', () => null);
    this.conn.onRequest('workspace/codeLens/refresh', () => null);
    this.conn.onNotification(
      'textDocument/publishDiagnostics',
      (p: { uri: string; version?: number; diagnostics: Diagnostic[] }) => {
        this.diagnostics.set(p.uri, { version: p.version, diagnostics: p.diagnostics });
        this.wake();
      },
    );
    this.conn.onNotification('window/showMessage', (p: { type: number; message: string }) => {
      this.messages.push(p);
      this.wake();
    });
    this.conn.onNotification('window/logMessage', () => undefined);
    this.conn.onNotification('wattlens/reportChanged', (p: { uri: string; version: number }) => {
      this.reportChanges.push(p);
      this.wake();
    });
  }

  /** The initialize result. */
  initResult!: InitializeResult;

  private async initialize(options: {
    workspace?: string;
    capabilities?: object;
    initializationOptions?: object;
  }): Promise<void> {
    const rootUri = options.workspace ? pathToFileURL(options.workspace).href : null;
    this.initResult = await this.conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri,
      workspaceFolders: rootUri ? [{ uri: rootUri, name: 'ws' }] : null,
      initializationOptions: options.initializationOptions,
      capabilities: options.capabilities ?? {
        workspace: {
          configuration: true,
          didChangeConfiguration: { dynamicRegistration: true },
          didChangeWatchedFiles: { dynamicRegistration: true },
          inlayHint: { refreshSupport: true },
        },
        textDocument: {
          inlayHint: {},
          hover: { contentFormat: ['markdown'] },
          codeLens: {},
          codeAction: {},
          publishDiagnostics: { versionSupport: true },
        },
        notebookDocument: { synchronization: {} },
      },
    });
    await this.conn.sendNotification('initialized', {});
  }

  /** Opens a python document. */
  async open(uri: string, text: string, version = 1, languageId = 'python'): Promise<void> {
    await this.conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId, version, text },
    });
  }

  /** Sends content changes. */
  async change(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): Promise<void> {
    await this.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: changes,
    });
  }

  inlayHints(uri: string, range: Range = WHOLE): Promise<InlayHint[]> {
    return this.conn.sendRequest('textDocument/inlayHint', { textDocument: { uri }, range });
  }

  hover(uri: string, line: number, character: number): Promise<Hover | null> {
    return this.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character } });
  }

  codeLenses(uri: string): Promise<CodeLens[]> {
    return this.conn.sendRequest('textDocument/codeLens', { textDocument: { uri } });
  }

  codeActions(uri: string, range: Range, diagnostics: Diagnostic[] = []): Promise<CodeAction[]> {
    return this.conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics } });
  }

  /** Sets the settings the client answers with and tells the server they changed. */
  async configure(settings: Record<string, unknown>): Promise<void> {
    this.settings = settings;
    await this.conn.sendNotification('workspace/didChangeConfiguration', { settings: { wattlens: settings } });
  }

  /** Waits until `check` returns a value (re-checked on every notification and every 20 ms). */
  async waitFor<T>(check: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value) return value;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; server stderr: ${this.stderr.slice(-2000)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 20);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Diagnostics for `uri` once published for `version` (any version when omitted). */
  diagnosticsFor(uri: string, version?: number): Promise<Diagnostic[]> {
    return this.waitFor(
      () => {
        const d = this.diagnostics.get(uri);
        return d && (version === undefined || d.version === version) ? d.diagnostics : undefined;
      },
      `diagnostics of ${uri}${version === undefined ? '' : ` v${version}`}`,
    );
  }

  /** Whether the server process is still running. */
  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** shutdown + exit, then waits for the process. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    try {
      await this.conn.sendRequest('shutdown');
      await this.conn.sendNotification('exit');
    } catch {
      /* already gone */
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    if (this.alive) this.proc.kill();
    this.conn.dispose();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w());
  }
}

const WHOLE: Range = { start: { line: 0, character: 0 }, end: { line: 100_000, character: 0 } };

/** Applies LSP text edits to a text. */
export function applyEdits(uri: string, text: string, edits: TextEdit[]): string {
  return TextDocument.applyEdits(TextDocument.create(uri, 'python', 1, text), edits);
}

/** A file URI under the fixtures directory's fake location. */
export function fileUri(name: string): string {
  return pathToFileURL(join(repoRoot, 'test', 'fixtures', 'pytorch', name)).href;
}
