// DIM geodesics on the data leaf of a piecewise-linear dense network, in float64 (the host side and the
// equation are in src/analyses/geodesic.ts; the float64 twin is src/reference/geodesic.ts).
//
// In a linear region the leaf piece is x = x_b + Qᵀy (Q r×d, orthonormal rows), the logits are affine,
// s = s_b + Araw y, and the metric in y is G(y) = Aᵀ F(p) A with A the centred Araw (C×r) and
// F = diag p − ppᵀ, p = softmax(s). The geodesic equation
//     (Aᵀ F A) ÿ = −½ Aᵀ [ p ⊙ (σ̄⊙σ̄ − m₂ 1) ],   σ = A ẏ, σ̄ = σ − (pᵀσ) 1, m₂ = pᵀ(σ̄⊙σ̄),
// is integrated by classical RK4 at a fixed step of the metric arc length, the r×r system solved by
// Cholesky. Every relu/leakyRelu pre-activation is affine in y (z = z_b + M y, M P×r); a step that changes
// a sign (by more than 1e-12) is bisected (60 halvings of the step) down to the first crossing.
//
// Every region constraint (a relu/leakyRelu sign or a max-pool choice) is affine in y too: netConstraints
// (assembly/graph/network.ts) writes them as zb + M y ≥ 0 inside the region, so the kernel is given all bits
// set (bit set: the constraint must stay ≥ 0).
// Region data (all f64, row-major, compact strides): xb d, Q r×d, A C×r (centred), Araw C×r, sb C,
// zb P, M P×r; bits: one per constraint (u32 words, bit set = the value must stay ≥ 0, clear = ≤ 0).

import { STOP_BOX, STOP_LENGTH, STOP_VERTICES } from "./leafStop";
import { axpyF64, dotF64 } from "./vector64";

// @ts-ignore: decorator
@inline function bitOf(bits: usize, b: i32): bool {
  return ((load<u32>(bits + (<usize>(b >>> 5) << 2)) >>> (b & 31)) & 1) != 0;
}

/** Events geodesicSegmentF64 returns: the leafStop codes for length, box, maxVertices, and these. */
export const GEO_DEGENERATE = 7; // G not positive definite (STOP_REASONS' "degenerate")
export const GEO_CROSSING = -1; // a unit's sign changes: the state holds the crossing and the unit
export const GEO_FLUSH = -2; // the vertex buffer is full: copy it out, set kb = 0, call again

