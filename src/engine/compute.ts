/**
 * One kernel instance with its models: what a worker (or the calling thread, for workers: 0) runs.
 * Models are uploaded once and cached by id at the bottom of the arena; each job's scratch sits above them
 * and is released when the job ends, so memory stays flat across calls.
 */
import { Arena } from "./arena.js";
import { FoliateError, OptionError } from "../errors.js";
import type { ModelSpec } from "../model/types.js";
import type { JobPart } from "./job.js";
import { jobs } from "./jobs.js";
import { uploadPlan, type Plan } from "./plan.js";
import type { WasmVariant } from "./wasm.js";

/** Models kept per instance before the cache is reset (weights bytes). */
const MODEL_CACHE_BYTES = 512 * 1024 * 1024;

export class Compute {
  private readonly plans = new Map<string, Plan>();
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
      this.arena.release(this.floor);
      this.cached = 0;
    }
    const plan = uploadPlan(this.arena, spec);
    this.cached += plan.bytes;
    this.plans.set(id, plan);
  }

  run(job: string, id: string, X: Float32Array, count: number, opts: Record<string, unknown>): JobPart {
    const fn = jobs[job];
    if (!fn) throw new OptionError(`unknown job "${job}"`);
    const plan = this.plans.get(id);
    if (!plan) throw new FoliateError(`model ${id} is not registered with this kernel instance`);
    const mark = this.arena.mark();
    try {
      return fn(this.arena, plan, X, count, opts);
    } finally {
      this.arena.release(mark);
    }
  }

  memory(): { wasmBytes: number; peakScratch: number } {
    return { wasmBytes: this.arena.memoryBytes, peakScratch: this.arena.peak };
  }
}
