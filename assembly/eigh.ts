// Symmetric eigen-decomposition in float64: Householder reduction to tridiagonal form, accumulation of the
// orthogonal factor, then implicit QL iterations with Wilkinson-type shifts.
//
// Mathematics. Householder reflectors P_(i) = I − u uᵀ/h (h = ‖u‖²/2), one per row i = n−1 … 1, each acting
// on the leading block 0..i−1, reduce A to T = Qᵀ A Q with Q = P_(n−1) ⋯ P_(1) (T tridiagonal). QL then
// diagonalises T = S Λ Sᵀ by plane rotations, so A = (QS) Λ (QS)ᵀ and the eigenvectors are the columns of
// QS, i.e. the rows of Sᵀ Qᵀ. We therefore form Qᵀ in V and apply every rotation to two ROWS of V, which
// are contiguous in row-major storage (the f64x2 row operations below), instead of to two strided columns.
//
// All work happens in V (n×n, stride ldv) and in `work` (3n f64: diagonal, off-diagonal, one vector).
// A is scaled by a power of two near 1/max|a_ij| on the way in (no overflow or underflow in the norms) and Λ scaled back.

import { axpyF64 as axpy, dotF64 as dot } from "./vector64";

/** Unit roundoff of float64 (2⁻⁵²). */
const EPS: f64 = 2.220446049250313e-16;
/** Most QL iterations allowed for one eigenvalue (typically 1–3 are needed). */
const MAX_ITER: i32 = 60;

// ---- row operations on contiguous f64 vectors (byte pointers, `len` elements, f64x2 plus a scalar tail) ----

/** y −= α x + β z (the symmetric rank-2 update of one row). */
function rank2Row(alpha: f64, x: usize, beta: f64, z: usize, y: usize, len: i32): void {
  const va = f64x2.splat(alpha);
  const vb = f64x2.splat(beta);
  let k = 0;
  for (; k + 2 <= len; k += 2) {
    const o = <usize>k << 3;
    const t = f64x2.add(f64x2.mul(va, v128.load(x + o)), f64x2.mul(vb, v128.load(z + o)));
    v128.store(y + o, f64x2.sub(v128.load(y + o), t));
  }
  if (k < len) {
    const o = <usize>k << 3;
    store<f64>(y + o, load<f64>(y + o) - alpha * load<f64>(x + o) - beta * load<f64>(z + o));
  }
}

/** (x, y) ← (c x − s y, s x + c y): a plane rotation of two rows. */
function rotateRows(c: f64, s: f64, x: usize, y: usize, len: i32): void {
  const vc = f64x2.splat(c);
  const vs = f64x2.splat(s);
  let k = 0;
  for (; k + 2 <= len; k += 2) {
    const o = <usize>k << 3;
    const vx = v128.load(x + o);
    const vy = v128.load(y + o);
    v128.store(x + o, f64x2.sub(f64x2.mul(vc, vx), f64x2.mul(vs, vy)));
    v128.store(y + o, f64x2.add(f64x2.mul(vs, vx), f64x2.mul(vc, vy)));
  }
  if (k < len) {
    const o = <usize>k << 3;
    const sx = load<f64>(x + o);
    const sy = load<f64>(y + o);
    store<f64>(x + o, c * sx - s * sy);
    store<f64>(y + o, s * sx + c * sy);
  }
}

/** Swap two rows. */
function swapRows(x: usize, y: usize, len: i32): void {
  for (let k = 0; k < len; k++) {
    const o = <usize>k << 3;
    const t = load<f64>(x + o);
    store<f64>(x + o, load<f64>(y + o));
    store<f64>(y + o, t);
  }
}

/** sqrt(a² + b²) without overflow or destructive underflow. */
function hypot(a: f64, b: f64): f64 {
  a = Math.abs(a);
  b = Math.abs(b);
  const big = Math.max(a, b);
  if (big == 0) return 0;
  const small = Math.min(a, b) / big;
  return big * Math.sqrt(1 + small * small);
}

// ---- the three phases ----

