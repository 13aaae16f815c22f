/**
 * Where the two heavy steps of the Ricci flow run: the kNN rows of a cloud and the all-pairs BFS sums of a graph,
 * both split by source range [s0, s1). The flow asks an executor for `parallelism` ranges of each and concatenates
 * them; rows and sources are independent, so the result does not depend on the split (tested).
 *
 * `arenaExecutor(arena)` runs the ranges one after the other on one arena (one thread). The engine's worker pool
 * implements the same interface by sending each range to a worker (each worker holds its own arena).
 */
import type { Arena } from "../../engine/arena.js";
import { OptionError } from "../../errors.js";
import type { RicciGraph } from "./graph.js";
import { knnRowsOn } from "./knnGraph.js";
import { hopSumsRangeOn, type HopMethod } from "./hopDistances.js";

export interface RicciExecutor {
  /** Number of source ranges each step is split into (e.g. the worker count). */
  parallelism: number;
  /** Rows s0..s1−1 of the kNN table of an n×dim cloud: (s1−s0)×k int32, row-major, nearest first. */
  knnRows(points: Float32Array, n: number, dim: number, k: number, s0: number, s1: number): Promise<Int32Array>;
  /** Per-source hop sums (float64) and reached counts (int32) for the sources s0..s1−1 of a graph. */
  hopSums(graph: RicciGraph, s0: number, s1: number, method: HopMethod): Promise<{ sums: Float64Array; reached: Int32Array }>;
}

/** An executor on one arena, splitting into `parallelism` ranges (1 by default; more only to test the split). */
export function arenaExecutor(arena: Arena, parallelism = 1): RicciExecutor {
  return {
    parallelism,
    knnRows: async (points, n, dim, k, s0, s1) => knnRowsOn(arena, points, n, dim, k, s0, s1).idx,
    hopSums: async (graph, s0, s1, method) => hopSumsRangeOn(arena, graph, s0, s1, method),
  };
}

/** `parts` contiguous ranges covering 0..n−1, sizes differing by at most one (empty ranges dropped). */
export function sourceRanges(n: number, parts: number): [number, number][] {
  if (!Number.isInteger(parts) || parts < 1) throw new OptionError(`parallelism must be an integer ≥ 1, got ${parts}`);
  const out: [number, number][] = [];
  for (let p = 0; p < parts; p++) {
    const s0 = Math.floor((p * n) / parts);
    const s1 = Math.floor(((p + 1) * n) / parts);
    if (s1 > s0) out.push([s0, s1]);
  }
  return out;
}

/** The full kNN table (n×k) of a cloud, its row ranges run by the executor. */
export async function knnTableWith(ex: RicciExecutor, points: Float32Array, n: number, dim: number, k: number): Promise<Int32Array> {
  const parts = await Promise.all(sourceRanges(n, ex.parallelism).map(([s0, s1]) => ex.knnRows(points, n, dim, k, s0, s1)));
  const table = new Int32Array(n * k); // n×k, row-major
  let at = 0;
  for (const p of parts) {
    table.set(p, at);
    at += p.length;
  }
  return table;
}

/** All n per-source hop sums of a graph, their source ranges run by the executor. */
export async function hopSumsWith(
  ex: RicciExecutor, graph: RicciGraph, method: HopMethod,
): Promise<{ sums: Float64Array; reached: Int32Array }> {
  const ranges = sourceRanges(graph.n, ex.parallelism);
  const parts = await Promise.all(ranges.map(([s0, s1]) => ex.hopSums(graph, s0, s1, method)));
  const sums = new Float64Array(graph.n); // n
  const reached = new Int32Array(graph.n); // n
  parts.forEach((p, r) => {
    sums.set(p.sums, ranges[r][0]);
    reached.set(p.reached, ranges[r][0]);
  });
  return { sums, reached };
}
