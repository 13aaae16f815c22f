// Exact polygonal partition of a 2D slice {origin + s·u + t·v} into linear regions. Polygons are convex and
// stored as a vertex list: vertices of polygon p are verts[2·i], verts[2·i+1] (s, t) for
// start[p] ≤ i < start[p+1] (i32 offsets, counter-clockwise). On polygon p every pre-activation of the
// current layer is affine in (s, t): z_j = A_j·s + B_j·t + C_j, stored as three rows of n f64 values
// (rows 3·parent[p] + 0/1/2 = A, B, C) of the layer's pre-activation matrix z.
import { F_OUT_SIZE, F_PATTERN_OFFSET, F_PRE_OFFSET, NET_PRE_SIZE } from "./graph/opcodes";
import { netWord, nodeField } from "./graph/table";
import { fnv64 } from "./pattern";

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
  for (let r = 0; r < count; r++) store<u64>(hashes + (<usize>r << 3), fnv64(bits + (<usize>(r * words) << 2), words, 0xcbf29ce484222325));
}

// A polygon store for the node-wise splitters, described by POOL_WORDS i32: polygons live in append-only
// slots (first vertex, vertex count, `words` u32 of row per slot); `list` names the live ones. Splitting a
// live polygon appends its two pieces and puts them in its place in the list (its slot stays, unused), so
// a polygon that no line cuts is never copied.
export const POOL_VSTART = 0; // capSlots i32: first vertex of each slot
export const POOL_VCOUNT = 1; // capSlots i32: vertex count of each slot
export const POOL_VERTS = 2; // capVerts (σ, τ) f64 pairs
export const POOL_ROWS = 3; // capSlots × words u32: each slot's row words of the node being split
export const POOL_LIST = 4; // capSlots i32: the live slots
export const POOL_SLOTS = 5; // slots used
export const POOL_NVERTS = 6; // vertices used
export const POOL_LIVE = 7; // live polygons (list length)
export const POOL_CAP_SLOTS = 8;
export const POOL_CAP_VERTS = 9;
export const POOL_NEXT = 10; // resume: the unit (or window) being applied
export const POOL_AT = 11; // resume: the list index within that unit's pass
export const POOL_END = 12; // resume: the list length when that pass began (−1: not begun)

// @ts-ignore: decorator
@inline export function poolWord(pool: usize, f: i32): i32 {
  return load<i32>(pool + (<usize>f << 2));
}
// @ts-ignore: decorator
@inline export function setPoolWord(pool: usize, f: i32, v: i32): void {
  store<i32>(pool + (<usize>f << 2), v);
}
// @ts-ignore: decorator
@inline export function slotWord(pool: usize, f: i32, slot: i32): i32 {
  return load<i32>(<usize>poolWord(pool, f) + (<usize>slot << 2));
}

/** Append a slot with `n` vertices already written at vertex index POOL_NVERTS and row `src` (words u32); returns it. */
export function appendSlot(pool: usize, n: i32, src: usize, words: i32): i32 {
  const q = poolWord(pool, POOL_SLOTS), nv = poolWord(pool, POOL_NVERTS);
  store<i32>(<usize>poolWord(pool, POOL_VSTART) + (<usize>q << 2), nv);
  store<i32>(<usize>poolWord(pool, POOL_VCOUNT) + (<usize>q << 2), n);
  memory.copy(<usize>poolWord(pool, POOL_ROWS) + (<usize>(q * words) << 2), src, <usize>words << 2);
  setPoolWord(pool, POOL_SLOTS, q + 1);
  setPoolWord(pool, POOL_NVERTS, nv + n);
  return q;
}

/** Byte pointer to the free vertex space of the pool. */
// @ts-ignore: decorator
@inline export function freeVerts(pool: usize): usize {
  return <usize>poolWord(pool, POOL_VERTS) + (<usize>(2 * poolWord(pool, POOL_NVERTS)) << 3);
}

// @ts-ignore: decorator
@inline function setBit(row: usize, bit: i32): void {
  const wp = row + (<usize>(bit >>> 5) << 2);
  store<u32>(wp, load<u32>(wp) | (1 << (bit & 31)));
}

// @ts-ignore: decorator
@inline export function saveResume(pool: usize, next: i32, at: i32, end: i32): void {
  setPoolWord(pool, POOL_NEXT, next);
  setPoolWord(pool, POOL_AT, at);
  setPoolWord(pool, POOL_END, end);
}

