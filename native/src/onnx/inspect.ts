// Reads an ONNX file (a user's own, or the graph onnxruntime optimised) with onnx-proto: its nodes as
// plain data, its inputs with shapes, and its weights' size; a corrupt or truncated file is refused
// with a message that says so, before onnxruntime sees it.
import { onnx } from 'onnx-proto';
import type { PlainNode } from '../runner/attribution';
import { elementBytes } from './onnxGraph';

/** What the profiler needs from a model file. */
export interface OnnxInfo {
  nodes: PlainNode[];
  inputs: { name: string; shape: (number | string)[]; type: string }[];
  outputs: string[];
  parameterCount: number;
  initializerBytes: number;
  opset: number | null;
}

/** The file is not a usable ONNX model. */
export class OnnxFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxFileError';
  }
}

const TYPE_NAMES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  6: 'int32',
  7: 'int64',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  16: 'bfloat16',
};

/** Decodes and checks a model; `file` names it in messages. */
export function inspectOnnx(bytes: Uint8Array, file: string): OnnxInfo {
  if (bytes.length === 0) throw new OnnxFileError(`${file} is empty`);
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new OnnxFileError(
      `${file} is not a readable ONNX model (${(e as Error).message}): the file is truncated or corrupt`,
    );
  }
  const nodes = model.graph?.node ?? [];
  const initializerList = model.graph?.initializer ?? [];
  if (nodes.length === 0) throw new OnnxFileError(`${file} holds no graph (is it an ONNX model?)`);
  if (!model.irVersion) throw new OnnxFileError(`${file} has no IR version: not an ONNX model`);
  const initializers = new Set(initializerList.map((t) => t.name));
  let parameterCount = 0;
  let initializerBytes = 0;
  for (const t of initializerList) {
    const n = (t.dims ?? []).reduce((a: number, d) => a * Number(d), 1);
    parameterCount += n;
    initializerBytes += n * elementBytes(TYPE_NAMES[t.dataType ?? 1] ?? 'float32');
  }
  return {
    nodes: plainNodes(nodes),
    inputs: (model.graph?.input ?? [])
      .filter((v) => !initializers.has(v.name))
      .map((v) => ({
        name: v.name ?? '',
        type: TYPE_NAMES[v.type?.tensorType?.elemType ?? 1] ?? 'float32',
        shape: (v.type?.tensorType?.shape?.dim ?? []).map((d) =>
          d.dimValue !== undefined && d.dimValue !== null && Number(d.dimValue) > 0
            ? Number(d.dimValue)
            : d.dimParam || '?',
        ),
      })),
    outputs: (model.graph?.output ?? []).map((v) => v.name ?? ''),
    parameterCount,
    initializerBytes,
    opset: Number((model.opsetImport ?? []).find((o) => !o.domain)?.version ?? 0) || null,
  };
}

/** Nodes as plain data (names made up for unnamed nodes, as onnxruntime does not need them). */
export function plainNodes(nodes: onnx.INodeProto[]): PlainNode[] {
  return nodes.map((n, i) => ({
    name: n.name || `${n.opType}_${i}`,
    op: n.opType ?? '',
    inputs: [...(n.input ?? [])],
    outputs: [...(n.output ?? [])],
  }));
}

/** The nodes of a model file, or null when it cannot be read (the optimised graph is optional). */
export function readNodes(bytes: Uint8Array): PlainNode[] | null {
  try {
    return plainNodes(onnx.ModelProto.decode(bytes).graph?.node ?? []);
  } catch {
    return null;
  }
}
