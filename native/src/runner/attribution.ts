// Maps onnxruntime's per-node times back to source layers. Nodes keep their layer's name unless the
// optimiser rewrote them; a rewritten node is traced through the optimised graph to the nearest value
// of the synthesised graph, and layers the optimiser fused into one node share its time by FLOPs.
import type { NodeTiming } from './trace';
import { median } from './trace';

/** A node of a graph as the mapping needs it. */
export interface PlainNode {
  name: string;
  op: string;
  inputs: string[];
  outputs: string[];
}

/** The measured time of each layer row. */
export interface LayerTime {
  index: number;
  measuredUs: number;
  /** The optimiser fused this layer with others; its time is their common node's, split by FLOPs. */
  fused: boolean;
  /** The executed nodes whose time it got. */
  nodes: string[];
}

/** Where every profiled microsecond went. */
export interface Attribution {
  layers: LayerTime[];
  /** Time of nodes that belong to no layer (views between layers). */
  viewsUs: number;
  /** Time of nodes that could not be traced to any synthesised node. */
  unattributedUs: number;
  unattributedNodes: string[];
  totalUs: number;
}

/** What attribution reads. */
export interface AttributionInput {
  /** The synthesised graph's nodes and each one's layer row (null: a view). */
  original: PlainNode[];
  nodeLayers: Record<string, number | null>;
  /** The graph onnxruntime executed, when it could be saved. */
  optimized: PlainNode[] | null;
  profile: NodeTiming[];
  /** FLOPs of each layer row (null: unknown), to split fused nodes. */
  layerFlops: (number | null)[];
}

/** Attributes the profile's node times to layer rows. */
export function attribute(input: AttributionInput): Attribution {
  const original = new Graph(input.original);
  const optimized = input.optimized ? new Graph(input.optimized) : null;
  const anchors = new Map<string, { us: number; nodes: string[] }>();
  const unattributedNodes: string[] = [];
  let unattributedUs = 0;
  let totalUs = 0;
  for (const timing of input.profile) {
    const us = median(timing.durationsUs);
    totalUs += us;
    const anchor = anchorOf(timing, original, optimized);
    if (!anchor) {
      unattributedUs += us;
      unattributedNodes.push(timing.name);
      continue;
    }
    const entry = anchors.get(anchor) ?? { us: 0, nodes: [] };
    entry.us += us;
    entry.nodes.push(timing.name);
    anchors.set(anchor, entry);
  }
  const groups = groupNodes(original, anchors, optimized, input.profile);
  return { ...splitGroups(groups, anchors, input), unattributedUs, unattributedNodes, totalUs };
}

class Graph {
  readonly byName = new Map<string, PlainNode>();
  readonly producer = new Map<string, string>();
  readonly consumers = new Map<string, string[]>();

  constructor(nodes: PlainNode[]) {
    for (const node of nodes) {
      this.byName.set(node.name, node);
      for (const v of node.outputs) this.producer.set(v, node.name);
      for (const v of node.inputs) if (v) this.consumers.set(v, [...(this.consumers.get(v) ?? []), node.name]);
    }
  }
}

/** The synthesised node that owns an executed node's time. */
function anchorOf(timing: NodeTiming, original: Graph, optimized: Graph | null): string | null {
  const same = original.byName.get(timing.name);
  if (same && (!timing.op || same.op === timing.op || !optimized)) return same.name;
  // onnxruntime names a node it rewrites after the value the fused chain writes (`layer1.0.relu:0_nchwc`
  // is conv + batch norm + relu, ending at the relu): that value's producer anchors the chain.
  const stem = timing.name.replace(/(_nchwc|_token_\d+)+$/, '');
  if (stem !== timing.name) {
    if (original.byName.has(stem)) return stem;
    const producer = original.producer.get(stem);
    if (producer) return producer;
  }
  if (optimized) {
    const node = optimized.byName.get(timing.name);
    if (node)
      return nearestOriginal(node, original, optimized, 'down') ?? nearestOriginal(node, original, optimized, 'up');
  }
  return null;
}

