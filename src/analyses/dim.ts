/**
 * engine.dim: the data information matrix D(x) = Jᵀ (diag p − p pᵀ) J of the logit Jacobian J (C×d), the
 * Fisher information of the classifier in input space, as its eigen-decomposition. Low-rank route: with
 * F Fᵀ = diag p − p pᵀ (F = diag √p − p √pᵀ), the nonzero eigenvalues of D are those of the C×C matrix
 * K = Fᵀ J Jᵀ F (similar to M^½ J Jᵀ M^½), and the eigenvectors are v = Jᵀ F u / ‖Jᵀ F u‖: never a d×d
 * eigenproblem. rank D ≤ C − 1 because 1ᵀF = 0.
 */
import { OptionError } from "../errors.js";
import { forwardPass } from "../engine/forwardPass.js";
import { jacobianWorkspace, pointJacobian } from "../engine/jacobianPass.js";
import type { Job, PerPointArray } from "../engine/job.js";
import { overSubchunks } from "../engine/job.js";
import type { CoreKernels } from "../engine/kernels.js";

export interface DimOptions {
  /** Relative eigenvalue threshold for the numerical rank: λ_i > rankTol · λ_1. Default 1e-6. */
  rankTol?: number;
  /** Also return each point's d×d matrix D (float64). Only for small d·n. */
  dense?: boolean;
  /** "lowRank" (default) or "dense": the d×d eigenproblem, for comparison only. */
  route?: "lowRank" | "dense";
}

export interface DimResult {
  n: number;
  d: number;
  C: number;
  /** Eigenpairs per point: r = min(C − 1, d). */
  r: number;
  /** n×r, descending, ≥ 0. */
  eigenvalues: Float64Array;
  /** n×r×d row-major: row j of point i is the unit eigenvector of eigenvalues[i·r + j]. */
  eigenvectors: Float32Array;
  /** Numerical rank of D at each point (≤ C − 1). */
  rank: Int32Array;
  /** n×C softmax probabilities. */
  probs: Float32Array;
  /** n×d×d, when `dense: true`. */
  matrix?: Float64Array;
}

/** Validate options shared by the metric analyses. */
export function rankTolerance(opts: Record<string, unknown>): number {
  const t = opts.rankTol ?? 1e-6;
  if (typeof t !== "number" || !(t >= 0 && t < 1)) throw new OptionError(`rankTol must be a number in [0, 1), got ${String(t)}`);
  return t;
}

export const dimJob: Job = (arena, plan, X, count, opts) => {
  const k = arena.kernels<CoreKernels>();
  const rankTol = rankTolerance(opts);
  const route = opts.route ?? "lowRank";
  if (route !== "lowRank" && route !== "dense") throw new OptionError(`route must be "lowRank" or "dense", got ${String(route)}`);
  const d = plan.inputSize, C = plan.outputSize;
  if (C < 2) throw new OptionError(`the DIM needs a classifier with at least 2 outputs; this model has ${C}`);
  const target = plan.ops.length - 1;
  const r = Math.min(C - 1, d);
  const eigenvalues = new Float64Array(count * r); // count×r
  const eigenvectors = new Float32Array(count * r * d); // count×r×d
  const rank = new Int32Array(count);
  const probs = new Float32Array(count * C); // count×C
  const matrix = opts.dense ? new Float64Array(count * d * d) : undefined; // count×d×d
  overSubchunks(arena, X, count, d, (start, n, input) => {
    const st = forwardPass(arena, plan, input, n);
    const ws = jacobianWorkspace(arena, plan, target);
    const J = arena.allocF32(C * d);
    const p = arena.allocF64(C);
    const F = arena.allocF64(C * C);
    const vals = arena.allocF64(route === "dense" ? d : r);
    const vecs = arena.allocF32((route === "dense" ? d : r) * d);
    const work = arena.allocF64(4 * C * C + 6 * C + (r + 1) * d);
    const g = opts.dense || route === "dense" ? arena.allocF64(d * d) : 0;
    const gWork = g ? arena.allocF64(Math.max(C * d, 2 * d * d + 4 * d)) : 0;
    const pr = arena.allocF32(n * C);
    k.softmaxF32(n, C, st.out[target], pr);
    for (let i = 0; i < n; i++) {
      pointJacobian(arena, plan, st, i, ws, J);
      k.fisherFactorF64(C, st.out[target] + i * C * 4, p, F);
      if (g) k.denseMetricF32(C, d, J, F, g, gWork);
      if (matrix) matrix.set(arena.f64(g, d * d), (start + i) * d * d);
      const rk = route === "dense" ? k.denseEigF64(d, g, rankTol, vals, vecs, gWork) : k.lowRankEigF32(C, d, J, F, r, rankTol, vals, vecs, work);
      rank[start + i] = Math.min(rk, r);
      eigenvalues.set(arena.f64(vals, r), (start + i) * r);
      eigenvectors.set(arena.f32(vecs, r * d), (start + i) * r * d);
    }
    probs.set(arena.f32(pr, n * C), start * C);
  });
  const perPoint: Record<string, PerPointArray> = { eigenvalues, eigenvectors, rank, probs };
  if (matrix) perPoint.matrix = matrix;
  return { perPoint, meta: { d, C, r } };
};
