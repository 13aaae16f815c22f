// Row-wise argmax of a score matrix plus a per-column offset: the cell (power diagram / Laguerre cell) of
// each sample in semi-discrete optimal transport, where scores are ⟨x, y_i⟩ from a GEMM and h the heights.

/**
 * For each row r < m of s (m×n f64, row-major, leading dimension lds): idx[r] = argmax_i s[r, i] + h[i]
 * (i32; the first index wins ties) and counts[idx[r]] += 1 (i32, not cleared here). Returns nothing.
 */
export function argmaxRowsF64(m: i32, n: i32, s: usize, lds: i32, h: usize, idx: usize, counts: usize): void {
  for (let r = 0; r < m; r++) {
    const row = s + (<usize>(r * lds) << 3);
    let best = load<f64>(row) + load<f64>(h);
    let bi = 0;
    for (let i = 1; i < n; i++) {
      const v = load<f64>(row + (<usize>i << 3)) + load<f64>(h + (<usize>i << 3));
      if (v > best) {
        best = v;
        bi = i;
      }
    }
    store<i32>(idx + (<usize>r << 2), bi);
    const c = counts + (<usize>bi << 2);
    store<i32>(c, load<i32>(c) + 1);
  }
}
