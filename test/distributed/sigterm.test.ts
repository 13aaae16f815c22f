/**
 * SIGTERM to a `foliate worker` that is running a job (calibrated to outlast the grace period on any machine): the job finishes, however long past the CLI's grace
 * period, and its result reaches the coordinator (run once: this is the only worker, and its log shows the job
 * done once, never failed), then the process exits with code 0 soon after.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { startRedis, type RedisServer } from "../support/redis.js";
import { MAIN } from "../cli/run.js";
import { randomWeights } from "../support/models.js";
import { Model } from "../../src/model/model.js";
import { runDistributed } from "../../src/distributed/index.js";
import { SHARD_QUEUE } from "../../src/distributed/connection.js";
import { createEngine } from "../../src/api/engine.js";
import { ABORT_GRACE_MS } from "../../src/cli/program.js";

/** 28×28×1 → conv 3×3 ×32 → conv 3×3 ×64 → average pool 2 → dense 10, ReLU, seeded (the DIM authors' CNN without its dense 128). */
function heavyCnn(): Model {
  const conv = (i: number, inC: number, outC: number) => ({
    type: "conv2d" as const, filters: outC, kernelSize: [3, 3], strides: [1, 1], padding: "valid" as const,
    kernel: randomWeights(10 + i, 9 * inC * outC, Math.sqrt(2 / (9 * inC))), bias: randomWeights(20 + i, outC, 0.05), activation: "relu" as const,
  });
  return Model.fromJSON({
    format: "foliate-model", version: 1, inputShape: [28, 28, 1],
    layers: [conv(1, 1, 32), conv(2, 32, 64), { type: "avgPool2d", poolSize: [2, 2], strides: [2, 2], padding: "valid" }, { type: "flatten" },
      { type: "dense", units: 10, kernel: Array.from(randomWeights(30, 9216 * 10, Math.sqrt(2 / 9216))), bias: Array.from(randomWeights(31, 10, 0.05)), activation: "linear" }, { type: "softmax" }],
  } as never);
}

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
  // One job that computes for ≈ 4 × the CLI's grace period for other commands, so that a worker cut off by that
  // deadline fails this test on any machine: a CNN whose spectra take the transposed-conv route (conv 32 → conv
  // 64, ≈ 0.2 GFLOP per point), n calibrated here from the in-process time of 32 points.
  const model = heavyCnn();
  const X0 = Float32Array.from({ length: 4096 * 784 }, (_, i) => 0.5 + 0.5 * Math.sin(0.113 * i));
  const probe = await createEngine({ workers: 1 });
  await probe.dimSpectrum(model, X0.subarray(0, 8 * 784));
  const t0 = performance.now();
  await probe.dimSpectrum(model, X0.subarray(0, 32 * 784));
  const msPerPoint = (performance.now() - t0) / 32;
  await probe.close();
  const n = Math.min(4096, Math.max(256, 64 * Math.ceil((4 * ABORT_GRACE_MS) / msPerPoint / 64)));
  const X = X0.subarray(0, n * 784);
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
  expect(finished - killedAt, `n = ${n} points at ${msPerPoint.toFixed(2)} ms/point in process`).toBeGreaterThan(ABORT_GRACE_MS);
  console.log(`sigterm: the job ran ${finished - killedAt} ms after the signal (n = ${n}, ${msPerPoint.toFixed(2)} ms/point in process)`);
  expect(at - finished, `exited ${at - finished} ms after the run finished (signal ${finished - killedAt} ms before)`).toBeLessThan(3000); // exits promptly once its job is done
  expect(log).toContain("SIGTERM: finishing the running jobs");
  expect(log.match(/job sigterm-0 \(spectrum-shard\) done/g)?.length).toBe(1);
  expect(log).not.toMatch(/failed/);
  // The result is the in-process one: per-point spectra do not depend on the other points of the batch, so
  // the first 64 points are checked against an in-process run of them.
  const engine = await createEngine({ workers: 1 });
  const ref = await engine.dimSpectrum(model, X.subarray(0, 64 * 784));
  await engine.close();
  expect(s.n).toBe(n);
  expect(Buffer.from(s.logEigenvalues.buffer, 0, ref.logEigenvalues.byteLength).equals(Buffer.from(ref.logEigenvalues.buffer))).toBe(true);
  expect(Array.from(s.rank.subarray(0, 64))).toEqual(Array.from(ref.rank));
}, 120_000);
