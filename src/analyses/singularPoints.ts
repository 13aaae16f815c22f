/**
 * engine.singularPoints: where the rank of D (or of a layer's pullback metric g) drops below its generic
 * value (min(C − 1, d) for the DIM, min(m, d) for g).
 *
 * - On a path (a LeafPath from engine.leaf): every vertex where the rank of the region before and the
 *   region after differ or either is below the generic rank, with the exact arc-length parameter of the
 *   vertex (for piecewise-linear nets vertices are exact boundary crossings) and the ranks before/after.
 * - On points X (n×d): the rank at each point in the region its activation pattern (and max-pool choices)
 *   selects; a point within `boundaryTol` of a boundary (a relu pre-activation, or two max-pool inputs of one
 *   window) also gets the rank of the region across every such boundary (`rankAfter`; else equal to
 *   `rankBefore`). Singular: min(rankBefore, rankAfter) < generic rank.
 * The ranks come from the float64 Jacobian of the compiled network (netVjp) with a relative tolerance
 * (`rankTol`), on every node type the compiled network has.
 * For the DIM the ranks follow what can vanish (as engine.dim's rank): Im D is the row space of the centred
 * Jacobian rows of the classes with p_c > 0, so a class whose float64 softmax probability is exactly 0 (a
 * logit gap past ~745) is dropped; tiny but nonzero probabilities change nothing (they make eigenvalues
 * small, not zero).
 */
import { OptionError } from "../errors.js";
import type { Job } from "../engine/job.js";
import type { Runtime, CallOptions } from "../engine/runtime.js";
import type { Model } from "../model/model.js";
import { distributionByIndex, indexBatch, resolveDistribution, type LeafDistribution, type LeafPath } from "./leaf.js";
import * as O from "../model/opcodes.js";
import { pathCompileOptions, pathNetwork, type DistributionSpec, type PathKernels } from "./pathNet.js";

export interface SingularPointsOptions {
  /** "data" (default; the DIM) or { metric: "pullback", layer } (g). "kernel" is the same as "data". */
  distribution?: LeafDistribution;
  rankTol?: number;
  /** A point is on a boundary when a relu pre-activation satisfies |z| ≤ boundaryTol (default 1e-9), or two inputs of a max-pool window are within it. */
  boundaryTol?: number;
}

export interface SingularPoints {
  d: number;
  genericRank: number;
  /** Number of singular points found. */
  count: number;
  /** count×d, row-major. */
  points: Float64Array;
  /** Index of each in X, or vertex index along the path. */
  index: Int32Array;
  /** Arc length along the path (NaN for points of X). */
  params: Float64Array;
  rankBefore: Int32Array;
  rankAfter: Int32Array;
}

interface RankJobOptions {
  d: number;
  dist: DistributionSpec;
  X: Float64Array;
  rankTol: number;
  boundaryTol: number;
}

export const leafRankJob: Job = {
  compile(_net, opts) {
    return pathCompileOptions((opts as unknown as RankJobOptions).dist.layer);
  },
  layout() {
    return { rank: ["i32", 1], rankOther: ["i32", 1] };
  },
  meta(_plan, opts) {
    return { genericRank: (opts as unknown as RankJobOptions).dist.genericRank };
  },
  run(arena, up, Xi, count, opts, out, base) {
    // `up`: the network compiled with pathCompileOptions(dist.layer), uploaded once by this kernel instance
    const o = opts as unknown as RankJobOptions;
    const k = arena.kernels<PathKernels>();
    const { dist, d } = o;
    const net = up.net, n64 = up.f64;
    const x = arena.allocF64(d), values = arena.allocF64(net.valueSize), pre = arena.allocF64(Math.max(1, net.preSize));
    const argmax = arena.allocI32(Math.max(1, net.argSize)), J = arena.allocF64(dist.m * d), Q = arena.allocF64(dist.m * d);
    const work = arena.alloc(k.graphVjpWorkBytesF64(n64, dist.m));
    const outAt = net.outputNode < 0 ? 0 : net.table[net.outputNode * O.NODE_STRIDE + O.F_VALUE_OFFSET];
    const rankHere = () => {
      k.graphVjpF64(n64, values, pre, argmax, dist.m, dist.target, 0, J, work);
      // the DIM (centre): only classes with p_c > 0 (the target is the logit node)
      const rows = dist.centre ? presentClassRows(arena.f64(values + outAt * 8, dist.m), arena.f64(J, dist.m * d), d) : dist.m;
      return k.leafBasisF64(rows, d, J, dist.centre ? 1 : 0, o.rankTol, Q);
    };
    for (let i = 0; i < count; i++) {
      const p = Xi[i * d];
      arena.f64(x, d).set(o.X.subarray(p * d, (p + 1) * d));
      k.graphForwardF64(n64, x, 1, values, pre, argmax);
      const r = rankHere();
      (out.rank as Int32Array)[base + i] = r;
      // Units on a boundary: put them all across it and take the rank there.
      const flipped = k.netFlipNearF64(n64, values, pre, argmax, o.boundaryTol);
      (out.rankOther as Int32Array)[base + i] = flipped > 0 ? rankHere() : r;
    }
  },
};

