/**
 * engine.dim: the data information matrix D(x) = Jᵀ (diag p − p pᵀ) J of the logit Jacobian J (C×d), the
 * Fisher information of the classifier in input space, as its eigen-decomposition. Low-rank route: with
 * F Fᵀ = diag p − p pᵀ (F = diag √p − p √pᵀ), the nonzero eigenvalues of D are those of the C×C matrix
 * K = Fᵀ J Jᵀ F (similar to M^½ J Jᵀ M^½), and the eigenvectors are v = Jᵀ F u / ‖Jᵀ F u‖: never a d×d
 * eigenproblem. rank D ≤ C − 1 because 1ᵀF = 0.
 */
import type { Runtime, CallOptions } from "../engine/runtime.js";
import type { Model } from "../model/model.js";
import type { BatchInput } from "../engine/batch.js";
import { OptionError } from "../errors.js";
import { forwardChunk, gatherNode, jacobianWorkspace, pointJacobian } from "./network.js";
import type { Job, Layout } from "../engine/job.js";
import type { CompiledNetwork } from "../model/compile.js";
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

function dimSizes(net: CompiledNetwork, opts: Record<string, unknown>) {
  rankTolerance(opts);
  const route = opts.route ?? "lowRank";
  if (route !== "lowRank" && route !== "dense") throw new OptionError(`route must be "lowRank" or "dense", got ${String(route)}`);
  const d = net.inputSize, C = net.outputSize;
  if (C < 2) throw new OptionError(`the DIM needs a classifier with at least 2 outputs; this model has ${C}`);
  return { d, C, r: Math.min(C - 1, d), route };
}

export const dimJob: Job = {
  layout(net, opts) {
    const { d, C, r } = dimSizes(net, opts);
    const layout: Layout = { eigenvalues: ["f64", r], eigenvectors: ["f32", r * d], rank: ["i32", 1], probs: ["f32", C] };
    if (opts.dense) layout.matrix = ["f64", d * d];
    return layout;
  },
  meta(net, opts) {
    const { d, C, r } = dimSizes(net, opts);
    return { d, C, r };
  },
  run(arena, up, X, count, opts, out, base) {
    const k = arena.kernels<CoreKernels>();
    const rankTol = rankTolerance(opts);
    const { d, C, r, route } = dimSizes(up.net, opts);
    const target = up.net.outputNode;
    const eigenvalues = out.eigenvalues as Float64Array; // points×r
    const eigenvectors = out.eigenvectors as Float32Array; // points×r×d
    const rank = out.rank as Int32Array;
    const probs = out.probs as Float32Array; // points×C
    const matrix = out.matrix as Float64Array | undefined; // points×d×d
    overSubchunks(arena, X, count, d, (start, n, input) => {
      const st = forwardChunk(arena, up, input, n);
      const ws = jacobianWorkspace(arena, up, target);
      const logits = gatherNode(arena, st, target, arena.allocF32(n * C)); // n×C
      const p = arena.allocF64(C);
      const F = arena.allocF64(C * C);
      const vals = arena.allocF64(route === "dense" ? d : r);
      const vecs = arena.allocF32((route === "dense" ? d : r) * d);
      const work = arena.allocF64(4 * C * C + 6 * C + (r + 1) * d);
      const g = matrix || route === "dense" ? arena.allocF64(d * d) : 0;
      const gWork = g ? arena.allocF64(Math.max(C * d, 2 * d * d + 4 * d)) : 0;
      const pr = arena.allocF32(n * C);
      k.softmaxF32(n, C, logits, pr);
      for (let i = 0; i < n; i++) {
        const at = base + start + i;
        const Ji = pointJacobian(arena, st, i, ws);
        k.fisherFactorF64(C, logits + i * C * 4, p, F);
        if (g) k.denseMetricF32(C, d, Ji, F, g, gWork);
        if (matrix) matrix.set(arena.f64(g, d * d), at * d * d);
        const rk = route === "dense" ? k.denseEigF64(d, g, rankTol, vals, vecs, gWork) : k.lowRankEigF32(C, d, Ji, F, r, rankTol, vals, vecs, work);
        rank[at] = Math.min(rk, r);
        eigenvalues.set(arena.f64(vals, r), at * r);
        eigenvectors.set(arena.f32(vecs, r * d), at * r * d);
      }
      probs.set(arena.f32(pr, n * C), (base + start) * C);
    });
  },
};

/** The data information matrix per point, as its eigen-decomposition through the C×C side. */
export async function dim(rt: Runtime, model: Model, X: BatchInput, opts: DimOptions & CallOptions = {}): Promise<DimResult> {
  const { out: r, meta, n } = await rt.map("dim", model, X, opts, { rankTol: opts.rankTol, dense: !!opts.dense, route: opts.route });
  return {
    n,
    d: meta.d as number,
    C: meta.C as number,
    r: meta.r as number,
    eigenvalues: r.eigenvalues as Float64Array,
    eigenvectors: r.eigenvectors as Float32Array,
    rank: r.rank as Int32Array,
    probs: r.probs as Float32Array,
    ...(opts.dense ? { matrix: r.matrix as Float64Array } : {}),
  };
}