/** Walks the optimised graph from a node to the nearest value (or node) the synthesised graph also has. */
function nearestOriginal(start: PlainNode, original: Graph, optimized: Graph, direction: 'down' | 'up'): string | null {
  const seen = new Set<string>([start.name]);
  let frontier = [start];
  for (let depth = 0; depth < 64 && frontier.length; depth++) {
    const next: PlainNode[] = [];
    for (const node of frontier) {
      const values = direction === 'down' ? node.outputs : node.inputs;
      for (const value of values) {
        const producer = original.producer.get(value);
        if (producer) return producer;
        const neighbours =
          direction === 'down' ? (optimized.consumers.get(value) ?? []) : [optimized.producer.get(value) ?? ''];
        for (const name of neighbours) {
          if (!name || seen.has(name)) continue;
          seen.add(name);
          const same = original.byName.get(name);
          if (same) return same.name;
          const n = optimized.byName.get(name);
          if (n) next.push(n);
        }
      }
    }
    frontier = next;
  }
  return null;
}

/**
 * Each synthesised node that got no time of its own (fused away, folded, or not timed) joins the
 * group of the first anchor downstream of it; an anchor's group is itself plus what joined it.
 */
function groupNodes(
  original: Graph,
  anchors: Map<string, { us: number }>,
  optimized: Graph | null,
  profile: NodeTiming[],
): Map<string, string[]> {
  const groups = new Map<string, string[]>([...anchors.keys()].map((a) => [a, [a]]));
  const profiled = new Set(profile.map((p) => p.name));
  for (const [name, node] of original.byName) {
    if (anchors.has(name)) continue;
    // A node that still runs under its own name but was not timed is left alone.
    if (optimized?.byName.has(name) && !profiled.has(name)) continue;
    const anchor = downstreamAnchor(node, original, anchors);
    if (anchor) groups.get(anchor)!.push(name);
  }
  return groups;
}

function downstreamAnchor(start: PlainNode, original: Graph, anchors: Map<string, unknown>): string | null {
  const seen = new Set<string>();
  let frontier = [start];
  while (frontier.length) {
    const next: PlainNode[] = [];
    for (const node of frontier) {
      for (const value of node.outputs) {
        for (const name of original.consumers.get(value) ?? []) {
          if (seen.has(name)) continue;
          seen.add(name);
          if (anchors.has(name)) return name;
          next.push(original.byName.get(name)!);
        }
      }
    }
    frontier = next;
  }
  return null;
}

/** Splits each group's time over its layers by FLOPs (equally when none has FLOPs); views get none of a layer's time. */
function splitGroups(
  groups: Map<string, string[]>,
  anchors: Map<string, { us: number; nodes: string[] }>,
  input: AttributionInput,
): Pick<Attribution, 'layers' | 'viewsUs'> {
  const layers = new Map<number, LayerTime>();
  let viewsUs = 0;
  for (const [anchor, members] of groups) {
    const { us, nodes } = anchors.get(anchor)!;
    const rows = [
      ...new Set(members.map((m) => input.nodeLayers[m]).filter((r): r is number => r !== null && r !== undefined)),
    ];
    if (rows.length === 0) {
      viewsUs += us;
      continue;
    }
    const flops = rows.map((r) => Math.max(input.layerFlops[r] ?? 0, 0));
    const total = flops.reduce((a, b) => a + b, 0);
    rows.forEach((row, i) => {
      const share = total > 0 ? flops[i] / total : 1 / rows.length;
      const entry = layers.get(row) ?? { index: row, measuredUs: 0, fused: false, nodes: [] };
      entry.measuredUs += us * share;
      entry.fused ||= rows.length > 1;
      entry.nodes.push(...nodes);
      layers.set(row, entry);
    });
  }
  return { layers: [...layers.values()].sort((a, b) => a.index - b.index), viewsUs };
}
