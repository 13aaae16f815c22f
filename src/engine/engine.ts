/**
 * The engine: `await createEngine({ workers })`, then analyses as methods. A call validates its inputs in the
 * calling thread, splits the batch into fixed-size chunks (independent of the worker count, so results are
 * identical for any number of workers), runs the chunks on the pool (or inline for workers: 0), reports
 * progress per chunk, and concatenates the parts.
 */
import { AbortError, EngineClosedError, OptionError, ShapeError } from "../errors.js";
import { Model } from "../model/model.js";
import { toBatch, type BatchInput } from "./batch.js";
import { Compute } from "./compute.js";
import { allocateOutputs, type Meta, type Outputs } from "./job.js";
import { jobs } from "./jobs.js";
import { compilePlan, type Plan } from "./plan.js";
import { WorkerPool } from "./pool.js";
import type { WasmVariant } from "./wasm.js";
import type { ForwardOptions, ForwardResult, LayerValues } from "../analyses/forward.js";
import type { JacobianOptions, JacobianResult } from "../analyses/jacobian.js";
import type { DimOptions, DimResult } from "../analyses/dim.js";
import type { PullbackMetricOptions, PullbackMetricResult } from "../analyses/pullbackMetric.js";
import { Arena } from "./arena.js";
import { regionsOnLine, type RegionsOnLineResult } from "../analyses/regions/line.js";
import { regionsInPlane, type PlaneExtent, type RegionsInPlaneResult } from "../analyses/regions/plane.js";
import { countRegions, type CountRegionsOptions, type CountRegionsResult } from "../analyses/regions/count.js";
import { dimSpectrum, type DimSpectrumOptions, type DimSpectrumResult } from "../analyses/spectrum/dimSpectrum.js";
import { ricciFlowFromActivations, ricciSweepFromActivations, type RicciFlowOptions, type RicciFlowResult, type RicciSweepResult } from "../analyses/ricci/ricciFlow.js";
import { arenaExecutor, type RicciExecutor } from "../analyses/ricci/executor.js";
import { activationClouds } from "../analyses/ricci/engineFlow.js";
import type { GraphMode } from "../analyses/ricci/graph.js";
import { equivalenceClass, explore, type ExploreOptions, type PathOptions, type PathResult } from "../analyses/equivalenceClass.js";
import { intervalPreimage, type IntervalPreimageOptions, type IntervalPreimageResult } from "../analyses/intervalPreimage.js";
import { leafPaths, type LeafOptions, type LeafPath } from "../analyses/leafPaths.js";
import { geodesicJobOptions, splitGeodesic, type GeodesicOptions, type GeodesicPath } from "../analyses/geodesic.js";
import { isPath, indexBatch, pathSingularPoints, pointSingularPoints, rankJobOptions, type SingularPoints, type SingularPointsOptions } from "../analyses/singularPoints.js";

export interface EngineOptions {
  /** Worker count; default: available parallelism. 0 runs the kernels in the calling thread. */
  workers?: number;
  /** Points per chunk (default 64). */
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

export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
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
  const chunkSize = options.chunkSize ?? 64;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new OptionError(`chunkSize must be a positive integer, got ${chunkSize}`);
  const engine = new Engine(workers, chunkSize, options.variant);
  await engine.ready();
  return engine;
}

export class Engine {
  private readonly pool?: WorkerPool;
  private local?: Promise<Compute>;
  private closed = false;

  constructor(readonly workers: number, readonly chunkSize: number, private readonly variant?: WasmVariant) {
    if (workers > 0) this.pool = new WorkerPool(workers, variant);
    else this.local = Compute.create(variant);
  }

  async ready(): Promise<void> {
    if (this.pool) await this.pool.ready();
    else await this.local;
  }

