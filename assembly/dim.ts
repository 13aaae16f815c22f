// Metrics pulled back through a Jacobian, g = Jᵀ·F·Fᵀ·J (F = I for the Euclidean pullback metric; F = the
// Fisher factor for the DIM), and their eigen-decomposition through the small m×m side.
import { symEigF64 } from "./eigh";

/**
 * Softmax of C f32 logits in float64 and the Fisher factor F (C×C f64, row-major) with F·Fᵀ = diag p − p pᵀ:
 * F[c][k] = δ_ck √p_c − p_c √p_k, the diagonal formed as √p_c · Σ_{k≠c} p_k (no cancellation when p_c ≈ 1).
 * Writes p (C f64) and F.
 */
export function fisherFactorF64(c: i32, logits: usize, p: usize, f: usize): void {
  let mx = -Infinity;
  for (let i = 0; i < c; i++) mx = Math.max(mx, <f64>load<f32>(logits + (<usize>i << 2)));
  let sum = 0.0;
  for (let i = 0; i < c; i++) {
    const e = Math.exp(<f64>load<f32>(logits + (<usize>i << 2)) - mx);
    store<f64>(p + (<usize>i << 3), e);
    sum += e;
  }
  for (let i = 0; i < c; i++) store<f64>(p + (<usize>i << 3), load<f64>(p + (<usize>i << 3)) / sum);
  for (let i = 0; i < c; i++) {
    const pi = load<f64>(p + (<usize>i << 3));
    let rest = 0.0; // 1 − p_i summed from the others: exact where p_i rounds to 1
    for (let k = 0; k < c; k++) if (k != i) rest += load<f64>(p + (<usize>k << 3));
    for (let k = 0; k < c; k++) {
      const sk = Math.sqrt(load<f64>(p + (<usize>k << 3)));
      store<f64>(f + (<usize>(i * c + k) << 3), i == k ? sk * rest : -pi * sk);
    }
  }
}

/** Dot product of two f32 rows of length d accumulated in f64 (f64x2 lanes). */
export function dotF32F64(x: usize, y: usize, d: i32): f64 {
  let acc = f64x2.splat(0);
  let t = 0;
  for (; t + 4 <= d; t += 4) {
    const px = v128.load(x + (<usize>t << 2));
    const py = v128.load(y + (<usize>t << 2));
    acc = f64x2.add(acc, f64x2.mul(f64x2.promote_low_f32x4(px), f64x2.promote_low_f32x4(py)));
    acc = f64x2.add(acc, f64x2.mul(f64x2.promote_low_f32x4(i32x4.shuffle(px, px, 2, 3, 0, 1)), f64x2.promote_low_f32x4(i32x4.shuffle(py, py, 2, 3, 0, 1))));
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; t < d; t++) s += <f64>load<f32>(x + (<usize>t << 2)) * <f64>load<f32>(y + (<usize>t << 2));
  return s;
}

/** G (m×m f64) = J·Jᵀ, accumulated in f64. J is m×d f32 row-major (row stride d). */
function rowGram(m: i32, d: i32, j: usize, g: usize): void {
  for (let a = 0; a < m; a++)
    for (let b = a; b < m; b++) {
      const s = dotF32F64(j + (<usize>(a * d) << 2), j + (<usize>(b * d) << 2), d);
      store<f64>(g + (<usize>(a * m + b) << 3), s);
      store<f64>(g + (<usize>(b * m + a) << 3), s);
    }
}

/** K (m×m f64) = Fᵀ·G·F for symmetric G (m×m f64); K must not overlap G or F. */
function congruence(m: i32, f: usize, g: usize, k: usize): void {
  // K[a][b] = Σ_c Σ_e F[c][a] G[c][e] F[e][b]
  for (let a = 0; a < m; a++)
    for (let b = a; b < m; b++) {
      let s = 0.0;
      for (let c = 0; c < m; c++) {
        const fca = load<f64>(f + (<usize>(c * m + a) << 3));
        if (fca == 0) continue;
        let t = 0.0;
        for (let e = 0; e < m; e++) t += load<f64>(g + (<usize>(c * m + e) << 3)) * load<f64>(f + (<usize>(e * m + b) << 3));
        s += fca * t;
      }
      store<f64>(k + (<usize>(a * m + b) << 3), s);
      store<f64>(k + (<usize>(b * m + a) << 3), s);
    }
}

