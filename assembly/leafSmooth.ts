// Leaves of smooth (or mixed) networks in float64 on the compiled network: classical RK4 with step-doubling
// control on the unit field F(x) = P_x(w) / ‖P_x(w)‖, P_x the projector onto the distribution at x (./leaf.ts:
// Jacobian by netVjp, Gram–Schmidt basis, projection), w the walking direction: target − x in target mode
// (evaluated at every stage), otherwise the direction of the previous accepted step (frozen during a step, so
// each step integrates a well-defined ODE).
// Step control: one RK4 step of h against two of h/2; their largest coordinate difference e estimates the
// local error. A step is accepted when e ≤ tol (the accepted point is the Richardson value x₂ + (x₂ − x₁)/15)
// and h is rescaled by clamp(0.9 (tol/e)^(1/5), 0.2, 4). The exact region-crossing walk of piecewise-linear
// networks is leafExactF64 (./leaf.ts); the descriptor (./leafStop.ts), outputs and stop codes are the same.

import {
  LW_CENTRE, LW_DIR, LW_HI, LW_KERNEL, LW_LO, LW_MAX_LENGTH, LW_MAX_VERTICES, LW_NET, LW_RANK_TOL, LW_RANKS, LW_STATUS, LW_STEP,
  LW_TARGET, LW_TGT, LW_TOL, LW_WORK, LW_X0,
  STOP_BOX, STOP_LENGTH, STOP_NONFINITE, STOP_ORTHOGONAL, STOP_TARGET, STOP_VERTICES,
} from "./leafStop";
import { axpyF64 } from "./vector64";
import { netForward } from "./graph/network";
import { NET_INPUT_SIZE } from "./graph/opcodes";
import { distributionBasis, ldw, leafProjectF64, leafWorkBytes, netWord, nodeSize, pointState, recordVertex, PointState } from "./leaf";

/** Bytes of scratch `leafSmoothF64` needs: the point state and 14 vectors of d f64. */
export function leafSmoothWorkBytes(net: usize, m: i32): usize {
  return leafWorkBytes(net, m) + 14 * (<usize>netWord(net, NET_INPUT_SIZE) * 8 + 16);
}

/** The walk's state: network, distribution and scratch pointers, set once per call by leafSmoothF64. */
let gNet: usize = 0, gDesc: usize = 0, gD: i32 = 0, gTarget: i32 = 0, gM: i32 = 0, gKernel: i32 = 0, gCentre: i32 = 0;
let gRankTol: f64 = 0, gTgt: usize = 0, gWalk: usize = 0;
let gS: PointState = changetype<PointState>(0);
let gWv: usize = 0, gP: usize = 0;
let gK1: usize = 0, gK2: usize = 0, gK3: usize = 0, gK4: usize = 0, gT: usize = 0;
/** Rank of the distribution at the last field evaluation. */
let gRank: i32 = 0;

/** The unit field at y (d f64) into f (d f64). Returns ‖P w‖ (f = 0 when it vanishes); sets gRank. */
function field(y: usize, f: usize): f64 {
  const d = gD;
  netForward<f64>(gNet, y, 1, gS.values, gS.pre, gS.argmax);
  gRank = distributionBasis(gNet, gS, gTarget, gM, gCentre, gRankTol);
  if (gTgt) {
    for (let i = 0; i < d; i++) {
      const o = <usize>i << 3;
      store<f64>(gWv + o, load<f64>(gTgt + o) - load<f64>(y + o));
    }
  } else memory.copy(gWv, gWalk, <usize>d << 3);
  const pn = leafProjectF64(gRank, d, gS.Q, gWv, gKernel, gP);
  const inv = pn > 0 ? 1 / pn : 0;
  for (let i = 0; i < d; i++) store<f64>(f + (<usize>i << 3), load<f64>(gP + (<usize>i << 3)) * inv);
  return pn;
}

