// Exact polygonal partition of a 2D slice {origin + s·u + t·v} into linear regions. Polygons are convex and
// stored as a vertex list: vertices of polygon p are verts[2·i], verts[2·i+1] (s, t) for
// start[p] ≤ i < start[p+1] (i32 offsets, counter-clockwise). On polygon p every pre-activation of the
// current layer is affine in (s, t): z_j = A_j·s + B_j·t + C_j, stored as three rows of n f64 values
// (rows 3·parent[p] + 0/1/2 = A, B, C) of the layer's pre-activation matrix z.
import { F_OUT_SIZE, F_PATTERN_OFFSET, F_PRE_OFFSET, NET_PRE_SIZE } from "./graph/opcodes";
import { netWord, nodeField } from "./graph/table";

/**
 * Splits every polygon by unit j's zero line (one Sutherland–Hodgman pass for all polygons). A vertex with
 * |z_j| ≤ eps·(|A_j| + |B_j| + |C_j|) counts as on the line (it goes to both sides); a polygon with no vertex
 * strictly on one side is not split. Children are written to outStart/outVerts (same layout; outStart gets
 * count+1 offsets), inherit parent[p] into outParent and the polygon's `words` pattern words (u32) into
 * outBits, where bit `bit` is set for the positive side (z_j > 0 there). Capacity needed: 2·npoly polygons
 * and start[npoly] + 4·npoly vertices. Returns the number of children.
 */
export function splitPolygonsF64(
  npoly: i32, start: usize, verts: usize, parent: usize, z: usize, n: i32, j: i32, eps: f64,
  bits: usize, words: i32, bit: i32,
  outStart: usize, outVerts: usize, outParent: usize, outBits: usize,
): i32 {
  let np = 0;
  let nv = 0;
  store<i32>(outStart, 0);
  for (let p = 0; p < npoly; p++) {
    const par = load<i32>(parent + (<usize>p << 2));
    const row = z + (<usize>(3 * par * n + j) << 3);
    const a = load<f64>(row);
    const b = load<f64>(row + (<usize>n << 3));
    const c = load<f64>(row + (<usize>(2 * n) << 3));
    const tol = eps * (Math.abs(a) + Math.abs(b) + Math.abs(c));
    const i0 = load<i32>(start + (<usize>p << 2));
    const i1 = load<i32>(start + (<usize>(p + 1) << 2));
    const side = lineSide(verts, i0, i1, a, b, c, tol);
    const src = bits + (<usize>(p * words) << 2);
    if (side != SIDE_SPLIT) {
      for (let i = i0; i < i1; i++) {
        const v = verts + (<usize>(2 * i) << 3);
        const o = outVerts + (<usize>(2 * nv) << 3);
        store<f64>(o, load<f64>(v));
        store<f64>(o, load<f64>(v, 8), 8);
        nv++;
      }
      emit(np, nv, par, src, words, side == SIDE_POSITIVE ? bit : -1, outStart, outParent, outBits);
      np++;
      continue;
    }
    // Two passes over the edges: positive side (f ≥ −tol kept), then negative side (f ≤ tol kept).
    for (let s = 0; s < 2; s++) {
      const sg: f64 = s == 0 ? 1 : -1;
      nv += clipHalfPlaneF64(verts + (<usize>(2 * i0) << 3), i1 - i0, sg * a, sg * b, sg * c, tol, outVerts + (<usize>(2 * nv) << 3));
      emit(np, nv, par, src, words, s == 0 ? bit : -1, outStart, outParent, outBits);
      np++;
    }
  }
  return np;
}

const SIDE_NEGATIVE = 0;
const SIDE_POSITIVE = 1;
const SIDE_SPLIT = 2;

/**
 * Where the polygon with vertices i0 ≤ i < i1 lies relative to the line f = a·x + b·y + c = 0 (vertices with
 * |f| ≤ tol count as on it): SIDE_SPLIT when some vertex is strictly on each side; else SIDE_POSITIVE when no
 * vertex is strictly negative (and not all on the line with a negative vertex sum), SIDE_NEGATIVE otherwise.
 */
