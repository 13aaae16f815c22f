/**
 * What an analysis job is, in three parts (and an optional fourth):
 * - `layout(net, opts)`: its per-point outputs (name → element kind and values per point), computed from
 *   the compiled network's geometry and validated options — in the calling thread, before anything is
 *   dispatched, so bad options fail early and the engine can allocate each result once;
 * - `meta(net, opts)`: chunk-independent facts about the result (sizes, route);
 * - `compile(net, opts)`: compile options the call needs beyond the default compile (e.g. `keep` a node that
 *   folding or fusion would hide); both threads derive the same options from the same `opts`;
 * - `prepare(arena, net, opts)` (optional): per-model data the job derives once (e.g. a Gram of the first
 *   layer's weights), allocated in the arena's model cache and kept in `net.derived` while the upload lives;
 *   called before every `run`, it returns at once when its data is there;
 * - `cost(net, opts)`: flops per point, from which the runtime sizes chunks (src/engine/cost.ts; default: a
 *   Jacobian's worth, one forward pass and one reverse pass per output);
 * - `run(...)`: the work on a chunk of points inside one kernel instance (a worker, or the calling thread
 *   for workers: 0), writing point i of the chunk at index `base + i` of each output array (in a worker: a
 *   shared staging buffer the pool copies from, or the caller's shared `out` arrays; see src/engine/pool.ts).
 */
import type { Arena } from "./arena.js";
import type { CompileOptions, CompiledNetwork } from "../model/compile.js";
import type { ModelSpec } from "../model/types.js";
import type { UploadedNetwork } from "./network.js";

export type PerPointArray = Float32Array | Float64Array | Int32Array | Uint32Array | BigUint64Array;
export type ArrayKind = "f32" | "f64" | "i32" | "u32" | "u64";
export type Layout = Record<string, [ArrayKind, number]>;
export type Meta = Record<string, number | string | boolean>;
export type Outputs = Record<string, PerPointArray>;

export interface Job {
  compile?(net: CompiledNetwork, opts: Record<string, unknown>): CompileOptions | undefined;
  /** Floating-point operations per point (an estimate: it only sizes chunks). */
  cost?(net: CompiledNetwork, opts: Record<string, unknown>): number;
  layout(net: CompiledNetwork, opts: Record<string, unknown>): Layout;
  prepare?(arena: Arena, net: UploadedNetwork, opts: Record<string, unknown>): void;
  meta(net: CompiledNetwork, opts: Record<string, unknown>): Meta;
  /**
   * X: count×d f32 row-major, validated by the caller. `net`: the compiled network uploaded to this kernel
   * instance (float32 and float64 descriptors). `spec`: the model itself, for jobs that read its source nodes.
   */
  run(arena: Arena, net: UploadedNetwork, X: Float32Array, count: number, opts: Record<string, unknown>, out: Outputs, base: number, spec?: ModelSpec): void;
}

/** The cache key of a model compiled with `options` (the default compile: the id alone). */
export function compiledKey(id: string, options: CompileOptions | undefined): string {
  return options ? `${id}|${JSON.stringify(options)}` : id;
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