/** K (m×m f64) = Fᵀ·(J·Jᵀ)·F, or J·Jᵀ when f == 0. tmp: m·m f64. J is m×d f32 row-major. */
function smallGram(m: i32, d: i32, j: usize, f: usize, k: usize, tmp: usize): void {
  rowGram(m, d, j, f ? tmp : k);
  if (f) congruence(m, f, tmp, k);
}

/** H (m×m f64) = B·Bᵀ of m f32 rows of length n (row stride n), accumulated in f64: the Gram of cotangents. */
export function rowGramF32(m: i32, n: i32, b: usize, h: usize): void {
  rowGram(m, n, b, h);
}

/**
 * The DIM's eigenvalues from the Gram H = J·Jᵀ (m×m f64) of the logit Jacobian alone: the top r eigenvalues
 * (descending, clamped ≥ 0, r ≤ m) of K = Fᵀ·H·F (F: fisherFactorF64), i.e. of D = Jᵀ F Fᵀ J, to `values`
 * (r f64). work (f64): 2·m·m + 4·m values.
 */
export function gramEigenvaluesF64(m: i32, h: usize, f: usize, r: i32, values: usize, work: usize): void {
  const k = work;
  const u = k + (<usize>(m * m) << 3); // eigenvectors (unused)
  const w = u + (<usize>(m * m) << 3);
  const solver = w + (<usize>m << 3);
  congruence(m, f, h, k);
  symEigF64(m, k, m, w, u, m, solver);
  for (let i = 0; i < r; i++) store<f64>(values + (<usize>i << 3), Math.max(load<f64>(w + (<usize>i << 3)), 0));
}

/**
 * Low-rank route: the top r eigenpairs of g = Jᵀ F Fᵀ J (d×d) from the m×m matrix K = Fᵀ J Jᵀ F, r ≤ min(m, d).
 * Eigenvalues (r f64, descending, clamped ≥ 0) to `values`; unit eigenvectors v_i ∝ Jᵀ F u_i as rows of
 * `vectors` (r×d f32), made orthonormal by modified Gram–Schmidt in f64 (which also removes what the
 * eigensolver's error leaks from large eigenvalues into the image of a small one), completed from the standard
 * basis where λ_i ≤ rankTol · λ_0 or Jᵀ F u_i vanishes against the rows above. The DIM passes rankTol = 0
 * (every positive eigenvalue gets its Jᵀ F u_i) and decides its rank with dimRankF32.
 * Returns #{λ_i > rankTol · λ_0} (0 if λ_0 ≤ 0).
 * work (f64): 4·m·m + 6·m + (r + 1)·d values.
 */
