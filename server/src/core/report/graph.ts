// The dataflow of one traced forward pass as plain data: which tensor each layer call read and wrote,
// how views (reshape, permute, slicing) derive tensors, and the parameters. native/ builds its ONNX graph from it.

/** An argument of a functional op or tensor method, as plain data (tensors by id, slices and `...` marked). */
export type GraphArg =
  | number
  | boolean
  | string
  | null
  | GraphArg[]
  | { slice: [GraphArg, GraphArg, GraphArg] }
  | { ellipsis: true }
  | { tensor: number }
  | { unknown: string }
  | { layer: GraphLayerRef };

/** Plain data: a Keras layer's normalised configuration as its spec computed it. */
export type PlainValue = number | boolean | string | null | PlainValue[] | { [key: string]: PlainValue };

/** A layer passed as an argument (the layer a Keras Bidirectional or TimeDistributed wraps). */
export interface GraphLayerRef {
  /** The Keras class name (`LSTM`) and the layer's name (`lstm_1`). */
  op: string;
  name: string;
  /** Its normalised configuration (the wrapped layer's own constructor arguments are not kept). */
  config: PlainValue;
}

/** The front end a graph was traced from: its op names and layouts (Keras and TF.js share Keras's layers). */
export type GraphFramework = 'pytorch' | 'keras' | 'tfjs';

/** Where a tensor of the forward pass comes from. */
export type TensorSource =
  /** The n-th input of the root's forward. */
  | { kind: 'input'; index: number }
  /** The n-th tensor a layer call returned (tuples flattened in order); `node` is its position in `nodes`. */
  | { kind: 'call'; node: number; output: number }
  /**
   * A tensor method or indexing that only moves or selects data (view, permute, x[:, 0], chunk):
   * `piece` and `pieceShapes` when it returned several tensors (chunk, split, unbind).
   */
  | {
      kind: 'view';
      from: number;
      via: string;
      args: GraphArg[];
      kwargs: Record<string, GraphArg>;
      piece?: number;
      pieceShapes?: (number[] | null)[];
    }
  /** A parameter, by its `named_parameters()` name (Keras: `<layer path>/<weight name>`, non-trainable weights too). */
  | { kind: 'parameter'; name: string }
  /** A buffer (BatchNorm's running statistics), by its `named_buffers()` name. */
  | { kind: 'buffer'; name: string }
  /** A tensor the forward builds from nothing traced (torch.zeros(...)), or one the trace cannot link. */
  | { kind: 'constant'; origin: string };

/** One tensor value, by id. */
export interface GraphTensor {
  id: number;
  shape: number[] | null;
  dtype: string;
  source: TensorSource;
}

/** A module's own parameter or buffer. */
export interface GraphWeight {
  /** The name on the module (`weight`, `in_proj_bias`). */
  name: string;
  shape: number[] | null;
  /** The tensor's id (shared parameters have one id). */
  tensor: number;
}

/**
 * One layer call, in execution order: `index` is its row in the model report's `layers` (the same as
 * its position in `nodes` except for TF.js functional models, whose InputLayer rows have no node).
 */
export interface GraphNode {
  index: number;
  path: string;
  op: string;
  /** Tensor ids read, in call order. */
  inputs: number[];
  /** Tensor ids returned (a tuple flattened in order); empty when the call's output is unknown. */
  outputs: number[];
  /**
   * For a built-in layer: its constructor arguments by name (torch's, or Keras's with its defaults, a
   * TF.js layer's options mapped onto them), and its own weights (Keras's in Keras's layout); for a
   * Keras or TF.js layer also the configuration its spec normalised (kernel sizes as tuples, ...).
   */
  layer?: { args: Record<string, GraphArg>; parameters: GraphWeight[]; buffers: GraphWeight[]; config?: PlainValue };
  /** For a functional op or tensor method: the arguments it was called with, when recorded. */
  args?: GraphArg[];
  kwargs?: Record<string, GraphArg>;
  /** Why the call's cost is unknown, when it is. */
  reason?: string;
}

/** The traced forward pass of one root model. */
export interface ModelGraph {
  framework: GraphFramework;
  /** The model report's name, and its index in the file report's `models`. */
  model: string;
  modelIndex: number;
  /** Tensor ids of the forward's inputs and of what it returned (flattened). */
  inputs: number[];
  outputs: number[];
  tensors: GraphTensor[];
  nodes: GraphNode[];
  /** Parameters of modules the forward pass never called (counted by the report, absent from the graph). */
  unusedParameters: { name: string; shape: number[] | null }[];
  /** Set when the trace stopped early: the graph is then incomplete. */
  aborted?: string;
}
