// Exact polygonal partition of a 2D slice {origin + s·u + t·v} into linear regions. Polygons are convex and
// stored as a vertex list: vertices of polygon p are verts[2·i], verts[2·i+1] (s, t) for
// start[p] ≤ i < start[p+1] (i32 offsets, counter-clockwise). On polygon p every pre-activation of the
// current layer is affine in (s, t): z_j = A_j·s + B_j·t + C_j, stored as three rows of n f64 values
// (rows 3·parent[p] + 0/1/2 = A, B, C) of the layer's pre-activation matrix z.

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
    let lo = Infinity, hi = -Infinity, sum = 0.0;
    for (let i = i0; i < i1; i++) {
      const v = verts + (<usize>(2 * i) << 3);
      const f = a * load<f64>(v) + b * load<f64>(v, 8) + c;
      if (f < lo) lo = f;
      if (f > hi) hi = f;
      sum += f;
    }
    const src = bits + (<usize>(p * words) << 2);
    if (lo >= -tol || hi <= tol) {
      // Not split: copy as is; positive when no vertex is strictly negative (and not all on the line with a negative sum).
      const positive = hi > tol ? lo >= -tol : sum > 0;
      for (let i = i0; i < i1; i++) {
        const v = verts + (<usize>(2 * i) << 3);
        const o = outVerts + (<usize>(2 * nv) << 3);
        store<f64>(o, load<f64>(v));
        store<f64>(o, load<f64>(v, 8), 8);
        nv++;
      }
      emit(np, nv, par, src, words, positive ? bit : -1, outStart, outParent, outBits);
      np++;
      continue;
    }
    // Two passes over the edges: positive side (f ≥ −tol kept), then negative side (f ≤ tol kept).
    for (let side = 0; side < 2; side++) {
      const sg: f64 = side == 0 ? 1 : -1;
      nv += clipHalfPlaneF64(verts + (<usize>(2 * i0) << 3), i1 - i0, sg * a, sg * b, sg * c, tol, outVerts + (<usize>(2 * nv) << 3));
      emit(np, nv, par, src, words, side == 0 ? bit : -1, outStart, outParent, outBits);
      np++;
    }
  }
  return np;
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

/**
 * After a layer's splits: for every polygon p < npoly, the next layer's input rows
 * x[(3p + r)·n + j] = s_j · z[(3·parent[p] + r)·n + j] (r = 0, 1, 2; npoly×3×n f64) with s_j = 1 when bit
 * (offset + j) of the polygon's pattern words is set, else `alpha` (0 for relu).
 */
export function polygonActivateF64(npoly: i32, n: i32, z: usize, parent: usize, bits: usize, words: i32, offset: i32, alpha: f64, x: usize): void {
  for (let p = 0; p < npoly; p++) {
    const par = load<i32>(parent + (<usize>p << 2));
    const bw = bits + (<usize>(p * words) << 2);
    for (let r = 0; r < 3; r++) {
      const zr = z + (<usize>((3 * par + r) * n) << 3);
      const xr = x + (<usize>((3 * p + r) * n) << 3);
      for (let j = 0; j < n; j++) {
        const b = offset + j;
        const on = (load<u32>(bw + (<usize>(b >>> 5) << 2)) >>> (b & 31)) & 1;
        store<f64>(xr + (<usize>j << 3), on ? load<f64>(zr + (<usize>j << 3)) : alpha * load<f64>(zr + (<usize>j << 3)));
      }
    }
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
