/**
 * float64 TypeScript twins of assembly/regionsPlanePool.ts (max pooling on the plane's polygons), on plain
 * typed arrays instead of pointers; same layouts, same arithmetic, same tolerance decisions. Used only by
 * tests and benchmarks.
 */
import type { PolygonSet } from "./regions.js";

/**
 * Twin of splitPolygonsMaxPoolF64 (without capacities: the arrays grow). `ps.bits` holds `words` row words
 * per polygon (pattern bits, then the argmax words); children get word `argWord` = the winning input index.
 */
export function splitPolygonsMaxPoolF64(ps: PolygonSet, x: Float64Array, inSize: number, cells: ArrayLike<number>, eps: number, words: number, argWord: number): PolygonSet {
  const start = [0], verts: number[] = [], parent: number[] = [], rows: number[] = [];
  const k = cells.length;
  for (let p = 0; p < ps.count; p++) {
    const par = ps.parent[p];
    const e = (r: number, c: number) => x[(3 * par + r) * inSize + c];
    const i0 = ps.start[p], i1 = ps.start[p + 1];
    const poly = Array.from(ps.verts.subarray(2 * i0, 2 * i1));
    for (let ci = 0; ci < k; ci++) {
      let cur = poly;
      let empty = false;
      for (let cj = 0; cj < k && !empty; cj++) {
        if (cj === ci) continue;
        const a = e(0, cells[ci]) - e(0, cells[cj]), b = e(1, cells[ci]) - e(1, cells[cj]), c = e(2, cells[ci]) - e(2, cells[cj]);
        const tol = eps * (Math.abs(a) + Math.abs(b) + Math.abs(c));
        const f = (i: number) => a * cur[2 * i] + b * cur[2 * i + 1] + c;
        let lo = Infinity, hi = -Infinity, sum = 0;
        for (let i = 0; i < cur.length / 2; i++) {
          lo = Math.min(lo, f(i));
          hi = Math.max(hi, f(i));
          sum += f(i);
        }
        if (lo >= -tol) {
          empty = !(hi > tol || sum > 0 || (sum === 0 && ci < cj));
          continue;
        }
        if (hi <= tol) {
          empty = true;
          continue;
        }
        const next: number[] = [];
        const n = cur.length / 2;
        for (let i = 0; i < n; i++) {
          const w = i + 1 < n ? i + 1 : 0;
          const fv = f(i), fw = f(w);
          if (fv >= -tol) next.push(cur[2 * i], cur[2 * i + 1]);
          if ((fv > tol && fw < -tol) || (fv < -tol && fw > tol)) {
            const r = fv / (fv - fw);
            next.push(cur[2 * i] + r * (cur[2 * w] - cur[2 * i]), cur[2 * i + 1] + r * (cur[2 * w + 1] - cur[2 * i + 1]));
          }
        }
        cur = next;
      }
      if (empty) continue;
      verts.push(...cur);
      start.push(verts.length / 2);
      parent.push(par);
      const row = Array.from(ps.bits.subarray(p * words, (p + 1) * words));
      row[argWord] = cells[ci];
      rows.push(...row);
    }
  }
  return { start: Int32Array.from(start), verts: Float64Array.from(verts), parent: Int32Array.from(parent), bits: Uint32Array.from(rows), count: parent.length };
}
