import { describe, expect, it } from "vitest";
import { Arena } from "../../../src/engine/arena.js";
import { uploadNetwork } from "../../../src/engine/network.js";
import { compileNetwork } from "../../../src/model/compile.js";
import { regionAt, regionBuffers, type GeodesicKernels, type Region } from "../../../src/analyses/geodesicRegion.js";
import { referenceForward } from "../../../src/reference/forward.js";
import { frozenJacobian, frozenPreActivations } from "../../../src/reference/leaf.js";
import {
  referenceGeodesicSegment, type ReferenceRegion, type ReferenceSegmentOptions, type ReferenceSegmentState, type ReferenceVertex,
} from "../../../src/reference/geodesic.js";
import type { Model } from "../../../src/model/model.js";
import { randomMlp, randomWeights } from "../../support/models.js";

const EVENTS: Record<number, string> = { [-1]: "crossing", 0: "length", 2: "box", 5: "maxVertices", 7: "degenerate" };
const FLUSH = -2;

/** The region's data as plain arrays (copies) for the reference integrator. */
function plain(arena: Arena, R: Region): ReferenceRegion {
  const { buf, d, C, r, P } = R;
  const f = (p: number, n: number) => Float64Array.from(arena.f64(p, n));
  return {
    d, C, r, xb: f(buf.xb, d), Q: f(buf.Q, r * d), A: f(buf.A, C * r), Araw: f(buf.Araw, C * r), sb: f(buf.sb, C),
    zb: f(buf.zb, P), M: f(buf.M, P * r), bits: Uint32Array.from(arena.u32(buf.bits, Math.ceil(P / 32))),
  };
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i])));
};

const minP = (s: ArrayLike<number>) => {
  const mx = Math.max(...Array.from(s));
  const e = Array.from(s, (v) => Math.exp(v - mx));
  return Math.min(...e) / e.reduce((a, b) => a + b, 0);
};

/**
 * Integrate a whole path region by region. In each region the kernel and the twin start from the same state
 * (the kernel's), run to the region's event, and must agree on every vertex, the event and the final state;
 * the transition (regionAt, Region.enter) is the engine's. Returns the events in order.
 */
function drivePath(arena: Arena, model: Model, x0: ArrayLike<number>, v0: ArrayLike<number>, o: ReferenceSegmentOptions, cap: number): string[] {
  const k = arena.kernels<GeodesicKernels>();
  const up = uploadNetwork(arena, compileNetwork(model));
  const d = up.net.inputSize, C = up.net.outputSize;
  const buf = regionBuffers(arena, up);
  const pts = arena.allocF64(cap * d), outs = arena.allocF64(cap * C), prm = arena.allocF64(cap), spd = arena.allocF64(cap);
  const yp = arena.allocF64(C), vp = arena.allocF64(C), xPrev = arena.allocF64(d), state = arena.allocF64(6);
  const work = arena.allocF64(k.geodesicWorkF64(d, C));
  const lo = o.lo ? arena.putF64(o.lo) : 0, hi = o.hi ? arena.putF64(o.hi) : 0;
  let R = regionAt(arena, k, up, buf, x0, null, 1e-9);
  const v = R.toLocal(v0);
  const sp = Math.sqrt(R.speed2(new Float64Array(R.r), v));
  arena.f64(yp, R.r).fill(0);
  arena.f64(vp, R.r).set(v.map((x) => x / sp));
  arena.f64(xPrev, d).set(x0);
  arena.f64(state, 6).set([0, 0, 0, 1, 0, -1]);
  const events: string[] = [];
  while (true) {
    const s0 = arena.f64(state, 6);
    const st: ReferenceSegmentState = {
      y: Float64Array.from(arena.f64(yp, R.r)), v: Float64Array.from(arena.f64(vp, R.r)), xPrev: Float64Array.from(arena.f64(xPrev, d)),
      len: s0[0], eucl: s0[1], steps: s0[2], kv: s0[3],
    };
    const ref = referenceGeodesicSegment(plain(arena, R), st, o);
    const got: ReferenceVertex[] = [];
    let ev: number;
    do {
      ev = k.geodesicSegmentF64(
        C, R.r, d, R.P, buf.xb, buf.Q, buf.A, buf.Araw, buf.sb, buf.zb, buf.M, buf.bits,
        yp, vp, xPrev, o.step, o.maxLength, o.recordEvery, lo, hi, o.maxVertices,
        cap, pts, outs, prm, spd, state, work,
      );
      const kb = arena.f64(state, 6)[4];
      expect(kb).toBeLessThanOrEqual(cap);
      for (let i = 0; i < kb; i++) {
        got.push({
          x: Float64Array.from(arena.f64(pts + i * d * 8, d)), logits: Float64Array.from(arena.f64(outs + i * C * 8, C)),
          len: arena.f64(prm, cap)[i], speed2: arena.f64(spd, cap)[i],
        });
      }
      arena.f64(state, 6)[4] = 0;
    } while (ev === FLUSH);
    expect(EVENTS[ev]).toBe(ref.event);
    expect(got.length).toBe(ref.vertices.length);
    // 1e-12, except at a step onto the simplex's edge (min p < 1e-9, e.g. 1e-28 before a degenerate stop),
    // where G = AᵀFA is so ill-conditioned that the two exp implementations' last bits show (~2e-9).
    let tol = 1e-12;
    got.forEach((g, i) => {
      const w = ref.vertices[i];
      tol = minP(w.logits) < 1e-9 ? 1e-7 : 1e-12;
      close(g.x, w.x, tol);
      close(g.logits, w.logits, tol);
      expect(g.len).toBeCloseTo(w.len, 13);
      // speed² = m₂ − m₁² cancels; at the edge vertex m₁² is large and only its leading digits agree.
      expect(Math.abs(g.speed2 - w.speed2)).toBeLessThan(tol === 1e-12 ? 1e-10 : 1e-4);
    });
    const s1 = arena.f64(state, 6);
    close([s1[0], s1[1]], [st.len, st.eucl], tol);
    expect(s1[2]).toBe(st.steps);
    expect(s1[3]).toBe(st.kv);
    close(arena.f64(yp, R.r), st.y, tol);
    // ẏ grows like 1/√(min p) at the edge (unit metric speed, here |ẏ| ≈ 5e3 at min p ≈ 1e-28): there the
    // two exp implementations' last bits are amplified to a few 1e-2 relative (2.1e-2 seen).
    close(arena.f64(vp, R.r), st.v, tol === 1e-12 ? tol : 5e-2);
    close(arena.f64(xPrev, d), st.xPrev, tol);
    events.push(ref.event);
    if (ref.event !== "crossing") return events;
    expect(s1[5]).toBe(ref.crossed);
    // The engine's transition to the next region.
    const x = Float64Array.from(arena.f64(xPrev, d));
    const vx = R.toGlobalVelocity(arena.f64(vp, R.r));
    const sp2 = R.speed2(arena.f64(yp, R.r), arena.f64(vp, R.r));
    R = regionAt(arena, k, up, buf, x, { from: R, crossed: ref.crossed, vx }, 1e-9);
    const nv = R.enter(vx, sp2);
    if (!nv) return events;
    arena.f64(yp, R.r).fill(0);
    arena.f64(vp, R.r).set(nv);
    arena.f64(state, 6)[3] += 1;
  }
}