// Each phase is a driver loop around one step function (a Householder step, a reflector application, a QL
// sweep). The steps are too large for binaryen to inline, so V8 sees them called n times and moves them to
// its optimizing tier during the first call instead of running a whole first decomposition in the baseline
// tier (≈ 4× slower for n = 784).

/**
 * One Householder step of the reduction: annihilate A[i][0..i−2] with P_(i) acting on the block 0..i−1,
 * storing d[i], e[i−1] and the vector u in row i of V (zeros when P_(i) = I). `tmp` is n f64.
 */
function reduceRow(i: i32, v: usize, sv: usize, d: usize, e: usize, tmp: usize): void {
  const l = i - 1;
  const rowI = v + <usize>i * sv;
  store<f64>(d + (<usize>i << 3), load<f64>(rowI + (<usize>i << 3))); // final: later steps touch 0..i−2 only
  const sigma = Math.sqrt(dot(rowI, rowI, i)); // ‖A[i][0..l]‖ (A is scaled to max|a| in [1, 2): no overflow)
  const ul = load<f64>(rowI + (<usize>l << 3));
  if (l == 0 || sigma == 0) {
    // Nothing below the subdiagonal to annihilate: T_{l,i} = A[i][l], P_(i) = I.
    store<f64>(e + (<usize>l << 3), ul);
    for (let k = 0; k <= l; k++) store<f64>(rowI + (<usize>k << 3), 0);
    return;
  }
  // u = x − g e_l with g = −sign(x_l) σ, so P x = g e_l and h = uᵀu/2 = σ² − x_l g > 0.
  const g = ul >= 0 ? -sigma : sigma;
  const h = sigma * sigma - ul * g;
  store<f64>(rowI + (<usize>l << 3), ul - g);
  store<f64>(e + (<usize>l << 3), g);
  // p = B u / h over the leading block B = V[0..l][0..l]; K = uᵀp / 2h; q = p − K u.
  let k2 = 0.0;
  for (let j = 0; j <= l; j++) {
    const pj = dot(v + <usize>j * sv, rowI, i) / h;
    store<f64>(tmp + (<usize>j << 3), pj);
    k2 += load<f64>(rowI + (<usize>j << 3)) * pj;
  }
  axpy(-k2 / (2 * h), rowI, tmp, i);
  // B ← B − u qᵀ − q uᵀ (= P B P), full rows so every access is contiguous.
  for (let j = 0; j <= l; j++) {
    rank2Row(load<f64>(rowI + (<usize>j << 3)), tmp, load<f64>(tmp + (<usize>j << 3)), rowI, v + <usize>j * sv, i);
  }
}

/**
 * Reduce the symmetric matrix in V (full storage) to tridiagonal form. Afterwards d[i] = T_ii,
 * e[i] = T_{i,i+1} (e[n−1] = 0), and row i of V holds, in columns 0..i−1, the Householder vector u of
 * P_(i) (all zeros when P_(i) = I). `tmp` is n f64.
 */
function tridiagonalise(n: i32, v: usize, sv: usize, d: usize, e: usize, tmp: usize): void {
  store<f64>(e + (<usize>(n - 1) << 3), 0);
  for (let i = n - 1; i >= 1; i--) reduceRow(i, v, sv, d, e, tmp);
  store<f64>(d, load<f64>(v));
}

/** B ← P_(i) B on the leading block B = V[0..i−1][0..i−1], u taken from row i of V. `tmp` is n f64. */
function applyReflector(i: i32, v: usize, sv: usize, tmp: usize): void {
  const rowI = v + <usize>i * sv;
  const h = dot(rowI, rowI, i) / 2;
  if (h == 0) return;
  // B − u (uᵀ B)/h: tmp = uᵀB as a sum of scaled rows, then a rank-1 update, all along rows.
  for (let k = 0; k < i; k++) store<f64>(tmp + (<usize>k << 3), 0);
  for (let r = 0; r < i; r++) axpy(load<f64>(rowI + (<usize>r << 3)), v + <usize>r * sv, tmp, i);
  for (let r = 0; r < i; r++) axpy(-load<f64>(rowI + (<usize>r << 3)) / h, tmp, v + <usize>r * sv, i);
}

