// Leaf stepping on the MNIST-size ReLU MLP 784-256-256-10 (bench/workloads.mjs, He init, seed 1), data leaves
// from start points uniform in [0, 1)^784 along a seeded direction, in float64:
// - Foliate's exact region-crossing walk (engine.leaves, workers: 0 and 2): one vertex per region crossing;
// - the peer, in the same run: a naive fixed-step Euler integrator x ← x + h·P_x(u)/‖P_x(u)‖ that recomputes
//   the Jacobian (and the distribution basis) every step, on the same Wasm f64 kernels (so the comparison
//   is the algorithm, not the arithmetic). Its step h is halved until its endpoint is within `tol` of the
//   exact endpoint after the same arc length; we report its time at that h.
// Run alone: `node bench/leaf.bench.mjs [--quick]` (needs `npm run build` first).
import { createEngine } from "../dist/index.js";
import { Arena } from "../dist/engine/arena.js";
import { uploadNetwork } from "../dist/engine/network.js";
import { compileNetwork } from "../dist/model/compile.js";
import { gaussian, mulberry32 } from "../dist/random.js";
import { timeAsync, runIfMain } from "./timing.mjs";
import { mlp784, points } from "./workloads.mjs";

/** Fixed-step Euler along the data distribution on the compiled network's f64 kernels; returns the endpoint. */
function eulerLeaf(arena, k, up, s, x0, dir, h, length) {
  const net = up.net, n64 = up.f64, d = net.inputSize, C = net.outputSize;
  const x = Float64Array.from(x0);
  let u = Float64Array.from(dir);
  const steps = Math.round(length / h);
  for (let i = 0; i < steps; i++) {
    arena.f64(s.x, d).set(x);
    k.graphForwardF64(n64, s.x, 1, s.values, s.pre, s.argmax);
    k.graphVjpF64(n64, s.values, s.pre, s.argmax, C, net.outputNode, 0, s.J, s.work);
    const r = k.leafBasisF64(C, d, s.J, 1, 1e-9, s.Q);
    arena.f64(s.w, d).set(u);
    const pn = k.leafProjectF64(r, d, s.Q, s.w, 0, s.out);
    u = Float64Array.from(arena.f64(s.out, d), (v) => v / pn);
    for (let j = 0; j < d; j++) x[j] += h * u[j];
  }
  return { x, steps };
}

const dist = (a, b) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0));

export default async function run({ quick = false } = {}) {
  const maxTime = quick ? 0.2 : 3;
  const model = mlp784();
  const d = 784;
  const n = quick ? 2 : 4;
  const length = quick ? 0.25 : 0.5;
  const tol = 1e-3;
  const g = gaussian(mulberry32(7));
  const direction = Float64Array.from({ length: d }, () => g());
  const opts = { distribution: "data", direction, maxLength: length, maxVertices: 256 }; // 256×784 f64 per path: results are allocated per call
  const rows = [];
  const notes = [];
  const e0 = await createEngine({ workers: 0 });
  const e2 = await createEngine({ workers: 2, chunkSize: 1 });
  // Start points whose exact leaf has no fold: at a fold the exact walk reflects its direction while a
  // fixed-step integrator chatters along the boundary, so the two would trace different curves.
  const candidates = Float64Array.from(points(8 * n, d, 5));
  const trial = await e0.leaves(model, candidates, opts);
  const keep = trial.map((p, i) => [p, i]).filter(([p]) => p.folds === 0).slice(0, n).map(([, i]) => i);
  const X = new Float64Array(keep.length * d);
  keep.forEach((i, j) => X.set(candidates.subarray(i * d, (i + 1) * d), j * d));
  const paths = await e0.leaves(model, X, opts);
  const vertices = paths.reduce((s, p) => s + p.vertices, 0);
  const t0 = await timeAsync("exact w0", () => e0.leaves(model, X, opts), { maxTime });
  const t2 = await timeAsync("exact w2", () => e2.leaves(model, X, opts), { maxTime });
  rows.push(["exact region crossing, 1 thread", keep.length, vertices, (vertices / t0).toFixed(0), (t0 * 1e3).toFixed(1), "0 (exact)"]);
  rows.push(["exact region crossing, 2 workers", keep.length, vertices, (vertices / t2).toFixed(0), (t2 * 1e3).toFixed(1), "0 (exact)"]);

  // The Euler peer on the same kernels, one thread.
  const arena = await Arena.create();
  const k = arena.kernels();
  const up = uploadNetwork(arena, compileNetwork(model));
  const { inputSize: dd, outputSize: C, valueSize, preSize } = up.net;
  const s = {
    x: arena.allocF64(dd), values: arena.allocF64(valueSize), pre: arena.allocF64(preSize), argmax: arena.allocI32(1),
    J: arena.allocF64(C * dd), Q: arena.allocF64(C * dd), w: arena.allocF64(dd), out: arena.allocF64(dd), work: arena.alloc(k.graphVjpWorkBytesF64(up.f64, C)),
  };
  let h = length / 8;
  let err = Infinity, steps = 0, tEuler = 0;
  const minH = quick ? length / 256 : length / 2048;
  while (true) {
    const t = performance.now();
    err = 0;
    steps = 0;
    for (let i = 0; i < keep.length; i++) {
      const r = eulerLeaf(arena, k, up, s, X.subarray(i * d, (i + 1) * d), direction, h, length);
      const p = paths[i];
      err = Math.max(err, dist(r.x, p.points.subarray((p.vertices - 1) * d)));
      steps += r.steps;
    }
    tEuler = (performance.now() - t) / 1e3;
    if (err <= tol || h / 2 < minH) break;
    h /= 2;
  }
  rows.push([`naive Euler (h = ${h.toExponential(1)}), 1 thread`, keep.length, steps, (steps / tEuler).toFixed(0), (tEuler * 1e3).toFixed(1), err.toExponential(1)]);
  const ratio = tEuler / t0;
  notes.push(`${keep.length} fold-free start points out of ${8 * n} candidates.`);
  notes.push(`Arc length ${length} per path from ${keep.length} start points; ${(vertices / keep.length).toFixed(1)} vertices per path on average (each a region crossing).`);
  notes.push(`Euler endpoint error at its final step: ${err.toExponential(2)} (target ${tol}); ${err <= tol ? "reached" : "NOT reached within the step budget"}.`);
  notes.push(`Folds (boundaries where the projected direction turned back and was reflected): ${paths.map((p) => p.folds).join(", ")}.`);
  await e0.close();
  await e2.close();
  return {
    title: "Leaf stepping (data leaves, MLP 784-256-256-10, float64)",
    headers: ["method", "paths", "vertices/steps", "points/s", "ms per batch", "endpoint error"],
    rows,
    goals: [{ goal: "exact region-crossing leaves beat fixed-step Euler at equal arc length and accuracy", met: ratio > 1, detail: `Euler/exact time ${ratio.toFixed(1)}×` }],
    notes,
  };
}

await runIfMain(import.meta.url, run);
