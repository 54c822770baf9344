// The exact export: the user's real model written by torch.onnx.export in their own Python (the
// interpreter the Python extension selected, or python3 on PATH), its node names (`/layer1/layer1.0/conv1/Conv`)
// mapped back to the analysis's layer rows. Any failure is a reason, and the caller synthesises instead.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import type { ModelReport } from '../../../server/src/core/report/types';
import type { InputSpec } from '../runner/protocol';
import type { PlainNode } from '../runner/attribution';
import { inspectOnnx } from '../onnx/inspect';
import { OPSET } from '../onnx/onnxGraph';
import { packageRoot } from '../paths';

/** What the export needs. */
export interface ExactExportRequest {
  file: string;
  /** The editor's text, when the buffer is not saved. */
  text?: string;
  model: string;
  input: number[][];
  python?: string;
  workDir: string;
  /** Seconds the file's top level and the export may take. */
  timeoutSeconds?: number;
}

/** An exported graph with its mapping, or why there is none. */
export type ExactExport =
  | {
      bytes: Uint8Array;
      inputs: InputSpec[];
      nodes: PlainNode[];
      nodeLayers: Record<string, number | null>;
      python: string;
      notes: string[];
    }
  | { error: string };

/** Runs the export script; never throws for a bad environment or a failing export. */
export function exactExport(request: ExactExportRequest, model: ModelReport): ExactExport {
  if (extname(request.file).toLowerCase() !== '.py') return { error: 'the exact export runs .py files only' };
  if (request.input.length === 0) return { error: `${model.name} has no input shape` };
  const python = request.python ?? 'python3';
  const script = request.text === undefined ? resolve(request.file) : join(request.workDir, 'buffer.py');
  if (request.text !== undefined) writeFileSync(script, request.text);
  const output = join(request.workDir, 'exported.onnx');
  const inputs: InputSpec[] = request.input.map((shape, i) => ({
    name: `input${i}`,
    shape,
    type: i === 0 && model.input?.dtype?.startsWith('int') ? 'int64' : 'float32',
    integersBelow: 2,
  }));
  const job = spawnSync(python, [join(packageRoot(), 'native', 'export', 'torch_export.py')], {
    input: JSON.stringify({
      script,
      directory: dirname(resolve(request.file)),
      model: model.name,
      inputs,
      output,
      opset: OPSET,
    }),
    encoding: 'utf8',
    timeout: (request.timeoutSeconds ?? 180) * 1000,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (job.error) {
    const timedOut = (job.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
    return {
      error: timedOut
        ? `${python} did not finish in ${request.timeoutSeconds ?? 180} s (the file's top level runs on export: keep training under if __name__ == "__main__")`
        : `cannot run ${python}: ${job.error.message}`,
    };
  }
  const line = job.stdout.trim().split('\n').pop() ?? '';
  let outcome: { ok: boolean; error?: string; found?: string; torch?: string; python?: string };
  try {
    outcome = JSON.parse(line);
  } catch {
    return {
      error: `${python} gave no answer (${(job.stderr || job.stdout).trim().split('\n').pop() ?? `exit ${job.status}`})`,
    };
  }
  if (!outcome.ok) return { error: outcome.error ?? 'the export failed' };
  const bytes = readFileSync(output);
  const info = inspectOnnx(bytes, output);
  return {
    bytes,
    inputs: inputs.map((input, i) => ({ ...input, name: info.inputs[i]?.name ?? input.name })),
    nodes: info.nodes,
    nodeLayers: mapExportedNodes(info.nodes, model),
    python: `${python} (Python ${outcome.python}, torch ${outcome.torch}; ${outcome.found})`,
    notes: ['torch.onnx.export folds BatchNorm into the convolution before it: those rows have no node of their own'],
  };
}

/** The module path of a torch exporter node name's scope: `/layer1/layer1.0/conv1/Conv` → `layer1.0.conv1`. */
export function scopePath(name: string): { path: string; op: string } | null {
  if (!name.startsWith('/')) return null;
  const parts = name.slice(1).split('/');
  const op = parts.pop() ?? '';
  let path = '';
  for (const part of parts) path = path && part.startsWith(`${path}.`) ? part : path ? `${path}.${part}` : part;
  return { path, op: op.replace(/_\d+$/, '') };
}

const OP_NAMES: Record<string, string> = { Concat: 'cat', MatMul: 'matmul', Softmax: 'softmax' };

/**
 * Node → layer row: a node in a module's scope belongs to that module's row (its k-th call when torch
 * named the scope `relu_1`); an op in a block's own scope (`/layer1/layer1.0/Add`) to that block's k-th
 * row of the same op; the rest (views, weight copies) to no row.
 */
export function mapExportedNodes(nodes: PlainNode[], model: ModelReport): Record<string, number | null> {
  const rowsByPath = new Map<string, number[]>();
  model.layers.forEach((row, i) => rowsByPath.set(row.path, [...(rowsByPath.get(row.path) ?? []), i]));
  const opCounters = new Map<string, number>();
  const out: Record<string, number | null> = {};
  for (const node of nodes) {
    const scope = scopePath(node.name);
    out[node.name] = scope ? rowFor(scope, rowsByPath, opCounters, model) : null;
  }
  return out;
}

function rowFor(
  scope: { path: string; op: string },
  rowsByPath: Map<string, number[]>,
  opCounters: Map<string, number>,
  model: ModelReport,
): number | null {
  const exact = rowsByPath.get(scope.path);
  if (exact) return exact[0];
  const repeat = scope.path.match(/^(.*)_(\d+)$/);
  if (repeat && rowsByPath.get(repeat[1])?.[Number(repeat[2])] !== undefined)
    return rowsByPath.get(repeat[1])![Number(repeat[2])];
  const op = OP_NAMES[scope.op] ?? scope.op.toLowerCase();
  const key = `${scope.path}|${op}`;
  const k = opCounters.get(key) ?? 0;
  opCounters.set(key, k + 1);
  const prefix = scope.path ? `${scope.path}.` : '';
  const rows = model.layers
    .map((row, i) => ({ row, i }))
    .filter(({ row }) => row.op === op && row.path.startsWith(prefix) && !row.path.slice(prefix.length).includes('.'));
  return rows[k]?.i ?? null;
}
