// The `wattlens/profileModel` request: measures a document's model in a profile host process (native/),
// with work-done progress, cancellation that kills the host and its runner, and ranges made
// cell-local for notebooks. The server's own thread only waits: the editor is never held up.
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import {
  ErrorCodes,
  LSPErrorCodes,
  ResponseError,
  type CancellationToken,
  type Connection,
  type WorkDoneProgressReporter,
  type WorkDoneProgressServerReporter,
} from 'vscode-languageserver';
import { ProfileModelRequest, type ProfileModelParams } from '../protocol';
import type { ProfileReport } from '../core/report/profile';
import type { Range } from '../core/parse/syntax';
import { toSegmentRange, type Source } from '../ide/sources';
import { profileInChild } from '../../../native/src/profile/remote';
import { RunnerError } from '../../../native/src/runner/parent';
import type { Service } from './service';

/** Registers the request on the connection. */
export function registerProfiling(connection: Connection, service: Service): void {
  connection.onRequest(ProfileModelRequest.method, async (params: ProfileModelParams, token: CancellationToken) => {
    if (!service.workspaceTrusted)
      throw new ResponseError(
        ErrorCodes.InvalidRequest,
        'local profiling is off in Restricted Mode: it runs a model built from this workspace on your machine; trust the workspace to use it',
      );
    const source = service.docs.sourceFor(params.uri);
    if (!source)
      throw new ResponseError(
        ErrorCodes.InvalidParams,
        `${params.uri} is not an open Python, TypeScript or JavaScript document or notebook`,
      );
    // The client's own progress (its token in the request), else one the server opens.
    const reporter: WorkDoneProgressReporter | WorkDoneProgressServerReporter | undefined = params.workDoneToken
      ? connection.window.attachWorkDoneProgress(params.workDoneToken)
      : await connection.window.createWorkDoneProgress().catch(() => undefined);
    reporter?.begin('WattLens: profiling', 0, 'starting the profiler', true);
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort());
    if (reporter && 'token' in reporter)
      (reporter as WorkDoneProgressServerReporter).token.onCancellationRequested(() => controller.abort());
    try {
      const report = await profileInChild(request(source, params, service), {
        timeoutMs: (params.timeoutSeconds ?? 600) * 1000,
        signal: controller.signal,
        onProgress: (message, fraction) => reporter?.report(Math.round(fraction * 100), message),
      });
      if (params.calibrate && report.calibration) service.reloadProfiles();
      const result = source.notebook ? cellLocal(source, report) : report;
      service.rememberProfile(source.key, source.version, result);
      return result;
    } catch (e) {
      if (!(e instanceof RunnerError)) throw e;
      if (e.reason === 'cancelled') throw new ResponseError(LSPErrorCodes.RequestCancelled, e.message);
      throw new ResponseError(e.reason === 'failed' ? ErrorCodes.InvalidParams : ErrorCodes.InternalError, e.message);
    } finally {
      reporter?.done();
    }
  });
}

function request(source: Source, params: ProfileModelParams, service: Service) {
  const file = source.key.startsWith('file:') ? fileURLToPath(source.key) : source.key;
  return {
    file,
    text: source.text,
    textIsPython: source.notebook,
    textIsTypeScript: source.language !== 'python',
    provider: params.ep ?? 'auto',
    hardware: params.hardware,
    model: params.model,
    exact: params.exact ? ('auto' as const) : ('never' as const),
    python: params.python,
    calibrate: params.calibrate,
    batch: service.settings.batchSize ?? undefined,
    workspaceDir: service.workspaceDir ?? dirname(file),
  };
}

/** A notebook's profile with each range in its cell's own lines, and the cell set (as wattlens/modelReport does). */
function cellLocal(source: Source, report: ProfileReport): ProfileReport {
  const local = (range: Range | null) => {
    const mapped = range && toSegmentRange(source, range);
    return mapped ? { range: mapped.range, cell: source.segments.indexOf(mapped.segment) } : { range, cell: undefined };
  };
  return {
    ...report,
    models: report.models.map((m) => ({
      ...m,
      range: local(m.range).range,
      layers: m.layers.map((l) => {
        const at = local(l.range);
        return { ...l, range: at.range, ...(at.cell !== undefined ? { cell: at.cell } : {}) };
      }),
    })),
    unprofiled: report.unprofiled.map((u) => ({ ...u, range: local(u.range).range })),
  };
}
