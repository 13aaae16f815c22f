/**
 * Small dense float64 Cholesky factorisation (k×k covariance matrices of k features, k ≲ 100) and the
 * solves built on it. Host-side TypeScript: the matrices are tiny next to the sample sums that form them.
 */
import { SingularMatrixError } from "./errors.js";

/** Relative pivot below which a covariance counts as singular: pivot ≤ this · max diagonal entry. */
export const SINGULAR_PIVOT = 1e-12;

/**
 * Lower-triangular L (k×k, row-major) with L·Lᵀ = C for a symmetric positive definite C (k×k, row-major).
 * Throws SingularMatrixError naming `what` and the first dependent index if a pivot is ≤ SINGULAR_PIVOT
 * times the largest diagonal entry (a constant feature, or one that is a combination of earlier ones).
 */
export function cholesky(c: ArrayLike<number>, k: number, what: string): Float64Array {
  const l = new Float64Array(k * k); // k×k, row-major, lower triangle
  let dmax = 0;
  for (let i = 0; i < k; i++) dmax = Math.max(dmax, c[i * k + i]);
  for (let j = 0; j < k; j++) {
    let d = c[j * k + j];
    for (let t = 0; t < j; t++) d -= l[j * k + t] ** 2;
    if (!(d > SINGULAR_PIVOT * dmax))
      throw new SingularMatrixError(
        `${what} is singular: column ${j} is (numerically) constant or a linear combination of columns 0..${j - 1} ` +
          `(pivot ${d.toExponential(3)} ≤ ${SINGULAR_PIVOT}·${dmax.toExponential(3)}); drop or regularise that feature`,
      );
    const ljj = Math.sqrt(d);
    l[j * k + j] = ljj;
    for (let i = j + 1; i < k; i++) {
      let s = c[i * k + j];
      for (let t = 0; t < j; t++) s -= l[i * k + t] * l[j * k + t];
      l[i * k + j] = s / ljj;
    }
  }
  return l;
}

/** In place: B (k×cols, row-major) ← L⁻¹·B for lower-triangular L (k×k). */
export function solveLower(l: Float64Array, k: number, b: Float64Array, cols: number): Float64Array {
  for (let i = 0; i < k; i++)
    for (let c = 0; c < cols; c++) {
      let s = b[i * cols + c];
      for (let t = 0; t < i; t++) s -= l[i * k + t] * b[t * cols + c];
      b[i * cols + c] = s / l[i * k + i];
    }
  return b;
}

/** In place: B (k×cols, row-major) ← L⁻ᵀ·B for lower-triangular L (k×k). */
export function solveUpperT(l: Float64Array, k: number, b: Float64Array, cols: number): Float64Array {
  for (let i = k - 1; i >= 0; i--)
    for (let c = 0; c < cols; c++) {
      let s = b[i * cols + c];
      for (let t = i + 1; t < k; t++) s -= l[t * k + i] * b[t * cols + c];
      b[i * cols + c] = s / l[i * k + i];
    }
  return b;
}
