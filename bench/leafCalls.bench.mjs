// Per-call time of many single-point leaf calls (short paths): what a call costs beyond its walk — before
// the leaf job used the per-worker model cache, every chunk compiled and uploaded the float64 network again.
// 1 000 calls of engine.leaf (data leaf, arc length 1e-4: two vertices) from different starts, on a
// worker-less engine and on a 1-worker engine (chunks cross a thread there), for:
// - the ReLU MLP 784-256-256-10 of bench/workloads.mjs (270 k weights: 2.1 MB of float64 per upload);
// - the bundled MNIST CNN (data/models), from MNIST test images moved off their ties by uniform noise of
//   width 1e-2 (a raw image's blank area ties max-pool windows there: its walk would first be trapped and
//   restart from a nudged start, which is not what this bench times).
//   Its walk dominates: one region's Jacobian and crossing solve cost about 1e7 float64 multiply-adds.
// Run alone: `node bench/leafCalls.bench.mjs [--quick]` (needs `npm run build` first).
import { createEngine, loadDataset, Model } from "../dist/index.js";
import { runIfMain } from "./timing.mjs";
import { mlp784, points } from "./workloads.mjs";

/** An image moved by uniform noise in [−0.005, 0.005) per pixel (seeded by i). */
function offTies(image, i) {
  const u = points(1, image.length, 1000 + i);
  return Array.from(image, (v, j) => v + 1e-2 * (u[j] - 0.5));
}

export default async function run({ quick = false } = {}) {
  const calls = quick ? 100 : 1000;
  const mnist = mlp784();
  const cnn = await Model.load(new URL("../data/models/mnist-cnn-c8-c16-d64-e4-b64-lr0.001-s1-n8000.foliate.json.gz", import.meta.url));
  const images = (await loadDataset("mnist:test", { limit: 200 })).X;
  const cases = [
    { name: "MLP 784-256-256-10", model: mnist, start: (i) => Array.from(points(1, 784, 100 + i)) },
    { name: "MNIST CNN (bundled)", model: cnn, start: (i) => offTies(images.subarray(784 * (i % 200), 784 * (i % 200 + 1)), i) },
  ];
  const rows = [];
  for (const workers of [0, 1]) {
    const engine = await createEngine({ workers });
    try {
      for (const c of cases) {
        const opts = { maxLength: 1e-4, seed: 1, maxVertices: 64 };
        await engine.leaf(c.model, c.start(0), opts); // warm-up: first compile/upload
        let vertices = 0;
        const t0 = performance.now();
        for (let i = 0; i < calls; i++) vertices += (await engine.leaf(c.model, c.start(i), opts)).vertices;
        const ms = (performance.now() - t0) / calls;
        rows.push([c.name, String(workers), String(calls), (vertices / calls).toFixed(1), ms.toFixed(3)]);
      }
    } finally {
      await engine.close();
    }
  }
  return {
    title: "Leaves: per-call time of single-point calls (short paths)",
    headers: ["model", "workers", "calls", "vertices per path", "ms per call"],
    rows,
    notes: ["Mean wall time per engine.leaf call (data leaf, arc length 1e-4, seed 1), after one warm-up call."],
  };
}

await runIfMain(import.meta.url, run);
