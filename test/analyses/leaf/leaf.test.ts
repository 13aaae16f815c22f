import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../../../src/index.js";
import { Model } from "../../../src/model/model.js";
import { referenceForward, softmax } from "../../../src/reference/forward.js";
import { dataBasis, frozenJacobian, project, referenceLeaf } from "../../../src/reference/leaf.js";
import { randomMlp, randomWeights } from "../../support/models.js";
import type { LeafPath } from "../../../src/analyses/leaf.js";
import type { ModelSpec } from "../../../src/model/types.js";

let engine: Engine;
beforeAll(async () => { engine = await createEngine({ workers: 0 }); });
afterAll(async () => { await engine.close(); });

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, a) => s + a * a, 0));
const row = (p: LeafPath, i: number) => Array.from(p.points.subarray(i * p.d, (i + 1) * p.d));

/** Sign pattern at x (true = pre-activation > 0), from the float64 reference forward pass. */
function patternAt(spec: ModelSpec, x: number[]): boolean[][] {
  return referenceForward(spec, x).preActivations.map((z) => Array.from(z, (v) => v > 0));
}

/** For every segment with positive length: residual of its direction against the distribution at its midpoint. */
function segmentResiduals(spec: ModelSpec, p: LeafPath, kernel: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < p.vertices; i++) {
    const a = row(p, i), b = row(p, i + 1);
    const u = b.map((v, k) => v - a[k]);
    const n = norm(u);
    if (n < 1e-9) continue;
    const mid = a.map((v, k) => (v + b[k]) / 2);
    const Q = dataBasis(frozenJacobian(spec, patternAt(spec, mid)));
    const inside = project(Q, u.map((v) => v / n), kernel); // the part inside the distribution
    out.push(norm(u.map((v, k) => v / n - inside[k])));
  }
  return out;
}

/** Pre-activation of every relu unit (layer order), as the leaf's crossedUnit indexes them. */
function reluPreActivations(spec: ModelSpec, x: number[]): number[] {
  const f = referenceForward(spec, x);
  return spec.layers.flatMap((l, i) => (l.type === "dense" && (l.activation === "relu" || l.activation === "leakyRelu") ? Array.from(f.preActivations[i]) : []));
}

