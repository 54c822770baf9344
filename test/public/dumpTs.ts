// Prints the analysis of a TF.js file model by model (a development aid: npx tsx test/public/dumpTs.ts FILE).
import { readFileSync } from 'node:fs';
import { loadParser } from '../helpers/analyzer';
import { analyzeTypeScript } from '../../server/src/core/analysis/analyzeTfjs';

async function main(): Promise<void> {
  const [file] = process.argv.slice(2);
  const r = analyzeTypeScript(await loadParser(), readFileSync(file, 'utf8'), { file });
  for (const m of r.models) {
    console.log(
      `== ${m.name} root=${m.root} params=${m.totals.params} macs=${m.totals.macs} input=${JSON.stringify(m.input?.shape)}`,
    );
    for (const l of m.layers)
      console.log(`   ${l.path} ${l.op} ${JSON.stringify(l.outputShape)} p=${l.params} m=${l.macs}`);
    for (const u of m.unresolved) console.log(`   ! line ${u.range.start.line + 1}: ${u.reason}`);
  }
  for (const d of r.diagnostics) console.log(`diag ${d.severity} line ${d.range.start.line + 1}: ${d.message}`);
}

void main();
