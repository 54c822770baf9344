// Generation where the user looks: a lens and a hover on the `generate` line with the per-token
// figures by phase (time to first token, time and energy per output token, which phase bounds it).
import type { GenerationReport, ModelReport } from '../../core/report/types';
import * as fmt from '../format';
import type { HoverItem, LensItem } from '../items';
import type { View } from '../view';
import { lineText } from '../sources';

/** One lens above each generate call of a costed (or uncostable) generation. */
export function generationLenses(view: View): LensItem[] {
  const out: LensItem[] = [];
  for (const model of view.file.models) {
    const g = model.generation;
    if (!g) continue;
    out.push({ range: { start: g.range.start, end: g.range.start }, title: generationTitle(view, model, g) });
  }
  return out;
}

/** "generate · 8 × 256 → 256 tokens · TTFT 30 ms · 5.9 ms/token · 283 mJ/token (decode, memory-bound) on nvidia-h100-sxm". */
export function generationTitle(view: View, model: ModelReport, g: GenerationReport): string {
  const head = `${callName(model, g)} · ${g.batch ?? '?'} × ${g.promptTokens ?? '?'} → ${g.newTokens ?? '?'} tokens${g.cache?.kind === 'none' ? ' · no KV cache' : ''}`;
  if (g.energyPerOutputTokenJ === null && g.timePerOutputTokenMs === null)
    return `${head} — ${truncate(g.reason ?? view.energyNote ?? 'not costed', 90)}`;
  const phase = g.boundBy === 'prefill' ? g.prefill : g.decode;
  return [
    head,
    `TTFT ${fmt.latency(g.timeToFirstTokenMs)}`,
    `${fmt.latency(g.timePerOutputTokenMs)}/token`,
    `${fmt.energy(g.energyPerOutputTokenJ)}/token (${g.boundBy ?? '?'}, ${phase.bound ?? '?'}-bound)`,
    `on ${view.profile?.id ?? 'no profile'}`,
  ].join(' · ');
}

/** The hover on a generate line: the workload, each phase and the per-token figures. */
export function generationHover(view: View, line: number): HoverItem | undefined {
  for (const model of view.file.models) {
    const g = model.generation;
    if (!g || g.range.start.line > line || g.range.end.line < line) continue;
    const range = { start: { line, character: 0 }, end: { line, character: lineText(view.source, line).length } };
    return { range, markdown: generationMarkdown(view, model, g) };
  }
  return undefined;
}

/** `GPT decode loop (line 167)` for a hand-written loop, `model.generate` for a library call. */
function callName(model: ModelReport, g: GenerationReport): string {
  return g.loop ? `${model.name} decode loop (line ${g.loop.line})` : `${model.name}.generate`;
}

function generationMarkdown(view: View, model: ModelReport, g: GenerationReport): string {
  const rows = [
    `**${callName(model, g)}** — batch ${g.batch ?? '?'} × ${g.promptTokens ?? '?'} prompt tokens → ${g.newTokens ?? '?'} new tokens${g.calls ? ` (run ${g.calls} times)` : ''}`,
    '',
    '| phase | MACs | time | energy | bound |',
    '|---|---|---|---|---|',
    `| prefill | ${fmt.count(g.prefill.macs, 'MACs')} | ${fmt.latency(g.prefill.latencyMs)} | ${fmt.energy(g.prefill.energyJ)} | ${g.prefill.bound ?? '?'} |`,
    `| decode | ${fmt.count(g.decode.macs, 'MACs')} | ${fmt.latency(g.decode.latencyMs)} | ${fmt.energy(g.decode.energyJ)} | ${g.decode.bound ?? '?'} |`,
    ...(g.cache ? ['', `Context between steps: ${g.cache.text}.`] : []),
    '',
    `Time to first token ${fmt.latency(g.timeToFirstTokenMs)} · ${fmt.latency(g.timePerOutputTokenMs)} per output token · ${g.tokensPerSecond === null ? '?' : Math.round(g.tokensPerSecond)} tokens/s`,
    `${fmt.energy(g.energyPerOutputTokenJ)} per output token · ${fmt.energy(g.energyJ)} per call · ${g.whPer1000Requests === null ? '?' : g.whPer1000Requests.toPrecision(3)} Wh per 1,000 requests · ${fmt.grams(g.co2eG)} CO2e · ${g.cache?.kind === 'none' ? 'no KV cache' : `KV cache ${fmt.bytes(g.kvCacheBytes)}`}`,
    '',
    `*Static estimate on ${view.profile?.name ?? 'no profile'}: ${g.numerics}. Workload: ${g.source}.*`,
  ];
  if (g.reason) rows.push('', `Unresolved: ${g.reason}`);
  return rows.join('\n');
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