/**
 * Move the Jacobian rows (J: C×d f64, row-major, overwritten) of the classes whose softmax probability is > 0
 * in float64 to the top, in order; returns how many there are. p_c = exp(z_c − max z)/Σ is exactly 0 when
 * exp underflows (z_max − z_c > ~745).
 */
function presentClassRows(logits: Float64Array, J: Float64Array, d: number): number {
  const top = logits.reduce((a, b) => Math.max(a, b), -Infinity);
  let rows = 0;
  logits.forEach((z, c) => {
    if (Math.exp(z - top) === 0) return;
    if (rows !== c) J.copyWithin(rows * d, c * d, (c + 1) * d);
    rows++;
  });
  return rows;
}

function isPath(v: unknown): v is LeafPath {
  return typeof v === "object" && v !== null && "rank" in v && "params" in v && "points" in v && "vertices" in v;
}

/** Singular vertices of a path (no kernel work: the path carries the rank of every region). */
export function pathSingularPoints(path: LeafPath): SingularPoints {
  const hits: number[] = [];
  for (let i = 0; i < path.vertices; i++) {
    const before = path.rank[Math.max(0, i - 1)], after = path.rank[i];
    if (before !== after || Math.min(before, after) < path.genericRank) hits.push(i);
  }
  const d = path.d;
  const points = new Float64Array(hits.length * d); // count×d
  hits.forEach((v, j) => points.set(path.points.subarray(v * d, (v + 1) * d), j * d));
  return {
    d, genericRank: path.genericRank, count: hits.length, points,
    index: Int32Array.from(hits),
    params: Float64Array.from(hits, (v) => path.params[v]),
    rankBefore: Int32Array.from(hits, (v) => path.rank[Math.max(0, v - 1)]),
    rankAfter: Int32Array.from(hits, (v) => path.rank[v]),
  };
}

/** Validated options of the point-set form. */
export function rankJobOptions(model: Model, X: Float64Array, opts: SingularPointsOptions): RankJobOptions {
  const d = pathNetwork(model).inputSize;
  if (X.length === 0 || X.length % d !== 0) throw new OptionError(`X has ${X.length} values, expected n×d with d = ${d}`);
  const dist = resolveDistribution(model, opts.distribution === "kernel" ? "data" : opts.distribution);
  const rankTol = opts.rankTol ?? 1e-9, boundaryTol = opts.boundaryTol ?? 1e-9;
  if (!(rankTol > 0) || !(boundaryTol >= 0)) throw new OptionError(`rankTol must be > 0 and boundaryTol ≥ 0, got ${rankTol}, ${boundaryTol}`);
  return { d, dist, X, rankTol, boundaryTol };
}

/** Collect the singular points from the per-point ranks. */
export function pointSingularPoints(X: Float64Array, d: number, genericRank: number, rank: Int32Array, rankOther: Int32Array): SingularPoints {
  const hits: number[] = [];
  for (let i = 0; i < rank.length; i++) if (Math.min(rank[i], rankOther[i]) < genericRank) hits.push(i);
  const points = new Float64Array(hits.length * d); // count×d
  hits.forEach((v, j) => points.set(X.subarray(v * d, (v + 1) * d), j * d));
  return {
    d, genericRank, count: hits.length, points, index: Int32Array.from(hits),
    params: new Float64Array(hits.length).fill(NaN),
    rankBefore: Int32Array.from(hits, (v) => rank[v]),
    rankAfter: Int32Array.from(hits, (v) => rankOther[v]),
  };
}

export { isPath, indexBatch };

/** Where the rank of D (or g) drops: along a path (exact parameters) or at points X (n×d). */
export async function singularPoints(rt: Runtime, model: Model, X: LeafPath | Float64Array | Float32Array | number[][], opts: SingularPointsOptions & CallOptions = {}): Promise<SingularPoints> {
  if (isPath(X)) return pathSingularPoints(X);
  const x = Array.isArray(X) ? Float64Array.from(X.flat()) : Float64Array.from(X);
  const o = rankJobOptions(model, x, { ...opts, distribution: distributionByIndex(model, opts.distribution) });
  const n = x.length / o.d;
  const { out } = await rt.map("leafRank", model, indexBatch(n, o.d), opts, o as unknown as Record<string, unknown>);
  return pointSingularPoints(x, o.d, o.dist.genericRank, out.rank as Int32Array, out.rankOther as Int32Array);
}
