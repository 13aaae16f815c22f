/**
 * One linear region's piece of the data leaf, as the geodesic integrator sees it (see geodesic.ts):
 * the base point x_b, the basis Q (r×d) of Im D, A = J_s Qᵀ (C×r; centred for the metric, raw for the
 * logits), the logits s_b, and the relu/leakyRelu pre-activations as affine functions z_b + M y of the
 * region coordinates y (M = Z Qᵀ, one tangent pass per basis vector). The data live in one set of arena
 * buffers (RegionBuffers, allocated once per path and overwritten at each crossing) that the segment kernel
 * reads; the setup runs in the Wasm kernels with scoped scratch, so a long geodesic's memory stays flat.
 * The host methods below serve the rare region transitions only.
 */
import type { Arena } from "../engine/arena.js";
import type { DenseNet64, LeafKernels } from "./leafNet.js";

/** Signatures of assembly/geodesic.ts. Pointers are byte offsets into the arena. */
export interface GeodesicKernels extends LeafKernels {
  geodesicReduceF64(
    net: number, layers: number, C: number, d: number, r: number, Jc: number, J: number, Q: number,
    z: number, s: number, dz: number, da: number, A: number, Araw: number, zb: number, M: number,
  ): number;
  geodesicWorkF64(d: number, C: number): number;
  geodesicSegmentF64(
    C: number, r: number, d: number, P: number, xb: number, Q: number, A: number, Araw: number, sb: number, zb: number, M: number, bits: number,
    y: number, v: number, xPrev: number, step: number, maxLength: number, recordEvery: number, lo: number, hi: number, maxVertices: number,
    cap: number, points: number, outs: number, params: number, speeds: number, state: number, work: number,
  ): number;
}

/** Arena pointers of one region's data (capacity r ≤ C): xb d, Q C×d, A C×C, Araw C×C, sb C, zb P, M P×C, bits words. */
export interface RegionBuffers {
  xb: number; Q: number; A: number; Araw: number; sb: number; zb: number; M: number; bits: number;
}

export function regionBuffers(arena: Arena, net: DenseNet64): RegionBuffers {
  const d = net.d, C = net.m, P = net.patternBits;
  return {
    xb: arena.allocF64(d), Q: arena.allocF64(C * d), A: arena.allocF64(C * C), Araw: arena.allocF64(C * C),
    sb: arena.allocF64(C), zb: arena.allocF64(Math.max(P, 1)), M: arena.allocF64(Math.max(P, 1) * C), bits: arena.allocI32(net.words),
  };
}

export class Region {
  constructor(
    readonly arena: Arena,
    readonly buf: RegionBuffers,
    readonly d: number,
    readonly C: number,
    readonly r: number,
    readonly P: number,
    readonly bits: Uint32Array,
    readonly hash: bigint,
  ) {}

  on(b: number): boolean {
    return ((this.bits[b >>> 5] >>> (b & 31)) & 1) === 1;
  }

  /** Local coordinates of a Euclidean vector: Q v (its projection onto the distribution). */
  toLocal(v: ArrayLike<number>): Float64Array {
    const out = new Float64Array(this.r), Q = this.arena.f64(this.buf.Q, this.r * this.d);
    for (let k = 0; k < this.r; k++) for (let i = 0; i < this.d; i++) out[k] += Q[k * this.d + i] * v[i];
    return out;
  }

  toGlobalVelocity(v: ArrayLike<number>): Float64Array {
    const x = new Float64Array(this.d), Q = this.arena.f64(this.buf.Q, this.r * this.d);
    for (let k = 0; k < this.r; k++) for (let i = 0; i < this.d; i++) x[i] += Q[k * this.d + i] * v[k];
    return x;
  }

  /** σᵀ F(p) σ with σ = A v, p = softmax(s_b + A y): the squared DIM speed. */
  speed2(y: ArrayLike<number>, v: ArrayLike<number>): number {
    const { C, r } = this;
    const A = this.arena.f64(this.buf.A, C * r), Araw = this.arena.f64(this.buf.Araw, C * r);
    const s = Float64Array.from(this.arena.f64(this.buf.sb, C));
    for (let c = 0; c < C; c++) for (let k = 0; k < r; k++) s[c] += Araw[c * r + k] * y[k];
    const mx = Math.max(...s);
    let sum = 0;
    const p = s.map((x) => Math.exp(x - mx));
    for (const x of p) sum += x;
    let m1 = 0, m2 = 0;
    for (let c = 0; c < C; c++) {
      let sig = 0;
      for (let k = 0; k < r; k++) sig += A[c * r + k] * v[k];
      m1 += (p[c] / sum) * sig;
      m2 += (p[c] / sum) * sig * sig;
    }
    return m2 - m1 * m1;
  }

