// gemmF32 / gemmF64 against the float64 triple loop (src/reference/gemm.ts), on the debug build (every
// bound check on) and on the default build: awkward shapes, the accumulate flag, strides wider than the
// rows (the padding must stay untouched), k = 0, and the benchmark shapes.
import { describe, expect, it, beforeAll } from "vitest";
import { Arena } from "../../src/engine/arena.js";
import { detectVariant, type WasmVariant } from "../../src/engine/wasm.js";
import { matmul, matmulIn, type GemmKernels } from "../../src/linalg/gemm.js";
import { gemmReference } from "../../src/reference/gemm.js";
import { mulberry32 } from "../../src/random.js";
import { NonFiniteError, ShapeError } from "../../src/errors.js";

type Precision = "f32" | "f64";
const UNIT_ROUNDOFF = { f32: 2 ** -24, f64: 2 ** -53 };

interface Case {
  m: number;
  n: number;
  k: number;
  /** Extra elements at the end of each row of A, B, C (strides = width + pad). */
  pad: number;
  accumulate: boolean;
  /** Place A, B and C one element past a 16-byte boundary (unaligned v128 accesses). */
  misalign?: boolean;
}

/**
 * Runs one case through the kernel and checks every element of C (and the untouched padding) against the
 * reference with the standard bound |ĉ − c| ≤ (k + 2) u Σ_p |a_ip||b_pj| (+ u|c_old| when accumulating).
 */
function check(arena: Arena, precision: Precision, t: Case, seed: number): void {
  const { m, n, k, pad, accumulate } = t;
  const rnd = mulberry32(seed);
  const lda = k + pad, ldb = n + pad, ldc = n + pad;
  const Typed = precision === "f32" ? Float32Array : Float64Array;
  const a = Typed.from({ length: m * lda }, () => rnd() * 2 - 1); // m×lda, row-major (pad columns unused)
  const b = Typed.from({ length: k * ldb }, () => rnd() * 2 - 1); // k×ldb
  const c0 = Typed.from({ length: m * ldc }, () => rnd() * 2 - 1); // m×ldc: old C, and sentinels in the pad
  const expected = Float64Array.from(c0);
  gemmReference(m, n, k, a, lda, b, ldb, expected, ldc, accumulate);
  const absBound = new Float64Array(m * n); // m×n: Σ_p |a_ip||b_pj|
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += Math.abs(a[i * lda + p] * b[p * ldb + j]);
    absBound[i * n + j] = s;
  }
  const kernels = arena.kernels<GemmKernels>();
  const got = arena.scoped(() => {
    const size = precision === "f32" ? 4 : 8;
    const shift = t.misalign ? size : 0;
    const put = (x: ArrayLike<number>): number => {
      const p = arena.alloc((x.length + 1) * size) + shift; // arena blocks are 16-byte aligned
      (precision === "f32" ? arena.f32(p, x.length) : arena.f64(p, x.length)).set(x);
      return p;
    };
    const pa = put(a), pb = put(b), pc = put(c0);
    (precision === "f32" ? kernels.gemmF32 : kernels.gemmF64)(m, n, k, pa, lda, pb, ldb, pc, ldc, accumulate ? 1 : 0);
    return (precision === "f32" ? arena.f32(pc, m * ldc) : arena.f64(pc, m * ldc)).slice();
  });
  const u = UNIT_ROUNDOFF[precision];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < ldc; j++) {
      const idx = i * ldc + j;
      if (j >= n) {
        if (got[idx] !== c0[idx]) throw new Error(`${precision} ${JSON.stringify(t)}: padding C[${i}][${j}] was overwritten`);
        continue;
      }
      const tol = (k + 2) * u * absBound[i * n + j] + (accumulate ? 2 * u * Math.abs(c0[idx]) : 0) + 1e-300;
      if (!(Math.abs(got[idx] - expected[idx]) <= tol)) {
        throw new Error(`${precision} ${JSON.stringify(t)}: C[${i}][${j}] = ${got[idx]}, expected ${expected[idx]} ± ${tol}`);
      }
    }
  }
}

/** Seeded random cases: m, n, k in 1..37 with and without padding and accumulation. */
function randomCases(count: number, seed: number): Case[] {
  const rnd = mulberry32(seed);
  const pick = () => 1 + Math.floor(rnd() * 37);
  return Array.from({ length: count }, (_, i) => ({ m: pick(), n: pick(), k: pick(), pad: i % 3 === 0 ? 0 : 1 + (i % 5), accumulate: i % 2 === 1 }));
}

