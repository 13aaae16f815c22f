// Leaves of the DIM foliation in float64 on the compiled network (assembly/graph/network.ts): the distribution
// basis at a point and the exact region-crossing leaf walk for piecewise-linear networks (dense, conv, pooling,
// batchNorm, add, concat; relu/leakyRelu/linear activations).
//
// The leaf distributions at x, with J the Jacobian of the target node (m×d):
//   centre = 1 (the DIM, target = logits): R = (I − 11ᵀ/m) J, whose row space is Jᵀ S = Im D;
//   centre = 0 (a pullback metric g = JᵀJ): R = J, row space = Im g.
// Q (r×d) is an orthonormal basis of the row space of R (modified Gram–Schmidt, twice, with a relative
// tolerance); r is the rank of D (or g). Data distribution: QᵀQ; kernel: I − QᵀQ.

import {
  LW_CENTRE, LW_CROSS, LW_DIR, LW_HASHES, LW_HI, LW_KERNEL, LW_LO, LW_MAX_FLIPS, LW_MAX_LENGTH, LW_MAX_VERTICES, LW_NET, LW_OUTS,
  LW_PARAMS, LW_POINTS, LW_RANK_TOL, LW_RANKS, LW_STATUS, LW_TARGET, LW_TGT, LW_WORK, LW_X0,
  STOP_BOX, STOP_LENGTH, STOP_NONFINITE, STOP_ORTHOGONAL, STOP_TARGET, STOP_TRAPPED, STOP_VERTICES,
} from "./leafStop";
import { axpyF64, dotF64, projectOutRowsF64 } from "./vector64";
import { netCrossing, netForward, netHash, netJvp, netPattern, netVjp, netVjpWorkBytes } from "./graph/network";
import { netBoundaryNormal, netChoice, netEnterSide, netField, netNormalWorkBytes, netResolveTies, netUnitCode } from "./graph/paths";
import { F_OUT_SIZE, F_PRE_OFFSET, F_VALUE_OFFSET, NET_ARG_SIZE, NET_INPUT_SIZE, NET_OUTPUT_NODE, NET_PATTERN_WORDS, NET_PRE_SIZE, NET_VALUE_SIZE } from "./graph/opcodes";

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
    projectOutRowsF64(r, d, Q, q);
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

// @ts-ignore: decorator
@inline export function ldw(desc: usize, slot: i32): f64 {
  return load<f64>(desc + (<usize>slot << 3));
}

// @ts-ignore: decorator
@inline export function netWord(net: usize, f: i32): i32 {
  return load<i32>(net + (<usize>f << 2));
}

// @ts-ignore: decorator
@inline function align16(n: usize): usize {
  return (n + 15) & ~15;
}

/** Output size of compiled node k (k < 0: the input). */
export function nodeSize(net: usize, k: i32): i32 {
  return k < 0 ? netWord(net, NET_INPUT_SIZE) : netField(net, k, F_OUT_SIZE);
}

/**
 * One point's state on the compiled network, carved from a work block (all f64 unless noted): x, u, w, pw, nrm,
 * nP (d each), values (valueSize), pre (preSize), argmax (argSize i32), tan (valueSize), tanPre (preSize),
 * J, Q (m×d each), bits (patternWords u32), unit (4 i32), normal scratch, VJP scratch for m rows.
 */
@unmanaged export class PointState {
  x: usize; u: usize; w: usize; pw: usize; nrm: usize; nP: usize;
  values: usize; pre: usize; argmax: usize; tan: usize; tanPre: usize;
  J: usize; Q: usize; bits: usize; unit: usize; normalWork: usize; vjpWork: usize;
}

/** Bytes of scratch a walk needs on `net` with a target of m outputs (a PointState and its arrays). */
export function leafWorkBytes(net: usize, m: i32): usize {
  const d = <usize>netWord(net, NET_INPUT_SIZE);
  const vs = <usize>netWord(net, NET_VALUE_SIZE), ps = <usize>netWord(net, NET_PRE_SIZE), as = <usize>netWord(net, NET_ARG_SIZE);
  return align16(offsetof<PointState>()) + 6 * align16(d * 8) + 2 * align16(vs * 8) + 2 * align16(ps * 8) + align16(as * 4)
    + 2 * align16(<usize>m * d * 8) + align16(<usize>netWord(net, NET_PATTERN_WORDS) * 4) + 16
    + align16(netNormalWorkBytes<f64>(net)) + netVjpWorkBytes<f64>(net, max(m, 1));
}