  /** Outputs, probabilities and activation patterns (region hashes); optionally every layer's values. */
  async forward(model: Model, X: BatchInput, opts: ForwardOptions & CallOptions = {}): Promise<ForwardResult> {
    const { out: r, meta, n } = await this.map("forward", model, X, opts, { activations: !!opts.activations, preActivations: !!opts.preActivations });
    const layers = (key: string) =>
      model.layers.map((_, l): LayerValues => ({ layer: l, shape: model.shapes[l], data: r[`${key}${l}`] as Float32Array }));
    return {
      n,
      m: meta.m as number,
      logits: r.logits as Float32Array,
      probs: r.probs as Float32Array,
      patterns: r.patterns as Uint32Array,
      patternBits: meta.patternBits as number,
      patternWords: meta.patternWords as number,
      regionHash: r.regionHash as BigUint64Array,
      ...(opts.activations ? { activations: layers("activation") } : {}),
      ...(opts.preActivations ? { preActivations: layers("preActivation") } : {}),
    };
  }

  /** Exact input Jacobians, n×m×d. */
  async jacobian(model: Model, X: BatchInput, opts: JacobianOptions & CallOptions = {}): Promise<JacobianResult> {
    const { out, meta, n } = await this.map("jacobian", model, X, opts, { output: opts.output }, opts.out ? { data: opts.out } : undefined);
    return { data: out.data as Float32Array, shape: [n, meta.m as number, model.inputSize] };
  }

  /** The data information matrix per point, as its eigen-decomposition through the C×C side. */
  async dim(model: Model, X: BatchInput, opts: DimOptions & CallOptions = {}): Promise<DimResult> {
    const { out: r, meta, n } = await this.map("dim", model, X, opts, { rankTol: opts.rankTol, dense: !!opts.dense, route: opts.route });
    return {
      n,
      d: meta.d as number,
      C: meta.C as number,
      r: meta.r as number,
      eigenvalues: r.eigenvalues as Float64Array,
      eigenvectors: r.eigenvectors as Float32Array,
      rank: r.rank as Int32Array,
      probs: r.probs as Float32Array,
      ...(opts.dense ? { matrix: r.matrix as Float64Array } : {}),
    };
  }

  /** The pullback g = Jᵀ J of a layer's Euclidean metric, as eigen-decomposition, rank and kernel dimension. */
  async pullbackMetric(model: Model, X: BatchInput, opts: PullbackMetricOptions & CallOptions = {}): Promise<PullbackMetricResult> {
    const { out: r, meta, n } = await this.map("pullbackMetric", model, X, opts, { layer: opts.layer, rankTol: opts.rankTol, full: !!opts.full });
    return {
      n,
      d: meta.d as number,
      m: meta.m as number,
      r: meta.r as number,
      route: meta.route as "lowRank" | "dense",
      eigenvalues: r.eigenvalues as Float64Array,
      eigenvectors: r.eigenvectors as Float32Array,
      rank: r.rank as Int32Array,
      kernelDim: r.kernelDim as Int32Array,
    };
  }

  /** DIM spectra (log10 eigenvalues, traces) per point and the batch's signature; see analyses/spectrum. */
  async dimSpectrum(model: Model, X: BatchInput, opts: DimSpectrumOptions & CallOptions = {}): Promise<DimSpectrumResult> {
    return dimSpectrum(this, model, X, opts);
  }

  /** SiMEC: the equivalence class of x0 (a float64 path in ker g), see src/analyses/equivalenceClass.ts. */
  equivalenceClass(model: Model, x0: ArrayLike<number>, opts: PathOptions = {}): Promise<PathResult> {
    return equivalenceClass(this, model, x0, opts);
  }

  /** SiMExp: a float64 walk across classes until the output moved by opts.epsilon. */
  explore(model: Model, x0: ArrayLike<number>, opts: ExploreOptions = {}): Promise<PathResult> {
    return explore(this, model, x0, opts);
  }

  /** The preimage of [N(x0) − ε, N(x0) + ε] of a 2D → 1D network as a family of classes. */
  intervalPreimage(model: Model, x0: ArrayLike<number>, opts: IntervalPreimageOptions): Promise<IntervalPreimageResult> {
    return intervalPreimage(this, model, x0, opts);
  }

  /**
   * Ricci network flow of the model on X: per-layer kNN graphs of the activations, Forman–Ricci curvature,
   * hop-distance sums and the global coefficient ρ_k (see analyses/ricci). kNN rows and BFS sources are split
   * across the workers.
   */
  async ricciFlow(model: Model, X: BatchInput, opts: Omit<RicciFlowOptions, "arena" | "executor"> & CallOptions): Promise<RicciFlowResult> {
    const clouds = await activationClouds(this, model, X, opts);
    return ricciFlowFromActivations(clouds, { ...opts, executor: await this.ricciExecutor(opts.signal) });
  }

