/**
 * The graphs of the Ricci network flow: a set of arcs (the k nearest neighbours of every point, or any hand-made
 * arcs) and the undirected adjacency derived from them, in CSR form, with the degrees that Forman curvature uses.
 *
 * Two modes (issue 5):
 * - "directed": the arcs themselves; deg(i) = in-degree + out-degree (igraph's `degree(mode = "all")`, as in the
 *   authors' R code), so a mutual pair i→j, j→i counts twice, and curvature sums run over arcs.
 * - "union": the undirected graph i~j iff i→j or j→i; deg(i) = number of distinct neighbours; sums over edges.
 * In both modes geodesics are hop counts on the undirected adjacency (igraph's `distances(mode = "all")`).
 */
import { Arena } from "../../engine/arena.js";
import { OptionError, ShapeError } from "../../errors.js";

export type GraphMode = "directed" | "union";

export interface RicciGraph {
  n: number;
  mode: GraphMode;
  /** Out-degree of every node for a kNN graph; 0 for a graph built from arcs. */
  k: number;
  /** n+1: out-arcs in CSR (for a kNN graph outPtr[i] = i·k). */
  outPtr: Int32Array;
  /** outPtr[n]: the arcs' heads; a kNN row lists the neighbours nearest first. */
  outIdx: Int32Array;
  /** n+1: undirected adjacency in CSR (i~j iff i→j or j→i). */
  rowPtr: Int32Array;
  /** rowPtr[n] = 2 × (number of undirected edges): each row lists out-neighbours, then in-only neighbours. */
  colIdx: Int32Array;
  /** n: directed = in + out arcs; union = distinct neighbours. */
  degree: Int32Array;
  /** kNN graphs only: n×k squared Euclidean distances (float32) of the arcs, row-major, matching outIdx. */
  sqDistances?: Float32Array;
}

/** The kernels this analysis calls (assembly/knn.ts, csr.ts, forman.ts, hops.ts). */
export interface RicciKernels {
  knnF32(n: number, ldp: number, pts: number, k: number, s0: number, s1: number,
    outIdx: number, outDist: number, rowKeys: number): void;
  symmetrizeCsr(n: number, outPtr: number, outIdx: number, inDeg: number, inPtr: number, inIdx: number,
    mark: number, rowPtr: number, colIdx: number): number;
  formanUndirected(n: number, rowPtr: number, colIdx: number, deg: number, nodeCurv: number): number;
  formanDirected(n: number, outPtr: number, outIdx: number, deg: number, nodeCurv: number): number;
  connectedComponents(n: number, rowPtr: number, colIdx: number, labels: number, queue: number): number;
  hopSumsQueue(n: number, rowPtr: number, colIdx: number, s0: number, s1: number,
    dist: number, queue: number, sums: number, reached: number, distOut: number): void;
  bitsetAdjacency(n: number, rowPtr: number, colIdx: number, words: number, adj: number): void;
  hopSumsBitset(n: number, words: number, adj: number, s0: number, s1: number,
    visited: number, frontier: number, next: number, sums: number, reached: number): void;
}

let shared: Promise<Arena> | undefined;

/** The arena of the high-tier (async) functions when the caller passes none: one per thread, created lazily. */
export function defaultArena(): Promise<Arena> {
  shared ??= Arena.create();
  return shared;
}

export function checkMode(mode: unknown): GraphMode {
  if (mode !== "directed" && mode !== "union") {
    throw new OptionError(`graph mode must be "directed" or "union", got ${JSON.stringify(mode)}`);
  }
  return mode;
}

/**
 * Complete a graph from its out-arcs (CSR): symmetrize (Wasm kernel `symmetrizeCsr`) and compute degrees.
 * Low tier: runs on the caller's arena; the arrays are copied out.
 */
export function graphFromOutArcsOn(
  arena: Arena, n: number, outPtr: Int32Array, outIdx: Int32Array, mode: GraphMode, k = 0,
): RicciGraph {
  checkMode(mode);
  const K = arena.kernels<RicciKernels>();
  return arena.scoped(() => {
    const arcs = outPtr[n];
    const pOutPtr = arena.putI32(outPtr);
    const pOutIdx = arena.putI32(outIdx.length ? outIdx : [0]);
    const pInDeg = arena.allocI32(n);
    const pInPtr = arena.allocI32(n + 1);
    const pInIdx = arena.allocI32(Math.max(arcs, 1));
    const pMark = arena.allocI32(n);
    const pRowPtr = arena.allocI32(n + 1);
    const pColIdx = arena.allocI32(Math.max(2 * arcs, 1));
    const nnz = K.symmetrizeCsr(n, pOutPtr, pOutIdx, pInDeg, pInPtr, pInIdx, pMark, pRowPtr, pColIdx);
    const rowPtr = arena.i32(pRowPtr, n + 1).slice();
    const colIdx = arena.i32(pColIdx, nnz).slice();
    const inDeg = arena.i32(pInDeg, n);
    const degree = new Int32Array(n); // n
    for (let i = 0; i < n; i++) {
      degree[i] = mode === "directed" ? inDeg[i] + (outPtr[i + 1] - outPtr[i]) : rowPtr[i + 1] - rowPtr[i];
    }
    return { n, mode, k, outPtr: Int32Array.from(outPtr), outIdx: Int32Array.from(outIdx), rowPtr, colIdx, degree };
  });
}

/**
 * A graph from a list of arcs [i, j] (mode "directed": the arcs i→j; mode "union": undirected edges {i, j}, which
 * may be given once in either direction). Self-loops and repeated arcs are refused.
 * @example
 *   const path = await graphFromArcs(3, [[0, 1], [1, 2]], "union"); // path.degree → Int32Array [1, 2, 1]
 */
export async function graphFromArcs(
  n: number, arcs: ReadonlyArray<readonly [number, number]>, mode: GraphMode, arena?: Arena,
): Promise<RicciGraph> {
  return graphFromArcsOn(arena ?? (await defaultArena()), n, arcs, mode);
}

export function graphFromArcsOn(
  arena: Arena, n: number, arcs: ReadonlyArray<readonly [number, number]>, mode: GraphMode,
): RicciGraph {
  checkMode(mode);
  if (!Number.isInteger(n) || n < 1) throw new ShapeError(`graph needs an integer node count ≥ 1, got ${n}`);
  const seen = new Set<number>();
  const outPtr = new Int32Array(n + 1); // n+1
  for (const [i, j] of arcs) {
    if (!Number.isInteger(i) || !Number.isInteger(j) || i < 0 || j < 0 || i >= n || j >= n) {
      throw new ShapeError(`arc [${i}, ${j}] is outside nodes 0..${n - 1}`);
    }
    if (i === j) throw new ShapeError(`self-loop [${i}, ${j}]: kNN graphs have none`);
    const key = mode === "union" ? Math.min(i, j) * n + Math.max(i, j) : i * n + j;
    if (seen.has(key)) throw new ShapeError(`repeated arc [${i}, ${j}]`);
    seen.add(key);
    outPtr[i + 1]++;
  }
  for (let i = 0; i < n; i++) outPtr[i + 1] += outPtr[i];
  const cursor = outPtr.slice(0, n);
  const outIdx = new Int32Array(outPtr[n]); // arcs, grouped by tail
  for (const [i, j] of arcs) outIdx[cursor[i]++] = j;
  return graphFromOutArcsOn(arena, n, outPtr, outIdx, mode);
}