export function lowRankEigF32(m: i32, d: i32, j: usize, f: usize, r: i32, rankTol: f64, values: usize, vectors: usize, work: usize): i32 {
  const mm = <usize>(m * m) << 3;
  const k = work;
  const u = k + mm;
  const tmp = u + mm;
  const w = tmp + mm + mm + (<usize>(4 * m) << 3); // tmp: G, then the eigensolver's scratch (≥ 3m)
  const wv = w + (<usize>m << 3);
  const vs = wv + (<usize>m << 3); // (r + 1)×d f64: accepted vectors, then the candidate
  smallGram(m, d, j, f, k, tmp);
  symEigF64(m, k, m, w, u, m, tmp);
  const top = Math.max(load<f64>(w), 0);
  let rank = 0;
  for (let i = 0; i < r; i++) {
    const lam = Math.max(load<f64>(w + (<usize>i << 3)), 0);
    store<f64>(values + (<usize>i << 3), lam);
    if (top > 0 && lam > rankTol * top) rank++;
  }
  const cand = vs + (<usize>(r * d) << 3);
  let basis = 0; // next standard basis vector to try when completing
  for (let i = 0; i < r; i++) {
    // candidate = Jᵀ (F u_i)
    for (let c = 0; c < m; c++) {
      let s = 0.0;
      if (f) for (let e = 0; e < m; e++) s += load<f64>(f + (<usize>(c * m + e) << 3)) * load<f64>(u + (<usize>(i * m + e) << 3));
      else s = load<f64>(u + (<usize>(i * m + c) << 3));
      store<f64>(wv + (<usize>c << 3), s);
    }
    memory.fill(cand, 0, <usize>d << 3);
    if (i < rank) {
      for (let c = 0; c < m; c++) {
        const s = load<f64>(wv + (<usize>c << 3));
        const row = j + (<usize>(c * d) << 2);
        for (let t = 0; t < d; t++) {
          const o = cand + (<usize>t << 3);
          store<f64>(o, load<f64>(o) + s * <f64>load<f32>(row + (<usize>t << 2)));
        }
      }
    }
    let norm = orthonormalize(i, d, vs, cand);
    while (norm < 1e-6 && basis < d) {
      memory.fill(cand, 0, <usize>d << 3);
      store<f64>(cand + (<usize>basis << 3), 1.0);
      basis++;
      norm = orthonormalize(i, d, vs, cand);
    }
    memory.copy(vs + (<usize>(i * d) << 3), cand, <usize>d << 3);
    for (let t = 0; t < d; t++) store<f32>(vectors + (<usize>(i * d + t) << 2), <f32>load<f64>(cand + (<usize>t << 3)));
  }
  return rank;
}

/** Remove from cand (d f64) its components along the first `count` rows of vs (twice, for stability), then
 * scale it to unit length. Returns its norm before scaling, relative to its norm on entry (0 if it was 0). */
function orthonormalize(count: i32, d: i32, vs: usize, cand: usize): f64 {
  let n0 = 0.0;
  for (let t = 0; t < d; t++) n0 += load<f64>(cand + (<usize>t << 3)) ** 2;
  n0 = Math.sqrt(n0);
  if (n0 == 0) return 0;
  for (let pass = 0; pass < 2; pass++)
    for (let q = 0; q < count; q++) {
      const row = vs + (<usize>(q * d) << 3);
      let dot = 0.0;
      for (let t = 0; t < d; t++) dot += load<f64>(row + (<usize>t << 3)) * load<f64>(cand + (<usize>t << 3));
      for (let t = 0; t < d; t++) {
        const o = cand + (<usize>t << 3);
        store<f64>(o, load<f64>(o) - dot * load<f64>(row + (<usize>t << 3)));
      }
    }
  let n1 = 0.0;
  for (let t = 0; t < d; t++) n1 += load<f64>(cand + (<usize>t << 3)) ** 2;
  n1 = Math.sqrt(n1);
  if (n1 == 0) return 0;
  for (let t = 0; t < d; t++) store<f64>(cand + (<usize>t << 3), load<f64>(cand + (<usize>t << 3)) / n1);
  return n1 / n0;
}

/** Unit roundoff of float64 (2⁻⁵²) and of float32 (2⁻²³). */
const EPS64: f64 = 2.220446049250313e-16;
const EPS32: f64 = 1.1920928955078125e-7;

/**
 * The classes whose contribution a[c] (m f64 values) to D's trace is above its float64 rounding,
 * a[c] > m·eps64·trace: their indices are written to sIdx as f64 (ascending); returns their count.
 */
function resolvedClasses(a: usize, m: i32, trace: f64, sIdx: usize): i32 {
  let s = 0;
  for (let c = 0; c < m; c++) if (load<f64>(a + (<usize>c << 3)) > <f64>m * EPS64 * trace) store<f64>(sIdx + (<usize>(s++) << 3), <f64>c);
  return s;
}

