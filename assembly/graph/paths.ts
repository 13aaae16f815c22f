// Path walks on the compiled network (leaves, geodesics, singular points; assembly/leaf.ts, geodesic.ts and the
// host's path analyses): crossing a boundary, its normal, the region's constraints, near and tied boundaries.
// Generic over T ∈ {f32, f64}; layout of `net`, values, pre and argmax as assembly/graph/network.ts.
import {
  F_ARG_OFFSET, F_OP, F_OUT_SIZE, F_PATTERN_OFFSET, F_PRE_OFFSET, NET_MAX_WIDTH, NET_NODES, NET_PATTERN_BITS, NET_PRE_SIZE, NET_VALUE_SIZE, OP_MAXPOOL,
} from "./opcodes";
import { netWord as word, nodeField as field, windowCell } from "./table";
import { align16, inputOf, netVjp, netVjpWorkBytes, valueOffset, sizeOf } from "./network";

// ---- Path walks (leaves, geodesics, singular points): crossing a boundary, its normal, the region's constraints.
// A crossing is named by (node, unit): a relu/leakyRelu node's pre-activation index, or a max pool's output index.
// Its code (crossedUnit of the leaf results) is the unit's pattern bit, or patternBits + the pool's argmax index.

/** Magnitude that puts a pre-activation on a side without changing any value (the kernels read only its sign). */
const SIDE: f64 = 1e-300;

/** Field f of node k of the descriptor's table (for the walks in assembly/leaf.ts and geodesic.ts). */
export function netField(net: usize, k: i32, f: i32): i32 {
  return field(net, k, f);
}

/** The code of crossing (node, unit): its pattern bit, or patternBits + the max pool's argmax index. */
export function netUnitCode(net: usize, node: i32, unit: i32): i32 {
  if (field(net, node, F_OP) == OP_MAXPOOL) return word(net, NET_PATTERN_BITS) + field(net, node, F_ARG_OFFSET) + unit;
  return field(net, node, F_PATTERN_OFFSET) + unit;
}

/** A max pool's chosen input cell for output `unit` (flat index in its input), or −1 for other nodes. */
export function netChoice(net: usize, argmax: usize, node: i32, unit: i32): i32 {
  if (field(net, node, F_OP) != OP_MAXPOOL) return -1;
  return load<i32>(argmax + (<usize>(field(net, node, F_ARG_OFFSET) + unit) << 2));
}

/**
 * At a point ON the boundary of (node, unit) (values, pre, argmax from netForward there), put that unit on the
 * side a direction with tangents tan (valueSize) / tanPre (preSize) moves into, so that the frozen pattern is
 * the region beyond: a relu/leakyRelu pre-activation becomes ±SIDE by the sign of its tangent (0: unchanged);
 * a max pool's choice becomes the cell, among those within 1e-9 (relative) of the window's maximum, with the
 * largest tangent (the first such on ties). Values are not changed (they are continuous across the boundary).
 */
export function netEnterSide<T>(net: usize, values: usize, pre: usize, argmax: usize, tan: usize, tanPre: usize, node: i32, unit: i32): void {
  const t = sizeof<T>();
  if (field(net, node, F_OP) != OP_MAXPOOL) {
    const at = pre + <usize>(field(net, node, F_PRE_OFFSET) + unit) * t;
    const dz = <f64>load<T>(tanPre + <usize>(field(net, node, F_PRE_OFFSET) + unit) * t);
    if (dz > 0) store<T>(at, <T>Math.max(<f64>load<T>(at), SIDE));
    else if (dz < 0) store<T>(at, <T>Math.min(<f64>load<T>(at), -SIDE));
    return;
  }
  const xo = <usize>valueOffset(net, inputOf(net, node, 0)) * t;
  let best = -Infinity;
  for (let q = 0, b = windowCell(net, node, unit, 0); b >= 0; b = windowCell(net, node, unit, ++q)) best = Math.max(best, <f64>load<T>(values + xo + <usize>b * t));
  const tol = 1e-9 * Math.max(1, Math.abs(best));
  let pick = -1;
  let slope = -Infinity;
  for (let q = 0, b = windowCell(net, node, unit, 0); b >= 0; b = windowCell(net, node, unit, ++q)) {
    if (<f64>load<T>(values + xo + <usize>b * t) < best - tol) continue;
    const s = <f64>load<T>(tan + xo + <usize>b * t);
    if (s > slope) {
      slope = s;
      pick = b;
    }
  }
  store<i32>(argmax + (<usize>(field(net, node, F_ARG_OFFSET) + unit) << 2), pick);
}

/** Scratch bytes netBoundaryNormal needs: a cotangent (maxWidth) and netVjp's work for one row. */
export function netNormalWorkBytes<T>(net: usize): usize {
  return align16(<usize>word(net, NET_MAX_WIDTH) * sizeof<T>()) + netVjpWorkBytes<T>(net, 1);
}

