// Prints where the analyser stands on public code (npm run measure:public): every case of the
// public-code differential corpus (publicCode.ts) with its outcome, and the counts by outcome.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileCases, libraryCases, libraryPaths, measure, tally, type Outcome } from './publicCode';

async function main(): Promise<void> {
  const libraries = libraryPaths();
  const groups = {
    torchvision: libraryCases('torchvision'),
    torchaudio: libraryCases('torchaudio'),
    'public-style files and the workspace': fileCases(),
  };
  const all: Record<string, Outcome['kind']> = {};
  for (const [title, cases] of Object.entries(groups)) {
    const started = Date.now();
    const outcomes = await measure(cases, libraries);
    for (const [id, o] of outcomes) all[id] = o.kind;
    for (const [id, o] of outcomes) {
      const detail = o.kind === 'exact' ? '' : o.kind === 'unknown' ? o.reason : o.detail;
      console.log(`${o.kind.padEnd(7)} ${id}${detail ? `  ${detail.slice(0, 160)}` : ''}`);
    }
    const counts = tally(outcomes);
    console.log(`${title}: ${JSON.stringify(counts)} of ${outcomes.size} (${Date.now() - started} ms)\n`);
  }
  if (process.argv.includes('--write')) {
    const outcomes = Object.fromEntries(Object.entries(all).sort(([a], [b]) => a.localeCompare(b)));
    const comment =
      'Written by test/differential/measurePublic.ts --write; public.test.ts keeps every exact case exact.';
    writeFileSync(join(__dirname, 'public.status.json'), `${JSON.stringify({ comment, outcomes }, null, 1)}\n`);
  }
}

void main();