/**
 * The DIM's rank at one point, decided from what can vanish rather than from an eigenvalue ratio.
 *
 * D = Jᵀ(diag p − p pᵀ)J is the covariance of the rows J_c under p. Splitting class c off (law of total
 * variance): D = (1 − p_c) D_{−c} + b_c n_c n_cᵀ, n_c the unit vector along J_c − J̄_{−c},
 * b_c = p_c (1 − p_c) ‖J_c − J̄_{−c}‖², J̄_{−c} = Σ_{k≠c} p_k J_k / (1 − p_c): b_c is what class c adds. So
 *  1. class c is present when b_c > m · eps64 · Σ_k b_k: this drops p_c == 0 (underflow of the float64
 *     softmax) and contributions below D's float64 rounding, which no float64 computation of D can tell from
 *     zero; small but representable probabilities (p_c = 1e-9 gives λ ≈ 1e-10 λ₁) stay, and so does a
 *     dominant class (p_c ≈ 1: b_c is of the order of tr D).
 *  2. On the present classes S (s of them) M_S = diag p_S − p_S p_Sᵀ has the single null vector 1_S (the
 *     dropped mass is itself below rounding), so rank D = rank(P_S J_S), P_S = I − 1 1ᵀ/s: the rank of the
 *     centred Gram G_S = P_S J_S J_Sᵀ P_S, which no longer depends on the size of p.
 *  3. Rank loss of G_S is judged against float32 rounding of J. If the exact Jacobian has rank k on S, the
 *     float32 one J + E has σ_{k+1}(P_S(J + E)_S) ≤ ‖E‖₂ ≤ ‖E‖_F, i.e. μ_{k+1}(G_S) ≤ ‖E‖_F². Each entry of J
 *     is a chain of float32 dot products, |E_ct| ≤ γ_n (|W_L|⋯|W_1|)_ct with γ_n ≈ n·eps32 for n roundings
 *     in series. We count μ_i > m · eps32 · ‖J_S‖_F²: it allows ‖E‖_F/‖J_S‖_F up to √(m·eps32) (3.5e-4
 *     at m = 10, ≈ 3 000 float32 roundings in series — rounding measured on the test networks is ~1e-7,
 *     μ_{k+1} ~ 1e-14 ‖J‖², eight decades below the floor); in exchange a genuine singular value of P_S J_S
 *     below √(m·eps32) ‖J_S‖_F is taken for rank loss.
 *  4. An eigenvalue is counted only where float64 resolves it: λ_i > max(rankTol, m · eps64) · λ_0 (`values`:
 *     the r computed eigenvalues of D, descending). Eigenvalues of D formed in float64 carry an absolute
 *     error of order eps64 · λ_0, so below this no float64 computation can tell λ_i from zero (a present class
 *     whose J_c − J̄_{−c} lies almost in the span of the others gives such a λ_i although b_c is larger).
 * m classes; J m×d f32 row-major; p m f64 (as fisherFactorF64 writes it). Returns the rank (≤ min(m − 1, r)).
 * work (f64): 2·m·m + 6·m + d values.
 */
export function dimRankF32(m: i32, d: i32, j: usize, p: usize, values: usize, r: i32, rankTol: f64, work: usize): i32 {
  const mean = work; // d: J̄_{−c} · (1 − p_c)
  const a = mean + (<usize>d << 3); // m: b_c
  const sIdx = a + (<usize>m << 3); // m: the present classes (as f64)
  const g = sIdx + (<usize>m << 3); // s×s: G_S, centred in place
  const v = g + (<usize>(m * m) << 3); // s×s eigenvectors (unused)
  const w = v + (<usize>(m * m) << 3); // s eigenvalues
  const solver = w + (<usize>m << 3); // 3s
  let trace = 0.0;
  for (let c = 0; c < m; c++) {
    const pc = load<f64>(p + (<usize>c << 3));
    let rest = 0.0;
    memory.fill(mean, 0, <usize>d << 3); // Σ_{k≠c} p_k J_k
    for (let k = 0; k < m; k++) {
      const pk = load<f64>(p + (<usize>k << 3));
      if (k == c || pk == 0) continue;
      rest += pk;
      const row = j + (<usize>(k * d) << 2);
      for (let t = 0; t < d; t++) {
        const o = mean + (<usize>t << 3);
        store<f64>(o, load<f64>(o) + pk * <f64>load<f32>(row + (<usize>t << 2)));
      }
    }
    let b = 0.0;
    if (pc > 0 && rest > 0) {
      const row = j + (<usize>(c * d) << 2);
      let s2 = 0.0;
      for (let t = 0; t < d; t++) s2 += (<f64>load<f32>(row + (<usize>t << 2)) - load<f64>(mean + (<usize>t << 3)) / rest) ** 2;
      b = pc * rest * s2;
    }
    store<f64>(a + (<usize>c << 3), b);
    trace += b;
  }
  if (!(trace > 0)) return 0;
  const s = resolvedClasses(a, m, trace, sIdx);
  if (s < 2) return 0;
  for (let x = 0; x < s; x++)
    for (let y = x; y < s; y++) {
      const rx = j + (<usize>(<i32>load<f64>(sIdx + (<usize>x << 3)) * d) << 2);
      const ry = j + (<usize>(<i32>load<f64>(sIdx + (<usize>y << 3)) * d) << 2);
      const dot = dotF32F64(rx, ry, d);
      store<f64>(g + (<usize>(x * s + y) << 3), dot);
      store<f64>(g + (<usize>(y * s + x) << 3), dot);
    }
  return centredRank(m, s, g, values, r, rankTol, v, w, solver);
}

