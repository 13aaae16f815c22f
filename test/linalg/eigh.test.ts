// symEigF64 / eigh against closed forms and against the cyclic Jacobi reference (src/reference/eigh.ts, a
// different algorithm), on the debug build (every bound check on) and the default build; then the high
// tier's input forms and errors.
import { describe, expect, it, beforeAll } from "vitest";
import { Arena } from "../../src/engine/arena.js";
import { detectVariant, type WasmVariant } from "../../src/engine/wasm.js";
import { eigh, eighIn, type Eigh } from "../../src/linalg/eigh.js";
import { eigh as eighFromRoot } from "../../src/index.js";
import { jacobiEigh } from "../../src/reference/eigh.js";
import { gaussian, mulberry32 } from "../../src/random.js";
import { FoliateError, NonFiniteError, OptionError, ShapeError } from "../../src/errors.js";

/** Random symmetric n×n matrix (row-major) with entries uniform in [−1, 1). */
function randomSymmetric(n: number, seed: number): Float64Array {
  const rnd = mulberry32(seed);
  const a = new Float64Array(n * n); // n×n, row-major
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rnd() * 2 - 1;
  return a;
}

/** Random orthogonal n×n matrix (rows orthonormal), by Gram–Schmidt on Gaussian rows. */
function randomOrthogonal(n: number, seed: number): Float64Array {
  const g = gaussian(mulberry32(seed));
  const q = new Float64Array(n * n); // n×n, row-major, orthonormal rows
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) q[i * n + k] = g();
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < i; j++) {
        let d = 0;
        for (let k = 0; k < n; k++) d += q[i * n + k] * q[j * n + k];
        for (let k = 0; k < n; k++) q[i * n + k] -= d * q[j * n + k];
      }
    }
    let norm = 0;
    for (let k = 0; k < n; k++) norm += q[i * n + k] ** 2;
    for (let k = 0; k < n; k++) q[i * n + k] /= Math.sqrt(norm);
  }
  return q;
}

/** Qᵀ diag(λ) Q for orthogonal Q (rows = eigenvectors). */
function fromSpectrum(q: Float64Array, lambda: number[]): Float64Array {
  const n = lambda.length;
  const a = new Float64Array(n * n); // n×n, row-major
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += lambda[k] * q[k * n + i] * q[k * n + j];
    a[i * n + j] = s;
  }
  return a;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * The properties every decomposition must have: descending values, A v = λ v, orthonormal rows, and the
 * sign convention (first largest-magnitude entry positive). Tolerances scale with n ε ‖A‖.
 */
function expectValidDecomposition(a: Float64Array, n: number, r: Eigh): void {
  const scale = Math.max(maxAbs(a), 1e-300);
  const tol = 50 * n * 2.2e-16;
  expect(r.values.length).toBe(n);
  expect(r.vectors.length).toBe(n * n);
  for (let i = 1; i < n; i++) expect(r.values[i]).toBeLessThanOrEqual(r.values[i - 1]);
  for (let i = 0; i < n; i++) {
    for (let row = 0; row < n; row++) {
      let s = 0;
      for (let c = 0; c < n; c++) s += a[row * n + c] * r.vectors[i * n + c];
      expect(Math.abs(s - r.values[i] * r.vectors[i * n + row])).toBeLessThan(tol * scale);
    }
    for (let j = 0; j <= i; j++) {
      let d = 0;
      for (let k = 0; k < n; k++) d += r.vectors[i * n + k] * r.vectors[j * n + k];
      expect(Math.abs(d - (i === j ? 1 : 0))).toBeLessThan(tol);
    }
    let big = 0;
    let first = 0;
    for (let k = 0; k < n; k++) {
      if (Math.abs(r.vectors[i * n + k]) > big) {
        big = Math.abs(r.vectors[i * n + k]);
        first = r.vectors[i * n + k];
      }
    }
    expect(first).toBeGreaterThan(0);
  }
}

function expectValuesClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol)) throw new Error(`eigenvalue ${i}: got ${got[i]}, expected ${want[i]} ± ${tol}`);
  }
}

// The debug build (all bound checks), the default build, and the relaxed-SIMD build where this runtime
// runs it (Node 20 needs --experimental-wasm-relaxed-simd, e.g. through NODE_OPTIONS).
const variants: (WasmVariant | undefined)[] = ["debug", undefined, ...(detectVariant() === "relaxed" ? ["simd" as const] : [])];

