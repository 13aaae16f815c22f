/**
 * SIGTERM to a `foliate worker` that is running a job: the job finishes, however long past the CLI's grace
 * period, and its result reaches the coordinator (run once: this is the only worker, and its log shows the job
 * done once, never failed), then the process exits with code 0 soon after.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { startRedis, type RedisServer } from "../support/redis.js";
import { MAIN } from "../cli/run.js";
import { randomMlp } from "../support/models.js";
import { runDistributed } from "../../src/distributed/index.js";
import { SHARD_QUEUE } from "../../src/distributed/connection.js";
import { createEngine } from "../../src/api/engine.js";
import { ABORT_GRACE_MS } from "../../src/cli/program.js";

let redis: RedisServer;
let worker: ChildProcess | undefined;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  if (worker && worker.exitCode === null) worker.kill("SIGKILL");
  await redis?.stop();
});

test("SIGTERM mid-job: the job completes once, then the worker exits 0", async () => {
  let log = "";
  worker = spawn(process.execPath, [MAIN, "worker", "--redis", redis.url, "--workers", "1"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CI: "1" } });
  worker.stdout!.on("data", (c) => (log += c));
  worker.stderr!.on("data", (c) => (log += c));
  const exited = new Promise<{ code: number | null; at: number }>((r) => worker!.on("exit", (code) => r({ code, at: Date.now() })));
  while (!log.includes("foliate worker ")) {
    if (worker.exitCode !== null) throw new Error(`worker exited: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  // One job of 4 096 points through a 784-512-512-10 MLP: it runs longer after the signal than the CLI's
  // grace period for other commands (checked below), so a worker cut off by that deadline fails this test.
  const n = 4096;
  const model = randomMlp([784, 512, 512, 10], 5);
  const X = Float32Array.from({ length: n * 784 }, (_, i) => 0.5 + 0.5 * Math.sin(0.113 * i));
  let finished = 0;
  const run = runDistributed("spectrum-shard", { model, X, d: 784, shardSize: n }, { redis: redis.url, run: "sigterm", signal: AbortSignal.timeout(20_000) }).then((r) => ((finished = Date.now()), r));
  const client = new Redis(redis.url);
  const queue = new Queue(SHARD_QUEUE, { connection: client });
  let active = false;
  for (let t = 0; !active && t < 600; t++) {
    active = (await queue.getActive()).some((j) => j.id === "sigterm-0");
    if (!active) await new Promise((r) => setTimeout(r, 25));
  }
  expect(active).toBe(true);
  worker.kill("SIGTERM");
  const killedAt = Date.now();
  expect(log).not.toMatch(/sigterm-0 \(spectrum-shard\) done/); // the job was still running when the signal came
  const s = await run.catch((e) => {
    throw new Error(`${(e as Error).message}; worker log:\n${log}`);
  });
  const { code, at } = await exited;
  await queue.close();
  client.disconnect();
  expect(code, log).toBe(0);
  expect(finished - killedAt).toBeGreaterThan(ABORT_GRACE_MS);
  expect(at - finished, `exited ${at - finished} ms after the run finished (signal ${finished - killedAt} ms before)`).toBeLessThan(3000); // exits promptly once its job is done
  expect(log).toContain("SIGTERM: finishing the running jobs");
  expect(log.match(/job sigterm-0 \(spectrum-shard\) done/g)?.length).toBe(1);
  expect(log).not.toMatch(/failed/);
  // The result is the in-process one: per-point spectra do not depend on the other points of the batch
  // (64-point chunks from the same start), so the first 256 points are checked against an in-process run of them.
  const engine = await createEngine({ workers: 1 });
  const ref = await engine.dimSpectrum(model, X.subarray(0, 256 * 784));
  await engine.close();
  expect(s.n).toBe(n);
  expect(Buffer.from(s.logEigenvalues.buffer, 0, ref.logEigenvalues.byteLength).equals(Buffer.from(ref.logEigenvalues.buffer))).toBe(true);
  expect(Array.from(s.rank.subarray(0, 256))).toEqual(Array.from(ref.rank));
}, 120_000);
