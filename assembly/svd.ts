// Singular value decomposition in float64 by one-sided Jacobi rotations (Hestenes' method).
//
// A (m×n, row-major, leading dimension lda) = U · diag(s) · Vᵀ with r = min(m, n):
//   s  r values, descending, ≥ 0                               (written at `s`)
//   U  m×r, row-major, leading dimension ldu, orthonormal columns (written at `u`)
//   V  n×r, row-major, leading dimension ldv, orthonormal columns (written at `v`)
// Sign convention (deterministic, as sklearn's svd_flip): in every column of U the entry of largest magnitude
// (the first such index on exact ties) is positive; the matching column of V is flipped with it.
// Exactly zero singular values: the long-side vectors (U's columns when m ≥ n, V's otherwise) that Jacobi
// leaves at zero length are completed to an orthonormal basis by Gram–Schmidt on the unit vector with the
// largest component outside the span found so far, so U and V always have orthonormal columns. (Tiny but
// nonzero singular values keep their Jacobi vectors: the stopping test makes them orthogonal too.)
//
// Method. Let p = r = min(m, n) and L = max(m, n). The p "short side" vectors of length L are copied into the
// scratch W (p×L, row-major): the columns of A when m ≥ n, the rows of A when m < n. Cyclic sweeps over the
// pairs (i < j) rotate rows i, j of W until every pair is orthogonal to the relative tolerance
// |w_i·w_j| ≤ L·ε·‖w_i‖‖w_j‖ (ε = 2⁻⁵²); the same rotations accumulate in Q (p×p, starting at I). At the end
// ‖w_i‖ are the singular values, w_i/‖w_i‖ the long-side singular vectors and the rows of Q the short-side
// ones. The pair order is fixed, so the result is bit-for-bit deterministic for a given binary.
//
// Scratch at `work`: svdJacobiF64WorkBytes(m, n) = 8·(p·L + p·p) bytes, any 8-byte-aligned offset.
// A is only read. Returns the number of sweeps used, or −1 if maxSweeps passed without convergence (the
// outputs then hold the last iterate, still with orthonormal short-side vectors).
// Input scale: squared norms must not overflow (|a_ij| ≲ 1e150); the TS high tier rescales by max |a_ij|.

import { dotF64, projectOutRowsF64 } from "./vector64";

const EPS: f64 = 2.220446049250313e-16;

/** Bytes of scratch `svdJacobiF64` needs for an m×n input. */
export function svdJacobiF64WorkBytes(m: i32, n: i32): i32 {
  const p = min(m, n);
  const l = max(m, n);
  return 8 * (p * l + p * p);
}

/** In place: x ← c·x − s·y, y ← s·x + c·y over len f64 entries. */
// @ts-ignore: decorator
@inline
function rotateF64(x: usize, y: usize, len: i32, c: f64, s: f64): void {
  const cv = f64x2.splat(c);
  const sv = f64x2.splat(s);
  let i = 0;
  for (; i + 2 <= len; i += 2) {
    const o = (<usize>i) << 3;
    const xv = v128.load(x + o);
    const yv = v128.load(y + o);
    v128.store(x + o, f64x2.sub(f64x2.mul(cv, xv), f64x2.mul(sv, yv)));
    v128.store(y + o, f64x2.add(f64x2.mul(sv, xv), f64x2.mul(cv, yv)));
  }
  if (i < len) {
    const o = (<usize>i) << 3;
    const xs = load<f64>(x + o);
    const ys = load<f64>(y + o);
    store<f64>(x + o, c * xs - s * ys);
    store<f64>(y + o, s * xs + c * ys);
  }
}

/** Swap len f64 entries at x and y. */
function swapF64(x: usize, y: usize, len: i32): void {
  for (let i = 0; i < len; i++) {
    const o = (<usize>i) << 3;
    const t = load<f64>(x + o);
    store<f64>(x + o, load<f64>(y + o));
    store<f64>(y + o, t);
  }
}

