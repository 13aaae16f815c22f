// Max pooling on the plane's polygons (layout as regionsPlane.ts: polygon p's layer input is affine in the
// slice coordinates, e_c = A_c·s + B_c·t + C_c, rows 3·parent[p] + 0/1/2 of x, inSize f64 each). On a polygon
// a window's maximum is the upper envelope of its inputs' affine functions: the argmax partitions the
// polygon into convex cells {e_i ≥ e_j for every j of the window}, and the argmax index joins the region
// (engine.forward hashes it), so each non-empty cell becomes a child polygon.
//
// Each polygon's row holds `words` u32: its pattern bits, then one i32 argmax per max-pool output (the words
// fnv64Rows hashes, in the order of engine.forward's region hash).

import {
  appendSlot, clipHalfPlaneF64, freeVerts, poolWord, saveResume, setPoolWord, slotWord,
  POOL_AT, POOL_CAP_SLOTS, POOL_CAP_VERTS, POOL_END, POOL_LIST, POOL_LIVE, POOL_NEXT, POOL_NVERTS, POOL_ROWS, POOL_SLOTS, POOL_VCOUNT, POOL_VERTS, POOL_VSTART,
} from "./regionsPlane";
import { F_INPUT0, F_OUT_SIZE, F_VALUE_OFFSET, NET_VALUE_SIZE } from "./graph/opcodes";
import { netWord, nodeField, windowCells } from "./graph/table";

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
    const i0 = load<i32>(start + (<usize>p << 2));
    const n0 = load<i32>(start + (<usize>(p + 1) << 2)) - i0;
    const src = verts + (<usize>(2 * i0) << 3);
    for (let ci = 0; ci < k; ci++) {
      const nc = cellOf(ci, src, n0, A, inSize, cells, k, eps, scratch, capScratch);
      if (nc == -2) return -2;
      if (nc == 0) continue;
      if (np >= capPoly || nv + nc > capVerts) return -1;
      memory.copy(outVerts + (<usize>(2 * nv) << 3), scratch, <usize>(2 * nc) << 3);
      nv += nc;
      store<i32>(outStart + (<usize>(np + 1) << 2), nv);
      store<i32>(outParent + (<usize>np << 2), par);
      const dr = outRows + (<usize>(np * words) << 2);
      memory.copy(dr, rows + (<usize>(p * words) << 2), <usize>words << 2);
      store<i32>(dr + (<usize>argWord << 2), load<i32>(cells + (<usize>ci << 2)));
      np++;
    }
  }
  return np;
}

/**
 * The cell of window candidate ci (of the k inputs cells[0 .. k), columns of the rows A (∂/∂σ), A + ld
 * (∂/∂τ), A + 2·ld (constant), f64) inside the convex polygon `src` (n0 (σ, τ) pairs): the polygon clipped by
 * e_ci − e_cj ≥ 0 for every cj ≠ ci, with the tolerance and tie rules of splitPolygonsMaxPoolF64. Returns its
 * vertex count (0: empty) with the vertices at scratch[0 ..), or −2 when capScratch (pairs per each of the two
 * buffers at `scratch`) is too small.
 */
export function cellOf(ci: i32, src: usize, n0: i32, A: usize, ld: i32, cells: usize, k: i32, eps: f64, scratch: usize, capScratch: i32): i32 {
  const B = A + (<usize>ld << 3);
  const C = B + (<usize>ld << 3);
  const ii = load<i32>(cells + (<usize>ci << 2));
  const ai = load<f64>(A + (<usize>ii << 3)), bi = load<f64>(B + (<usize>ii << 3)), ki = load<f64>(C + (<usize>ii << 3));
  let cur = src;
  let nc = n0;
  let buf = 0;
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
      return 0;
    }
    if (hi <= tol) return 0;
    // Keep f ≥ −tol: at most one kept vertex and one crossing per edge (≤ 2·nc vertices).
    if (2 * nc > capScratch) return -2;
    const dst = scratch + (<usize>(buf * 2 * capScratch) << 3);
    nc = clipHalfPlaneF64(cur, nc, a, b, c, tol, dst);
    cur = dst;
    buf ^= 1;
  }
  if (n0 > capScratch) return -2;
  if (cur != scratch) memory.copy(scratch, cur, <usize>(2 * nc) << 3);
  return nc;
}

