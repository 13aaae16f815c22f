/**
 * `foliate worker --redis URL`: a long-running process that takes the distributed runner's jobs
 * (ricci-network, spectrum-shard, map-shard) from Redis and runs them on a local engine. SIGTERM or SIGINT
 * finishes the running jobs however long they take and exits 0 (a second signal exits at once: the jobs are
 * then taken again like a SIGKILLed worker's); a SIGKILLed worker's job is taken again by another worker.
 */
import type { CliCommand } from "../command.js";
import { UsageError } from "../command.js";
import { parseWorkers } from "../engineSession.js";
import { startWorker } from "../../distributed/index.js";
import { readRedisCa } from "../../distributed/cli.js";

function positiveInt(v: unknown, name: string, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${name} must be an integer in 1..${max}, got "${String(v)}"`);
  return n;
}

export const workerCommand: CliCommand = {
  name: "worker",
  drainsOnSignal: true,
  summary: "take distributed jobs (Ricci networks, spectrum and map shards) from Redis and run them here",
  options: (cmd) => {
    cmd
      .requiredOption("--redis <url>", "the Redis the coordinators use: redis://[user:password@]host:6379[/db] or rediss:// (TLS)")
      .option("--redis-ca <file>", "with rediss://: PEM file of the private CA that signed the Redis server's certificate")
      .option("-c, --concurrency <n>", "jobs run at once by this process", "1")
      .option("-w, --workers <n>", "engine threads (0 = the main thread; default: one per core)")
      .option("--results <dir>", "where map-shard results are written: a directory the coordinator reaches too")
      .option("--lock-ms <ms>", "a job whose worker died is taken again after about this long", "30000");
  },
  examples: ["foliate worker --redis redis://10.0.0.5:6379 --results /shared/foliate", "foliate worker --redis rediss://:secret@redis.example:6380 --concurrency 2 --workers 1"],
  async run(_args, opts, ctx) {
    const handle = await startWorker({
      redis: String(opts.redis),
      redisCa: readRedisCa(opts.redisCa),
      concurrency: positiveInt(opts.concurrency, "--concurrency", 64),
      workers: parseWorkers(opts.workers),
      resultsDir: typeof opts.results === "string" ? opts.results : undefined,
      lockMs: positiveInt(opts.lockMs, "--lock-ms", 3_600_000),
      log: ctx.log,
    });
    ctx.log("job kinds: ricci-network, spectrum-shard, map-shard; SIGTERM finishes the running jobs and exits");
    // The CLI aborts ctx.signal on the first SIGTERM or SIGINT and, for this command, waits for it to return.
    const signal = await new Promise<string>((resolve) => {
      const stop = () => resolve((ctx.signal.reason as { signalName?: string } | undefined)?.signalName ?? "abort");
      if (ctx.signal.aborted) stop();
      else ctx.signal.addEventListener("abort", stop, { once: true });
    });
    ctx.log(`${signal}: finishing the running jobs`);
    await handle.close();
    return { data: { worker: handle.name, stopped: signal }, text: `worker ${handle.name} stopped (${signal})` };
  },
};
