// Differential fuzzing: a few hundred random valid model files (generator.ts), counted once by torch
// in one batch, must be analysed to the same params (exactly) and MACs (within 1%).
// Env: WATTLENS_GEN_SEED (default 1), WATTLENS_GEN_COUNT (default 200), WATTLENS_GEN_ONLY=<index>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../helpers/analyzer';
import { generateProgram, generatePrograms, type GeneratedProgram } from './generator';
import { compareReport, countWithTorch, torchUnavailable } from './harness';

const seed = Number(process.env.WATTLENS_GEN_SEED ?? 1);
const count = Number(process.env.WATTLENS_GEN_COUNT ?? 200);
const only = process.env.WATTLENS_GEN_ONLY;
const programs = only !== undefined ? [generateProgram(seed, Number(only))] : generatePrograms(seed, count);
const fileOf = (p: GeneratedProgram) => `generated_${seed}_${p.index}.py`;
const reproduce = (i: number) =>
  `WATTLENS_GEN_SEED=${seed} WATTLENS_GEN_ONLY=${i} node --import tsx --test test/differential/generated.test.ts`;

test('the generator is deterministic for a seed', () => {
  assert.equal(generateProgram(seed, 7).source, generateProgram(seed, 7).source);
  assert.notEqual(generateProgram(seed, 7).source, generateProgram(seed, 8).source);
});

const noTorch = torchUnavailable();
test(
  `generated models agree with torch (seed ${seed}, ${programs.length} programs)`,
  { skip: noTorch ?? false },
  async () => {
    const torch = countWithTorch(programs.map((p) => ({ file: fileOf(p), source: p.source })));

    // Every program must run under torch: if not, the generator is wrong, not the analyser.
    const invalid = programs.filter((p, i) => torch[i].error || torch[i].roots.length !== 1);
    assert.deepEqual(
      invalid.map((p) => p.index),
      [],
      `seed ${seed}: torch rejected generated programs (generator bug):\n` +
        invalid
          .slice(0, 3)
          .map((p) => `#${p.index}: ${torch[programs.indexOf(p)].error}\n${p.source}`)
          .join('\n'),
    );

    const failures: { p: GeneratedProgram; problems: string[] }[] = [];
    for (const [i, p] of programs.entries()) {
      const report = await analyze(p.source, { file: fileOf(p) });
      const problems = compareReport(report, torch[i].roots);
      if (problems.length) failures.push({ p, problems });
    }
    if (failures.length === 0) return;

    const byFamily = new Map<string, number[]>();
    for (const { p } of failures)
      byFamily.set(`${p.family}/${p.style}`, [...(byFamily.get(`${p.family}/${p.style}`) ?? []), p.index]);
    const shown = failures
      .slice(0, 3)
      .map(
        ({ p, problems }) =>
          `--- program ${p.index} (${p.family}/${p.style}); reproduce: ${reproduce(p.index)}\n  ${problems.join('\n  ')}\n${p.source}`,
      );
    assert.fail(
      [
        `seed ${seed}: ${failures.length} of ${programs.length} generated programs disagree with torch`,
        ...[...byFamily].map(
          ([family, idx]) =>
            `  ${family}: ${idx.length} (${idx.slice(0, 12).join(', ')}${idx.length > 12 ? ', ...' : ''})`,
        ),
        ...shown,
      ].join('\n'),
    );
  },
);
