// Leaves of smooth (or mixed) dense networks in float64: classical RK4 with step-doubling control on the
// unit field F(x) = P_x(w) / ‖P_x(w)‖, P_x the projector onto the distribution at x (./leaf.ts: Jacobian,
// Gram–Schmidt basis, projection; network kernels in ./leafNet64), w the walking direction: target − x in
// target mode (evaluated at every stage), otherwise the direction of the previous accepted step (frozen
// during a step, so each step integrates a well-defined ODE).
// Step control: one RK4 step of h against two of h/2; their largest coordinate difference e estimates the
// local error. A step is accepted when e ≤ tol (the accepted point is the Richardson value x₂ + (x₂ − x₁)/15)
// and h is rescaled by clamp(0.9 (tol/e)^(1/5), 0.2, 4). The exact region-crossing walk of piecewise-linear
// networks is leafExactF64 (./leaf.ts); the outputs and stop codes here are the same.

import { fnv64 } from "./pattern";
import { STOP_BOX, STOP_LENGTH, STOP_NONFINITE, STOP_ORTHOGONAL, STOP_TARGET, STOP_VERTICES } from "./leafStop";
import { axpyF64 } from "./vector64";
import { lf, netForwardF64, netJacobianF64 } from "./leafNet64";
import { leafBasisF64, leafProjectF64 } from "./leaf";


/** f64 values of scratch `leafSmoothF64` needs (before the pattern words, which follow as u32). */
export function leafSmoothWorkF64(d: i32, units: i32, m: i32, maxWidth: i32): i32 {
  return 15 * d + 3 * units + 2 * m * maxWidth + m * d;
}

/** The walk's state: network, distribution and scratch pointers, set once per call by leafSmoothF64. */
let gNet: usize = 0, gLayers: i32 = 0, gD: i32 = 0, gTarget: i32 = 0, gKernel: i32 = 0, gCentre: i32 = 0;
let gRankTol: f64 = 0, gTgt: usize = 0, gWords: i32 = 0, gWalk: usize = 0;
let gZ: usize = 0, gA: usize = 0, gS: usize = 0, gG0: usize = 0, gG1: usize = 0, gQ: usize = 0, gBits: usize = 0;
let gWv: usize = 0, gP: usize = 0;
let gK1: usize = 0, gK2: usize = 0, gK3: usize = 0, gK4: usize = 0, gT: usize = 0;
/** Rank of the distribution at the last field evaluation. */
let gRank: i32 = 0;

/** The unit field at y (d f64) into f (d f64). Returns ‖P w‖ (f = 0 when it vanishes); sets gRank. */
function field(y: usize, f: usize): f64 {
  const d = gD;
  netForwardF64(gNet, gLayers, y, gZ, gA, gS, gBits, gWords, 0);
  const J = netJacobianF64(gNet, gLayers, gTarget, gS, gG0, gG1);
  gRank = leafBasisF64(<i32>lf(gNet, gTarget, 1), d, J, gCentre, gRankTol, gQ);
  if (gTgt) {
    for (let i = 0; i < d; i++) {
      const o = <usize>i << 3;
      store<f64>(gWv + o, load<f64>(gTgt + o) - load<f64>(y + o));
    }
  } else memory.copy(gWv, gWalk, <usize>d << 3);
  const pn = leafProjectF64(gRank, d, gQ, gWv, gKernel, gP);
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
 * The RK4 leaf of a dense network with smooth units from x0 (d f64). Arguments as leafExactF64 (./leaf.ts)
 * plus `step` (initial step length) and `tol` (accepted local error, max-norm); no `maxFlips`.
 * Outputs per vertex k < maxVertices: points (k×d f64), params (arc length), outs (k×mOut f64, last layer),
 * ranks (i32), hashes (u64 pattern hash at the vertex), cross (i32, always −1: no exact crossings here).
 * `status` (3 f64): stop reason, total length, 0. `work`: leafSmoothWorkF64(d, units, m, maxWidth) f64 then
 * `words` u32. Returns the vertex count.
 */
export function leafSmoothF64(
  net: usize, layers: i32, d: i32, target: i32, kernelMode: i32, centre: i32, rankTol: f64,
  x0: usize, dir: usize, tgt: usize, maxLength: f64, step0: f64, tol: f64, lo: usize, hi: usize,
  maxVertices: i32, points: usize, params: usize, outs: usize, ranks: usize, hashes: usize, cross: usize,
  words: i32, units: i32, maxWidth: i32, work: usize, status: usize,
): i32 {
  const dB = <usize>d * 8;
  const m = <i32>lf(net, target, 1);
  const mOut = <i32>lf(net, layers - 1, 1);
  gNet = net; gLayers = layers; gD = d; gTarget = target; gKernel = kernelMode; gCentre = centre;
  gRankTol = rankTol; gTgt = tgt; gWords = words;
  const x = work, w = x + dB, f0 = w + dB, one = f0 + dB, mid = one + dB, half = mid + dB, acc = half + dB, tmp = acc + dB;
  gWalk = w; gWv = tmp + dB; gP = gWv + dB;
  gK1 = gP + dB; gK2 = gK1 + dB; gK3 = gK2 + dB; gK4 = gK3 + dB; gT = gK4 + dB;
  gZ = gT + dB; gA = gZ + (<usize>units << 3); gS = gA + (<usize>units << 3);
  gG0 = gS + (<usize>units << 3); gG1 = gG0 + <usize>m * <usize>maxWidth * 8;
  gQ = gG1 + <usize>m * <usize>maxWidth * 8; gBits = gQ + <usize>m * dB;

  memory.copy(x, x0, dB);
  memory.copy(w, dir, dB);
  let len = 0.0, kv = 0, reason = STOP_LENGTH;
  let h = Math.min(step0, maxLength);
  record(x, 0, 0, points, params, outs, ranks, hashes, cross, mOut, f0);
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
        record(x, kv, len, points, params, outs, ranks, hashes, cross, mOut, f0);
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
    record(x, kv, len, points, params, outs, ranks, hashes, cross, mOut, f0);
    if (step >= hMax - 1e-15 * maxLength && limit != STOP_LENGTH) { reason = limit; break; }
  }
  store<f64>(status, <f64>reason);
  store<f64>(status + 8, len);
  store<f64>(status + 16, 0);
  return kv + 1;
}

/** Vertex kv at x: point, arc length, last-layer outputs, pattern hash, cross = −1 and the rank there. */
function record(x: usize, kv: i32, len: f64, points: usize, params: usize, outs: usize, ranks: usize, hashes: usize, cross: usize, mOut: i32, f: usize): void {
  const dB = <usize>gD * 8;
  const last = netForwardF64(gNet, gLayers, x, gZ, gA, gS, gBits, gWords, 0);
  memory.copy(points + <usize>kv * dB, x, dB);
  store<f64>(params + (<usize>kv << 3), len);
  memory.copy(outs + <usize>kv * <usize>mOut * 8, last, <usize>mOut * 8);
  store<u64>(hashes + (<usize>kv << 3), fnv64(gBits, gWords, 0xcbf29ce484222325));
  store<i32>(cross + (<usize>kv << 2), -1);
  field(x, f);
  store<i32>(ranks + (<usize>kv << 2), gRank);
}
