// SiMEC / SiMExp path stepping in float64 (Benfenati & Marta, arXiv 2201.09656, 2112.10583, 2404.06104) on
// the compiled network (assembly/graph/network.ts, f64 instance). Each step: forward pass at x (netForward),
// the Jacobian J of the output node by reverse mode (netVjp, m identity cotangents); the pulled-back metric
// g = Bᵀ B with B = Fᵀ J (F Fᵀ the Fisher metric diag p − p pᵀ for a softmax head, F = I otherwise); its
// eigen-decomposition; a direction v (null eigenvector for SiMEC, non-null for SiMExp) oriented continuously;
// x ← x + δ v, projected onto the box; energy += δ vᵀ g v, pseudo-length += δ √(vᵀ g v).
//
// A walk is described by one packed descriptor: SW_SLOTS f64 in memory (slots SW_* below; pointers and
// integers stored exactly as f64), written by src/analyses/simec.ts.
import { symEigF64 } from "./eigh";
import { gemmF64 } from "./gemm";
import { leafBasisF64 } from "./leaf";
import { axpyF64, dotF64 } from "./vector64";
import { F_VALUE_OFFSET, NET_ARG_SIZE, NET_INPUT_SIZE, NET_OUTPUT_NODE, NET_OUTPUT_SIZE, NET_PRE_SIZE, NET_TABLE, NET_VALUE_SIZE, NODE_STRIDE } from "./graph/opcodes";
import { netForward, netVjp, netVjpWorkBytes } from "./graph/network";
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
function outputOf(last: usize, m: i32, softmax: bool, p: usize, y: usize): void {
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

// Slots of the walk descriptor (f64 each; mirrored by SW in src/analyses/simec.ts).
/** Pointer to the f64 network descriptor (src/engine/network.ts uploadNetwork). */
export const SW_NET: i32 = 0;
/** != 0: the output node gives logits; the metric is the Fisher metric; recorded outputs are probabilities. */
export const SW_SOFTMAX: i32 = 1;
/** 0 SiMEC, 1 SiMExp. */
export const SW_MODE: i32 = 2;
/** 0: d×d metric; 1: through the m×m matrix B Bᵀ (low-rank, d > m). */
export const SW_ROUTE: i32 = 3;
/** 0: the smallest (SiMEC) or largest (SiMExp) eigenvector; 1: a seeded random one among the null / non-null. */
export const SW_SELECT: i32 = 4;
/** ≥ 0 (SiMExp): the output whose change orients each step; < 0: continuity with the previous step. */
export const SW_ORIENT: i32 = 5;
export const SW_STEPS: i32 = 6;
export const SW_DELTA: i32 = 7;
export const SW_NULL_TOL: i32 = 8;
/** Box bounds (d f64 each) or 0: none. */
export const SW_LO: i32 = 9;
export const SW_HI: i32 = 10;
/** 0 clamp, 1 stop, 2 slide. */
export const SW_BOX_MODE: i32 = 11;
/** > 0: stop once ‖y − y0‖₂ ≥ target. */
export const SW_TARGET: i32 = 12;
/** y0 (m f64): the reference output of the target test; may be SW_START itself (filled before it is read). */
export const SW_Y0: i32 = 13;
/** The state block (x, previous direction, SIMEC_STATE_EXTRA scalars; read and updated). */
export const SW_STATE: i32 = 14;
/** steps×d f64: the points after each step. */
export const SW_POINTS: i32 = 15;
/** steps×m f64: their outputs. */
export const SW_OUTPUTS: i32 = 16;
/** m f64: the output at the chunk's starting x. */
export const SW_START: i32 = 17;
/** simecWorkBytes(net, route) bytes of scratch. */
export const SW_WORK: i32 = 18;
export const SW_SLOTS: i32 = 19;

/** Number of f64 slots of the walk descriptor (for the host's agreement test). */
export function simecSlots(): i32 {
  return SW_SLOTS;
}

@inline function slot(desc: usize, s: i32): f64 {
  return load<f64>(desc + (<usize>s << 3));
}
@inline function slotPtr(desc: usize, s: i32): usize {
  return <usize>load<f64>(desc + (<usize>s << 3));
}
@inline function netWord(net: usize, f: i32): i32 {
  return load<i32>(net + (<usize>f << 2));
}
@inline function align16(n: usize): usize {
  return (n + 15) & ~15;
}

/** Offset (elements) of the output node's block in a value block. */
function outputOffset(net: usize): i32 {
  const k = netWord(net, NET_OUTPUT_NODE);
  return k < 0 ? 0 : load<i32>(<usize>netWord(net, NET_TABLE) + (<usize>(k * NODE_STRIDE + F_VALUE_OFFSET) << 2));
}

// The scratch regions of one walk, in order from `work` (each 16-byte aligned); sizes in regionBytes.
const R_VALUES: i32 = 0; // valueSize f64: every node's output at x
const R_PRE: i32 = 1; // preSize f64
const R_ARGMAX: i32 = 2; // argSize i32
const R_VJP: i32 = 3; // netVjpWorkBytes(net, m)
const R_JAC: i32 = 4; // m×d: J
const R_BMAT: i32 = 5; // m×d: B = Fᵀ J
const R_FT: i32 = 6; // m×m: Fᵀ
const R_P: i32 = 7; // m
const R_Y: i32 = 8; // m
const R_G: i32 = 9; // n×n metric (dense) or B Bᵀ (low-rank)
const R_W: i32 = 10; // n eigenvalues
const R_VECS: i32 = 11; // n×n eigenvectors (rows)
const R_EWORK: i32 = 12; // 3n
const R_U: i32 = 13; // m×d non-null directions (low-rank route)
const R_V: i32 = 14; // d
const R_XN: i32 = 15; // d
const R_HELD: i32 = 16; // d: 1 = coordinate held on its face (boxMode 2)
const R_COUNT: i32 = 17;

/** Bytes of scratch region r (n = d on route 0, m on route 1). */
function regionBytes(net: usize, route: i32, r: i32): usize {
  const d = netWord(net, NET_INPUT_SIZE), m = netWord(net, NET_OUTPUT_SIZE);
  const n = route == 0 ? d : m;
  let f64s = 0;
  switch (r) {
    case R_VALUES: f64s = netWord(net, NET_VALUE_SIZE); break;
    case R_PRE: f64s = max(1, netWord(net, NET_PRE_SIZE)); break;
    case R_ARGMAX: return <usize>max(1, netWord(net, NET_ARG_SIZE)) << 2;
    case R_VJP: return netVjpWorkBytes<f64>(net, m);
    case R_JAC: case R_BMAT: case R_U: f64s = m * d; break;
    case R_FT: f64s = m * m; break;
    case R_P: case R_Y: f64s = m; break;
    case R_G: case R_VECS: f64s = n * n; break;
    case R_W: f64s = n; break;
    case R_EWORK: f64s = 3 * n; break;
    default: f64s = d; // R_V, R_XN, R_HELD
  }
  return <usize>f64s << 3;
}

/** Byte offset of scratch region r for a walk whose scratch starts at `work`. */
function region(net: usize, route: i32, work: usize, r: i32): usize {
  let at = work;
  for (let j = 0; j < r; j++) at += align16(regionBytes(net, route, j));
  return at;
}

/** Bytes of scratch `simecStepsF64` needs for the network descriptor `net` and route (0 dense, 1 low-rank). */
export function simecWorkBytes(net: usize, route: i32): usize {
  return region(net, route, 0, R_COUNT);
}

/**
 * Run up to `steps` SiMEC (mode 0) or SiMExp (mode 1) steps of size `delta` from the state block; every
 * argument is a slot of the walk descriptor `desc` (SW_*).
 *
 * - route 0 (dense): eigen-decomposition of the d×d metric; route 1 (low-rank, d > m): of the m×m matrix
 *   B Bᵀ, non-null eigenvectors u = Bᵀw/√μ, null directions = a Gaussian vector with those projected out.
 * - select 0: SiMEC the smallest eigenvalue (dense route, unconditionally: for n → n−1 it is null), SiMExp
 *   the largest; select 1: a seeded random eigenvector among those ≤ nullTol·λmax (SiMEC) or above it (SiMExp).
 * - orient ≥ 0 (SiMExp): every step is oriented so that output `orient` moves in the direction of the state's
 *   sign; orient < 0: the first step takes the state's sign, later steps stay continuous with the previous one.
 * - lo/hi: box bounds (d f64 each) or 0 for none. boxMode 1 (stop): a step leaving the box is projected onto
 *   it, recorded, and the walk stops there (stopReason 2, boundary); 0 (clamp): it continues from the
 *   projected point; 2 (slide, SiMEC only; SiMExp clamps): coordinates the step would carry out of the box
 *   are held at their value and the direction is re-projected onto ker B restricted to the other coordinates
 *   (repeated until the step fits), so every step stays in the box and in the null space. A step that
 *   cannot move at all stops (boundary).
 *   target > 0: stop once ‖y − y0‖₂ ≥ target.
 * - state: x (d f64), previous direction (d f64), then energy, length, pseudo-length, rng, hasPrev,
 *   stopReason, sign, spare (SIMEC_STATE_EXTRA f64); read and updated.
 * - points (steps×d f64) and outputs (steps×m f64) receive the points after each step and their outputs;
 *   start (m f64) the output at the starting x.
 * Returns the number of steps taken; the state's stopReason says why it stopped (0 = all steps done).
 */
export function simecStepsF64(desc: usize): i32 {
  const net = slotPtr(desc, SW_NET);
  const softmax = slot(desc, SW_SOFTMAX) != 0;
  const mode = <i32>slot(desc, SW_MODE), route = <i32>slot(desc, SW_ROUTE), select = <i32>slot(desc, SW_SELECT);
  const orient = <i32>slot(desc, SW_ORIENT), steps = <i32>slot(desc, SW_STEPS), boxMode = <i32>slot(desc, SW_BOX_MODE);
  const delta = slot(desc, SW_DELTA), nullTol = slot(desc, SW_NULL_TOL), target = slot(desc, SW_TARGET);
  const lo = slotPtr(desc, SW_LO), hi = slotPtr(desc, SW_HI), y0 = slotPtr(desc, SW_Y0), state = slotPtr(desc, SW_STATE);
  const pts = slotPtr(desc, SW_POINTS), outs = slotPtr(desc, SW_OUTPUTS), start = slotPtr(desc, SW_START);
  const d = netWord(net, NET_INPUT_SIZE), m = netWord(net, NET_OUTPUT_SIZE), outNode = netWord(net, NET_OUTPUT_NODE);
  const work = slotPtr(desc, SW_WORK);
  const values = region(net, route, work, R_VALUES), pre = region(net, route, work, R_PRE), argmax = region(net, route, work, R_ARGMAX);
  const vjpWork = region(net, route, work, R_VJP);
  const jac = region(net, route, work, R_JAC), bmat = region(net, route, work, R_BMAT), ft = region(net, route, work, R_FT);
  const p = region(net, route, work, R_P), y = region(net, route, work, R_Y), g = region(net, route, work, R_G);
  const w = region(net, route, work, R_W), vecs = region(net, route, work, R_VECS), ework = region(net, route, work, R_EWORK);
  const u = region(net, route, work, R_U), v = region(net, route, work, R_V), xn = region(net, route, work, R_XN);
  const held = region(net, route, work, R_HELD);
  const last = values + (<usize>outputOffset(net) << 3);
  const x = state;
  const prev = state + (<usize>d << 3);
  const sc = state + (<usize>(2 * d) << 3);
  st(sc, S_STOP, STOP_STEPS);

  let taken = 0;
  for (let k = 0; k <= steps; k++) {
    // Forward at x: record the output of the point written by the previous step, check the target.
    netForward<f64>(net, x, 1, values, pre, argmax);
    outputOf(last, m, softmax, p, y);
    if (k == 0 && start) memory.copy(start, y, <usize>m << 3);
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
    netVjp<f64>(net, values, pre, argmax, m, outNode, 0, jac, vjpWork);
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
      netForward<f64>(net, x, 1, values, pre, argmax);
      outputOf(last, m, softmax, p, outs + (<usize>(k * m) << 3));
      st(sc, S_STOP, STOP_BOUNDARY);
      break;
    }
  }
  return taken;
}
