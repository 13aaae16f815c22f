import { describe, expect, it } from "vitest";
import { Arena } from "../../../src/engine/arena.js";
import type { WasmVariant } from "../../../src/engine/wasm.js";
import { svd } from "../../../src/analyses/localGeometry/svd.js";
import { svdReference, symEigJacobiReference } from "../../../src/reference/svd.js";
import { mulberry32, gaussian as normal } from "../../../src/random.js";
import { ShapeError, NonFiniteError } from "../../../src/errors.js";
import { ConvergenceError } from "../../../src/analyses/localGeometry/errors.js";
import fc from "fast-check";

function randomMatrix(m: number, n: number, seed: number): Float64Array {
  const g = normal(mulberry32(seed));
  return Float64Array.from({ length: m * n }, () => g());
}

/** (m×k)·(k×n), row-major. */
function product(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let t = 0; t < k; t++) for (let j = 0; j < n; j++) c[i * n + j] += a[i * k + t] * b[t * n + j];
  return c;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** max |QᵀQ − I| for Q (rows×cols, row-major). */
function orthonormalityError(q: Float64Array, rows: number, cols: number): number {
  let e = 0;
  for (let i = 0; i < cols; i++)
    for (let j = 0; j < cols; j++) {
      let d = 0;
      for (let t = 0; t < rows; t++) d += q[t * cols + i] * q[t * cols + j];
      e = Math.max(e, Math.abs(d - (i === j ? 1 : 0)));
    }
  return e;
}

function reconstruct(u: Float64Array, s: Float64Array, v: Float64Array, m: number, n: number): Float64Array {
  const r = s.length;
  const us = Float64Array.from(u, (x, i) => x * s[i % r]);
  const vt = new Float64Array(r * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < r; c++) vt[c * n + i] = v[i * r + c];
  return product(us, vt, m, r, n);
}

const variants: (WasmVariant | undefined)[] = ["debug", undefined];
const shapes: [number, number][] = [[7, 4], [4, 7], [6, 6], [1, 5], [5, 1], [33, 9], [9, 33]];

describe("reference SVD (eigen-decomposition of AᵀA by cyclic Jacobi)", () => {
  it("diagonalises a symmetric matrix: Q·Λ·Qᵀ = S", () => {
    const a = randomMatrix(5, 5, 3);
    const sym = Float64Array.from(a, (_, i) => a[i] + a[(i % 5) * 5 + Math.floor(i / 5)]);
    const { values, vectors } = symEigJacobiReference(sym, 5);
    const ql = Float64Array.from(vectors, (x, i) => x * values[i % 5]);
    const qt = new Float64Array(25);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) qt[j * 5 + i] = vectors[i * 5 + j];
    expect(maxAbsDiff(product(ql, qt, 5, 5, 5), sym)).toBeLessThan(1e-12);
  });
  it("has the closed form of a diagonal matrix", () => {
    const { s } = svdReference([0, 3, 0, 0, 0, -5], 2, 3);
    expect(Array.from(s)).toEqual([5, 3]);
  });
});