/** Every m and n in 1..9 (all row and column remainders of the 4×8 / 4×4 tiles) for a few k. */
function edgeCases(): Case[] {
  const out: Case[] = [];
  for (let m = 1; m <= 9; m++) for (let n = 1; n <= 17; n += m % 2 === 0 ? 1 : 2) out.push({ m, n, k: 1 + ((m * 7 + n) % 11), pad: n % 3, accumulate: (m + n) % 2 === 0 });
  return out;
}

// The debug build (all bound checks), the default build, and the relaxed-SIMD build where this runtime
// runs it (Node 20 needs --experimental-wasm-relaxed-simd, e.g. through NODE_OPTIONS).
const variants: (WasmVariant | undefined)[] = ["debug", undefined, ...(detectVariant() === "relaxed" ? ["simd" as const] : [])];

describe.each(variants)("gemm kernels, variant %s", (variant) => {
  let arena: Arena;
  beforeAll(async () => {
    arena = await Arena.create(variant);
  });

  for (const precision of ["f32", "f64"] as const) {
    it(`${precision}: random shapes with m, n, k in 1..37, padded strides, accumulate`, () => {
      randomCases(60, precision === "f32" ? 11 : 12).forEach((t, i) => check(arena, precision, t, 1000 + i));
    });
    it(`${precision}: every row and column remainder of the tiles`, () => {
      edgeCases().forEach((t, i) => check(arena, precision, t, 2000 + i));
    });
    it(`${precision}: operands not aligned to 16 bytes`, () => {
      check(arena, precision, { m: 9, n: 21, k: 13, pad: 1, accumulate: true, misalign: true }, 8);
      check(arena, precision, { m: 4, n: 8, k: 5, pad: 0, accumulate: false, misalign: true }, 9);
    });
    it(`${precision}: k = 0 clears C, or leaves it when accumulating`, () => {
      check(arena, precision, { m: 5, n: 9, k: 0, pad: 2, accumulate: false }, 3);
      check(arena, precision, { m: 5, n: 9, k: 0, pad: 2, accumulate: true }, 4);
    });
  }

  it("f32: the benchmark shapes (10×256)·(256×784) and (256×256)·(256×784)", () => {
    check(arena, "f32", { m: 10, n: 784, k: 256, pad: 0, accumulate: false }, 5);
    check(arena, "f32", { m: 256, n: 784, k: 256, pad: 0, accumulate: true }, 6);
  });

  it("f64: a larger shape with padding", () => {
    check(arena, "f64", { m: 67, n: 130, k: 91, pad: 3, accumulate: true }, 7);
  });

  it("matmulIn: hand-computed 2×2 product", () => {
    expect(Array.from(matmulIn(arena, [1, 2, 3, 4], [5, 6, 7, 8], 2, 2, 2))).toEqual([19, 22, 43, 50]);
  });
});

describe("matmul (high tier)", () => {
  it("equals the reference on a 3×5·5×7 product", async () => {
    const rnd = mulberry32(9);
    const a = Float32Array.from({ length: 15 }, () => rnd() - 0.5);
    const b = Float32Array.from({ length: 35 }, () => rnd() - 0.5);
    const c = await matmul(a, b, 3, 5, 7);
    const ref = new Float64Array(21);
    gemmReference(3, 7, 5, a, 5, b, 7, ref, 7, false);
    c.forEach((x, i) => expect(Math.abs(x - ref[i])).toBeLessThan(1e-6));
  });

  it("rejects wrong lengths, bad sizes and non-finite values", async () => {
    await expect(matmul([1, 2, 3], [1, 2], 1, 2, 1)).rejects.toThrow(ShapeError);
    await expect(matmul([1, 2], [1, 2, 3], 1, 2, 1)).rejects.toThrow(/B must hold k·n = 2·1 = 2 values, got 3/);
    await expect(matmul([1, 2], [1, 2], 1.5, 2, 1)).rejects.toThrow(ShapeError);
    await expect(matmul([], [], 0, 1, 1)).rejects.toThrow(ShapeError);
    await expect(matmul([1, NaN], [1, 2], 1, 2, 1)).rejects.toThrow(NonFiniteError);
  });
});
