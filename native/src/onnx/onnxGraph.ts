// A small builder of ONNX graphs on onnx-proto's generated messages: nodes with typed attributes,
// initializers with seeded random weights (kept as parameters, buffers or constants), and encoding.
import { onnx } from 'onnx-proto';
import { SeededRandom } from './seededRandom';

/** Element types the synthesiser uses, by the names the core gives tensors. */
export type ElementType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'bool' | 'uint8';

const ONNX_TYPES: Record<ElementType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float64: onnx.TensorProto.DataType.DOUBLE,
  float16: onnx.TensorProto.DataType.FLOAT16,
  bfloat16: onnx.TensorProto.DataType.BFLOAT16,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  bool: onnx.TensorProto.DataType.BOOL,
  uint8: onnx.TensorProto.DataType.UINT8,
};

/** The ONNX data type number of an element type (unknown names are float32, the core's default). */
export function onnxType(type: string): number {
  return ONNX_TYPES[type as ElementType] ?? ONNX_TYPES.float32;
}

/** Bytes per element of an element type as stored in an initializer. */
export function elementBytes(type: string): number {
  return { float64: 8, int64: 8, float32: 4, int32: 4, float16: 2, bfloat16: 2, bool: 1, uint8: 1 }[type] ?? 4;
}

/** An attribute value: the builder picks the ONNX attribute type from the wrapper. */
export type Attribute =
  | { int: number }
  | { float: number }
  | { ints: number[] }
  | { floats: number[] }
  | { string: string }
  | { strings: string[] }
  | { graph: onnx.IGraphProto };

/** What an initializer holds, for the parameter count and the memory estimate. */
export type InitializerKind = 'parameter' | 'buffer' | 'constant';

/** How an initializer is filled. */
export type Fill =
  | { random: number }
  | { value: number }
  | { values: number[] }
  /** Uniform random integers in [0, below) (token ids for a Gather). */
  | { integersBelow: number };

/** One initializer as recorded beside the graph (the data itself goes into the message). */
export interface InitializerInfo {
  name: string;
  shape: number[];
  type: ElementType;
  kind: InitializerKind;
  elements: number;
  /** The core's tensor ids of the torch parameters this initializer stands for. */
  covers: number[];
}

/** Builds one ONNX graph; names are made unique as they are handed out. */
export class OnnxGraph {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  readonly initializerInfo: InitializerInfo[] = [];
  readonly inputs: onnx.IValueInfoProto[] = [];
  readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly used = new Set<string>();
  private readonly random: SeededRandom;

  constructor(
    readonly name: string,
    seed: number,
  ) {
    this.random = new SeededRandom(seed);
  }

  /** A name not used yet in this graph, based on `base`. */
  unique(base: string): string {
    let name = base;
    for (let n = 2; this.used.has(name); n++) name = `${base}#${n}`;
    this.used.add(name);
    return name;
  }

  /** Whether a value or node name is taken. */
  has(name: string): boolean {
    return this.used.has(name);
  }

