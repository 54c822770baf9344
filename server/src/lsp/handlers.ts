// Registers the language features on the connection: each handler finds the document's View,
// asks a feature for plain items and converts them; failures are logged, never fatal.
import { LSPErrorCodes, ResponseError, type Connection } from 'vscode-languageserver';
import { ModelReportRequest, type DocumentParams } from '../protocol';
import { codeActionItems } from '../ide/advice/codeActions';
import { codeLensItems } from '../ide/hints/codeLens';
import {
  sourceLines,
  sourcePosition,
  sourceRange,
  toCodeActions,
  toCodeLenses,
  toHover,
  toInlayHints,
  toModelReports,
} from './convert';
import { hoverItem } from '../ide/hints/hover';
import { inlayHintItems } from '../ide/hints/inlayHints';
import { Cancelled, type Service } from './service';
import { registerProfiling } from './profile';
import { registerPanelHandlers } from './panelHandlers';

/** Wires inlay hints, hover, code lens, code actions, the custom request and change notifications. */
export function registerHandlers(connection: Connection, service: Service): void {
  const guard = guarded(connection);
  connection.languages.inlayHint.on((params, token) =>
    guard([], async () => {
      const uri = params.textDocument.uri;
      const view = await service.view(uri, token);
      const lines = view && sourceLines(view.source, uri, params.range);
      if (!view || !lines) return [];
      // Only part of a too-large document was analysed: per-layer hints would mislead, totals do not.
      const mode =
        view.analysis.reduced && view.settings.inlayHintsMode === 'layers' ? 'totals' : view.settings.inlayHintsMode;
      return toInlayHints(view.source, uri, inlayHintItems(view, lines.from, lines.to, mode));
    }),
  );
  connection.onHover((params, token) =>
    guard(null, async () => {
      const uri = params.textDocument.uri;
      const view = await service.view(uri, token);
      const pos = view && sourcePosition(view.source, uri, params.position);
      return view && pos ? toHover(view.source, uri, hoverItem(view, pos.line, pos.character)) : null;
    }),
  );
  connection.onCodeLens((params, token) =>
    guard([], async () => {
      const uri = params.textDocument.uri;
      const view = await service.view(uri, token);
      return view ? toCodeLenses(view.source, uri, codeLensItems(view)) : [];
    }),
  );
  connection.onCodeAction((params, token) =>
    guard([], async () => {
      const uri = params.textDocument.uri;
      const view = await service.view(uri, token);
      const range = view && sourceRange(view.source, uri, params.range);
      return view && range
        ? toCodeActions(
            view.source,
            codeActionItems(view, range, params.context.only, (s) => service.docs.syntaxOf(s)),
          )
        : [];
    }),
  );
  connection.onRequest(ModelReportRequest.method, (params: DocumentParams, token) =>
    guard([], async () => {
      const view = await service.view(params.uri, token);
      return view ? toModelReports(view.source, view.file.models) : [];
    }),
  );
  registerPanelHandlers(connection, service, guard);
  connection.onDidChangeConfiguration((params) => void service.updateSettings(params.settings ?? undefined));
  connection.onDidChangeWatchedFiles((params) => {
    if (params.changes.some((c) => /\.wattlens\/(profiles|calibration)\/[^/]+\.json$/.test(c.uri)))
      service.reloadProfiles();
    // A Python file changed on disk: documents that import it are analysed again.
    for (const c of params.changes) if (c.uri.endsWith('.py')) service.docs.fileChanged(c.uri);
  });
  registerProfiling(connection, service);
}

/** Runs a handler: cancellation becomes RequestCancelled, any other failure is logged and answered with `fallback`. */
function guarded(connection: Connection) {
  return async <T>(fallback: T, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (e) {
      if (e instanceof Cancelled) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'request cancelled');
      connection.console.error(`WattLens: request failed: ${(e as Error)?.stack ?? e}`);
      return fallback;
    }
  };
}