/**
 * Rows z..p−1 of `rows` (p×len, row-major, len ≥ p) are zero; rows 0..z−1 are orthonormal. Replace each zero
 * row, in order, by a unit vector orthogonal to all rows before it: Gram–Schmidt (two passes) on the unit
 * vector e_t whose component outside their span is largest (1 − Σ_j rows[j][t]² ≥ (len − i)/len > 0; the
 * first t on ties).
 */
function completeBasisF64(rows: usize, p: i32, len: i32, z: i32): void {
  const rowBytes = (<usize>len) << 3;
  for (let i = z; i < p; i++) {
    const ri = rows + (<usize>i) * rowBytes;
    let best = 0;
    let bestRest: f64 = -1;
    for (let t = 0; t < len; t++) {
      let rest: f64 = 1;
      for (let j = 0; j < i; j++) {
        const x = load<f64>(rows + (<usize>j) * rowBytes + ((<usize>t) << 3));
        rest -= x * x;
      }
      if (rest > bestRest) {
        bestRest = rest;
        best = t;
      }
    }
    for (let t = 0; t < len; t++) store<f64>(ri + ((<usize>t) << 3), t == best ? 1.0 : 0.0);
    projectOutRowsF64(i, len, rows, ri);
    const inv = 1.0 / Math.sqrt(dotF64(ri, ri, len));
    for (let t = 0; t < len; t++) {
      const o = (<usize>t) << 3;
      store<f64>(ri + o, load<f64>(ri + o) * inv);
    }
  }
}

/**
 * Thin SVD of A (m×n, row-major, lda ≥ n): s (r), U (m×r, ldu ≥ r), V (n×r, ldv ≥ r), r = min(m, n).
 * Scratch: svdJacobiF64WorkBytes(m, n) bytes at `work`. Returns sweeps used, −1 if not converged.
 */