  /** Adds a node; returns its output names (fresh ones named after the node when not given). */
  node(
    opType: string,
    inputs: string[],
    outputs: string[] | number,
    name: string,
    attributes: Record<string, Attribute> = {},
    domain = '',
  ): string[] {
    const nodeName = this.unique(name);
    const outs =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, (_, i) => this.unique(`${nodeName}:${i}`))
        : outputs;
    this.nodes.push({
      name: nodeName,
      opType,
      domain,
      input: inputs,
      output: outs,
      attribute: Object.entries(attributes).map(([key, value]) => attributeProto(key, value)),
    });
    return outs;
  }

  /** Adds a node with one fresh output; returns that output's name. */
  op(opType: string, inputs: string[], name: string, attributes: Record<string, Attribute> = {}, domain = ''): string {
    return this.node(opType, inputs, 1, name, attributes, domain)[0];
  }

  /** Adds an initializer filled as asked; returns its (unique) name. */
  initializer(
    base: string,
    shape: number[],
    kind: InitializerKind,
    fill: Fill,
    type: ElementType = 'float32',
    covers: number[] = [],
  ): string {
    const name = this.unique(base);
    const elements = shape.reduce((a, b) => a * b, 1);
    this.initializers.push(tensorProto(name, shape, type, this.data(elements, type, fill)));
    this.initializerInfo.push({ name, shape, type, kind, elements, covers });
    return name;
  }

  /** An int64 constant (shapes, axes, pads). */
  ints(base: string, values: number[], shape = [values.length]): string {
    return this.initializer(base, shape, 'constant', { values }, 'int64');
  }

  /** A float32 scalar constant. */
  scalar(base: string, value: number, type: ElementType = 'float32'): string {
    return this.initializer(base, [], 'constant', { value }, type);
  }

  /** Declares a graph input (shape null when a subgraph leaves it to inference). */
  input(name: string, shape: number[] | null, type: string): void {
    this.used.add(name);
    this.inputs.push(valueInfo(name, shape, type));
  }

  /** Declares a graph output (shape null when not known). */
  output(name: string, shape: number[] | null, type: string): void {
    this.outputs.push(valueInfo(name, shape, type));
  }

  /** The graph message. */
  graph(): onnx.IGraphProto {
    return {
      name: this.name,
      node: this.nodes,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
    };
  }

  private data(elements: number, type: ElementType, fill: Fill): Uint8Array {
    const bytes = new Uint8Array(elements * elementBytes(type));
    const view = new DataView(bytes.buffer);
    if ('values' in fill) fill.values.forEach((v, i) => write(view, i, type, v));
    else if ('value' in fill) {
      if (fill.value !== 0) for (let i = 0; i < elements; i++) write(view, i, type, fill.value);
    } else if ('random' in fill) {
      if (type !== 'float32') throw new Error(`random ${type} initializers are not supported`);
      this.random.fillUniform(new Float32Array(bytes.buffer), fill.random);
    } else for (let i = 0; i < elements; i++) write(view, i, type, Math.floor(this.random.next() * fill.integersBelow));
    return bytes;
  }
}

function write(view: DataView, index: number, type: ElementType, value: number): void {
  switch (type) {
    case 'int64':
      view.setBigInt64(index * 8, BigInt(Math.trunc(value)), true);
      return;
    case 'int32':
      view.setInt32(index * 4, value, true);
      return;
    case 'float64':
      view.setFloat64(index * 8, value, true);
      return;
    case 'bool':
    case 'uint8':
      view.setUint8(index, value ? 1 : 0);
      return;
    case 'float16':
    case 'bfloat16':
      throw new Error(`${type} constants are not supported`);
    default:
      view.setFloat32(index * 4, value, true);
  }
}

function tensorProto(name: string, shape: number[], type: string, rawData: Uint8Array): onnx.ITensorProto {
  return { name, dims: shape, dataType: onnxType(type), rawData };
}

function valueInfo(name: string, shape: number[] | null, type: string): onnx.IValueInfoProto {
  const tensorType: onnx.TypeProto.ITensor = { elemType: onnxType(type) };
  if (shape) tensorType.shape = { dim: shape.map((d) => ({ dimValue: d })) };
  return { name, type: { tensorType } };
}

function attributeProto(name: string, value: Attribute): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('int' in value) return { name, type: T.INT, i: value.int };
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  if ('ints' in value) return { name, type: T.INTS, ints: value.ints };
  if ('floats' in value) return { name, type: T.FLOATS, floats: value.floats };
  if ('string' in value) return { name, type: T.STRING, s: new TextEncoder().encode(value.string) };
  if ('strings' in value)
    return { name, type: T.STRINGS, strings: value.strings.map((x) => new TextEncoder().encode(x)) };
  return { name, type: T.GRAPH, g: value.graph };
}

/** The opset the synthesised graphs use (LayerNormalization needs 17; onnx-proto's IR version is 8). */
export const OPSET = 17;
export const IR_VERSION = 8;

/** Encodes a graph as a model file. */
export function encodeModel(graph: onnx.IGraphProto, metadata: Record<string, string> = {}): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'wattlens',
    producerVersion: '0.1.0',
    graph,
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}
