// The direction of one SiMEC / SiMExp step at x (assembly/simec.ts drives the walk). From the Jacobian J of the
// output node (m×d): the factor B = Fᵀ J of the pulled-back metric g = Bᵀ B (F Fᵀ the Fisher metric
// diag p − p pᵀ of a softmax head, F = I otherwise); the eigenpairs of g (route 0, d×d) or of B Bᵀ (route 1,
// m×m); a unit direction v (d) in ker g (SiMEC) or outside it (SiMExp); its orientation. Every array is f64,
// matrices row-major; the scratch is the walk's (assembly/simecLayout.ts regions); random choices draw from the
// walk's seeded stream (`rng`, assembly/random.ts).
import { symEigF64 } from "./eigh";
import { gemmF64 } from "./gemm";
import { gaussian, uniform } from "./random";
import { STOP_EIGEN, STOP_NO_DIRECTION, STOP_STEPS } from "./simecLayout";
import { dotF64, ld, projectOutRowsF64, st } from "./vector64";

/**
 * bmat (m×d) = B = Fᵀ J from jac (m×d) = J. softmax: y (m) holds the probabilities p, Fᵀ (m×m, into ft) has
 * rows √p_a (e_a − p), so Bᵀ B = Jᵀ (diag p − p pᵀ) J; otherwise B = J (ft unused).
 */
export function pullbackFactorF64(m: i32, d: i32, softmax: bool, y: usize, jac: usize, ft: usize, bmat: usize): void {
  if (!softmax) {
    memory.copy(bmat, jac, <usize>(m * d) << 3);
    return;
  }
  for (let a = 0; a < m; a++) {
    const sa = Math.sqrt(ld(y, a));
    for (let c = 0; c < m; c++) st(ft, a * m + c, (a == c ? Math.sqrt(ld(y, c)) : 0) - ld(y, c) * sa);
  }
  gemmF64(m, d, m, ft, m, jac, d, bmat, d, 0);
}

/** vᵀ g v = ‖B v‖² for B (m×d) and v (d). */
export function metricQuadF64(m: i32, d: i32, bmat: usize, v: usize): f64 {
  let quad = 0.0;
  for (let r = 0; r < m; r++) {
    const s = dotF64(bmat + (<usize>(r * d) << 3), v, d);
    quad += s * s;
  }
  return quad;
}

/**
 * The 2×2 case of symEigF64 in closed form (same contract: eigenvalues descending in w, unit eigenvectors as
 * rows of V, first largest-magnitude component positive): the rotation angle θ = ½·atan2(2b, a − c);
 * the small eigenvalue as det/λ1, free of the cancellation of (a + c)/2 − h.
 */
function symEig2(g: usize, w: usize, v: usize): void {
  const a = ld(g, 0), b = ld(g, 1), c = ld(g, 3);
  const h = Math.hypot(0.5 * (a - c), b);
  const l1 = 0.5 * (a + c) + h;
  st(w, 0, l1);
  st(w, 1, l1 > 0 ? (a * c - b * b) / l1 : 0.5 * (a + c) - h);
  const t = 0.5 * Math.atan2(2 * b, a - c);
  const cs = Math.cos(t), sn = Math.sin(t);
  // rows (cs, sn) and (−sn, cs), each signed so that its first largest-magnitude component is positive
  let s1 = Math.abs(sn) > Math.abs(cs) ? sn : cs;
  let s2 = Math.abs(cs) > Math.abs(sn) ? cs : -sn;
  s1 = s1 < 0 ? -1 : 1;
  s2 = s2 < 0 ? -1 : 1;
  st(v, 0, s1 * cs);
  st(v, 1, s1 * sn);
  st(v, 2, -s2 * sn);
  st(v, 3, s2 * cs);
}

/**
 * Route 0 (dense): g = Bᵀ B (d×d, into g), its eigenpairs (w: d descending, vecs: d×d rows; ework: 3d), and
 * v (d) = one unit eigenvector. mode 0 (SiMEC): select 0 the smallest (for n → n−1 the metric's rank is at
 * most d − 1, so it is null), select 1 a seeded random one among those ≤ nullTol·λmax; mode 1 (SiMExp):
 * select 0 the largest, select 1 a random one above nullTol·λmax. Returns STOP_STEPS when v holds the
 * direction, else the stop code (STOP_EIGEN, STOP_NO_DIRECTION).
 */
