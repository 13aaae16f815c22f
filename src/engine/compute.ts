/**
 * One kernel instance with its models: what a worker (or the calling thread, for workers: 0) runs.
 * Models are uploaded once and cached by id at the bottom of the arena; each job's scratch sits above them
 * and is released when the job ends, so memory stays flat across calls.
 */
import { Arena } from "./arena.js";
import { FoliateError, OptionError } from "../errors.js";
import type { ModelSpec } from "../model/types.js";
import { allocateOutputs, type Outputs } from "./job.js";
import { getJob } from "./registry.js";
import { uploadPlan, type Plan } from "./plan.js";
import type { WasmVariant } from "./wasm.js";

/** Models kept per instance before the cache is reset (weights bytes). */
const MODEL_CACHE_BYTES = 512 * 1024 * 1024;

export class Compute {
  private readonly plans = new Map<string, Plan>();
  private readonly specs = new Map<string, ModelSpec>();
  private cached = 0;
  private readonly floor: number;

  private constructor(readonly arena: Arena) {
    this.floor = arena.mark();
  }

  static async create(variant?: WasmVariant): Promise<Compute> {
    return new Compute(await Arena.create(variant));
  }

  has(id: string): boolean {
    return this.plans.has(id);
  }

  register(id: string, spec: ModelSpec): void {
    if (this.plans.has(id)) return;
    if (this.cached > MODEL_CACHE_BYTES) {
      this.plans.clear();
      this.specs.clear();
      this.arena.release(this.floor);
      this.cached = 0;
    }
    const plan = uploadPlan(this.arena, spec);
    this.cached += plan.bytes;
    this.plans.set(id, plan);
    this.specs.set(id, spec);
  }

  /**
   * Run a job on `count` points, writing point i at index base + i of `out`; without `out`, allocate
   * outputs for the chunk alone (base 0) and return them.
   */
  run(job: string, id: string, X: Float32Array, count: number, opts: Record<string, unknown>, out?: Outputs, base = 0): Outputs {
    const def = getJob(job);
    const plan = this.plans.get(id);
    if (!plan) throw new FoliateError(`model ${id} is not registered with this kernel instance`);
    const target = out ?? allocateOutputs(def.layout(plan, opts), count);
    const mark = this.arena.mark();
    try {
      def.run(this.arena, plan, X, count, opts, target, out ? base : 0, this.specs.get(id));
    } finally {
      this.arena.release(mark);
    }
    return target;
  }

  memory(): { wasmBytes: number; peakScratch: number } {
    return { wasmBytes: this.arena.memoryBytes, peakScratch: this.arena.peak };
  }
}
