// Thin SVD in float64: svdJacobiF64 (Wasm, one-sided Jacobi, through localGeometry.svd with its copies)
// against ml-matrix's SingularValueDecomposition (JavaScript, Golub–Kahan) and the float64 TS reference
// (cyclic Jacobi on AᵀA) in the same run, with equal singular values checked.
// Run alone: `node bench/svd.bench.mjs [--quick]` (needs `npm run build` first).
import { runIfMain } from "./timing.mjs";
import Benchmark from "benchmark";
import { Matrix, SingularValueDecomposition } from "ml-matrix";
import { svd, svdArena } from "../dist/analyses/localGeometry/svd.js";
import { svdReference } from "../dist/reference/svd.js";
import { mulberry32, gaussian } from "../dist/random.js";

/** Median seconds per call of an async `fn` (benchmark.js deferred mode). */
function timeAsync(name, fn, maxTime) {
  return new Promise((resolve, reject) => {
    const bench = new Benchmark(name, {
      defer: true, maxTime, minSamples: 3, initCount: 1,
      fn: (d) => fn().then(() => d.resolve(), reject),
      onComplete: () => {
        const s = [...bench.stats.sample].sort((x, y) => x - y);
        resolve(s[Math.floor(s.length / 2)]);
      },
    });
    bench.run({ async: true });
  });
}

export default async function run({ quick = false } = {}) {
  const [m, n] = quick ? [60, 40] : [200, 100];
  const g = gaussian(mulberry32(2026));
  const a = Float64Array.from({ length: m * n }, () => g()); // m×n, row-major, standard normal
  const arena = await svdArena();
  const ours = await svd(a, m, n, { arena });
  const tOurs = await timeAsync("wasm", () => svd(a, m, n, { arena }), quick ? 0.3 : 2);
  const mat = new Matrix(Array.from({ length: m }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n))));
  const ml = new SingularValueDecomposition(mat, { autoTranspose: true });
  const tMl = await timeAsync("ml-matrix", async () => new SingularValueDecomposition(mat, { autoTranspose: true }), quick ? 0.3 : 2);
  const tRef = await timeAsync("reference", async () => svdReference(a, m, n), quick ? 0.3 : 2);
  let diff = 0;
  for (let i = 0; i < n; i++) diff = Math.max(diff, Math.abs(ml.diagonal[i] - ours.s[i]));
  const equal = diff <= 1e-12 * ours.s[0];
  return {
    title: `Thin SVD (${m}×${n}, float64, one thread)`,
    headers: ["implementation", "median ms", "ratio to svdJacobiF64"],
    rows: [
      ["svdJacobiF64 (Wasm, one-sided Jacobi)", (tOurs * 1e3).toFixed(2), "1.00"],
      ["ml-matrix SingularValueDecomposition", (tMl * 1e3).toFixed(2), (tMl / tOurs).toFixed(2)],
      ["reference (TS, Jacobi eigen of AᵀA)", (tRef * 1e3).toFixed(2), (tRef / tOurs).toFixed(2)],
    ],
    goals: [
      { goal: "equal singular values (max |Δσ| ≤ 1e-12 σ_1)", met: equal, detail: `max |Δσ| = ${diff.toExponential(2)}, σ_1 = ${ours.s[0].toFixed(3)}` },
      { goal: `svdJacobiF64 faster than ml-matrix at ${m}×${n}`, met: tOurs < tMl, detail: `${(tMl / tOurs).toFixed(2)}× (${(tOurs * 1e3).toFixed(1)} ms vs ${(tMl * 1e3).toFixed(1)} ms)` },
    ],
    notes: [
      `The Wasm call includes copying A in and s, U, V out; ${ours.sweeps} Jacobi sweeps.`,
      "Medians of benchmark.js samples (≥ 3); the machine is shared, so other processes can lower every column.",
    ],
  };
}

await runIfMain(import.meta.url, run);
