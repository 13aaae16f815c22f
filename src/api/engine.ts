/**
 * The public facade: `await createEngine({ workers })`, then every analysis as a method. It sits above the
 * analyses (each a function of the runtime, src/analyses/*) and the runtime (src/engine/runtime.ts); a method
 * here only forwards. Registering the analyses' jobs is a side effect of importing src/analyses/jobs.ts.
 */
import "../analyses/jobs.js";
import { createRuntime, Runtime, type CallOptions, type EngineOptions } from "../engine/runtime.js";
import type { Arena } from "../engine/arena.js";
import type { BatchInput } from "../engine/batch.js";
import type { Meta, Outputs } from "../engine/job.js";
import type { WorkerPool } from "../engine/pool.js";
import type { Model } from "../model/model.js";
import { forward, type ForwardOptions, type ForwardResult } from "../analyses/forward.js";
import { jacobian, type JacobianOptions, type JacobianResult } from "../analyses/jacobian.js";
import { dim, type DimOptions, type DimResult } from "../analyses/dim.js";
import { pullbackMetric, type PullbackMetricOptions, type PullbackMetricResult } from "../analyses/pullbackMetric.js";
import { regionsOnLine, type RegionsOnLineResult } from "../analyses/regions/line.js";
import { regionsInPlane, type PlaneExtent, type RegionsInPlaneResult } from "../analyses/regions/plane.js";
import { countRegions, type CountRegionsOptions, type CountRegionsResult } from "../analyses/regions/count.js";
import { dimSpectrum, type DimSpectrumOptions, type DimSpectrumResult } from "../analyses/spectrum/dimSpectrum.js";
import { ricciFlow, ricciSweep, type CloudOptions } from "../analyses/ricci/engineFlow.js";
import type { RicciFlowOptions, RicciFlowResult, RicciSweepResult } from "../analyses/ricci/ricciFlow.js";
import type { GraphMode } from "../analyses/ricci/graph.js";
import { equivalenceClass, explore, type ExploreOptions, type PathOptions, type PathResult } from "../analyses/equivalenceClass.js";
import { intervalPreimage, type IntervalPreimageOptions, type IntervalPreimageResult } from "../analyses/intervalPreimage.js";
import { leafPaths } from "../analyses/leafPaths.js";
import type { LeafOptions, LeafPath } from "../analyses/leaf.js";
import { geodesic, type GeodesicOptions, type GeodesicPath } from "../analyses/geodesic.js";
import { singularPoints, type SingularPoints, type SingularPointsOptions } from "../analyses/singularPoints.js";

export type { CallOptions, EngineOptions };

/** Create an engine with `options.workers` kernel instances (default: available parallelism; 0 = calling thread). */
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  return new Engine(await createRuntime(options));
}

export class Engine {
  constructor(readonly runtime: Runtime) {}

  get workers(): number {
    return this.runtime.workers;
  }

  /** The fixed points per chunk, if `chunkSize` was given; undefined: chunks are sized per call by cost. */
  get chunkSize(): number | undefined {
    return this.runtime.chunkSize;
  }

  /** Outputs, probabilities and activation patterns (region hashes); optionally every layer's values. */
  forward(model: Model, X: BatchInput, opts: ForwardOptions & CallOptions = {}): Promise<ForwardResult> {
    return forward(this.runtime, model, X, opts);
  }

  /** Exact input Jacobians, n×m×d. */
  jacobian(model: Model, X: BatchInput, opts: JacobianOptions & CallOptions = {}): Promise<JacobianResult> {
    return jacobian(this.runtime, model, X, opts);
  }

  /** The data information matrix per point, as its eigen-decomposition through the C×C side. */
  dim(model: Model, X: BatchInput, opts: DimOptions & CallOptions = {}): Promise<DimResult> {
    return dim(this.runtime, model, X, opts);
  }

  /** The pullback g = Jᵀ J of a layer's Euclidean metric, as eigen-decomposition, rank and kernel dimension. */
  pullbackMetric(model: Model, X: BatchInput, opts: PullbackMetricOptions & CallOptions = {}): Promise<PullbackMetricResult> {
    return pullbackMetric(this.runtime, model, X, opts);
  }

  /** DIM spectra (log10 eigenvalues, traces) per point and the batch's signature; see analyses/spectrum. */
  dimSpectrum(model: Model, X: BatchInput, opts: DimSpectrumOptions & CallOptions = {}): Promise<DimSpectrumResult> {
    return dimSpectrum(this.runtime, model, X, opts);
  }

  /** SiMEC: the equivalence class of x0 (a float64 path in ker g), see src/analyses/equivalenceClass.ts. */
  equivalenceClass(model: Model, x0: ArrayLike<number>, opts: PathOptions = {}): Promise<PathResult> {
    return equivalenceClass(this.runtime, model, x0, opts);
  }

