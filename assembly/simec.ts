// SiMEC / SiMExp path stepping in float64 (Benfenati & Marta, arXiv 2201.09656, 2112.10583, 2404.06104).
// Each step: forward pass and Jacobian J at x; the pulled-back metric g = Bᵀ B with B = Fᵀ J (F Fᵀ the
// Fisher metric diag p − p pᵀ for a softmax head, F = I otherwise); its eigen-decomposition; a direction v
// (null eigenvector for SiMEC, non-null for SiMExp) oriented continuously; x ← x + δ v, clamped to the box;
// energy += δ vᵀ g v, pseudo-length += δ √(vᵀ g v).
import { denseForwardF64, denseJacobianF64 } from "./dense64";
import { symEigF64 } from "./eigh";
import { gemmF64 } from "./gemm";
import { leafBasisF64 } from "./leaf";
import { axpyF64, dotF64 } from "./vector64";

// Layout of the f64 state block (after x and the previous direction, 2d values).
const S_ENERGY: i32 = 0;
const S_LENGTH: i32 = 1;
const S_PSEUDO: i32 = 2;
const S_RNG: i32 = 3;
const S_HASPREV: i32 = 4;
const S_STOP: i32 = 5;
const S_SIGN: i32 = 6;
/** f64 values of the state block after its 2d vector part. */
export const SIMEC_STATE_EXTRA: i32 = 8;

// Stop reasons (shared with src/analyses/simec.ts).
const STOP_STEPS: i32 = 0;
const STOP_TARGET: i32 = 1;
const STOP_BOUNDARY: i32 = 2;
const STOP_NO_DIRECTION: i32 = 3;
const STOP_NON_FINITE: i32 = 4;
const STOP_EIGEN: i32 = 5;

@inline function ld(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}
@inline function st(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}

/** mulberry32 on the state slot (a u32 kept exactly in an f64): uniform in [0, 1). */
function uniform(state: usize): f64 {
  let s = <u32>ld(state, S_RNG) + 0x6d2b79f5;
  st(state, S_RNG, <f64>s);
  let t = s;
  t = (t ^ (t >>> 15)) * (t | 1);
  t ^= t + (t ^ (t >>> 7)) * (t | 61);
  return <f64>(t ^ (t >>> 14)) / 4294967296.0;
}

function gaussian(state: usize): f64 {
  const u = 1 - uniform(state);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform(state));
}

