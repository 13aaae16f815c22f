/**
 * Leaves of smooth (or mixed) dense networks: classical RK4 on the unit field
 *   F(x) = P_x(w) / ‖P_x(w)‖,
 * P_x the projector onto the distribution at x (assembly/leaf.ts: Jacobian, Gram–Schmidt basis, projection),
 * w the walking direction: target − x in target mode (evaluated at every stage), otherwise the direction of
 * the previous accepted step (frozen during a step, so each step integrates a well-defined ODE).
 * Step control by step doubling: one step of h against two of h/2; their difference e estimates the local
 * error (the two-step result is off by ≈ e/15); a step is accepted when e ≤ tol, and h is rescaled by
 * clamp(0.9 (tol/e)^(1/5), 0.2, 4). The accepted point is the Richardson value x₂ + (x₂ − x₁)/15.
 * The field evaluations run in Wasm; this loop (a few dozen scalars per step) runs in TypeScript.
 */
import type { Arena } from "../engine/arena.js";
import type { DenseNet64, DistributionSpec, LeafKernels, NetScratch } from "./leafNet.js";
import type { LeafJobOptions } from "./leaf.js";

interface Buffers { points: number; params: number; outs: number; ranks: number; hashes: number; cross: number }

/** Stop codes, as in assembly/leaf.ts. */
const LENGTH = 0, TARGET = 1, BOX = 2, ORTHOGONAL = 3, VERTICES = 5, NONFINITE = 6;

export function smoothLeaf(
  arena: Arena, k: LeafKernels, table: number, net: DenseNet64, dist: DistributionSpec, s: NetScratch, o: LeafJobOptions,
  x0: number, dir: number, tgt: number, lo: number, hi: number, b: Buffers,
): { vertices: number; stop: number; length: number } {
  const d = net.d, m = net.m, L = net.layers.length, V = o.maxVertices;
  const target = tgt ? Float64Array.from(arena.f64(tgt, d)) : undefined;
  const lower = lo ? Float64Array.from(arena.f64(lo, d)) : undefined;
  const upper = hi ? Float64Array.from(arena.f64(hi, d)) : undefined;
  let x: Float64Array = Float64Array.from(arena.f64(x0, d));
  let w: Float64Array = Float64Array.from(arena.f64(dir, d)); // walking direction
  let rank = 0;

  /** Evaluate the field at y; returns ‖P w‖ (0 when it vanishes); writes the unit field into f. */
  const field = (y: Float64Array, f: Float64Array): number => {
    arena.f64(s.x, d).set(y);
    k.netForwardF64(table, L, s.x, s.z, s.a, s.s, s.bits, net.words, 0);
    const J = k.netJacobianF64(table, L, dist.target, s.s, s.g0, s.g1);
    rank = k.leafBasisF64(net.layers[dist.target].nOut, d, J, dist.centre ? 1 : 0, o.rankTol, s.Q);
    const wv = arena.f64(s.w, d);
    if (target) for (let i = 0; i < d; i++) wv[i] = target[i] - y[i];
    else wv.set(w);
    const pn = k.leafProjectF64(rank, d, s.Q, s.w, dist.kernel ? 1 : 0, s.out);
    const p = arena.f64(s.out, d);
    for (let i = 0; i < d; i++) f[i] = pn > 0 ? p[i] / pn : 0;
    return pn;
  };
  const rk4 = (y: Float64Array, h: number): Float64Array => {
    const k1 = new Float64Array(d), k2 = new Float64Array(d), k3 = new Float64Array(d), k4 = new Float64Array(d), t = new Float64Array(d);
    field(y, k1);
    for (let i = 0; i < d; i++) t[i] = y[i] + (h / 2) * k1[i];
    field(t, k2);
    for (let i = 0; i < d; i++) t[i] = y[i] + (h / 2) * k2[i];
    field(t, k3);
    for (let i = 0; i < d; i++) t[i] = y[i] + h * k3[i];
    field(t, k4);
    const r = new Float64Array(d);
    for (let i = 0; i < d; i++) r[i] = y[i] + (h / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    return r;
  };
  const record = (kv: number, len: number) => {
    arena.f64(s.x, d).set(x);
    const last = k.netForwardF64(table, L, s.x, s.z, s.a, s.s, s.bits, net.words, 0);
    arena.f64(b.points + kv * d * 8, d).set(x);
    arena.f64(b.params + kv * 8, 1)[0] = len;
    arena.f64(b.outs + kv * m * 8, m).set(arena.f64(last, m));
    new BigUint64Array(arena.memory.buffer, b.hashes + kv * 8, 1)[0] = k.fnv64(s.bits, net.words, 0xcbf29ce484222325n);
    arena.i32(b.cross + kv * 4, 1)[0] = -1;
    const f = new Float64Array(d);
    field(x, f);
    arena.i32(b.ranks + kv * 4, 1)[0] = rank;
  };
  const inBox = (y: Float64Array) => !lower || y.every((v, i) => v >= lower[i] && v <= upper![i]);

  let len = 0, kv = 0, h = Math.min(o.step, o.maxLength), stop = LENGTH;
  const f0 = new Float64Array(d);
  record(0, 0);
  while (true) {
    if (kv === V - 1) { stop = VERTICES; break; }
    const remaining = o.maxLength - len;
    if (remaining <= 1e-15 * o.maxLength) { stop = LENGTH; break; }
    const pn = field(x, f0);
    const wn = target ? Math.hypot(...target.map((t, i) => t - x[i])) : 1;
    if (!(pn > 1e-12 * wn)) { stop = target && wn < 1e-9 ? TARGET : ORTHOGONAL; break; }
    let limit = LENGTH;
    let hMax = remaining;
    if (target && pn < hMax) { hMax = pn; limit = TARGET; }
    let step = Math.min(h, hMax);
    let accepted: Float64Array | undefined = undefined;
    for (let tries = 0; tries < 60; tries++) {
      const one = rk4(x, step);
      const half = rk4(rk4(x, step / 2), step / 2);
      let e = 0;
      for (let i = 0; i < d; i++) e = Math.max(e, Math.abs(half[i] - one[i]));
      if (!Number.isFinite(e)) { step /= 4; continue; }
      const scale = Math.min(4, Math.max(0.2, 0.9 * Math.pow(o.tol / Math.max(e, 1e-300), 0.2)));
      if (e <= o.tol) {
        accepted = half.map((v, i) => v + (v - one[i]) / 15);
        h = step * scale;
        break;
      }
      step *= scale;
    }
    if (!accepted || !accepted.every(Number.isFinite)) { stop = NONFINITE; break; }
    if (!inBox(accepted)) {
      // Shrink towards the box face (bisection on the step length), then stop there.
      let a = 0, c = step;
      for (let it = 0; it < 50; it++) {
        const mid = (a + c) / 2;
        if (inBox(rk4(x, mid))) a = mid;
        else c = mid;
      }
      if (a > 0) { x = rk4(x, a); len += a; kv++; record(kv, len); }
      stop = BOX;
      break;
    }
    for (let i = 0; i < d; i++) w[i] = (accepted[i] - x[i]) / step;
    const wn2 = Math.hypot(...w);
    w = w.map((v) => v / wn2);
    x = accepted;
    len += step;
    kv++;
    record(kv, len);
    if (step >= hMax - 1e-15 * o.maxLength && limit !== LENGTH) { stop = limit; break; }
  }
  return { vertices: kv + 1, stop, length: len };
}
