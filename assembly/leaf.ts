// Leaves of the DIM foliation in float64: the distribution basis at a point and the exact region-crossing
// leaf walk for piecewise-linear dense networks (the network kernels are in ./leafNet64).
//
// The leaf distributions at x, with J the Jacobian of the target layer (m×d):
//   centre = 1 (the DIM, target = logits): R = (I − 11ᵀ/m) J, whose row space is Jᵀ S = Im D;
//   centre = 0 (a pullback metric g = JᵀJ): R = J, row space = Im g.
// Q (r×d) is an orthonormal basis of the row space of R (modified Gram–Schmidt, twice, with a relative
// tolerance); r is the rank of D (or g). Data distribution: QᵀQ; kernel: I − QᵀQ.

import { fnv64 } from "./pattern";
import { STOP_BOX, STOP_LENGTH, STOP_NONFINITE, STOP_ORTHOGONAL, STOP_TARGET, STOP_TRAPPED, STOP_VERTICES } from "./leafStop";
import { axpyF64, dotF64 } from "./vector64";
import { bitOf, bitsBefore, flipBit, layerOfBit, lf, netApplyPatternF64, unitsBefore, netForwardF64, netJacobianF64, netTangentF64, netUnitGradientF64 } from "./leafNet64";

/**
 * Orthonormal basis Q (r×d f64, rows) of the row space of J (m×d f64; rows centred first when `centre`,
 * J is overwritten). A row is kept when its residual after two Gram–Schmidt sweeps exceeds
 * rankTol × the largest row norm of (centred) J. Returns r.
 */
export function leafBasisF64(m: i32, d: i32, J: usize, centre: i32, rankTol: f64, Q: usize): i32 {
  const rowBytes = <usize>d * 8;
  if (centre) {
    for (let k = 0; k < d; k++) {
      let mean = 0.0;
      for (let i = 0; i < m; i++) mean += load<f64>(J + <usize>i * rowBytes + (<usize>k << 3));
      mean /= m;
      for (let i = 0; i < m; i++) {
        const p = J + <usize>i * rowBytes + (<usize>k << 3);
        store<f64>(p, load<f64>(p) - mean);
      }
    }
  }
  let maxNorm = 0.0;
  for (let i = 0; i < m; i++) maxNorm = Math.max(maxNorm, Math.sqrt(dotF64(J + <usize>i * rowBytes, J + <usize>i * rowBytes, d)));
  if (maxNorm == 0) return 0;
  let r = 0;
  for (let i = 0; i < m; i++) {
    const q = Q + <usize>r * rowBytes;
    memory.copy(q, J + <usize>i * rowBytes, rowBytes);
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < r; j++) {
        const qj = Q + <usize>j * rowBytes;
        axpyF64(-dotF64(qj, q, d), qj, q, d);
      }
    }
    const nrm = Math.sqrt(dotF64(q, q, d));
    if (nrm > rankTol * maxNorm) {
      const inv = 1 / nrm;
      for (let k = 0; k < d; k++) store<f64>(q + (<usize>k << 3), load<f64>(q + (<usize>k << 3)) * inv);
      r++;
    }
  }
  return r;
}

/** out = QᵀQ w (kernel = 0) or w − QᵀQ w (kernel = 1); Q is r×d. Returns ‖out‖. */
export function leafProjectF64(r: i32, d: i32, Q: usize, w: usize, kernel: i32, out: usize): f64 {
  const rowBytes = <usize>d * 8;
  if (kernel) memory.copy(out, w, rowBytes);
  else for (let k = 0; k < d; k++) store<f64>(out + (<usize>k << 3), 0);
  for (let j = 0; j < r; j++) {
    const qj = Q + <usize>j * rowBytes;
    const c = dotF64(qj, w, d);
    axpyF64(kernel ? -c : c, qj, out, d);
  }
  return Math.sqrt(dotF64(out, out, d));
}

/**
 * Rank-1 update of the Jacobian Jr (m×d, layer `target`'s output) for flipping the relu/leakyRelu unit with
 * pattern bit `bit` (its derivative changes by δ = s_new − s_old = ±(1 − slope)); s holds the derivatives
 * before the flip: Jr += δ · (∂out/∂a_unit) ⊗ ∇z_unit. The column ∂out/∂a_unit is a forward tangent from
 * the unit through the layers above it up to `target`; ∇z_unit comes from netUnitGradientF64.
 * `g`, `h`, `grad`: scratch of the widest layer (f64 each; ∇z_unit ends in grad). Returns 0 if the unit is above `target` (J unchanged).
 */
