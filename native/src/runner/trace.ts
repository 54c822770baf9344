// Reads onnxruntime's profiler output (Chrome-trace JSON: one event per node execution and per run)
// into per-node durations, providers and output shapes.

/** One node of the executed graph, over every profiled run. */
export interface NodeTiming {
  /** The node's name in the graph onnxruntime executed (after its optimisations). */
  name: string;
  op: string;
  provider: string;
  /** Kernel time of each execution, in microseconds. */
  durationsUs: number[];
  /** Shapes of its outputs, as the runtime saw them. */
  outputShapes: number[][];
}

/** The profile of a session: its nodes (in first-execution order) and the duration of each run. */
export interface ParsedProfile {
  nodes: NodeTiming[];
  runsUs: number[];
}

interface TraceEvent {
  cat?: string;
  name?: string;
  dur?: number;
  args?: { op_name?: string; provider?: string; output_type_shape?: Record<string, number[]>[] };
}

const KERNEL_SUFFIX = '_kernel_time';

/** Parses the profiler's JSON text; throws with a located message if it is not a trace. */
export function parseProfile(text: string): ParsedProfile {
  let events: unknown;
  try {
    events = JSON.parse(text);
  } catch (e) {
    throw new Error(`onnxruntime's profile is not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(events)) throw new Error("onnxruntime's profile is not a list of trace events");
  const byName = new Map<string, NodeTiming>();
  const runsUs: number[] = [];
  for (const event of events as TraceEvent[]) {
    if (event.cat === 'Session' && event.name === 'model_run' && typeof event.dur === 'number') runsUs.push(event.dur);
    if (event.cat !== 'Node' || !event.name?.endsWith(KERNEL_SUFFIX) || typeof event.dur !== 'number') continue;
    const name = event.name.slice(0, -KERNEL_SUFFIX.length);
    let node = byName.get(name);
    if (!node) {
      node = {
        name,
        op: event.args?.op_name ?? '',
        provider: event.args?.provider ?? '',
        durationsUs: [],
        outputShapes: (event.args?.output_type_shape ?? []).map((entry) => Object.values(entry)[0] ?? []),
      };
      byName.set(name, node);
    }
    node.durationsUs.push(event.dur);
  }
  return { nodes: [...byName.values()], runsUs };
}

/** The median of a list (0 for an empty one). */
export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The q-quantile of a list, linearly interpolated. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
}
