/**
 * A worker process's job loop (`foliate worker`): a BullMQ Worker on the shard queue that runs the registered
 * job kinds on a local engine. A FoliateError (bad model, bad options, bad payload) fails the job at once as
 * an UnrecoverableError carrying the error's class and message; any other error is transient and BullMQ
 * retries it with backoff. A job whose worker dies (SIGKILL) loses its lock and is taken again by the stalled-
 * job check of any live worker after `lockMs`. close() (SIGTERM) finishes the running jobs, then exits.
 */
import { hostname } from "node:os";
import { UnrecoverableError, Worker } from "bullmq";
import { createEngine } from "../api/engine.js";
import { FoliateError } from "../errors.js";
import { connectRedis, parseRedisUrl, SHARD_QUEUE } from "./connection.js";
import { checkPayloadSize } from "./codec.js";
import { jobKind } from "./jobKinds.js";
import { ModelCache } from "./modelStore.js";
import { getArray } from "./arrayStore.js";
import "./kinds/index.js";

/** The shortest interval between two progress reports of one job. */
const PROGRESS_MS = 500;

export interface WorkerOptions {
  redis: string;
  /** For rediss://: PEM certificate(s) of a private CA that signed the server's certificate. */
  redisCa?: string | Buffer;
  /** Jobs run at once by this process (default 1). */
  concurrency?: number;
  /** Engine worker threads (default: one per core). */
  workers?: number;
  /** Where map-shard results go (a directory every worker and the coordinator reach). */
  resultsDir?: string;
  /** How long a job's lock lasts without renewal: a killed worker's job is taken again after about this long (default 30000 ms). */
  lockMs?: number;
  log?: (line: string) => void;
}

export interface WorkerHandle {
  /** This worker's name in Redis (host and pid). */
  name: string;
  /** Finish the running jobs, then disconnect and close the engine. */
  close(): Promise<void>;
}

/** The message a failed job carries to the coordinator: the FoliateError's class and message. */
export interface FailureRecord {
  foliateError: string;
  message: string;
}

export async function startWorker(o: WorkerOptions): Promise<WorkerHandle> {
  const log = o.log ?? (() => {});
  const target = parseRedisUrl(o.redis);
  const client = await connectRedis(target.url, { blocking: true, ca: o.redisCa });
  const engine = await createEngine({ workers: o.workers });
  const models = new ModelCache(client);
  const name = `foliate-${hostname()}-${process.pid}`;
  const lockMs = o.lockMs ?? 30_000;
  const worker = new Worker(
    SHARD_QUEUE,
    async (job) => {
      let lastProgress = Date.now();
      try {
        const kind = jobKind(job.name);
        const payload = kind.validate(job.data);
        const result = await kind.run(payload, {
          engine, resultsDir: o.resultsDir, model: (h) => models.get(h),
          array: (ref, Ctor, expected, what) => getArray(client, ref, Ctor, expected, what),
          progress: async (f) => {
            // At most one update per PROGRESS_MS: each is a Redis script and an event, beside the job's compute.
            const now = Date.now();
            if (now - lastProgress < PROGRESS_MS) return;
            lastProgress = now;
            await job.updateProgress(Math.round(100 * f)).catch(() => {});
          },
        });
        checkPayloadSize(result, `the result of ${job.name} job ${job.id}`);
        return result;
      } catch (e) {
        if (e instanceof FoliateError) {
          const record: FailureRecord = { foliateError: e.name, message: e.message };
          throw new UnrecoverableError(JSON.stringify(record));
        }
        throw e;
      }
    },
    { connection: client, concurrency: o.concurrency ?? 1, lockDuration: lockMs, stalledInterval: Math.max(1000, Math.floor(lockMs / 2)), maxStalledCount: 5, name },
  );
  worker.on("error", (e) => log(`worker: ${e.message}`));
  worker.on("failed", (job, e) => log(`job ${job?.id} (${job?.name}) failed: ${e.message}`));
  worker.on("completed", (job) => log(`job ${job.id} (${job.name}) done`));
  await worker.waitUntilReady();
  log(`foliate worker ${name} on ${target.display}: concurrency ${o.concurrency ?? 1}, engine threads ${engine.workers}${o.resultsDir ? `, results in ${o.resultsDir}` : ""}`);
  return {
    name,
    async close() {
      await worker.close();
      await engine.close();
      client.disconnect();
    },
  };
}
