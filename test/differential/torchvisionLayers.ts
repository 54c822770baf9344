// Writes profiles/models/layers/torchvision.json: for every torchvision entry of the checkpoint
// catalog, the per-layer work of the architecture as torchvision's own source builds it (the
// installed package, analysed like a user's file at the catalog's typical input, batch 1). The hub
// report costs a catalogued torchvision load layer by layer from this table, so `resnet50()` and the
// same network written out give the same figures (issue 13, item 4); torchvisionLayers.test.ts pairs
// every entry with its source again and fails when the table is stale.
// Run: node --import tsx test/differential/torchvisionLayers.ts [--write]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, repoRoot } from '../helpers/analyzer';
import { diskFiles } from '../../server/src/core/interpreter/python/imports/moduleFinder';
import { loadModelCatalog, type CatalogEntry } from '../../server/src/core/catalog/modelCatalog';
import type { LayerTable, LayerRow } from '../../server/src/core/catalog/layerTables';
import type { LayerReport, ModelReport } from '../../server/src/core/report/types';
import { libraryPaths } from './publicCode';
import { execFileSync } from 'node:child_process';
import { python } from './harness';

/** The torchvision function a catalog entry is loaded with (`torchvision.models.resnet50` → `resnet50`). */
export function torchvisionName(entry: CatalogEntry): string | undefined {
  const alias = [{ name: entry.id, kind: entry.kind }, ...entry.aliases].find((a) => a.kind === 'torchvision');
  return alias?.name.replace(/^torchvision\.models\./, '');
}

/** The catalog's torchvision entries. */
export function torchvisionEntries(): CatalogEntry[] {
  const catalog = loadModelCatalog(join(repoRoot, 'profiles', 'models'));
  return catalog.entries.filter((e) => torchvisionName(e) !== undefined && e.typicalInput);
}

/** A user's file that builds `name` from torchvision and calls it once on the typical input. */
export function sourceOf(name: string, input: number[]): string {
  return [
    'import torch',
    `from torchvision.models import ${name}`,
    '',
    `model = ${name}()`,
    'model.eval()',
    `model(torch.randn(${input.join(', ')}))`,
    '',
  ].join('\n');
}

/** The root model of the analysis of torchvision's source for `entry` (no catalog: the source is read). */
export async function fromSource(entry: CatalogEntry, libraries: string[], batch = 1): Promise<ModelReport> {
  const input = [batch, ...entry.typicalInput!.slice(1)];
  const report = await analyze(sourceOf(torchvisionName(entry)!, input), {
    file: join(repoRoot, 'test', 'fixtures', 'public', `torchvision_${entry.id}.py`),
    imports: { files: diskFiles(), paths: { workspaceRoots: [], libraryPaths: libraries } },
  });
  const root = report.models.find((m) => m.root);
  if (!root) throw new Error(`${entry.id}: no model from torchvision's source (${report.diagnostics[0]?.message})`);
  return root;
}

/**
 * A layer row as the table stores it, from the layer at batch 1 and at batch 2: work of one sample,
 * bytes as fp32 elements; work that does not grow with the batch (a position embedding added to every
 * sample, Swin's attention mask built once per call) is the row's eighth element.
 */
function rowOf(one: LayerReport, two: LayerReport, entry: string): LayerRow {
  const counts = [one.macs, one.flops, one.activationBytes, two.macs, two.flops, two.activationBytes];
  if ([one.params, one.weightBytes, ...counts].some((v) => v === null) || two.path !== one.path)
    throw new Error(`${entry}: ${one.path} is unknown from the source`);
  const [m1, f1, a1, m2, f2, a2] = counts as number[];
  const perSample = [m2 - m1, f2 - f1, (a2 - a1) / 4];
  const fixed = [m1 - perSample[0], f1 - perSample[1], a1 / 4 - perSample[2]];
  const row: LayerRow = [one.path, one.op, one.params!, perSample[0], perSample[1], one.weightBytes! / 4, perSample[2]];
  const output = batchLed(one.outputShape, two.outputShape);
  if (fixed.some((v) => v !== 0) || output)
    row.push(fixed.some((v) => v !== 0) ? (fixed as [number, number, number]) : null);
  if (output) row.push(output);
  return row;
}

