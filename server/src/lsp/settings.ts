// Pulls the `wattlens.*` settings from the client with workspace/configuration (ide/settings.ts
// normalises them).
import type { Connection } from 'vscode-languageserver';
import { normaliseSettings, type NormalisedSettings } from '../ide/settings';

export * from '../ide/settings';

/** Pulls the `wattlens` section with workspace/configuration; falls back to `pushed` when the client cannot. */
export async function pullSettings(
  connection: Connection,
  canPull: boolean,
  pushed: unknown,
): Promise<NormalisedSettings> {
  if (!canPull) return normaliseSettings(pushed);
  try {
    const [section] = await connection.workspace.getConfiguration([{ section: 'wattlens' }]);
    return normaliseSettings(section ?? pushed);
  } catch {
    return normaliseSettings(pushed);
  }
}
