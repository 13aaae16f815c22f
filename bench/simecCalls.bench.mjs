// Per-call time of many single-point SiMEC calls (short walks): what a chunk costs beyond its steps — the
// network's compile and upload. 1 000 calls of engine.equivalenceClass, 10 steps of one direction each, from
// different starts, on a worker-less engine and on a 1-worker engine (chunks cross a thread there), for:
// - the authors' surface-1 network (2-5-5-1 sigmoid, test/fixtures/simec-1d): the per-call overhead alone;
// - the ReLU MLP 784-256-256-10 of bench/workloads.mjs (270 k weights: 2.1 MB of float64 per upload).
// Run alone: `node bench/simecCalls.bench.mjs [--quick]` (needs `npm run build` first).
import { readFileSync } from "node:fs";
import { createEngine, Model } from "../dist/index.js";
import { runIfMain } from "./timing.mjs";
import { mlp784, points } from "./workloads.mjs";

export default async function run({ quick = false } = {}) {
  const calls = quick ? 100 : 1000;
  const surface = Model.fromSimecText(readFileSync(new URL("../test/fixtures/simec-1d/surface_1_good_weights.csv", import.meta.url), "utf8"));
  const mnist = mlp784();
  const cases = [
    { name: "surface 1 (2-5-5-1 sigmoid)", model: surface, start: (i) => [0.25 + 1e-4 * i, 0.25], delta: 1e-3 },
    { name: "MLP 784-256-256-10", model: mnist, start: (i) => Array.from(points(1, 784, 100 + i)), delta: 1e-2 },
  ];
  const rows = [];
  for (const workers of [0, 1]) {
    const engine = await createEngine({ workers });
    try {
      for (const c of cases) {
        const opts = { delta: c.delta, steps: 10, bothDirections: false, seed: 1 };
        await engine.equivalenceClass(c.model, c.start(0), opts); // warm-up: first upload/compile
        const t0 = performance.now();
        for (let i = 0; i < calls; i++) await engine.equivalenceClass(c.model, c.start(i), opts);
        const ms = (performance.now() - t0) / calls;
        rows.push([c.name, String(workers), String(calls), ms.toFixed(3)]);
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