/**
 * Splits the live polygons of `pool` (regionsPlane.ts POOL_*) by every window of the max-pool node k of the
 * compiled network `net`: the window's inputs are columns of the pool's input block in `buf` (3 rows of
 * valueSize f64, the forms of netAffineFrozen, shared by every polygon), in the pool kernel's scan order with
 * padded cells left out (`cells`: kh·kw i32 of scratch). The rows hold node k's argmax words only (word o:
 * window o's winning input, flat NHWC in the pool's input image). A polygon inside one cell gets the winner
 * in place; one cut into several cells is replaced by them (cellOf, tolerance and ties as
 * splitPolygonsMaxPoolF64). Windows from POOL_NEXT on are applied (resuming inside a pass as
 * splitRegionsByUnitsF64). Returns the live count, −1 when the store needs more slots or vertices (grow it,
 * call again), −2 when capScratch is too small (scratch: two buffers of capScratch (σ, τ) pairs).
 */
export function splitRegionsByWindowsF64(net: usize, k: i32, buf: usize, eps: f64, pool: usize, scratch: usize, capScratch: i32, cells: usize): i32 {
  const vs = netWord(net, NET_VALUE_SIZE);
  const input = nodeField(net, k, F_INPUT0);
  const x = buf + (<usize>(input < 0 ? 0 : nodeField(net, input, F_VALUE_OFFSET)) << 3);
  const words = nodeField(net, k, F_OUT_SIZE);
  const verts = <usize>poolWord(pool, POOL_VERTS), rows = <usize>poolWord(pool, POOL_ROWS), list = <usize>poolWord(pool, POOL_LIST);
  for (let o = poolWord(pool, POOL_NEXT); o < words; o++) {
    const K = windowCells(net, k, o, cells);
    const begun = poolWord(pool, POOL_END) >= 0;
    const end = begun ? poolWord(pool, POOL_END) : poolWord(pool, POOL_LIVE);
    for (let i = begun ? poolWord(pool, POOL_AT) : 0; i < end; i++) {
      const p = load<i32>(list + (<usize>i << 2));
      const src = verts + (<usize>(2 * slotWord(pool, POOL_VSTART, p)) << 3), n0 = slotWord(pool, POOL_VCOUNT, p);
      const row = rows + (<usize>(p * words) << 2);
      // First pass: how many cells are non-empty, and their vertices.
      let cellsHere = 0, vertsHere = 0, only = -1;
      for (let ci = 0; ci < K; ci++) {
        const nc = cellOf(ci, src, n0, x, vs, cells, K, eps, scratch, capScratch);
        if (nc == -2) {
          saveResume(pool, o, i, end);
          return -2;
        }
        if (nc == 0) continue;
        cellsHere++;
        vertsHere += nc;
        only = ci;
      }
      if (cellsHere <= 1) {
        store<i32>(row + (<usize>o << 2), load<i32>(cells + (<usize>(only < 0 ? 0 : only) << 2)));
        continue;
      }
      const live = poolWord(pool, POOL_LIVE);
      if (poolWord(pool, POOL_SLOTS) + cellsHere > poolWord(pool, POOL_CAP_SLOTS) || poolWord(pool, POOL_NVERTS) + vertsHere > poolWord(pool, POOL_CAP_VERTS)) {
        saveResume(pool, o, i, end);
        return -1;
      }
      let placed = 0;
      for (let ci = 0; ci < K; ci++) {
        const nc = cellOf(ci, src, n0, x, vs, cells, K, eps, scratch, capScratch);
        if (nc <= 0) continue;
        memory.copy(freeVerts(pool), scratch, <usize>(2 * nc) << 3);
        const q = appendSlot(pool, nc, row, words);
        store<i32>(rows + (<usize>(q * words + o) << 2), load<i32>(cells + (<usize>ci << 2)));
        if (placed == 0) store<i32>(list + (<usize>i << 2), q);
        else store<i32>(list + (<usize>(live + placed - 1) << 2), q);
        placed++;
      }
      setPoolWord(pool, POOL_LIVE, live + placed - 1);
    }
    saveResume(pool, o + 1, 0, -1);
  }
  return poolWord(pool, POOL_LIVE);
}