describe("engine.leaf on piecewise-linear networks", () => {
  const model = randomMlp([4, 16, 16, 3], 3);
  const x0 = [0.1, 0.2, -0.3, 0.4];

  for (const distribution of ["data", "kernel"] as const) {
    it(`${distribution}: every segment lies in its region's distribution, breakpoints sit on boundaries`, async () => {
      const p = await engine.leaf(model, x0, { distribution, maxLength: 3, seed: 2 });
      expect(p.exact).toBe(true);
      expect(p.stopReason).toBe("length");
      expect(p.length).toBeCloseTo(3, 12);
      expect(p.vertices).toBeGreaterThan(5); // it crosses regions
      const res = segmentResiduals(model, p, distribution === "kernel");
      expect(res.length).toBeGreaterThan(4);
      expect(Math.max(...res)).toBeLessThan(1e-5);
      // The arc length is the sum of the segment lengths.
      let L = 0;
      for (let i = 1; i < p.vertices; i++) L += norm(row(p, i).map((v, k) => v - row(p, i - 1)[k]));
      expect(L).toBeCloseTo(p.length, 10);
      let crossings = 0;
      for (let i = 1; i < p.vertices; i++) {
        if (p.crossedUnit[i] < 0) continue;
        crossings++;
        const z = reluPreActivations(model, row(p, i));
        expect(Math.abs(z[p.crossedUnit[i]])).toBeLessThan(1e-10);
      }
      expect(crossings).toBe(p.vertices - 2); // every inner vertex is a crossing; the last one ends the length
      // Region hashes match engine.forward at each segment's midpoint.
      const mids = new Float64Array((p.vertices - 1) * 4);
      for (let i = 0; i + 1 < p.vertices; i++) for (let k = 0; k < 4; k++) mids[i * 4 + k] = (p.points[i * 4 + k] + p.points[(i + 1) * 4 + k]) / 2;
      const f = await engine.forward(model, mids);
      for (let i = 0; i + 1 < p.vertices; i++) expect(p.regionHash[i]).toBe(f.regionHash[i]);
      // Outputs are the logits at the vertices.
      for (const i of [0, p.vertices - 1]) {
        const ref = referenceForward(model, row(p, i)).output;
        for (let c = 0; c < 3; c++) expect(p.outputs[i * 3 + c]).toBeCloseTo(ref[c], 10);
      }
    });

    it(`${distribution}: agrees with the float64 TypeScript twin`, async () => {
      const dir = randomWeights(9, 4, 1);
      const p = await engine.leaf(model, x0, { distribution, maxLength: 2, direction: dir });
      const r = referenceLeaf(model, x0, { distribution, direction: dir, maxLength: 2 });
      expect(p.vertices).toBe(r.points.length);
      for (let i = 0; i < p.vertices; i++) {
        for (let k = 0; k < 4; k++) expect(Math.abs(p.points[i * 4 + k] - r.points[i][k])).toBeLessThan(1e-9);
        expect(p.crossedUnit[i]).toBe(r.crossed[i]);
        expect(p.rank[i]).toBe(r.rank[i]);
      }
    });
  }

  it("long leaves of a leakyRelu network (many rank-1 Jacobian updates and refreshes) agree with the twin", async () => {
    const leaky = randomMlp([5, 64, 64, 4], 21, "leakyRelu", "softmax", 0.1);
    const x = [0.1, -0.2, 0.3, 0.05, -0.1];
    const dir = randomWeights(4, 5, 1);
    const p = await engine.leaf(leaky, x, { distribution: "data", maxLength: 4, direction: dir });
    const r = referenceLeaf(leaky, x, { distribution: "data", direction: dir, maxLength: 4 });
    expect(p.vertices).toBeGreaterThan(40);
    expect(p.vertices).toBe(r.points.length);
    let worst = 0;
    for (let i = 0; i < p.vertices; i++) for (let k = 0; k < 5; k++) worst = Math.max(worst, Math.abs(p.points[i * 5 + k] - r.points[i][k]));
    expect(worst).toBeLessThan(1e-8);
    expect(Math.max(...segmentResiduals(leaky, p, false))).toBeLessThan(1e-5);
  });

  it("kernel paths keep p constant; data paths change it", async () => {
    const [k, d] = await Promise.all([
      engine.leaf(model, x0, { distribution: "kernel", maxLength: 2, seed: 5 }),
      engine.leaf(model, x0, { distribution: "data", maxLength: 2, seed: 5 }),
    ]);
    const drift = (p: LeafPath) => {
      const p0 = softmax(p.outputs.subarray(0, 3));
      let m = 0;
      for (let i = 1; i < p.vertices; i++) {
        const pi = softmax(referenceForward(model, row(p, i)).output);
        for (let c = 0; c < 3; c++) m = Math.max(m, Math.abs(pi[c] - p0[c]));
      }
      return m;
    };
    // Exact walk: p is constant on a kernel leaf up to round-off (documented bound: 1e-12 × length).
    expect(drift(k)).toBeLessThan(1e-12 * k.length + 1e-13);
    expect(drift(d)).toBeGreaterThan(1e-2);
  });

  it("ker g of a hidden layer's pullback metric keeps that layer's output constant (exactly, piecewise-linearly)", async () => {
    const wide = randomMlp([6, 4, 8, 3], 5);
    const x = [0.2, -0.1, 0.3, 0.4, -0.2, 0.1];
    const p = await engine.leaf(wide, x, { distribution: { metric: "pullback", layer: 0 }, maxLength: 2, seed: 3 });
    expect(p.genericRank).toBe(4);
    expect(p.length).toBeGreaterThan(0.5);
    const h0 = referenceForward(wide, x).layerOutputs[0];
    for (let i = 1; i < p.vertices; i++) {
      const h = referenceForward(wide, row(p, i)).layerOutputs[0];
      for (let j = 0; j < 4; j++) expect(Math.abs(h[j] - h0[j])).toBeLessThan(1e-12);
    }
    await expect(engine.leaf(wide, x, { distribution: { metric: "pullback", layer: 7 } })).rejects.toThrow(/layer/);
  });

  it("a single-region (linear) network's data leaf is the affine subspace x0 + Im Jᵀ S", async () => {
    const lin = randomMlp([6, 5, 4], 11, "linear");
    const x = [0.3, -0.2, 0.1, 0.5, -0.4, 0.2];
    const dir = randomWeights(3, 6, 1);
    const p = await engine.leaf(lin, x, { distribution: "data", maxLength: 1.5, direction: dir });
    expect(p.vertices).toBe(2);
    expect(p.rank[0]).toBe(3);
    // Im Jᵀ S from the weights: J = W2ᵀ W1ᵀ (C×d); its centred rows span Jᵀ S.
    const Q = dataBasis(frozenJacobian(lin, [[], []]));
    expect(Q.length).toBe(3);
    const step = row(p, 1).map((v, k) => v - x[k]);
    const inside = project(Q, step, false);
    expect(norm(step.map((v, k) => v - inside[k]))).toBeLessThan(1e-12);
    // ... and it is the projection of the direction, scaled to the length.
    const pd = project(Q, dir, false);
    const s = 1.5 / norm(pd);
    for (let k = 0; k < 6; k++) expect(step[k]).toBeCloseTo(pd[k] * s, 12);
  });

  it("stops at the box and towards a target", async () => {
    const p = await engine.leaf(model, x0, { distribution: "data", maxLength: 100, box: [-1, 1], seed: 3 });
    expect(p.stopReason).toBe("box");
    const last = row(p, p.vertices - 1);
    expect(Math.max(...last.map(Math.abs))).toBeCloseTo(1, 12);
    const t = [0.5, -0.5, 0.2, 0.1];
    const q = await engine.leaf(model, x0, { distribution: "data", maxLength: 10, target: t });
    expect(["target", "orthogonal", "trapped"]).toContain(q.stopReason);
    const dist = (v: number[]) => norm(v.map((a, k) => a - t[k]));
    expect(dist(row(q, q.vertices - 1))).toBeLessThan(dist(x0)); // it got closer
  });

  it("runs on the debug build and with workers (same vertices)", async () => {
    const dbg = await createEngine({ workers: 0, variant: "debug" });
    const pool = await createEngine({ workers: 2, chunkSize: 1 });
    try {
      const X = [x0, [0.5, -0.1, 0.2, 0.3], [-0.4, 0.4, 0.0, -0.2]];
      const a = await engine.leaves(model, X, { maxLength: 1, seed: 4 });
      const b = await dbg.leaves(model, X, { maxLength: 1, seed: 4 });
      const c = await pool.leaves(model, X, { maxLength: 1, seed: 4 });
      for (let i = 0; i < 3; i++) {
        expect(Array.from(b[i].points)).toEqual(Array.from(a[i].points));
        expect(Array.from(c[i].points)).toEqual(Array.from(a[i].points));
        expect(row(a[i], 0)).toEqual(X[i]); // start points are kept in float64
      }
    } finally {
      await dbg.close();
      await pool.close();
    }
  });

  it("rejects bad options; a conv network runs (here with zero weights: D = 0, nothing to walk along)", async () => {
    await expect(engine.leaf(model, [1, 2, 3], {})).rejects.toThrow(/d = 4/);
    await expect(engine.leaf(model, x0, { maxLength: -1 })).rejects.toThrow(/maxLength/);
    await expect(engine.leaf(model, x0, { direction: [1, 0, 0, 0], target: [0, 0, 0, 0] })).rejects.toThrow(/either/);
    const cnn = new Model({ inputShape: [4, 4, 1], head: "softmax", layers: [
      { type: "conv2d", filters: 1, kernelSize: [3, 3], strides: [1, 1], padding: "valid", kernel: new Float64Array(9), bias: new Float64Array(1), activation: "relu" },
      { type: "flatten" }, { type: "dense", units: 2, kernel: new Float64Array(8), bias: new Float64Array(2), activation: "linear" }] });
    const p = await engine.leaf(cnn, new Array(16).fill(0), {});
    expect(p.rank[0]).toBe(0);
    expect(p.stopReason).toBe("orthogonal");
  });
});