/**
 * Splits the live polygons of `pool` by every unit of the relu/leakyRelu node k of the compiled network
 * `net`: unit j's zero line is z_j = A·σ + B·τ + C, its rows at element F_PRE_OFFSET + j of `pre` (3 rows of
 * preSize f64, the forms of netAffineFrozen, shared by every polygon). The rows hold the pattern words of
 * node k only: word 0 is pattern word ⌊F_PATTERN_OFFSET/32⌋, so unit j's bit is (F_PATTERN_OFFSET mod 32) + j;
 * it is set on the positive side (tolerance and ties as splitPolygonsF64). Units from POOL_NEXT on are
 * applied (resuming inside a pass at POOL_AT when POOL_END ≥ 0). Returns the live count, or −1 when a split
 * needs more slots (2) or vertices (4·n + 4) than are left: POOL_NEXT/AT/END say where to resume after the
 * caller grows the store (copying its contents).
 */
export function splitRegionsByUnitsF64(net: usize, k: i32, pre: usize, eps: f64, words: i32, pool: usize): i32 {
  const ps = netWord(net, NET_PRE_SIZE);
  const n = nodeField(net, k, F_OUT_SIZE), first = nodeField(net, k, F_PRE_OFFSET), bit0 = nodeField(net, k, F_PATTERN_OFFSET) & 31;
  const verts = <usize>poolWord(pool, POOL_VERTS), rows = <usize>poolWord(pool, POOL_ROWS), list = <usize>poolWord(pool, POOL_LIST);
  // The bounding box of the live polygons' vertices: every later piece lies in it (up to rounding).
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < poolWord(pool, POOL_LIVE); i++) {
    const p = load<i32>(list + (<usize>i << 2));
    const i0 = slotWord(pool, POOL_VSTART, p), i1 = i0 + slotWord(pool, POOL_VCOUNT, p);
    for (let v = i0; v < i1; v++) {
      const x = load<f64>(verts + (<usize>(2 * v) << 3)), y = load<f64>(verts + (<usize>(2 * v) << 3), 8);
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  for (let j = poolWord(pool, POOL_NEXT); j < n; j++) {
    const row = pre + (<usize>(first + j) << 3);
    const fa = load<f64>(row), fb = load<f64>(row + (<usize>ps << 3)), fc = load<f64>(row + (<usize>(2 * ps) << 3));
    const tol = eps * (Math.abs(fa) + Math.abs(fb) + Math.abs(fc));
    const begun = poolWord(pool, POOL_END) >= 0;
    const end = begun ? poolWord(pool, POOL_END) : poolWord(pool, POOL_LIVE);
    const bit = bit0 + j;
    // A line at least 2·tol away from the whole box (rounding moves a vertex by far less than tol) puts every
    // vertex of every live polygon strictly on one side: each one's lineSide is that side, so decide them all at once.
    const lo = fc + Math.min(fa * x0, fa * x1) + Math.min(fb * y0, fb * y1);
    const hi = fc + Math.max(fa * x0, fa * x1) + Math.max(fb * y0, fb * y1);
    if (lo > 2 * tol || hi < -2 * tol) {
      if (lo > 2 * tol) for (let i = 0; i < end; i++) setBit(rows + (<usize>(load<i32>(list + (<usize>i << 2)) * words) << 2), bit);
      saveResume(pool, j + 1, 0, -1);
      continue;
    }
    for (let i = begun ? poolWord(pool, POOL_AT) : 0; i < end; i++) {
      const p = load<i32>(list + (<usize>i << 2));
      const i0 = slotWord(pool, POOL_VSTART, p), nv = slotWord(pool, POOL_VCOUNT, p);
      const side = lineSide(verts, i0, i0 + nv, fa, fb, fc, tol);
      const src = rows + (<usize>(p * words) << 2);
      if (side == SIDE_POSITIVE) setBit(src, bit);
      if (side != SIDE_SPLIT) continue;
      const live = poolWord(pool, POOL_LIVE);
      if (poolWord(pool, POOL_SLOTS) + 2 > poolWord(pool, POOL_CAP_SLOTS) || poolWord(pool, POOL_NVERTS) + 4 * nv + 4 > poolWord(pool, POOL_CAP_VERTS)) {
        saveResume(pool, j, i, end);
        return -1;
      }
      const v0 = verts + (<usize>(2 * i0) << 3);
      const q1 = appendSlot(pool, clipHalfPlaneF64(v0, nv, fa, fb, fc, tol, freeVerts(pool)), src, words);
      setBit(rows + (<usize>(q1 * words) << 2), bit);
      const q2 = appendSlot(pool, clipHalfPlaneF64(v0, nv, -fa, -fb, -fc, tol, freeVerts(pool)), src, words);
      store<i32>(list + (<usize>i << 2), q1);
      store<i32>(list + (<usize>live << 2), q2);
      setPoolWord(pool, POOL_LIVE, live + 1);
    }
    saveResume(pool, j + 1, 0, -1);
  }
  return poolWord(pool, POOL_LIVE);
}
