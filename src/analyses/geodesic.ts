/**
 * engine.geodesic: geodesics of the DIM metric D = J_sᵀ (diag p − ppᵀ) J_s restricted to the data leaf,
 * for piecewise-linear dense classifiers, in float64.
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
 * the r×r system by Cholesky. Region boundaries: every pre-activation is affine in y (z = z_b + M y), so a
 * step that changes a sign is bisected down to the crossing; there the pattern bit flips, the Euclidean
 * velocity Qᵀẏ is projected onto the next region's data distribution (reflected inside it when it heads
 * back, as for leaves) and rescaled to the same metric speed. The region setup (forward pass, Jacobian,
 * basis, tangents) runs in the Wasm kernels; the r-dimensional integration runs here.
 */
import { OptionError, UnsupportedLayerError } from "../errors.js";
import type { Arena } from "../engine/arena.js";
import type { Job } from "../engine/job.js";
import type { Model } from "../model/model.js";
import { STOP_REASONS, vector, type LeafStopReason } from "./leaf.js";
import { denseNet64, uploadNet64, type DenseNet64, type LeafKernels } from "./leafNet.js";
import { Region, regionAt, straightDimLength } from "./geodesicRegion.js";

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
  net: DenseNet64;
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
  const net = denseNet64(model);
  if (!net.piecewiseLinear) throw new UnsupportedLayerError("geodesic: piecewise-linear dense networks only (relu, leakyRelu, linear)");
  if (net.m < 2) throw new OptionError("geodesic: the DIM needs a classifier with at least 2 outputs");
  const d = net.d;
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
    net, starts, velocities, lo, hi, maxVertices, recordEvery,
    maxLength: pos(opts.maxLength, "maxLength", 1), step: pos(opts.step, "step", 1e-2), rankTol: pos(opts.rankTol, "rankTol", 1e-9),
  };
}

export function geodesicLayout(o: GeodesicJobOptions) {
  const V = o.maxVertices, d = o.net.d, m = o.net.m;
  return {
    points: ["f64", V * d], outputs: ["f64", V * m], params: ["f64", V], speed2: ["f64", V], regionHash: ["u64", V], rank: ["i32", V],
    info: ["f64", 8], // vertices, stop, length, euclideanLength, chord, straightLength, crossings
  } as const;
}

/** Acceleration ÿ in region coordinates (the equation above); returns false when G is not positive definite. */
function acceleration(R: Region, y: Float64Array, v: Float64Array, out: Float64Array): boolean {
  const { C, r, A } = R;
  const s = new Float64Array(C), sig = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let a = R.sb[c], b = 0;
    for (let k = 0; k < r; k++) { a += A[c * r + k] * y[k]; b += A[c * r + k] * v[k]; }
    s[c] = a; sig[c] = b;
  }
  let mx = -Infinity;
  for (let c = 0; c < C; c++) mx = Math.max(mx, s[c]);
  const p = new Float64Array(C);
  let sum = 0;
  for (let c = 0; c < C; c++) sum += p[c] = Math.exp(s[c] - mx);
  let ps = 0;
  for (let c = 0; c < C; c++) { p[c] /= sum; ps += p[c] * sig[c]; }
  let m2 = 0;
  const bar = sig.map((x) => x - ps);
  for (let c = 0; c < C; c++) m2 += p[c] * bar[c] * bar[c];
  const q = new Float64Array(C); // p ⊙ (σ̄² − m₂)
  for (let c = 0; c < C; c++) q[c] = p[c] * (bar[c] * bar[c] - m2);
  // G = Aᵀ F A with F A = p⊙(A − 1 pᵀA); rhs = −½ Aᵀ q.
  const pA = new Float64Array(r);
  for (let k = 0; k < r; k++) for (let c = 0; c < C; c++) pA[k] += p[c] * A[c * r + k];
  const G = new Float64Array(r * r), rhs = new Float64Array(r);
  for (let i = 0; i < r; i++) {
    for (let c = 0; c < C; c++) rhs[i] -= 0.5 * A[c * r + i] * q[c];
    for (let j = 0; j <= i; j++) {
      let g = 0;
      for (let c = 0; c < C; c++) g += A[c * r + i] * p[c] * (A[c * r + j] - pA[j]);
      G[i * r + j] = G[j * r + i] = g;
    }
  }
  return choleskySolve(G, rhs, r, out);
}

