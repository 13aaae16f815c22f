/**
 * Float64 reference for the symmetric eigensolver (tests and benchmarks only): the cyclic Jacobi method,
 * a different algorithm from the kernel's Householder + QL, so agreement is an independent check.
 * O(n³) per sweep, typically 6–10 sweeps: for n up to a few hundred.
 */

export interface EighResult {
  /** n eigenvalues, descending. */
  values: Float64Array;
  /** n×n, row-major, row i the unit eigenvector of values[i]. */
  vectors: Float64Array;
}

/**
 * Eigen-decomposition of the symmetric n×n matrix `a` (row-major, read only) by cyclic Jacobi rotations:
 * each rotation in plane (p, q) zeroes a_pq; sweeps repeat until the off-diagonal mass is negligible.
 * Returns eigenvalues descending and eigenvectors as rows (sign not normalised).
 */
export function jacobiEigh(a: ArrayLike<number>, n: number): EighResult {
  const s = Float64Array.from({ length: n * n }, (_, i) => a[i]); // n×n working copy, row-major
  const v = new Float64Array(n * n); // n×n, COLUMN j = eigenvector j while iterating
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let total = 0;
  for (let i = 0; i < n * n; i++) total += s[i] * s[i];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += 2 * s[p * n + q] * s[p * n + q];
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = s[p * n + q];
        if (apq === 0) continue;
        // Choose t = tan φ, the smaller root of t² + 2θt − 1 = 0, θ = (a_qq − a_pp) / 2a_pq.
        const theta = (s[q * n + q] - s[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        // S ← Jᵀ S J with J the rotation in plane (p, q): columns, then rows.
        for (let k = 0; k < n; k++) {
          const skp = s[k * n + p];
          const skq = s[k * n + q];
          s[k * n + p] = c * skp - sn * skq;
          s[k * n + q] = sn * skp + c * skq;
        }
        for (let k = 0; k < n; k++) {
          const spk = s[p * n + k];
          const sqk = s[q * n + k];
          s[p * n + k] = c * spk - sn * sqk;
          s[q * n + k] = sn * spk + c * sqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - sn * vkq;
          v[k * n + q] = sn * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => s[y * n + y] - s[x * n + x]);
  const values = Float64Array.from(order, (j) => s[j * n + j]);
  const vectors = new Float64Array(n * n); // n×n, row i = eigenvector of values[i]
  order.forEach((j, i) => {
    for (let k = 0; k < n; k++) vectors[i * n + k] = v[k * n + j];
  });
  return { values, vectors };
}