describe.each(variants)("symEigF64, variant %s", (variant) => {
  let arena: Arena;
  beforeAll(async () => {
    arena = await Arena.create(variant);
  });

  it("random symmetric matrices agree with cyclic Jacobi (values, and vectors up to sign)", () => {
    for (const [n, seed] of [[1, 1], [2, 2], [3, 3], [4, 4], [5, 5], [8, 6], [17, 7], [33, 8], [64, 9]]) {
      const a = randomSymmetric(n, seed);
      const r = eighIn(arena, a, n);
      expectValidDecomposition(a, n, r);
      const ref = jacobiEigh(a, n);
      expectValuesClose(r.values, ref.values, 1e-12 * n);
      for (let i = 0; i < n; i++) {
        const gap = Math.min(i > 0 ? r.values[i - 1] - r.values[i] : Infinity, i < n - 1 ? r.values[i] - r.values[i + 1] : Infinity);
        if (gap < 1e-6) continue; // eigenvector of a (nearly) repeated eigenvalue is not unique
        let d = 0;
        for (let k = 0; k < n; k++) d += r.vectors[i * n + k] * ref.vectors[i * n + k];
        expect(Math.abs(Math.abs(d) - 1)).toBeLessThan(1e-9);
      }
    }
  });

  it("diagonal matrices: sorted diagonal, unit eigenvectors", () => {
    const diag = [3, -1, 7, 0, 2.5];
    const n = diag.length;
    const a = new Float64Array(n * n);
    diag.forEach((x, i) => (a[i * n + i] = x));
    const r = eighIn(arena, a, n);
    expectValuesClose(r.values, [7, 3, 2.5, 0, -1], 0);
    const order = [2, 0, 4, 3, 1];
    order.forEach((col, i) => {
      for (let k = 0; k < n; k++) expect(r.vectors[i * n + k]).toBe(k === col ? 1 : 0);
    });
  });

  it("2×2 closed form: (a + c)/2 ± sqrt(((a − c)/2)² + b²)", () => {
    for (const [p, b, c] of [[2, 1, 2], [1, -3, 5], [0, 1e-3, 0], [4, 0.5, -4]]) {
      const r = eighIn(arena, Float64Array.of(p, b, b, c), 2);
      const mid = (p + c) / 2;
      const rad = Math.hypot((p - c) / 2, b);
      expectValuesClose(r.values, [mid + rad, mid - rad], 1e-14 * (Math.abs(mid) + rad));
      expectValidDecomposition(Float64Array.of(p, b, b, c), 2, r);
    }
  });

  it("rank-1 u·uᵀ: one eigenvalue ‖u‖² with eigenvector ±u/‖u‖, the rest 0", () => {
    const n = 40;
    const rnd = mulberry32(21);
    const u = Array.from({ length: n }, () => rnd() * 2 - 1);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = u[i] * u[j];
    const r = eighIn(arena, a, n);
    const norm2 = u.reduce((s, x) => s + x * x, 0);
    expect(Math.abs(r.values[0] - norm2)).toBeLessThan(1e-13 * norm2);
    for (let i = 1; i < n; i++) expect(Math.abs(r.values[i])).toBeLessThan(1e-13 * norm2);
    let d = 0;
    for (let k = 0; k < n; k++) d += r.vectors[k] * u[k];
    expect(Math.abs(Math.abs(d) - Math.sqrt(norm2))).toBeLessThan(1e-12);
    expectValidDecomposition(a, n, r);
  });

  it("path-graph Laplacian: eigenvalues 2 − 2cos(kπ/n)", () => {
    const n = 50;
    const a = new Float64Array(n * n); // L = D − A of the path 0–1–…–(n−1)
    for (let i = 0; i < n; i++) {
      a[i * n + i] = i === 0 || i === n - 1 ? 1 : 2;
      if (i + 1 < n) a[i * n + i + 1] = a[(i + 1) * n + i] = -1;
    }
    const r = eighIn(arena, a, n);
    const want = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos((k * Math.PI) / n)).sort((x, y) => y - x);
    expectValuesClose(r.values, want, 1e-13);
    expectValidDecomposition(a, n, r);
    // The k = 0 eigenvector is constant: (1, …, 1)/√n.
    for (let k = 0; k < n; k++) expect(Math.abs(r.vectors[(n - 1) * n + k] - 1 / Math.sqrt(n))).toBeLessThan(1e-12);
  });

  it("zero and identity matrices", () => {
    for (const fill of [0, 1]) {
      const n = 7;
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) a[i * n + i] = fill;
      const r = eighIn(arena, a, n);
      expectValuesClose(r.values, new Array(n).fill(fill), 0);
      expectValidDecomposition(a, n, r);
    }
  });

  it("repeated eigenvalues: values, and the projector onto each eigenspace", () => {
    const lambda = [3, 3, 3, 1, 1, -2, 0.5, 0.5];
    const n = lambda.length;
    const q = randomOrthogonal(n, 31);
    const a = fromSpectrum(q, lambda);
    const r = eighIn(arena, a, n);
    expectValuesClose(r.values, [...lambda].sort((x, y) => y - x), 1e-13);
    expectValidDecomposition(a, n, r);
    // Σ_{λ_i = 3} v_i v_iᵀ equals Σ_{λ_k = 3} q_k q_kᵀ.
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let got = 0, want = 0;
      for (let t = 0; t < 3; t++) got += r.vectors[t * n + i] * r.vectors[t * n + j];
      for (let t = 0; t < 3; t++) want += q[t * n + i] * q[t * n + j];
      expect(Math.abs(got - want)).toBeLessThan(1e-12);
    }
  });

  it("rank-deficient PSD JᵀJ (rank 3 of 30, like the DIM): 27 zero eigenvalues, the rest as Jacobi", () => {
    const g = gaussian(mulberry32(41));
    const rows = 3, n = 30;
    const j = Float64Array.from({ length: rows * n }, () => g()); // rows×n
    const a = new Float64Array(n * n);
    for (let p = 0; p < n; p++) for (let q = 0; q < n; q++) {
      let s = 0;
      for (let t = 0; t < rows; t++) s += j[t * n + p] * j[t * n + q];
      a[p * n + q] = s;
    }
    const r = eighIn(arena, a, n);
    expectValidDecomposition(a, n, r);
    const ref = jacobiEigh(a, n);
    expectValuesClose(r.values, ref.values, 1e-12 * r.values[0]);
    for (let i = rows; i < n; i++) expect(Math.abs(r.values[i])).toBeLessThan(1e-13 * r.values[0]);
    expect(r.values[rows - 1]).toBeGreaterThan(1e-3 * r.values[0]);
  });

  it("scale invariance: tiny and huge matrices", () => {
    const n = 6;
    const a = randomSymmetric(n, 51);
    const base = eighIn(arena, a, n);
    for (const s of [1e-200, 1e200]) {
      const r = eighIn(arena, a.map((x) => x * s), n);
      expectValuesClose(r.values, base.values.map((x) => x * s), 1e-13 * s);
    }
  });

  it("a 200×200 random matrix", () => {
    const n = 200;
    const a = randomSymmetric(n, 61);
    expectValidDecomposition(a, n, eighIn(arena, a, n));
  });
});

