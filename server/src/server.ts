// The WattLens language server, `node dist/server.js --stdio` (or --node-ipc as VS Code starts it):
// wiring only — connection, capabilities, the analysis service and its handlers.
import {
  createConnection,
  ProposedFeatures,
  TextDocumentSyncKind,
  CodeActionKind,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  LSPErrorCodes,
  type InitializeResult,
  type Message,
  type ResponseMessage,
  type RequestMessage,
} from 'vscode-languageserver/node';
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { join, resolve } from 'node:path';
import { SourceParser } from './core/parse/parser';
import { Service } from './lsp/service';
import { registerHandlers } from './lsp/handlers';

/** The capabilities DESIGN.md fixes for the server. */
export const CAPABILITIES: InitializeResult['capabilities'] = {
  textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
  inlayHintProvider: true,
  hoverProvider: true,
  codeLensProvider: { resolveProvider: false },
  codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.RefactorRewrite] },
  // Every cell is synced (markdown too), so that cells are numbered as the notebook shows them; only the
  // Python code cells are analysed. A client filters synced cells by this selector (vscode-languageclient does).
  notebookDocumentSync: { notebookSelector: [{ notebook: 'jupyter-notebook', cells: [{ language: '*' }] }] },
};

/** dist/.. in the bundle (grammars/ and profiles/ live there); the repository root when run from source. */
function packageRoot(): string {
  const beside = resolve(__dirname, '..');
  return existsSync(join(beside, 'grammars')) ? beside : resolve(__dirname, '..', '..');
}

/** Answers a cancelled request that has not started yet without running it. */
function cancelUndispatched(message: Message): ResponseMessage | undefined {
  const id = (message as RequestMessage).id;
  return id === undefined
    ? undefined
    : { jsonrpc: '2.0', id, error: { code: LSPErrorCodes.RequestCancelled, message: 'request cancelled' } };
}

/**
 * Each re-analysis of a large file allocates megabytes that live only until the next. V8's default
 * heap growth lets the old space reach several times the live data before collecting (measured on
 * the 5,000-line bench: 360-900 MB peaks); capping growth at 1.4x keeps the server under 200 MB at
 * the same keystroke latency (measured: 1.7x let the memo of module calls' extra live data push the
 * peak to 210-225 MB). A --heap-growing-percent the user passes to node wins.
 */
function boundHeapGrowth(): void {
  if (!process.execArgv.some((a) => a.startsWith('--heap-growing-percent')))
    setFlagsFromString('--heap-growing-percent=40');
}

async function main(): Promise<void> {
  boundHeapGrowth();
  const connection = createConnection(ProposedFeatures.all, { connectionStrategy: { cancelUndispatched } });
  process.on('uncaughtException', (e) => connection.console.error(`WattLens: uncaught ${e?.stack ?? e}`));
  process.on('unhandledRejection', (e) => connection.console.error(`WattLens: unhandled ${(e as Error)?.stack ?? e}`));
  const root = packageRoot();
  const parser = await SourceParser.load(join(root, 'grammars'));
  const service = new Service(connection, parser, root);
  connection.onInitialize((params): InitializeResult => {
    service.initialize(
      params.capabilities,
      params.workspaceFolders?.[0]?.uri ?? params.rootUri,
      params.initializationOptions,
    );
    return { capabilities: CAPABILITIES, serverInfo: { name: 'wattlens', version: '0.1.0' } };
  });
  connection.onInitialized(() => {
    const caps = service.capabilities;
    if (caps.workspace?.didChangeConfiguration?.dynamicRegistration) {
      void connection.client.register(DidChangeConfigurationNotification.type, undefined).catch(() => undefined);
    }
    if (caps.workspace?.didChangeWatchedFiles?.dynamicRegistration) {
      void connection.client
        .register(DidChangeWatchedFilesNotification.type, {
          watchers: [
            { globPattern: '**/.wattlens/profiles/*.json' },
            { globPattern: '**/.wattlens/calibration/*.json' },
            { globPattern: '**/*.py' },
          ],
        })
        .catch(() => undefined);
    }
    void service.updateSettings();
  });
  service.docs.listen(connection);
  registerHandlers(connection, service);
  connection.listen();
}

void main();
