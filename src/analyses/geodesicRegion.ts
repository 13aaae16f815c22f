/**
 * One linear region's piece of the data leaf, as the geodesic integrator sees it (see geodesic.ts), on the
 * compiled network: the base point x_b, the basis Q (r×d) of Im D, A = J_s Qᵀ (C×r; centred for the metric,
 * raw for the logits), the logits s_b, and every constraint of the region (a relu/leakyRelu sign, or a max-pool
 * choice against another cell of its window) as an affine function z_b + M y ≥ 0 of the region coordinates y
 * (netConstraints on the tangents of the rows of Q). The data live in one set of arena buffers (RegionBuffers,
 * allocated once per path and overwritten at each crossing) that the segment kernel reads; the setup runs in
 * the Wasm kernels with scoped scratch, so a long geodesic's memory stays flat. The host methods below serve
 * the rare region transitions only.
 */
import type { Arena } from "../engine/arena.js";
import type { UploadedNetwork } from "../engine/network.js";
import * as O from "../model/opcodes.js";
import type { CompiledNetwork } from "../model/compile.js";
import type { PathKernels } from "./pathNet.js";

/** Signatures of assembly/geodesic.ts. Pointers are byte offsets into the arena. */
export interface GeodesicKernels extends PathKernels {
  geodesicReduceF64(C: number, d: number, r: number, Jc: number, J: number, Q: number, A: number, Araw: number): void;
  geodesicWorkF64(d: number, C: number): number;
  geodesicSegmentF64(
    C: number, r: number, d: number, P: number, xb: number, Q: number, A: number, Araw: number, sb: number, zb: number, M: number, bits: number,
    y: number, v: number, xPrev: number, step: number, maxLength: number, recordEvery: number, lo: number, hi: number, maxVertices: number,
    cap: number, points: number, outs: number, params: number, speeds: number, state: number, work: number,
  ): number;
}

/**
 * Arena pointers of one region's data (capacity r ≤ C, P ≤ cap constraints): xb d, Q C×d, A C×C, Araw C×C,
 * sb C, zb cap, M cap×C, bits (cap bits, all set: every constraint must stay ≥ 0), code/other cap i32
 * (netConstraints), and the base point's values, pre-activations and argmax (the frozen pattern).
 */
export interface RegionBuffers {
  xb: number; Q: number; A: number; Araw: number; sb: number; zb: number; M: number; bits: number; code: number; other: number;
  values: number; pre: number; argmax: number; cap: number;
}

/** Upper bound on a region's constraints: pattern bits and every (pool output, other window cell) pair. */
export function constraintCapacity(net: CompiledNetwork): number {
  let n = net.patternBits;
  for (let k = 0; k < net.nodeCount; k++) {
    const row = net.table.subarray(k * O.NODE_STRIDE, (k + 1) * O.NODE_STRIDE);
    if (row[O.F_OP] === O.OP_MAXPOOL) n += row[O.F_OUT_SIZE] * (row[O.F_KH] * row[O.F_KW] - 1);
  }
  return Math.max(n, 1);
}

export function regionBuffers(arena: Arena, up: UploadedNetwork): RegionBuffers {
  const net = up.net, d = net.inputSize, C = net.outputSize, cap = constraintCapacity(net);
  const words = Math.ceil(cap / 32);
  const bits = arena.allocI32(words);
  arena.u32(bits, words).fill(0xffffffff);
  return {
    xb: arena.allocF64(d), Q: arena.allocF64(C * d), A: arena.allocF64(C * C), Araw: arena.allocF64(C * C),
    sb: arena.allocF64(C), zb: arena.allocF64(cap), M: arena.allocF64(cap * C), bits, code: arena.allocI32(cap), other: arena.allocI32(cap),
    values: arena.allocF64(net.valueSize), pre: arena.allocF64(Math.max(1, net.preSize)), argmax: arena.allocI32(Math.max(1, net.argSize)), cap,
  };
}

