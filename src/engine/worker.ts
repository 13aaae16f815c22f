/**
 * Worker entry (Node worker_threads or a browser Web Worker): one Compute instance exposed through comlink.
 * Loaded as built JavaScript (dist/engine/worker.js).
 */
import * as Comlink from "comlink";
import { Compute } from "./compute.js";
import { serializeError, type SerializedError } from "../errors.js";
import type { ModelSpec } from "../model/types.js";
import type { Outputs } from "./job.js";
import type { WasmVariant } from "./wasm.js";
import { knnRowsOn } from "../analyses/ricci/knnGraph.js";
import { hopSumsRangeOn, type HopMethod } from "../analyses/ricci/hopDistances.js";
import type { RicciGraph } from "../analyses/ricci/graph.js";

let compute: Compute | undefined;

/** ok with `outputs` when the worker allocated them (no shared arrays were given), else ok alone. */
export type WorkerReply = { ok: true; outputs?: Outputs } | { ok: false; error: SerializedError };

const transferables = (o: Outputs) => Object.values(o).map((a) => a.buffer as ArrayBuffer);

export const workerApi = {
  async init(variant?: WasmVariant): Promise<void> {
    compute = await Compute.create(variant);
  },
  register(id: string, spec: ModelSpec): void {
    compute!.register(id, spec);
  },
  run(job: string, id: string, X: Float32Array, count: number, opts: Record<string, unknown>, out?: Outputs, base?: number): WorkerReply {
    try {
      const outputs = compute!.run(job, id, X, count, opts, out, base);
      if (out) return { ok: true };
      return Comlink.transfer({ ok: true, outputs }, transferables(outputs));
    } catch (e) {
      return { ok: false, error: serializeError(e) };
    }
  },
  /** Ricci flow: rows s0..s1−1 of a cloud's kNN table (see analyses/ricci/executor.ts). */
  knnRows(points: Float32Array, n: number, dim: number, k: number, s0: number, s1: number): Int32Array {
    const rows = knnRowsOn(compute!.arena, points, n, dim, k, s0, s1).idx;
    return Comlink.transfer(rows, [rows.buffer as ArrayBuffer]);
  },
  /** Ricci flow: per-source hop sums of a graph for the sources s0..s1−1. */
  hopSums(graph: RicciGraph, s0: number, s1: number, method: HopMethod): { sums: Float64Array; reached: Int32Array } {
    const r = hopSumsRangeOn(compute!.arena, graph, s0, s1, method);
    return Comlink.transfer(r, [r.sums.buffer as ArrayBuffer, r.reached.buffer as ArrayBuffer]);
  },
  memory(): { wasmBytes: number; peakScratch: number; rss: number } {
    const rss = typeof process !== "undefined" && process.memoryUsage ? process.memoryUsage().rss : 0;
    return { ...compute!.memory(), rss };
  },
  /** Test hook: keep this worker busy for `ms` (to kill it mid-job). */
  spin(ms: number): number {
    const end = Date.now() + ms;
    let x = 0;
    while (Date.now() < end) x++;
    return x;
  },
  /** Test hook: crash this worker. */
  crash(): void {
    if (typeof process !== "undefined" && process.exit) process.exit(3);
    throw new Error("crash");
  },
};

export type WorkerApi = typeof workerApi;

const isNode = typeof process !== "undefined" && !!process.versions?.node;
if (isNode) {
  const { parentPort } = await import("node:worker_threads");
  if (parentPort) {
    const { default: nodeEndpoint } = await import("comlink/dist/esm/node-adapter.mjs");
    Comlink.expose(workerApi, nodeEndpoint(parentPort));
  }
} else if (typeof self !== "undefined") {
  Comlink.expose(workerApi);
}