export function denseDirectionF64(
  d: i32, m: i32, mode: i32, select: i32, nullTol: f64,
  bmat: usize, g: usize, w: usize, vecs: usize, ework: usize, rng: usize, v: usize,
): i32 {
  for (let i = 0; i < d; i++)
    for (let j = i; j < d; j++) {
      let s = 0.0;
      for (let r = 0; r < m; r++) s += ld(bmat, r * d + i) * ld(bmat, r * d + j);
      st(g, i * d + j, s);
      st(g, j * d + i, s);
    }
  if (d == 2) symEig2(g, w, vecs);
  else if (symEigF64(d, g, d, w, vecs, d, ework) < 0) return STOP_EIGEN;
  const tol = nullTol * Math.max(ld(w, 0), 0);
  let pick = -1;
  if (mode == 0) {
    if (select == 0) pick = d - 1;
    else {
      let first = d; // eigenvalues descending: the null ones are a tail
      while (first > 0 && ld(w, first - 1) <= tol) first--;
      if (first < d) pick = first + min(<i32>(uniform(rng) * <f64>(d - first)), d - first - 1);
    }
  } else if (ld(w, 0) > 0) {
    if (select == 0) pick = 0;
    else {
      let count = 0;
      while (count < d && ld(w, count) > tol) count++;
      pick = min(<i32>(uniform(rng) * <f64>count), count - 1);
    }
  }
  if (pick < 0) return STOP_NO_DIRECTION;
  memory.copy(v, vecs + (<usize>(pick * d) << 3), <usize>d << 3);
  return STOP_STEPS;
}

/**
 * Route 1 (low-rank, d > m): B Bᵀ (m×m, into g), its eigenpairs (w: m descending, vecs: m×m rows; ework: 3m),
 * the non-null directions u_i = Bᵀ w_i / √μ_i (rank×d, into u; rank = the eigenvalues > nullTol·μmax and > 0),
 * and v (d): mode 0 (SiMEC) a Gaussian vector with the u_i projected out, normalised; mode 1 (SiMExp) u_0
 * (select 0) or a seeded random u_i (select 1). Returns STOP_STEPS when v holds the direction, else the stop
 * code (STOP_EIGEN, STOP_NO_DIRECTION).
 */
export function lowRankDirectionF64(
  d: i32, m: i32, mode: i32, select: i32, nullTol: f64,
  bmat: usize, g: usize, w: usize, vecs: usize, ework: usize, u: usize, rng: usize, v: usize,
): i32 {
  for (let i = 0; i < m; i++)
    for (let j = i; j < m; j++) {
      const s = dotF64(bmat + (<usize>(i * d) << 3), bmat + (<usize>(j * d) << 3), d);
      st(g, i * m + j, s);
      st(g, j * m + i, s);
    }
  if (symEigF64(m, g, m, w, vecs, m, ework) < 0) return STOP_EIGEN;
  const tol = nullTol * Math.max(ld(w, 0), 0);
  let rank = 0;
  while (rank < m && ld(w, rank) > tol && ld(w, rank) > 0) rank++;
  for (let i = 0; i < rank; i++) {
    const ui = u + (<usize>(i * d) << 3);
    const scale = 1 / Math.sqrt(ld(w, i));
    for (let t = 0; t < d; t++) {
      let s = 0.0;
      for (let r = 0; r < m; r++) s += ld(vecs, i * m + r) * ld(bmat, r * d + t);
      st(ui, t, s * scale);
    }
  }
  if (mode == 0) {
    if (rank >= d) return STOP_NO_DIRECTION;
    for (let t = 0; t < d; t++) st(v, t, gaussian(rng));
    projectOutRowsF64(rank, d, u, v);
    const nv = Math.sqrt(dotF64(v, v, d));
    if (!(nv > 0)) return STOP_NO_DIRECTION;
    for (let t = 0; t < d; t++) st(v, t, ld(v, t) / nv);
    return STOP_STEPS;
  }
  if (rank == 0) return STOP_NO_DIRECTION;
  const pick = select == 0 ? 0 : min(<i32>(uniform(rng) * <f64>rank), rank - 1);
  memory.copy(v, u + (<usize>(pick * d) << 3), <usize>d << 3);
  return STOP_STEPS;
}

/**
 * Orient v (d) in place. SiMExp with orient ≥ 0: so that output `orient` moves in the direction of `sign`
 * (its directional derivative: row `orient` of J (m×d), or p_o (J_o − Σ_c p_c J_c) for a softmax head with
 * probabilities y); otherwise continuous with the previous direction prev (d) when there is one (hasPrev),
 * else along `sign`.
 */
export function orientDirectionF64(
  d: i32, m: i32, mode: i32, orient: i32, softmax: bool, jac: usize, y: usize, prev: usize, hasPrev: bool, sign: f64, v: usize,
): void {
  let flip = false;
  if (mode == 1 && orient >= 0) {
    let dy = 0.0;
    for (let t = 0; t < d; t++) {
      let gt = ld(jac, orient * d + t);
      if (softmax) {
        let mean = 0.0;
        for (let c = 0; c < m; c++) mean += ld(y, c) * ld(jac, c * d + t);
        gt = ld(y, orient) * (gt - mean);
      }
      dy += gt * ld(v, t);
    }
    flip = dy * sign < 0;
  } else if (hasPrev) {
    flip = dotF64(v, prev, d) < 0;
  } else {
    flip = sign < 0;
  }
  if (flip) for (let t = 0; t < d; t++) st(v, t, -ld(v, t));
}
