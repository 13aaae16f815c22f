/**
 * One kernel instance with its models: what a worker (or the calling thread, for workers: 0) runs.
 * A model is compiled (src/model/compile.ts) and uploaded once — its layer table with float32 and float64
 * params — and cached by model id (and compile options) at the bottom of the arena; chunks carry points only.
 * Each job's scratch sits above the cache and is released when the job ends, so memory stays flat. When the
 * cached uploads pass MODEL_CACHE_BYTES, the uploads not used by the current call are evicted (the arena is
 * a bump allocator: the cache is rebuilt from the floor with the model in use).
 */
import { Arena } from "./arena.js";
import { FoliateError } from "../errors.js";
import { compileNetwork, type CompileOptions, type CompiledNetwork } from "../model/compile.js";
import type { ModelSpec } from "../model/types.js";
import { allocateOutputs, compiledKey, type Outputs } from "./job.js";
import { uploadNetwork, type UploadedNetwork } from "./network.js";
import { getJob } from "./registry.js";
import type { WasmVariant } from "./wasm.js";

/** Bytes of uploaded models kept per instance before unused ones are evicted. */
const MODEL_CACHE_BYTES = 512 * 1024 * 1024;

export class Compute {
  private readonly specs = new Map<string, ModelSpec>();
  /** Default compile of each registered model (host side: geometry for the jobs' compile hooks). */
  private readonly compiled = new Map<string, CompiledNetwork>();
  private readonly uploads = new Map<string, UploadedNetwork>();
  private cached = 0;
  private readonly floor: number;

  private constructor(readonly arena: Arena) {
    this.floor = arena.mark();
  }

  static async create(variant?: WasmVariant): Promise<Compute> {
    return new Compute(await Arena.create(variant));
  }

  has(id: string): boolean {
    return this.specs.has(id);
  }

  /** Know the model `id` (compiled now, uploaded on first use). */
  register(id: string, spec: ModelSpec): void {
    if (this.specs.has(id)) return;
    this.specs.set(id, spec);
    this.compiled.set(id, compileNetwork(spec));
  }

  /** The model `id` compiled with `options`, uploaded to this instance (cached). */
  network(id: string, options?: CompileOptions): UploadedNetwork {
    const key = compiledKey(id, options);
    const have = this.uploads.get(key);
    if (have) return have;
    const spec = this.specs.get(id);
    if (!spec) throw new FoliateError(`model ${id} is not registered with this kernel instance`);
    const net = options ? compileNetwork(spec, options) : this.compiled.get(id)!;
    if (this.cached > MODEL_CACHE_BYTES) {
      this.uploads.clear();
      this.arena.release(this.floor);
      this.cached = 0;
    }
    const up = uploadNetwork(this.arena, net);
    this.cached += up.bytes;
    this.uploads.set(key, up);
    return up;
  }

  /**
   * Run a job on `count` points, writing point i at index base + i of `out`; without `out`, allocate
   * outputs for the chunk alone (base 0) and return them.
   */
  run(job: string, id: string, X: Float32Array, count: number, opts: Record<string, unknown>, out?: Outputs, base = 0): Outputs {
    const def = getJob(job);
    const plain = this.compiled.get(id);
    if (!plain) throw new FoliateError(`model ${id} is not registered with this kernel instance`);
    const up = this.network(id, def.compile?.(plain, opts));
    const target = out ?? allocateOutputs(def.layout(up.net, opts), count);
    if (def.prepare) {
      // per-model data lives in the cache, above the uploads and below every call's scratch
      const before = this.arena.mark();
      def.prepare(this.arena, up, opts);
      this.cached += this.arena.mark() - before;
    }
    const mark = this.arena.mark();
    try {
      def.run(this.arena, up, X, count, opts, target, out ? base : 0, this.specs.get(id));
    } finally {
      this.arena.release(mark);
    }
    return target;
  }

  memory(): { wasmBytes: number; peakScratch: number } {
    return { wasmBytes: this.arena.memoryBytes, peakScratch: this.arena.peak };
  }
}
