// gemmRowsF32 (A given transposed, times gathered rows of B that skips inactive units) against the float64 triple
// loop on the explicitly gathered matrix, on the debug and default builds: awkward shapes, repeated and
// unordered rows, k = 0.
import { describe, expect, it } from "vitest";
import { Arena } from "../../src/engine/arena.js";
import type { WasmVariant } from "../../src/engine/wasm.js";
import { gemmReference } from "../../src/reference/gemm.js";
import { mulberry32 } from "../../src/random.js";
import type { CoreKernels } from "../../src/engine/kernels.js";

for (const variant of ["debug", "simd"] as WasmVariant[]) {
  describe(`gemmRowsF32 (${variant})`, () => {
    it("equals A · B[rows] for random shapes and row lists", async () => {
      const arena = await Arena.create(variant);
      const k = arena.kernels<CoreKernels>();
      const rnd = mulberry32(17);
      for (const [m, n, kk, rowsOfB] of [[1, 1, 1, 3], [3, 7, 5, 9], [10, 784, 37, 60], [5, 9, 0, 4], [13, 33, 17, 20], [4, 8, 8, 8]]) {
        const a = Float32Array.from({ length: m * kk }, () => rnd() * 2 - 1); // m×kk
        const b = Float32Array.from({ length: rowsOfB * n }, () => rnd() * 2 - 1); // rowsOfB×n
        const rows = Array.from({ length: kk }, () => Math.floor(rnd() * rowsOfB)); // repeated, unordered
        const gathered = new Float64Array(kk * n);
        rows.forEach((r, p) => gathered.set(b.subarray(r * n, (r + 1) * n), p * n));
        const expected = new Float64Array(m * n);
        gemmReference(m, n, kk, a, kk, gathered, n, expected, n, false);
        const got = arena.scoped(() => {
          const at = new Float32Array(kk * m); // kk×m: A transposed, as the kernel takes it
          for (let i = 0; i < m; i++) for (let p = 0; p < kk; p++) at[p * m + i] = a[i * kk + p];
          const pa = arena.putF32(at), pb = arena.putF32(b), pr = arena.putI32(rows.map((r) => r * n * 4)), pc = arena.putF32(new Float32Array(m * n).fill(NaN));
          k.gemmRowsF32(m, n, kk, pa, m, pb, pr, pc, n);
          return arena.f32(pc, m * n).slice();
        });
        for (let i = 0; i < m * n; i++) expect(Math.abs(got[i] - expected[i])).toBeLessThan(1e-5 * (kk + 1));
      }
    });
  });
}
