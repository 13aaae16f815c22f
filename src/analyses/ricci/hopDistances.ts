/**
 * Graph geodesics with unit edge lengths: γ(i,j) = hop count of a shortest path in the undirected adjacency.
 * All-pairs by breadth-first search from every source (Wasm kernels `hopSumsQueue`, uint16 distances, or
 * `hopSumsBitset`, bit-parallel frontiers for dense graphs), keeping only per-source sums: no n×n matrix unless
 * `hopDistanceMatrixOn` is asked for one.
 *
 * A disconnected graph is reported, never silently summed: `components`, `labels`, `unreachablePairs` and
 * `connected` say so, and `g` is then the sum over the reachable pairs only.
 */
import type { Arena } from "../../engine/arena.js";
import { OptionError, ShapeError } from "../../errors.js";
import { defaultArena, type RicciGraph, type RicciKernels } from "./graph.js";

export type HopMethod = "auto" | "queue" | "bitset";

export interface HopDistances {
  n: number;
  /** n, float64: Σ_j γ(i,j) over the nodes j reachable from i (the node's summed distances). */
  sums: Float64Array;
  /** n: number of nodes j ≠ i reachable from i. */
  reached: Int32Array;
  /** g = Σ_{i<j, j reachable from i} γ(i,j) = Σ_i sums[i] / 2; the full Σ_{i<j} γ when `connected`. */
  g: number;
  components: number;
  /** n: component of each node, numbered in the order of their smallest node. */
  labels: Int32Array;
  /** Number of pairs i<j with no path (γ = ∞); 0 iff connected. */
  unreachablePairs: number;
  connected: boolean;
  method: "queue" | "bitset";
}

/** Largest n for the uint16 distances of the queue kernel (0xFFFF marks "unreached"). */
export const MAX_HOP_NODES = 65535;
/** The bitset kernel's adjacency is n²/8 bytes: used only up to this n. */
const MAX_BITSET_NODES = 16384;

/** The kernel for a graph: bit-parallel when its average degree is at least n/128 (crossover measured at n = 2000 and 8000). */
export function chooseHopMethod(graph: RicciGraph, method: HopMethod = "auto"): "queue" | "bitset" {
  if (method === "queue" || method === "bitset") return method;
  if (method !== "auto") throw new OptionError(`hop method must be "auto", "queue" or "bitset", got ${JSON.stringify(method)}`);
  const avgDegree = graph.rowPtr[graph.n] / graph.n;
  return graph.n <= MAX_BITSET_NODES && avgDegree * 128 >= graph.n ? "bitset" : "queue";
}

function checkGraph(graph: RicciGraph): void {
  if (graph.n > MAX_HOP_NODES) {
    throw new ShapeError(`all-pairs hop distances support n ≤ ${MAX_HOP_NODES} nodes (uint16 distances), got ${graph.n}`);
  }
}

/**
 * Per-source sums for the sources s0 ≤ s < s1 (relative to s0): the unit of work a pool splits across workers.
 * The result does not depend on the split.
 */
export function hopSumsRangeOn(
  arena: Arena, graph: RicciGraph, s0: number, s1: number, method: HopMethod = "auto",
): { sums: Float64Array; reached: Int32Array } {
  checkGraph(graph);
  const n = graph.n;
  if (!(Number.isInteger(s0) && Number.isInteger(s1) && 0 <= s0 && s0 <= s1 && s1 <= n)) {
    throw new OptionError(`source range must satisfy 0 ≤ s0 ≤ s1 ≤ n = ${n}, got [${s0}, ${s1})`);
  }
  const K = arena.kernels<RicciKernels>();
  const which = chooseHopMethod(graph, method);
  return arena.scoped(() => {
    const rows = Math.max(s1 - s0, 1);
    const pRowPtr = arena.putI32(graph.rowPtr);
    const pColIdx = arena.putI32(graph.colIdx.length ? graph.colIdx : [0]);
    const pSums = arena.allocF64(rows);
    const pReached = arena.allocI32(rows);
    if (which === "bitset") {
      const words = Math.ceil(n / 128) * 2; // uint64 words per row, whole v128 lanes
      const pAdj = arena.alloc(n * words * 8);
      const pVisited = arena.alloc(words * 8);
      const pFrontier = arena.alloc(words * 8);
      const pNext = arena.alloc(words * 8);
      K.bitsetAdjacency(n, pRowPtr, pColIdx, words, pAdj);
      K.hopSumsBitset(n, words, pAdj, s0, s1, pVisited, pFrontier, pNext, pSums, pReached);
    } else {
      const pDist = arena.alloc(n * 2);
      const pQueue = arena.allocI32(n);
      K.hopSumsQueue(n, pRowPtr, pColIdx, s0, s1, pDist, pQueue, pSums, pReached, 0);
    }
    return { sums: arena.f64(pSums, s1 - s0).slice(), reached: arena.i32(pReached, s1 - s0).slice() };
  });
}

