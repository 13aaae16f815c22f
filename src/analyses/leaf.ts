/**
 * engine.leaf: a path along a leaf of the data foliation (Im D, D the DIM), of the kernel foliation (ker D),
 * or of ker g for a layer's pullback metric g, on the compiled network (dense, conv2d, pooling, batchNorm,
 * add, concat, global average pooling). Everything runs in float64 (assembly/leaf.ts on the graph kernels).
 *
 * Piecewise-linear networks: the path is exact. In a linear region J is constant, so the distribution is,
 * and the path is a straight segment along the projected walking direction; it ends exactly where the first
 * relu/leakyRelu pre-activation changes sign or a max pool's choice changes (every pre-activation and pool
 * input is affine along the segment, so the crossing parameter is in closed form), and continues with the direction projected onto the next
 * region's distribution. Smooth networks: RK4 on the unit field x ↦ P_x(w)/‖P_x(w)‖ (w the walking
 * direction at the step's start, or target − x), with step-doubling error control (assembly/leafSmooth.ts).
 *
 * Engine integration: a job ("leaf") over start points; each point's path is independent, so many start
 * points run as one batched call spread over the workers. Paths have variable length: each point owns a
 * fixed block of `maxVertices` vertices and reports how many it used. Start points, directions and targets
 * travel in float64 in the options (the batch X the engine sees carries only each point's index in its
 * first coordinate, because engine batches are float32). The weights never travel with a job: the job
 * declares its compile options (pathCompileOptions: the pullback node kept), and each kernel instance runs it
 * on the network it compiled and uploaded once for the model (src/engine/compute.ts).
 */
import { OptionError, ShapeError } from "../errors.js";
import type { Arena } from "../engine/arena.js";
import type { Job, Layout, Outputs } from "../engine/job.js";
import { gaussian, mulberry32 } from "../random.js";
import type { UploadedNetwork } from "../engine/network.js";
import { nodeSize, pathCompileOptions, pathNetwork, piecewiseLinear, putDescriptor, resolveDistribution, type DistributionSpec, type PathKernels } from "./pathNet.js";
import type { Model } from "../model/model.js";

export { resolveDistribution };

export type LeafDistribution = "data" | "kernel" | { metric: "pullback"; layer: number | string };

/** A pullback distribution's node given by name → by index (OptionError naming the nodes when there is none). */
export function distributionByIndex<T extends LeafDistribution | undefined>(model: Model, dist: T): T {
  if (typeof dist === "object" && dist !== null && typeof dist.layer === "string") return { ...dist, layer: model.nodeIndex(dist.layer, "distribution.layer") } as T;
  return dist;
}

/**
 * Why a path ended: its length was walked; the target (or the closest point of the current piece to it) was
 * reached; it left the box; the walking direction is orthogonal to the distribution; it is trapped at a
 * boundary it cannot cross; the vertex capacity is full; a value became non-finite; (geodesics) the metric
 * degenerated — DIM geodesics reach the boundary of the probability simplex at finite length.
 */
export type LeafStopReason = "length" | "target" | "box" | "orthogonal" | "trapped" | "maxVertices" | "nonFinite" | "degenerate";
export const STOP_REASONS: readonly LeafStopReason[] = ["length", "target", "box", "orthogonal", "trapped", "maxVertices", "nonFinite", "degenerate"];

export interface LeafOptions {
  /** "data" (Im D, default), "kernel" (ker D) or ker g of layer `layer`'s pullback metric. */
  distribution?: LeafDistribution;
  /** Walking direction (d values, or n×d: one per start point), projected onto the distribution; default: random from `seed` (n×d Gaussian values drawn in order). */
  direction?: ArrayLike<number>;
  /** Walk towards this point (d values), re-projecting per region (per step for smooth networks). */
  target?: ArrayLike<number>;
  /** Arc length to walk (default 1). */
  maxLength?: number;
  /** Box [lo, hi], each a number or d values: the path stops where it leaves it. */
  box?: [number | ArrayLike<number>, number | ArrayLike<number>];
  seed?: number;
  /** Vertex capacity per path (default 1024 exact, 4096 smooth); the path stops when it is full. */
  maxVertices?: number;
  /** Relative tolerance deciding the rank of D (or g) from the Jacobian's rows (default 1e-9). */
  rankTol?: number;
  /** Smooth networks: error tolerance per RK4 step (default 1e-9) and first step (default maxLength/64). */
  tol?: number;
  step?: number;
  /**
   * A start point on a boundary the walk cannot leave (a tie of max-pool inputs whose gradients differ, as in
   * an MNIST image's blank area, where every window of an active channel holds equal values): the exact walk
   * stops there as "trapped" with length 0, since the leaf through a non-differentiable point is not unique.
   * It is then walked once more from x0 + δ·u, u the unit walking direction, δ = nudge·max(1, ‖x0‖∞)
   * (default 1e-6; 0: never), i.e. from the region the direction moves into; the path's `startNudge` is δ.
   */
  nudge?: number;
}