/**
 * Steps 2 – 4 of dimRankF32 on G_S = J_S·J_Sᵀ (s×s f64, the present classes' Gram, centred in place):
 * min(#{μ_i > m · eps32 · tr G_S}, #{λ_i > max(rankTol, m · eps64) · λ_0}). v: s·s f64, w: s f64, solver: 3s f64.
 */
function centredRank(m: i32, s: i32, g: usize, values: usize, r: i32, rankTol: f64, v: usize, w: usize, solver: usize): i32 {
  let norm2 = 0.0;
  for (let x = 0; x < s; x++) norm2 += load<f64>(g + (<usize>(x * s + x) << 3));
  // centre: G_S ← P G_S P, entry (x, y) − rowMean_x − rowMean_y + mean (row means in w)
  let total = 0.0;
  for (let x = 0; x < s; x++) {
    let rm = 0.0;
    for (let y = 0; y < s; y++) rm += load<f64>(g + (<usize>(x * s + y) << 3));
    store<f64>(w + (<usize>x << 3), rm / s);
    total += rm / s;
  }
  total /= s;
  for (let x = 0; x < s; x++)
    for (let y = 0; y < s; y++) {
      const o = g + (<usize>(x * s + y) << 3);
      store<f64>(o, load<f64>(o) - load<f64>(w + (<usize>x << 3)) - load<f64>(w + (<usize>y << 3)) + total);
    }
  symEigF64(s, g, s, w, v, s, solver);
  const floor = <f64>m * EPS32 * norm2;
  let rankJ = 0;
  for (let i = 0; i < s; i++) if (load<f64>(w + (<usize>i << 3)) > floor) rankJ++;
  const resolved = Math.max(rankTol, <f64>m * EPS64) * load<f64>(values);
  let rankLambda = 0;
  for (let i = 0; i < r; i++) if (load<f64>(values + (<usize>i << 3)) > resolved) rankLambda++;
  return min(rankJ, rankLambda);
}

/**
 * dimRankF32 from the Gram H = J·Jᵀ (m×m f64) instead of J: the same rule, with class c's contribution
 * b_c = p_c (1 − p_c) ‖J_c − J̄_{−c}‖² evaluated as p_c (1 − p_c) uᵀ H u, u = e_c − (p_k / (1 − p_c))_{k≠c}, and
 * G_S = H restricted to the present classes. (uᵀHu loses the digits J_c and J̄_{−c} share: relative error
 * ≈ eps64 · H_cc / ‖J_c − J̄_{−c}‖², which only matters for a class whose Jacobian row is the weighted mean of
 * the others' to 8 digits.) For the eigenvalues-only route, which never forms J.
 * work (f64): 2·m·m + 6·m values.
 */
