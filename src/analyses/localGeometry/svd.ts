/**
 * High tier of the float64 SVD kernel (assembly/svd.ts, one-sided Jacobi): ordinary arrays in, a plain
 * object of Float64Arrays out. The input is rescaled by max |a_ij| before the kernel (so squared norms
 * cannot overflow) and the singular values are scaled back.
 */
import { Arena } from "../../engine/arena.js";
import type { WasmVariant } from "../../engine/wasm.js";
import { NonFiniteError, ShapeError } from "../../errors.js";
import { ConvergenceError } from "./errors.js";

/** The kernels this module calls (exports of assembly/svd.ts). */
export interface SvdKernels {
  svdJacobiF64(m: number, n: number, a: number, lda: number, s: number, u: number, ldu: number, v: number, ldv: number, work: number, maxSweeps: number): number;
  svdJacobiF64WorkBytes(m: number, n: number): number;
}

/** A = U·diag(s)·Vᵀ, r = min(m, n). */
export interface Svd {
  /** r singular values, descending. */
  s: Float64Array;
  /** m×r, row-major, orthonormal columns; the largest-magnitude entry of each column is positive. */
  u: Float64Array;
  /** n×r, row-major, orthonormal columns. */
  v: Float64Array;
  /** Jacobi sweeps the kernel used. */
  sweeps: number;
}

export interface SvdOptions {
  /** Use this arena instead of the module's shared one (e.g. `await Arena.create("debug")` in tests). */
  arena?: Arena;
  /** Sweep limit (default 60; quadratic convergence needs ~6–12 for well-separated spectra). */
  maxSweeps?: number;
}

const shared = new Map<WasmVariant | "auto", Promise<Arena>>();

/** The arena shared by this module's calls for a variant (created on first use). */
export function svdArena(variant?: WasmVariant): Promise<Arena> {
  const key = variant ?? "auto";
  let a = shared.get(key);
  if (!a) {
    a = Arena.create(variant);
    a.catch(() => shared.delete(key)); // a failed load (e.g. unbuilt kernels) is retried on the next call
    shared.set(key, a);
  }
  return a;
}

/**
 * Thin SVD of a float64 m×n matrix (row-major) in Wasm.
 * @example
 *   const { s, u, v } = await svd(new Float64Array([3, 0, 0, 4]), 2, 2);
 *   // s = [4, 3], u = [[0, 1], [1, 0]], v = [[0, 1], [1, 0]]  (rows shown)
 */
export async function svd(matrix: ArrayLike<number>, m: number, n: number, options: SvdOptions = {}): Promise<Svd> {
  if (!Number.isInteger(m) || !Number.isInteger(n) || m < 1 || n < 1)
    throw new ShapeError(`svd: expected positive integer sizes m, n; got m = ${m}, n = ${n}`);
  if (matrix.length !== m * n) throw new ShapeError(`svd: expected an m×n = ${m}×${n} = ${m * n} array, got length ${matrix.length}`);
  let scale = 0;
  for (let i = 0; i < matrix.length; i++) {
    const x = matrix[i];
    if (!Number.isFinite(x)) throw new NonFiniteError(`svd: entry ${i} (row ${Math.floor(i / n)}, column ${i % n}) is ${x}`);
    scale = Math.max(scale, Math.abs(x));
  }
  const arena = options.arena ?? (await svdArena());
  const k = arena.kernels<SvdKernels>();
  const r = Math.min(m, n);
  const maxSweeps = options.maxSweeps ?? 60;
  return arena.scoped(() => {
    const a = arena.allocF64(m * n); // m×n, row-major, scaled copy
    const s = arena.allocF64(r);
    const u = arena.allocF64(m * r); // m×r
    const v = arena.allocF64(n * r); // n×r
    const work = arena.alloc(k.svdJacobiF64WorkBytes(m, n));
    const av = arena.f64(a, m * n);
    const inv = scale > 0 ? 1 / scale : 1;
    for (let i = 0; i < m * n; i++) av[i] = matrix[i] * inv;
    const sweeps = k.svdJacobiF64(m, n, a, n, s, u, r, v, r, work, maxSweeps);
    const out: Svd = {
      s: arena.f64(s, r).slice(),
      u: arena.f64(u, m * r).slice(),
      v: arena.f64(v, n * r).slice(),
      sweeps,
    };
    if (sweeps < 0) throw new ConvergenceError(`svd: Jacobi did not converge in ${maxSweeps} sweeps (m = ${m}, n = ${n})`);
    for (let i = 0; i < r; i++) out.s[i] *= scale > 0 ? scale : 1;
    return out;
  });
}
