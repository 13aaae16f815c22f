/**
 * The generic worker: one Compute instance exposed through comlink, running the registered jobs and tasks.
 * It knows no analysis; the worker entry (src/worker.ts, built to dist/worker.js) imports the analyses'
 * registrations first and then this module.
 */
import * as Comlink from "comlink";
import { Compute } from "./compute.js";
import { serializeError, type SerializedError } from "../errors.js";
import type { ModelSpec } from "../model/types.js";
import type { Outputs } from "./job.js";
import type { WasmVariant } from "./wasm.js";
import { getTask } from "./registry.js";

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
  /** Run a registered task on this worker's kernel instance; its result buffers are transferred back. */
  task(name: string, args: unknown[]): unknown {
    const { value, transfer } = getTask(name)(compute!.arena, ...args);
    return transfer?.length ? Comlink.transfer(value, transfer) : value;
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
