/**
 * What an analysis job is: a function run inside one kernel instance (a worker, or the calling thread when
 * workers = 0) on a chunk of points. It returns per-point arrays (first dimension = the chunk's points, so
 * chunks concatenate) and chunk-independent metadata.
 */
import type { Arena } from "./arena.js";
import type { Plan } from "./plan.js";

export type PerPointArray = Float32Array | Float64Array | Int32Array | Uint32Array | BigUint64Array | Uint8Array;

export interface JobPart {
  perPoint: Record<string, PerPointArray>;
  meta: Record<string, number | string | boolean | number[]>;
}

/** X: count×d f32 row-major, already validated by the caller; opts: structured-cloneable options. */
export type Job = (arena: Arena, plan: Plan, X: Float32Array, count: number, opts: Record<string, unknown>) => JobPart;

/** Points per forward sub-chunk inside a job: bounds the scratch memory of one call. */
export const SUBCHUNK = 128;

/** Run `each(start, count, inputPtr)` over sub-chunks of X with the arena's scratch released after each. */
export function overSubchunks(arena: Arena, X: Float32Array, count: number, d: number, each: (start: number, n: number, input: number) => void): void {
  for (let start = 0; start < count; start += SUBCHUNK) {
    const n = Math.min(SUBCHUNK, count - start);
    arena.scoped(() => {
      const input = arena.allocF32(n * d);
      arena.f32(input, n * d).set(X.subarray(start * d, (start + n) * d));
      each(start, n, input);
    });
  }
}