/** Connected components (Wasm kernel `connectedComponents`). */
export function componentsOn(arena: Arena, graph: RicciGraph): { count: number; labels: Int32Array } {
  const K = arena.kernels<RicciKernels>();
  return arena.scoped(() => {
    const pRowPtr = arena.putI32(graph.rowPtr);
    const pColIdx = arena.putI32(graph.colIdx.length ? graph.colIdx : [0]);
    const pLabels = arena.allocI32(graph.n);
    const pQueue = arena.allocI32(graph.n);
    const count = K.connectedComponents(graph.n, pRowPtr, pColIdx, pLabels, pQueue);
    return { count, labels: arena.i32(pLabels, graph.n).slice() };
  });
}

/** Assemble per-source sums (all n sources, e.g. concatenated ranges) into the reported quantities. */
export function hopDistancesFromSums(
  graph: RicciGraph, sums: Float64Array, reached: Int32Array, comps: { count: number; labels: Int32Array },
  method: "queue" | "bitset",
): HopDistances {
  const n = graph.n;
  let total = 0;
  let reachedPairs = 0;
  for (let i = 0; i < n; i++) {
    total += sums[i];
    reachedPairs += reached[i];
  }
  const unreachablePairs = (n * (n - 1) - reachedPairs) / 2;
  return {
    n, sums, reached, g: total / 2, components: comps.count, labels: comps.labels,
    unreachablePairs, connected: comps.count === 1, method,
  };
}

export function hopDistanceSumsOn(arena: Arena, graph: RicciGraph, method: HopMethod = "auto"): HopDistances {
  const { sums, reached } = hopSumsRangeOn(arena, graph, 0, graph.n, method);
  return hopDistancesFromSums(graph, sums, reached, componentsOn(arena, graph), chooseHopMethod(graph, method));
}

/**
 * The full hop-distance matrix, n×n uint16 row-major (0xFFFF = unreachable), only when asked (tests, small n).
 */
export function hopDistanceMatrixOn(arena: Arena, graph: RicciGraph): Uint16Array {
  checkGraph(graph);
  const n = graph.n;
  const K = arena.kernels<RicciKernels>();
  return arena.scoped(() => {
    const pRowPtr = arena.putI32(graph.rowPtr);
    const pColIdx = arena.putI32(graph.colIdx.length ? graph.colIdx : [0]);
    const pDist = arena.alloc(n * 2);
    const pQueue = arena.allocI32(n);
    const pSums = arena.allocF64(n);
    const pReached = arena.allocI32(n);
    const pOut = arena.alloc(n * n * 2);
    K.hopSumsQueue(n, pRowPtr, pColIdx, 0, n, pDist, pQueue, pSums, pReached, pOut);
    return new Uint16Array(arena.memory.buffer, pOut, n * n).slice();
  });
}

/**
 * All-pairs hop distances of a graph, as per-node sums, g, components and unreachable pairs.
 * @example
 *   const path = await graphFromArcs(3, [[0, 1], [1, 2]], "union");
 *   (await hopDistanceSums(path)).g; // → 1 + 2 + 1 = 4; sums → [3, 2, 3]
 */
export async function hopDistanceSums(graph: RicciGraph, opts: { method?: HopMethod; arena?: Arena } = {}): Promise<HopDistances> {
  return hopDistanceSumsOn(opts.arena ?? (await defaultArena()), graph, opts.method ?? "auto");
}