/** Solve G x = b (G r×r symmetric positive definite, overwritten) by Cholesky; false if not PD. */
function choleskySolve(G: Float64Array, b: Float64Array, r: number, x: Float64Array): boolean {
  for (let j = 0; j < r; j++) {
    let dgl = G[j * r + j];
    for (let k = 0; k < j; k++) dgl -= G[j * r + k] * G[j * r + k];
    if (!(dgl > 0)) return false;
    const l = Math.sqrt(dgl);
    G[j * r + j] = l;
    for (let i = j + 1; i < r; i++) {
      let v = G[i * r + j];
      for (let k = 0; k < j; k++) v -= G[i * r + k] * G[j * r + k];
      G[i * r + j] = v / l;
    }
  }
  for (let i = 0; i < r; i++) {
    let v = b[i];
    for (let k = 0; k < i; k++) v -= G[i * r + k] * x[k];
    x[i] = v / G[i * r + i];
  }
  for (let i = r - 1; i >= 0; i--) {
    let v = x[i];
    for (let k = i + 1; k < r; k++) v -= G[k * r + i] * x[k];
    x[i] = v / G[i * r + i];
  }
  return true;
}

/** One RK4 step of (y, v) by h; null when the metric degenerates. */
function rk4(R: Region, y: Float64Array, v: Float64Array, h: number): [Float64Array, Float64Array] | null {
  const r = R.r;
  const a1 = new Float64Array(r), a2 = new Float64Array(r), a3 = new Float64Array(r), a4 = new Float64Array(r);
  const add = (p: Float64Array, q: Float64Array, c: number) => p.map((x, i) => x + c * q[i]);
  if (!acceleration(R, y, v, a1)) return null;
  const y2 = add(y, v, h / 2), v2 = add(v, a1, h / 2);
  if (!acceleration(R, y2, v2, a2)) return null;
  const y3 = add(y, v2, h / 2), v3 = add(v, a2, h / 2);
  if (!acceleration(R, y3, v3, a3)) return null;
  const y4 = add(y, v3, h), v4 = add(v, a3, h);
  if (!acceleration(R, y4, v4, a4)) return null;
  const yn = y.map((x, i) => x + (h / 6) * (v[i] + 2 * v2[i] + 2 * v3[i] + v4[i]));
  const vn = v.map((x, i) => x + (h / 6) * (a1[i] + 2 * a2[i] + 2 * a3[i] + a4[i]));
  return [yn, vn];
}

export const geodesicJob: Job = {
  layout(_plan, opts) {
    return geodesicLayout(opts as unknown as GeodesicJobOptions) as unknown as ReturnType<Job["layout"]>;
  },
  meta(_plan, opts) {
    const o = opts as unknown as GeodesicJobOptions;
    return { d: o.net.d, m: o.net.m, maxVertices: o.maxVertices };
  },
  run(arena, _plan, X, count, opts, out, base) {
    const o = opts as unknown as GeodesicJobOptions;
    const table = uploadNet64(arena, o.net);
    for (let i = 0; i < count; i++) runOne(arena, table, o, X[i * o.net.d], out as unknown as GeoOut, base + i);
  },
};

interface GeoOut {
  points: Float64Array; outputs: Float64Array; params: Float64Array; speed2: Float64Array;
  regionHash: BigUint64Array; rank: Int32Array; info: Float64Array;
}