  /**
   * Velocity on entering this region across unit `bit`: Euclidean velocity vx projected onto the data
   * distribution, reflected inside it if it heads back across the boundary, scaled to squared speed sp2.
   */
  enter(vx: Float64Array, bit: number, sp2: number): Float64Array | null {
    const v = this.toLocal(vx);
    const n = this.arena.f64(this.buf.M + bit * this.r * 8, this.r); // local coordinates of ∇z projected
    let dn = 0, nn = 0;
    for (let k = 0; k < this.r; k++) { dn += n[k] * v[k]; nn += n[k] * n[k]; }
    if (this.on(bit) ? dn < 0 : dn > 0) {
      if (!(nn > 0)) return null;
      for (let k = 0; k < this.r; k++) v[k] -= (2 * dn / nn) * n[k];
    }
    const s2 = this.speed2(new Float64Array(this.r), v);
    if (!(s2 > 0)) return null;
    const c = Math.sqrt(sp2 / s2);
    return v.map((x) => x * c);
  }
}

/**
 * Build the region at x into `buf`: pattern from the signs (prev null) or the previous region's (whose
 * data `buf` holds until now) with `flip` flipped.
 */
export function regionAt(arena: Arena, k: GeodesicKernels, table: number, net: DenseNet64, buf: RegionBuffers, x: ArrayLike<number>, prev: { from: Region; flip: number } | null, rankTol: number): Region {
  return arena.scoped(() => {
    const d = net.d, C = net.m, U = net.units, L = net.layers.length;
    const z = arena.allocF64(U), a = arena.allocF64(U), s = arena.allocF64(U);
    const dz = arena.allocF64(U), da = arena.allocF64(U);
    const g0 = arena.allocF64(C * net.maxWidth), g1 = arena.allocF64(C * net.maxWidth), Jraw = arena.allocF64(C * d);
    arena.f64(buf.xb, d).set(x);
    if (prev) {
      const w = Uint32Array.from(prev.from.bits);
      w[prev.flip >>> 5] ^= 1 << (prev.flip & 31);
      arena.u32(buf.bits, net.words).set(w);
    }
    const last = k.leafNetForwardF64(table, L, buf.xb, z, a, s, buf.bits, net.words, prev ? 1 : 0);
    arena.f64(buf.sb, C).set(arena.f64(last, C));
    const J = k.netJacobianF64(table, L, L - 1, s, g0, g1);
    arena.f64(Jraw, C * d).set(arena.f64(J, C * d)); // C×d, before leafBasisF64 centres J
    const r = k.leafBasisF64(C, d, J, 1, rankTol, buf.Q);
    const P = k.geodesicReduceF64(table, L, C, d, r, J, Jraw, buf.Q, z, s, dz, da, buf.A, buf.Araw, buf.zb, buf.M);
    const w = Uint32Array.from(arena.u32(buf.bits, net.words));
    const hash = k.fnv64(buf.bits, net.words, 0xcbf29ce484222325n);
    return new Region(arena, buf, d, C, r, P, w, BigInt.asUintN(64, hash));
  });
}

/** DIM length ∫₀¹ √(σᵀFσ) dt of the straight segment a → b (σ = J_s (b − a)), midpoint rule on 256 cells. */
export function straightDimLength(arena: Arena, k: LeafKernels, table: number, net: DenseNet64, a: ArrayLike<number>, b: ArrayLike<number>): number {
  return arena.scoped(() => {
    const d = net.d, C = net.m, U = net.units, L = net.layers.length;
    const u = Float64Array.from(b, (v, i) => v - a[i]);
    const up = arena.putF64(u), xp = arena.allocF64(d);
    const z = arena.allocF64(U), av = arena.allocF64(U), s = arena.allocF64(U), dz = arena.allocF64(U), da = arena.allocF64(U);
    const bits = arena.allocI32(net.words);
    const N = 256;
    let total = 0;
    for (let i = 0; i < N; i++) {
      const t = (i + 0.5) / N;
      arena.f64(xp, d).set(Float64Array.from(a, (v, j) => v + t * u[j]));
      const last = k.leafNetForwardF64(table, L, xp, z, av, s, bits, net.words, 0);
      k.netTangentF64(table, L, up, s, dz, da);
      const sv = arena.f64(last, C), sig = arena.f64(dz + (U - C) * 8, C);
      const mx = Math.max(...sv);
      const p = Array.from(sv, (v) => Math.exp(v - mx));
      const sum = p.reduce((x, y) => x + y, 0);
      let m1 = 0, m2 = 0;
      for (let c = 0; c < C; c++) { m1 += (p[c] / sum) * sig[c]; m2 += (p[c] / sum) * sig[c] * sig[c]; }
      total += Math.sqrt(Math.max(0, m2 - m1 * m1)) / N;
    }
    return total;
  });
}