  /** ρ_k for every k in `ks` (kNN computed once at the largest k). */
  async ricciSweep(model: Model, X: BatchInput, ks: readonly number[], opts: Omit<RicciFlowOptions, "k" | "mode" | "arena" | "executor"> & CallOptions & { mode?: GraphMode } = {}): Promise<RicciSweepResult> {
    const clouds = await activationClouds(this, model, X, opts);
    return ricciSweepFromActivations(clouds, ks, opts.mode ?? "directed", { ...opts, executor: await this.ricciExecutor(opts.signal) });
  }

  /** Where the Ricci flow's kNN rows and BFS sources run: the workers, or this thread's kernels. */
  private async ricciExecutor(signal?: AbortSignal): Promise<RicciExecutor> {
    if (!this.pool) return arenaExecutor((await this.local!).arena);
    const pool = this.pool;
    return {
      parallelism: this.workers,
      knnRows: (points, n, dim, k, s0, s1) => pool.call((r) => r.knnRows(points, n, dim, k, s0, s1), "knnRows", signal),
      hopSums: (graph, s0, s1, method) => pool.call((r) => r.hopSums(graph, s0, s1, method), "hopSums", signal),
    };
  }

  /** The leaf through x0 (d values, float64): an exact polyline for piecewise-linear nets, RK4 otherwise. */
  async leaf(model: Model, x0: ArrayLike<number>, opts: LeafOptions & CallOptions = {}): Promise<LeafPath> {
    return (await leafPaths(this, model, Float64Array.from(x0), opts))[0];
  }

  /** Leaves through n start points (n×d float64 or number[][]), one independent path each. */
  async leaves(model: Model, X: Float64Array | Float32Array | number[][], opts: LeafOptions & CallOptions = {}): Promise<LeafPath[]> {
    return leafPaths(this, model, Array.isArray(X) ? Float64Array.from(X.flat()) : Float64Array.from(X), opts);
  }

  /** A geodesic of the DIM restricted to the data leaf from x0 with initial direction v0 (float64). */
  async geodesic(model: Model, x0: ArrayLike<number>, v0: ArrayLike<number>, opts: GeodesicOptions & CallOptions = {}): Promise<GeodesicPath> {
    const o = geodesicJobOptions(model, Float64Array.from(x0), Float64Array.from(v0), opts);
    const { out } = await this.map("geodesic", model, indexBatch(1, o.net.d), opts, o as unknown as Record<string, unknown>);
    return splitGeodesic(out, o);
  }

  /** Where the rank of D (or g) drops: along a path (exact parameters) or at points X (n×d). */
  async singularPoints(model: Model, X: LeafPath | Float64Array | Float32Array | number[][], opts: SingularPointsOptions & CallOptions = {}): Promise<SingularPoints> {
    if (isPath(X)) return pathSingularPoints(X);
    const x = Array.isArray(X) ? Float64Array.from(X.flat()) : Float64Array.from(X);
    const o = rankJobOptions(model, x, opts);
    const n = x.length / o.net.d;
    const { out } = await this.map("leafRank", model, indexBatch(n, o.net.d), opts, o as unknown as Record<string, unknown>);
    return pointSingularPoints(x, o.net.d, o.dist.genericRank, out.rank as Int32Array, out.rankOther as Int32Array);
  }

  private readonly plans = new WeakMap<Model, Plan>();

  /** The model's plan geometry (no weights), cached per model. */
  private geometry(model: Model): Plan {
    let plan = this.plans.get(model);
    if (!plan) {
      plan = compilePlan(model);
      this.plans.set(model, plan);
    }
    return plan;
  }

