// Exact linear pieces along a segment x(t) = p + t·q, t in [0, 1]. On a piece every pre-activation is
// affine in t: z(t) = P + t·Q. A piece is stored as two rows of n f64 values: row 2k = P, row 2k+1 = Q.
// The host multiplies the rows by a layer's kernel (gemmF64), adds the bias to the P rows (biasRowsF64),
// solves the crossings z(t) = 0 inside each piece (lineCrossingsF64), sorts them into sub-pieces, then
// activates the rows of each sub-piece (lineActivateF64) for the next layer.

/**
 * z[r·stride·ldz + j] += bias[j] for r < count, j < n: adds the bias to every `stride`-th row (f64,
 * row-major, leading dimension ldz). With stride 2 (line) the P rows, with stride 3 and z offset by two rows
 * (plane) the constant rows.
 */
export function biasRowsF64(count: i32, n: i32, bias: usize, z: usize, ldz: i32, stride: i32): void {
  for (let r = 0; r < count; r++) {
    const row = z + (<usize>(r * stride * ldz) << 3);
    for (let j = 0; j < n; j++) {
      const p = row + (<usize>j << 3);
      store<f64>(p, load<f64>(p) + load<f64>(bias + (<usize>j << 3)));
    }
  }
}

/**
 * For every piece k < m spanning (t[k], t[k+1]) with rows P = z[2k·n ..], Q = z[(2k+1)·n ..] (m×2×n f64),
 * writes each root r = −P_j/Q_j with t[k] < r < t[k+1] (strictly inside) to `roots` (capacity m·n f64),
 * piece by piece in unit order, and the number found in piece k to counts[k] (i32). Returns the total.
 */
export function lineCrossingsF64(m: i32, n: i32, z: usize, t: usize, roots: usize, counts: usize): i32 {
  let total = 0;
  for (let k = 0; k < m; k++) {
    const lo = load<f64>(t + (<usize>k << 3));
    const hi = load<f64>(t + (<usize>(k + 1) << 3));
    const P = z + (<usize>(2 * k * n) << 3);
    const Q = P + (<usize>n << 3);
    let found = 0;
    for (let j = 0; j < n; j++) {
      const q = load<f64>(Q + (<usize>j << 3));
      if (q == 0) continue;
      const r = -load<f64>(P + (<usize>j << 3)) / q;
      if (r > lo && r < hi) {
        store<f64>(roots + (<usize>total << 3), r);
        total++;
        found++;
      }
    }
    store<i32>(counts + (<usize>k << 2), found);
  }
  return total;
}

/**
 * Activates sub-pieces. Sub-piece k (< m) spans (t[k], t[k+1]) inside parent piece parent[k] (i32) whose
 * rows are z[2·parent·n ..] (P, Q). At the midpoint t̄ the sign of P_j + t̄·Q_j fixes the unit's slope
 * s_j (1 when > 0, else `alpha`: 0 for relu). Writes x[2k·n + j] = s_j·P_j and x[(2k+1)·n + j] = s_j·Q_j
 * (m×2×n f64), copies the parent's pattern words srcBits[parent·words ..] to dstBits[k·words ..] (u32) and
 * sets bit (offset + j) there for every unit with a positive midpoint value.
 */
export function lineActivateF64(m: i32, n: i32, z: usize, parent: usize, t: usize, alpha: f64, x: usize, srcBits: usize, dstBits: usize, words: i32, offset: i32): void {
  for (let k = 0; k < m; k++) {
    const p = load<i32>(parent + (<usize>k << 2));
    const mid = 0.5 * (load<f64>(t + (<usize>k << 3)) + load<f64>(t + (<usize>(k + 1) << 3)));
    const P = z + (<usize>(2 * p * n) << 3);
    const Q = P + (<usize>n << 3);
    const XP = x + (<usize>(2 * k * n) << 3);
    const XQ = XP + (<usize>n << 3);
    const sb = srcBits + (<usize>(p * words) << 2);
    const db = dstBits + (<usize>(k * words) << 2);
    for (let w = 0; w < words; w++) store<u32>(db + (<usize>w << 2), load<u32>(sb + (<usize>w << 2)));
    for (let j = 0; j < n; j++) {
      const pj = load<f64>(P + (<usize>j << 3));
      const qj = load<f64>(Q + (<usize>j << 3));
      let s = alpha;
      if (pj + mid * qj > 0) {
        s = 1;
        const b = offset + j;
        const wp = db + (<usize>(b >>> 5) << 2);
        store<u32>(wp, load<u32>(wp) | (1 << (b & 31)));
      }
      store<f64>(XP + (<usize>j << 3), s * pj);
      store<f64>(XQ + (<usize>j << 3), s * qj);
    }
  }
}
