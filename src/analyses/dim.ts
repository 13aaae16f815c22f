/**
 * engine.dim: the data information matrix D(x) = Jᵀ (diag p − p pᵀ) J of the logit Jacobian J (C×d), the
 * Fisher information of the classifier in input space, as its eigen-decomposition. Low-rank route: with
 * F Fᵀ = diag p − p pᵀ (F = diag √p − p √pᵀ), the nonzero eigenvalues of D are those of the C×C matrix
 * K = Fᵀ J Jᵀ F (similar to M^½ J Jᵀ M^½), and the eigenvectors are v = Jᵀ F u / ‖Jᵀ F u‖: never a d×d
 * eigenproblem. rank D ≤ C − 1 because 1ᵀF = 0.
 *
 * The rank is decided from what can vanish (assembly/dim.ts, dimRankF32): classes whose contribution to D
 * is zero (p_c = 0) or below D's float64 rounding (eigenvalues ≤ C · eps64 · λ₁ are not resolved by any
 * float64 computation), and rank loss of the centred Jacobian judged against float32 rounding — not from a
 * fixed eigenvalue ratio such as 1e-6, which tiny but exact probabilities (p_c ≈ 1e-9, λ ≈ 1e-10 λ₁) fail. Eigenvector rows are Jᵀ F u_j / ‖·‖ for every λ_j > 0, orthonormalised (modified
 * Gram–Schmidt in float64): rows j < rank are eigenvectors of D; rows j ≥ rank complete an orthonormal set
 * (Jᵀ F u_j of a rounding-level eigenvalue, or a standard basis vector where that vanishes) and carry no
 * eigen-information.
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
  /** An optional, coarser cut: count only λ_i > rankTol · λ_1. Default 0: the rank drops only where a class's
   * contribution to D vanishes (p_c = 0, or below D's float64 rounding: λ_i ≤ C · eps64 · λ_1) or the centred
   * Jacobian loses rank in float32 (eigenvalues of its Gram ≤ C · eps32 · ‖J‖_F²); dimRankF32 in
   * assembly/dim.ts derives both bounds. */
  rankTol?: number;
  /** Also return each point's d×d matrix D (float64). Only for small d·n. */
  dense?: boolean;
  /** "lowRank" (default) or "dense": the d×d eigenproblem, for comparison only. */
  route?: "lowRank" | "dense";
  /** Compute the eigenvectors (default true). `false`: eigenvalues, ranks and probabilities only, by the
   * route that never forms J (src/analyses/dimEigenvalues.ts: the logits' cotangents pulled back only as far
   * as a Gram is at hand); `eigenvectors` is then an empty array. With `dense` or `route: "dense"` the J-based
   * route runs and its eigenvectors are dropped. */
  eigenvectors?: boolean;
}

export interface DimResult {
  n: number;
  d: number;
  C: number;
  /** Eigenpairs per point: r = min(C − 1, d). */
  r: number;
  /** n×r, descending, ≥ 0. */
  eigenvalues: Float64Array;
  /** n×r×d row-major (empty when `eigenvectors: false`), orthonormal rows: row j < rank[i] of point i is the unit eigenvector Jᵀ F u_j / ‖·‖ of
   * eigenvalues[i·r + j]; rows j ≥ rank[i] only complete the orthonormal set (their eigenvalues are at
   * rounding level or exactly 0, and their directions are not determined by D). */
  eigenvectors: Float32Array;
  /** Rank of D at each point (≤ C − 1): C − 1 unless probabilities vanish or the Jacobian loses rank. */
  rank: Int32Array;
  /** n×C softmax probabilities. */
  probs: Float32Array;
  /** n×d×d, when `dense: true`. */
  matrix?: Float64Array;
}

/** Validate options shared by the metric analyses (`fallback`: the analysis's default). */
export function rankTolerance(opts: Record<string, unknown>, fallback = 1e-6): number {
  const t = opts.rankTol ?? fallback;
  if (typeof t !== "number" || !(t >= 0 && t < 1)) throw new OptionError(`rankTol must be a number in [0, 1), got ${String(t)}`);
  return t;
}

/** Validated sizes and route of a DIM call (shared by the eigenvector and the eigenvalues-only jobs). */
export function dimSizes(net: CompiledNetwork, opts: Record<string, unknown>) {
  rankTolerance(opts, 0);
  const route = opts.route ?? "lowRank";
  if (route !== "lowRank" && route !== "dense") throw new OptionError(`route must be "lowRank" or "dense", got ${String(route)}`);
  const d = net.inputSize, C = net.outputSize;
  if (C < 2) throw new OptionError(`the DIM needs a classifier with at least 2 outputs; this model has ${C}`);
  return { d, C, r: Math.min(C - 1, d), route };
}

/** The DIM's rank kernel (assembly/dim.ts). */
export interface DimRankKernels {
  dimRankF32(m: number, d: number, j: number, p: number, values: number, r: number, rankTol: number, work: number): number;
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
    const k = arena.kernels<CoreKernels & DimRankKernels>();
    const rankTol = rankTolerance(opts, 0);
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
      const work = arena.allocF64(Math.max(4 * C * C + 6 * C + (r + 1) * d, 2 * C * C + 6 * C + d)); // lowRankEigF32, then dimRankF32
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
        // rankTol 0: every positive eigenvalue gets its vector Jᵀ F u; the rank is decided below
        if (route === "dense") k.denseEigF64(d, g, 0, vals, vecs, gWork);
        else k.lowRankEigF32(C, d, Ji, F, r, 0, vals, vecs, work);
        const lam = arena.f64(vals, r);
        rank[at] = k.dimRankF32(C, d, Ji, p, vals, r, rankTol, work);
        eigenvalues.set(lam, at * r);
        eigenvectors.set(arena.f32(vecs, r * d), at * r * d);
      }
      probs.set(arena.f32(pr, n * C), (base + start) * C);
    });
  },
};

/** The data information matrix per point, as its eigen-decomposition through the C×C side. */
export async function dim(rt: Runtime, model: Model, X: BatchInput, opts: DimOptions & CallOptions = {}): Promise<DimResult> {
  const vectors = opts.eigenvectors ?? true;
  if (typeof vectors !== "boolean") throw new OptionError(`eigenvectors must be true or false, got ${String(vectors)}`);
  const valuesOnly = !vectors && !opts.dense && (opts.route ?? "lowRank") === "lowRank";
  const job = valuesOnly ? "dimEigenvalues" : "dim";
  const { out: r, meta, n } = await rt.map(job, model, X, opts, { rankTol: opts.rankTol, dense: !!opts.dense, route: opts.route });
  return {
    n,
    d: meta.d as number,
    C: meta.C as number,
    r: meta.r as number,
    eigenvalues: r.eigenvalues as Float64Array,
    eigenvectors: vectors ? (r.eigenvectors as Float32Array) : new Float32Array(0),
    rank: r.rank as Int32Array,
    probs: r.probs as Float32Array,
    ...(opts.dense ? { matrix: r.matrix as Float64Array } : {}),
  };
}