@inline function ld(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

@inline function st(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}

/**
 * A region's reduced metric data from what the host computed at its base point: A = Jc Qᵀ and Araw = J Qᵀ
 * (C×r, from the centred Jc and raw J, C×d each, and Q r×d). The constraints come from netConstraints.
 */
export function geodesicReduceF64(C: i32, d: i32, r: i32, Jc: usize, J: usize, Q: usize, A: usize, Araw: usize): void {
  const dB = <usize>d * 8;
  for (let c = 0; c < C; c++) {
    for (let k = 0; k < r; k++) {
      const q = Q + <usize>k * dB;
      st(A, c * r + k, dotF64(Jc + <usize>c * dB, q, d));
      st(Araw, c * r + k, dotF64(J + <usize>c * dB, q, d));
    }
  }
}

/** f64 values of scratch geodesicSegmentF64 needs (any r ≤ C). */
export function geodesicWorkF64(d: i32, C: i32): i32 {
  return C * C + 20 * C + 4 * C + d;
}

/**
 * ÿ at (y, v) (r f64 each) into out (r): the equation above with the region's A (C×r) and sb. Scratch
 * `w`: 4C + 2r + r² f64. Returns false when G is not positive definite (the path is degenerate).
 */
function acceleration(C: i32, r: i32, A: usize, sb: usize, y: usize, v: usize, out: usize, w: usize): bool {
  const s = w, sig = s + (<usize>C << 3), p = sig + (<usize>C << 3), q = p + (<usize>C << 3);
  const pA = q + (<usize>C << 3), rhs = pA + (<usize>r << 3), G = rhs + (<usize>r << 3);
  let mx = -Infinity;
  for (let c = 0; c < C; c++) {
    let a = ld(sb, c), b = 0.0;
    for (let k = 0; k < r; k++) {
      const acp = ld(A, c * r + k);
      a += acp * ld(y, k);
      b += acp * ld(v, k);
    }
    st(s, c, a);
    st(sig, c, b);
    mx = Math.max(mx, a);
  }
  let sum = 0.0;
  for (let c = 0; c < C; c++) {
    const e = Math.exp(ld(s, c) - mx);
    st(p, c, e);
    sum += e;
  }
  let ps = 0.0;
  for (let c = 0; c < C; c++) {
    const pc = ld(p, c) / sum;
    st(p, c, pc);
    ps += pc * ld(sig, c);
  }
  let m2 = 0.0;
  for (let c = 0; c < C; c++) {
    const bar = ld(sig, c) - ps;
    st(sig, c, bar); // σ̄
    m2 += ld(p, c) * bar * bar;
  }
  for (let c = 0; c < C; c++) {
    const bar = ld(sig, c);
    st(q, c, ld(p, c) * (bar * bar - m2)); // p ⊙ (σ̄² − m₂)
  }
  // G = Aᵀ F A with F A = p⊙(A − 1 pᵀA); rhs = −½ Aᵀ q.
  for (let k = 0; k < r; k++) {
    let t = 0.0;
    for (let c = 0; c < C; c++) t += ld(p, c) * ld(A, c * r + k);
    st(pA, k, t);
  }
  for (let i = 0; i < r; i++) {
    let t = 0.0;
    for (let c = 0; c < C; c++) t -= 0.5 * ld(A, c * r + i) * ld(q, c);
    st(rhs, i, t);
    for (let j = 0; j <= i; j++) {
      let g = 0.0;
      const pj = ld(pA, j);
      for (let c = 0; c < C; c++) g += ld(A, c * r + i) * ld(p, c) * (ld(A, c * r + j) - pj);
      st(G, i * r + j, g);
      st(G, j * r + i, g);
    }
  }
  // Cholesky G = L Lᵀ in the lower triangle, then L Lᵀ out = rhs.
  for (let j = 0; j < r; j++) {
    let dgl = ld(G, j * r + j);
    for (let k = 0; k < j; k++) dgl -= ld(G, j * r + k) * ld(G, j * r + k);
    if (!(dgl > 0)) return false;
    const l = Math.sqrt(dgl);
    st(G, j * r + j, l);
    for (let i = j + 1; i < r; i++) {
      let t = ld(G, i * r + j);
      for (let k = 0; k < j; k++) t -= ld(G, i * r + k) * ld(G, j * r + k);
      st(G, i * r + j, t / l);
    }
  }
  for (let i = 0; i < r; i++) {
    let t = ld(rhs, i);
    for (let k = 0; k < i; k++) t -= ld(G, i * r + k) * ld(out, k);
    st(out, i, t / ld(G, i * r + i));
  }
  for (let i = r - 1; i >= 0; i--) {
    let t = ld(out, i);
    for (let k = i + 1; k < r; k++) t -= ld(G, k * r + i) * ld(out, k);
    st(out, i, t / ld(G, i * r + i));
  }
  return true;
}

/** p = q + c·u over r f64. */
@inline function step(r: i32, q: usize, u: usize, c: f64, p: usize): void {
  for (let i = 0; i < r; i++) st(p, i, ld(q, i) + c * ld(u, i));
}

/**
 * One RK4 step of (y, v) by h into (yo, vo) (r f64 each). Scratch `w`: 10r + (4C + 2r + r²) f64.
 * Returns false when the metric degenerates at a stage.
 */
function rk4(C: i32, r: i32, A: usize, sb: usize, y: usize, v: usize, h: f64, yo: usize, vo: usize, w: usize): bool {
  const rB = <usize>r << 3;
  const a1 = w, a2 = a1 + rB, a3 = a2 + rB, a4 = a3 + rB;
  const y2 = a4 + rB, v2 = y2 + rB, y3 = v2 + rB, v3 = y3 + rB, y4 = v3 + rB, v4 = y4 + rB;
  const acc = v4 + rB;
  if (!acceleration(C, r, A, sb, y, v, a1, acc)) return false;
  step(r, y, v, h / 2, y2);
  step(r, v, a1, h / 2, v2);
  if (!acceleration(C, r, A, sb, y2, v2, a2, acc)) return false;
  step(r, y, v2, h / 2, y3);
  step(r, v, a2, h / 2, v3);
  if (!acceleration(C, r, A, sb, y3, v3, a3, acc)) return false;
  step(r, y, v3, h, y4);
  step(r, v, a3, h, v4);
  if (!acceleration(C, r, A, sb, y4, v4, a4, acc)) return false;
  const h6 = h / 6;
  for (let i = 0; i < r; i++) {
    st(yo, i, ld(y, i) + h6 * (ld(v, i) + 2 * ld(v2, i) + 2 * ld(v3, i) + ld(v4, i)));
    st(vo, i, ld(v, i) + h6 * (ld(a1, i) + 2 * ld(a2, i) + 2 * ld(a3, i) + ld(a4, i)));
  }
  return true;
}

/** The unit whose pre-activation zb + M y has left its side by more than 1e-12 (largest first), or −1. */
function violated(P: i32, r: i32, zb: usize, M: usize, bits: usize, y: usize): i32 {
  let worst = 1e-12;
  let which = -1;
  for (let b = 0; b < P; b++) {
    let z = ld(zb, b);
    for (let k = 0; k < r; k++) z += ld(M, b * r + k) * ld(y, k);
    const v = bitOf(bits, b) ? -z : z;
    if (v > worst) {
      worst = v;
      which = b;
    }
  }
  return which;
}

/** σᵀF(p)σ with σ = A v, p = softmax(sb + Araw y): the squared DIM speed; the logits go to `s` (C f64). */
function speed2(C: i32, r: i32, A: usize, Araw: usize, sb: usize, y: usize, v: usize, s: usize): f64 {
  let mx = -Infinity;
  for (let c = 0; c < C; c++) {
    let t = ld(sb, c);
    for (let k = 0; k < r; k++) t += ld(Araw, c * r + k) * ld(y, k);
    st(s, c, t);
    mx = Math.max(mx, t);
  }
  let sum = 0.0;
  for (let c = 0; c < C; c++) sum += Math.exp(ld(s, c) - mx);
  let m1 = 0.0, m2 = 0.0;
  for (let c = 0; c < C; c++) {
    let sig = 0.0;
    for (let k = 0; k < r; k++) sig += ld(A, c * r + k) * ld(v, k);
    const pc = Math.exp(ld(s, c) - mx) / sum;
    m1 += pc * sig;
    m2 += pc * sig * sig;
  }
  return m2 - m1 * m1;
}

/**
 * Integrate the geodesic from (y, v) (r f64 each, in/out) inside ONE region (layout above) with RK4 steps
 * of h = min(step, maxLength − len), until an event, which it returns: GEO_CROSSING (the step was cut by
 * bisection at the first sign change; y, v are there, xPrev is the crossing point, state[5] the unit),
 * STOP_BOX (the step's end left [lo, hi], d f64 each, or lo = 0 for no box; y, v, len, steps include the
 * step, nothing is recorded), STOP_LENGTH (h ≤ 1e-15), STOP_VERTICES (kv ≥ maxVertices before a step),
 * GEO_DEGENERATE (G not positive definite), GEO_FLUSH (kb = cap before a step).
 * state (f64, in/out): [0] len (metric length), [1] Euclidean length (chords), [2] steps, [3] kv (vertices
 * of the whole path), [4] kb (vertices in the buffer), [5] the crossed unit (out).
 * A vertex is written to buffer slot kb (points cap×d: xb + Qᵀy; outs cap×C: sb + Araw y; params cap: len;
 * speed2 cap) after every step with steps % recordEvery = 0 or len ≥ maxLength − 1e-15, crossing steps
 * excepted (the host records those in the next region). xPrev (d f64, in/out): the last point.
 * `work`: geodesicWorkF64(d, C) f64 of scratch.
 */
export function geodesicSegmentF64(
  C: i32, r: i32, d: i32, P: i32, xb: usize, Q: usize, A: usize, Araw: usize, sb: usize, zb: usize, M: usize, bits: usize,
  y: usize, v: usize, xPrev: usize, h0: f64, maxLength: f64, recordEvery: i32, lo: usize, hi: usize, maxVertices: i32,
  cap: i32, points: usize, outs: usize, params: usize, speeds: usize, state: usize, work: usize,
): i32 {
  const rB = <usize>r << 3, dB = <usize>d * 8;
  const yn = work, vn = yn + rB, yp = vn + rB, vp = yp + rB, x = vp + rB, rw = x + dB;
  let len = ld(state, 0), eucl = ld(state, 1), steps = <i32>ld(state, 2);
  let kv = <i32>ld(state, 3), kb = <i32>ld(state, 4);
  let event = 0;
  while (true) {
    if (kv >= maxVertices) {
      event = STOP_VERTICES;
      break;
    }
    if (kb >= cap) {
      event = GEO_FLUSH;
      break;
    }
    const h = Math.min(h0, maxLength - len);
    if (h <= 1e-15) {
      event = STOP_LENGTH;
      break;
    }
    if (!rk4(C, r, A, sb, y, v, h, yn, vn, rw)) {
      event = GEO_DEGENERATE;
      break;
    }
    let hUsed = h;
    let crossed = violated(P, r, zb, M, bits, yn);
    if (crossed >= 0) {
      // Bisect the step length down to the first sign change.
      let a = 0.0, b = h;
      for (let it = 0; it < 60; it++) {
        const mid = (a + b) / 2;
        if (rk4(C, r, A, sb, y, v, mid, yp, vp, rw) && violated(P, r, zb, M, bits, yp) < 0) a = mid;
        else b = mid;
      }
      if (rk4(C, r, A, sb, y, v, b, yp, vp, rw)) crossed = violated(P, r, zb, M, bits, yp);
      if (!rk4(C, r, A, sb, y, v, a, yn, vn, rw)) {
        event = GEO_DEGENERATE;
        break;
      }
      hUsed = a;
    }
    memory.copy(y, yn, rB);
    memory.copy(v, vn, rB);
    len += hUsed;
    steps++;
    memory.copy(x, xb, dB);
    for (let k = 0; k < r; k++) axpyF64(ld(y, k), Q + <usize>k * dB, x, d);
    if (lo) {
      let inside = true;
      for (let i = 0; i < d; i++) {
        const xi = ld(x, i);
        if (!(xi >= ld(lo, i) && xi <= ld(hi, i))) {
          inside = false;
          break;
        }
      }
      if (!inside) {
        event = STOP_BOX;
        break;
      }
    }
    let e2 = 0.0;
    for (let i = 0; i < d; i++) {
      const t = ld(x, i) - ld(xPrev, i);
      e2 += t * t;
    }
    eucl += Math.sqrt(e2);
    memory.copy(xPrev, x, dB);
    if (crossed >= 0) {
      st(state, 5, <f64>crossed);
      event = GEO_CROSSING;
      break;
    }
    if (steps % recordEvery == 0 || len >= maxLength - 1e-15) {
      memory.copy(points + <usize>kb * dB, x, dB);
      const sp2 = speed2(C, r, A, Araw, sb, y, v, outs + <usize>kb * <usize>C * 8);
      st(params, kb, len);
      st(speeds, kb, sp2);
      kb++;
      kv++;
    }
  }
  st(state, 0, len);
  st(state, 1, eucl);
  st(state, 2, <f64>steps);
  st(state, 3, <f64>kv);
  st(state, 4, <f64>kb);
  return event;
}
