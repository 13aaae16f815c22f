/**
 * Float64 reference for the gemm kernels (tests and benchmarks only): the plain triple loop, same
 * contract as gemmF32/gemmF64 but over typed arrays with element offsets and strides.
 */

/**
 * C (m×n) = A (m×k) · B (k×n), or C += A·B when `accumulate`; row-major, strides in elements.
 * Accumulates in float64 whatever the element type of the arrays.
 */
export function gemmReference(
  m: number, n: number, k: number,
  a: ArrayLike<number>, lda: number,
  b: ArrayLike<number>, ldb: number,
  c: Float64Array | Float32Array, ldc: number,
  accumulate: boolean,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * lda + p] * b[p * ldb + j];
      c[i * ldc + j] = accumulate ? c[i * ldc + j] + s : s;
    }
  }
}

/** A·B for dense row-major A (m×k) and B (k×n); returns C (m×n, row-major, float64). */
export function matmulReference(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n); // m×n, row-major
  gemmReference(m, n, k, a, k, b, n, c, n, false);
  return c;
}
