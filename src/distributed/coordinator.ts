/**
 * The coordinator: `runDistributed(kind, spec, { redis, onProgress, signal, run })` splits a specification
 * into shards (the kind's plan), enqueues them as one BullMQ flow — a parent job in the run queue whose
 * children are the shards, with job ids `<run>` and `<run>-<shard>` — waits while workers take them, and
 * gathers the shards' results in shard order into the single-machine result. The shards' input arrays go to
 * Redis as raw bytes before the flow (arrayStore.ts), so the flow itself is small; the coordinator waits on the
 * shard queue's events (runEvents.ts), not on a timer, so it sees the last shard finish within milliseconds.
 *
 * Resuming: started again with the same run id, it finds the flow already in Redis (same specification,
 * checked by a fingerprint) and waits for it instead of adding it; each shard's result is kept once under its
 * job id, so the output holds every shard exactly once. A shard failing with a FoliateError fails the run
 * with that error class and message (the job is not retried); Redis lost for longer than `unreachableMs`
 * fails it with RedisUnavailableError (the jobs stay: resume later).
 */
import { createHash, randomBytes } from "node:crypto";
import { FlowProducer, Job, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { AbortError, deserializeError, FoliateError } from "../errors.js";
import { connectRedis, parseRedisUrl, RUN_QUEUE, SHARD_QUEUE, watchRedis } from "./connection.js";
import { PayloadTooLargeError, RunStateError } from "./errors.js";
import { MAX_PAYLOAD_BYTES } from "./codec.js";
import { RunEvents } from "./runEvents.js";
import { jobKind } from "./jobKinds.js";
import { putModel } from "./modelStore.js";
import { ArrayWriter } from "./arrayStore.js";
import { checkRunId } from "./results.js";
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
  /** For rediss://: PEM certificate(s) of a private CA that signed the server's certificate (see connectRedis). */
  redisCa?: string | Buffer;
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

/** The longest a coordinator waits without an event before it looks at Redis (live workers, missed events). */
const CHECK_MS = 1000;

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
 * The run's fingerprint (SHA-256 over the kind and the payloads' JSON), checking each payload against the
 * payload bound on the way: each payload is serialised once here (BullMQ serialises it once more to store it).
 */
function payloadFingerprint(kind: string, payloads: unknown[]): string {
  const hash = createHash("sha256").update(kind);
  payloads.forEach((p, i) => {
    const json = JSON.stringify(p);
    const size = Buffer.byteLength(json);
    if (size > MAX_PAYLOAD_BYTES) throw new PayloadTooLargeError(`the payload of ${kind} shard ${i} is ${size} bytes, above the bound of ${MAX_PAYLOAD_BYTES} bytes; use more, smaller shards (--shard-size)`);
    hash.update("\n").update(json);
  });
  return hash.digest("hex");
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
  const client: Redis = await connectRedis(target.url, { timeoutMs: opts.connectTimeoutMs ?? 5000, ca: opts.redisCa });
  const queue = new Queue(SHARD_QUEUE, { connection: client });
  const runs = new Queue(RUN_QUEUE, { connection: client });
  const flows = new FlowProducer({ connection: client });
  // Connection trouble is judged by watchRedis, not by these emitters.
  queue.on("error", () => {});
  runs.on("error", () => {});
  flows.on("error", () => {});
  let lost: FoliateError | undefined;
  let shardEvents: RunEvents | undefined;
  let listening: Promise<RunEvents> | undefined;
  const unwatch = watchRedis(client, target.display, opts.unreachableMs ?? 10_000, (e) => {
    lost = e;
    shardEvents?.wake();
  });
  try {
    opts.onRun?.(run);
    // Listening starts before the flow is added (no completion can be missed); it connects while the plan runs.
    listening = RunEvents.open(target.url, client, run, { timeoutMs: opts.connectTimeoutMs ?? 5000, ca: opts.redisCa });
    listening.catch(() => {});
    const arrays = new ArrayWriter(client, run);
    const existing = Job.fromId(runs, run); // sent now: its answer comes back while the plan runs
    existing.catch(() => {});
    const payloads = await k.plan(spec, { putModel: (m) => putModel(client, m), putArray: (a, what) => arrays.put(a, what), runId: run });
    const fingerprint = payloadFingerprint(kind, payloads);
    const ids = payloads.map((_, i) => `${run}-${i}`);
    // The arrays' pipeline and the flow go down the same connection in this order, so Redis stores the
    // arrays before any worker can see a shard; neither waits for the event stream (it reads from `since`).
    const stored = arrays.flush();
    stored.catch(() => {});
    let parent = await existing;
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
    await stored;
    shardEvents = await listening;
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
        const checkWorkers = now - lastWorkerCheck > 1000;
        if (checkWorkers) {
          workers = await queue.getWorkersCount();
          lastWorkerCheck = now;
        }
        if (counts.processed !== done || checkWorkers) {
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
              await arrays.remove().catch(() => {});
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
      await shardEvents.next(CHECK_MS, opts.signal);
    }
    const values = await parent.getChildrenValues();
    const byId = new Map(Object.entries(values).map(([key, v]) => [key.slice(key.lastIndexOf(":") + 1), v]));
    const results = ids.map((id) => {
      if (!byId.has(id)) throw new RunStateError(`shard ${id} has no result in Redis`);
      return byId.get(id);
    });
    const out = await k.gather(results, spec, { runId: run });
    await Promise.all([parent.remove().catch(() => {}), arrays.remove()]);
    return out as DistributedKinds[K][1];
  } finally {
    unwatch();
    const closing = Promise.allSettled([queue.close(), runs.close(), flows.close(), listening?.then((e) => e.close())]);
    await Promise.race([closing, new Promise((r) => setTimeout(r, 1000))]);
    client.disconnect();
  }
}