for (const variant of variants) {
  describe(`svd kernel (${variant ?? "default"} variant)`, () => {
    const arena = Arena.create(variant);
    it("matches the closed form of a 2×2 diagonal matrix, sign convention included", async () => {
      const r = await svd([3, 0, 0, -4], 2, 2, { arena: await arena });
      expect(Array.from(r.s)).toEqual([4, 3]);
      expect(Array.from(r.u, (x) => x + 0)).toEqual([0, 1, 1, 0]);
      expect(Array.from(r.v, (x) => x + 0)).toEqual([0, 1, -1, 0]);
    });
    for (const [m, n] of shapes) {
      it(`random ${m}×${n}: reconstruction, orthonormality, singular values vs reference`, async () => {
        const a = randomMatrix(m, n, 100 + m * 7 + n);
        const r = await svd(a, m, n, { arena: await arena });
        const k = Math.min(m, n);
        expect(r.sweeps).toBeGreaterThan(0);
        expect(maxAbsDiff(reconstruct(r.u, r.s, r.v, m, n), a)).toBeLessThan(1e-13 * Math.max(m, n) * r.s[0]);
        expect(orthonormalityError(r.u, m, k)).toBeLessThan(1e-13);
        expect(orthonormalityError(r.v, n, k)).toBeLessThan(1e-13);
        for (let i = 1; i < k; i++) expect(r.s[i]).toBeLessThanOrEqual(r.s[i - 1]);
        const ref = svdReference(a, m, n);
        expect(maxAbsDiff(r.s, ref.s)).toBeLessThan(1e-10 * r.s[0]);
        // singular vectors agree with the reference up to the shared sign convention (simple spectrum)
        expect(maxAbsDiff(r.u, ref.u)).toBeLessThan(1e-7);
        expect(maxAbsDiff(r.v, ref.v)).toBeLessThan(1e-7);
      });
    }
    it("rank-deficient 8×6 of rank 2: zero tail, still orthonormal and reconstructing", async () => {
      const a = product(randomMatrix(8, 2, 11), randomMatrix(2, 6, 12), 8, 2, 6);
      const r = await svd(a, 8, 6, { arena: await arena });
      const ref = svdReference(a, 8, 6);
      expect(maxAbsDiff(r.s.subarray(0, 2), ref.s.subarray(0, 2))).toBeLessThan(1e-10 * r.s[0]);
      for (let i = 2; i < 6; i++) expect(r.s[i]).toBeLessThan(1e-14 * r.s[0]);
      expect(orthonormalityError(r.u, 8, 6)).toBeLessThan(1e-13);
      expect(orthonormalityError(r.v, 6, 6)).toBeLessThan(1e-13);
      expect(maxAbsDiff(reconstruct(r.u, r.s, r.v, 8, 6), a)).toBeLessThan(1e-13 * r.s[0]);
    });
    it("exact zeros (zero columns, zero rows, the zero matrix) are completed to orthonormal bases", async () => {
      const cases: [Float64Array, number, number][] = [
        [Float64Array.from([1, 0, 2, 0, 0, 0, 3, 0, 4, 0, 0, 0]), 4, 3], // zero column and zero rows
        [new Float64Array(12), 3, 4],
        [Float64Array.from([0, 0, 0, 0, 0, 2, 0, 0]), 2, 4],
      ];
      for (const [a, m, n] of cases) {
        const r = await svd(a, m, n, { arena: await arena });
        const k = Math.min(m, n);
        expect(orthonormalityError(r.u, m, k)).toBeLessThan(1e-14);
        expect(orthonormalityError(r.v, n, k)).toBeLessThan(1e-14);
        expect(maxAbsDiff(reconstruct(r.u, r.s, r.v, m, n), a)).toBeLessThan(1e-14);
        expect(maxAbsDiff(r.s, svdReference(a, m, n).s)).toBeLessThan(1e-12);
      }
    });
    it("is scale-safe (entries near 1e200 and 1e-200)", async () => {
      const a = randomMatrix(5, 3, 9);
      for (const scale of [1e200, 1e-200]) {
        const r = await svd(Float64Array.from(a, (x) => x * scale), 5, 3, { arena: await arena });
        const r1 = await svd(a, 5, 3, { arena: await arena });
        expect(maxAbsDiff(Float64Array.from(r.s, (x) => x / scale), r1.s)).toBeLessThan(1e-13 * r1.s[0]);
      }
    });
  });
}

describe("svd properties (fast-check, debug variant)", () => {
  it("any m×n ≤ 12×12 with entries of mixed scale: reconstruction, orthonormality, descending s ≥ 0", async () => {
    const arena = await Arena.create("debug");
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer(), fc.integer({ min: 0, max: 3 }), async (m, n, seed, zeros) => {
        const a = randomMatrix(m, n, seed);
        for (let z = 0; z < zeros; z++) for (let j = 0; j < n; j++) a[(z % m) * n + j] = 0; // some zero rows
        const r = await svd(a, m, n, { arena });
        const k = Math.min(m, n);
        const scale = Math.max(r.s[0], 1e-300);
        expect(maxAbsDiff(reconstruct(r.u, r.s, r.v, m, n), a)).toBeLessThan(1e-13 * Math.max(m, n) * scale);
        expect(orthonormalityError(r.u, m, k)).toBeLessThan(1e-13);
        expect(orthonormalityError(r.v, n, k)).toBeLessThan(1e-13);
        for (let i = 0; i < k; i++) expect(r.s[i]).toBeGreaterThanOrEqual(0);
        for (let i = 1; i < k; i++) expect(r.s[i]).toBeLessThanOrEqual(r.s[i - 1]);
      }),
      { numRuns: 60, seed: 7 },
    );
  });
});

describe("svd input checks", () => {
  it("reports non-convergence as a ConvergenceError", async () => {
    await expect(svd(randomMatrix(6, 5, 1), 6, 5, { maxSweeps: 1 })).rejects.toThrow(ConvergenceError);
  });

  it("rejects a wrong length, bad sizes and non-finite entries with typed errors", async () => {
    await expect(svd(new Float64Array(5), 2, 3)).rejects.toThrow(ShapeError);
    await expect(svd(new Float64Array(0), 0, 3)).rejects.toThrow(ShapeError);
    await expect(svd([1, NaN, 0, 1], 2, 2)).rejects.toThrow(NonFiniteError);
  });
});
