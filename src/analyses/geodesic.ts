/**
 * engine.geodesic: geodesics of the DIM metric D = J_sᵀ (diag p − ppᵀ) J_s restricted to the data leaf,
 * for piecewise-linear classifiers (dense, conv2d, pooling incl. max-pool choices, batchNorm, add, concat,
 * global average pooling: the compiled network), in float64.
 *
 * The equation. In a linear region the leaf piece is the affine plane x = x_b + Qᵀy (Q: r×d orthonormal
 * basis of Im D, r = C − 1 at regular points) and the logits are affine, s(y) = s_b + A y with A = J_s Qᵀ
 * (C×r; we use the centred J_s, which changes s by a multiple of 1 and so leaves p unchanged). The metric in
 * y is G(y) = Aᵀ F(p) A, F = diag p − ppᵀ; only p varies. From the Lagrangian ½ ẏᵀGẏ = ½ σᵀFσ (σ = Aẏ) and
 * dp = F ds, the Euler–Lagrange equation G ÿ + Ġ ẏ − ½ ∇_y(σᵀFσ) = 0 becomes, with σ̄ = σ − (pᵀσ)1 and
 * m₂ = pᵀ(σ̄⊙σ̄) (so Ġẏ = Aᵀ[p⊙(σ̄⊙σ̄ − m₂1)], ½∇ = ½ Aᵀ[p⊙(σ̄⊙σ̄ − m₂1)]):
 *
 *     (Aᵀ F A) ÿ = −½ Aᵀ [ p ⊙ (σ̄⊙σ̄ − m₂ 1) ],            speed² = ẏᵀGẏ = m₂ (conserved).
 *
 * (Check: F is the Fisher metric, the pullback of the round sphere of radius 2 by p ↦ w = 2√p, so inside a
 * region the geodesic maps to a great circle of that sphere; the tests use this.) We integrate it with
 * classical RK4 in (y, ẏ) at a fixed step h of the metric arc length (v0 is scaled to unit speed), solving
 * the r×r system by Cholesky. Region boundaries: every pre-activation and every max-pool comparison is affine
 * in y (z = z_b + M y), so a step that changes a sign is bisected down to the crossing; there the crossed unit
 * changes side (or the pool its choice), the Euclidean
 * velocity Qᵀẏ is projected onto the next region's data distribution (reflected inside it when it heads
 * back, as for leaves) and rescaled to the same metric speed. The region setup (netForward, netVjp for
 * the Jacobian, the basis, netJvp tangents, netConstraints, geodesicReduceF64) and the integration inside a region
 * (geodesicSegmentF64, assembly/geodesic.ts) run in Wasm; this host loop only handles the region
 * transitions, the rare events. The float64 twin of the integrator is src/reference/geodesic.ts.
 */
import { OptionError, UnsupportedLayerError } from "../errors.js";
import type { Arena } from "../engine/arena.js";
import type { Job } from "../engine/job.js";
import type { Runtime, CallOptions } from "../engine/runtime.js";
import { indexBatch } from "./leaf.js";
import type { Model } from "../model/model.js";
import { STOP_REASONS, vector, type LeafStopReason } from "./leaf.js";
import { pathNetwork, piecewiseLinear } from "./pathNet.js";
import type { UploadedNetwork } from "../engine/network.js";
import { regionAt, regionBuffers, straightDimLength, type GeodesicKernels } from "./geodesicRegion.js";

export interface GeodesicOptions {
  /** Metric (DIM) arc length to integrate (default 1). */
  maxLength?: number;
  /** RK4 step in metric arc length (default 1e-2). */
  step?: number;
  /** Vertex capacity (default 4096); a vertex is stored every `recordEvery` steps and at every crossing. */
  maxVertices?: number;
  recordEvery?: number;
  box?: [number | ArrayLike<number>, number | ArrayLike<number>];
  rankTol?: number;
}

export interface GeodesicPath {
  d: number;
  m: number;
  vertices: number;
  /** k×d, row-major. */
  points: Float64Array;
  /** k×m logits. */
  outputs: Float64Array;
  /** DIM arc length at each vertex. */
  params: Float64Array;
  /** ẋᵀDẋ at each vertex (1 up to the integration error: the conservation check). */
  speed2: Float64Array;
  regionHash: BigUint64Array;
  rank: Int32Array;
  /** DIM length of the path. */
  length: number;
  /** Euclidean length of the path (sum of the chords between steps). */
  euclideanLength: number;
  /** Straight-line distance between its ends, and the DIM length of that straight segment. */
  chord: number;
  straightLength: number;
  crossings: number;
  stopReason: LeafStopReason;
}

interface GeodesicJobOptions {
  d: number;
  m: number;
  starts: Float64Array;
  velocities: Float64Array;
  maxLength: number;
  step: number;
  maxVertices: number;
  recordEvery: number;
  lo?: Float64Array;
  hi?: Float64Array;
  rankTol: number;
}