/** The output shape after the batch dimension, when the output at batch 1 and 2 is led by the batch. */
function batchLed(one: number[] | null, two: number[] | null): number[] | undefined {
  if (!one || !two || one.length !== two.length || one[0] !== 1 || two[0] !== 2) return undefined;
  return one.slice(1).every((d, i) => d === two[i + 1]) ? one.slice(1) : undefined;
}

async function main(): Promise<void> {
  const libraries = libraryPaths();
  const version = execFileSync(python, ['-c', 'import torchvision; print(torchvision.__version__)'], {
    encoding: 'utf8',
  }).trim();
  const tables: Record<string, LayerTable> = {};
  for (const entry of torchvisionEntries()) {
    const model = await fromSource(entry, libraries);
    const doubled = await fromSource(entry, libraries, 2);
    if (doubled.layers.length !== model.layers.length) throw new Error(`${entry.id}: rows differ at batch 2`);
    const rows = model.layers.map((l, i) => rowOf(l, doubled.layers[i], entry.id));
    const { params, macs, flops, weightBytes, activationBytes } = model.totals;
    const totals = [params, macs, flops, weightBytes, activationBytes];
    if (totals.some((v) => v === null)) throw new Error(`${entry.id}: totals unknown from the source`);
    const grown = [
      doubled.totals.macs! - macs!,
      doubled.totals.flops! - flops!,
      (doubled.totals.activationBytes! - activationBytes!) / 4,
    ];
    tables[entry.id] = {
      input: entry.typicalInput!,
      totals: [params!, grown[0], grown[1], weightBytes! / 4, grown[2]],
      fixed: [macs! - grown[0], flops! - grown[1], activationBytes! / 4 - grown[2]],
      rows,
    };
    console.log(
      `${entry.id.padEnd(22)} ${String(rows.length).padStart(4)} layers  params ${params} (catalog ${entry.params})  MACs ${macs} (catalog ${entry.macs})`,
    );
  }
  if (!process.argv.includes('--write')) return;
  const data = {
    $comment:
      'Generated by test/differential/torchvisionLayers.ts --write; do not edit. Per-layer work of one sample of each torchvision catalog entry, read from the torchvision source at its typical input. Totals and rows: [params, MACs, FLOPs, weight elements, activation elements], MACs, FLOPs and activations per sample; fixed: [MACs, FLOPs, activation elements] that do not grow with the batch (the eighth element of a row, null or absent: none); the ninth the output shape after the batch dimension; each row led by the path and op of its layer.',
    source: `https://github.com/pytorch/vision/tree/v${version.replace(/a0$|\+.*$/, '')}/torchvision/models (torchvision ${version}, as installed)`,
    tables,
  };
  const text = `{\n${Object.entries(data)
    .map(([k, v]) =>
      k === 'tables'
        ? ` "tables": {\n${Object.entries(v as Record<string, LayerTable>)
            .map(
              ([id, t]) =>
                `  ${JSON.stringify(id)}: {\n   "input": ${JSON.stringify(t.input)},\n   "totals": ${JSON.stringify(t.totals)},\n   "fixed": ${JSON.stringify(t.fixed)},\n   "rows": [\n${t.rows.map((r) => `    ${JSON.stringify(r)}`).join(',\n')}\n   ]\n  }`,
            )
            .join(',\n')}\n }`
        : ` ${JSON.stringify(k)}: ${JSON.stringify(v)}`,
    )
    .join(',\n')}\n}\n`;
  writeFileSync(join(repoRoot, 'profiles', 'models', 'layers', 'torchvision.json'), text);
}

if (require.main === module) void main();