/** out = y + a·u (d f64 each; out ≠ y, u). */
// @ts-ignore: decorator
@inline function combine(out: usize, y: usize, a: f64, u: usize, d: i32): void {
  memory.copy(out, y, <usize>d << 3);
  axpyF64(a, u, out, d);
}

/** One classical RK4 step of length h from y into out (out ≠ y). */
function rk4(y: usize, h: f64, out: usize): void {
  const d = gD;
  field(y, gK1);
  combine(gT, y, h / 2, gK1, d);
  field(gT, gK2);
  combine(gT, y, h / 2, gK2, d);
  field(gT, gK3);
  combine(gT, y, h, gK3, d);
  field(gT, gK4);
  for (let i = 0; i < d; i++) {
    const o = <usize>i << 3;
    store<f64>(out + o, load<f64>(y + o) + (h / 6) * (load<f64>(gK1 + o) + 2 * load<f64>(gK2 + o) + 2 * load<f64>(gK3 + o) + load<f64>(gK4 + o)));
  }
}

function inBox(y: usize, lo: usize, hi: usize, d: i32): bool {
  if (!lo) return true;
  for (let i = 0; i < d; i++) {
    const o = <usize>i << 3;
    const v = load<f64>(y + o);
    if (!(v >= load<f64>(lo + o) && v <= load<f64>(hi + o))) return false;
  }
  return true;
}

/**
 * The RK4 leaf of a network with smooth units, described by `desc` (LW_* slots as leafExactF64, plus LW_STEP,
 * the initial step length, and LW_TOL, the accepted local error in the max-norm; LW_MAX_FLIPS unused;
 * LW_WORK: leafSmoothWorkBytes(net, m)). Outputs per vertex as leafExactF64, with cross always −1 (no exact
 * crossings here) and the pattern hash at the vertex; status: stop reason, length, 0. Returns the vertex count.
 */
