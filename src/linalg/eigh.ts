/**
 * Symmetric eigen-decomposition, high tier: validates, copies the matrix into a Wasm arena, runs the
 * float64 kernel symEigF64 (Householder tridiagonalisation + implicit QL, assembly/eigh.ts) and copies the
 * result out as plain typed arrays.
 */
import type { Arena } from "../engine/arena.js";
import { FoliateError, NonFiniteError, OptionError, ShapeError } from "../errors.js";
import { linalgArena } from "./arena.js";

/** The eigensolver kernel's export (pointer ABI, see assembly/eigh.ts). */
export interface EighKernels {
  /**
   * Eigen-decomposition of the symmetric n×n f64 matrix at `a` (stride lda): eigenvalues descending to `w`,
   * eigenvectors as rows of `v` (stride ldv); `work` is 3n f64. Returns QL iterations, or −1 (no convergence).
   */
  symEigF64(n: number, a: number, lda: number, w: number, v: number, ldv: number, work: number): number;
}

/** Largest n accepted (the n×n matrix, its eigenvectors and the solver's O(n³) time stay reasonable). */
export const EIGH_MAX_N = 4096;

/** |a_ij − a_ji| above this times max|a| is not symmetric (float32 input gets the float32 tolerance). */
const SYMMETRY_TOL_F64 = 1e-9;
const SYMMETRY_TOL_F32 = 1e-5;

export interface Eigh {
  /** n eigenvalues, descending. */
  values: Float64Array;
  /** n×n, row-major: row i is the unit eigenvector of values[i], its largest-magnitude entry positive. */
  vectors: Float64Array;
}

/** The matrix as a flat row-major float64 copy, with n checked; throws the typed errors of `eigh`. */
function toDense(matrix: Float64Array | Float32Array | number[][], n?: number): { a: Float64Array; n: number; tol: number } {
  if (n !== undefined && (!Number.isInteger(n) || n < 1 || n > EIGH_MAX_N)) {
    throw new OptionError(`eigh: n must be an integer in 1..${EIGH_MAX_N}, got ${n}`);
  }
  if (Array.isArray(matrix)) {
    const rows = matrix.length;
    if (n !== undefined && rows !== n) throw new ShapeError(`eigh: expected ${n} rows, got ${rows}`);
    if (rows < 1 || rows > EIGH_MAX_N) throw new ShapeError(`eigh: expected a square matrix with 1..${EIGH_MAX_N} rows, got ${rows}`);
    const a = new Float64Array(rows * rows); // rows×rows, row-major
    for (let i = 0; i < rows; i++) {
      const row = matrix[i];
      if (!Array.isArray(row) || row.length !== rows) {
        throw new ShapeError(`eigh: row ${i} must be an array of ${rows} numbers (square matrix), got ${Array.isArray(row) ? `length ${row.length}` : typeof row}`);
      }
      for (let j = 0; j < rows; j++) {
        const x = row[j];
        if (typeof x !== "number") throw new ShapeError(`eigh: entry [${i}][${j}] must be a number, got ${typeof x}`);
        a[i * rows + j] = x;
      }
    }
    return { a, n: rows, tol: SYMMETRY_TOL_F64 };
  }
  if (!(matrix instanceof Float64Array) && !(matrix instanceof Float32Array)) {
    throw new ShapeError(`eigh: expected a Float64Array, Float32Array or number[][], got ${Object.prototype.toString.call(matrix)}`);
  }
  const side = n ?? Math.round(Math.sqrt(matrix.length));
  if (side * side !== matrix.length) {
    throw new ShapeError(`eigh: a square n×n matrix needs n² values; got ${matrix.length}` + (n === undefined ? " (not a perfect square)" : ` for n = ${n}`));
  }
  if (side < 1 || side > EIGH_MAX_N) throw new ShapeError(`eigh: expected 1 ≤ n ≤ ${EIGH_MAX_N}, got n = ${side}`);
  return { a: Float64Array.from(matrix), n: side, tol: matrix instanceof Float32Array ? SYMMETRY_TOL_F32 : SYMMETRY_TOL_F64 };
}

/** Checks finiteness and symmetry, then averages the two triangles (the kernel assumes exact symmetry). */
function checkSymmetric(a: Float64Array, n: number, tol: number): void {
  let amax = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (!Number.isFinite(x)) throw new NonFiniteError(`eigh: entry [${Math.floor(i / n)}][${i % n}] is ${x}; expected a finite number`);
    amax = Math.max(amax, Math.abs(x));
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const x = a[i * n + j];
      const y = a[j * n + i];
      if (Math.abs(x - y) > tol * amax) {
        throw new ShapeError(`eigh: the matrix must be symmetric; [${i}][${j}] = ${x} but [${j}][${i}] = ${y} (tolerance ${tol} × max|a| = ${tol * amax})`);
      }
      a[i * n + j] = a[j * n + i] = (x + y) / 2;
    }
  }
}

/**
 * The kernel on a given arena, for a dense symmetric float64 matrix that is already validated
 * (n×n, row-major, finite, symmetric). Used by `eigh` and by tests that pick the Wasm variant.
 */
export function eighIn(arena: Arena, a: Float64Array, n: number): Eigh {
  const { symEigF64 } = arena.kernels<EighKernels>();
  return arena.scoped(() => {
    const pa = arena.putF64(a);
    const pw = arena.allocF64(n);
    const pv = arena.allocF64(n * n);
    const pwork = arena.allocF64(3 * n);
    const iterations = symEigF64(n, pa, n, pw, pv, n, pwork);
    if (iterations < 0) throw new FoliateError(`eigh: the QL iteration did not converge for this ${n}×${n} matrix`);
    return { values: arena.f64(pw, n).slice(), vectors: arena.f64(pv, n * n).slice() };
  });
}

/**
 * Eigen-decomposition of a symmetric matrix: A = Vᵀ diag(values) V with V's rows orthonormal.
 * `matrix`: n×n row-major Float64Array/Float32Array (n inferred from the length when omitted) or number[][].
 * Throws ShapeError (not square, not symmetric within a relative tolerance), NonFiniteError (NaN, ±∞),
 * OptionError (n not an integer in 1..4096).
 * @example
 * const { values, vectors } = await eigh([[2, 1], [1, 2]]);
 * // values: Float64Array [3, 1]; vectors: Float64Array [0.7071…, 0.7071…, 0.7071…, -0.7071…]
 */
export async function eigh(matrix: Float64Array | Float32Array | number[][], n?: number): Promise<Eigh> {
  const dense = toDense(matrix, n);
  checkSymmetric(dense.a, dense.n, dense.tol);
  return eighIn(await linalgArena(), dense.a, dense.n);
}
