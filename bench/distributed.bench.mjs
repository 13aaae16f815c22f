// The distributed runner (issue 13): BullMQ on a local redis-server with 1, 2 and 4 `foliate worker` processes
// (one engine thread each). (1) Queue overhead: the round trip of a run of one one-point spectrum shard
// (compute ≈ 0), 1 worker; what each further job of a run adds (32 near-empty shards against 1); the first run of a model on a worker (model fetched, parsed, compiled) against a run
// once it is cached; 2 000 points sent as bytes against named. (2) The DIM spectrum of the 2 000 shipped MNIST
// test images (named: `data`) through a 784-256-256-10 ReLU MLP and through the bundled MNIST CNN, in shards of
// 64 / 256 / 1 024 points: the fraction of wall time outside compute, against the same compute on the same
// cores in one process and against perfect scaling (see the notes). Every worker has the model and the
// dataset before a timed run (a warm-up run). Compute and distributed runs alternate in paired rounds (see scaling).
// Needs Debian's redis-server.
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
import { bundledPoints } from "../dist/datasets/bundled.js";
import { gaussian, mulberry32 } from "../dist/random.js";

const MAIN = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const CONCURRENCY = Number(process.env.CONC ?? 1);
const CORES = cpus().length;
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

async function startWorkers(url, count, concurrency = CONCURRENCY) {
  const procs = [];
  for (let i = 0; i < count; i++) {
    const p = spawn(process.execPath, [MAIN, "worker", "--redis", url, "--workers", "1", "--concurrency", String(concurrency)], { stdio: ["ignore", "ignore", "pipe"] });
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

async function best(reps, fn) { // the least disturbed of `reps` runs
  let t = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    t = Math.min(t, (performance.now() - t0) / 1000);
  }
  return t;
}

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

/**
 * Per worker count and shard size, `rounds` paired rounds: the same spectrum in this process on c = min(workers,
 * cores) engine threads (T_compute,c), then the distributed run (points named: `data`, T_wall), one right after
 * the other, so that drifts of this shared machine's speed hit both. Outside compute (same cores) is
 * 1 − T_compute,c / T_wall per round, and, stricter, against perfect scaling of one thread 1 − T_compute,1 / (c · T_wall)
 * (T_compute,1 from the 1-thread rounds); the table gives medians over the rounds and their range.
 */
async function scaling({ label, model, data, X, d, sizes, workerCounts, url, rounds, rows, goals }) {
  const n = X.length / d;
  const engines = {};
  for (const c of new Set(workerCounts.map((W) => Math.min(W, CORES)))) {
    engines[c] = await createEngine({ workers: c });
    await engines[c].dimSpectrum(model, X.subarray(0, 64 * d));
  }
  const computeTimes = { 1: [], 2: [] };
  const results = [];
  for (const W of workerCounts) {
    const c = Math.min(W, CORES);
    const procs = await startWorkers(url, W);
    // Every worker reads the dataset and compiles the model before the timed runs (2 shards of 64 points per worker).
    await runDistributed("spectrum-shard", { model, data, d, shardSize: 64 }, { redis: url });
    for (const size of sizes) {
      const walls = [], fractions = [];
      for (let r = 0; r < rounds; r++) {
        // Alternate which of the pair runs first, so that a drift within a round favours neither.
        const compute = () => timed(() => engines[c].dimSpectrum(model, X));
        const distributed = () => timed(() => runDistributed("spectrum-shard", { model, data, d, shardSize: size }, { redis: url }));
        const [tc, wall] = r % 2 === 0 ? [await compute(), await distributed()] : await distributed().then(async (w) => [await compute(), w]);
        computeTimes[c].push(tc);
        walls.push(wall);
        fractions.push(1 - tc / wall);
      }
      results.push({ W, c, size, walls, fractions });
    }
    await stopWorkers(procs);
  }
  for (const e of Object.values(engines)) await e.close();
  const tc1 = median(computeTimes[1]);
  rows.push([`${label}: in-process compute, 1 engine thread (median of ${computeTimes[1].length})`, "—", "—", `${tc1.toFixed(2)} s`, "—", "—"]);
  if (computeTimes[2].length) rows.push([`${label}: in-process compute, 2 engine threads (median of ${computeTimes[2].length}; ${(tc1 / median(computeTimes[2])).toFixed(2)}× of 1)`, "—", "—", `${median(computeTimes[2]).toFixed(2)} s`, "—", "—"]);
  const pct = (f) => `${(100 * Math.max(0, f)).toFixed(1)} %`;
  for (const { W, c, size, walls, fractions } of results) {
    const wall = median(walls), outside = median(fractions), strict = 1 - tc1 / (c * wall);
    rows.push([`${label}: ${n} points, shards of ${size}`, String(W), String(Math.ceil(n / (Math.ceil(size / 64) * 64))), `${wall.toFixed(2)} s`, `${pct(outside)} (${pct(Math.min(...fractions))} – ${pct(Math.max(...fractions))})`, pct(strict)]);
    if (size >= 256) goals.push({ goal: `${label}: outside compute < 5 % (shards of ${size}, ${W} worker${W > 1 ? "s" : ""})`, met: outside < 0.05, detail: `${pct(outside)} (median of ${fractions.length} paired rounds; against perfect scaling: ${pct(strict)})` });
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
  const data = "mnist:test:2000";
  const X = (await bundledPoints(data)).X; // 2 000×784, the shipped MNIST test subset
  const d = 784;
  const rows = [];
  const notes = [];
  const goals = [];
  const reps = quick ? 1 : 3;
  const dash = ["—", "—"];
  try {
    const procs = await startWorkers(url, 1);
    const first = await best(1, () => runDistributed("spectrum-shard", { model, X: X.subarray(0, 64 * d), d }, { redis: url }));
    const cached = await best(3, () => runDistributed("spectrum-shard", { model, X: X.subarray(64 * d, 128 * d), d }, { redis: url }));
    rows.push(["MLP: 64-point run, model new to the worker (fetched, parsed, compiled)", "1", "1", `${(1000 * first).toFixed(0)} ms`, ...dash]);
    rows.push(["MLP: 64-point run, model cached by the worker", "1", "1", `${(1000 * cached).toFixed(0)} ms`, ...dash]);
    const runs = quick ? 8 : 32;
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) await runDistributed("spectrum-shard", { model, X: X.subarray(i * d, (i + 1) * d), d }, { redis: url });
    rows.push(["one-point run (model stored, points sent, flow added, job taken, result gathered)", "1", "1", `${((performance.now() - t0) / runs).toFixed(1)} ms per run`, ...dash]);
    // The queue's overhead per job: a run of 32 near-empty shards (64 points of a 2-8-3 MLP each, ≈ 0.1 ms of
    // compute) against a run of one, on one worker: (T_32 − T_1) / 31 is what each further job adds.
    const tiny = mlp([2, 8, 3], 1);
    const Xt = Float32Array.from({ length: 32 * 64 * 2 }, (_, i) => Math.sin(0.37 * i));
    await runDistributed("spectrum-shard", { model: tiny, X: Xt, d: 2, shardSize: 64 }, { redis: url });
    const one = await best(5, () => runDistributed("spectrum-shard", { model: tiny, X: Xt.subarray(0, 64 * 2), d: 2, shardSize: 64 }, { redis: url }));
    const many = await best(5, () => runDistributed("spectrum-shard", { model: tiny, X: Xt, d: 2, shardSize: 64 }, { redis: url }));
    rows.push(["queue overhead per job: 32 near-empty shards against 1, (T_32 − T_1) / 31", "1", "32", `${((1000 * (many - one)) / 31).toFixed(2)} ms per job`, ...dash]);
    // The same 2 000 points sent as bytes (X) rather than named (data): what moving the points costs.
    await runDistributed("spectrum-shard", { model, data, d, shardSize: 64 }, { redis: url });
    const sent = await best(reps, () => runDistributed("spectrum-shard", { model, X, d, shardSize: 256 }, { redis: url }));
    const named = await best(reps, () => runDistributed("spectrum-shard", { model, data, d, shardSize: 256 }, { redis: url }));
    rows.push(["MLP: 2000 points sent as bytes (X), shards of 256", "1", "8", `${sent.toFixed(3)} s`, ...dash]);
    rows.push(["MLP: the same points named (data: mnist:test:2000), shards of 256", "1", "8", `${named.toFixed(3)} s`, ...dash]);
    await stopWorkers(procs);

    await scaling({ label: "MLP 784-256-256-10", model, data, X, d, sizes: quick ? [256] : [64, 256, 1024], workerCounts: quick ? [1, 2] : [1, 2, 4], url, rounds: quick ? 2 : 9, rows, goals });
    if (!quick) {
      const cnn = await Model.load(fileURLToPath(new URL("../data/models/mnist-cnn-c8-c16-d64-e4-b64-lr0.001-s1-n8000.foliate.json.gz", import.meta.url)));
      await scaling({ label: "MNIST CNN (bundled)", model: cnn, data, X, d, sizes: [64, 256, 1024], workerCounts: [1, 2, 4], url, rounds: 5, rows, goals });
    }
    notes.push(`Points: the ${data} test subset, named in the jobs (each worker reads the shipped set and checks its SHA-256 against the coordinator's), as \`foliate spectrum --data … --redis …\` sends them; the rows above compare with sending the same points as bytes.`);
    notes.push("Outside compute (same cores) = 1 − T_compute,c / T_wall with c = min(workers, cores), where T_compute,c is the same spectrum in this process on c engine threads (warmed up), run beside each distributed run, first or second in turn (paired rounds: this shared machine's speed drifts by tens of per cent between minutes); median over the rounds, range in brackets. It counts the queue, the coordinator, redis-server and the extra processes, not the machine's own scaling. Against perfect scaling = 1 − T_compute,1 / (c · T_wall) with medians, which also charges the machine for two threads not being twice one (the 2-thread row says how far they are). The 4-worker rows share 2 cores between 4 processes.");
    notes.push("A run's fixed cost: connect (2 connections: commands, and the shard queue's event stream), the plan (the model's hash checked, the points named or sent as raw bytes in one pipeline), a small flow sent right behind it, the jobs, and the gather; the coordinator wakes on the shard queue's completion events, not on a timer.");
  } finally {
    redis.kill("SIGTERM");
    await sleep(200);
    rmSync(dir, { recursive: true, force: true });
  }
  return { title: "Distributed runner (BullMQ on Redis): queue overhead and scaling", headers: ["case", "workers", "shards", "wall", "outside compute (same cores)", "against perfect scaling"], rows, goals, notes };
}

await runIfMain(import.meta.url, run);
