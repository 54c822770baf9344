// Reads the expectations a public-code fixture states in its header (the model.summary() table its
// source publishes, or the figures real @tensorflow/tfjs gives) and judges a report against them:
// exact, unknown with a reason, silently wrong, or missing from the report.
import type { FileReport, LayerReport, ModelReport } from '../../server/src/core/report/types';

/** One published layer row: its name, output shape without the batch (null dims for None), params. */
export interface PublishedLayer {
  name: string;
  shape: (number | null)[] | null;
  params: number;
}

/** One published model: its total, its rows, and what the code leaves unstated (supplied by a `# supply:` comment). */
export interface PublishedModel {
  name: string;
  total: number;
  needs: string | null;
  layers: PublishedLayer[];
  /** Published layer name → the path the report gives it (a subclass's attribute name: graph_conv1 → conv1). */
  aliases: Map<string, string>;
}

/** How a report compares with what was published. */
export type Verdict = 'exact' | 'unknown' | 'wrong' | 'missing';

/** The verdict on one model, with the differences that explain it. */
export interface Judgement {
  model: string;
  verdict: Verdict;
  details: string[];
}

const SUMMARY = /^[#/]+ summary: (\S+) total=(\d+)(?: needs=(\S+))?\s*$/gm;
const ALIAS = /^[#/]+ alias: (\S+) (.+)$/gm;
const LAYER = /^[#/]+ layer: (\S+) (\S+) (\(.*?\)|\[.*?\]|-) (\d+)\s*$/gm;

/** Parses `(None, 14, 14, 32)` or `[null,14,14,32]` into the dims after the batch. */
function parseShape(text: string): (number | null)[] | null {
  if (text === '-') return null;
  const dims = text
    .slice(1, -1)
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d.length > 0)
    .map((d) => (d === 'None' || d === 'null' ? null : Number(d)));
  return dims.slice(1);
}

/** The models and layer rows a fixture header publishes. */
export function publishedModels(source: string): PublishedModel[] {
  const models = [...source.matchAll(SUMMARY)].map((m) => ({
    name: m[1],
    total: Number(m[2]),
    needs: m[3] ?? null,
    layers: [] as PublishedLayer[],
    aliases: new Map<string, string>(),
  }));
  for (const m of source.matchAll(ALIAS)) {
    const model = models.find((x) => x.name === m[1]);
    for (const pair of m[2].trim().split(/\s+/)) {
      const [published, path] = pair.split('=');
      model?.aliases.set(published, path);
    }
  }
  for (const m of source.matchAll(LAYER)) {
    const model = models.find((x) => x.name === m[1]);
    if (!model) throw new Error(`layer line for ${m[1]} before its summary line`);
    model.layers.push({ name: m[2], shape: parseShape(m[3]), params: Number(m[4]) });
  }
  return models;
}

/** The source with its `# supply:` / `// supply:` comments turned into `wattlens:` directives. */
export function withSupplied(source: string): string {
  return source.replace(/(#|\/\/) supply: /g, '$1 wattlens: ');
}

/** Compares shapes after the batch: 'same', 'open' (ours has None where the table has a size), or 'different'. */
function compareShape(ours: number[] | null, published: (number | null)[]): 'same' | 'open' | 'different' {
  if (!ours || ours.length !== published.length + 1) return 'different';
  let open = false;
  for (let i = 0; i < published.length; i++) {
    const d = ours[i + 1];
    if (published[i] === null) continue;
    if (!Number.isFinite(d)) open = true;
    else if (d !== published[i]) return 'different';
  }
  return open ? 'open' : 'same';
}

/** The rows of a published layer: the row of that name, or the rows under it (a nested model or custom layer). */
function rowsOf(model: ModelReport, published: string): LayerReport[] {
  // `#i`: the i-th layer (TF.js names layers by process-wide counters, so rows are matched by position).
  if (published.startsWith('#')) {
    const row = model.layers.filter((l) => l.op !== 'InputLayer')[Number(published.slice(1))];
    return row ? [row] : [];
  }
  // tf.keras 2 names a functional model `model_1` where Keras 3 says `functional_1`; both are accepted.
  const name = model.layers.some((l) => l.path === published || l.path.startsWith(`${published}.`))
    ? published
    : published.replace(/^model(?=_\d+$|$)/, 'functional');
  const own = model.layers.filter((l) => l.path === name || l.path.endsWith(`/${name}`));
  return own.length ? own : model.layers.filter((l) => l.path.startsWith(`${name}.`) || l.path.startsWith(`${name}/`));
}

/** Judges one published model against a report. */
export function judge(report: FileReport, published: PublishedModel): Judgement {
  const model = report.models.find((m) => m.name === published.name && m.root);
  if (!model) return { model: published.name, verdict: 'missing', details: [`no model ${published.name}`] };
  const details: string[] = [];
  const open: string[] = [];
  const params = model.totals.params;
  if (params === null) {
    const reasons = model.unresolved.map((u) => `line ${u.range.start.line + 1}: ${u.reason}`);
    return { model: published.name, verdict: 'unknown', details: reasons.length ? reasons : ['no reason given'] };
  }
  if (params !== published.total) details.push(`params ${params} != ${published.total}`);
  for (const layer of published.layers) {
    const rows = rowsOf(model, published.aliases.get(layer.name) ?? layer.name);
    if (!rows.length) {
      if (layer.params !== 0) details.push(`${layer.name}: no row (published ${layer.params} params)`);
      continue;
    }
    const sum = rows.reduce((s, r) => s + (r.params ?? NaN), 0);
    if (sum !== layer.params) details.push(`${layer.name}: params ${sum} != ${layer.params}`);
    const own =
      rows.length === 1 && (layer.name.startsWith('#') || rows[0].path.split('.').length === 1) ? rows[0] : undefined;
    const shape = own && layer.shape ? compareShape(own.outputShape, layer.shape) : 'same';
    if (shape === 'different')
      details.push(`${layer.name}: shape ${JSON.stringify(own!.outputShape)} != ${JSON.stringify(layer.shape)}`);
    if (shape === 'open')
      open.push(`${layer.name}: a dimension is None where the table has ${JSON.stringify(layer.shape)}`);
  }
  if (details.length) return { model: published.name, verdict: 'wrong', details };
  if (model.totals.macs === null || open.length) {
    const reasons = model.unresolved.map((u) => `line ${u.range.start.line + 1}: ${u.reason}`);
    return {
      model: published.name,
      verdict: 'unknown',
      details: ['params exact, MACs unknown', ...open, ...(reasons.length ? reasons : ['no reason given'])],
    };
  }
  return { model: published.name, verdict: 'exact', details: [] };
}
