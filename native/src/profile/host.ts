// The profile host process (dist/profileHost.js): runs a whole profile — the analysis with its
// dataflow, graph synthesis, the runner — outside the language server, so none of it holds the
// editor's process. It reports progress and the result over IPC and exits with its parent.
import { join } from 'node:path';
import { SourceParser } from '../../../server/src/core/parse/parser';
import { loadProfiles } from '../../../server/src/core/energy';
import { loadModelCatalog, type ModelCatalog } from '../../../server/src/core/catalog/modelCatalog';
import type { ChildMessage } from '../runner/protocol';
import type { ProfileReport } from '../../../server/src/core/report/profile';
import { RunnerError } from '../runner/parent';
import { packageRoot } from '../paths';
import { profileFile } from './profileFile';
import type { HostRequest } from './remote';

function send(message: ChildMessage<ProfileReport>): void {
  process.send?.(message);
}

function catalogAt(root: string): ModelCatalog | undefined {
  try {
    return loadModelCatalog(join(root, 'profiles', 'models'), join(root, 'profiles', 'datasets.json'));
  } catch {
    return undefined;
  }
}

async function serve(request: HostRequest): Promise<ProfileReport> {
  const root = packageRoot();
  const parser = await SourceParser.load(join(root, 'grammars'));
  const profiles = loadProfiles({ profilesDir: join(root, 'profiles'), workspaceDir: request.workspaceDir });
  return profileFile(
    { parser, profiles, catalog: catalogAt(root) },
    { ...request, onProgress: (message, fraction) => send({ type: 'progress', message, fraction }) },
  );
}

process.on('disconnect', () => process.exit(1));
process.once('message', (request: HostRequest) => {
  serve(request).then(
    (report) => send({ type: 'result', value: report }),
    (e: Error) =>
      send({
        type: 'error',
        // A usage problem (nothing to profile) is the user's to fix; the name travels in the message.
        message: e.name === 'ProfileUsageError' || e instanceof RunnerError ? e.message : `${e.name}: ${e.message}`,
        reason: e instanceof RunnerError ? e.reason : e.name === 'ProfileUsageError' ? 'failed' : 'crashed',
      }),
  );
});