  /** SiMExp: a float64 walk across classes until the output moved by opts.epsilon. */
  explore(model: Model, x0: ArrayLike<number>, opts: ExploreOptions = {}): Promise<PathResult> {
    return explore(this.runtime, model, x0, opts);
  }

  /** The preimage of [N(x0) − ε, N(x0) + ε] of a 2D → 1D network as a family of classes. */
  intervalPreimage(model: Model, x0: ArrayLike<number>, opts: IntervalPreimageOptions): Promise<IntervalPreimageResult> {
    return intervalPreimage(this.runtime, model, x0, opts);
  }

  /** Ricci network flow of the model on X (kNN rows and BFS sources split across the workers). */
  ricciFlow(model: Model, X: BatchInput, opts: Omit<RicciFlowOptions, "arena" | "executor"> & CallOptions & CloudOptions): Promise<RicciFlowResult> {
    return ricciFlow(this.runtime, model, X, opts);
  }

  /** ρ_k for every k in `ks` (kNN computed once at the largest k). */
  ricciSweep(model: Model, X: BatchInput, ks: readonly number[], opts: Omit<RicciFlowOptions, "k" | "mode" | "arena" | "executor"> & CallOptions & CloudOptions & { mode?: GraphMode } = {}): Promise<RicciSweepResult> {
    return ricciSweep(this.runtime, model, X, ks, opts);
  }

  /** The leaf through x0 (d values, float64): an exact polyline for piecewise-linear nets, RK4 otherwise. */
  async leaf(model: Model, x0: ArrayLike<number>, opts: LeafOptions & CallOptions = {}): Promise<LeafPath> {
    return (await leafPaths(this.runtime, model, Float64Array.from(x0), opts))[0];
  }

  /** Leaves through n start points (n×d float64 or number[][]), one independent path each. */
  leaves(model: Model, X: Float64Array | Float32Array | number[][], opts: LeafOptions & CallOptions = {}): Promise<LeafPath[]> {
    return leafPaths(this.runtime, model, Array.isArray(X) ? Float64Array.from(X.flat()) : Float64Array.from(X), opts);
  }

  /** A geodesic of the DIM restricted to the data leaf from x0 with initial direction v0 (float64). */
  geodesic(model: Model, x0: ArrayLike<number>, v0: ArrayLike<number>, opts: GeodesicOptions & CallOptions = {}): Promise<GeodesicPath> {
    return geodesic(this.runtime, model, x0, v0, opts);
  }

  /** Where the rank of D (or g) drops: along a path (exact parameters) or at points X (n×d). */
  singularPoints(model: Model, X: LeafPath | Float64Array | Float32Array | number[][], opts: SingularPointsOptions & CallOptions = {}): Promise<SingularPoints> {
    return singularPoints(this.runtime, model, X, opts);
  }

  /** Exact linear pieces along the segment a → b: breakpoints t in (0, 1), one region hash per piece. */
  async regionsOnLine(model: Model, a: ArrayLike<number>, b: ArrayLike<number>): Promise<RegionsOnLineResult> {
    return regionsOnLine(await this.runtime.arena(), model, a, b);
  }

  /** Exact polygonal partition of the slice {origin + s·u + t·v : (s, t) in extent} into linear regions. */
  async regionsInPlane(model: Model, origin: ArrayLike<number>, u: ArrayLike<number>, v: ArrayLike<number>, extent: PlaneExtent): Promise<RegionsInPlaneResult> {
    return regionsInPlane(await this.runtime.arena(), model, origin, u, v, extent);
  }

  /** Distinct regions hit by samples in a box, a capture–recapture estimate, and the exact count in 2D. */
  countRegions(model: Model, opts: CountRegionsOptions): Promise<CountRegionsResult> {
    return countRegions(this.runtime, model, opts);
  }

  /** Run a registered job over a batch (for analyses built outside this package). */
  map(job: string, model: Model, X: BatchInput, call: CallOptions, opts: Record<string, unknown>, into?: Outputs): Promise<{ out: Outputs; meta: Meta; n: number }> {
    return this.runtime.map(job, model, X, call, opts, into);
  }

  /** The calling thread's own kernel instance (created on first use). */
  arena(): Promise<Arena> {
    return this.runtime.arena();
  }

  /** Memory of every kernel instance (Wasm bytes, scratch high-water mark, process RSS). */
  memory(): Promise<{ wasmBytes: number; peakScratch: number; rss: number }[]> {
    return this.runtime.memory();
  }

  /** The pool, for tests of crash handling (undefined for workers: 0). */
  get workerPool(): WorkerPool | undefined {
    return this.runtime.workerPool;
  }

  close(): Promise<void> {
    return this.runtime.close();
  }
}