describe("engine.leaf on smooth networks (RK4)", () => {
  const model = randomMlp([3, 12, 3], 8, "tanh");
  const x0 = [0.2, -0.1, 0.3];
  it("kernel leaves keep p constant to first order; data leaves change it", async () => {
    const tol = 1e-10;
    const k = await engine.leaf(model, x0, { distribution: "kernel", maxLength: 1, seed: 1, tol });
    const d = await engine.leaf(model, x0, { distribution: "data", maxLength: 1, seed: 1, tol });
    expect(k.exact).toBe(false);
    expect(k.length).toBeCloseTo(1, 12);
    const drift = (p: LeafPath) => {
      const p0 = softmax(p.outputs.subarray(0, 3));
      let m = 0;
      for (let i = 1; i < p.vertices; i++) {
        const pi = softmax(p.outputs.subarray(i * 3, i * 3 + 3));
        for (let c = 0; c < 3; c++) m = Math.max(m, Math.abs(pi[c] - p0[c]));
      }
      return m;
    };
    // Documented bound: the accepted local error is ≤ tol per step, so p drifts by at most
    // Lip(p) × tol × steps; we check the generous 100 × tol × steps.
    expect(drift(k)).toBeLessThan(100 * tol * k.vertices);
    expect(drift(d)).toBeGreaterThan(1e-2);
    // Every step's direction lies in the kernel (up to the step's curvature: O(h²) of a unit step).
    for (let i = 0; i + 1 < k.vertices; i++) {
      const a = row(k, i), b = row(k, i + 1);
      const mid = a.map((v, j) => (v + b[j]) / 2);
      const u = b.map((v, j) => v - a[j]);
      expect(norm(u)).toBeLessThan(0.5);
      // J_s at the midpoint by central differences: J u must be ∝ 1.
      const h = 1e-6;
      const Ju = referenceForward(model, mid.map((v, j) => v + h * u[j] / norm(u))).output.map((v, c) => (v - referenceForward(model, mid.map((w, j) => w - h * u[j] / norm(u))).output[c]) / (2 * h));
      const mean = (Ju[0] + Ju[1] + Ju[2]) / 3;
      expect(Math.max(...Ju.map((v) => Math.abs(v - mean)))).toBeLessThan(1e-4);
    }
  });

  it("walks towards a target and stops at the box", async () => {
    const t = [0.6, 0.1, -0.4];
    const q = await engine.leaf(model, x0, { distribution: "data", target: t, maxLength: 5 });
    const dist = (v: ArrayLike<number>) => Math.hypot(...Array.from(v, (a, k) => a - t[k]));
    expect(q.stopReason).toBe("target");
    expect(dist(q.points.subarray((q.vertices - 1) * 3))).toBeLessThan(dist(x0));
    const b = await engine.leaf(model, x0, { distribution: "kernel", maxLength: 10, box: [-0.5, 0.5], seed: 2 });
    expect(b.stopReason).toBe("box");
    const last = Array.from(b.points.subarray((b.vertices - 1) * 3));
    expect(Math.max(...last.map(Math.abs))).toBeLessThanOrEqual(0.5);
    expect(Math.max(...last.map(Math.abs))).toBeGreaterThan(0.49);
  });
});