/**
 * The gradient (d, into gin) of the boundary function of (node, unit), oriented into the current region
 * (positive inside): a relu/leakyRelu unit: ±∇z (+ when its pre-activation is > 0); a max pool: ∇(x_a − x_b)
 * with a its current choice and b = `other` (the cell it replaced). work: netNormalWorkBytes(net).
 */
export function netBoundaryNormal<T>(net: usize, values: usize, pre: usize, argmax: usize, node: i32, unit: i32, other: i32, gin: usize, work: usize): void {
  const t = sizeof<T>();
  const cot = work, vw = work + align16(<usize>word(net, NET_MAX_WIDTH) * t);
  if (field(net, node, F_OP) == OP_MAXPOOL) {
    const j = inputOf(net, node, 0);
    memory.fill(cot, 0, <usize>sizeOf(net, j) * t);
    store<T>(cot + <usize>netChoice(net, argmax, node, unit) * t, <T>1);
    store<T>(cot + <usize>other * t, <T>-1);
    netVjp<T>(net, values, pre, argmax, 1, j, cot, gin, vw);
    return;
  }
  // ∇z: the unit's own derivative is 1 when its pre-activation is positive; set it so for the pull-back.
  const at = pre + <usize>(field(net, node, F_PRE_OFFSET) + unit) * t;
  const z = load<T>(at);
  store<T>(at, <T>1);
  memory.fill(cot, 0, <usize>field(net, node, F_OUT_SIZE) * t);
  store<T>(cot + <usize>unit * t, <T>(<f64>z > 0 ? 1 : -1));
  netVjp<T>(net, values, pre, argmax, 1, node, cot, gin, vw);
  store<T>(at, z);
}

/**
 * Every linear constraint of ONE point's region along `rows` directions (tan rows×valueSize, tanPre
 * rows×preSize, netJvp of the directions): c_j + M_j·y ≥ 0 inside the region, for every relu/leakyRelu unit
 * (c = ±z, sign of z) and every (max-pool output, other valid cell of its window) pair (c = x_a − x_b).
 * Writes c (count), M (count×rows), code (count i32: netUnitCode) and other (count i32: the cell b, or −1)
 * up to `cap` constraints and returns the count (more than cap: only the first cap are written).
 */
export function netConstraints<T>(net: usize, values: usize, pre: usize, argmax: usize, rows: i32, tan: usize, tanPre: usize, cap: i32, cb: usize, M: usize, code: usize, other: usize): i32 {
  const t = sizeof<T>();
  const vs = word(net, NET_VALUE_SIZE), ps = word(net, NET_PRE_SIZE);
  const nodes = word(net, NET_NODES);
  let n = 0;
  for (let k = 0; k < nodes; k++) {
    if (field(net, k, F_PATTERN_OFFSET) >= 0) {
      const po = field(net, k, F_PRE_OFFSET), size = field(net, k, F_OUT_SIZE);
      for (let i = 0; i < size; i++) {
        if (n < cap) {
          const z = <f64>load<T>(pre + <usize>(po + i) * t);
          const s: f64 = z > 0 ? 1 : -1;
          store<f64>(cb + (<usize>n << 3), s * z);
          for (let r = 0; r < rows; r++) store<f64>(M + (<usize>(n * rows + r) << 3), s * <f64>load<T>(tanPre + <usize>(r * ps + po + i) * t));
          store<i32>(code + (<usize>n << 2), netUnitCode(net, k, i));
          store<i32>(other + (<usize>n << 2), -1);
        }
        n++;
      }
    }
    if (field(net, k, F_OP) != OP_MAXPOOL) continue;
    const xo = valueOffset(net, inputOf(net, k, 0));
    const ao = field(net, k, F_ARG_OFFSET), windows = field(net, k, F_OUT_SIZE);
    for (let o = 0; o < windows; o++) {
      const a = load<i32>(argmax + (<usize>(ao + o) << 2));
      for (let q = 0, b = windowCell(net, k, o, 0); b >= 0; b = windowCell(net, k, o, ++q)) {
        if (b == a) continue;
        if (n < cap) {
          store<f64>(cb + (<usize>n << 3), <f64>load<T>(values + <usize>(xo + a) * t) - <f64>load<T>(values + <usize>(xo + b) * t));
          for (let r = 0; r < rows; r++)
            store<f64>(M + (<usize>(n * rows + r) << 3), <f64>load<T>(tan + <usize>(r * vs + xo + a) * t) - <f64>load<T>(tan + <usize>(r * vs + xo + b) * t));
          store<i32>(code + (<usize>n << 2), netUnitCode(net, k, o));
          store<i32>(other + (<usize>n << 2), b);
        }
        n++;
      }
    }
  }
  return n;
}