/** y (m f64) = the last layer's output, or its softmax (p: m f64 of scratch). */
function outputOf(last: usize, m: i32, softmax: i32, p: usize, y: usize): void {
  if (!softmax) {
    memory.copy(y, last, <usize>m << 3);
    return;
  }
  let mx = -Infinity;
  for (let i = 0; i < m; i++) mx = Math.max(mx, ld(last, i));
  let sum = 0.0;
  for (let i = 0; i < m; i++) { const e = Math.exp(ld(last, i) - mx); st(p, i, e); sum += e; }
  for (let i = 0; i < m; i++) st(y, i, ld(p, i) / sum);
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
 * Box sliding for one SiMEC step (boxMode 2). v (d, unit) is a direction in ker B (B: m×d rows); coordinates
 * that a step of length delta along v would carry out of [lo, hi] are held at their value (held[t] = 1) and
 * v is re-projected onto {w ∈ ker B : w_t = 0 for held t} (Gram–Schmidt of B's rows with the held columns
 * zeroed, into `rows`, orthonormalised by leafBasisF64 into `basis`; both m×d scratch) and renormalised,
 * until the whole step stays in the box (held coordinates only accumulate, so this ends within d rounds).
 * Returns delta, or −1 when no direction is left.
 */
function slideOnBox(d: i32, m: i32, x: usize, v: usize, bmat: usize, rows: usize, basis: usize, held: usize, lo: usize, hi: usize, delta: f64): f64 {
  for (let t = 0; t < d; t++) st(held, t, 0);
  for (let iter = 0; iter <= d; iter++) {
    let grew = false;
    for (let t = 0; t < d; t++) {
      if (ld(held, t) != 0) continue;
      const to = ld(x, t) + delta * ld(v, t);
      if (to < ld(lo, t) || to > ld(hi, t)) {
        st(held, t, 1);
        grew = true;
      }
    }
    if (!grew) break;
    // Orthonormal rows spanning B restricted to the free coordinates, then v ⟂ them with held entries 0.
    for (let r = 0; r < m; r++)
      for (let t = 0; t < d; t++) st(rows, r * d + t, ld(held, t) != 0 ? 0 : ld(bmat, r * d + t));
    const k = leafBasisF64(m, d, rows, 0, 1e-12, basis);
    for (let t = 0; t < d; t++) if (ld(held, t) != 0) st(v, t, 0);
    for (let pass = 0; pass < 2; pass++)
      for (let j = 0; j < k; j++) {
        const qj = basis + (<usize>(j * d) << 3);
        axpyF64(-dotF64(qj, v, d), qj, v, d);
      }
    const nv = Math.sqrt(dotF64(v, v, d));
    if (!(nv > 1e-12)) return -1;
    for (let t = 0; t < d; t++) st(v, t, ld(held, t) != 0 ? 0 : ld(v, t) / nv);
  }
  return delta;
}

/**
 * f64 values of scratch `simecStepsF64` needs: d = input size, m = output size, maxWidth = widest layer
 * input or output, sumOut = Σ layer outputs, n = d for the dense route, m for the low-rank route.
 */
export function simecWorkSize(d: i32, m: i32, maxWidth: i32, sumOut: i32, n: i32): i32 {
  return 2 * sumOut + 2 * m * maxWidth + 2 * m * d + m * m + 2 * m + n * n + n + n * n + 3 * n + m * d + 4 * d;
}

/**
 * Run up to `steps` SiMEC (mode 0) or SiMExp (mode 1) steps of size `delta` from the state block.
 *
 * - net/alphas/layers: the f64 network (dense64.ts); `softmax` != 0: the last layer gives logits, the metric
 *   is the Fisher metric and the recorded outputs are the probabilities.
 * - route 0 (dense): eigen-decomposition of the d×d metric; route 1 (low-rank, d > m): of the m×m matrix
 *   B Bᵀ, non-null eigenvectors u = Bᵀw/√μ, null directions = a Gaussian vector with those projected out.
 * - select 0: SiMEC the smallest eigenvalue (dense route, unconditionally: for n → n−1 it is null), SiMExp
 *   the largest; select 1: a seeded random
 *   eigenvector among those ≤ nullTol·λmax (SiMEC) or above it (SiMExp).
 * - orient ≥ 0 (SiMExp): every step is oriented so that output `orient` moves in the direction of the state's
 *   sign; orient < 0: the first step takes the state's sign, later steps stay continuous with the previous one.
 * - lo/hi: box bounds (d f64 each) or 0 for none. boxMode 1 (stop): a step leaving the box is projected onto
 *   it, recorded, and the walk stops there (stopReason 2, boundary); 0 (clamp): it continues from the
 *   projected point; 2 (slide, SiMEC only; SiMExp clamps): coordinates the step would carry out of the box
 *   are held at their value and the direction is re-projected onto ker B restricted to the other coordinates
 *   (repeated until the step fits), so every step stays in the box and in the null space. A step that
 *   cannot move at all stops (boundary).
 *   target > 0: stop once ‖y − y0‖₂ ≥ target (y0: m f64).
 * - state: x (d f64), previous direction (d f64), then energy, length, pseudo-length, rng, hasPrev,
 *   stopReason, sign, spare (SIMEC_STATE_EXTRA f64); read and updated.
 * - pts (steps×d f64) and outs (steps×m f64) receive the points after each step and their outputs.
 * - work: simecWorkSize(...) f64.
 * Returns the number of steps taken; the state's stopReason says why it stopped (0 = all steps done).
 */
export function simecStepsF64(
  net: usize, alphas: usize, layers: i32, softmax: i32,
  mode: i32, route: i32, select: i32, orient: i32,
  steps: i32, delta: f64, nullTol: f64,
  lo: usize, hi: usize, boxMode: i32, target: f64, y0: usize,
  state: usize, pts: usize, outs: usize, work: usize,
): i32 {
  const d = load<i32>(net);
  const m = load<i32>(net + (<usize>((layers - 1) * 6 + 1) << 2));
  let sumOut = 0, maxW = 0;
  for (let l = 0; l < layers; l++) {
    const nI = load<i32>(net + (<usize>(l * 6) << 2)), nO = load<i32>(net + (<usize>(l * 6 + 1) << 2));
    sumOut += nO;
    maxW = max(maxW, max(nI, nO));
  }
  const n = route == 0 ? d : m;
  // Scratch layout (f64 counts in simecWorkSize).
  const acts = work;
  const ders = acts + (<usize>sumOut << 3);
  const jwork = ders + (<usize>sumOut << 3); // 2·m·maxW
  const jac = jwork + (<usize>(2 * m * maxW) << 3); // m×d
  const bmat = jac + (<usize>(m * d) << 3); // m×d: B = Fᵀ J
  const ft = bmat + (<usize>(m * d) << 3); // m×m: Fᵀ
  const p = ft + (<usize>(m * m) << 3); // m
  const y = p + (<usize>m << 3); // m
  const g = y + (<usize>m << 3); // n×n metric (dense) or B Bᵀ (low-rank)
  const w = g + (<usize>(n * n) << 3); // n eigenvalues
  const vecs = w + (<usize>n << 3); // n×n eigenvectors (rows)
  const ework = vecs + (<usize>(n * n) << 3); // 3n
  const u = ework + (<usize>(3 * n) << 3); // m×d non-null directions (low-rank route)
  const v = u + (<usize>(m * d) << 3); // d
  const xn = v + (<usize>d << 3); // d
  const held = xn + (<usize>d << 3); // d: 1 = coordinate held on its face (boxMode 2)
  const x = state;
  const prev = state + (<usize>d << 3);
  const sc = state + (<usize>(2 * d) << 3);
  st(sc, S_STOP, STOP_STEPS);

  let taken = 0;
  for (let k = 0; k <= steps; k++) {
    // Forward at x: record the output of the point written by the previous step, check the target.
    const last = denseForwardF64(net, alphas, layers, x, acts, ders);
    outputOf(last, m, softmax, p, y);
    let finite = true;
    for (let i = 0; i < m; i++) if (!isFinite(ld(y, i))) finite = false;
    if (k > 0) {
      memory.copy(outs + (<usize>((k - 1) * m) << 3), y, <usize>m << 3);
      if (!finite) { st(sc, S_STOP, STOP_NON_FINITE); break; }
      if (target > 0) {
        let dist = 0.0;
        for (let i = 0; i < m; i++) { const t = ld(y, i) - ld(y0, i); dist += t * t; }
        if (Math.sqrt(dist) >= target) { st(sc, S_STOP, STOP_TARGET); break; }
      }
    } else if (!finite) { st(sc, S_STOP, STOP_NON_FINITE); break; }
    if (k == steps) break;

    // Jacobian and B = Fᵀ J.
    denseJacobianF64(net, layers, ders, jac, jwork);
    if (softmax) {
      for (let a = 0; a < m; a++) {
        const sa = Math.sqrt(ld(y, a));
        for (let c = 0; c < m; c++) st(ft, a * m + c, (a == c ? Math.sqrt(ld(y, c)) : 0) - ld(y, c) * sa);
      }
      gemmF64(m, d, m, ft, m, jac, d, bmat, d, 0);
    } else {
      memory.copy(bmat, jac, <usize>(m * d) << 3);
    }

    // The metric's eigenpairs and the direction v.
    let found = false;
    if (route == 0) {
      for (let i = 0; i < d; i++)
        for (let j = i; j < d; j++) {
          let s = 0.0;
          for (let r = 0; r < m; r++) s += ld(bmat, r * d + i) * ld(bmat, r * d + j);
          st(g, i * d + j, s);
          st(g, j * d + i, s);
        }
      if (d == 2) symEig2(g, w, vecs);
      else if (symEigF64(d, g, d, w, vecs, d, ework) < 0) { st(sc, S_STOP, STOP_EIGEN); break; }
      const tol = nullTol * Math.max(ld(w, 0), 0);
      let pick = -1;
      if (mode == 0) {
        if (select == 0) pick = d - 1; // n → n−1: the metric's rank is at most d − 1, its smallest eigenvalue is null
        else {
          let first = d; // eigenvalues descending: the null ones are a tail
          while (first > 0 && ld(w, first - 1) <= tol) first--;
          if (first < d) pick = first + min(<i32>(uniform(sc) * <f64>(d - first)), d - first - 1);
        }
      } else if (ld(w, 0) > 0) {
        if (select == 0) pick = 0;
        else {
          let count = 0;
          while (count < d && ld(w, count) > tol) count++;
          pick = min(<i32>(uniform(sc) * <f64>count), count - 1);
        }
      }
      if (pick >= 0) {
        memory.copy(v, vecs + (<usize>(pick * d) << 3), <usize>d << 3);
        found = true;
      }
    } else {
      for (let i = 0; i < m; i++)
        for (let j = i; j < m; j++) {
          const s = dotF64(bmat + (<usize>(i * d) << 3), bmat + (<usize>(j * d) << 3), d);
          st(g, i * m + j, s);
          st(g, j * m + i, s);
        }
      if (symEigF64(m, g, m, w, vecs, m, ework) < 0) { st(sc, S_STOP, STOP_EIGEN); break; }
      const tol = nullTol * Math.max(ld(w, 0), 0);
      let rank = 0;
      while (rank < m && ld(w, rank) > tol && ld(w, rank) > 0) rank++;
      // u_i = Bᵀ w_i / √μ_i for the non-null eigenpairs.
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
        if (rank < d) {
          for (let t = 0; t < d; t++) st(v, t, gaussian(sc));
          for (let pass = 0; pass < 2; pass++)
            for (let i = 0; i < rank; i++) {
              const ui = u + (<usize>(i * d) << 3);
              const c = dotF64(v, ui, d);
              for (let t = 0; t < d; t++) st(v, t, ld(v, t) - c * ld(ui, t));
            }
          const nv = Math.sqrt(dotF64(v, v, d));
          if (nv > 0) {
            for (let t = 0; t < d; t++) st(v, t, ld(v, t) / nv);
            found = true;
          }
        }
      } else if (rank > 0) {
        const pick = select == 0 ? 0 : min(<i32>(uniform(sc) * <f64>rank), rank - 1);
        memory.copy(v, u + (<usize>(pick * d) << 3), <usize>d << 3);
        found = true;
      }
    }
    if (!found) { st(sc, S_STOP, STOP_NO_DIRECTION); break; }

    // Orientation.
    const sign = ld(sc, S_SIGN);
    let flip = false;
    if (mode == 1 && orient >= 0) {
      // Directional derivative of output `orient`: Jᵀ row (regression) or p_o (J_o − Σ p_c J_c) (softmax).
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
    } else if (ld(sc, S_HASPREV) != 0) {
      flip = dotF64(v, prev, d) < 0;
    } else {
      flip = sign < 0;
    }
    if (flip) for (let t = 0; t < d; t++) st(v, t, -ld(v, t));
    let step = delta;
    if (boxMode == 2 && mode == 0 && lo) {
      step = slideOnBox(d, m, x, v, bmat, u, jac, held, lo, hi, delta); // u, jac: free scratch by now (SiMEC)
      if (step < 0) { st(sc, S_STOP, STOP_BOUNDARY); break; }
    }

    // vᵀ g v = ‖B v‖², at x.
    let quad = 0.0;
    for (let r = 0; r < m; r++) {
      const s = dotF64(bmat + (<usize>(r * d) << 3), v, d);
      quad += s * s;
    }
    // Step and projection onto the box.
    let moved = 0.0;
    let clamped = false;
    for (let t = 0; t < d; t++) {
      const free = ld(x, t) + step * ld(v, t);
      let z = free;
      if (lo) z = Math.max(z, ld(lo, t));
      if (hi) z = Math.min(z, ld(hi, t));
      if (z != free) clamped = true;
      st(xn, t, z);
      const dz = z - ld(x, t);
      moved += dz * dz;
    }
    moved = Math.sqrt(moved);
    if (!isFinite(moved)) { st(sc, S_STOP, STOP_NON_FINITE); break; }
    if (moved == 0) { st(sc, S_STOP, STOP_BOUNDARY); break; }
    memory.copy(x, xn, <usize>d << 3);
    memory.copy(prev, v, <usize>d << 3);
    st(sc, S_HASPREV, 1);
    st(sc, S_ENERGY, ld(sc, S_ENERGY) + step * quad);
    st(sc, S_PSEUDO, ld(sc, S_PSEUDO) + step * Math.sqrt(quad));
    st(sc, S_LENGTH, ld(sc, S_LENGTH) + moved);
    memory.copy(pts + (<usize>(k * d) << 3), x, <usize>d << 3);
    taken = k + 1;
    if (clamped && boxMode == 1) {
      // The path reached the box boundary: record the projected point's output and stop there.
      const at = denseForwardF64(net, alphas, layers, x, acts, ders);
      outputOf(at, m, softmax, p, outs + (<usize>(k * m) << 3));
      st(sc, S_STOP, STOP_BOUNDARY);
      break;
    }
  }
  return taken;
}