describe("geodesic kernels (geodesicReduceF64, geodesicSegmentF64)", () => {
  for (const variant of ["debug", undefined] as const) {
    it(`reduce a region to A, Araw, z_b, M as the frozen float64 network does (${variant ?? "default"} build)`, async () => {
      const arena = await Arena.create(variant);
      const k = arena.kernels<GeodesicKernels>();
      const model = randomMlp([5, 7, 6, 4], 13, "leakyRelu", "softmax", 0.2);
      const up = uploadNetwork(arena, compileNetwork(model));
      const x = [0.3, -0.1, 0.2, 0.5, -0.4];
      const R = regionAt(arena, k, up, regionBuffers(arena, up), x, null, 1e-9);
      expect(R.r).toBe(3);
      expect(R.P).toBe(13);
      const { Q, A, Araw, zb, M, sb, r, C, d } = plain(arena, R);
      const on = referenceForward(model, x).preActivations.map((z) => Array.from(z, (v) => v > 0));
      const J = frozenJacobian(model, on);
      for (let c = 0; c < C; c++) for (let kk = 0; kk < r; kk++) {
        const raw = J[c].reduce((acc, v, i) => acc + v * Q[kk * d + i], 0);
        const mean = J.reduce((acc, row) => acc + row.reduce((a2, v, i) => a2 + v * Q[kk * d + i], 0), 0) / C;
        expect(Araw[c * r + kk]).toBeCloseTo(raw, 12);
        expect(A[c * r + kk]).toBeCloseTo(raw - mean, 12);
      }
      // z is affine in y with the pattern frozen: z(x_b + Qᵀe_k) − z(x_b) = M e_k.
      // Constraints are the pre-activations signed to be ≥ 0 inside the region: s·z with s = sign z.
      const z0 = frozenPreActivations(model, x, on);
      const signs = [...z0[0], ...z0[1]].map((v) => (v > 0 ? 1 : -1));
      close(zb, [...z0[0], ...z0[1]].map((v, b) => signs[b] * v), 1e-13);
      close(sb, z0[2], 1e-13);
      for (let kk = 0; kk < r; kk++) {
        const z1 = frozenPreActivations(model, x.map((v, i) => v + Q[kk * d + i]), on);
        const dzk = [...z1[0], ...z1[1]].map((v, b) => signs[b] * v - zb[b]);
        for (let b = 0; b < R.P; b++) expect(M[b * r + kk]).toBeCloseTo(dzk[b], 12);
      }
    });

    it(`integrate a segment as the float64 twin does, through crossings, flushes and every stop (${variant ?? "default"} build)`, async () => {
      const arena = await Arena.create(variant);
      const relu = randomMlp([4, 16, 16, 3], 3);
      const x0 = [0.1, 0.2, -0.3, 0.4], v0 = [1, -0.5, 0.3, 0.2];
      const base = { step: 5e-3, maxLength: 2, recordEvery: 3, maxVertices: 4096 };
      const long = drivePath(arena, relu, x0, v0, base, 7);
      expect(long.filter((e) => e === "crossing").length).toBeGreaterThan(3);
      expect(long[long.length - 1]).toBe("length");
      expect(drivePath(arena, relu, x0, v0, { ...base, maxVertices: 40 }, 16).at(-1)).toBe("maxVertices");
      const box = { lo: Float64Array.from(x0, (v) => v - 0.05), hi: Float64Array.from(x0, (v) => v + 0.05) };
      expect(drivePath(arena, relu, x0, v0, { ...base, ...box }, 16).at(-1)).toBe("box");
      const lin = randomMlp([6, 5, 4], 11, "linear");
      const degenerate = drivePath(arena, lin, [0.3, -0.2, 0.1, 0.5, -0.4, 0.2], randomWeights(5, 6, 1), { ...base, maxLength: 3, step: 1e-2, recordEvery: 1 }, 64);
      expect(degenerate).toEqual(["degenerate"]);
    });
  }
});