export function dimRankGramF64(m: i32, h: usize, p: usize, values: usize, r: i32, rankTol: f64, work: usize): i32 {
  const a = work; // m: b_c
  const sIdx = a + (<usize>m << 3); // m: the present classes
  const g = sIdx + (<usize>m << 3); // s×s
  const v = g + (<usize>(m * m) << 3);
  const w = v + (<usize>(m * m) << 3);
  const solver = w + (<usize>m << 3);
  let trace = 0.0;
  for (let c = 0; c < m; c++) {
    const pc = load<f64>(p + (<usize>c << 3));
    let rest = 0.0;
    for (let k = 0; k < m; k++) if (k != c) rest += load<f64>(p + (<usize>k << 3));
    let b = 0.0;
    if (pc > 0 && rest > 0) {
      // uᵀHu with u_c = 1, u_k = −p_k / rest
      let quad = 0.0;
      for (let x = 0; x < m; x++) {
        const ux = x == c ? 1.0 : -load<f64>(p + (<usize>x << 3)) / rest;
        if (ux == 0) continue;
        let hu = 0.0;
        for (let y = 0; y < m; y++) {
          const uy = y == c ? 1.0 : -load<f64>(p + (<usize>y << 3)) / rest;
          hu += load<f64>(h + (<usize>(x * m + y) << 3)) * uy;
        }
        quad += ux * hu;
      }
      b = pc * rest * Math.max(quad, 0);
    }
    store<f64>(a + (<usize>c << 3), b);
    trace += b;
  }
  if (!(trace > 0)) return 0;
  const s = resolvedClasses(a, m, trace, sIdx);
  if (s < 2) return 0;
  for (let x = 0; x < s; x++)
    for (let y = 0; y < s; y++) {
      const cx = <i32>load<f64>(sIdx + (<usize>x << 3)), cy = <i32>load<f64>(sIdx + (<usize>y << 3));
      store<f64>(g + (<usize>(x * s + y) << 3), load<f64>(h + (<usize>(cx * m + cy) << 3)));
    }
  return centredRank(m, s, g, values, r, rankTol, v, w, solver);
}

/**
 * The d×d metric g = Aᵀ A with A = Fᵀ J (or A = J when f == 0), written as f64 (d×d row-major) to `g`.
 * work: m·d f64 (A).
 */
export function denseMetricF32(m: i32, d: i32, j: usize, f: usize, g: usize, work: usize): void {
  const a = work;
  for (let c = 0; c < m; c++)
    for (let t = 0; t < d; t++) {
      let s = 0.0;
      if (f) for (let e = 0; e < m; e++) s += load<f64>(f + (<usize>(e * m + c) << 3)) * <f64>load<f32>(j + (<usize>(e * d + t) << 2));
      else s = <f64>load<f32>(j + (<usize>(c * d + t) << 2));
      store<f64>(a + (<usize>(c * d + t) << 3), s);
    }
  memory.fill(g, 0, <usize>(d * d) << 3);
  for (let c = 0; c < m; c++) {
    const row = a + (<usize>(c * d) << 3);
    for (let x = 0; x < d; x++) {
      const ax = load<f64>(row + (<usize>x << 3));
      if (ax == 0) continue;
      const gx = g + (<usize>(x * d) << 3);
      for (let y = 0; y < d; y++) {
        const o = gx + (<usize>y << 3);
        store<f64>(o, load<f64>(o) + ax * load<f64>(row + (<usize>y << 3)));
      }
    }
  }
}

/** Dense route: eigen-decomposition of g (d×d f64, as written by denseMetricF32). values: d f64 descending
 * (clamped ≥ 0), vectors: d×d f32 rows. work: d·d f64 (V) + d·d + 4d f64 (solver). Returns the rank. */
export function denseEigF64(d: i32, g: usize, rankTol: f64, values: usize, vectors: usize, work: usize): i32 {
  const v = work;
  const solver = v + (<usize>(d * d) << 3);
  symEigF64(d, g, d, values, v, d, solver);
  const top = Math.max(load<f64>(values), 0);
  let rank = 0;
  for (let i = 0; i < d; i++) {
    const lam = Math.max(load<f64>(values + (<usize>i << 3)), 0);
    store<f64>(values + (<usize>i << 3), lam);
    if (top > 0 && lam > rankTol * top) rank++;
  }
  for (let t = 0; t < d * d; t++) store<f32>(vectors + (<usize>t << 2), <f32>load<f64>(v + (<usize>t << 3)));
  return rank;
}