function runOne(arena: Arena, table: number, o: GeodesicJobOptions, p: number, out: GeoOut, at: number): void {
  const k = arena.kernels<LeafKernels>();
  const { net, maxVertices: V } = o;
  const d = net.d, m = net.m;
  const x0 = o.starts.subarray(p * d, (p + 1) * d);
  let R = regionAt(arena, k, table, net, x0, null, o.rankTol);
  let v: Float64Array = R.toLocal(o.velocities.subarray(p * d, (p + 1) * d));
  const sp = Math.sqrt(R.speed2(new Float64Array(R.r), v));
  let stop: LeafStopReason = "length";
  let kv = 0, len = 0, eucl = 0, crossings = 0, steps = 0;
  let y: Float64Array = new Float64Array(R.r);
  const record = (x: Float64Array, sp2: number) => {
    out.points.set(x, (at * V + kv) * d);
    out.outputs.set(R.logitsAt(y), (at * V + kv) * m);
    out.params[at * V + kv] = len;
    out.speed2[at * V + kv] = sp2;
    out.regionHash[at * V + kv] = R.hash;
    out.rank[at * V + kv] = R.r;
    kv++;
  };
  if (!(sp > 0) || R.r === 0) {
    record(R.toGlobal(y), 0);
    stop = "orthogonal";
  } else {
    v = v.map((x) => x / sp);
    record(R.toGlobal(y), 1);
    let xPrev = R.toGlobal(y);
    while (true) {
      if (kv >= V) { stop = "maxVertices"; break; }
      const h = Math.min(o.step, o.maxLength - len);
      if (h <= 1e-15) { stop = "length"; break; }
      let next = rk4(R, y, v, h);
      if (!next) { stop = "degenerate"; break; }
      let hUsed = h;
      let crossed = R.violated(next[0]);
      if (crossed >= 0) {
        // Bisect the step length down to the first sign change.
        let a = 0, b = h;
        for (let it = 0; it < 60; it++) {
          const mid = (a + b) / 2;
          const s = rk4(R, y, v, mid);
          if (s && R.violated(s[0]) < 0) a = mid;
          else b = mid;
        }
        const sb = rk4(R, y, v, b);
        crossed = sb ? R.violated(sb[0]) : crossed;
        next = rk4(R, y, v, a);
        if (!next) { stop = "degenerate"; break; }
        hUsed = a;
      }
      y = next[0];
      v = next[1];
      len += hUsed;
      steps++;
      const x = R.toGlobal(y);
      if (o.lo && !x.every((xi, j) => xi >= o.lo![j] && xi <= o.hi![j])) { stop = "box"; break; }
      eucl += Math.hypot(...x.map((xi, j) => xi - xPrev[j]));
      xPrev = x;
      if (crossed >= 0) {
        const vx = R.toGlobalVelocity(v);
        const sp2 = R.speed2(y, v);
        R = regionAt(arena, k, table, net, x, { from: R, flip: crossed }, o.rankTol);
        crossings++;
        y = new Float64Array(R.r);
        const nv = R.enter(vx, crossed, sp2);
        if (!nv) { record(x, R.speed2(y, new Float64Array(R.r))); stop = "trapped"; break; }
        v = nv;
        record(x, R.speed2(y, v));
      } else if (steps % o.recordEvery === 0 || len >= o.maxLength - 1e-15) record(x, R.speed2(y, v));
    }
  }
  const first = out.points.subarray(at * V * d, at * V * d + d);
  const last = out.points.subarray((at * V + kv - 1) * d, (at * V + kv) * d);
  const info = out.info.subarray(at * 8, at * 8 + 8);
  info[0] = kv;
  info[1] = STOP_REASONS.indexOf(stop);
  info[2] = len;
  info[3] = eucl;
  info[4] = Math.hypot(...Array.from(last, (v2, j) => v2 - first[j]));
  info[5] = straightDimLength(arena, k, table, net, first, last);
  info[6] = crossings;
}

export function splitGeodesic(out: Record<string, ArrayLike<number> | BigUint64Array>, o: GeodesicJobOptions): GeodesicPath {
  const info = out.info as Float64Array;
  const k = info[0], d = o.net.d, m = o.net.m;
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
