// PLACEHOLDER until the tuned kernel lands (same contract).
/**
 * C (m×n) = A (m×k) · B (k×n), or C += A·B when accumulate != 0. Row-major f32, strides in elements.
 */
export function gemmF32(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32): void {
  for (let i = 0; i < m; i++) {
    const crow = c + (<usize>(i * ldc) << 2);
    if (!accumulate) memory.fill(crow, 0, <usize>n << 2);
    for (let p = 0; p < k; p++) {
      const aip = load<f32>(a + (<usize>(i * lda + p) << 2));
      const brow = b + (<usize>(p * ldb) << 2);
      let j = 0;
      const va = f32x4.splat(aip);
      for (; j + 4 <= n; j += 4) {
        const o = <usize>j << 2;
        v128.store(crow + o, f32x4.add(v128.load(crow + o), f32x4.mul(va, v128.load(brow + o))));
      }
      for (; j < n; j++) {
        const o = <usize>j << 2;
        store<f32>(crow + o, load<f32>(crow + o) + aip * load<f32>(brow + o));
      }
    }
  }
}