/** A path: k vertices. */
export interface LeafPath {
  d: number;
  /** Width of the network's last layer (the logits of a classifier). */
  m: number;
  vertices: number;
  /** k×d, row-major. */
  points: Float64Array;
  /** k×m: the last layer's output at each vertex. */
  outputs: Float64Array;
  /** Arc length at each vertex (k). */
  params: Float64Array;
  length: number;
  /** Region (activation-pattern hash, as engine.forward) of the segment leaving each vertex. */
  regionHash: BigUint64Array;
  /** Rank of D (or g) in that region (k). */
  rank: Int32Array;
  /**
   * The unit whose boundary each vertex lies on (−1: none): its pattern bit for a relu/leakyRelu unit;
   * patternBits + the argmax index (the compiled network's argmax block) for a max pool's choice.
   */
  crossedUnit: Int32Array;
  stopReason: LeafStopReason;
  /**
   * Boundaries where the next region's projected direction headed back into the previous region (the
   * distribution folds there): the walk reflected the direction across the boundary inside the
   * distribution (see assembly/leaf.ts) and went on. Always 0 for smooth networks.
   */
  folds: number;
  /** True for the exact piecewise-linear walk, false for RK4. */
  exact: boolean;
  /** 0, or δ when the start was trapped and the path starts at x0 + δ·u instead (see LeafOptions.nudge). */
  startNudge: number;
  /** Rank of the distribution's image at a generic point (C − 1 for the DIM). */
  genericRank: number;
}

function positive(v: unknown, name: string, def: number): number {
  if (v === undefined) return def;
  if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v)) throw new OptionError(`${name} must be a positive finite number, got ${String(v)}`);
  return v;
}

export function vector(v: unknown, d: number, name: string): Float64Array {
  if (!v || typeof v !== "object" || typeof (v as ArrayLike<number>).length !== "number") throw new ShapeError(`${name} must be an array of d = ${d} numbers`);
  const a = Float64Array.from(v as ArrayLike<number>);
  if (a.length !== d) throw new ShapeError(`${name} has ${a.length} values, expected d = ${d}`);
  if (!a.every(Number.isFinite)) throw new ShapeError(`${name} has non-finite values`);
  return a;
}

/** The job's options after validation (what travels to the workers). */
export interface LeafJobOptions {
  /** Input size, output size (logits) and whether the walk is the exact one. */
  d: number;
  m: number;
  exact: boolean;
  dist: DistributionSpec;
  starts: Float64Array; // n×d
  directions: Float64Array; // n×d
  targets?: Float64Array; // n×d
  lo?: Float64Array;
  hi?: Float64Array;
  maxLength: number;
  maxVertices: number;
  rankTol: number;
  tol: number;
  step: number;
  maxFlips: number;
  nudge: number;
}