/** Lay a PointState out in `work` (leafWorkBytes(net, m) bytes). */
export function pointState(net: usize, m: i32, work: usize): PointState {
  const d = <usize>netWord(net, NET_INPUT_SIZE);
  const vs = <usize>netWord(net, NET_VALUE_SIZE), ps = <usize>netWord(net, NET_PRE_SIZE), as = <usize>netWord(net, NET_ARG_SIZE);
  const s = changetype<PointState>(work);
  let p = work + align16(offsetof<PointState>());
  s.x = p; p += align16(d * 8);
  s.u = p; p += align16(d * 8);
  s.w = p; p += align16(d * 8);
  s.pw = p; p += align16(d * 8);
  s.nrm = p; p += align16(d * 8);
  s.nP = p; p += align16(d * 8);
  s.values = p; p += align16(vs * 8);
  s.pre = p; p += align16(ps * 8);
  s.argmax = p; p += align16(as * 4);
  s.tan = p; p += align16(vs * 8);
  s.tanPre = p; p += align16(ps * 8);
  s.J = p; p += align16(<usize>m * d * 8);
  s.Q = p; p += align16(<usize>m * d * 8);
  s.bits = p; p += align16(<usize>netWord(net, NET_PATTERN_WORDS) * 4);
  s.unit = p; p += 16;
  s.normalWork = p; p += align16(netNormalWorkBytes<f64>(net));
  s.vjpWork = p;
  return s;
}

/** The rank and basis Q of the distribution at the state's frozen pattern (J of node `target`, m×d). */
export function distributionBasis(net: usize, s: PointState, target: i32, m: i32, centre: i32, rankTol: f64): i32 {
  netVjp<f64>(net, s.values, s.pre, s.argmax, m, target, 0, s.J, s.vjpWork);
  return leafBasisF64(m, netWord(net, NET_INPUT_SIZE), s.J, centre, rankTol, s.Q);
}

/** Vertex k: the point, its arc length, the output node's values, the crossing code and the region hash. */
export function recordVertex(net: usize, desc: usize, s: PointState, k: i32, len: f64, code: i32): void {
  const d = netWord(net, NET_INPUT_SIZE), dB = <usize>d * 8;
  const out = netWord(net, NET_OUTPUT_NODE), mOut = nodeSize(net, out);
  memory.copy(<usize>ldw(desc, LW_POINTS) + <usize>k * dB, s.x, dB);
  store<f64>(<usize>ldw(desc, LW_PARAMS) + (<usize>k << 3), len);
  const from = out < 0 ? s.values : s.values + (<usize>netField(net, out, F_VALUE_OFFSET) << 3);
  memory.copy(<usize>ldw(desc, LW_OUTS) + <usize>k * <usize>mOut * 8, from, <usize>mOut * 8);
  store<i32>(<usize>ldw(desc, LW_CROSS) + (<usize>k << 2), code);
  netPattern<f64>(net, s.pre, 1, s.bits);
  netHash(net, s.bits, s.argmax, 1, <usize>ldw(desc, LW_HASHES) + (<usize>k << 3));
}

/**
 * The exact leaf of a piecewise-linear network, described by `desc` (LW_* slots, assembly/leafStop.ts). Inside
 * a region the pattern is frozen, J (and so the distribution) is constant, the path is the straight segment
 * x + t u with u the unit projection of the walking direction, and every pre-activation and pool input is
 * affine in t, so the first crossing (netCrossing: a relu/leakyRelu sign or a max-pool choice) is exact. The
 * walk moves there, recomputes the values at the crossing point (netForward), puts the crossed unit on the
 * side it moves into (netEnterSide), and continues with the direction projected onto the next region's
 * distribution (J by a fresh VJP of the target's m cotangents per region).
 * Walking direction: LW_TGT ≠ 0: target − x (re-projected per region, and the segment ends at the piece's
 * closest point to the target); else the previous segment's direction (first: LW_DIR). A box stops the walk
 * where it leaves it. When the projected direction heads back across the boundary just crossed (the
 * distribution folds there), it is reflected across the boundary inside the distribution:
 * u' = u − 2 (n_P·u / ‖n_P‖²) n_P (n the boundary's normal, n_P its projection); a direction along the
 * boundary (|n·u| ≤ 1e-10‖n‖) does not cross it. On several boundaries at once (exact ties, e.g. the
 * max pools of an image's blank area), the tied units take the side the direction moves into (netResolveTies)
 * before the walk moves. At most LW_MAX_FLIPS consecutive zero-length crossings stop it as trapped. Outputs per vertex k < maxVertices (LW_POINTS…LW_CROSS; the hash of the last vertex is
 * the region the walk would continue in); status: stop reason, length, folds. Returns the vertex count.
 */
/** Rounds of tie resolution at one vertex before the walk stops as trapped (the choice does not settle). */
const MAX_TIE_ROUNDS = 64;

