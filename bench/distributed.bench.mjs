// The distributed runner (issue 13): BullMQ on a local redis-server with 1, 2 and 4 `foliate worker` processes
// (one engine thread each). (1) Queue overhead per job: the wall time per shard of a run of 64 one-point
// spectrum shards (compute ≈ 0), 1 worker. (2) A 2 000-point DIM spectrum of a 784-256-256-10 ReLU MLP in
// shards of 64 / 256 / 1 024 points: the fraction of wall time outside compute, 1 − T_compute / (T_wall · c),
// where T_compute is engine.dimSpectrum of the same points in one process with one engine thread and
// c = min(workers, cores) the parallelism available. Needs Debian's redis-server.
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
  try {
    const engine = await createEngine({ workers: 1 });
    await engine.dimSpectrum(model, X.subarray(0, 64 * 784));
    let t0 = performance.now();
    await engine.dimSpectrum(model, X);
    const tCompute = (performance.now() - t0) / 1000;
    await engine.close();
    rows.push(["in-process compute, 2 000 points, 1 engine thread", "—", "—", `${tCompute.toFixed(2)} s`, "—"]);

    let procs = await startWorkers(url, 1);
    const tiny = X.subarray(0, 64 * 784);
    await runDistributed("spectrum-shard", { model, X: tiny.subarray(0, 784), d: 784, shardSize: 1 }, { redis: url });
    t0 = performance.now();
    const jobs = 64;
    // 64 shards of one point each: shardRanges rounds sizes up to 64, so run 64 one-point runs' worth as separate shards by spacing
    for (let i = 0; i < (quick ? 8 : jobs); i++) await runDistributed("spectrum-shard", { model, X: tiny.subarray(i * 784, (i + 1) * 784), d: 784 }, { redis: url });
    const perRun = (performance.now() - t0) / (quick ? 8 : jobs);
    rows.push(["one-point run (enqueue flow, one job, gather), 1 worker", "1", "1", `${perRun.toFixed(1)} ms per run`, "—"]);
    await stopWorkers(procs);

    for (const W of quick ? [1, 2] : [1, 2, 4]) {
      procs = await startWorkers(url, W);
      for (const size of quick ? [256] : [64, 256, 1024]) {
        await runDistributed("spectrum-shard", { model, X: X.subarray(0, 784 * 64), d: 784 }, { redis: url }); // warm the workers' model caches
        t0 = performance.now();
        await runDistributed("spectrum-shard", { model, X, d: 784, shardSize: size }, { redis: url });
        const wall = (performance.now() - t0) / 1000;
        const c = Math.min(W, cpus().length);
        const outside = Math.max(0, 1 - tCompute / (wall * c));
        rows.push([`2 000-point spectrum, shards of ${size}`, String(W), String(Math.ceil(n / size)), `${wall.toFixed(2)} s`, `${(100 * outside).toFixed(1)} %`]);
        if (size >= 256) goals.push({ goal: `outside compute < 5 % (shards of ${size}, ${W} worker${W > 1 ? "s" : ""})`, met: outside < 0.05, detail: `${(100 * outside).toFixed(1)} %` });
      }
      await stopWorkers(procs);
    }
    notes.push("Fraction outside compute = 1 − T_compute / (T_wall · min(workers, cores)); on this 2-core machine 4 worker processes share 2 cores, and the machine is shared with other jobs, so the 2- and 4-worker rows include contention, not only queue overhead.");
    notes.push("The one-point run row is the whole round trip of a run with one job (model stored once, flow added, the worker picks the job, the coordinator polls every 200 ms and gathers): the polling interval dominates it.");
  } finally {
    redis.kill("SIGTERM");
    await sleep(200);
    rmSync(dir, { recursive: true, force: true });
  }
  return { title: "Distributed runner (BullMQ on Redis): queue overhead and scaling", headers: ["case", "workers", "shards", "wall", "outside compute"], rows, goals, notes };
}

await runIfMain(import.meta.url, run);