/**
 * Max pool k's choices moved to a rival cell of their window (the one scan netFlipNear and netResolveTies
 * share): for each window o with choice a, among its other cells b with x_a − x_b ≤ tol (tol·max(1, |x_a|)
 * when `relative`) the first in scan order (tan == 0), or the one with the largest tangent when that is larger
 * than a's (tan: the point's tangent block, the first on ties). Returns how many choices changed.
 */
function replaceChoices<T>(net: usize, k: i32, values: usize, tan: usize, argmax: usize, tol: f64, relative: bool): i32 {
  const t = sizeof<T>();
  const xo = <usize>valueOffset(net, inputOf(net, k, 0)) * t;
  const ao = field(net, k, F_ARG_OFFSET), windows = field(net, k, F_OUT_SIZE);
  let n = 0;
  for (let o = 0; o < windows; o++) {
    const am = argmax + (<usize>(ao + o) << 2);
    const a = load<i32>(am);
    const xa = <f64>load<T>(values + xo + <usize>a * t);
    const near = relative ? tol * Math.max(1, Math.abs(xa)) : tol;
    let pick = a;
    let slope = tan ? <f64>load<T>(tan + xo + <usize>a * t) : 0;
    for (let q = 0, b = windowCell(net, k, o, 0); b >= 0; b = windowCell(net, k, o, ++q)) {
      if (b == a || !(xa - <f64>load<T>(values + xo + <usize>b * t) <= near)) continue;
      if (!tan) {
        pick = b;
        break;
      }
      const s = <f64>load<T>(tan + xo + <usize>b * t);
      if (s > slope) {
        slope = s;
        pick = b;
      }
    }
    if (pick != a) {
      store<i32>(am, pick);
      n++;
    }
  }
  return n;
}

/**
 * The region across every boundary ONE point lies within `tol` of: relu/leakyRelu units with |z| ≤ tol flip
 * side (pre-activation ∓SIDE); a max pool whose window has another valid cell within tol of its choice takes
 * the first such cell. Returns how many units changed (0: the point is not near a boundary).
 */
export function netFlipNear<T>(net: usize, values: usize, pre: usize, argmax: usize, tol: f64): i32 {
  return moveAcross<T>(net, values, pre, argmax, 0, 0, tol, tol, false);
}

/**
 * At a point on several boundaries at once (ties: an image's blank area gives identical conv outputs, so a
 * max-pool window's inputs tie exactly), choose the region a direction with tangents tan/tanPre moves into: a
 * relu/leakyRelu unit whose pre-activation is within 2·SIDE of 0 takes the side of its tangent (tangent 0:
 * unchanged); a max pool whose window has cells within 1e-12 (relative) of its choice takes, among those, the
 * one with the largest tangent when that is larger than its choice's. Returns how many units changed (after a
 * change, the tangents below it change too: call again with fresh tangents until it returns 0).
 */
export function netResolveTies<T>(net: usize, values: usize, pre: usize, argmax: usize, tan: usize, tanPre: usize): i32 {
  return moveAcross<T>(net, values, pre, argmax, tan, tanPre, 2 * SIDE, 1e-12, true);
}

/**
 * The walk shared by netFlipNear and netResolveTies: every relu/leakyRelu unit with |z| ≤ unitTol changes
 * side (tanPre == 0: to the other side; else to its tangent's side, tangent 0: unchanged), and every max pool's
 * choices move as replaceChoices(poolTol, relative) says. Returns how many units changed.
 */
function moveAcross<T>(net: usize, values: usize, pre: usize, argmax: usize, tan: usize, tanPre: usize, unitTol: f64, poolTol: f64, relative: bool): i32 {
  const t = sizeof<T>();
  const nodes = word(net, NET_NODES);
  let n = 0;
  for (let k = 0; k < nodes; k++) {
    if (field(net, k, F_PATTERN_OFFSET) >= 0) {
      const po = field(net, k, F_PRE_OFFSET), size = field(net, k, F_OUT_SIZE);
      for (let i = 0; i < size; i++) {
        const at = pre + <usize>(po + i) * t;
        const z = <f64>load<T>(at);
        if (Math.abs(z) > unitTol) continue;
        const dz = tanPre ? <f64>load<T>(tanPre + <usize>(po + i) * t) : (z > 0 ? -1.0 : 1.0);
        if (dz > 0 && !(z > 0)) {
          store<T>(at, <T>SIDE);
          n++;
        } else if (dz < 0 && (z > 0 || !tanPre)) {
          store<T>(at, <T>-SIDE);
          n++;
        }
      }
    }
    if (field(net, k, F_OP) != OP_MAXPOOL) continue;
    n += replaceChoices<T>(net, k, values, tan, argmax, poolTol, relative);
  }
  return n;
}