export function geodesicJobOptions(model: Model, x0: Float64Array, v0: Float64Array, opts: GeodesicOptions): GeodesicJobOptions {
  const net = pathNetwork(model);
  if (!piecewiseLinear(net)) throw new UnsupportedLayerError("geodesic: piecewise-linear networks only (relu, leakyRelu, linear activations)");
  if (net.outputSize < 2) throw new OptionError("geodesic: the DIM needs a classifier with at least 2 outputs");
  const d = net.inputSize;
  const starts = vector(x0, d, "x0");
  const n = 1;
  const velocities = vector(v0, d, "v0");
  const pos = (v: unknown, name: string, def: number) => {
    if (v === undefined) return def;
    if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v)) throw new OptionError(`${name} must be a positive finite number, got ${String(v)}`);
    return v;
  };
  let lo: Float64Array | undefined, hi: Float64Array | undefined;
  if (opts.box !== undefined) {
    const side = (b: unknown, name: string) => (typeof b === "number" ? new Float64Array(d).fill(b) : vector(b, d, name));
    lo = side(opts.box[0], "box[0]");
    hi = side(opts.box[1], "box[1]");
  }
  const maxVertices = opts.maxVertices ?? 4096, recordEvery = opts.recordEvery ?? 1;
  if (!Number.isInteger(maxVertices) || maxVertices < 2) throw new OptionError(`maxVertices must be an integer ≥ 2, got ${maxVertices}`);
  if (!Number.isInteger(recordEvery) || recordEvery < 1) throw new OptionError(`recordEvery must be a positive integer, got ${recordEvery}`);
  void n;
  return {
    d, m: net.outputSize, starts, velocities, lo, hi, maxVertices, recordEvery,
    maxLength: pos(opts.maxLength, "maxLength", 1), step: pos(opts.step, "step", 1e-2), rankTol: pos(opts.rankTol, "rankTol", 1e-9),
  };
}

export function geodesicLayout(o: GeodesicJobOptions) {
  const V = o.maxVertices, d = o.d, m = o.m;
  return {
    points: ["f64", V * d], outputs: ["f64", V * m], params: ["f64", V], speed2: ["f64", V], regionHash: ["u64", V], rank: ["i32", V],
    info: ["f64", 8], // vertices, stop, length, euclideanLength, chord, straightLength, crossings
  } as const;
}

export const geodesicJob: Job = {
  layout(_plan, opts) {
    return geodesicLayout(opts as unknown as GeodesicJobOptions) as unknown as ReturnType<Job["layout"]>;
  },
  meta(_plan, opts) {
    const o = opts as unknown as GeodesicJobOptions;
    return { d: o.d, m: o.m, maxVertices: o.maxVertices };
  },
  run(arena, up, X, count, opts, out, base) {
    // `up`: the default compile, uploaded once by this kernel instance (chunks carry no weights)
    const o = opts as unknown as GeodesicJobOptions;
    for (let i = 0; i < count; i++) runOne(arena, up, o, X[i * o.d], out as unknown as GeoOut, base + i);
  },
};

interface GeoOut {
  points: Float64Array; outputs: Float64Array; params: Float64Array; speed2: Float64Array;
  regionHash: BigUint64Array; rank: Int32Array; info: Float64Array;
}

/** Events of geodesicSegmentF64 besides the STOP_REASONS codes (assembly/geodesic.ts). */
const GEO_CROSSING = -1, GEO_FLUSH = -2;
/** Vertices buffered in the arena between returns of the segment kernel. */
const VERTEX_BUFFER = 256;

function runOne(arena: Arena, up: UploadedNetwork, o: GeodesicJobOptions, p: number, out: GeoOut, at: number): void {
  arena.scoped(() => runPath(arena, up, o, p, out, at));
}

