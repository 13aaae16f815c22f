/**
 * Forman–Ricci curvature of a graph with unit node and edge weights: F(i,j) = 4 − deg(i) − deg(j) for every edge
 * (mode "union") or arc (mode "directed", deg = in + out, as the authors' R code). Wasm kernels `formanUndirected`
 * and `formanDirected`; sums in float64 (exact: every term is an integer).
 */
import type { Arena } from "../../engine/arena.js";
import { defaultArena, type RicciGraph, type RicciKernels } from "./graph.js";

export interface FormanCurvature {
  /** Ric = Σ over edges (union) or arcs (directed) of F. */
  total: number;
  /** n, float64: node curvature = Σ of F over the edges/arcs incident to the node (in and out arcs). */
  node: Float64Array;
  /** n, float64: node / degree (the mean over incident edges/arcs; 0 for an isolated node). */
  nodeMean: Float64Array;
  /** Number of edges (union) or arcs (directed) summed in total. */
  edges: number;
}

export function formanCurvatureOn(arena: Arena, graph: RicciGraph): FormanCurvature {
  const K = arena.kernels<RicciKernels>();
  const n = graph.n;
  return arena.scoped(() => {
    const pDeg = arena.putI32(graph.degree);
    const pNode = arena.allocF64(n);
    let total: number;
    let edges: number;
    if (graph.mode === "directed") {
      const pOutPtr = arena.putI32(graph.outPtr);
      const pOutIdx = arena.putI32(graph.outIdx.length ? graph.outIdx : [0]);
      total = K.formanDirected(n, pOutPtr, pOutIdx, pDeg, pNode);
      edges = graph.outPtr[n];
    } else {
      const pRowPtr = arena.putI32(graph.rowPtr);
      const pColIdx = arena.putI32(graph.colIdx.length ? graph.colIdx : [0]);
      total = K.formanUndirected(n, pRowPtr, pColIdx, pDeg, pNode);
      edges = graph.rowPtr[n] / 2;
    }
    const node = arena.f64(pNode, n).slice();
    const nodeMean = new Float64Array(n); // n
    for (let i = 0; i < n; i++) nodeMean[i] = graph.degree[i] > 0 ? node[i] / graph.degree[i] : 0;
    return { total, node, nodeMean, edges };
  });
}

/**
 * Forman–Ricci curvature of a graph from `knnGraph` or `graphFromArcs`.
 * @example
 *   const path = await graphFromArcs(3, [[0, 1], [1, 2]], "union");
 *   (await formanCurvature(path)).total; // → (4−1−2) + (4−2−1) = 2
 */
export async function formanCurvature(graph: RicciGraph, arena?: Arena): Promise<FormanCurvature> {
  return formanCurvatureOn(arena ?? (await defaultArena()), graph);
}