export function leafFlipUpdateF64(net: usize, layers: i32, target: i32, bit: i32, s: usize, Jr: usize, g: usize, h: usize, grad: usize): i32 {
  const layer = layerOfBit(net, layers, bit);
  if (layer < 0 || layer > target) return 0;
  const unit = unitsBefore(net, layer);
  const j = bit - bitsBefore(net, layer);
  const d = <i32>lf(net, 0, 0);
  const act = <i32>lf(net, layer, 2);
  const slope = act == 1 ? 0.0 : lf(net, layer, 5);
  const on = load<f64>(s + (<usize>(unit + j) << 3)) == 1.0 && slope != 1.0;
  const delta = on ? slope - 1.0 : 1.0 - slope;
  // Column of ∂out/∂a_(layer, j): v = e_j, then v ← s_k ⊙ (W_k v) for k = layer+1..target.
  let m = <i32>lf(net, layer, 1);
  for (let i = 0; i < m; i++) store<f64>(g + (<usize>i << 3), i == j ? 1.0 : 0.0);
  let off = unit + m; // first unit of layer + 1
  for (let k = layer + 1; k <= target; k++) {
    const nIn = <i32>lf(net, k, 0), nOut = <i32>lf(net, k, 1), ak = <i32>lf(net, k, 2);
    const W = <usize>lf(net, k, 3);
    for (let o = 0; o < nOut; o++) {
      let v = dotF64(W + <usize>o * <usize>nIn * 8, g, nIn);
      if (ak != 0) v *= load<f64>(s + (<usize>(off + o) << 3));
      store<f64>(h + (<usize>o << 3), v);
    }
    memory.copy(g, h, <usize>nOut * 8);
    off += nOut;
    m = nOut;
  }
  netUnitGradientF64(net, layers, bit, s, h, grad, grad); // h and grad as scratch; ∇z_unit ends in grad
  for (let i = 0; i < m; i++) {
    const c = delta * load<f64>(g + (<usize>i << 3));
    if (c != 0) axpyF64(c, grad, Jr + <usize>i * <usize>d * 8, d);
  }
  return 1;
}

/** f64 values of scratch `leafExactF64` needs (before the pattern words, which follow as u32). */
export function leafWorkF64(d: i32, units: i32, m: i32, maxWidth: i32): i32 {
  return 6 * d + 5 * units + 2 * m * maxWidth + 2 * m * d + 3 * maxWidth;
}

/** Rank-1 Jacobian updates between full recomputations in leafExactF64. */
const REFRESH = 32;

/**
 * The exact leaf of a piecewise-linear dense network from x0. Inside a region the pattern is frozen, J
 * (and so the distribution) is constant, the path is the straight segment x + t u with u the unit
 * projection of the walking direction, and every relu/leakyRelu pre-activation is affine in t
 * (z + t·dz), so the first crossing t = −z/dz is solved in closed form. The walk moves there, flips that
 * unit's bit and continues with the direction projected onto the next region's distribution.
 * Walking direction: `tgt` ≠ 0: target − x (re-projected per region, and the segment ends at the
 * piece's closest point to the target); else the previous segment's direction (first: `dir`).
 * `lo`/`hi` (d f64 each, or 0): the box; the walk stops where it leaves it. At most `maxFlips`
 * consecutive zero-length flips (a boundary the distribution folds back at) stop it as trapped.
 * Outputs per vertex k < maxVertices: points (k×d), params (arc length), outs (k×mOut, last layer),
 * ranks (i32), hashes (u64, region of the segment leaving the vertex; for the last vertex, the region
 * the walk would continue in), cross (i32: bit index of the unit crossed to reach the vertex, −1).
 * `status` (3 f64): stop reason, total length, folds (reflections at boundaries). Returns the vertex count.
 */
