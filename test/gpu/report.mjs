// The GPU check's report: runs `wattlens profile FILE --ep auto --format json` for each file and
// prints, per model, the provider and the meter with their reasons, energy, estimate ÷ measured and
// the slowest layers; the JSON goes to $OUT when set (the device machine returns what is there).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const fixed = (x, digits = 3) => (x === null || x === undefined ? '—' : Number(x).toFixed(digits));

function profile(file) {
  const started = Date.now();
  const run = spawnSync(
    process.execPath,
    ['dist/cli.js', 'profile', file, '--ep', 'auto', '--format', 'json', '--no-export', '--timeout', '300'],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const seconds = (Date.now() - started) / 1000;
  if (run.status !== 0 && !run.stdout.trim()) return { error: run.stderr.trim() || `exit ${run.status}`, seconds };
  return { report: JSON.parse(run.stdout), seconds };
}

function print(file, { report, error, seconds }) {
  console.log(`\n== ${file} (${seconds.toFixed(0)} s)`);
  if (error) return console.log(`failed: ${error}`);
  if (process.env.OUT)
    writeFileSync(join(process.env.OUT, `${basename(file, '.py')}.profile.json`), JSON.stringify(report, null, 2));
  console.log(
    `provider: ${report.executionProvider} (${report.executionProviderReason}), onnxruntime ${report.onnxruntime}`,
  );
  for (const p of report.providers.filter((p) => p.status !== 'used'))
    console.log(`  ${p.name}: ${p.status}: ${p.reason}`);
  console.log(`device: ${report.device}; estimate on ${report.hardware?.id} (${report.hardware?.why})`);
  console.log(`meter: ${report.meter.kind}: ${report.meter.source}; idle ${fixed(report.meter.idleW, 1)} W`);
  for (const r of report.meter.reasons) console.log(`  ${r.kind}: ${r.reason}`);
  for (const w of report.meter.warnings) console.log(`  warning: ${w}`);
  for (const m of report.models) {
    const x = m.measured;
    console.log(
      `${m.name}: measured ${fixed(x.latencyMs)} ms/pass over ${x.runs} runs (spread ${fixed(x.spread * 100, 1)}%), ` +
        `${fixed(x.energyJ, 4)} J/pass (${fixed(x.energyAboveIdleJ, 4)} above idle); ` +
        `estimated ${fixed(m.estimated?.latencyMs)} ms, ${fixed(m.estimated?.energyJ, 4)} J; ` +
        `estimate ÷ measured: time ${fixed(m.ratio.latency, 2)}, energy ${fixed(m.ratio.energy, 2)}`,
    );
    console.log(
      `  kernels in layers ${fixed(x.layersMs)} ms, views ${fixed(x.viewsMs)} ms, unattributed ${fixed(x.unattributedMs)} ms; profiler ${fixed(x.profilerOverhead, 2)}x`,
    );
    const slowest = [...m.layers]
      .filter((l) => l.measuredMs !== null)
      .sort((a, b) => b.measuredMs - a.measuredMs)
      .slice(0, 8);
    for (const l of slowest)
      console.log(
        `  line ${l.range ? l.range.start.line + 1 : '?'} ${l.path} (${l.op}): ${fixed(l.measuredMs)} ms measured, ${fixed(l.estimatedMs)} ms estimated${l.fused ? ', fused' : ''}`,
      );
    for (const n of m.notes) console.log(`  note: ${n}`);
  }
  for (const u of report.unprofiled) console.log(`${u.name}: not profiled: ${u.error}`);
}

for (const file of process.argv.slice(2)) print(file, profile(file));
