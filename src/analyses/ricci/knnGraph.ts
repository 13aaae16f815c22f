/**
 * kNN graph of a point cloud: exact k nearest neighbours (Euclidean, float32 direct differences, ties to the lower
 * index; Wasm kernel `knnF32`), then the graph of the chosen mode (see graph.ts).
 *
 * Two tiers: `knnGraph(points, n, dim, k, mode)` (async, typed arrays in, plain objects out) and the `...On(arena)`
 * functions that run on a caller's arena; `knnRowsOn` takes a source range [s0, s1) so a pool can split the rows
 * across workers and concatenate them (rows are independent and the result does not depend on the split).
 */
import type { Arena } from "../../engine/arena.js";
import { NonFiniteError, OptionError, ShapeError } from "../../errors.js";
import { checkMode, defaultArena, graphFromOutArcsOn, type GraphMode, type RicciGraph, type RicciKernels } from "./graph.js";

export function checkCloud(points: ArrayLike<number>, n: number, dim: number, what = "points"): void {
  if (!Number.isInteger(n) || n < 2) throw new ShapeError(`${what}: need an integer point count n ≥ 2, got ${n}`);
  if (!Number.isInteger(dim) || dim < 1) throw new ShapeError(`${what}: need an integer dimension ≥ 1, got ${dim}`);
  if (points.length !== n * dim) {
    throw new ShapeError(`${what}: expected n×dim = ${n}×${dim} = ${n * dim} values (row-major), got ${points.length}`);
  }
  for (let i = 0; i < points.length; i++) {
    if (!Number.isFinite(points[i])) {
      throw new NonFiniteError(`${what}: value ${points[i]} at point ${Math.floor(i / dim)}, coordinate ${i % dim}`);
    }
  }
}

export function checkK(k: number, n: number): void {
  if (!Number.isInteger(k) || k < 1 || k > n - 1) {
    throw new OptionError(`k must be an integer in 1..n−1 = 1..${n - 1}, got ${k}`);
  }
}

/** Copy an n×dim cloud into the arena as n×ldp float32 rows padded with zeros to whole v128 lanes. */
export function uploadCloudOn(arena: Arena, points: ArrayLike<number>, n: number, dim: number): { ptr: number; ldp: number } {
  const ldp = Math.ceil(dim / 4) * 4;
  const ptr = arena.allocF32(n * ldp);
  const view = arena.f32(ptr, n * ldp); // n×ldp, row-major, zero padding
  view.fill(0);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < dim; c++) view[i * ldp + c] = points[i * dim + c];
  }
  return { ptr, ldp };
}

/**
 * Rows s0 ≤ i < s1 of the kNN table of a cloud already in the arena (from `uploadCloudOn`).
 * Returns idx (s1−s0)×k int32 and sqDist (s1−s0)×k float32, row-major, nearest first.
 */
export function knnRowsAt(
  arena: Arena, cloud: { ptr: number; ldp: number }, n: number, k: number, s0: number, s1: number,
): { idx: Int32Array; sqDist: Float32Array } {
  checkK(k, n);
  if (!(Number.isInteger(s0) && Number.isInteger(s1) && 0 <= s0 && s0 <= s1 && s1 <= n)) {
    throw new OptionError(`source range must satisfy 0 ≤ s0 ≤ s1 ≤ n = ${n}, got [${s0}, ${s1})`);
  }
  const K = arena.kernels<RicciKernels>();
  return arena.scoped(() => {
    const rows = s1 - s0;
    const pIdx = arena.allocI32(Math.max(rows * k, 1));
    const pDist = arena.allocF32(Math.max(rows * k, 1));
    const pRowKeys = arena.alloc(n * 8); // n uint64: (distance bits << 32) | index
    K.knnF32(n, cloud.ldp, cloud.ptr, k, s0, s1, pIdx, pDist, pRowKeys);
    return { idx: arena.i32(pIdx, rows * k).slice(), sqDist: arena.f32(pDist, rows * k).slice() };
  });
}

/** Rows [s0, s1) of the kNN table of an n×dim row-major cloud (uploads the cloud, then `knnRowsAt`). */
export function knnRowsOn(
  arena: Arena, points: ArrayLike<number>, n: number, dim: number, k: number, s0 = 0, s1 = n,
): { idx: Int32Array; sqDist: Float32Array } {
  checkCloud(points, n, dim);
  return arena.scoped(() => knnRowsAt(arena, uploadCloudOn(arena, points, n, dim), n, k, s0, s1));
}

/** The graph of a full kNN table (idx n×k, row-major), e.g. the concatenation of `knnRowsOn` ranges. */
export function graphFromKnnOn(arena: Arena, n: number, k: number, idx: Int32Array, mode: GraphMode, sqDist?: Float32Array): RicciGraph {
  if (idx.length !== n * k) throw new ShapeError(`kNN table: expected n×k = ${n * k} indices, got ${idx.length}`);
  const outPtr = new Int32Array(n + 1); // n+1
  for (let i = 0; i <= n; i++) outPtr[i] = i * k;
  const graph = graphFromOutArcsOn(arena, n, outPtr, idx, mode, k);
  if (sqDist) graph.sqDistances = sqDist;
  return graph;
}

/** kNN graph of a cloud on the caller's arena. */
export function knnGraphOn(arena: Arena, points: ArrayLike<number>, n: number, dim: number, k: number, mode: GraphMode): RicciGraph {
  checkMode(mode);
  checkCloud(points, n, dim);
  checkK(k, n);
  const { idx, sqDist } = knnRowsOn(arena, points, n, dim, k);
  return graphFromKnnOn(arena, n, k, idx, mode, sqDist);
}

/**
 * kNN graph of n points of dimension dim (row-major n×dim): each point's k nearest others, Euclidean, ties to the
 * lower index, in mode "directed" or "union".
 * @example
 *   const g = await knnGraph(new Float32Array([0, 1, 3]), 3, 1, 1, "union");
 *   // arcs 0→1, 1→0, 2→1; g.degree → Int32Array [1, 2, 1]
 */
export async function knnGraph(
  points: ArrayLike<number>, n: number, dim: number, k: number, mode: GraphMode, arena?: Arena,
): Promise<RicciGraph> {
  return knnGraphOn(arena ?? (await defaultArena()), points, n, dim, k, mode);
}
