// Metrics pulled back through a Jacobian, g = Jᵀ·F·Fᵀ·J (F = I for the Euclidean pullback metric; F = the
// Fisher factor for the DIM), and their eigen-decomposition through the small m×m side.
import { symEigF64 } from "./eigh";

/**
 * Softmax of C f32 logits in float64 and the Fisher factor F (C×C f64, row-major) with F·Fᵀ = diag p − p pᵀ:
 * F[c][k] = δ_ck √p_c − p_c √p_k. Writes p (C f64) and F.
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
    for (let k = 0; k < c; k++) {
      const sk = Math.sqrt(load<f64>(p + (<usize>k << 3)));
      store<f64>(f + (<usize>(i * c + k) << 3), (i == k ? Math.sqrt(pi) : 0) - pi * sk);
    }
  }
}

/** Dot product of two f32 rows of length d accumulated in f64 (f64x2 lanes). */
function dotF32F64(x: usize, y: usize, d: i32): f64 {
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

/** K (m×m f64) = Fᵀ·(J·Jᵀ)·F, or J·Jᵀ when f == 0. tmp: m·m f64. J is m×d f32 row-major. */
function smallGram(m: i32, d: i32, j: usize, f: usize, k: usize, tmp: usize): void {
  const g = f ? tmp : k;
  for (let a = 0; a < m; a++)
    for (let b = a; b < m; b++) {
      const s = dotF32F64(j + (<usize>(a * d) << 2), j + (<usize>(b * d) << 2), d);
      store<f64>(g + (<usize>(a * m + b) << 3), s);
      store<f64>(g + (<usize>(b * m + a) << 3), s);
    }
  if (!f) return;
  // K = Fᵀ G F, symmetric: K[a][b] = Σ_c Σ_e F[c][a] G[c][e] F[e][b]
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

/**
 * Low-rank route: the top r eigenpairs of g = Jᵀ F Fᵀ J (d×d) from the m×m matrix K = Fᵀ J Jᵀ F, r ≤ min(m, d).
 * Eigenvalues (r f64, descending, clamped ≥ 0) to `values`; unit eigenvectors v_i ∝ Jᵀ F u_i as rows of
 * `vectors` (r×d f32), made orthonormal by modified Gram–Schmidt in f64, completed from the standard basis
 * where an eigenvalue is numerically zero. Returns the numerical rank: #{λ_i > rankTol · λ_0} (0 if λ_0 ≤ 0).
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