function runPath(arena: Arena, up: UploadedNetwork, o: GeodesicJobOptions, p: number, out: GeoOut, at: number): void {
  const k = arena.kernels<GeodesicKernels>();
  const { maxVertices: V, d, m } = o;
  // Persistent state of the path in the arena (views are taken fresh: regionAt may grow the memory).
  const buf = regionBuffers(arena, up);
  const cap = Math.min(V, VERTEX_BUFFER);
  const bPoints = arena.allocF64(cap * d), bOuts = arena.allocF64(cap * m), bParams = arena.allocF64(cap), bSpeed = arena.allocF64(cap); // cap×d, cap×m, cap, cap
  const yp = arena.allocF64(m), vp = arena.allocF64(m), xPrev = arena.allocF64(d), state = arena.allocF64(6);
  const work = arena.allocF64(k.geodesicWorkF64(d, m));
  const lo = o.lo ? arena.putF64(o.lo) : 0, hi = o.hi ? arena.putF64(o.hi) : 0;

  const x0 = o.starts.subarray(p * d, (p + 1) * d);
  let R = regionAt(arena, k, up, buf, x0, null, o.rankTol, o.velocities.subarray(p * d, (p + 1) * d));
  const v = R.toLocal(o.velocities.subarray(p * d, (p + 1) * d));
  const sp = Math.sqrt(R.speed2(new Float64Array(R.r), v));
  let stop: LeafStopReason = "length";
  let kv = 0, crossings = 0;
  /** A vertex at the base point of the current region R (y = 0: logits s_b). */
  const recordBase = (x: ArrayLike<number>, sp2: number) => {
    out.points.set(x, (at * V + kv) * d);
    out.outputs.set(arena.f64(R.buf.sb, m), (at * V + kv) * m);
    out.params[at * V + kv] = arena.f64(state, 6)[0];
    out.speed2[at * V + kv] = sp2;
    out.regionHash[at * V + kv] = R.hash;
    out.rank[at * V + kv] = R.r;
    kv++;
  };
  /** Copy the kernel's buffered vertices (all in region R) out. */
  const flush = () => {
    const st = arena.f64(state, 6), kb = st[4], from = at * V + kv;
    out.points.set(arena.f64(bPoints, kb * d), from * d);
    out.outputs.set(arena.f64(bOuts, kb * m), from * m);
    out.params.set(arena.f64(bParams, kb), from);
    out.speed2.set(arena.f64(bSpeed, kb), from);
    out.regionHash.fill(R.hash, from, from + kb);
    out.rank.fill(R.r, from, from + kb);
    kv += kb;
    st[4] = 0;
  };
  arena.f64(state, 6).set([0, 0, 0, 0, 0, -1]); // len, euclidean length, steps, kv, kb, crossed unit
  if (!(sp > 0) || R.r === 0) {
    recordBase(x0, 0);
    stop = "orthogonal";
  } else {
    recordBase(x0, 1);
    arena.f64(yp, R.r).fill(0);
    arena.f64(vp, R.r).set(v.map((x) => x / sp));
    arena.f64(xPrev, d).set(x0);
    while (true) {
      arena.f64(state, 6)[3] = kv;
      const ev = k.geodesicSegmentF64(
        m, R.r, d, R.P, buf.xb, buf.Q, buf.A, buf.Araw, buf.sb, buf.zb, buf.M, buf.bits,
        yp, vp, xPrev, o.step, o.maxLength, o.recordEvery, lo, hi, V,
        cap, bPoints, bOuts, bParams, bSpeed, state, work,
      );
      flush();
      if (ev === GEO_FLUSH) continue;
      if (ev !== GEO_CROSSING) { stop = STOP_REASONS[ev]; break; }
      // A region transition: the next region, the velocity carried across, a vertex at the crossing.
      const crossed = arena.f64(state, 6)[5];
      const x = Float64Array.from(arena.f64(xPrev, d));
      const yv = arena.f64(yp, R.r), vv = arena.f64(vp, R.r);
      const vx = R.toGlobalVelocity(vv);
      const sp2 = R.speed2(yv, vv);
      R = regionAt(arena, k, up, buf, x, { from: R, crossed, vx }, o.rankTol);
      crossings++;
      const nv = R.enter(vx, sp2);
      const zero = new Float64Array(R.r);
      if (!nv) { recordBase(x, R.speed2(zero, zero)); stop = "trapped"; break; }
      arena.f64(yp, R.r).fill(0);
      arena.f64(vp, R.r).set(nv);
      recordBase(x, R.speed2(zero, nv));
    }
  }
  const st = arena.f64(state, 6);
  const len = st[0], eucl = st[1];
  const first = out.points.subarray(at * V * d, at * V * d + d);
  const last = out.points.subarray((at * V + kv - 1) * d, (at * V + kv) * d);
  const info = out.info.subarray(at * 8, at * 8 + 8);
  info[0] = kv;
  info[1] = STOP_REASONS.indexOf(stop);
  info[2] = len;
  info[3] = eucl;
  info[4] = Math.hypot(...Array.from(last, (v2, j) => v2 - first[j]));
  info[5] = straightDimLength(arena, k, up, first, last);
  info[6] = crossings;
}

export function splitGeodesic(out: Record<string, ArrayLike<number> | BigUint64Array>, o: GeodesicJobOptions): GeodesicPath {
  const info = out.info as Float64Array;
  const k = info[0], d = o.d, m = o.m;
  return {
    d, m, vertices: k,
    points: (out.points as Float64Array).slice(0, k * d),
    outputs: (out.outputs as Float64Array).slice(0, k * m),
    params: (out.params as Float64Array).slice(0, k),
    speed2: (out.speed2 as Float64Array).slice(0, k),
    regionHash: (out.regionHash as BigUint64Array).slice(0, k),
    rank: (out.rank as Int32Array).slice(0, k),
    length: info[2], euclideanLength: info[3], chord: info[4], straightLength: info[5], crossings: info[6],
    stopReason: STOP_REASONS[info[1]],
  };
}

/** A geodesic of the DIM restricted to the data leaf from x0 with initial direction v0 (float64). */
export async function geodesic(rt: Runtime, model: Model, x0: ArrayLike<number>, v0: ArrayLike<number>, opts: GeodesicOptions & CallOptions = {}): Promise<GeodesicPath> {
  const o = geodesicJobOptions(model, Float64Array.from(x0), Float64Array.from(v0), opts);
  const { out } = await rt.map("geodesic", model, indexBatch(1, o.d), opts, o as unknown as Record<string, unknown>);
  return splitGeodesic(out, o);
}
