// The distributed runner (issue 13): BullMQ on a local redis-server with 1, 2 and 4 `foliate worker` processes
// (one engine thread each). (1) Queue overhead: the round trip of a run of one one-point spectrum shard
// (compute ≈ 0), 1 worker; and the first run of a model on a worker (model fetched, parsed, compiled) against a
// run once it is cached. (2) A 2 000-point DIM spectrum of a 784-256-256-10 ReLU MLP in shards of 64 / 256 /
// 1 024 points: the fraction of wall time outside compute, 1 − T_compute / (T_wall · c), where T_compute is
// engine.dimSpectrum of the same points in one process with one engine thread (as each worker has), warmed up
// on the same model, and c = min(workers, cores) the parallelism available. (3) The same for the bundled MNIST
// CNN (more compute per point), 1 024 points in shards of 256. Every worker has the model cached before a
// timed run (a warm-up run of 2 shards per worker). Times are the best of `reps` runs, for T_compute and
// T_wall alike. Needs Debian's redis-server.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { runIfMain } from "./timing.mjs";
import { createEngine } from "../dist/api/engine.js";
import { Model } from "../dist/model/model.js";
import { runDistributed } from "../dist/distributed/index.js";
import { mnist } from "../dist/datasets/mnist.js";
import { gaussian, mulberry32 } from "../dist/random.js";

const MAIN = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

function mlp(sizes, seed) {
  const g = gaussian(mulberry32(seed));
  const layers = sizes.slice(1).map((units, i) => ({
    type: "dense", units, activation: i + 2 < sizes.length ? "relu" : "linear",
    kernel: Array.from({ length: sizes[i] * units }, () => g() * Math.sqrt(2 / sizes[i])), bias: Array.from({ length: units }, () => 0.1 * g()),
  }));
  return Model.fromJSON({ format: "foliate-model", version: 1, inputShape: [sizes[0]], layers: [...layers, { type: "softmax" }] });
}