// @ts-ignore: decorator
@inline function lineSide(verts: usize, i0: i32, i1: i32, a: f64, b: f64, c: f64, tol: f64): i32 {
  let lo = Infinity, hi = -Infinity, sum = 0.0;
  for (let i = i0; i < i1; i++) {
    const v = verts + (<usize>(2 * i) << 3);
    const f = a * load<f64>(v) + b * load<f64>(v, 8) + c;
    if (f < lo) lo = f;
    if (f > hi) hi = f;
    sum += f;
  }
  if (lo < -tol && hi > tol) return SIDE_SPLIT;
  return (hi > tol ? lo >= -tol : sum > 0) ? SIDE_POSITIVE : SIDE_NEGATIVE;
}

/**
 * Sutherland–Hodgman clip of one convex polygon (n vertices (x, y) f64 at `src`, in order) to the half-plane
 * a·x + b·y + c ≥ −tol: writes the kept vertices and the edge crossings of the zero line (tol-strict on both
 * sides, so at most one kept vertex and one crossing per edge: ≤ 2n vertices) to `dst`; returns their count.
 */
// @ts-ignore: decorator
@inline export function clipHalfPlaneF64(src: usize, n: i32, a: f64, b: f64, c: f64, tol: f64, dst: usize): i32 {
  let m = 0;
  for (let i = 0; i < n; i++) {
    const v = src + (<usize>(2 * i) << 3);
    const iw: i32 = i + 1 < n ? i + 1 : 0;
    const w = src + (<usize>(2 * iw) << 3);
    const vx = load<f64>(v), vy = load<f64>(v, 8), wx = load<f64>(w), wy = load<f64>(w, 8);
    const fv = a * vx + b * vy + c;
    const fw = a * wx + b * wy + c;
    if (fv >= -tol) {
      const o = dst + (<usize>(2 * m) << 3);
      store<f64>(o, vx);
      store<f64>(o, vy, 8);
      m++;
    }
    if ((fv > tol && fw < -tol) || (fv < -tol && fw > tol)) {
      const r = fv / (fv - fw);
      const o = dst + (<usize>(2 * m) << 3);
      store<f64>(o, vx + r * (wx - vx));
      store<f64>(o, vy + r * (wy - vy), 8);
      m++;
    }
  }
  return m;
}

/** Close child np: its end offset, parent and pattern words (with `bit` set when ≥ 0). */
// @ts-ignore: decorator
@inline function emit(np: i32, nv: i32, par: i32, src: usize, words: i32, bit: i32, outStart: usize, outParent: usize, outBits: usize): void {
  store<i32>(outStart + (<usize>(np + 1) << 2), nv);
  store<i32>(outParent + (<usize>np << 2), par);
  const dst = outBits + (<usize>(np * words) << 2);
  for (let w = 0; w < words; w++) store<u32>(dst + (<usize>w << 2), load<u32>(src + (<usize>w << 2)));
  if (bit >= 0) {
    const wp = dst + (<usize>(bit >>> 5) << 2);
    store<u32>(wp, load<u32>(wp) | (1 << (bit & 31)));
  }
}

/** FNV-1a 64 of each of `count` rows of `words` u32 (row-major) into hashes (u64): the region hashes. */
export function fnv64Rows(count: i32, words: i32, bits: usize, hashes: usize): void {
  for (let r = 0; r < count; r++) {
    let h: u64 = 0xcbf29ce484222325;
    const row = bits + (<usize>(r * words) << 2);
    for (let i = 0; i < words; i++) {
      let v = load<u32>(row + (<usize>i << 2));
      for (let b = 0; b < 4; b++) {
        h ^= <u64>(v & 0xff);
        h *= 0x100000001b3;
        v >>>= 8;
      }
    }
    store<u64>(hashes + (<usize>r << 3), h);
  }
}

// A polygon set for the node-wise splitters: a descriptor of SET_WORDS i32 (byte pointers and capacities).
export const SET_START = 0; // capPoly + 1 i32 offsets
export const SET_VERTS = 1; // capVerts (s, t) f64 pairs
export const SET_PARENT = 2; // capPoly i32 (all 0 here: every polygon reads the same form rows)
export const SET_ROWS = 3; // capPoly × words u32 (pattern words, then the max-pool argmax words)
export const SET_CAP_POLY = 4;
export const SET_CAP_VERTS = 5;
// The splitters' resumable state: STATE_WORDS i32.
export const STATE_POLYS = 0; // polygons in the current set
export const STATE_VERTS = 1; // their vertices
export const STATE_CURRENT = 2; // which set holds them: 0 = a, 1 = b
export const STATE_NEXT = 3; // the next unit (or window) to split by

