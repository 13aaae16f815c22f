// Worker pool against its own kernel (issue 14, items 4 and 5): Jacobians of the ReLU MLP 784-256-256-10 at
// n = 1024 (a 32 MB result) and DIM spectra of 50 MNIST test images through the bundled MNIST CNN, on engines
// with workers 0 (the kernel in the calling thread), 1 and 2, all in one process.
//
// Engines are created in several orders (0-1-2, 2-1-0, 1-2-0); after one warm-up call each, the configurations
// are interleaved call by call over several rounds (the order rotated every round), with fresh results and
// with `out` reused. Reported: medians and spread (min – max) of points/s, and the median over rounds of the
// paired ratio (workers: 0 time / pooled time within the same round), which a loaded machine disturbs least.
// Run alone: `node bench/run.mjs pool [--quick]` or `node bench/pool.bench.mjs [--quick]` (build first).
import { readFileSync } from "node:fs";
import os from "node:os";
import { gunzipSync } from "node:zlib";
import { createEngine, Model } from "../dist/index.js";
import { loadDataset } from "../dist/data/datasets.js";
import { runIfMain } from "./timing.mjs";
import { mlp784, points } from "./workloads.mjs";

const ORDERS = [[0, 1, 2], [2, 1, 0], [1, 2, 0]];
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function mnistCnn() {
  const file = new URL("../data/models/mnist-cnn-c8-c16-d64-e4-b64-lr0.001-s1-n8000.foliate.json.gz", import.meta.url);
  return Model.fromJSON(gunzipSync(readFileSync(file)).toString("utf8"));
}

/** One workload over every creation order: times[w][mode] in seconds, ratios[w][mode] paired per round. */
async function measure(workload, orders, rounds) {
  const times = {}, ratios = {}, cpu = {}, chunks = {};
  for (const w of [0, 1, 2]) {
    times[w] = { fresh: [], out: [] };
    ratios[w] = { fresh: [], out: [] };
    cpu[w] = { fresh: [], out: [] };
  }
  for (const order of orders) {
    const engines = {};
    for (const w of order) engines[w] = await createEngine({ workers: w });
    const out = new Float32Array(workload.outLength);
    for (const w of order) {
      let calls = 0;
      await workload.call(engines[w], undefined, () => calls++); // warm-up: the first call of a new engine
      chunks[w] = calls;
    }
    for (let r = 0; r < rounds; r++) {
      const round = {};
      const rotated = order.map((_, i) => order[(i + r) % order.length]);
      for (const mode of ["fresh", "out"]) {
        for (const w of rotated) {
          const c0 = process.cpuUsage();
          const t0 = performance.now();
          await workload.call(engines[w], mode === "out" ? out : undefined);
          const s = (performance.now() - t0) / 1000;
          const c = process.cpuUsage(c0);
          times[w][mode].push(s);
          cpu[w][mode].push((c.user + c.system) / 1e6);
          (round[mode] ??= {})[w] = s;
        }
      }
      for (const mode of ["fresh", "out"]) for (const w of [0, 1, 2]) ratios[w][mode].push(round[mode][0] / round[mode][w]);
    }
    for (const e of Object.values(engines)) await e.close();
  }
  return { times, ratios, cpu, chunks };
}

