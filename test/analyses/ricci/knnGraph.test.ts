// kNN (Wasm, float32) against a float64 brute force with full sorting; deterministic ties; both graph modes;
// source ranges (the split a worker pool uses) give the same rows.
import { describe, expect, it } from "vitest";
import { Arena } from "../../../src/engine/arena.js";
import { knnGraphOn, knnRowsOn } from "../../../src/analyses/ricci/knnGraph.js";
import { graphReference, knnReference } from "../../../src/reference/ricci.js";
import { mulberry32 } from "../../../src/random.js";
import { NonFiniteError, OptionError, ShapeError } from "../../../src/errors.js";

/** Independent brute force: all float64 distances, sorted by (distance, index). */
function bruteForce(points: ArrayLike<number>, n: number, dim: number, k: number): Int32Array {
  const out = new Int32Array(n * k);
  for (let i = 0; i < n; i++) {
    const cand: [number, number][] = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let d = 0;
      for (let c = 0; c < dim; c++) d += (points[i * dim + c] - points[j * dim + c]) ** 2;
      cand.push([d, j]);
    }
    cand.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (let m = 0; m < k; m++) out[i * k + m] = cand[m][1];
  }
  return out;
}

function gridCloud(n: number, dim: number, seed: number): Float32Array {
  // small integers: squared distances are exact in float32 and ties are everywhere
  const r = mulberry32(seed);
  return Float32Array.from({ length: n * dim }, () => Math.floor(r() * 4));
}

function randomCloud(n: number, dim: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n * dim }, () => r() * 2 - 1);
}

const sortedRows = (rowPtr: Int32Array, colIdx: Int32Array) =>
  Array.from({ length: rowPtr.length - 1 }, (_, i) => Array.from(colIdx.subarray(rowPtr[i], rowPtr[i + 1])).sort((a, b) => a - b));

for (const variant of ["debug", undefined] as const) {
  describe(`kNN graph (${variant ?? "default"} Wasm)`, async () => {
    const arena = await Arena.create(variant);

    it("matches the float64 brute force exactly on tie-ridden integer grids (ties to the lower index), heap and quickselect paths", () => {
      // 8k ≤ n: heap; otherwise quickselect
      for (const [n, dim, k] of [[40, 3, 5], [64, 7, 20], [30, 1, 29], [50, 9, 1], [200, 2, 25], [200, 2, 26]]) {
        const pts = gridCloud(n, dim, n + dim);
        const want = bruteForce(pts, n, dim, k);
        expect(Array.from(knnRowsOn(arena, pts, n, dim, k).idx)).toEqual(Array.from(want));
        expect(Array.from(knnReference(pts, n, dim, k))).toEqual(Array.from(want));
      }
    });

    it("matches the brute force on random clouds, distances to float32 accuracy", () => {
      const n = 300, dim = 50, k = 30;
      const pts = randomCloud(n, dim, 7);
      const { idx, sqDist } = knnRowsOn(arena, pts, n, dim, k);
      const want = bruteForce(pts, n, dim, k);
      let same = 0;
      for (let e = 0; e < n * k; e++) {
        if (idx[e] === want[e]) same++;
        const i = Math.floor(e / k);
        let d = 0;
        for (let c = 0; c < dim; c++) d += (pts[i * dim + c] - pts[idx[e] * dim + c]) ** 2;
        expect(Math.abs(sqDist[e] - d)).toBeLessThanOrEqual(1e-6 * d + 1e-12);
      }
      expect(same).toBe(n * k); // no near-tie within float32 error in this cloud
    });

    it("duplicate points are at distance 0 and ordered by index", () => {
      const pts = new Float32Array([5, 5, 0, 0, 5, 5, 5, 5, 1, 1]); // points 0, 2, 3 coincide
      const { idx, sqDist } = knnRowsOn(arena, pts, 5, 2, 2);
      expect(Array.from(idx)).toEqual([2, 3, 4, 0, 0, 3, 0, 2, 1, 0]);
      expect(sqDist[0]).toBe(0);
      expect(sqDist[1]).toBe(0);
    });

    it("rows over source ranges concatenate to the full table", () => {
      const n = 101, dim = 5, k = 7;
      const pts = randomCloud(n, dim, 3);
      const full = knnRowsOn(arena, pts, n, dim, k).idx;
      const a = knnRowsOn(arena, pts, n, dim, k, 0, 40).idx;
      const b = knnRowsOn(arena, pts, n, dim, k, 40, 101).idx;
      expect(Array.from(a).concat(Array.from(b))).toEqual(Array.from(full));
      expect(knnRowsOn(arena, pts, n, dim, k, 5, 5).idx.length).toBe(0);
    });

    it("both modes: adjacency and degrees agree with the reference graph", () => {
      const n = 80, dim = 4, k = 6;
      const pts = gridCloud(n, dim, 11);
      const table = bruteForce(pts, n, dim, k);
      for (const mode of ["directed", "union"] as const) {
        const g = knnGraphOn(arena, pts, n, dim, k, mode);
        const ref = graphReference(n, k, table, mode);
        expect(sortedRows(g.rowPtr, g.colIdx)).toEqual(ref.adjacency);
        expect(Array.from(g.degree)).toEqual(ref.degree);
        expect(Array.from(g.outIdx)).toEqual(Array.from(table));
      }
      // directed degrees count a mutual pair twice: Σ deg = 2nk; union: Σ deg = 2·edges < 2nk when pairs are mutual
      const d = knnGraphOn(arena, pts, n, dim, k, "directed");
      const u = knnGraphOn(arena, pts, n, dim, k, "union");
      expect(d.degree.reduce((a, b) => a + b, 0)).toBe(2 * n * k);
      expect(u.degree.reduce((a, b) => a + b, 0)).toBe(u.rowPtr[n]);
      expect(u.rowPtr[n]).toBeLessThan(2 * n * k);
    });

    it("rejects bad shapes, k and non-finite values with typed errors", () => {
      const pts = new Float32Array(12);
      expect(() => knnGraphOn(arena, pts, 4, 2, 2, "union")).toThrow(ShapeError);
      expect(() => knnGraphOn(arena, pts, 4, 3, 4, "union")).toThrow(OptionError);
      expect(() => knnGraphOn(arena, pts, 4, 3, 0, "union")).toThrow(OptionError);
      expect(() => knnGraphOn(arena, pts, 4, 3, 2, "both" as never)).toThrow(OptionError);
      pts[5] = NaN;
      expect(() => knnGraphOn(arena, pts, 4, 3, 2, "union")).toThrow(NonFiniteError);
    });
  });
}