export function leafSmoothF64(desc: usize): i32 {
  const net = <usize>ldw(desc, LW_NET);
  const d = netWord(net, NET_INPUT_SIZE), dB = <usize>d * 8;
  const target = <i32>ldw(desc, LW_TARGET);
  const m = nodeSize(net, target);
  const tgt = <usize>ldw(desc, LW_TGT), lo = <usize>ldw(desc, LW_LO), hi = <usize>ldw(desc, LW_HI);
  const maxLength = ldw(desc, LW_MAX_LENGTH), maxVertices = <i32>ldw(desc, LW_MAX_VERTICES);
  const step0 = ldw(desc, LW_STEP), tol = ldw(desc, LW_TOL);
  const ranks = <usize>ldw(desc, LW_RANKS), status = <usize>ldw(desc, LW_STATUS);
  const work = <usize>ldw(desc, LW_WORK);
  gNet = net; gDesc = desc; gD = d; gTarget = target; gM = m; gKernel = <i32>ldw(desc, LW_KERNEL); gCentre = <i32>ldw(desc, LW_CENTRE);
  gRankTol = ldw(desc, LW_RANK_TOL); gTgt = tgt;
  gS = pointState(net, m, work);
  const vb = dB + 16; // vectors, 16-byte aligned
  const v0 = work + leafWorkBytes(net, m);
  const x = gS.x, w = v0, f0 = w + vb, one = f0 + vb, mid = one + vb, half = mid + vb, acc = half + vb, tmp = acc + vb;
  gWalk = w; gWv = tmp + vb; gP = gWv + vb;
  gK1 = gP + vb; gK2 = gK1 + vb; gK3 = gK2 + vb; gK4 = gK3 + vb; gT = gK4 + vb;
  const x0 = <usize>ldw(desc, LW_X0), dir = <usize>ldw(desc, LW_DIR);

  memory.copy(x, x0, dB);
  memory.copy(w, dir, dB);
  let len = 0.0, kv = 0, reason = STOP_LENGTH;
  let h = Math.min(step0, maxLength);
  record(x, 0, 0, ranks, f0);
  while (true) {
    if (kv == maxVertices - 1) { reason = STOP_VERTICES; break; }
    const remaining = maxLength - len;
    if (remaining <= 1e-15 * maxLength) { reason = STOP_LENGTH; break; }
    const pn = field(x, f0);
    let wn = 1.0;
    if (tgt) {
      wn = 0;
      for (let i = 0; i < d; i++) {
        const di = load<f64>(tgt + (<usize>i << 3)) - load<f64>(x + (<usize>i << 3));
        wn += di * di;
      }
      wn = Math.sqrt(wn);
    }
    if (!(pn > 1e-12 * wn)) { reason = tgt && wn < 1e-9 ? STOP_TARGET : STOP_ORTHOGONAL; break; }
    let limit = STOP_LENGTH;
    let hMax = remaining;
    if (tgt && pn < hMax) { hMax = pn; limit = STOP_TARGET; }
    let step = Math.min(h, hMax);
    let accepted = false;
    for (let tries = 0; tries < 60; tries++) {
      rk4(x, step, one);
      rk4(x, step / 2, mid);
      rk4(mid, step / 2, half);
      let e = 0.0;
      for (let i = 0; i < d; i++) {
        const o = <usize>i << 3;
        e = Math.max(e, Math.abs(load<f64>(half + o) - load<f64>(one + o)));
      }
      if (!isFinite(e)) { step /= 4; continue; }
      const scale = Math.min(4, Math.max(0.2, 0.9 * Math.pow(tol / Math.max(e, 1e-300), 0.2)));
      if (e <= tol) {
        for (let i = 0; i < d; i++) {
          const o = <usize>i << 3;
          const v = load<f64>(half + o);
          store<f64>(acc + o, v + (v - load<f64>(one + o)) / 15);
        }
        h = step * scale;
        accepted = true;
        break;
      }
      step *= scale;
    }
    let finite = accepted;
    for (let i = 0; finite && i < d; i++) finite = isFinite(load<f64>(acc + (<usize>i << 3)));
    if (!finite) { reason = STOP_NONFINITE; break; }
    if (!inBox(acc, lo, hi, d)) {
      // Shrink towards the box face (bisection on the step length), then stop there.
      let a = 0.0, c = step;
      for (let it = 0; it < 50; it++) {
        const mt = (a + c) / 2;
        rk4(x, mt, tmp);
        if (inBox(tmp, lo, hi, d)) a = mt;
        else c = mt;
      }
      if (a > 0) {
        rk4(x, a, tmp);
        memory.copy(x, tmp, dB);
        len += a;
        kv++;
        record(x, kv, len, ranks, f0);
      }
      reason = STOP_BOX;
      break;
    }
    // The next walking direction: the chord of the accepted step, normalised.
    let wn2 = 0.0;
    for (let i = 0; i < d; i++) {
      const o = <usize>i << 3;
      const v = (load<f64>(acc + o) - load<f64>(x + o)) / step;
      store<f64>(w + o, v);
      wn2 += v * v;
    }
    wn2 = Math.sqrt(wn2);
    for (let i = 0; i < d; i++) store<f64>(w + (<usize>i << 3), load<f64>(w + (<usize>i << 3)) / wn2);
    memory.copy(x, acc, dB);
    len += step;
    kv++;
    record(x, kv, len, ranks, f0);
    if (step >= hMax - 1e-15 * maxLength && limit != STOP_LENGTH) { reason = limit; break; }
  }
  store<f64>(status, <f64>reason);
  store<f64>(status + 8, len);
  store<f64>(status + 16, 0);
  return kv + 1;
}

/** Vertex kv at x (gS.x): point, arc length, outputs, pattern hash, cross = −1 and the rank there (f: scratch). */
function record(x: usize, kv: i32, len: f64, ranks: usize, f: usize): void {
  netForward<f64>(gNet, x, 1, gS.values, gS.pre, gS.argmax);
  recordVertex(gNet, gDesc, gS, kv, len, -1);
  field(x, f);
  store<i32>(ranks + (<usize>kv << 2), gRank);
}
