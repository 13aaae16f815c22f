/**
 * The coordinator: `runDistributed(kind, spec, { redis, onProgress, signal, run })` splits a specification
 * into shards (the kind's plan), enqueues them as one BullMQ flow — a parent job in the run queue whose
 * children are the shards, with job ids `<run>` and `<run>-<shard>` — waits while workers take them, and
 * gathers the shards' results in shard order into the single-machine result.
 *
 * Resuming: started again with the same run id, it finds the flow already in Redis (same specification,
 * checked by a fingerprint) and waits for it instead of adding it; each shard's result is kept once under its
 * job id, so the output holds every shard exactly once. A shard failing with a FoliateError fails the run
 * with that error class and message (the job is not retried); Redis lost for longer than `unreachableMs`
 * fails it with RedisUnavailableError (the jobs stay: resume later).
 */
import { randomBytes } from "node:crypto";
import { FlowProducer, Job, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { AbortError, deserializeError, FoliateError } from "../errors.js";
import { connectRedis, parseRedisUrl, RUN_QUEUE, SHARD_QUEUE, watchRedis } from "./connection.js";
import { RunStateError } from "./errors.js";
import { jobKind } from "./jobKinds.js";
import { putModel } from "./modelStore.js";
import { checkRunId, sha256 } from "./results.js";
import type { FailureRecord } from "./worker.js";
import "./kinds/index.js";
import type { SpectrumSpec } from "./kinds/spectrumShard.js";
import type { MapSpec, MapOutput } from "./kinds/mapShard.js";
import type { PopulationRecipe } from "../experiments/ricciRecipe.js";
import type { PopulationResult } from "../experiments/ricciPopulation.js";
import type { DimSpectrumResult } from "../analyses/spectrum/dimSpectrum.js";

export interface DistributedProgress {
  /** Shards finished. */
  done: number;
  total: number;
  /** Worker processes connected to the shard queue. */
  workers: number;
}

export interface DistributedOptions {
  /** redis:// or rediss:// URL (user and password allowed). */
  redis: string;
  /** The run id (letters, digits, '.', '_', '-'); default: a new one. Give the same id to resume. */
  run?: string;
  onProgress?: (p: DistributedProgress) => void;
  /** Aborting stops waiting (AbortError); the jobs stay in Redis, so the run can be resumed. */
  signal?: AbortSignal;
  /** Attempts per shard for transient errors (default 3, exponential backoff from 1 s). */
  attempts?: number;
  /** Connect timeout, and how long Redis may be lost during the run before it fails (defaults 5000, 10000 ms). */
  connectTimeoutMs?: number;
  unreachableMs?: number;
  /** Told the run id as soon as it is known (so a user can resume with it). */
  onRun?: (run: string) => void;
}

export interface DistributedKinds {
  "ricci-network": [PopulationRecipe, PopulationResult];
  "spectrum-shard": [SpectrumSpec, DimSpectrumResult];
  "map-shard": [MapSpec, MapOutput];
}

const POLL_MS = 200;

function newRunId(): string {
  return `run-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
}

/** The typed error a failed shard carries, or a FoliateError naming the shard and BullMQ's reason. */
function shardError(job: Job | undefined, id: string): FoliateError {
  const reason = job?.failedReason ?? "unknown reason";
  try {
    const r = JSON.parse(reason) as FailureRecord;
    if (typeof r.foliateError === "string") return deserializeError({ name: r.foliateError, message: `shard ${id}: ${r.message}` });
  } catch {
    // not a FailureRecord: a transient error that used up its attempts
  }
  return new FoliateError(`shard ${id} failed after ${job?.attemptsMade ?? "?"} attempts: ${reason}`);
}

/**
 * Run `spec` of job kind `kind` on the workers connected to Redis and return what the single-machine run
 * returns.
 * @example
 *   const s = await runDistributed("spectrum-shard", { model, X, d: 784 }, { redis: "redis://localhost:6379" });
 */
export async function runDistributed<K extends keyof DistributedKinds>(kind: K, spec: DistributedKinds[K][0], opts: DistributedOptions): Promise<DistributedKinds[K][1]> {
  const k = jobKind(kind);
  const target = parseRedisUrl(opts.redis);
  const run = checkRunId(opts.run ?? newRunId());
  if (opts.signal?.aborted) throw new AbortError("aborted before it started");
  const client: Redis = await connectRedis(target.url, { timeoutMs: opts.connectTimeoutMs ?? 5000 });
  const queue = new Queue(SHARD_QUEUE, { connection: client });
  const runs = new Queue(RUN_QUEUE, { connection: client });
  const flows = new FlowProducer({ connection: client });
  // Connection trouble is judged by watchRedis, not by these emitters.
  queue.on("error", () => {});
  runs.on("error", () => {});
  flows.on("error", () => {});
  let lost: FoliateError | undefined;
  const unwatch = watchRedis(client, target.display, opts.unreachableMs ?? 10_000, (e) => (lost = e));
  try {
    opts.onRun?.(run);
    const payloads = await k.plan(spec, { putModel: (m) => putModel(client, m), runId: run });
    const fingerprint = sha256(Buffer.from(JSON.stringify([kind, payloads])));
    const ids = payloads.map((_, i) => `${run}-${i}`);
    let parent = await Job.fromId(runs, run);
    if (parent && parent.data?.fingerprint !== fingerprint) throw new RunStateError(`run "${run}" is already in Redis with a different specification; choose another --run id`);
    if (!parent) {
      await flows.add({
        name: kind, queueName: RUN_QUEUE, data: { fingerprint, kind, shards: payloads.length }, opts: { jobId: run },
        children: payloads.map((data, i) => ({
          name: kind, queueName: SHARD_QUEUE, data,
          opts: { jobId: ids[i], attempts: opts.attempts ?? 3, backoff: { type: "exponential", delay: 1000 }, failParentOnFailure: true },
        })),
      });
      parent = await Job.fromId(runs, run);
      if (!parent) throw new RunStateError(`run "${run}" vanished from Redis right after it was added`);
    }
    const total = payloads.length;
    let workers = 0, lastWorkerCheck = 0, done = -1;
    for (;;) {
      if (lost) throw lost;
      if (opts.signal?.aborted) throw new AbortError(`aborted; the run's jobs stay in Redis: resume with run id "${run}"`);
      try {
        const state = await parent.getState();
        if (state === "unknown") throw new RunStateError(`run "${run}" was removed from Redis while it ran`);
        const counts = await parent.getDependenciesCount();
        const now = Date.now();
        if (now - lastWorkerCheck > 1000) {
          workers = await queue.getWorkersCount();
          lastWorkerCheck = now;
        }
        if (counts.processed !== done || now === lastWorkerCheck) {
          done = counts.processed ?? 0;
          opts.onProgress?.({ done, total, workers });
        }
        if (state === "failed" || (counts.failed ?? 0) > 0) { // a child failed for good (failParentOnFailure)
          const finished = new Set(Object.keys(await parent.getChildrenValues()).map((key) => key.slice(key.lastIndexOf(":") + 1)));
          for (const id of ids) {
            if (finished.has(id)) continue;
            const job = await Job.fromId(queue, id);
            if (job && (await job.getState()) === "failed") {
              for (const other of ids) await queue.remove(other).catch(() => 0); // no work left behind (locked ones finish)
              await parent.remove().catch(() => {});
              throw shardError(job, id);
            }
          }
          throw new RunStateError(`run "${run}" failed: ${parent.failedReason}`);
        }
        if (done >= total) break;
      } catch (e) {
        if (e instanceof FoliateError) throw e;
        if (client.status === "ready") throw e; // not a connection problem
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const values = await parent.getChildrenValues();
    const byId = new Map(Object.entries(values).map(([key, v]) => [key.slice(key.lastIndexOf(":") + 1), v]));
    const results = ids.map((id) => {
      if (!byId.has(id)) throw new RunStateError(`shard ${id} has no result in Redis`);
      return byId.get(id);
    });
    const out = await k.gather(results, spec, { runId: run });
    await parent.remove().catch(() => {});
    return out as DistributedKinds[K][1];
  } finally {
    unwatch();
    const closing = Promise.allSettled([queue.close(), runs.close(), flows.close()]);
    await Promise.race([closing, new Promise((r) => setTimeout(r, 1000))]);
    client.disconnect();
  }
}
