// Prints the analysis of a Python file model by model (a development aid: npx tsx test/public/dump.ts FILE [MODEL...]).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, repoRoot } from '../helpers/analyzer';
import { loadModelCatalog } from '../../server/src/core/catalog/modelCatalog';
const [file, ...names] = process.argv.slice(2);
analyze(readFileSync(file, 'utf8'), {
  file,
  catalog: loadModelCatalog(join(repoRoot, 'profiles', 'models'), join(repoRoot, 'profiles', 'datasets.json')),
}).then((r) => {
  for (const m of r.models) {
    if (names.length && !names.includes(m.name)) continue;
    console.log(
      `== ${m.name} root=${m.root} params=${m.totals.params} macs=${m.totals.macs} input=${JSON.stringify(m.input?.shape)}`,
    );
    for (const l of m.layers)
      console.log(`   ${l.path} ${l.op} ${JSON.stringify(l.outputShape)} p=${l.params} m=${l.macs}`);
    for (const u of m.unresolved) console.log(`   ! line ${u.range.start.line + 1}: ${u.reason}`);
  }
  for (const d of r.diagnostics) console.log(`diag ${d.severity} line ${d.range.start.line + 1}: ${d.message}`);
});