/** The (node, unit) of a crossing code (netUnitCode: a pattern bit, or patternBits + an argmax index). */
export function unitOfCode(net: CompiledNetwork, code: number): [number, number] {
  for (let k = 0; k < net.nodeCount; k++) {
    const row = net.table.subarray(k * O.NODE_STRIDE, (k + 1) * O.NODE_STRIDE);
    const size = row[O.F_OUT_SIZE];
    if (row[O.F_OP] === O.OP_MAXPOOL) {
      const at = code - net.patternBits - row[O.F_ARG_OFFSET];
      if (at >= 0 && at < size) return [k, at];
    } else if (row[O.F_PATTERN_OFFSET] >= 0) {
      const at = code - row[O.F_PATTERN_OFFSET];
      if (at >= 0 && at < size && code < net.patternBits) return [k, at];
    }
  }
  throw new RangeError(`no unit has crossing code ${code}`);
}

export class Region {
  constructor(
    readonly arena: Arena,
    readonly buf: RegionBuffers,
    readonly d: number,
    readonly C: number,
    readonly r: number,
    readonly P: number,
    readonly hash: bigint,
    /** Index of the constraint of the boundary the walk entered this region through (−1: none). */
    readonly entered: number,
  ) {}

  /** Code (netUnitCode) and the other pool cell (−1) of constraint j. */
  constraint(j: number): { code: number; other: number } {
    return { code: this.arena.i32(this.buf.code, this.P)[j], other: this.arena.i32(this.buf.other, this.P)[j] };
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
   * Velocity on entering this region: Euclidean velocity vx projected onto the data distribution, reflected
   * inside it if it heads back across the boundary entered through, scaled to squared speed sp2.
   */
  enter(vx: Float64Array, sp2: number): Float64Array | null {
    const v = this.toLocal(vx);
    if (this.entered >= 0) {
      const n = this.arena.f64(this.buf.M + this.entered * this.r * 8, this.r); // local coordinates of the inward normal, projected
      let dn = 0, nn = 0;
      for (let k = 0; k < this.r; k++) { dn += n[k] * v[k]; nn += n[k] * n[k]; }
      if (dn < 0) {
        if (!(nn > 0)) return null;
        for (let k = 0; k < this.r; k++) v[k] -= (2 * dn / nn) * n[k];
      }
    }
    const s2 = this.speed2(new Float64Array(this.r), v);
    if (!(s2 > 0)) return null;
    const c = Math.sqrt(sp2 / s2);
    return v.map((x) => x * c);
  }
}

/** How the walk reached x: from region `from` across its constraint `crossed`, with Euclidean velocity vx. */
export interface Transition {
  from: Region;
  crossed: number;
  vx: ArrayLike<number>;
}

/**
 * Build the region at x into `buf`: the pattern of x's own signs (prev null), or that of the region beyond
 * the constraint the walk crossed (the crossed unit put on the side vx moves into). Units tied at x (on their
 * boundary, e.g. the max pools of an image's blank area) take the side the velocity (prev.vx, else
 * `direction`) moves into.
 */
export function regionAt(arena: Arena, k: GeodesicKernels, up: UploadedNetwork, buf: RegionBuffers, x: ArrayLike<number>, prev: Transition | null, rankTol: number, direction?: ArrayLike<number>): Region {
  return arena.scoped(() => {
    const net = up.net, n64 = up.f64;
    const d = net.inputSize, C = net.outputSize;
    let crossedCode = -1, oldChoice = -1, node = -1, unit = -1;
    if (prev) {
      crossedCode = prev.from.constraint(prev.crossed).code;
      [node, unit] = unitOfCode(net, crossedCode);
      oldChoice = k.netChoice(n64, buf.argmax, node, unit);
    }
    arena.f64(buf.xb, d).set(x);
    k.graphForwardF64(n64, buf.xb, 1, buf.values, buf.pre, buf.argmax);
    const tan = arena.allocF64(C * net.valueSize), tanPre = arena.allocF64(C * Math.max(1, net.preSize)); // C×valueSize, C×preSize
    const vx = prev ? prev.vx : direction;
    if (vx) {
      const v = arena.putF64(vx);
      k.graphJvpF64(n64, buf.values, buf.pre, buf.argmax, 1, v, tan, tanPre);
      if (prev) k.netEnterSideF64(n64, buf.values, buf.pre, buf.argmax, tan, tanPre, node, unit);
      for (let round = 0; round < 8; round++) {
        k.graphJvpF64(n64, buf.values, buf.pre, buf.argmax, 1, v, tan, tanPre);
        if (k.netResolveTiesF64(n64, buf.values, buf.pre, buf.argmax, tan, tanPre) === 0) break;
      }
    }
    const outAt = net.outputNode < 0 ? 0 : net.table[net.outputNode * O.NODE_STRIDE + O.F_VALUE_OFFSET];
    arena.f64(buf.sb, C).set(arena.f64(buf.values + outAt * 8, C));
    const J = arena.allocF64(C * d), Jraw = arena.allocF64(C * d); // C×d each
    k.graphVjpF64(n64, buf.values, buf.pre, buf.argmax, C, net.outputNode, 0, J, arena.alloc(k.graphVjpWorkBytesF64(n64, C)));
    arena.f64(Jraw, C * d).set(arena.f64(J, C * d)); // before leafBasisF64 centres J
    const r = k.leafBasisF64(C, d, J, 1, rankTol, buf.Q);
    k.geodesicReduceF64(C, d, r, J, Jraw, buf.Q, buf.A, buf.Araw);
    if (r > 0) k.graphJvpF64(n64, buf.values, buf.pre, buf.argmax, r, buf.Q, tan, tanPre);
    const P = k.netConstraintsF64(n64, buf.values, buf.pre, buf.argmax, r, tan, tanPre, buf.cap, buf.zb, buf.M, buf.code, buf.other);
    const bits = arena.allocI32(net.patternWords), hash = arena.alloc(8);
    k.graphPatternF64(n64, buf.pre, 1, bits);
    k.graphHash(n64, bits, buf.argmax, 1, hash);
    let entered = -1;
    if (prev) {
      const code = arena.i32(buf.code, P), other = arena.i32(buf.other, P);
      for (let j = 0; j < P && entered < 0; j++) if (code[j] === crossedCode && other[j] === (oldChoice >= 0 ? oldChoice : -1)) entered = j;
    }
    return new Region(arena, buf, d, C, r, P, new BigUint64Array(arena.memory.buffer, hash, 1)[0], entered);
  });
}

/** DIM length ∫₀¹ √(σᵀFσ) dt of the straight segment a → b (σ = J_s (b − a)), midpoint rule on 256 cells. */
export function straightDimLength(arena: Arena, k: PathKernels, up: UploadedNetwork, a: ArrayLike<number>, b: ArrayLike<number>): number {
  return arena.scoped(() => {
    const net = up.net, n64 = up.f64;
    const d = net.inputSize, C = net.outputSize;
    const u = Float64Array.from(b, (v, i) => v - a[i]);
    const up1 = arena.putF64(u), xp = arena.allocF64(d);
    const values = arena.allocF64(net.valueSize), pre = arena.allocF64(Math.max(1, net.preSize)), argmax = arena.allocI32(Math.max(1, net.argSize));
    const tan = arena.allocF64(net.valueSize), tanPre = arena.allocF64(Math.max(1, net.preSize));
    const outAt = net.outputNode < 0 ? 0 : net.table[net.outputNode * O.NODE_STRIDE + O.F_VALUE_OFFSET];
    const N = 256;
    let total = 0;
    for (let i = 0; i < N; i++) {
      const t = (i + 0.5) / N;
      arena.f64(xp, d).set(Float64Array.from(a, (v, j) => v + t * u[j]));
      k.graphForwardF64(n64, xp, 1, values, pre, argmax);
      k.graphJvpF64(n64, values, pre, argmax, 1, up1, tan, tanPre);
      const sv = arena.f64(values + outAt * 8, C), sig = arena.f64(tan + outAt * 8, C);
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
