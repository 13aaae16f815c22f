// SiMEC steps per second: the float64 Wasm step loop (engine.equivalenceClass, one worker-less engine: a
// path is sequential; the compiled network's f64 graph kernels) against the same algorithm in plain
// TypeScript (src/reference/simec.ts: forward pass and reverse-mode Jacobian by the graph twin
// src/reference/graph.ts, metric, direction choice and energy; Jacobi eigensolver), measured in the same run on:
// - 2D → 1D: the authors' surface-1 network (2-5-5-1 sigmoid, test/fixtures/simec-1d), from (0.25, 0.25),
//   δ = 1e-3 (the n → n−1 route: 2×2 metric, smallest eigenvector);
// - 784 → 10: the ReLU MLP 784-256-256-10 of bench/workloads.mjs with its softmax head (Fisher metric
//   through the 10×10 side, seeded random null directions), from a point in [0, 1]^784, δ = 1e-2.
// Run alone: `node bench/simec.bench.mjs [--quick]` (needs `npm run build` first).
import { readFileSync } from "node:fs";
import { createEngine, Model } from "../dist/index.js";
import { referenceSimecWalk } from "../dist/reference/simec.js";
import { timeAsync, timeSync, runIfMain } from "./timing.mjs";
import { mlp784, points } from "./workloads.mjs";

export default async function run({ quick = false } = {}) {
  const maxTime = quick ? 0.2 : 3;
  const engine = await createEngine({ workers: 0 });
  const surface = Model.fromSimecText(readFileSync(new URL("../test/fixtures/simec-1d/surface_1_good_weights.csv", import.meta.url), "utf8"));
  const mnist = mlp784();
  const cases = [
    { name: "2D → 1D (surface 1, 2-5-5-1 sigmoid)", model: surface, x0: [0.25, 0.25], delta: 1e-3, steps: quick ? 1000 : 5000, plainSteps: quick ? 1000 : 5000, route: 0, select: 0 },
    { name: "784 → 10 (ReLU 784-256-256-10, Fisher metric)", model: mnist, x0: Array.from(points(1, 784, 5)), delta: 1e-2, steps: quick ? 10 : 100, plainSteps: quick ? 2 : 10, route: 1, select: 1 },
  ];
  const rows = [];
  const goals = [];
  const notes = [];
  for (const c of cases) {
    const opts = { delta: c.delta, steps: c.steps, bothDirections: false, seed: 1 };
    const tWasm = (await timeAsync(`wasm ${c.name}`, () => engine.equivalenceClass(c.model, c.x0, opts), { maxTime })) / c.steps;
    const walk = { mode: 0, route: c.route, select: c.select, orient: -1, sign: 1, steps: c.plainSteps, delta: c.delta, nullTol: 1e-6, seed: 1 };
    const tPlain = timeSync(`plain TS ${c.name}`, () => referenceSimecWalk(c.model, c.x0, walk), { maxTime, minSamples: 3 }) / c.plainSteps;
    const r = await engine.equivalenceClass(c.model, c.x0, { ...opts, steps: c.plainSteps });
    const ref = referenceSimecWalk(c.model, c.x0, walk);
    let diff = 0;
    for (let i = 0; i < r.points.length; i++) diff = Math.max(diff, Math.abs(r.points[i] - ref.points[i]));
    const sps = (t) => Math.round(1 / t).toLocaleString("en-US");
    rows.push([c.name, sps(tWasm), sps(tPlain), (tPlain / tWasm).toFixed(1), r.drift.toExponential(1), diff.toExponential(1)]);
    goals.push({ goal: `${c.name}: Wasm float64 SiMEC ≥ 5× the plain TypeScript loop`, met: tPlain / tWasm >= 5, detail: `${(tPlain / tWasm).toFixed(1)}× (${sps(tWasm)} vs ${sps(tPlain)} steps/s)` });
  }
  await engine.close();
  notes.push("Steps/s = steps / median seconds of one path (Wasm: engine.equivalenceClass with workers: 0, one direction; plain TS: referenceSimecWalk).");
  notes.push("'max |Δx| vs plain TS' compares the two paths point by point over the plain run's steps: the same algorithm, float64 throughout.");
  return {
    title: "SiMEC equivalence-class steps per second (float64)",
    headers: ["workload", "Wasm steps/s", "plain TS steps/s", "Wasm / plain", "output drift", "max |Δx| vs plain TS"],
    rows,
    goals,
    notes,
  };
}

await runIfMain(import.meta.url, run);