export default async function run({ quick = false } = {}) {
  const rounds = quick ? 3 : 7;
  const orders = quick ? ORDERS.slice(0, 2) : ORDERS;
  const n = 1024;
  const mlp = mlp784();
  const X = points(n, 784);
  const cnn = mnistCnn();
  const images = (await loadDataset("mnist:test", { limit: 50 })).X;
  const workloads = [
    {
      name: `MLP 784-256-256-10 Jacobians, n = ${n}`, n, outLength: n * 10 * 784,
      call: (e, out, onProgress) => e.jacobian(mlp, X, { out, onProgress }),
    },
    {
      name: "MNIST CNN (bundled) DIM spectra, n = 50", n: 50, outLength: 0, freshOnly: true,
      call: (e, _out, onProgress) => e.dim(cnn, images, { onProgress }),
    },
  ];
  const load0 = os.loadavg()[0];
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const rows = [];
  const goals = [];
  for (const wl of workloads) {
    const { times, ratios, cpu, chunks } = await measure(wl, orders, rounds);
    for (const mode of wl.freshOnly ? ["fresh"] : ["fresh", "out"]) {
      const pps = (s) => Math.round(wl.n / s).toLocaleString("en-US");
      const spread = (a) => `${pps(Math.max(...a))} – ${pps(Math.min(...a))}`;
      const ratio = (w) => median(ratios[w][mode]);
      rows.push([
        wl.name, mode === "fresh" ? "fresh results" : "`out` reused",
        `${pps(median(times[0][mode]))} (${spread(times[0][mode])})`,
        `${pps(median(times[1][mode]))} (${spread(times[1][mode])})`,
        `${pps(median(times[2][mode]))} (${spread(times[2][mode])})`,
        `${ratio(1).toFixed(2)}× (${Math.min(...ratios[1][mode]).toFixed(2)} – ${Math.max(...ratios[1][mode]).toFixed(2)})`,
        `${ratio(2).toFixed(2)}× (${Math.min(...ratios[2][mode]).toFixed(2)} – ${Math.max(...ratios[2][mode]).toFixed(2)})`,
        `${(median(cpu[0][mode]) * 1000).toFixed(0)} / ${(median(cpu[1][mode]) * 1000).toFixed(0)} / ${(median(cpu[2][mode]) * 1000).toFixed(0)}`,
        String(chunks[2]),
      ]);
      const what = `${wl.name}, ${mode === "fresh" ? "fresh results" : "out reused"}`;
      goals.push({ goal: `${what}: 1 worker ≥ 0.9× workers: 0`, met: ratio(1) >= 0.9, detail: `${ratio(1).toFixed(2)}× (median of ${ratios[1][mode].length} paired rounds)` });
      goals.push({ goal: `${what}: 2 workers ≥ 1.8× workers: 0`, met: ratio(2) >= 1.8, detail: `${ratio(2).toFixed(2)}× (median of ${ratios[2][mode].length} paired rounds)` });
    }
  }
  const load1 = os.loadavg()[0];
  const used = process.cpuUsage(cpu0);
  const cores = (used.user + used.system) / 1000 / (performance.now() - wall0); // cores this process got on average
  return {
    title: "Worker pool against its kernel (points/s)",
    headers: ["workload", "result", "workers: 0", "1 worker", "2 workers", "1 worker / workers: 0", "2 workers / workers: 0", "CPU ms per call (0 / 1 / 2 workers)", "chunks per call"],
    rows,
    goals,
    notes: [
      `Engines created in the orders ${orders.map((o) => o.join("-")).join(", ")}; ${rounds} interleaved rounds each after one warm-up call per engine. Points/s: median (fastest – slowest call). Ratios: median over rounds of the paired ratio of call times (min – max).`,
      "CPU ms per call: user + system time of the whole process (every thread) per call, median. It shows what the pool costs beyond the kernel's own work independently of how much of the machine the process got: on a quiet machine the 2-worker ratio approaches 2 × (CPU of workers: 0) / (CPU of 2 workers), less the calling thread's serial part.",
      `1-minute load average ${load0.toFixed(2)} at the start and ${load1.toFixed(2)} at the end on ${os.cpus().length} cores; this process used ${cores.toFixed(2)} cores on average over the run (CPU time / wall time, all threads). ${cores < 1.5 ? "**The 2-worker goals cannot be judged from this run**: other processes held the cores, and with the kernel's autogroup scheduling (sched_autogroup_enabled) a session's share of the CPU does not grow with its thread count, so two workers get about the CPU one thread gets. The CPU column still shows what the pool costs." : "With less than 2 cores to itself, the 2-worker ratios fall short of a quiet machine's."}`,
      "Chunks are sized by cost (src/engine/cost.ts): the same for any worker count, so results are bit-identical. Workers write into shared staging memory that the calling thread copies into the result while they compute the next chunk.",
    ],
  };
}

await runIfMain(import.meta.url, run);