export function svdJacobiF64(
  m: i32, n: i32, a: usize, lda: i32,
  s: usize, u: usize, ldu: i32, v: usize, ldv: i32,
  work: usize, maxSweeps: i32,
): i32 {
  const p = min(m, n);
  const l = max(m, n);
  if (p <= 0) return 0;
  const tall = m >= n; // W rows are the columns of A (tall) or the rows of A (wide)
  const rowBytes = (<usize>l) << 3;
  const w = work; // p×L
  const q = work + (<usize>p) * rowBytes; // p×p
  // W ← short-side vectors of A; Q ← I
  for (let i = 0; i < p; i++) {
    const wi = w + (<usize>i) * rowBytes;
    for (let t = 0; t < l; t++) {
      const src = tall ? a + (((<usize>t) * (<usize>lda) + <usize>i) << 3) : a + (((<usize>i) * (<usize>lda) + <usize>t) << 3);
      store<f64>(wi + ((<usize>t) << 3), load<f64>(src));
    }
    for (let j = 0; j < p; j++) store<f64>(q + (((<usize>i) * (<usize>p) + <usize>j) << 3), i == j ? 1.0 : 0.0);
  }
  const tol = <f64>l * EPS;
  let sweeps = 0;
  let converged = false;
  while (sweeps < maxSweeps) {
    sweeps++;
    let rotations = 0;
    for (let i = 0; i < p - 1; i++) {
      const wi = w + (<usize>i) * rowBytes;
      const qi = q + (((<usize>i) * (<usize>p)) << 3);
      for (let j = i + 1; j < p; j++) {
        const wj = w + (<usize>j) * rowBytes;
        const alpha = dotF64(wi, wi, l);
        const beta = dotF64(wj, wj, l);
        const gamma = dotF64(wi, wj, l);
        if (alpha == 0 || beta == 0) continue;
        if (Math.abs(gamma) <= tol * Math.sqrt(alpha) * Math.sqrt(beta)) continue;
        rotations++;
        // zero the (i, j) inner product: tan θ is the smaller root of t² + 2ζt − 1 = 0
        const zeta = (beta - alpha) / (2.0 * gamma);
        const az = Math.abs(zeta);
        const root = az > 1.0 ? az * Math.sqrt(1.0 + (1.0 / az) * (1.0 / az)) : Math.sqrt(1.0 + az * az);
        const t = (zeta >= 0 ? 1.0 : -1.0) / (az + root);
        const c = 1.0 / Math.sqrt(1.0 + t * t);
        const sn = c * t;
        rotateF64(wi, wj, l, c, sn);
        rotateF64(qi, q + (((<usize>j) * (<usize>p)) << 3), p, c, sn);
      }
    }
    if (rotations == 0) {
      converged = true;
      break;
    }
  }
  // singular values (stored in s for now, unsorted), then a selection sort, descending (first maximum wins)
  for (let i = 0; i < p; i++) {
    const wi = w + (<usize>i) * rowBytes;
    store<f64>(s + ((<usize>i) << 3), Math.sqrt(dotF64(wi, wi, l)));
  }
  for (let i = 0; i < p - 1; i++) {
    let best = i;
    let bv = load<f64>(s + ((<usize>i) << 3));
    for (let j = i + 1; j < p; j++) {
      const sj = load<f64>(s + ((<usize>j) << 3));
      if (sj > bv) {
        bv = sj;
        best = j;
      }
    }
    if (best != i) {
      store<f64>(s + ((<usize>best) << 3), load<f64>(s + ((<usize>i) << 3)));
      store<f64>(s + ((<usize>i) << 3), bv);
      swapF64(w + (<usize>i) * rowBytes, w + (<usize>best) * rowBytes, l);
      swapF64(q + (((<usize>i) * (<usize>p)) << 3), q + (((<usize>best) * (<usize>p)) << 3), p);
    }
  }
  // long-side vectors: w_i / s_i; rows with s_i = 0 are completed to an orthonormal basis
  for (let i = 0; i < p; i++) {
    const si = load<f64>(s + ((<usize>i) << 3));
    if (si == 0) continue;
    const wi = w + (<usize>i) * rowBytes;
    const inv = 1.0 / si;
    for (let t = 0; t < l; t++) store<f64>(wi + ((<usize>t) << 3), load<f64>(wi + ((<usize>t) << 3)) * inv);
  }
  // sorted descending, so the zero singular values are the tail z..p−1 (rows of W still zero there)
  let z = p;
  while (z > 0 && load<f64>(s + ((<usize>(z - 1)) << 3)) == 0) z--;
  if (z < p) completeBasisF64(w, p, l, z);
  // sign convention: the largest-magnitude entry of each U column is positive
  for (let i = 0; i < p; i++) {
    const uv = tall ? w + (<usize>i) * rowBytes : q + (((<usize>i) * (<usize>p)) << 3);
    const len = tall ? l : p;
    let bestAbs: f64 = -1;
    let sign: f64 = 1;
    for (let t = 0; t < len; t++) {
      const x = load<f64>(uv + ((<usize>t) << 3));
      if (Math.abs(x) > bestAbs) {
        bestAbs = Math.abs(x);
        sign = x < 0 ? -1.0 : 1.0;
      }
    }
    if (sign < 0) {
      for (let t = 0; t < l; t++) {
        const o = (w + (<usize>i) * rowBytes) + ((<usize>t) << 3);
        store<f64>(o, -load<f64>(o));
      }
      for (let t = 0; t < p; t++) {
        const o = q + (((<usize>i) * (<usize>p) + <usize>t) << 3);
        store<f64>(o, -load<f64>(o));
      }
    }
  }
  // write U (m×r) and V (n×r): column i of the long side is row i of W, of the short side row i of Q
  for (let i = 0; i < p; i++) {
    for (let t = 0; t < l; t++) {
      const x = load<f64>(w + (<usize>i) * rowBytes + ((<usize>t) << 3));
      if (tall) store<f64>(u + (((<usize>t) * (<usize>ldu) + <usize>i) << 3), x);
      else store<f64>(v + (((<usize>t) * (<usize>ldv) + <usize>i) << 3), x);
    }
    for (let t = 0; t < p; t++) {
      const x = load<f64>(q + (((<usize>i) * (<usize>p) + <usize>t) << 3));
      if (tall) store<f64>(v + (((<usize>t) * (<usize>ldv) + <usize>i) << 3), x);
      else store<f64>(u + (((<usize>t) * (<usize>ldu) + <usize>i) << 3), x);
    }
  }
  return converged ? sweeps : -1;
}
