/**
 * The public face of the distributed runner. BullMQ and ioredis load only when a run or a worker starts, so
 * importing "foliate" stays light (and browser bundles never see them).
 */
import type { DistributedKinds, DistributedOptions } from "./coordinator.js";
import type { WorkerHandle, WorkerOptions } from "./worker.js";

export type { DistributedKinds, DistributedOptions, DistributedProgress } from "./coordinator.js";
export type { WorkerHandle, WorkerOptions } from "./worker.js";
export type { SpectrumSpec } from "./kinds/spectrumShard.js";
export type { MapSpec, MapOutput, MapOp } from "./kinds/mapShard.js";
// Module paths held in variables: bundlers (Vite, for the browser lab) then leave these Node-only modules and
// BullMQ out of the bundle; Node resolves them relative to this file as usual.
const COORDINATOR = "./coordinator.js";
const WORKER = "./worker.js";

export { RedisUnavailableError, PayloadTooLargeError, ResultsPathError, RunStateError } from "./errors.js";

/** Run `spec` as jobs of `kind` on the workers connected to `opts.redis`; returns the single-machine result. */
export async function runDistributed<K extends keyof DistributedKinds>(kind: K, spec: DistributedKinds[K][0], opts: DistributedOptions): Promise<DistributedKinds[K][1]> {
  return (await import(/* @vite-ignore */ COORDINATOR) as typeof import("./coordinator.js")).runDistributed(kind, spec, opts);
}

/** Start a worker in this process (what `foliate worker` runs). */
export async function startWorker(opts: WorkerOptions): Promise<WorkerHandle> {
  return (await import(/* @vite-ignore */ WORKER) as typeof import("./worker.js")).startWorker(opts);
}
