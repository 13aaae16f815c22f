// Max pooling on the plane's polygons (layout as regionsPlane.ts: polygon p's layer input is affine in the
// slice coordinates, e_c = A_c·s + B_c·t + C_c, rows 3·parent[p] + 0/1/2 of x, inSize f64 each). On a polygon
// a window's maximum is the upper envelope of its inputs' affine functions: the argmax partitions the
// polygon into convex cells {e_i ≥ e_j for every j of the window}, and the argmax index joins the region
// (engine.forward hashes it), so each non-empty cell becomes a child polygon.
//
// Each polygon's row holds `words` u32: its pattern bits, then one i32 argmax per max-pool output (the words
// fnv64Rows hashes, in the order of engine.forward's region hash).

import { clipHalfPlaneF64 } from "./regionsPlane";

/**
 * Splits every polygon p < npoly by one pooling window's argmax. The window's inputs are the x columns
 * cells[0 .. k) (i32, scan order as maxPool2dForwardF32, padded cells left out). Candidate i's cell is cut from p by
 * clipping with each half-plane f = e_i − e_j ≥ 0, j ≠ i, using the tolerance of splitPolygonsF64: a vertex
 * with |f| ≤ eps·(|ΔA| + |ΔB| + |ΔC|) is on the line; a piece with no vertex strictly below the line is
 * kept whole, one with no vertex strictly above is dropped, and a piece lying on the line within tolerance
 * (e.g. e_i ≡ e_j, both inputs dead relus) is kept when its vertex sum of f is positive, or zero and i < j
 * (ties go to the lower scan index, as maxPool2dForwardF32's first maximum). So a window that does not split p leaves
 * one child, and no child of zero area is made. Children are written as splitPolygonsF64 writes them
 * (outStart gets count+1 offsets, outParent inherits parent[p]) with p's row copied to outRows and word
 * `argWord` set to the winning input's index cells[i]. Capacities: capPoly children, capVerts vertices;
 * scratch holds two buffers of capScratch (s, t) f64 pairs for the clipping passes.
 * Returns the number of children, −1 when capPoly or capVerts is too small, −2 when capScratch is.
 */
export function splitPolygonsMaxPoolF64(
  npoly: i32, start: usize, verts: usize, parent: usize, x: usize, inSize: i32, cells: usize, k: i32, eps: f64,
  rows: usize, words: i32, argWord: i32,
  outStart: usize, outVerts: usize, outParent: usize, outRows: usize, capPoly: i32, capVerts: i32,
  scratch: usize, capScratch: i32,
): i32 {
  let np = 0;
  let nv = 0;
  store<i32>(outStart, 0);
  for (let p = 0; p < npoly; p++) {
    const par = load<i32>(parent + (<usize>p << 2));
    const A = x + (<usize>(3 * par * inSize) << 3);
    const B = A + (<usize>inSize << 3);
    const C = B + (<usize>inSize << 3);
    const i0 = load<i32>(start + (<usize>p << 2));
    const n0 = load<i32>(start + (<usize>(p + 1) << 2)) - i0;
    const src = verts + (<usize>(2 * i0) << 3);
    for (let ci = 0; ci < k; ci++) {
      const ii = load<i32>(cells + (<usize>ci << 2));
      const ai = load<f64>(A + (<usize>ii << 3)), bi = load<f64>(B + (<usize>ii << 3)), ki = load<f64>(C + (<usize>ii << 3));
      let cur = src;
      let nc = n0;
      let buf = 0;
      let empty = false;
      for (let cj = 0; cj < k; cj++) {
        if (cj == ci) continue;
        const jj = load<i32>(cells + (<usize>cj << 2));
        const a = ai - load<f64>(A + (<usize>jj << 3));
        const b = bi - load<f64>(B + (<usize>jj << 3));
        const c = ki - load<f64>(C + (<usize>jj << 3));
        const tol = eps * (Math.abs(a) + Math.abs(b) + Math.abs(c));
        let lo = Infinity, hi = -Infinity, sum = 0.0;
        for (let i = 0; i < nc; i++) {
          const v = cur + (<usize>(2 * i) << 3);
          const f = a * load<f64>(v) + b * load<f64>(v, 8) + c;
          if (f < lo) lo = f;
          if (f > hi) hi = f;
          sum += f;
        }
        if (lo >= -tol) {
          if (hi > tol || sum > 0 || (sum == 0 && ci < cj)) continue;
          empty = true;
          break;
        }
        if (hi <= tol) {
          empty = true;
          break;
        }
        // Keep f ≥ −tol: at most one kept vertex and one crossing per edge (≤ 2·nc vertices).
        if (2 * nc > capScratch) return -2;
        const dst = scratch + (<usize>(buf * 2 * capScratch) << 3);
        nc = clipHalfPlaneF64(cur, nc, a, b, c, tol, dst);
        cur = dst;
        buf ^= 1;
      }
      if (empty) continue;
      if (np >= capPoly || nv + nc > capVerts) return -1;
      memory.copy(outVerts + (<usize>(2 * nv) << 3), cur, <usize>(2 * nc) << 3);
      nv += nc;
      store<i32>(outStart + (<usize>(np + 1) << 2), nv);
      store<i32>(outParent + (<usize>np << 2), par);
      const dr = outRows + (<usize>(np * words) << 2);
      memory.copy(dr, rows + (<usize>(p * words) << 2), <usize>words << 2);
      store<i32>(dr + (<usize>argWord << 2), ii);
      np++;
    }
  }
  return np;
}

/**
 * After a max-pool step's splits: each pooled output is its window's winning input,
 * out[(3p + r)·outSize + o] = x[(3·parent[p] + r)·inSize + rows[p·words + argOffset + o]] for p < npoly,
 * r < 3, o < outSize (out: npoly×3×outSize f64, overwritten).
 */
export function polygonMaxPoolActivateF64(npoly: i32, inSize: i32, outSize: i32, x: usize, parent: usize, rows: usize, words: i32, argOffset: i32, out: usize): void {
  for (let p = 0; p < npoly; p++) {
    const par = load<i32>(parent + (<usize>p << 2));
    const arg = rows + (<usize>(p * words + argOffset) << 2);
    for (let r = 0; r < 3; r++) {
      const xr = x + (<usize>((3 * par + r) * inSize) << 3);
      const orow = out + (<usize>((3 * p + r) * outSize) << 3);
      for (let o = 0; o < outSize; o++) {
        const at = load<i32>(arg + (<usize>o << 2));
        store<f64>(orow + (<usize>o << 3), load<f64>(xr + (<usize>at << 3)));
      }
    }
  }
}