export function leafExactF64(
  net: usize, layers: i32, d: i32, target: i32, kernelMode: i32, centre: i32, rankTol: f64,
  x0: usize, dir: usize, tgt: usize, maxLength: f64, lo: usize, hi: usize, maxFlips: i32,
  maxVertices: i32, points: usize, params: usize, outs: usize, ranks: usize, hashes: usize, cross: usize,
  words: i32, units: i32, maxWidth: i32, work: usize, status: usize,
): i32 {
  const dB = <usize>d * 8;
  const m = <i32>lf(net, target, 1);
  const mOut = <i32>lf(net, layers - 1, 1);
  const x = work, u = x + dB, w = u + dB, pw = w + dB;
  const z = pw + dB, a = z + (<usize>units << 3), s = a + (<usize>units << 3);
  const dz = s + (<usize>units << 3), da = dz + (<usize>units << 3);
  const g0 = da + (<usize>units << 3), g1 = g0 + <usize>m * <usize>maxWidth * 8;
  const Q = g1 + <usize>m * <usize>maxWidth * 8;
  const nrm = Q + <usize>m * dB, nP = nrm + dB;
  const Jr = nP + dB, gv = Jr + <usize>m * dB, hv = gv + <usize>maxWidth * 8, grad = hv + <usize>maxWidth * 8;
  const bits = grad + <usize>maxWidth * 8;
  // The Jacobian is kept across vertices and updated by rank-1 terms at each flip (leafFlipUpdateF64),
  // recomputed in full every REFRESH updates (and at the start) to bound the round-off drift.
  let updates = REFRESH;

  memory.copy(x, x0, dB);
  memory.copy(u, dir, dB);
  let len = 0.0;
  let k = 0;
  let reason = STOP_LENGTH;
  let flips = 0;
  let folds = 0;
  let lastCross = -1;
  let gradBit = -1; // the pattern bit whose pre-activation gradient `grad` holds
  netForwardF64(net, layers, x, z, a, s, bits, words, 0);
  const lastOff = a + (<usize>(units - mOut) << 3);
  while (true) {
    // Vertex k: the current point, with the region the walk continues in. Between refreshes the values
    // come from z ← z + t·dz along each segment (exact: z is affine there) and the pattern, in O(U).
    let last = lastOff;
    if (updates >= REFRESH) last = netForwardF64(net, layers, x, z, a, s, bits, words, 1);
    else netApplyPatternF64(net, layers, z, a, s, bits);
    memory.copy(points + <usize>k * dB, x, dB);
    store<f64>(params + (<usize>k << 3), len);
    memory.copy(outs + <usize>k * <usize>mOut * 8, last, <usize>mOut * 8);
    store<i32>(cross + (<usize>k << 2), lastCross);
    store<u64>(hashes + (<usize>k << 3), fnv64(bits, words, 0xcbf29ce484222325));
    if (updates >= REFRESH) {
      memory.copy(Jr, netJacobianF64(net, layers, target, s, g0, g1), <usize>m * dB);
      updates = 0;
    }
    const J = g0;
    memory.copy(J, Jr, <usize>m * dB);
    const r = leafBasisF64(m, d, J, centre, rankTol, Q);
    store<i32>(ranks + (<usize>k << 2), r);
    if (!isFinite(len) || !isFinite(load<f64>(last))) {
      reason = STOP_NONFINITE;
      break;
    }
    if (k == maxVertices - 1) {
      reason = STOP_VERTICES;
      break;
    }
    let tMax = maxLength - len;
    if (tMax <= 0) {
      reason = STOP_LENGTH;
      break;
    }
    if (tgt) for (let i = 0; i < d; i++) store<f64>(w + (<usize>i << 3), load<f64>(tgt + (<usize>i << 3)) - load<f64>(x + (<usize>i << 3)));
    else memory.copy(w, u, dB);
    const wn = Math.sqrt(dotF64(w, w, d));
    const pn = leafProjectF64(r, d, Q, w, kernelMode, pw);
    if (!(pn > 1e-12 * wn) || pn < 1e-300) {
      reason = tgt && wn < 1e-12 ? STOP_TARGET : STOP_ORTHOGONAL;
      break;
    }
    for (let i = 0; i < d; i++) store<f64>(pw + (<usize>i << 3), load<f64>(pw + (<usize>i << 3)) / pn); // the step's unit direction
    let limit = STOP_LENGTH;
    if (tgt && pn < tMax) {
      tMax = pn;
      limit = STOP_TARGET;
    }
    if (lo) {
      for (let i = 0; i < d; i++) {
        const ui = load<f64>(pw + (<usize>i << 3)), xi = load<f64>(x + (<usize>i << 3));
        let t = Infinity;
        if (ui > 0) t = (load<f64>(hi + (<usize>i << 3)) - xi) / ui;
        else if (ui < 0) t = (load<f64>(lo + (<usize>i << 3)) - xi) / ui;
        if (t < tMax) {
          tMax = Math.max(t, 0);
          limit = STOP_BOX;
        }
      }
    }
    netTangentF64(net, layers, pw, s, dz, da);
    // The unit just crossed must move into its new side; when the projected direction heads back (the
    // distribution folds at this boundary), reflect it across the boundary inside the distribution:
    // u' = u − 2 (n_P·u / ‖n_P‖²) n_P, n the unit's gradient, n_P its projection (n·u' = −n·u, ‖u'‖ = 1).
    let haveNormal = false;
    if (lastCross >= 0 && flips == 0) {
      if (gradBit == lastCross) {
        memory.copy(nrm, grad, dB); // ∇z does not depend on the unit's own state: the flip update's one
        haveNormal = true;
      } else haveNormal = netUnitGradientF64(net, layers, lastCross, s, g0, g1, nrm) != 0;
    }
    let tangentBit = -1;
    if (haveNormal) {
      const on = bitOf(bits, lastCross);
      const dn = dotF64(nrm, pw, d);
      if (Math.abs(dn) <= 1e-10 * Math.sqrt(dotF64(nrm, nrm, d))) {
        tangentBit = lastCross; // moving along the boundary (e.g. in ker g of the unit's own layer): no crossing
      } else if ((on && dn < 0) || (!on && dn > 0)) {
        const nn = leafProjectF64(r, d, Q, nrm, kernelMode, nP);
        if (nn > 1e-12 * Math.sqrt(dotF64(nrm, nrm, d))) {
          axpyF64(-2 * dn / (nn * nn), nP, pw, d);
          folds++;
          netTangentF64(net, layers, pw, s, dz, da);
        }
      }
    }
    // The first pre-activation to change sign along x + t u.
    let tCross = Infinity;
    let jCross = -1;
    let unit = 0, bit = 0;
    for (let l = 0; l < layers; l++) {
      const nOut = <i32>lf(net, l, 1), act = <i32>lf(net, l, 2);
      if (act == 1 || act == 2) {
        for (let j = 0; j < nOut; j++) {
          const o = <usize>(unit + j) << 3;
          const zj = load<f64>(z + o), dj = load<f64>(dz + o);
          let t = Infinity;
          if (bit + j == tangentBit) {
            // stays on its boundary
          } else if (bitOf(bits, bit + j)) {
            if (dj < 0) t = Math.max(zj, 0) / -dj;
          } else if (dj > 0) t = Math.max(-zj, 0) / dj;
          if (t < tCross) {
            tCross = t;
            jCross = bit + j;
          }
        }
        bit += nOut;
      }
      unit += nOut;
    }
    if (jCross >= 0 && tCross <= 1e-13 * (1 + Math.sqrt(dotF64(x, x, d)))) {
      // On the boundary already and leaving this region at once: switch to the neighbour without moving.
      const done = leafFlipUpdateF64(net, layers, target, jCross, s, Jr, gv, hv, grad);
      updates += done;
      gradBit = done ? jCross : -1;
      flipBit(bits, jCross);
      lastCross = jCross;
      if (++flips > maxFlips) {
        reason = STOP_TRAPPED;
        break;
      }
      continue; // u, the walking direction, stays the one that reached the boundary

    }
    const crossing = tCross < tMax;
    const t = crossing ? tCross : tMax;
    axpyF64(t, pw, x, d);
    axpyF64(t, dz, z, units);
    memory.copy(u, pw, dB);
    len += t;
    k++;
    if (crossing) {
      const done = leafFlipUpdateF64(net, layers, target, jCross, s, Jr, gv, hv, grad);
      updates += done;
      gradBit = done ? jCross : -1;
      flipBit(bits, jCross);
      lastCross = jCross;
      flips = 0;
    } else {
      lastCross = -1;
      // Record the final vertex and stop.
      const lastOut = netForwardF64(net, layers, x, z, a, s, bits, words, 1);
      memory.copy(points + <usize>k * dB, x, dB);
      store<f64>(params + (<usize>k << 3), len);
      memory.copy(outs + <usize>k * <usize>mOut * 8, lastOut, <usize>mOut * 8);
      store<i32>(cross + (<usize>k << 2), -1);
      store<u64>(hashes + (<usize>k << 3), fnv64(bits, words, 0xcbf29ce484222325));
      const J2 = netJacobianF64(net, layers, target, s, g0, g1);
      store<i32>(ranks + (<usize>k << 2), leafBasisF64(m, d, J2, centre, rankTol, Q));
      reason = limit;
      break;
    }
  }
  store<f64>(status, <f64>reason);
  store<f64>(status + 8, len);
  store<f64>(status + 16, <f64>folds);
  return k + 1;
}
