/**
 * What an analysis job is, in three parts:
 * - `layout(plan, opts)`: its per-point outputs (name → element kind and values per point), computed from
 *   the plan's geometry and validated options — in the calling thread, before anything is dispatched, so
 *   bad options fail early and the engine can allocate each result once;
 * - `meta(plan, opts)`: chunk-independent facts about the result (sizes, route);
 * - `run(...)`: the work on a chunk of points inside one kernel instance (a worker, or the calling thread
 *   for workers: 0), writing point i of the chunk at index `base + i` of each output array (in a worker:
 *   views into its shared staging buffer, copied into the call's result by the pool).
 */
import type { Arena } from "./arena.js";
import type { Plan } from "./plan.js";
import type { ModelSpec } from "../model/types.js";

export type PerPointArray = Float32Array | Float64Array | Int32Array | Uint32Array | BigUint64Array;
export type ArrayKind = "f32" | "f64" | "i32" | "u32" | "u64";
export type Layout = Record<string, [ArrayKind, number]>;
export type Meta = Record<string, number | string | boolean>;
export type Outputs = Record<string, PerPointArray>;

export interface Job {
  layout(plan: Plan, opts: Record<string, unknown>): Layout;
  meta(plan: Plan, opts: Record<string, unknown>): Meta;
  /**
   * X: count×d f32 row-major, validated by the caller. `spec`: the model itself, for jobs that need its
   * float64 weights (the plan holds float32 copies).
   */
  run(arena: Arena, plan: Plan, X: Float32Array, count: number, opts: Record<string, unknown>, out: Outputs, base: number, spec?: ModelSpec): void;
}

const ctors = { f32: Float32Array, f64: Float64Array, i32: Int32Array, u32: Uint32Array, u64: BigUint64Array } as const;
const bytes = { f32: 4, f64: 8, i32: 4, u32: 4, u64: 8 } as const;

/** Arrays for n points of every output in `layout`. */
export function allocateOutputs(layout: Layout, n: number): Outputs {
  const out: Outputs = {};
  for (const [key, [kind, per]] of Object.entries(layout)) out[key] = new ctors[kind](n * per);
  return out;
}

/** Views for `count` points of every output in `layout`, packed (8-byte aligned) into one buffer. */
export function stagingViews(layout: Layout, count: number): { bytes: number; make(buffer: ArrayBufferLike): Outputs } {
  let bytesTotal = 0;
  const at: [string, ArrayKind, number, number][] = [];
  for (const [key, [kind, per]] of Object.entries(layout)) {
    at.push([key, kind, bytesTotal, count * per]);
    bytesTotal += Math.ceil((count * per * bytes[kind]) / 8) * 8;
  }
  return {
    bytes: bytesTotal,
    make: (buffer) => Object.fromEntries(at.map(([key, kind, offset, len]) => [key, new ctors[kind](buffer as ArrayBuffer, offset, len)])),
  };
}

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