async function startWorkers(url, count) {
  const procs = [];
  for (let i = 0; i < count; i++) {
    const p = spawn(process.execPath, [MAIN, "worker", "--redis", url, "--workers", "1"], { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    p.stderr.on("data", (c) => (log += c));
    procs.push({ p, ready: () => log.includes("foliate worker ") });
  }
  while (!procs.every((w) => w.ready())) await sleep(50);
  return procs;
}

async function stopWorkers(procs) {
  await Promise.all(procs.map(({ p }) => new Promise((r) => (p.once("exit", r), p.kill("SIGTERM")))));
}

async function best(reps, fn) {
  let t = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    t = Math.min(t, (performance.now() - t0) / 1000);
  }
  return t;
}

/** T_compute (one engine thread, warmed) and, per worker count and shard size, T_wall and the fraction outside compute. */
async function scaling({ label, model, X, d, sizes, workerCounts, url, reps, rows, goals }) {
  const n = X.length / d;
  const engine = await createEngine({ workers: 1 });
  await engine.dimSpectrum(model, X.subarray(0, 64 * d));
  const tCompute = await best(reps, () => engine.dimSpectrum(model, X));
  await engine.close();
  rows.push([`${label}: in-process compute, 1 engine thread`, "—", "—", `${tCompute.toFixed(2)} s`, "—"]);
  for (const W of workerCounts) {
    const procs = await startWorkers(url, W);
    // Every worker fetches and compiles the model before the timed runs (2 shards of 64 points per worker).
    await runDistributed("spectrum-shard", { model, X: X.subarray(0, Math.min(n, 2 * W * 64) * d), d, shardSize: 64 }, { redis: url });
    for (const size of sizes) {
      const wall = await best(reps, () => runDistributed("spectrum-shard", { model, X, d, shardSize: size }, { redis: url }));
      const c = Math.min(W, cpus().length);
      const outside = Math.max(0, 1 - tCompute / (wall * c));
      rows.push([`${label}: ${n} points, shards of ${size}`, String(W), String(Math.ceil(n / Math.ceil(size / 64) / 64)), `${wall.toFixed(2)} s`, `${(100 * outside).toFixed(1)} %`]);
      if (size >= 256) goals.push({ goal: `${label}: outside compute < 5 % (shards of ${size}, ${W} worker${W > 1 ? "s" : ""})`, met: outside < 0.05, detail: `${(100 * outside).toFixed(1)} %` });
    }
    await stopWorkers(procs);
  }
}

export default async function run({ quick }) {
  execFileSync("redis-server", ["--version"]);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "foliate-bench-redis-"));
  const redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], { stdio: "ignore" });
  await sleep(500);
  const url = `redis://127.0.0.1:${port}`;
  const model = mlp([784, 256, 256, 10], 3);
  const n = 2000;
  const g = gaussian(mulberry32(11));
  const X = Float32Array.from({ length: n * 784 }, () => 0.5 + 0.25 * g());
  const rows = [];
  const notes = [];
  const goals = [];
  const reps = quick ? 1 : 2;
  try {
    const procs = await startWorkers(url, 1);
    const first = await best(1, () => runDistributed("spectrum-shard", { model, X: X.subarray(0, 64 * 784), d: 784 }, { redis: url }));
    const cached = await best(3, () => runDistributed("spectrum-shard", { model, X: X.subarray(64 * 784, 128 * 784), d: 784 }, { redis: url }));
    rows.push(["MLP: 64-point run, model new to the worker (fetched, parsed, compiled)", "1", "1", `${(1000 * first).toFixed(0)} ms`, "—"]);
    rows.push(["MLP: 64-point run, model cached by the worker", "1", "1", `${(1000 * cached).toFixed(0)} ms`, "—"]);
    const runs = quick ? 8 : 32;
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) await runDistributed("spectrum-shard", { model, X: X.subarray(i * 784, (i + 1) * 784), d: 784 }, { redis: url });
    rows.push(["one-point run (model stored, points sent, flow added, job taken, result gathered)", "1", "1", `${((performance.now() - t0) / runs).toFixed(1)} ms per run`, "—"]);
    await stopWorkers(procs);

    await scaling({ label: "MLP 784-256-256-10", model, X, d: 784, sizes: quick ? [256] : [64, 256, 1024], workerCounts: quick ? [1, 2] : [1, 2, 4], url, reps, rows, goals });
    if (!quick) {
      const cnn = await Model.load(fileURLToPath(new URL("../data/models/mnist-cnn-c8-c16-d64-e4-b64-lr0.001-s1-n8000.foliate.json.gz", import.meta.url)));
      await scaling({ label: "MNIST CNN (bundled)", model: cnn, X: mnist(1024, "test").X, d: 784, sizes: [256], workerCounts: [1, 2, 4], url, reps: 1, rows, goals });
    }
    notes.push("Fraction outside compute = 1 − T_compute / (T_wall · min(workers, cores)); T_compute is one process with one engine thread (what each worker has), warmed up on the model; both are the best of the runs made. On this 2-core machine the coordinator and redis-server share the cores with the workers, 4 worker processes share 2 cores, and the machine may be shared with other jobs: the 2- and 4-worker rows include that contention, not only the queue's cost.");
    notes.push("A run's fixed cost: connect (2 connections: commands, and the shard queue's event stream), the plan (points hashed and sent to Redis as raw bytes in one pipeline), a small flow, the jobs, and the gather; the coordinator wakes on the shard queue's completion events, not on a timer.");
  } finally {
    redis.kill("SIGTERM");
    await sleep(200);
    rmSync(dir, { recursive: true, force: true });
  }
  return { title: "Distributed runner (BullMQ on Redis): queue overhead and scaling", headers: ["case", "workers", "shards", "wall", "outside compute"], rows, goals, notes };
}

await runIfMain(import.meta.url, run);
