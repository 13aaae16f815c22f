/**
 * The runtime under every analysis: kernel instances (a worker pool, or the calling thread for workers: 0),
 * the registered jobs mapped over batches of points, registered tasks, and host scratch memory. It knows no
 * analysis: jobs and tasks register themselves (src/engine/registry.ts) and the public facade
 * (src/api/engine.ts) sits above the analyses.
 *
 * A call validates its inputs in the calling thread, splits the batch into chunks of about equal work (sized
 * from the job's cost per point, src/engine/cost.ts, and n — never from the worker count, so results are
 * identical for any number of workers), runs the chunks on the pool (or inline for workers: 0), reports
 * progress per chunk, and writes the parts into one result.
 *
 * Results are ordinary typed arrays for any worker count; the pool's workers write into shared staging
 * memory and the calling thread copies each finished chunk while the workers compute the next ones
 * (src/engine/pool.ts). A caller who passes `out` arrays over a SharedArrayBuffer has them written directly.
 */
import { AbortError, EngineClosedError, OptionError, ShapeError } from "../errors.js";
import { Model } from "../model/model.js";
import { toBatch, type BatchInput } from "./batch.js";
import { Compute } from "./compute.js";
import { allocateOutputs, compiledKey, type Job, type Meta, type Outputs } from "./job.js";
import { chunkPoints, chunkRanges, jacobianFlops } from "./cost.js";
import { canShareMemory, isShared } from "./platform.js";
import { compileNetwork, type CompiledNetwork } from "../model/compile.js";
import { WorkerPool } from "./pool.js";
import { getJob, getTask } from "./registry.js";
import type { WasmVariant } from "./wasm.js";
import { Arena } from "./arena.js";

export interface EngineOptions {
  /** Worker count; default: available parallelism. 0 runs the kernels in the calling thread. */
  workers?: number;
  /**
   * Points per chunk, fixed. Default: sized per call from the model's cost per point (src/engine/cost.ts),
   * the same for any worker count.
   */
  chunkSize?: number;
  /** Kernel build; default: detected ("relaxed" where relaxed SIMD validates, else "simd"). */
  variant?: WasmVariant;
}

/** Options every analysis call accepts. */
export interface CallOptions {
  signal?: AbortSignal;
  /** Called after each chunk with points done and total. */
  onProgress?: (done: number, total: number) => void;
}

function defaultWorkers(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency) return nav.hardwareConcurrency;
  return 2;
}

/** A runtime with `options.workers` kernel instances (default: available parallelism), ready to run. */
export async function createRuntime(options: EngineOptions = {}): Promise<Runtime> {
  let workers = options.workers;
  if (workers === undefined) {
    try {
      const os = await import("node:os");
      workers = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
    } catch {
      workers = defaultWorkers();
    }
  }
  if (!Number.isInteger(workers) || workers < 0 || workers > 256) throw new OptionError(`workers must be an integer in 0..256, got ${workers}`);
  const chunkSize = options.chunkSize;
  if (chunkSize !== undefined && (!Number.isInteger(chunkSize) || chunkSize < 1)) throw new OptionError(`chunkSize must be a positive integer, got ${chunkSize}`);
  const runtime = new Runtime(workers, chunkSize, options.variant);
  await runtime.ready();
  return runtime;
}

export class Runtime {
  private readonly pool?: WorkerPool;
  private local?: Promise<Compute>;
  private closed = false;

  /** `chunkSize`: points per chunk, or undefined to size chunks per call by cost. */
  constructor(readonly workers: number, readonly chunkSize: number | undefined, private readonly variant?: WasmVariant) {
    if (workers > 0) this.pool = new WorkerPool(workers, variant);
    else this.local = Compute.create(variant);
  }

  async ready(): Promise<void> {
    if (this.pool) await this.pool.ready();
    else await this.local;
  }

  private readonly compiled = new WeakMap<Model, Map<string, CompiledNetwork>>();

