/**
 * One linear region's piece of the data leaf, as the geodesic integrator sees it (see geodesic.ts):
 * the base point x_b, the basis Q (r×d) of Im D, A = J_s Qᵀ (C×r; centred for the metric, raw for the
 * logits), the logits s_b, and the relu/leakyRelu pre-activations as affine functions z_b + M y of the
 * region coordinates y (M = Z Qᵀ, one tangent pass per basis vector). Built with the Wasm kernels in a
 * scoped piece of the arena and copied out, so a long geodesic's memory stays flat.
 */
import type { Arena } from "../engine/arena.js";
import type { DenseNet64, LeafKernels } from "./leafNet.js";

export class Region {
  constructor(
    readonly d: number,
    readonly C: number,
    readonly r: number,
    readonly xb: Float64Array, // d
    readonly Q: Float64Array, // r×d
    readonly A: Float64Array, // C×r, centred rows of J_s times Qᵀ
    readonly Araw: Float64Array, // C×r
    readonly sb: Float64Array, // C logits at x_b
    readonly zb: Float64Array, // P pattern pre-activations at x_b
    readonly M: Float64Array, // P×r
    readonly bits: Uint32Array,
    readonly hash: bigint,
  ) {}

  on(b: number): boolean {
    return ((this.bits[b >>> 5] >>> (b & 31)) & 1) === 1;
  }

  /** Local coordinates of a Euclidean vector: Q v (its projection onto the distribution). */
  toLocal(v: ArrayLike<number>): Float64Array {
    const out = new Float64Array(this.r);
    for (let k = 0; k < this.r; k++) for (let i = 0; i < this.d; i++) out[k] += this.Q[k * this.d + i] * v[i];
    return out;
  }

  toGlobal(y: Float64Array): Float64Array {
    const x = Float64Array.from(this.xb);
    for (let k = 0; k < this.r; k++) for (let i = 0; i < this.d; i++) x[i] += this.Q[k * this.d + i] * y[k];
    return x;
  }

  toGlobalVelocity(v: Float64Array): Float64Array {
    const x = new Float64Array(this.d);
    for (let k = 0; k < this.r; k++) for (let i = 0; i < this.d; i++) x[i] += this.Q[k * this.d + i] * v[k];
    return x;
  }

  logitsAt(y: Float64Array): Float64Array {
    const s = Float64Array.from(this.sb);
    for (let c = 0; c < this.C; c++) for (let k = 0; k < this.r; k++) s[c] += this.Araw[c * this.r + k] * y[k];
    return s;
  }

  /** σᵀ F(p) σ with σ = A v, p = softmax(s_b + A y): the squared DIM speed. */
  speed2(y: Float64Array, v: Float64Array): number {
    const s = this.logitsAt(y);
    const mx = Math.max(...s);
    let sum = 0;
    const p = s.map((x) => Math.exp(x - mx));
    for (const x of p) sum += x;
    let m1 = 0, m2 = 0;
    for (let c = 0; c < this.C; c++) {
      let sig = 0;
      for (let k = 0; k < this.r; k++) sig += this.A[c * this.r + k] * v[k];
      m1 += (p[c] / sum) * sig;
      m2 += (p[c] / sum) * sig * sig;
    }
    return m2 - m1 * m1;
  }

  /** The pattern bit whose pre-activation at y has left its side by more than 1e-12 (largest first), or −1. */
  violated(y: Float64Array): number {
    let worst = 1e-12, which = -1;
    const P = this.zb.length;
    for (let b = 0; b < P; b++) {
      let z = this.zb[b];
      for (let k = 0; k < this.r; k++) z += this.M[b * this.r + k] * y[k];
      const v = this.on(b) ? -z : z;
      if (v > worst) { worst = v; which = b; }
    }
    return which;
  }

  /**
   * Velocity on entering this region across unit `bit`: Euclidean velocity vx projected onto the data
   * distribution, reflected inside it if it heads back across the boundary, scaled to squared speed sp2.
   */
  enter(vx: Float64Array, bit: number, sp2: number): Float64Array | null {
    const v = this.toLocal(vx);
    const n = this.M.subarray(bit * this.r, (bit + 1) * this.r); // local coordinates of ∇z projected
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

/** Build the region at x: pattern from the signs (prev null) or the previous region's with `flip` flipped. */
export function regionAt(arena: Arena, k: LeafKernels, table: number, net: DenseNet64, x: ArrayLike<number>, prev: { from: Region; flip: number } | null, rankTol: number): Region {
  return arena.scoped(() => {
    const d = net.d, C = net.m, U = net.units, L = net.layers.length;
    const xp = arena.putF64(x), z = arena.allocF64(U), a = arena.allocF64(U), s = arena.allocF64(U);
    const dz = arena.allocF64(U), da = arena.allocF64(U);
    const g0 = arena.allocF64(C * net.maxWidth), g1 = arena.allocF64(C * net.maxWidth), Qp = arena.allocF64(C * d);
    const bits = arena.allocI32(net.words);
    if (prev) {
      const w = Uint32Array.from(prev.from.bits);
      w[prev.flip >>> 5] ^= 1 << (prev.flip & 31);
      arena.u32(bits, net.words).set(w);
    }
    const last = k.netForwardF64(table, L, xp, z, a, s, bits, net.words, prev ? 1 : 0);
    const sb = Float64Array.from(arena.f64(last, C));
    const J = k.netJacobianF64(table, L, L - 1, s, g0, g1);
    const Jraw = Float64Array.from(arena.f64(J, C * d)); // C×d
    const r = k.leafBasisF64(C, d, J, 1, rankTol, Qp);
    const Jc = arena.f64(J, C * d);
    const Q = Float64Array.from(arena.f64(Qp, r * d)); // r×d
    const A = new Float64Array(C * r), Araw = new Float64Array(C * r);
    for (let c = 0; c < C; c++) for (let kk = 0; kk < r; kk++) {
      let v = 0, w = 0;
      for (let i = 0; i < d; i++) { v += Jc[c * d + i] * Q[kk * d + i]; w += Jraw[c * d + i] * Q[kk * d + i]; }
      A[c * r + kk] = v;
      Araw[c * r + kk] = w;
    }
    const offsets: number[] = [];
    let unit = 0;
    for (const l of net.layers) {
      if (l.act === 1 || l.act === 2) for (let j = 0; j < l.nOut; j++) offsets.push(unit + j);
      unit += l.nOut;
    }
    const zv = arena.f64(z, U);
    const zb = Float64Array.from(offsets, (o) => zv[o]);
    const M = new Float64Array(offsets.length * r); // P×r
    for (let kk = 0; kk < r; kk++) {
      k.netTangentF64(table, L, Qp + kk * d * 8, s, dz, da);
      const dzv = arena.f64(dz, U);
      offsets.forEach((o, b) => { M[b * r + kk] = dzv[o]; });
    }
    const w = Uint32Array.from(arena.u32(bits, net.words));
    const hash = k.fnv64(bits, net.words, 0xcbf29ce484222325n);
    return new Region(d, C, r, Float64Array.from(x), Q, A, Araw, sb, zb, M, w, BigInt.asUintN(64, hash));
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
      const last = k.netForwardF64(table, L, xp, z, av, s, bits, net.words, 0);
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
