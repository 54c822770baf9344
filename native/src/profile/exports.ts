// What a profile leaves for other tools: onnxruntime's trace (Perfetto, chrome://tracing), the graph
// that ran, and a Netron attachment so each node shows its layer, FLOPs, measured time and energy.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProfiledModel } from '../../../server/src/core/report/profile';
import type { NodeTiming } from '../runner/trace';
import { median } from '../runner/trace';

/** One metric or metadata row of a Netron attachment. */
interface AttachmentRow {
  kind: 'model' | 'node';
  target: string;
  name: string;
  value: string | number;
  type?: string;
}

/** The `netron:attachment` JSON for the graph that ran: per node its layer, time, FLOPs and energy. */
export function netronAttachment(
  model: ProfiledModel,
  nodeLayers: Record<string, number | null>,
  profile: NodeTiming[],
): { signature: 'netron:attachment'; metadata: AttachmentRow[]; metrics: AttachmentRow[] } {
  const metadata: AttachmentRow[] = [
    { kind: 'model', target: '', name: 'wattlens.model', value: model.name },
    { kind: 'model', target: '', name: 'wattlens.graph', value: model.graphSource },
  ];
  const metrics: AttachmentRow[] = [
    {
      kind: 'model',
      target: '',
      name: 'measured latency (ms)',
      value: round(model.measured.latencyMs),
      type: 'float32',
    },
  ];
  if (model.measured.energyJ !== null)
    metrics.push({
      kind: 'model',
      target: '',
      name: 'energy per pass (J)',
      value: round(model.measured.energyJ),
      type: 'float32',
    });
  const timed = new Map(profile.map((p) => [p.name, median(p.durationsUs) / 1000]));
  for (const [node, index] of Object.entries(nodeLayers)) {
    if (node.includes('\n')) continue;
    const layer = index === null ? undefined : model.layers[index];
    if (layer) {
      metadata.push({ kind: 'node', target: node, name: 'wattlens.layer', value: `${layer.path} (${layer.op})` });
      if (layer.range)
        metadata.push({ kind: 'node', target: node, name: 'wattlens.line', value: layer.range.start.line + 1 });
      if (layer.flops !== null)
        metrics.push({ kind: 'node', target: node, name: 'layer FLOPs', value: layer.flops, type: 'int64' });
      if (layer.measuredMs !== null)
        metrics.push({
          kind: 'node',
          target: node,
          name: 'layer measured (ms)',
          value: round(layer.measuredMs),
          type: 'float32',
        });
      if (layer.estimatedMs !== null)
        metrics.push({
          kind: 'node',
          target: node,
          name: 'layer estimated (ms)',
          value: round(layer.estimatedMs),
          type: 'float32',
        });
      if (layer.energyJ !== null)
        metrics.push({
          kind: 'node',
          target: node,
          name: 'layer energy (J)',
          value: round(layer.energyJ),
          type: 'float32',
        });
    }
    const ms = timed.get(node);
    if (ms !== undefined)
      metrics.push({ kind: 'node', target: node, name: 'node time (ms)', value: round(ms), type: 'float32' });
  }
  return { signature: 'netron:attachment', metadata, metrics };
}

function round(x: number): number {
  return Number(x.toPrecision(6));
}

/** Writes the exports into `dir`; returns their paths. */
export function writeExports(
  dir: string,
  stem: string,
  files: { trace: string | null; onnx: Uint8Array | null; attachment: unknown },
): { trace: string | null; netron: string | null; onnx: string | null } {
  mkdirSync(dir, { recursive: true });
  const out = { trace: null as string | null, netron: null as string | null, onnx: null as string | null };
  if (files.trace) copyFileSync(files.trace, (out.trace = join(dir, `${stem}.trace.json`)));
  if (files.onnx) writeFileSync((out.onnx = join(dir, `${stem}.onnx`)), files.onnx);
  if (files.attachment)
    writeFileSync((out.netron = join(dir, `${stem}.netron.json`)), JSON.stringify(files.attachment, null, 1));
  return out;
}
