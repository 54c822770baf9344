// Builds the scratch workspaces the end-to-end tests open: the checked-in model files and notebook, a
// 5,000-line model of 2,700 layers (the bench's generator), the bad-input notebooks (an R kernel, 1,000
// cells, broken outputs), a workspace hardware profile and one that fails the schema; and the user
// settings that keep screenshots readable.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { syntheticModel } from '../bench/lsp';
import { WORKSPACE_PROFILE_ID } from './constants';

const here = join(__dirname);
const repo = join(here, '..', '..');

/** Writes a workspace into `dir` and returns it; `brokenProfile` adds a profile that fails the schema. */
export function buildWorkspace(dir: string, brokenProfile = true): string {
  mkdirSync(dir, { recursive: true });
  cpSync(join(here, 'workspace'), dir, { recursive: true });
  writeFileSync(join(dir, 'big_model.py'), syntheticModel(5000));
  cpSync(join(repo, 'test', 'fixtures', 'notebooks', 'r_kernel.ipynb'), join(dir, 'r_kernel.ipynb'));
  writeFileSync(join(dir, 'many_cells.ipynb'), JSON.stringify(manyCellsNotebook(1000), null, 1));
  writeFileSync(join(dir, 'broken_outputs.ipynb'), JSON.stringify(brokenOutputsNotebook(), null, 1));
  const profiles = join(dir, '.wattlens', 'profiles');
  mkdirSync(profiles, { recursive: true });
  const t4 = JSON.parse(readFileSync(join(repo, 'profiles', 'hardware', 'nvidia-t4.json'), 'utf8'));
  delete t4.$schema;
  writeFileSync(
    join(profiles, `${WORKSPACE_PROFILE_ID}.json`),
    JSON.stringify({ ...t4, id: WORKSPACE_PROFILE_ID, name: 'E2E workstation GPU (a T4 under another name)' }, null, 2),
  );
  if (brokenProfile)
    writeFileSync(
      join(profiles, 'broken.json'),
      JSON.stringify({ id: 'broken', name: 'Broken', kind: 'gpu', peak: { fp32: 'fast' } }),
    );
  return dir;
}

/** User settings: inlay hints on, no empty secondary side bar, no git, no welcome page, a fixed theme. */
export function writeUserSettings(userDataDir: string, extra: Record<string, unknown> = {}): void {
  const dir = join(userDataDir, 'User');
  mkdirSync(dir, { recursive: true });
  const settings = {
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'editor.inlayHints.enabled': 'on',
    'git.enabled': false,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.colorTheme': 'Default Dark Modern',
    'editor.minimap.enabled': false,
    'extensions.ignoreRecommendations': true,
    'chat.disableAIFeatures': true,
    'notebook.globalToolbarShowLabel': 'always',
    'security.workspace.trust.startupPrompt': 'never',
    'security.workspace.trust.banner': 'never',
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    ...extra,
  };
  writeFileSync(join(dir, 'settings.json'), JSON.stringify(settings, null, 2));
}

interface Cell {
  cell_type: 'code' | 'markdown';
  metadata: Record<string, unknown>;
  source: string[];
  execution_count?: null;
  outputs?: unknown[];
}

function notebook(cells: Cell[]): Record<string, unknown> {
  return {
    cells,
    metadata: {
      kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' },
      language_info: { name: 'python' },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

function code(lines: string[], outputs: unknown[] = []): Cell {
  return {
    cell_type: 'code',
    metadata: {},
    source: lines.map((l, i) => (i < lines.length - 1 ? `${l}\n` : l)),
    execution_count: null,
    outputs,
  };
}

/** A notebook of `count` code cells: imports, then one small MLP layer per cell. */
export function manyCellsNotebook(count: number): Record<string, unknown> {
  const cells: Cell[] = [code(['import torch', 'import torch.nn as nn', 'layers = []'])];
  for (let i = 1; i < count - 1; i++) cells.push(code([`layers.append(nn.Linear(64, 64))  # cell ${i}`]));
  cells.push(code(['model = nn.Sequential(*layers)', 'x = torch.randn(4, 64)', 'y = model(x)']));
  return notebook(cells);
}

/** A notebook whose outputs are malformed (wrong types, unknown output kinds, broken mime data). */
export function brokenOutputsNotebook(): Record<string, unknown> {
  return notebook([
    code(['import torch', 'import torch.nn as nn'], [{ output_type: 'stream', name: 'stdout', text: 42 }]),
    code(
      ['model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))', 'y = model(torch.randn(1, 8))'],
      [
        { output_type: 'not-a-kind', data: { 'application/json': '{broken' } },
        { output_type: 'display_data', data: 'not an object' },
      ],
    ),
  ]);
}