  /** The model compiled as the job needs it for these options (cached per model and compile options). */
  private geometry(model: Model, def: Job, opts: Record<string, unknown>): CompiledNetwork {
    let byKey = this.compiled.get(model);
    if (!byKey) this.compiled.set(model, (byKey = new Map()));
    const get = (options?: Parameters<typeof compileNetwork>[1]) => {
      const key = compiledKey("", options);
      let net = byKey!.get(key);
      if (!net) byKey!.set(key, (net = compileNetwork(model, options)));
      return net;
    };
    const plain = get();
    const options = def.compile?.(plain, opts);
    return options ? get(options) : plain;
  }

  /** Points per chunk for n points of `job` on this compiled network: the fixed `chunkSize`, else by cost. */
  chunkFor(def: Job, net: CompiledNetwork, opts: Record<string, unknown>, n: number): number {
    return this.chunkSize ?? chunkPoints(def.cost ? def.cost(net, opts) : jacobianFlops(net), n);
  }

  /** The chunks of n points: exactly `chunkSize` points each when fixed, else by cost with a halving tail. */
  chunksFor(def: Job, net: CompiledNetwork, opts: Record<string, unknown>, n: number): [number, number][] {
    const size = this.chunkFor(def, net, opts, n);
    if (this.chunkSize === undefined) return chunkRanges(n, size);
    const chunks: [number, number][] = [];
    for (let s = 0; s < n; s += size) chunks.push([s, Math.min(n, s + size)]);
    return chunks;
  }

  /**
   * Run a named job over the batch and return its outputs for all n points. Exposed for the analyses built
   * on the engine. Options are validated here (by the job's layout) before anything is dispatched. Results
   * are allocated once, or `into` supplies arrays to reuse, each of the layout's length; see the module
   * comment and src/engine/pool.ts for where workers write.
   */
  async map(job: string, model: Model, X: BatchInput, call: CallOptions, opts: Record<string, unknown>, into?: Outputs): Promise<{ out: Outputs; meta: Meta; n: number }> {
    if (this.closed) throw new EngineClosedError("the engine is closed");
    if (!(model instanceof Model)) throw new OptionError(`model must be a Model (use Model.fromJSON, Model.load or Model.fromTfjs)`);
    const def = getJob(job);
    const { data, n, d } = toBatch(X, model.inputSize);
    const clean = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
    const net = this.geometry(model, def, clean);
    const layout = def.layout(net, clean);
    const meta = def.meta(net, clean);
    let out = into ? checkInto(into, layout, n) : undefined;
    const chunks = this.chunksFor(def, net, clean, n);
    let done = 0;
    const progress = (count: number) => {
      done += count;
      call.onProgress?.(done, n);
    };
    if (call.signal?.aborted) throw new AbortError("aborted before it started");
    if (this.pool) {
      // One failed chunk fails the call: the call's chunks still queued are dropped (running ones finish).
      // The batch goes once into shared memory borrowed from the pool (each chunk a view of it), given back
      // when every chunk has settled; without shared memory each chunk is copied.
      const pool = this.pool;
      const shared = canShareMemory && !isShared(data) ? pool.borrowShared(data.byteLength) : undefined;
      const batch = shared ? new Float32Array(shared as ArrayBufferLike as ArrayBuffer, 0, data.length) : canShareMemory ? data : undefined;
      if (shared) batch!.set(data);
      // A fresh result is allocated once the first chunks are posted: zeroing it overlaps their work.
      let allocate: (() => void) | undefined;
      const target = out ?? new Promise<Outputs>((resolve) => (allocate = () => resolve((out = allocateOutputs(layout, n)))));
      let failed = false;
      let first: unknown; // the error that failed the call (later chunks are merely dropped)
      const parts = Promise.allSettled(
        chunks.map(async ([s, e]) => {
          try {
            await pool.run({
              job, modelId: model.id, spec: model, X: batch ? batch.subarray(s * d, e * d) : data.slice(s * d, e * d), count: e - s, opts: clean,
              out: target, layout, base: s, signal: call.signal, skip: () => failed,
            });
            progress(e - s);
          } catch (err) {
            if (!failed) first = err;
            failed = true;
          }
        }),
      );
      if (allocate) {
        await yieldToEvents(); // the workers' first tasks are posted by now
        allocate();
      }
      await parts;
      if (shared) pool.giveBackShared(shared);
      if (failed) throw first;
      return { out: out!, meta, n };
    }
    out ??= allocateOutputs(layout, n);
    const compute = await this.local!;
    compute.register(model.id, model);
    for (const [s, e] of chunks) {
      if (call.signal?.aborted) throw new AbortError("aborted");
      compute.run(job, model.id, data.subarray(s * d, e * d), e - s, clean, out, s);
      progress(e - s);
      if (call.onProgress || call.signal) await yieldToEvents();
    }
    return { out, meta, n };
  }

