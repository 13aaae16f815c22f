// DIM eigen-decomposition at d = 784 (the MNIST-size MLP of the Jacobian benchmark): the engine's low-rank
// route (C×C side) against the dense d×d route (form D, then the tridiagonal QL solver) and against
// ml-matrix's EigenvalueDecomposition of the same d×d matrix, with equal eigenvalues checked.
// Run alone: `node bench/dim.bench.mjs [--quick]` (needs `npm run build` first).
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { createEngine } from "../dist/index.js";
import { timeAsync, timeSync, runIfMain } from "./timing.mjs";
import { mlp784, points } from "./workloads.mjs";

export default async function run({ quick = false } = {}) {
  const engine = await createEngine({ workers: 0 });
  const model = mlp784();
  const n = 64;
  const X = points(n, 784, 5);
  const one = X.subarray(0, 784);
  const tLow = (await timeAsync("low-rank route", () => engine.dim(model, X), { maxTime: quick ? 0.3 : 3 })) / n;
  const tDense = await timeAsync("dense route", () => engine.dim(model, one, { route: "dense" }), { maxTime: quick ? 0.3 : 6, minSamples: 3 });
  const withMatrix = await engine.dim(model, one, { dense: true });
  const D = withMatrix.matrix;
  const rows = Array.from({ length: 784 }, (_, i) => Array.from(D.subarray(i * 784, (i + 1) * 784)));
  const M = new Matrix(rows);
  let ml;
  const tMl = timeSync("ml-matrix", () => (ml = new EigenvalueDecomposition(M, { assumeSymmetric: true })), { maxTime: quick ? 0.3 : 8, minSamples: quick ? 1 : 3 });
  const mlTop = [...ml.realEigenvalues].sort((a, b) => b - a).slice(0, withMatrix.r);
  const low = await engine.dim(model, one);
  const dense = await engine.dim(model, one, { route: "dense" });
  let diffMl = 0, diffDense = 0;
  for (let j = 0; j < low.r; j++) {
    diffMl = Math.max(diffMl, Math.abs(low.eigenvalues[j] - mlTop[j]) / low.eigenvalues[0]);
    diffDense = Math.max(diffDense, Math.abs(low.eigenvalues[j] - dense.eigenvalues[j]) / low.eigenvalues[0]);
  }
  await engine.close();
  const ms = (t) => (t * 1000).toFixed(t < 1e-3 ? 3 : 1);
  return {
    title: "DIM eigen-decomposition at d = 784 (per point, one thread)",
    headers: ["route", "ms per point", "speed-up of low-rank"],
    rows: [
      ["low-rank (C×C side, incl. forward and Jacobian)", ms(tLow), "1"],
      ["dense d×d (form D, tridiagonal QL in Wasm)", ms(tDense), (tDense / tLow).toFixed(0) + "×"],
      ["ml-matrix EigenvalueDecomposition of D (eigen only)", ms(tMl), (tMl / tLow).toFixed(0) + "×"],
    ],
    goals: [
      { goal: "low-rank route ≥ 1000× faster than ml-matrix's EigenvalueDecomposition at d = 784", met: tMl / tLow >= 1000, detail: `${(tMl / tLow).toFixed(0)}× (${ms(tLow)} ms vs ${ms(tMl)} ms)` },
      { goal: "equal eigenvalues", met: diffMl < 1e-5 && diffDense < 1e-5, detail: `max relative difference ${diffMl.toExponential(1)} (ml-matrix), ${diffDense.toExponential(1)} (dense route)` },
    ],
    notes: ["The low-rank time includes the forward pass and the Jacobian of each point; the others only decompose an already formed 784×784 matrix."],
  };
}

await runIfMain(import.meta.url, run);