export function leafExactF64(desc: usize): i32 {
  const net = <usize>ldw(desc, LW_NET);
  const target = <i32>ldw(desc, LW_TARGET);
  const kernelMode = <i32>ldw(desc, LW_KERNEL), centre = <i32>ldw(desc, LW_CENTRE), rankTol = ldw(desc, LW_RANK_TOL);
  const tgt = <usize>ldw(desc, LW_TGT), lo = <usize>ldw(desc, LW_LO), hi = <usize>ldw(desc, LW_HI);
  const maxLength = ldw(desc, LW_MAX_LENGTH), maxFlips = <i32>ldw(desc, LW_MAX_FLIPS), maxVertices = <i32>ldw(desc, LW_MAX_VERTICES);
  const ranks = <usize>ldw(desc, LW_RANKS), status = <usize>ldw(desc, LW_STATUS);
  const d = netWord(net, NET_INPUT_SIZE), dB = <usize>d * 8;
  const m = nodeSize(net, target);
  const s = pointState(net, m, <usize>ldw(desc, LW_WORK));
  const x = s.x, u = s.u, w = s.w, pw = s.pw;
  memory.copy(x, <usize>ldw(desc, LW_X0), dB);
  memory.copy(u, <usize>ldw(desc, LW_DIR), dB);
  let len = 0.0;
  let k = 0;
  let reason = STOP_LENGTH;
  let flips = 0, folds = 0, ties = 0;
  let lastNode = -1, lastUnit = -1, lastOther = -1, lastCode = -1;
  netForward<f64>(net, x, 1, s.values, s.pre, s.argmax);
  while (true) {
    recordVertex(net, desc, s, k, len, lastCode);
    const r = distributionBasis(net, s, target, m, centre, rankTol);
    store<i32>(ranks + (<usize>k << 2), r);
    if (!isFinite(len) || !isFinite(load<f64>(<usize>ldw(desc, LW_OUTS) + <usize>k * <usize>nodeSize(net, netWord(net, NET_OUTPUT_NODE)) * 8))) {
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
    const pn = leafProjectF64(r, d, s.Q, w, kernelMode, pw);
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
    netJvp<f64>(net, s.values, s.pre, s.argmax, 1, pw, s.tan, s.tanPre);
    if (lastNode >= 0 && flips == 0) {
      // The boundary just crossed: the direction must move into the new region (normal n points inside).
      netBoundaryNormal<f64>(net, s.values, s.pre, s.argmax, lastNode, lastUnit, lastOther, s.nrm, s.normalWork);
      const nn0 = Math.sqrt(dotF64(s.nrm, s.nrm, d));
      const dn = dotF64(s.nrm, pw, d);
      if (Math.abs(dn) <= 1e-10 * nn0) {
        // moving along the boundary (e.g. in ker g of the unit's own layer): it is not crossed
        if (lastOther < 0) store<f64>(s.tanPre + (<usize>(netField(net, lastNode, F_PRE_OFFSET) + lastUnit) << 3), 0);
      } else if (dn < 0) {
        const nn = leafProjectF64(r, d, s.Q, s.nrm, kernelMode, s.nP);
        if (nn > 1e-12 * nn0) {
          axpyF64(-2 * dn / (nn * nn), s.nP, pw, d);
          folds++;
          netJvp<f64>(net, s.values, s.pre, s.argmax, 1, pw, s.tan, s.tanPre);
        }
      }
    }
    if (netResolveTies<f64>(net, s.values, s.pre, s.argmax, s.tan, s.tanPre) > 0) {
      // On several boundaries at once (ties): take the region the direction moves into, without moving.
      if (++ties > MAX_TIE_ROUNDS) {
        reason = STOP_TRAPPED;
        break;
      }
      continue;
    }
    const tCross = netCrossing<f64>(net, s.values, s.pre, s.argmax, s.tan, s.tanPre, tMax, s.unit);
    const node = load<i32>(s.unit), unit = load<i32>(s.unit, 4);
    if (node >= 0 && tCross <= 1e-13 * (1 + Math.sqrt(dotF64(x, x, d)))) {
      // On the boundary already and leaving this region at once: switch to the neighbour without moving.
      lastOther = netChoice(net, s.argmax, node, unit);
      netEnterSide<f64>(net, s.values, s.pre, s.argmax, s.tan, s.tanPre, node, unit);
      lastNode = node;
      lastUnit = unit;
      lastCode = netUnitCode(net, node, unit);
      if (++flips > maxFlips) {
        reason = STOP_TRAPPED;
        break;
      }
      continue; // u, the walking direction, stays the one that reached the boundary
    }
    const crossing = node >= 0;
    const t = crossing ? tCross : tMax;
    axpyF64(t, pw, x, d);
    memory.copy(u, pw, dB);
    len += t;
    k++;
    if (crossing) {
      lastOther = netChoice(net, s.argmax, node, unit);
      netForward<f64>(net, x, 1, s.values, s.pre, s.argmax);
      netEnterSide<f64>(net, s.values, s.pre, s.argmax, s.tan, s.tanPre, node, unit);
      lastNode = node;
      lastUnit = unit;
      lastCode = netUnitCode(net, node, unit);
      flips = 0;
      ties = 0;
    } else {
      // Record the final vertex and stop.
      netForward<f64>(net, x, 1, s.values, s.pre, s.argmax);
      recordVertex(net, desc, s, k, len, -1);
      store<i32>(ranks + (<usize>k << 2), distributionBasis(net, s, target, m, centre, rankTol));
      reason = limit;
      break;
    }
  }
  store<f64>(status, <f64>reason);
  store<f64>(status + 8, len);
  store<f64>(status + 16, <f64>folds);
  return k + 1;
}