// @ts-ignore: decorator
@inline export function setWord(set: usize, f: i32): i32 {
  return load<i32>(set + (<usize>f << 2));
}

/**
 * Splits polygons by every unit of the relu/leakyRelu node k of the compiled network `net`: unit j's zero
 * line is z_j = A·σ + B·τ + C, the rows A, B, C at element F_PRE_OFFSET + j of `pre` (3 rows of preSize f64,
 * the forms of netAffineFrozen, shared by every polygon), and its bit is F_PATTERN_OFFSET + j of each row.
 * Units state[STATE_NEXT] .. n−1 are applied in turn (splitPolygonsF64), ping-ponging between the polygon
 * sets `a` and `b` (SET_* descriptors) from the one state[STATE_CURRENT] names; a unit whose line splits no
 * polygon only sets its bit in place. Returns the polygon count (state updated, the result in the set
 * state[STATE_CURRENT] names), or −1 when the other set has fewer than 2·np polygons or 2·nv + 4·np vertices
 * of capacity for the next unit: the state then says where to resume (grow that set and call again).
 */
export function splitPolygonsNodeF64(net: usize, k: i32, pre: usize, eps: f64, words: i32, a: usize, b: usize, state: usize): i32 {
  const ps = netWord(net, NET_PRE_SIZE);
  const n = nodeField(net, k, F_OUT_SIZE), first = nodeField(net, k, F_PRE_OFFSET), bit0 = nodeField(net, k, F_PATTERN_OFFSET);
  let np = load<i32>(state + (<usize>STATE_POLYS << 2));
  let nv = load<i32>(state + (<usize>STATE_VERTS << 2));
  let cur = load<i32>(state + (<usize>STATE_CURRENT << 2));
  for (let j = load<i32>(state + (<usize>STATE_NEXT << 2)); j < n; j++) {
    const from = cur ? b : a, to = cur ? a : b;
    const row = pre + (<usize>(first + j) << 3);
    const fa = load<f64>(row), fb = load<f64>(row + (<usize>ps << 3)), fc = load<f64>(row + (<usize>(2 * ps) << 3));
    const tol = eps * (Math.abs(fa) + Math.abs(fb) + Math.abs(fc));
    const start = <usize>setWord(from, SET_START), verts = <usize>setWord(from, SET_VERTS), rows = <usize>setWord(from, SET_ROWS);
    let splits = false;
    for (let p = 0; p < np && !splits; p++) {
      splits = lineSide(verts, load<i32>(start + (<usize>p << 2)), load<i32>(start + (<usize>(p + 1) << 2)), fa, fb, fc, tol) == SIDE_SPLIT;
    }
    const bit = bit0 + j;
    if (!splits) {
      for (let p = 0; p < np; p++) {
        if (lineSide(verts, load<i32>(start + (<usize>p << 2)), load<i32>(start + (<usize>(p + 1) << 2)), fa, fb, fc, tol) != SIDE_POSITIVE) continue;
        const wp = rows + (<usize>(p * words + (bit >>> 5)) << 2);
        store<u32>(wp, load<u32>(wp) | (1 << (bit & 31)));
      }
      continue;
    }
    if (setWord(to, SET_CAP_POLY) < 2 * np || setWord(to, SET_CAP_VERTS) < 2 * nv + 4 * np) {
      saveState(state, np, nv, cur, j);
      return -1;
    }
    np = splitPolygonsF64(
      np, start, verts, <usize>setWord(from, SET_PARENT), pre, ps, first + j, eps, rows, words, bit,
      <usize>setWord(to, SET_START), <usize>setWord(to, SET_VERTS), <usize>setWord(to, SET_PARENT), <usize>setWord(to, SET_ROWS),
    );
    nv = load<i32>(<usize>setWord(to, SET_START) + (<usize>np << 2));
    cur ^= 1;
  }
  saveState(state, np, nv, cur, n);
  return np;
}

// @ts-ignore: decorator
@inline export function saveState(state: usize, np: i32, nv: i32, cur: i32, next: i32): void {
  store<i32>(state + (<usize>STATE_POLYS << 2), np);
  store<i32>(state + (<usize>STATE_VERTS << 2), nv);
  store<i32>(state + (<usize>STATE_CURRENT << 2), cur);
  store<i32>(state + (<usize>STATE_NEXT << 2), next);
}
