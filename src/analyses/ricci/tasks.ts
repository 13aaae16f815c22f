/**
 * The Ricci flow's two heavy steps as runtime tasks (run on whichever worker is free), and the executor that
 * sends source ranges to them. See executor.ts for the range split.
 */
import type { Runtime } from "../../engine/runtime.js";
import type { Task } from "../../engine/registry.js";
import type { RicciExecutor } from "./executor.js";
import type { RicciGraph } from "./graph.js";
import { knnRowsOn } from "./knnGraph.js";
import { hopSumsRangeOn, type HopMethod } from "./hopDistances.js";

const knnRows: Task<[Float32Array, number, number, number, number, number], Int32Array> = (arena, points, n, dim, k, s0, s1) => {
  const rows = knnRowsOn(arena, points, n, dim, k, s0, s1).idx;
  return { value: rows, transfer: [rows.buffer as ArrayBuffer] };
};

const hopSums: Task<[RicciGraph, number, number, HopMethod], { sums: Float64Array; reached: Int32Array }> = (arena, graph, s0, s1, method) => {
  const r = hopSumsRangeOn(arena, graph, s0, s1, method);
  return { value: r, transfer: [r.sums.buffer as ArrayBuffer, r.reached.buffer as ArrayBuffer] };
};

export const RICCI_TASKS = { "ricci.knnRows": knnRows, "ricci.hopSums": hopSums } as Record<string, Task>;

/** An executor that splits each step into one source range per kernel instance of the runtime. */
export function runtimeExecutor(rt: Runtime, signal?: AbortSignal): RicciExecutor {
  return {
    parallelism: rt.parallelism,
    knnRows: (points, n, dim, k, s0, s1) => rt.task("ricci.knnRows", [points, n, dim, k, s0, s1], signal),
    hopSums: (graph, s0, s1, method) => rt.task("ricci.hopSums", [graph, s0, s1, method], signal),
  };
}