describe("eigh (high tier)", () => {
  it("accepts Float64Array, Float32Array and number[][] and leaves the input unchanged", async () => {
    const rows = [[4, 1, 0], [1, 3, 1], [0, 1, 2]];
    const flat = Float64Array.from(rows.flat());
    const ref = jacobiEigh(flat, 3);
    const fromRows = await eigh(rows);
    const fromF64 = await eighFromRoot(flat);
    const fromF32 = await eigh(Float32Array.from(rows.flat()), 3);
    for (const r of [fromRows, fromF64, fromF32]) {
      expectValuesClose(r.values, ref.values, 1e-12);
      expectValidDecomposition(flat, 3, r);
    }
    expect(Array.from(flat)).toEqual(rows.flat());
    expect(rows).toEqual([[4, 1, 0], [1, 3, 1], [0, 1, 2]]);
  });

  it("the documented example", async () => {
    const { values, vectors } = await eigh([[2, 1], [1, 2]]);
    expectValuesClose(values, [3, 1], 1e-15);
    expectValuesClose(vectors, [Math.SQRT1_2, Math.SQRT1_2, Math.SQRT1_2, -Math.SQRT1_2], 1e-15);
  });

  it("rejects bad input with typed errors naming what was expected", async () => {
    await expect(eigh(new Float64Array(10))).rejects.toThrow(/n² values; got 10 \(not a perfect square\)/);
    await expect(eigh(new Float64Array(9), 4)).rejects.toThrow(ShapeError);
    await expect(eigh([[1, 2], [2]])).rejects.toThrow(/row 1 must be an array of 2 numbers/);
    await expect(eigh([])).rejects.toThrow(ShapeError);
    await expect(eigh([[1, "x" as unknown as number], [0, 1]])).rejects.toThrow(ShapeError);
    await expect(eigh([[1, 2], [3, 1]])).rejects.toThrow(/must be symmetric; \[0\]\[1\] = 2 but \[1\]\[0\] = 3/);
    await expect(eigh([[1, NaN], [NaN, 1]])).rejects.toThrow(NonFiniteError);
    await expect(eigh(Float64Array.of(1, 0, 0, Infinity))).rejects.toThrow(NonFiniteError);
    await expect(eigh(new Float64Array(4), 2.5)).rejects.toThrow(OptionError);
    await expect(eigh(new Float64Array(4), 5000)).rejects.toThrow(OptionError);
    await expect(eigh(new Float64Array(4097 * 4097))).rejects.toThrow(/1 ≤ n ≤ 4096/);
    await expect(eigh("abc" as unknown as number[][])).rejects.toThrow(FoliateError);
  });

  it("tolerates float-level asymmetry and symmetrises it", async () => {
    const r = await eigh([[2, 1 + 1e-12], [1, 2]]);
    expectValuesClose(r.values, [3, 1], 1e-11);
  });
});
