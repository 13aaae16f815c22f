/** The region and transport kernels against their float64 TypeScript twins, on the debug (bound-checked) and default builds. */
import { describe, expect, it } from "vitest";
import { Arena } from "../../../src/engine/arena.js";
import type { RegionKernels } from "../../../src/analyses/regions/kernels.js";
import * as ref from "../../../src/reference/regions.js";
import { mulberry32 } from "../../../src/random.js";

const rand = (seed: number, n: number, lo = -1, hi = 1) => {
  const r = mulberry32(seed);
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * r());
};

for (const variant of ["debug", undefined] as const) {
  describe(`region kernels (${variant ?? "default"} build)`, () => {
    it("splitPolygonsF64 and fnv64Rows match the reference", async () => {
      const arena = await Arena.create(variant);
      const k = arena.kernels<RegionKernels>();
      const n = 6, words = 1;
      // Two polygons: the unit square and a triangle, each with its own affine rows.
      const ps: ref.PolygonSet = {
        start: Int32Array.from([0, 4, 7]), verts: Float64Array.from([0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 2, 0, 0, 2]),
        parent: Int32Array.from([0, 1]), bits: Uint32Array.from([5, 9]), count: 2,
      };
      const z = rand(7, 2 * 3 * n);
      z[2 * n + 3] = 5; // unit 3 of polygon 0 has no zero inside: not split
      const zp = arena.putF64(z);
      let cur = ps;
      const sp = { start: arena.putI32(ps.start), verts: arena.putF64(ps.verts), parent: arena.putI32(ps.parent), bits: arena.putI32(ps.bits as unknown as Int32Array) };
      let np = 2;
      for (let j = 0; j < n; j++) {
        const out = { start: arena.allocI32(4 * np + 1), verts: arena.allocF64(2 * 64 * np), parent: arena.allocI32(4 * np), bits: arena.allocI32(4 * np) };
        np = k.splitPolygonsF64(np, sp.start, sp.verts, sp.parent, zp, n, j, 1e-12, sp.bits, words, 8 + j, out.start, out.verts, out.parent, out.bits);
        cur = ref.splitPolygonsF64(cur, z, n, j, 1e-12, words, 8 + j);
        expect(np).toBe(cur.count);
        expect(arena.i32(out.start, np + 1)).toEqual(cur.start);
        expect(arena.f64(out.verts, 2 * cur.start[np])).toEqual(cur.verts);
        expect(arena.i32(out.parent, np)).toEqual(cur.parent);
        expect(arena.u32(out.bits, np)).toEqual(cur.bits);
        Object.assign(sp, out);
      }
      expect(np).toBeGreaterThan(4);
      const hp = arena.allocF64(np);
      k.fnv64Rows(np, words, sp.bits, hp);
      expect(new BigUint64Array(arena.memory.buffer, hp, np)).toEqual(ref.fnv64Rows(np, words, cur.bits));
    });

    it("fnv64Rows agrees with the engine's fnv64 kernel (same region hash definition)", async () => {
      const arena = await Arena.create(variant);
      const k = arena.kernels<RegionKernels & { fnv64(words: number, count: number, h: bigint): bigint }>();
      const rows = Uint32Array.from({ length: 12 }, (_, i) => (i * 0x9e3779b9) >>> 0);
      const bp = arena.putI32(rows as unknown as Int32Array), hp = arena.allocF64(4);
      k.fnv64Rows(4, 3, bp, hp);
      const got = new BigUint64Array(arena.memory.buffer, hp, 4);
      for (let r = 0; r < 4; r++) expect(got[r]).toBe(BigInt.asUintN(64, k.fnv64(bp + r * 12, 3, 0xcbf29ce484222325n)));
    });

    it("argmaxRowsF64 matches the reference for odd, even and single columns (first index wins ties)", async () => {
      const arena = await Arena.create(variant);
      const k = arena.kernels<RegionKernels>();
      for (const n of [1, 2, 8, 9, 256]) {
        const m = 37, lds = n + 2;
        const s = rand(3 + n, m * lds), h = rand(4 + n, n);
        if (n >= 8) {
          s[5 * lds + 2] = s[5 * lds + 7] = 10; // a tie across the two SIMD lanes (equal heights too)
          h[2] = h[7] = 0;
          s[6 * lds + 3] = s[6 * lds + 5] = 10; // a tie within one lane
          h[3] = h[5] = 0;
        }
        const sp = arena.putF64(s), hp = arena.putF64(h), ip = arena.allocI32(m), cp = arena.allocI32(n);
        arena.i32(cp, n).fill(0);
        k.argmaxRowsF64(m, n, sp, lds, hp, ip, cp);
        const idx = new Int32Array(m), counts = new Int32Array(n);
        ref.argmaxRowsF64(m, n, s, lds, h, idx, counts);
        expect(arena.i32(ip, m)).toEqual(idx);
        expect(arena.i32(cp, n)).toEqual(counts);
        if (n >= 8) {
          expect(idx[5]).toBe(2);
          expect(idx[6]).toBe(3);
        }
      }
    });
  });
}
