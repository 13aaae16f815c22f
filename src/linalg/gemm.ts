/**
 * High tier of the gemm kernels: ordinary typed arrays in, a fresh Float32Array out. For tests,
 * benchmarks and small one-off products; the engine calls gemmF32 on pre-placed operands instead.
 */
import type { Arena } from "../engine/arena.js";
import { ShapeError, NonFiniteError } from "../errors.js";
import { linalgArena } from "./arena.js";

/** The gemm kernels' exports (pointer ABI, see assembly/gemm.ts). */
export interface GemmKernels {
  /** C (m×n) = A (m×k)·B (k×n), or C += A·B when accumulate != 0; f32 row-major, byte pointers, strides in elements. */
  gemmF32(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: number): void;
  /** Same in f64. */
  gemmF64(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: number): void;
}

function checkOperands(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): void {
  for (const [name, v] of [["m", m], ["k", k], ["n", n]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 1 << 24) throw new ShapeError(`matmul: ${name} must be an integer in 1..2^24, got ${v}`);
  }
  if (a.length !== m * k) throw new ShapeError(`matmul: A must hold m·k = ${m}·${k} = ${m * k} values, got ${a.length}`);
  if (b.length !== k * n) throw new ShapeError(`matmul: B must hold k·n = ${k}·${n} = ${k * n} values, got ${b.length}`);
  for (const [name, v] of [["A", a], ["B", b]] as const) {
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i])) throw new NonFiniteError(`matmul: ${name}[${i}] is ${v[i]}; expected a finite number`);
    }
  }
}

/**
 * A·B in float32 on the given arena: A (m×k) and B (k×n) row-major; returns C (m×n, row-major).
 * @example matmulIn(arena, [1, 2], [3, 4], 1, 2, 1) // Float32Array [11]
 */
export function matmulIn(arena: Arena, a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float32Array {
  checkOperands(a, b, m, k, n);
  const kernels = arena.kernels<GemmKernels>();
  return arena.scoped(() => {
    const pa = arena.putF32(a);
    const pb = arena.putF32(b);
    const pc = arena.allocF32(m * n);
    kernels.gemmF32(m, n, k, pa, k, pb, n, pc, n, 0);
    return arena.f32(pc, m * n).slice();
  });
}

/**
 * A·B in float32 on this thread's shared arena: A (m×k), B (k×n) row-major; resolves to C (m×n, row-major).
 * @example await matmul([1, 2, 3, 4], [1, 0, 0, 1], 2, 2, 2) // Float32Array [1, 2, 3, 4]
 */
export async function matmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Promise<Float32Array> {
  return matmulIn(await linalgArena(), a, b, m, k, n);
}