  /**
   * Run a named job over the batch and return its outputs for all n points. Exposed for the analyses built
   * on the engine. Options are validated here (by the job's layout) before anything is dispatched. Results
   * are allocated once (or `into` supplies arrays to reuse, each of the layout's length); workers write each
   * chunk into their own long-lived shared staging buffer, copied into the result when the chunk is done.
   */
  async map(job: string, model: Model, X: BatchInput, call: CallOptions, opts: Record<string, unknown>, into?: Outputs): Promise<{ out: Outputs; meta: Meta; n: number }> {
    if (this.closed) throw new EngineClosedError("the engine is closed");
    if (!(model instanceof Model)) throw new OptionError(`model must be a Model (use Model.fromJSON, Model.load or Model.fromTfjs)`);
    const def = jobs[job];
    if (!def) throw new OptionError(`unknown job "${job}"`);
    const { data, n, d } = toBatch(X, model.inputSize);
    const clean = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
    const plan = this.geometry(model);
    const layout = def.layout(plan, clean);
    const meta = def.meta(plan, clean);
    const out = into ? checkInto(into, layout, n) : allocateOutputs(layout, n);
    const chunks: [number, number][] = [];
    for (let s = 0; s < n; s += this.chunkSize) chunks.push([s, Math.min(n, s + this.chunkSize)]);
    let done = 0;
    const progress = (count: number) => {
      done += count;
      call.onProgress?.(done, n);
    };
    if (call.signal?.aborted) throw new AbortError("aborted before it started");
    if (this.pool) {
      // One failed chunk fails the call: the call's chunks still queued are dropped (running ones finish).
      let failed = false;
      await Promise.all(
        chunks.map(async ([s, e]) => {
          try {
            await this.pool!.run({
              job, modelId: model.id, spec: model, X: data.slice(s * d, e * d), count: e - s, opts: clean,
              out, layout, base: s, signal: call.signal, skip: () => failed,
            });
            progress(e - s);
          } catch (err) {
            failed = true;
            throw err;
          }
        }),
      );
      return { out, meta, n };
    }
    const compute = await this.local!;
    compute.register(model.id, model);
    for (const [s, e] of chunks) {
      if (call.signal?.aborted) throw new AbortError("aborted");
      compute.run(job, model.id, data.subarray(s * d, e * d), e - s, clean, out, s);
      progress(e - s);
      if (call.onProgress || call.signal) await new Promise((r) => setTimeout(r, 0));
    }
    return { out, meta, n };
  }

  /** Memory of every kernel instance (Wasm bytes, scratch high-water mark, process RSS). */
  async memory(): Promise<{ wasmBytes: number; peakScratch: number; rss: number }[]> {
    if (this.pool) return this.pool.memory();
    const c = await this.local!;
    return [{ ...c.memory(), rss: typeof process !== "undefined" ? process.memoryUsage().rss : 0 }];
  }

  /** The pool, for tests of crash handling (undefined for workers: 0). */
  get workerPool(): WorkerPool | undefined {
    return this.pool;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pool?.close();
  }

  // Linear regions and their counts (issue 6): exact analyses that are not per-point batches run on a kernel
  // instance of the calling thread (src/analyses/regions/*); countRegions samples through forward().
  private hostArena?: Promise<Arena>;

  /** The calling thread's own kernel instance (created on first use) for analyses that are not batches. */
  arena(): Promise<Arena> {
    if (this.closed) throw new EngineClosedError("the engine is closed");
    return (this.hostArena ??= Arena.create(this.variant));
  }

  /** Exact linear pieces along the segment a → b: breakpoints t in (0, 1), one region hash per piece. */
  async regionsOnLine(model: Model, a: ArrayLike<number>, b: ArrayLike<number>): Promise<RegionsOnLineResult> {
    return regionsOnLine(await this.arena(), model, a, b);
  }

  /** Exact polygonal partition of the slice {origin + s·u + t·v : (s, t) in extent} into linear regions. */
  async regionsInPlane(model: Model, origin: ArrayLike<number>, u: ArrayLike<number>, v: ArrayLike<number>, extent: PlaneExtent): Promise<RegionsInPlaneResult> {
    return regionsInPlane(await this.arena(), model, origin, u, v, extent);
  }

  /** Distinct regions hit by samples in a box, a capture–recapture estimate, and the exact count in 2D. */
  async countRegions(model: Model, opts: CountRegionsOptions): Promise<CountRegionsResult> {
    return countRegions(this, model, opts);
  }
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
