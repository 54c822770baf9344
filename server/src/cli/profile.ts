// `wattlens profile FILE`: measures a model on this machine (native/, in a runner process) and prints
// measured beside estimated, as a table or the wattlens.profile/1 JSON.
import { join, resolve } from 'node:path';
import { SourceParser } from '../core/parse/parser';
import { loadProfiles } from '../core/energy';
import type { ModelCatalog } from '../core/catalog/modelCatalog';
import { profileFile, ProfileUsageError } from '../../../native/src/profile/profileFile';
import { OnnxFileError } from '../../../native/src/onnx/inspect';
import { UsageError, type CliArgs } from './args';
import { workspaceOf } from './inputs';
import { formatProfileTable } from './format/profileTable';

/** Runs the command; returns the exit code (2 for bad usage or input, with a one-line reason). */
export async function profileCommand(args: CliArgs, packageRoot: string, catalog: () => ModelCatalog): Promise<number> {
  if (args.files.length !== 1) throw new UsageError('usage: wattlens profile FILE (a .py, .ipynb or .onnx file)');
  if (args.format === 'csv') throw new UsageError('wattlens profile prints --format table or json');
  const parser = await SourceParser.load(join(packageRoot, 'grammars'));
  // The file's workspace (as `analyze` finds it) holds its profiles, calibrations and exports.
  const workspaceDir = workspaceOf(args.files[0]) ?? process.cwd();
  const profiles = loadProfiles({ profilesDir: join(packageRoot, 'profiles'), workspaceDir });
  const controller = new AbortController();
  // Ctrl-C stops the runner process too: nothing is left running.
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const report = await profileFile(
      { parser, profiles, catalog: catalog() },
      {
        file: args.files[0],
        provider: args.ep,
        hardware: args.hardware,
        model: args.model,
        input: args.input,
        batch: args.batch,
        exact: args.exact ? 'auto' : 'never',
        python: args.python,
        calibrate: args.calibrate,
        workspaceDir,
        exportDir: args.noExport ? null : args.exportDir ? resolve(args.exportDir) : undefined,
        timeoutMs: (args.timeoutSeconds ?? 600) * 1000,
        signal: controller.signal,
        onProgress: args.format === 'table' ? (message) => process.stderr.write(`  ${message}\n`) : undefined,
      },
    );
    process.stdout.write(args.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : formatProfileTable(report));
    return report.models.length > 0 ? 0 : 1;
  } catch (e) {
    if (e instanceof ProfileUsageError || e instanceof OnnxFileError) throw new UsageError(e.message);
    throw e;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
