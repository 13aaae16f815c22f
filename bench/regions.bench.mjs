// Linear regions and semi-discrete OT. (1) Exact plane partition of a 2-64-64-64-10 ReLU network against a
// sampling approach (engine.forward on a uniform grid, distinct region hashes) at equal coverage: the grid
// is refined until it finds as many regions as it can within the budget; both in one thread. (2) exact
// regionsOnLine through the MNIST-size MLP 784-256-256-10. (3) semi-discrete OT iterations per second for
// N = 256 targets in 2D and 64D, 10 000 samples per batch, with the scores X·Yᵀ cached (argmax only) and
// recomputed per iteration (GEMM + argmax). Run alone: `node bench/regions.bench.mjs [--quick]` (after the build).
import { createEngine, Model, semiDiscreteOT } from "../dist/index.js";
import { Arena } from "../dist/engine/arena.js";
import { detectVariant } from "../dist/engine/wasm.js";
import { gaussian, mulberry32 } from "../dist/random.js";
import { timeAsync, runIfMain } from "./timing.mjs";
import { mlp784 } from "./workloads.mjs";

function mlp(sizes, seed) {
  const g = gaussian(mulberry32(seed));
  const layers = [];
  for (let i = 0; i + 1 < sizes.length; i++)
    layers.push({ type: "dense", units: sizes[i + 1], kernel: Float64Array.from({ length: sizes[i] * sizes[i + 1] }, () => g() * Math.sqrt(2 / sizes[i])), bias: Float64Array.from({ length: sizes[i + 1] }, () => 0.1 * g()), activation: i + 2 === sizes.length ? "linear" : "relu" });
  return new Model({ inputShape: [sizes[0]], layers, head: "softmax" });
}

const fmt = (x, d = 0) => Number(x.toFixed(d));

export default async function run({ quick = false } = {}) {
  const maxTime = quick ? 0.2 : 2;
  const engine = await createEngine({ workers: 0 });
  const rows = [], goals = [], notes = [];

  // (1) Plane partition vs grid sampling.
  const net = mlp([2, 64, 64, 64, 10], 3);
  const extent = [-2, 2, -2, 2];
  let plane;
  const tPlane = await timeAsync("plane", async () => {
    plane = await engine.regionsInPlane(net, [0, 0], [1, 0], [0, 1], extent);
  }, { maxTime, minSamples: quick ? 1 : 3 });
  const exact = plane.count;
  let sampled = { G: 0, distinct: 0, t: 0 };
  for (const G of quick ? [128, 256] : [128, 256, 512, 768]) {
    const X = new Float32Array(G * G * 2); // G²×2, row-major grid of cell centres
    for (let i = 0; i < G; i++) for (let j = 0; j < G; j++) {
      X[2 * (i * G + j)] = -2 + (4 * (i + 0.5)) / G;
      X[2 * (i * G + j) + 1] = -2 + (4 * (j + 0.5)) / G;
    }
    const t0 = performance.now();
    const { regionHash } = await engine.forward(net, X);
    const distinct = new Set(regionHash).size;
    sampled = { G, distinct, t: (performance.now() - t0) / 1000 };
    if (distinct >= 0.95 * exact) break;
  }
  const coverage = sampled.distinct / exact;
  rows.push(["plane 2-64-64-64-10, [-2,2]²: exact partition", exact, fmt(tPlane * 1000, 1), fmt(exact / tPlane), "100%", ""]);
  rows.push([`  grid sampling ${sampled.G}×${sampled.G} (forward + hashes)`, sampled.distinct, fmt(sampled.t * 1000, 1), fmt(sampled.distinct / sampled.t), `${fmt(100 * coverage, 1)}%`, fmt((exact / tPlane) / (sampled.distinct / sampled.t), 2)]);
  goals.push({ goal: "plane partition of ~10^4 regions in seconds", met: exact >= 1e4 && tPlane < 5, detail: `${exact} regions in ${fmt(tPlane, 2)} s` });
  goals.push({ goal: "exact partition finds regions faster than grid sampling", met: exact / tPlane > sampled.distinct / sampled.t, detail: `${fmt(exact / tPlane)} vs ${fmt(sampled.distinct / sampled.t)} regions/s; the ${sampled.G}² grid still misses ${fmt(100 * (1 - coverage), 1)}% of the regions` });

  // (2) regionsOnLine through the MNIST MLP.
  const mnist = mlp784();
  const r = mulberry32(5);
  const a = Float64Array.from({ length: 784 }, () => r()), b = Float64Array.from({ length: 784 }, () => r());
  let line;
  const tLine = await timeAsync("line", async () => {
    line = await engine.regionsOnLine(mnist, a, b);
  }, { maxTime, minSamples: 5 });
  rows.push(["regionsOnLine MLP 784-256-256-10, random segment in [0,1]^784", line.breakpoints.length + 1, fmt(tLine * 1000, 2), fmt((line.breakpoints.length + 1) / tLine), "exact", ""]);
  goals.push({ goal: "regionsOnLine through the MNIST MLP in < 100 ms", met: tLine < 0.1, detail: `${fmt(tLine * 1000, 1)} ms for ${line.breakpoints.length + 1} pieces` });

  // (3) OT iterations/s: time K1 and K2 iterations, take the difference (excludes sample generation). tol 1e-9
  // is never reached, so each run ends in the convergence check: kept at its smallest (2 replicates of 1 024
  // points), since at its defaults it would double its samples to 2^20 per replicate chasing an SE of tol/4.
  const arena = await Arena.create(detectVariant());
  for (const d of [2, 64]) {
    const rr = mulberry32(d);
    const Y = Float64Array.from({ length: 256 * d }, () => rr());
    for (const cached of [true, false]) {
      const go = async (K) => {
        const t0 = performance.now();
        await semiDiscreteOT(Y, { dim: d, samples: 10000, tol: 1e-9, maxIterations: K, patience: 1e9, seed: 1, arena, cacheBytes: cached ? undefined : 0, checkReplicates: 2, checkSamples: 1024, maxCheckSamples: 1024 });
        return (performance.now() - t0) / 1000;
      };
      // Fastest of two runs each: the difference of two noisy totals is otherwise unreliable on a shared machine.
      const K1 = 5, K2 = 45;
      await go(K1);
      const t1 = Math.min(await go(K1), await go(K1)), t2 = Math.min(await go(K2), await go(K2));
      const per = (t2 - t1) / (K2 - K1);
      rows.push([`semiDiscreteOT N=256, d=${d}, 10 000 samples, ${cached ? "scores cached (argmax)" : "GEMM + argmax per step"}`, "", fmt(per * 1000, 2), "", "", ""]);
      notes.push(`OT d=${d} ${cached ? "cached" : "GEMM"}: ${fmt(1 / per, 1)} iterations/s`);
    }
  }
  await engine.close();
  return {
    title: "Linear regions and semi-discrete OT",
    headers: ["workload", "regions / pieces", "ms per call (median)", "regions/s", "coverage", "exact / sampling (regions/s)"],
    rows,
    goals,
    notes,
  };
}

await runIfMain(import.meta.url, run);
