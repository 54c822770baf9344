// The public-code differential test: model code nobody here wrote — every torchvision model builder
// and torchaudio's models read from the installed packages' own source, public-style files with
// their sources noted, and a workspace laid out like a real repository — analysed as a user's file
// and compared with what real PyTorch 1.13 counted (params identical, MACs within 1%). Nothing may be
// wrong or missing: each model is exact, or unknown with a reason; what public.status.json records
// as exact must stay exact (rewrite it with `node --import tsx test/differential/measurePublic.ts --write`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileCases, libraryCases, libraryPaths, measure, type Outcome } from './publicCode';

const statusFile = join(__dirname, 'public.status.json');
const recorded: Record<string, Outcome['kind']> = existsSync(statusFile)
  ? (JSON.parse(readFileSync(statusFile, 'utf8')) as { outcomes: Record<string, Outcome['kind']> }).outcomes
  : {};
const libraries = libraryPaths();
const installed = (pkg: string) => libraries.some((dir) => existsSync(join(dir, pkg, '__init__.py')));

const groups: [string, () => ReturnType<typeof fileCases>, string | false][] = [
  ['public-style files and the workspace', fileCases, false],
  [
    'torchvision (installed source)',
    () => libraryCases('torchvision'),
    !installed('torchvision') && 'torchvision is not installed',
  ],
  [
    'torchaudio (installed source)',
    () => libraryCases('torchaudio'),
    !installed('torchaudio') && 'torchaudio is not installed',
  ],
];

for (const [title, cases, skip] of groups) {
  test(`public code: ${title} is exact or unknown with a reason, never wrong`, { skip }, async (t) => {
    const outcomes = await measure(cases(), libraries);
    const bad: string[] = [];
    const regressed: string[] = [];
    const counts = { exact: 0, unknown: 0, wrong: 0, missing: 0 };
    for (const [id, o] of outcomes) {
      counts[o.kind]++;
      if (o.kind === 'wrong' || o.kind === 'missing') bad.push(`${id}: ${o.kind}: ${o.detail}`);
      if (recorded[id] === 'exact' && o.kind !== 'exact') regressed.push(`${id}: was exact, now ${o.kind}`);
    }
    t.diagnostic(`${title}: ${JSON.stringify(counts)} of ${outcomes.size}`);
    assert.ok(outcomes.size > 0, 'no case was measured');
    assert.deepEqual(bad, [], bad.join('\n'));
    assert.deepEqual(regressed, [], regressed.join('\n'));
  });
}