/** Validate the options for n start points X (n×d f64) and build the job options. */
export function leafJobOptions(model: Model, X: Float64Array, opts: LeafOptions): LeafJobOptions {
  const net = pathNetwork(model);
  const d = net.inputSize;
  if (X.length % d !== 0 || X.length === 0) throw new ShapeError(`start points: ${X.length} values, expected n×d with the model's input size d = ${d}`);
  if (!X.every(Number.isFinite)) throw new ShapeError("start points have non-finite values");
  const n = X.length / d;
  const dist = resolveDistribution(model, opts.distribution);
  const exact = piecewiseLinear(pathNetwork(model, dist.layer));
  const maxLength = positive(opts.maxLength, "maxLength", 1);
  if (opts.direction !== undefined && opts.target !== undefined) throw new OptionError("give either direction or target, not both");
  const directions = new Float64Array(n * d); // n×d
  if (opts.direction !== undefined && n > 1 && (opts.direction as ArrayLike<number>).length === n * d) {
    directions.set(vector(opts.direction, n * d, "direction")); // one direction per start point
  } else if (opts.direction !== undefined) {
    const v = vector(opts.direction, d, "direction");
    for (let i = 0; i < n; i++) directions.set(v, i * d);
  } else {
    const g = gaussian(mulberry32(opts.seed ?? 1));
    for (let i = 0; i < directions.length; i++) directions[i] = g();
  }
  let targets: Float64Array | undefined;
  if (opts.target !== undefined) {
    const t = Float64Array.from(opts.target as ArrayLike<number>);
    if (t.length === d) {
      targets = new Float64Array(n * d);
      for (let i = 0; i < n; i++) targets.set(t, i * d);
    } else if (t.length === n * d) targets = t;
    else throw new ShapeError(`target has ${t.length} values, expected d = ${d} (or n×d = ${n * d})`);
    if (!targets.every(Number.isFinite)) throw new ShapeError("target has non-finite values");
  }
  let lo: Float64Array | undefined, hi: Float64Array | undefined;
  if (opts.box !== undefined) {
    if (!Array.isArray(opts.box) || opts.box.length !== 2) throw new OptionError("box must be [lo, hi] (numbers or arrays of d numbers)");
    const side = (b: unknown, name: string) => (typeof b === "number" ? new Float64Array(d).fill(b) : vector(b, d, name));
    lo = side(opts.box[0], "box[0]");
    hi = side(opts.box[1], "box[1]");
    for (let i = 0; i < d; i++) if (!(lo[i] <= hi[i])) throw new OptionError(`box: lo[${i}] = ${lo[i]} > hi[${i}] = ${hi[i]}`);
  }
  const maxVertices = opts.maxVertices ?? (exact ? 1024 : 4096);
  if (!Number.isInteger(maxVertices) || maxVertices < 2 || maxVertices > 1 << 20) throw new OptionError(`maxVertices must be an integer in 2..2^20, got ${maxVertices}`);
  const rankTol = positive(opts.rankTol, "rankTol", 1e-9);
  const nudge = opts.nudge ?? 1e-6;
  if (typeof nudge !== "number" || !(nudge >= 0) || !(nudge < 1)) throw new OptionError(`nudge must be a number in [0, 1), got ${String(nudge)}`);
  return {
    d, m: nodeSize(net, net.outputNode), exact, dist, starts: X, directions, targets, lo, hi, maxLength, maxVertices, rankTol,
    tol: positive(opts.tol, "tol", 1e-9), step: positive(opts.step, "step", maxLength / 64), maxFlips: 8, nudge,
  };
}

/** The per-point outputs: a block of maxVertices vertices each. */
export function leafLayout(o: LeafJobOptions): Layout {
  const V = o.maxVertices, d = o.d, m = o.m;
  return {
    points: ["f64", V * d], outputs: ["f64", V * m], params: ["f64", V], rank: ["i32", V], regionHash: ["u64", V],
    crossedUnit: ["i32", V], vertices: ["i32", 1], stop: ["i32", 1], length: ["f64", 1], folds: ["i32", 1], nudge: ["f64", 1],
  };
}

export const leafJob: Job = {
  compile(_net, opts) {
    return pathCompileOptions((opts as unknown as LeafJobOptions).dist.layer);
  },
  layout(_plan, opts) {
    return leafLayout(opts as unknown as LeafJobOptions);
  },
  meta(_plan, opts) {
    const o = opts as unknown as LeafJobOptions;
    return { d: o.d, m: o.m, maxVertices: o.maxVertices, exact: o.exact };
  },
  run(arena, up, X, count, opts, out, base) {
    const o = opts as unknown as LeafJobOptions;
    runLeaves(arena, up, o, (i) => X[i * o.d], count, out, base);
  },
};

/**
 * Walk the leaves of `count` start points (point i of the chunk is start point index(i)) on this kernel
 * instance, writing point i at base + i of the outputs. `up`: the network compiled with
 * pathCompileOptions(o.dist.layer), uploaded to `arena`.
 */
