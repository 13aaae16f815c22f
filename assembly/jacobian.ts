// The dense layer's transpose through a diagonal activation derivative, skipping inactive units:
// the product that dominates Jacobian assembly of ReLU networks.

// @ts-ignore: decorator
@inline
function tile(nr: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, rows: usize, c: usize, ldc: i32): void {
  // C[0..nr)[0..8) = A[0..nr)[0..k) · B[rows[p]][0..8): nr (a constant at every inlined call, 1..4) rows ×
  // two f32x4 columns; the optimizer folds the `nr >` branches away.
  // A is f32 m×k with stride lda, B rows selected by the i32 list `rows`, C stride ldc.
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const sa = <usize>lda << 2;
  for (let p = 0; p < k; p++) {
    const brow = b + (<usize>(load<i32>(rows + (<usize>p << 2)) * ldb) << 2);
    const b0 = v128.load(brow);
    const b1 = v128.load(brow, 16);
    const ap = a + (<usize>p << 2);
    const a0 = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(a0, b0));
    c01 = f32x4.add(c01, f32x4.mul(a0, b1));
    if (nr > 1) {
      const a1 = v128.load32_splat(ap + sa);
      c10 = f32x4.add(c10, f32x4.mul(a1, b0));
      c11 = f32x4.add(c11, f32x4.mul(a1, b1));
    }
    if (nr > 2) {
      const a2 = v128.load32_splat(ap + 2 * sa);
      c20 = f32x4.add(c20, f32x4.mul(a2, b0));
      c21 = f32x4.add(c21, f32x4.mul(a2, b1));
    }
    if (nr > 3) {
      const a3 = v128.load32_splat(ap + 3 * sa);
      c30 = f32x4.add(c30, f32x4.mul(a3, b0));
      c31 = f32x4.add(c31, f32x4.mul(a3, b1));
    }
  }
  const sc = <usize>ldc << 2;
  v128.store(c, c00);
  v128.store(c, c01, 16);
  if (nr > 1) { v128.store(c + sc, c10); v128.store(c + sc, c11, 16); }
  if (nr > 2) { v128.store(c + 2 * sc, c20); v128.store(c + 2 * sc, c21, 16); }
  if (nr > 3) { v128.store(c + 3 * sc, c30); v128.store(c + 3 * sc, c31, 16); }
}

/**
 * C (m×n) = A (m×k) · B[rows] where B[rows] is the k×n matrix whose p-th row is row rows[p] of B.
 * Row-major f32, strides in elements; C is overwritten. Every element of C accumulates over p in the same
 * order whatever its tile, so results do not depend on m (batching) — the engine relies on that.
 */
export function gemmRowsF32(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, rows: usize, c: usize, ldc: i32): void {
  const n8 = n & ~7;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const ai = a + (<usize>(i * lda) << 2);
    const ci = c + (<usize>(i * ldc) << 2);
    for (let j = 0; j < n8; j += 8) tile(4, k, ai, lda, b + (<usize>j << 2), ldb, rows, ci + (<usize>j << 2), ldc);
  }
  const rest = m - i;
  const ai = a + (<usize>(i * lda) << 2);
  const ci = c + (<usize>(i * ldc) << 2);
  for (let j = 0; j < n8; j += 8) {
    const bj = b + (<usize>j << 2);
    const cj = ci + (<usize>j << 2);
    if (rest == 3) tile(3, k, ai, lda, bj, ldb, rows, cj, ldc);
    else if (rest == 2) tile(2, k, ai, lda, bj, ldb, rows, cj, ldc);
    else if (rest == 1) tile(1, k, ai, lda, bj, ldb, rows, cj, ldc);
  }
  // columns n8..n: scalar, same summation order over p
  for (let r = 0; r < m; r++) {
    for (let j = n8; j < n; j++) {
      let s: f32 = 0;
      for (let p = 0; p < k; p++) {
        s += load<f32>(a + (<usize>(r * lda + p) << 2)) * load<f32>(b + (<usize>(load<i32>(rows + (<usize>p << 2)) * ldb + j) << 2));
      }
      store<f32>(c + (<usize>(r * ldc + j) << 2), s);
    }
  }
}

/**
 * Reverse step through y = act(x·W + b): gIn (m×nIn) = (gOut · diag(s)) · Wᵀ, using WT = Wᵀ stored
 * nOut×nIn row-major (row j = the weights into unit j). Units with s[j] == 0 (inactive ReLUs) are skipped.
 * gOut == 0 means gOut is the identity (m == nOut): gIn row j = s[j]·WT[j].
 * work: nOut i32 + m·nOut f32 bytes. gIn is overwritten (stride nIn).
 */
export function denseVjpF32(m: i32, nOut: i32, nIn: i32, gOut: usize, s: usize, wt: usize, gIn: usize, work: usize): void {
  if (gOut == 0) {
    for (let j = 0; j < nOut; j++) {
      const sj = f32x4.splat(load<f32>(s + (<usize>j << 2)));
      const src = wt + (<usize>(j * nIn) << 2);
      const dst = gIn + (<usize>(j * nIn) << 2);
      let t = 0;
      for (; t + 4 <= nIn; t += 4) v128.store(dst + (<usize>t << 2), f32x4.mul(sj, v128.load(src + (<usize>t << 2))));
      for (; t < nIn; t++) store<f32>(dst + (<usize>t << 2), f32x4.extract_lane(sj, 0) * load<f32>(src + (<usize>t << 2)));
    }
    return;
  }
  const idx = work;
  let k = 0;
  for (let j = 0; j < nOut; j++) {
    if (load<f32>(s + (<usize>j << 2)) != 0) {
      store<i32>(idx + (<usize>k << 2), j);
      k++;
    }
  }
  const gc = idx + ((<usize>nOut << 2) + 15 & ~15); // m×k compacted, scaled cotangents
  for (let r = 0; r < m; r++) {
    const src = gOut + (<usize>(r * nOut) << 2);
    const dst = gc + (<usize>(r * k) << 2);
    for (let p = 0; p < k; p++) {
      const j = <usize>load<i32>(idx + (<usize>p << 2)) << 2;
      store<f32>(dst + (<usize>p << 2), load<f32>(src + j) * load<f32>(s + j));
    }
  }
  gemmRowsF32(m, nIn, k, gc, k, wt, nIn, idx, gIn, nIn);
}
