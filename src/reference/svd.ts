/**
 * Float64 reference SVD for tests and benchmarks only: an algorithm independent of the Wasm kernel
 * (assembly/svd.ts, one-sided Jacobi). Here: the Gram matrix G = AᵀA (n×n) is diagonalised by the cyclic
 * two-sided Jacobi eigenvalue method, σ_i = sqrt(max(λ_i, 0)), V = eigenvectors, U = A·V/σ.
 * Squaring halves the accuracy of small singular values (absolute error ≈ sqrt(ε)·σ_max for σ ≈ 0): compare
 * against it with tolerances relative to σ_max. Same output layout and sign convention as the kernel.
 */
import { jacobiEigh } from "./eigh.js";

/** jacobiEigh's eigenpairs with the eigenvectors as COLUMNS (n×n row-major, column j = eigenvector j). */
export function symEigJacobiReference(a: ArrayLike<number>, n: number): { values: Float64Array; vectors: Float64Array } {
  const { values, vectors: rows } = jacobiEigh(a, n);
  const vectors = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vectors[i * n + j] = rows[j * n + i];
  return { values, vectors };
}

/** Thin SVD of A (m×n, row-major): s (r, descending), u (m×r), v (n×r), r = min(m, n), both row-major. */
export function svdReference(a: ArrayLike<number>, m: number, n: number): { s: Float64Array; u: Float64Array; v: Float64Array } {
  const r = Math.min(m, n);
  const g = new Float64Array(n * n); // AᵀA, n×n
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      let acc = 0;
      for (let t = 0; t < m; t++) acc += a[t * n + i] * a[t * n + j];
      g[i * n + j] = acc;
      g[j * n + i] = acc;
    }
  const { values, vectors } = symEigJacobiReference(g, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => values[y] - values[x] || x - y);
  const s = new Float64Array(r);
  const u = new Float64Array(m * r);
  const v = new Float64Array(n * r);
  const smax = Math.sqrt(Math.max(values[order[0]] ?? 0, 0));
  for (let c = 0; c < r; c++) {
    const e = order[c];
    s[c] = Math.sqrt(Math.max(values[e], 0));
    for (let i = 0; i < n; i++) v[i * r + c] = vectors[i * n + e];
  }
  // U = A V / σ for the clearly nonzero σ; the others are completed by Gram–Schmidt on unit vectors
  const zeroBelow = smax * 1e-7;
  for (let c = 0; c < r; c++) {
    const col = new Float64Array(m);
    if (s[c] > zeroBelow) {
      for (let t = 0; t < m; t++) {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += a[t * n + i] * v[i * r + c];
        col[t] = acc / s[c];
      }
    } else {
      let best = -1;
      let bestRest = -1;
      for (let t = 0; t < m; t++) {
        let rest = 1;
        for (let j = 0; j < c; j++) rest -= u[t * r + j] ** 2;
        if (rest > bestRest) [best, bestRest] = [t, rest];
      }
      col[best] = 1;
    }
    for (let pass = 0; pass < 2; pass++)
      for (let j = 0; j < c; j++) {
        let d = 0;
        for (let t = 0; t < m; t++) d += col[t] * u[t * r + j];
        for (let t = 0; t < m; t++) col[t] -= d * u[t * r + j];
      }
    const nrm = Math.hypot(...col);
    for (let t = 0; t < m; t++) u[t * r + c] = col[t] / nrm;
  }
  // sign convention of the kernel: the largest-magnitude entry of each U column is positive
  for (let c = 0; c < r; c++) {
    let best = 0;
    for (let t = 1; t < m; t++) if (Math.abs(u[t * r + c]) > Math.abs(u[best * r + c])) best = t;
    if (u[best * r + c] < 0) {
      for (let t = 0; t < m; t++) u[t * r + c] = -u[t * r + c];
      for (let i = 0; i < n; i++) v[i * r + c] = -v[i * r + c];
    }
  }
  return { s, u, v };
}
