// Per-call time of many single-point SiMEC calls (short walks): what a chunk costs beyond its steps — the
// network's compile and upload. 1 000 calls of engine.equivalenceClass, 10 steps of one direction each, from
// different starts, on a worker-less engine and on a 1-worker engine (chunks cross a thread there), for:
// - the authors' surface-1 network (2-5-5-1 sigmoid, test/fixtures/simec-1d): the per-call overhead alone;
// - the ReLU MLP 784-256-256-10 of bench/workloads.mjs (270 k weights: 2.1 MB of float64 per upload);
// - the bundled MNIST CNN (data/models; 200 calls: its steps dominate).
// Run alone: `node bench/simecCalls.bench.mjs [--quick]` (needs `npm run build` first).
import { readFileSync } from "node:fs";
import { createEngine, loadDataset, Model } from "../dist/index.js";
import { runIfMain } from "./timing.mjs";
import { mlp784, points } from "./workloads.mjs";

export default async function run({ quick = false } = {}) {
  const calls = quick ? 100 : 1000;
  const surface = Model.fromSimecText(readFileSync(new URL("../test/fixtures/simec-1d/surface_1_good_weights.csv", import.meta.url), "utf8"));
  const mnist = mlp784();
  const cnn = await Model.load(new URL("../data/models/mnist-cnn-c8-c16-d64-e4-b64-lr0.001-s1-n8000.foliate.json.gz", import.meta.url));
  const images = (await loadDataset("mnist:test", { limit: 200 })).X;
  const cases = [
    { name: "surface 1 (2-5-5-1 sigmoid)", model: surface, start: (i) => [0.25 + 1e-4 * i, 0.25], delta: 1e-3, calls },
    { name: "MLP 784-256-256-10", model: mnist, start: (i) => Array.from(points(1, 784, 100 + i)), delta: 1e-2, calls },
    { name: "MNIST CNN (bundled)", model: cnn, start: (i) => images.subarray(784 * (i % 200), 784 * (i % 200 + 1)), delta: 1e-3, calls: quick ? 20 : 200 },
  ];
  const rows = [];
  for (const workers of [0, 1]) {
    const engine = await createEngine({ workers });
    try {
      for (const c of cases) {
        const opts = { delta: c.delta, steps: 10, bothDirections: false, seed: 1 };
        await engine.equivalenceClass(c.model, c.start(0), opts); // warm-up: first upload/compile
        const t0 = performance.now();
        for (let i = 0; i < c.calls; i++) await engine.equivalenceClass(c.model, c.start(i), opts);
        const ms = (performance.now() - t0) / c.calls;
        rows.push([c.name, String(workers), String(c.calls), ms.toFixed(3)]);
      }
    } finally {
      await engine.close();
    }
  }
  return {
    title: "SiMEC: per-call time of single-point calls (10 steps each)",
    headers: ["model", "workers", "calls", "ms per call"],
    rows,
    notes: ["Mean wall time per engine.equivalenceClass call (10 SiMEC steps, one direction), after one warm-up call."],
  };
}

await runIfMain(import.meta.url, run);