export function runLeaves(arena: Arena, up: UploadedNetwork, o: LeafJobOptions, index: (i: number) => number, count: number, out: Outputs, base: number): void {
  const k = arena.kernels<PathKernels>();
  const { dist, maxVertices: V, d, m } = o;
  const x0 = arena.allocF64(d), dir = arena.allocF64(d), tgt = arena.allocF64(d);
  const lo = o.lo ? arena.putF64(o.lo) : 0, hi = o.hi ? arena.putF64(o.hi) : 0;
  const points = arena.allocF64(V * d), outs = arena.allocF64(V * m), params = arena.allocF64(V); // V×d, V×m, V
  const ranks = arena.allocI32(V), hashes = arena.alloc(V * 8), cross = arena.allocI32(V), status = arena.allocF64(3);
  const work = arena.alloc(o.exact ? k.leafWorkBytes(up.f64, dist.m) : k.leafSmoothWorkBytes(up.f64, dist.m));
  const desc = putDescriptor(arena, {
    net: up.f64, target: dist.target, kernel: dist.kernel ? 1 : 0, centre: dist.centre ? 1 : 0, rankTol: o.rankTol,
    x0, dir, tgt: o.targets ? tgt : 0, maxLength: o.maxLength, lo, hi, maxFlips: o.maxFlips, maxVertices: V,
    points, params, outs, ranks, hashes, cross, status, work, step: o.step, tol: o.tol,
  });
  for (let i = 0; i < count; i++) {
    const p = index(i);
    const at = base + i;
    arena.f64(x0, d).set(o.starts.subarray(p * d, (p + 1) * d));
    arena.f64(dir, d).set(o.directions.subarray(p * d, (p + 1) * d));
    if (o.targets) arena.f64(tgt, d).set(o.targets.subarray(p * d, (p + 1) * d));
    let kv = o.exact ? k.leafExactF64(desc) : k.leafSmoothF64(desc);
    let st = arena.f64(status, 3);
    let delta = 0;
    if (o.exact && o.nudge > 0 && STOP_REASONS[st[0]] === "trapped" && st[1] === 0) {
      // trapped at the start: walk from x0 + δ·u instead (LeafOptions.nudge)
      const x = arena.f64(x0, d), u = arena.f64(dir, d);
      let norm = 0, size = 1;
      for (let j = 0; j < d; j++) {
        norm += u[j] * u[j];
        size = Math.max(size, Math.abs(x[j]));
      }
      norm = Math.sqrt(norm);
      if (norm > 0) {
        delta = o.nudge * size;
        for (let j = 0; j < d; j++) x[j] += (delta * u[j]) / norm;
        kv = k.leafExactF64(desc);
        st = arena.f64(status, 3);
      }
    }
    const stop = st[0], len = st[1], folds = st[2];
    (out.points as Float64Array).set(arena.f64(points, kv * d), at * V * d);
    (out.outputs as Float64Array).set(arena.f64(outs, kv * m), at * V * m);
    (out.params as Float64Array).set(arena.f64(params, kv), at * V);
    (out.rank as Int32Array).set(arena.i32(ranks, kv), at * V);
    (out.crossedUnit as Int32Array).set(arena.i32(cross, kv), at * V);
    (out.regionHash as BigUint64Array).set(new BigUint64Array(arena.memory.buffer, hashes, kv), at * V);
    (out.vertices as Int32Array)[at] = kv;
    (out.stop as Int32Array)[at] = stop;
    (out.length as Float64Array)[at] = len;
    (out.folds as Int32Array)[at] = folds;
    (out.nudge as Float64Array)[at] = delta;
  }
}

/** Cut the engine's per-point blocks into paths. */
export function splitPaths(out: Record<string, ArrayLike<number> | BigUint64Array>, o: LeafJobOptions, n: number): LeafPath[] {
  const V = o.maxVertices, d = o.d, m = o.m;
  const paths: LeafPath[] = [];
  for (let i = 0; i < n; i++) {
    const k = (out.vertices as Int32Array)[i];
    paths.push({
      d, m, vertices: k,
      points: (out.points as Float64Array).slice(i * V * d, i * V * d + k * d),
      outputs: (out.outputs as Float64Array).slice(i * V * m, i * V * m + k * m),
      params: (out.params as Float64Array).slice(i * V, i * V + k),
      length: (out.length as Float64Array)[i],
      regionHash: (out.regionHash as BigUint64Array).slice(i * V, i * V + k),
      rank: (out.rank as Int32Array).slice(i * V, i * V + k),
      crossedUnit: (out.crossedUnit as Int32Array).slice(i * V, i * V + k),
      stopReason: STOP_REASONS[(out.stop as Int32Array)[i]],
      folds: (out.folds as Int32Array)[i],
      exact: o.exact,
      startNudge: (out.nudge as Float64Array)[i],
      genericRank: o.dist.genericRank,
    });
  }
  return paths;
}

/** The engine batch for n start points: row i carries i in its first coordinate (f32-exact below 2^24). */
export function indexBatch(n: number, d: number): Float32Array {
  if (n >= 1 << 24) throw new OptionError(`at most 2^24 start points per call, got ${n}`);
  const X = new Float32Array(n * d); // n×d, only column 0 used
  for (let i = 0; i < n; i++) X[i * d] = i;
  return X;
}
