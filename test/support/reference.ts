/**
 * Independent float64 references for the engine's tests: Jacobians by central finite differences of the
 * float64 reference forward pass, the DIM formed explicitly as a d×d matrix, and its eigenvalues by
 * ml-matrix (a separate library).
 */
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { finiteDifferenceJacobian, referenceForward, softmax } from "../../src/reference/forward.js";
import type { ModelSpec } from "../../src/model/types.js";

export type OutputKind = "logits" | "logprobs" | "probs" | { layer: number };

export function referenceOutput(spec: ModelSpec, x: ArrayLike<number>, output: OutputKind = "logits"): Float64Array {
  const f = referenceForward(spec, x);
  if (typeof output === "object") return f.layerOutputs[output.layer];
  if (output === "logits") return f.output;
  const p = softmax(f.output);
  return output === "probs" ? p : p.map(Math.log);
}

/** m×d central differences in float64 (exact up to rounding inside one linear region). */
export function fdJacobian(spec: ModelSpec, x: ArrayLike<number>, output: OutputKind = "logits", h = 1e-6): Float64Array {
  return finiteDifferenceJacobian((y) => referenceOutput(spec, y, output), x, h);
}

/** Smallest |pre-activation| over the relu/leakyRelu units at x: how far x is from a kink. */
export function kinkMargin(spec: ModelSpec, x: ArrayLike<number>): number {
  const f = referenceForward(spec, x);
  let margin = Infinity;
  spec.layers.forEach((l, i) => {
    if ("activation" in l && (l.activation === "relu" || l.activation === "leakyRelu"))
      for (const z of f.preActivations[i]) margin = Math.min(margin, Math.abs(z));
  });
  return margin;
}

/** max |a − b| / max |b|. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den === 0 ? num : num / den;
}

/** D = Jᵀ (diag p − p pᵀ) J as a d×d float64 matrix, from J (C×d) and p. */
export function denseDim(J: ArrayLike<number>, p: ArrayLike<number>, C: number, d: number): Float64Array {
  const M = new Float64Array(C * C);
  for (let a = 0; a < C; a++) for (let b = 0; b < C; b++) M[a * C + b] = (a === b ? p[a] : 0) - p[a] * p[b];
  const MJ = new Float64Array(C * d);
  for (let a = 0; a < C; a++) for (let b = 0; b < C; b++) for (let t = 0; t < d; t++) MJ[a * d + t] += M[a * C + b] * J[b * d + t];
  const D = new Float64Array(d * d);
  for (let a = 0; a < C; a++) for (let s = 0; s < d; s++) for (let t = 0; t < d; t++) D[s * d + t] += J[a * d + s] * MJ[a * d + t];
  return D;
}

/** Eigenvalues of a symmetric d×d matrix, descending (ml-matrix). */
export function referenceEigenvalues(A: ArrayLike<number>, d: number): number[] {
  const rows = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => A[i * d + j]));
  const e = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
  return [...e.realEigenvalues].sort((a, b) => b - a);
}

/** Points from `candidates` (n×d) whose kink margin is at least `margin`, up to `count` of them. */
export function pointsAwayFromKinks(spec: ModelSpec, candidates: Float32Array, d: number, count: number, margin = 1e-3): Float32Array {
  const out: number[] = [];
  for (let i = 0; i * d < candidates.length && out.length < count * d; i++) {
    const x = candidates.subarray(i * d, (i + 1) * d);
    if (kinkMargin(spec, x) >= margin) out.push(...x);
  }
  if (out.length < count * d) throw new Error(`only ${out.length / d} of ${count} candidate points are ${margin} away from every kink`);
  return Float32Array.from(out);
}
