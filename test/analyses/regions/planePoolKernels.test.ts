/** The plane's max-pool kernels (assembly/regionsPlanePool.ts) against their float64 twins, on the debug (bound-checked) and default builds. */
import { describe, expect, it } from "vitest";
import { Arena } from "../../../src/engine/arena.js";
import type { RegionKernels } from "../../../src/analyses/regions/kernels.js";
import type { PolygonSet } from "../../../src/reference/regions.js";
import * as ref from "../../../src/reference/regionsPlanePool.js";
import { mulberry32 } from "../../../src/random.js";

const rand = (seed: number, n: number, lo = -1, hi = 1) => {
  const r = mulberry32(seed);
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * r());
};

for (const variant of ["debug", undefined] as const) {
  describe(`plane max-pool kernels (${variant ?? "default"} build)`, () => {
    it("splitPolygonsMaxPoolF64 matches the reference, window after window", async () => {
      const arena = await Arena.create(variant);
      const k = arena.kernels<RegionKernels>();
      const inSize = 8, words = 4, argOffset = 1, eps = 1e-12;
      // Two polygons (the unit square, a triangle), each with its own affine rows (3×inSize).
      let cur: PolygonSet = {
        start: Int32Array.from([0, 4, 7]), verts: Float64Array.from([0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 2, 0, 0, 2]),
        parent: Int32Array.from([0, 1]), bits: Uint32Array.from([5, 0, 0, 0, 9, 0, 0, 0]), count: 2,
      };
      const x = rand(3, 2 * 3 * inSize);
      for (let r = 0; r < 6; r++) x[r * inSize + 7] = x[r * inSize + 6]; // inputs 6 and 7 identical: a tie everywhere
      x[2 * inSize + 5] = 10; // input 5 wins polygon 0 outright in the third window
      const windows = [[0, 1, 2, 3], [4, 6, 7], [5, 3]];
      const xp = arena.putF64(x);
      let sp = { start: arena.putI32(cur.start), verts: arena.putF64(cur.verts), parent: arena.putI32(cur.parent), bits: arena.putI32(cur.bits as unknown as Int32Array) };
      const capScratch = 64, scratch = arena.allocF64(4 * capScratch);
      let np = 2;
      const sizes: number[] = [];
      windows.forEach((cells, o) => {
        const cp = arena.putI32(cells), capPoly = 8 * np, capVerts = 64 * np;
        const out = { start: arena.allocI32(capPoly + 1), verts: arena.allocF64(2 * capVerts), parent: arena.allocI32(capPoly), bits: arena.allocI32(capPoly * words) };
        np = k.splitPolygonsMaxPoolF64(np, sp.start, sp.verts, sp.parent, xp, inSize, cp, cells.length, eps, sp.bits, words, argOffset + o,
          out.start, out.verts, out.parent, out.bits, capPoly, capVerts, scratch, capScratch);
        cur = ref.splitPolygonsMaxPoolF64(cur, x, inSize, cells, eps, words, argOffset + o);
        expect(np).toBe(cur.count);
        expect(arena.i32(out.start, np + 1)).toEqual(cur.start);
        expect(arena.f64(out.verts, 2 * cur.start[np])).toEqual(cur.verts);
        expect(arena.i32(out.parent, np)).toEqual(cur.parent);
        expect(arena.u32(out.bits, np * words)).toEqual(cur.bits);
        sizes.push(np);
        sp = out;
      });
      expect(sizes[0]).toBeGreaterThan(2); // the first window splits
      const second = Array.from({ length: np }, (_, p) => cur.bits[p * words + 2]);
      expect(new Set(second)).toEqual(new Set([4, 6])); // 6 ≡ 7: the first cell wins, 7 never does
      const squareCells = Array.from(cur.parent).map((par, p) => (par === 0 ? cur.bits[p * words + 3] : -1)).filter((c) => c >= 0);
      expect(new Set(squareCells)).toEqual(new Set([5])); // no split where one input dominates
    });

    it("reports buffers that are too small instead of writing past them", async () => {
      const arena = await Arena.create(variant);
      const k = arena.kernels<RegionKernels>();
      const x = Float64Array.from([1, -1, 0, 1, -0.5, 0.2]); // inputs 0, 1 on the unit square: e0 − e1 = 2σ − τ − 0.2
      const xp = arena.putF64(x), cp = arena.putI32([0, 1]);
      const start = arena.putI32([0, 4]), verts = arena.putF64([0, 0, 1, 0, 1, 1, 0, 1]), parent = arena.putI32([0]), bits = arena.putI32([0, 0]);
      const call = (capPoly: number, capVerts: number, capScratch: number) => {
        const o = { start: arena.allocI32(capPoly + 1), verts: arena.allocF64(2 * capVerts), parent: arena.allocI32(capPoly), bits: arena.allocI32(2 * capPoly) };
        return k.splitPolygonsMaxPoolF64(1, start, verts, parent, xp, 2, cp, 2, 1e-12, bits, 2, 1, o.start, o.verts, o.parent, o.bits, capPoly, capVerts, arena.allocF64(4 * capScratch), capScratch);
      };
      expect(call(4, 16, 8)).toBe(2);
      expect(call(1, 16, 8)).toBe(-1);
      expect(call(4, 5, 8)).toBe(-1);
      expect(call(4, 16, 4)).toBe(-2);
    });
  });
}