  /** Memory of every kernel instance (Wasm bytes, scratch high-water mark, process RSS). */
  async memory(): Promise<{ wasmBytes: number; peakScratch: number; rss: number }[]> {
    if (this.pool) return this.pool.memory();
    const c = await this.local!;
    return [{ ...c.memory(), rss: typeof process !== "undefined" ? process.memoryUsage().rss : 0 }];
  }

  /** Kernel instances that run in parallel (1 for workers: 0). */
  get parallelism(): number {
    return Math.max(1, this.workers);
  }

  /**
   * Run the registered task `name` with `args` on the next free worker (or on this thread's kernel instance
   * for workers: 0), with the pool's abort and crash handling.
   */
  async task<R>(name: string, args: unknown[], signal?: AbortSignal): Promise<R> {
    if (this.closed) throw new EngineClosedError("the engine is closed");
    if (signal?.aborted) throw new AbortError("aborted before it started");
    if (this.pool) return this.pool.call((remote) => remote.task(name, args) as Promise<R>, name, signal);
    const compute = await this.local!;
    return getTask(name)(compute.arena, ...args).value as R;
  }

  /** The pool, for tests of crash handling (undefined for workers: 0). */
  get workerPool(): WorkerPool | undefined {
    return this.pool;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pool?.close();
  }

  // Analyses that are not per-point batches (exact linear regions) run on a kernel instance of the calling thread.
  private hostArena?: Promise<Arena>;

  /** The calling thread's own kernel instance (created on first use) for analyses that are not batches. */
  arena(): Promise<Arena> {
    if (this.closed) throw new EngineClosedError("the engine is closed");
    return (this.hostArena ??= Arena.create(this.variant));
  }
}

/**
 * Let pending events (an abort, a progress consumer) run between chunks: setImmediate where it exists
 * (setTimeout(0) waits at least 1 ms in Node, a millisecond per chunk), else setTimeout.
 */
function yieldToEvents(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (f: () => void) => unknown }).setImmediate;
  return new Promise((r) => (immediate ? immediate(r) : setTimeout(r, 0)));
}

/** Check caller-supplied result arrays against the layout. */
function checkInto(into: Outputs, layout: Record<string, [string, number]>, n: number): Outputs {
  for (const [key, [, per]] of Object.entries(layout)) {
    const a = into[key];
    if (!a) throw new OptionError(`out: missing the "${key}" array`);
    if (a.length !== n * per) throw new ShapeError(`out: "${key}" has ${a.length} values, expected n×${per} = ${n * per}`);
  }
  return into;
}

/** What analyses accept: the runtime itself, or anything that holds one (the public Engine facade). */
export type RuntimeLike = Runtime | { readonly runtime: Runtime };

export function runtimeOf(x: RuntimeLike): Runtime {
  return x instanceof Runtime ? x : x.runtime;
}