/**
 * Overwrite V with Q = P_(n−1) ⋯ P_(1), using the Householder vectors tridiagonalise() left in V, applied
 * from the smallest block up so that each P_(i) only touches the leading i×i block. `tmp` is n f64.
 */
function accumulateQ(n: i32, v: usize, sv: usize, tmp: usize): void {
  for (let i = 1; i <= n; i++) {
    // The block 0..i−1 becomes diag(product so far, 1): row and column i−1 set to the unit vector.
    const l = i - 1;
    const rowL = v + <usize>l * sv;
    for (let k = 0; k < l; k++) {
      store<f64>(rowL + (<usize>k << 3), 0);
      store<f64>(v + <usize>k * sv + (<usize>l << 3), 0);
    }
    store<f64>(rowL + (<usize>l << 3), 1);
    if (i < n) applyReflector(i, v, sv, tmp);
  }
}

/**
 * One implicit QL iteration on the unreduced block T[l..m] (l < m): shift σ from the leading 2×2, then
 * rotations in planes (m−1, m) up to (l, l+1) chasing the bulge, each applied to rows (i, i+1) of W.
 * Returns false when a rotation degenerates (T splits inside the block; the caller re-scans), else true.
 */
function qlSweep(l: i32, m: i32, d: usize, e: usize, w: usize, sv: usize, n: i32): bool {
  const dl = load<f64>(d + (<usize>l << 3));
  const el = load<f64>(e + (<usize>l << 3));
  // Shift σ: the eigenvalue of the leading 2×2 [[d_l, e_l], [e_l, d_l+1]] nearer to d_l.
  let g = (load<f64>(d + (<usize>(l + 1) << 3)) - dl) / (2 * el);
  let r = hypot(g, 1);
  g = load<f64>(d + (<usize>m << 3)) - dl + el / (g + (g >= 0 ? r : -r)); // = d_m − σ
  let s = 1.0;
  let c = 1.0;
  let p = 0.0;
  for (let i = m - 1; i >= l; i--) {
    const ei = load<f64>(e + (<usize>i << 3));
    const f = s * ei;
    const b = c * ei;
    r = hypot(f, g);
    store<f64>(e + (<usize>(i + 1) << 3), r);
    const di1 = d + (<usize>(i + 1) << 3);
    if (r == 0) {
      // The rotation is the identity: T split at i; undo the partial shift and restart the block.
      store<f64>(di1, load<f64>(di1) - p);
      store<f64>(e + (<usize>m << 3), 0);
      return false;
    }
    s = f / r;
    c = g / r;
    g = load<f64>(di1) - p;
    r = (load<f64>(d + (<usize>i << 3)) - g) * s + 2 * c * b;
    p = s * r;
    store<f64>(di1, g + p);
    g = c * r - b;
    // Columns (i, i+1) of S rotate; here rows (i, i+1) of W = Sᵀ Qᵀ.
    rotateRows(c, s, w + <usize>i * sv, w + <usize>(i + 1) * sv, n);
  }
  const dlp = d + (<usize>l << 3);
  store<f64>(dlp, load<f64>(dlp) - p);
  store<f64>(e + (<usize>l << 3), g);
  store<f64>(e + (<usize>m << 3), 0);
  return true;
}

/**
 * Diagonalise T (d, e) by implicit QL with shifts, applying each rotation to two rows of W (n×n, stride sv),
 * so W ← Sᵀ W. Returns the total number of QL iterations, or −1 when an eigenvalue needs more than
 * MAX_ITER of them.
 */
function diagonaliseQL(n: i32, d: usize, e: usize, w: usize, sv: usize): i32 {
  // Deflation threshold: ε ‖T‖ (a norm-wise test; off-diagonals below it are set to zero).
  let tnorm = 0.0;
  for (let i = 0; i < n; i++) {
    tnorm = Math.max(tnorm, Math.abs(load<f64>(d + (<usize>i << 3))) + Math.abs(load<f64>(e + (<usize>i << 3))));
  }
  const tiny = EPS * tnorm;
  let total = 0;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    while (true) {
      // Smallest m ≥ l with a negligible e[m]: T[l..m] is an unreduced block (m = n−1 at the latest).
      let m = l;
      while (m < n - 1 && Math.abs(load<f64>(e + (<usize>m << 3))) > tiny) m++;
      if (m == l) break;
      if (++iter > MAX_ITER) return -1;
      total++;
      qlSweep(l, m, d, e, w, sv, n);
    }
  }
  return total;
}

/**
 * Eigen-decomposition of the symmetric n×n float64 matrix A (row-major, stride lda; only read, never
 * written; only symmetric input is meaningful, both triangles are used).
 * Writes the eigenvalues to w (n f64) in DESCENDING order and the eigenvectors as ROWS of V (n×n, stride
 * ldv ≥ n, row i the unit eigenvector of w[i]) with the sign fixed so that the first largest-magnitude
 * component of each row is positive. `work`: 3n f64 of scratch. V must not overlap A, w or work.
 * Returns the total number of QL iterations, or −1 if some eigenvalue failed to converge.
 * Cost ≈ (2 + 4/3 + ~4) n³ flops; n ≤ ~4000 is practical.
 */
export function symEigF64(n: i32, a: usize, lda: i32, w: usize, v: usize, ldv: i32, work: usize): i32 {
  if (n <= 0) return 0;
  const sa = <usize>lda << 3;
  const sv = <usize>ldv << 3;
  const d = work;
  const e = work + (<usize>n << 3);
  const tmp = work + (<usize>(2 * n) << 3);
  // V = A · inv.
  let amax = 0.0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) amax = Math.max(amax, Math.abs(load<f64>(a + <usize>i * sa + (<usize>j << 3))));
  }
  // A power of two (so scaling is exact) bringing max|a_ij| into [1, 2): 2^(1023 − e) for amax's biased
  // exponent e, the biased result clamped to the normal range [1, 2046]. amax = 0 gives e = 0: harmless.
  const ex = <i32>((reinterpret<u64>(amax) >> 52) & 0x7ff);
  const inv = reinterpret<f64>(<u64>min(max(2046 - ex, 1), 2046) << 52);
  const scaleBack = 1 / inv;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      store<f64>(v + <usize>i * sv + (<usize>j << 3), load<f64>(a + <usize>i * sa + (<usize>j << 3)) * inv);
    }
  }
  tridiagonalise(n, v, sv, d, e, tmp);
  accumulateQ(n, v, sv, tmp);
  // Q → Qᵀ in place, so that eigenvectors come out as rows.
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const pij = v + <usize>i * sv + (<usize>j << 3);
      const pji = v + <usize>j * sv + (<usize>i << 3);
      const t = load<f64>(pij);
      store<f64>(pij, load<f64>(pji));
      store<f64>(pji, t);
    }
  }
  const iterations = diagonaliseQL(n, d, e, v, sv);
  if (iterations < 0) return -1;
  // Descending order (selection sort: n row swaps at most), scale back, fix signs.
  for (let i = 0; i < n; i++) {
    let best = i;
    for (let j = i + 1; j < n; j++) {
      if (load<f64>(d + (<usize>j << 3)) > load<f64>(d + (<usize>best << 3))) best = j;
    }
    if (best != i) {
      const t = load<f64>(d + (<usize>i << 3));
      store<f64>(d + (<usize>i << 3), load<f64>(d + (<usize>best << 3)));
      store<f64>(d + (<usize>best << 3), t);
      swapRows(v + <usize>i * sv, v + <usize>best * sv, n);
    }
    store<f64>(w + (<usize>i << 3), load<f64>(d + (<usize>i << 3)) * scaleBack);
    const row = v + <usize>i * sv;
    let big = 0.0;
    let sign = 1.0;
    for (let k = 0; k < n; k++) {
      const x = load<f64>(row + (<usize>k << 3));
      if (Math.abs(x) > big) {
        big = Math.abs(x);
        sign = x < 0 ? -1 : 1;
      }
    }
    if (sign < 0) for (let k = 0; k < n; k++) store<f64>(row + (<usize>k << 3), -load<f64>(row + (<usize>k << 3)));
  }
  return iterations;
}
